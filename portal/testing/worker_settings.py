"""Settings of the worker processes started by the fault tests: production settings with the
e-mail backend that can be held mid-send (portal/testing/slow_mail.py)."""

from portal.settings import *  # noqa: F403

EMAIL_BACKEND = "portal.testing.slow_mail.SlowFileBackend"

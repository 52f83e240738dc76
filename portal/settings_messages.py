"""Used only by scripts/messages.sh: without LOCALE_PATHS, `makemessages` run inside an app
writes that app's own catalogue (<app>/locale/) instead of the project-wide one."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")

from .settings import *  # noqa: E402,F403

LOCALE_PATHS: list = []

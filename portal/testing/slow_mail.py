"""An e-mail backend for the fault tests' worker processes (portal/tests/test_faults.py).

Each message is written as one file in $TEST_MAIL_DIR. Before writing, the backend drops a
`sending-<n>` marker and waits while `$TEST_MAIL_DIR/hold` exists, so a test can kill the worker
in the middle of sending."""

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class SlowFileBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = Path(os.environ["TEST_MAIL_DIR"])
        for message in email_messages:
            (folder / f"sending-{uuid.uuid4().hex}").write_text(message.subject)
            deadline = time.monotonic() + 120
            while (folder / "hold").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            (folder / f"mail-{uuid.uuid4().hex}.eml").write_bytes(message.message().as_bytes())
        return len(email_messages)

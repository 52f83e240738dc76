"""Virus-scan hook for uploads. Uses clamd (INSTREAM over its socket) when
`settings.CLAMD_SOCKET` is set — a Unix socket path or `tcp://host:port` — and is skipped
otherwise. A scanner that is configured but does not answer refuses the upload (fail closed)."""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from django.conf import settings

CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    pass


@dataclass(frozen=True)
class ScanResult:
    status: str  # "clean", "infected" or "skipped"
    threat: str = ""

    @property
    def infected(self) -> bool:
        return self.status == "infected"


def _connect(address: str, timeout: float) -> socket.socket:
    if address.startswith("tcp://"):
        host, _, port = address[len("tcp://") :].rpartition(":")
        return socket.create_connection((host, int(port)), timeout=timeout)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.connect(address)
    return sock


def scan(file, *, address: str | None = None, timeout: float = 30.0) -> ScanResult:
    """Scan the open file `file` (read from the start); returns the verdict."""
    address = address if address is not None else getattr(settings, "CLAMD_SOCKET", "")
    if not address:
        return ScanResult("skipped")
    try:
        with _connect(address, timeout) as sock:
            sock.sendall(b"zINSTREAM\0")
            file.seek(0)
            while chunk := file.read(CHUNK):
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = sock.recv(4096)
                if not part:
                    break
                reply += part
    except OSError as exc:
        raise ScannerUnavailable(str(exc)) from exc
    finally:
        file.seek(0)
    text = reply.rstrip(b"\0").decode(errors="replace")
    if text.endswith("OK"):
        return ScanResult("clean")
    if text.endswith("FOUND"):
        threat = text.split(":", 1)[-1].removesuffix("FOUND").strip()
        return ScanResult("infected", threat)
    raise ScannerUnavailable(text or "no answer")

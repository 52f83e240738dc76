"""Structured logs with a request id (issue 16).

`RequestIdMiddleware` (first in MIDDLEWARE) gives every request an id: the `X-Request-ID` the
proxy sent when it looks like one, else a new one. It is put in a context variable, so every log
line written while the request runs carries it (`RequestIdFilter`), sent back in the
`X-Request-ID` header, and shown on the error page so a person can quote it. In production the
log lines are JSON (`JsonFormatter`, LOG_FORMAT=json, the default without DEBUG)."""

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_ACCEPTED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    return request_id_var.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get("X-Request-ID", "")
        request_id = offered if _ACCEPTED.match(offered) else uuid.uuid4().hex
        request.request_id = request_id
        # Not reset on the way out: Django logs 4xx and 5xx answers after the middleware chain
        # (BaseHandler.get_response), and those lines must carry the id too. The next request
        # in this thread (or task) sets its own.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response.headers["X-Request-ID"] = request_id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id_var.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and the exception."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        status = getattr(record, "status_code", None)
        if status:
            entry["status"] = status
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)

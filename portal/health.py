"""Liveness and readiness probes for load balancers and orchestrators. They answer anyone, so
they say only "ok" or "error" per dependency; what went wrong (driver errors name the database
role, host, port and the broker's address) goes to the log."""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return str(exc) or exc.__class__.__name__
    return None


def _broker() -> str | None:
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as exc:
        return str(exc) or exc.__class__.__name__
    return None


@never_cache
def readyz(request):
    checks = {"database": _database()}
    if settings.REDIS_URL:
        checks["broker"] = _broker()
    for name, error in checks.items():
        if error is not None:
            logger.error("Readiness check %s failed: %s", name, error)
    ok = all(error is None for error in checks.values())
    body = {
        "status": "ok" if ok else "error",
        "checks": {name: ("ok" if error is None else "error") for name, error in checks.items()},
    }
    return JsonResponse(body, status=200 if ok else 503)

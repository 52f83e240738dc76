"""Small HTTP helpers shared by every app."""

from django.conf import settings


def client_ip(request) -> str:
    """The client's address. Behind DJANGO_TRUSTED_PROXY_COUNT proxies, the address the nearest
    trusted proxy saw in X-Forwarded-For; otherwise the socket's address (never spoofable)."""
    hops = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))

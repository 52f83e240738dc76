"""What every page shows of the portal itself: its name, the funder's name and logo (settings,
so another funder deploys the same code under its own name)."""

from django.conf import settings


def branding(request):
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "PORTAL_FUNDER_NAME": settings.PORTAL_FUNDER_NAME,
        "PORTAL_LOGO": settings.PORTAL_LOGO,
    }

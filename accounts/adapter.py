"""allauth in the portal's voice: its e-mails name the portal (PORTAL_NAME) and link to SITE_URL,
whatever host the request came in on, instead of the bare host ("127.0.0.1:8000") that allauth
takes from the request when django.contrib.sites is not installed (it is not: one portal, one
site)."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


@dataclass(frozen=True)
class PortalSite:
    """What allauth's templates read of a Site: its name and domain."""

    name: str
    domain: str


def portal_site() -> PortalSite:
    return PortalSite(name=settings.PORTAL_NAME, domain=urlsplit(settings.SITE_URL).netloc or settings.PORTAL_NAME)


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {
            "current_site": portal_site(),
            "portal_name": settings.PORTAL_NAME,
            "portal_url": settings.SITE_URL,
            "funder_name": settings.PORTAL_FUNDER_NAME,
            **context,
        }
        super().send_mail(template_prefix, email, context)

    def format_email_subject(self, subject: str) -> str:
        return f"[{settings.PORTAL_NAME}] {subject}"

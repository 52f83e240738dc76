from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

# Areas that staff and reviewers reach; with REQUIRE_STAFF_MFA on they need two-factor first.
PROTECTED_PREFIXES = ("/manage/", "/review/", "/admin/")


def needs_mfa(user) -> bool:
    """Staff, call managers and reviewers must use two-factor authentication."""
    return bool(user.is_staff or user.is_superuser or user.call_roles.exists())


class RequireStaffMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.REQUIRE_STAFF_MFA and request.path.startswith(PROTECTED_PREFIXES) and request.user.is_authenticated:
            from allauth.mfa.utils import is_mfa_enabled

            if needs_mfa(request.user) and not is_mfa_enabled(request.user):
                messages.warning(
                    request, _("Set up two-factor authentication before you open the staff or reviewer pages.")
                )
                return redirect("mfa_activate_totp")
        return self.get_response(request)

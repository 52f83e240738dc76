from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

# Areas that staff and reviewers reach; with REQUIRE_STAFF_MFA on they need two-factor first.
PROTECTED_PREFIXES = ("/manage/", "/review/", "/admin/")


def needs_mfa(user) -> bool:
    """Staff, call managers and reviewers must use two-factor authentication."""
    return bool(user.is_staff or user.is_superuser or user.call_roles.exists())


def has_second_factor(user) -> bool:
    """Our own TOTP, or a login in this session through the government identity provider at a
    level of assurance that counts as two-factor (OIDC_ACR_TWO_FACTOR; set on the request's user
    by the middleware below, so it holds for this session only)."""
    from allauth.mfa.utils import is_mfa_enabled

    return bool(getattr(user, "two_factor_by_login", False)) or is_mfa_enabled(user)


class RequireStaffMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            from .oidc import TWO_FACTOR_SESSION_KEY

            # The same user object reaches the views, the rules and the API's session auth.
            user.two_factor_by_login = request.session.get(TWO_FACTOR_SESSION_KEY) == user.pk
        if settings.REQUIRE_STAFF_MFA and request.path.startswith(PROTECTED_PREFIXES) and user.is_authenticated:
            if needs_mfa(user) and not has_second_factor(user):
                messages.warning(
                    request, _("Set up two-factor authentication before you open the staff or reviewer pages.")
                )
                return redirect("mfa_activate_totp")
        return self.get_response(request)

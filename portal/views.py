from django.conf import settings
from django.http import HttpResponseRedirect, HttpResponseServerError
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView


class AccessibilityView(TemplateView):
    template_name = "pages/accessibility.html"


class PrivacyView(TemplateView):
    template_name = "pages/privacy.html"


@require_POST
def set_language(request):
    """Switch the interface language; remembered in a cookie and on the user's profile (e-mails
    follow it)."""
    language = request.POST.get("language")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
            httponly=False,
        )
        if request.user.is_authenticated and request.user.preferred_language != language:
            request.user.preferred_language = language
            request.user.save(update_fields=["preferred_language"])
    return response


def server_error(request, *args, **kwargs):
    """The 500 page with the request id, so a person can quote it and staff find the log lines.
    Renders without context processors or the database: whatever broke must not break this."""
    from .logs import current_request_id

    request_id = getattr(request, "request_id", "") or current_request_id()
    html = loader.get_template("500.html").render({"request_id": request_id})
    return HttpResponseServerError(html)

"""Building blocks of the REST API (DESIGN §6), shared by every app's api.py.

The API asks the same questions as the pages: access is a django-rules permission asked by
name, an object the user may not see answers 404 (never 403), and the language of an answer
is chosen as the pages choose it, with `?lang=` for clients that keep no cookies.
"""

from django.conf import settings
from django.http import Http404
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import exceptions, permissions, serializers
from rest_framework.views import exception_handler as drf_exception_handler

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]

LANG_PARAMETER = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=False,
    enum=LANGUAGE_CODES,
    description=(
        "Language of texts and messages in the answer. Without it: the language cookie, then the "
        "user's preferred language, then Dutch."
    ),
)


def language_for(request) -> str:
    """?lang=, then the language cookie, then the (token or session) user's preference, then
    Dutch: the portal's LanguageMiddleware order, which cannot see a token's user."""
    user = request.user
    candidates = (
        request.query_params.get("lang"),
        request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME),
        getattr(user, "preferred_language", None) if user.is_authenticated else None,
    )
    return next((code for code in candidates if code in LANGUAGE_CODES), settings.LANGUAGE_CODE)


class ApiMixin:
    """Mixed into every API view: answers in the language the client asked for."""

    def initial(self, request, *args, **kwargs):
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response.headers["Content-Language"] = translation.get_language()
        return response


class RulePermission(permissions.BasePermission):
    """Asks django-rules for the view's `permission_required` on the object. A refusal is a
    404, as on the pages: the API never confirms that an object exists to someone who may not
    see it."""

    def has_object_permission(self, request, view, obj):
        if request.user.has_perm(view.permission_required, obj):
            return True
        raise exceptions.NotFound()


def exception_handler(exc, context):
    """DRF's handler, except that every 404 answers the same bytes. Django's Http404 carries a
    text naming the model ("No Application matches the given query.") that a refusal by
    `RulePermission` does not, which would tell a hidden object from a missing one."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)


class StaffTwoFactor(permissions.BasePermission):
    """Staff data needs an account with two-factor authentication, as the /manage/ pages do
    (accounts.middleware): a password-only session or a token of such an account is refused."""

    def has_permission(self, request, view):
        from accounts.middleware import has_second_factor, needs_mfa

        user = request.user
        if not settings.REQUIRE_STAFF_MFA or not user.is_authenticated:
            return True
        if needs_mfa(user) and not has_second_factor(user):
            raise exceptions.PermissionDenied(
                translation.gettext("Set up two-factor authentication before you open the staff or reviewer pages.")
            )
        return True


_choice_fields: dict[str, type[serializers.ChoiceField]] = {}


def choice_field(component: str, choices, **kwargs) -> serializers.ChoiceField:
    """A ChoiceField whose values are the schema component `component` (e.g. "CallStatus"). The
    schema would otherwise name a set of choices after the field, and two sets under one field
    name (a call's `status`, an application's `status`) collide."""
    if component not in _choice_fields:
        schema = {"type": "string", "enum": [value for value, _label in choices]}
        field_class = type(f"{component}Field", (serializers.ChoiceField,), {})
        _choice_fields[component] = extend_schema_field(schema, component_name=component)(field_class)
    return _choice_fields[component](choices=choices, **kwargs)


class ErrorSerializer(serializers.Serializer):
    """A refusal or an error that belongs to no field."""

    detail = serializers.CharField()

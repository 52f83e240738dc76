"""What grants contributes to a person's data export and to erasure (accounts/privacy.py): the
grants of their organisations, and, as a reason to keep (anonymise) their account, anything in
a grant file they signed, proposed, approved or uploaded (the accounts must show who did it)."""

from django.apps import apps
from django.conf import settings
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.privacy import Contributor, Package, register

from .models import Grant


def export(user: User, package: Package) -> None:
    grants = Grant.objects.filter(beneficiary__memberships__user=user).select_related("call").order_by("pk")
    package.sections["grants"] = [
        {
            "number": grant.number,
            "call": grant.call.slug,
            "granted_amount": str(grant.granted_amount),
            "state": grant.state,
            "accepted_at": grant.accepted_at.isoformat() if grant.accepted_at else None,
            "accepted_by_you": grant.accepted_by_id == user.pk,
        }
        for grant in grants
    ]


def _user_fields():
    for model in apps.get_app_config("grants").get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is not None:
                if field.related_model._meta.label == settings.AUTH_USER_MODEL:
                    yield model, field.name


def keep_reasons(user: User) -> list[str]:
    if any(model._default_manager.filter(**{name: user}).exists() for model, name in _user_fields()):
        return [_("grant files")]
    return []


register(Contributor("grants", export, keep_reasons))

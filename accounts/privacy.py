"""A person's rights (GDPR articles 15, 17 and 20): everything the portal holds about them as a
ZIP, and erasure of their account.

`accounts` is upstream of the apps that hold most of that data (applications, messages,
uploads, reviews), so it cannot read them itself. Each app registers a **contributor** in its
`AppConfig.ready()`:

- `export(user, package)` adds JSON sections and files to the `Package` of the user;
- `keep_reasons(user)` returns why the account must stay (anonymised) instead of being deleted:
  records that belong to someone else (a submitted application belongs to its organisation; a
  review to the funder's file).

Erasure then anonymises the account where any app has a reason to keep it, and deletes it where
none has. Either way the person can no longer log in, and records that stay show a "former
user" as their author. See docs/decisions.md ("A person's rights").
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.models import Notification

from .models import ErasureRequest, User


@dataclass
class Package:
    """What goes into one person's ZIP: JSON sections by name, and files (name in the ZIP, open callable)."""

    sections: dict[str, object] = field(default_factory=dict)
    files: list[tuple[str, Callable]] = field(default_factory=list)


@dataclass(frozen=True)
class Contributor:
    name: str
    export: Callable[[User, Package], None]
    keep_reasons: Callable[[User], list[str]] = lambda user: []


_contributors: dict[str, Contributor] = {}


def register(contributor: Contributor) -> None:
    """Called by each app's AppConfig.ready(); registering the same name twice replaces it."""
    _contributors[contributor.name] = contributor


def contributors() -> list[Contributor]:
    return list(_contributors.values())


class ErasureError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Access and portability ------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _export_account(user: User, package: Package) -> None:
    package.sections["account"] = {
        "email": user.email,
        "name": user.full_name,
        "preferred_language": user.preferred_language,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
    }
    package.sections["memberships"] = [
        {
            "organisation": m.organisation.name,
            "kbo_number": m.organisation.kbo_number,
            "role": m.role,
            "mandate": m.mandate_role,
            "lapsed": _iso(m.lapsed_at),
        }
        for m in user.memberships.select_related("organisation").order_by("organisation__name")
    ]
    package.sections["notifications"] = [
        {"sent": _iso(n.sent_at), "created": _iso(n.created_at), "subject": n.subject, "body": n.body}
        for n in Notification.objects.filter(recipient=user).order_by("created_at", "pk")
    ]
    package.sections["erasure_requests"] = [
        {"requested": _iso(r.requested_at), "status": r.status} for r in user.erasure_requests.all()
    ]


register(Contributor("accounts", _export_account))


def export(user: User) -> bytes:
    """A ZIP with `data.json` (one section per app) and the person's files under `files/`."""
    package = Package()
    for contributor in contributors():
        contributor.export(user, package)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        document = {"exported_at": timezone.now().isoformat(), **package.sections}
        archive.writestr("data.json", json.dumps(document, ensure_ascii=False, indent=2, default=str))
        for name, opener in package.files:
            with opener() as handle:
                archive.writestr(f"files/{name}", handle.read())
    audit.record(user, "personal_data_exported", by=user, files=len(package.files))
    return buffer.getvalue()


# --- Erasure ---------------------------------------------------------------------------------


def keep_reasons(user: User) -> list[str]:
    return [reason for contributor in contributors() for reason in contributor.keep_reasons(user)]


@transaction.atomic
def request_erasure(user: User, *, reason: str = "") -> ErasureRequest:
    """Record the person's request; staff handle it. One pending request per person."""
    existing = user.erasure_requests.filter(status=ErasureRequest.Status.PENDING).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            request = ErasureRequest.objects.create(user=user, reason=reason)
    except IntegrityError:  # a double click
        return user.erasure_requests.get(status=ErasureRequest.Status.PENDING)
    audit.record(request, "erasure_requested", by=user)
    return request


def _anonymise(user: User, now: datetime) -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount
    from rest_framework.authtoken.models import Token

    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()  # the government login's claims
    Authenticator.objects.filter(user=user).delete()
    Token.objects.filter(user=user).delete()
    user.memberships.all().delete()
    Notification.objects.filter(recipient=user).delete()
    user.email = f"erased-{user.pk}@erased.invalid"
    user.full_name = ""
    user.national_register_hmac = ""
    user.is_active = False
    user.is_staff = user.is_superuser = False
    user.erased_at = now
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()


@transaction.atomic
def erase(request: ErasureRequest, *, by: User, now: datetime | None = None) -> ErasureRequest:
    """Handle an erasure request: anonymise the account where records must be kept, delete it
    where not. The request stays as the record of what was done."""
    now = now or timezone.now()
    request = ErasureRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ErasureRequest.Status.PENDING or request.user is None:
        raise ErasureError(_("This request has already been handled."))
    user = User.objects.select_for_update().get(pk=request.user_id)
    if user.pk == by.pk:
        raise ErasureError(_("Another staff member must handle your own request."))
    reasons = keep_reasons(user)
    user_id = user.pk
    if reasons:
        _anonymise(user, now)
        request.status = ErasureRequest.Status.ANONYMISED
        request.note = "; ".join(sorted(set(reasons)))[:2000]
    else:
        Notification.objects.filter(recipient=user).delete()
        user.delete()
        request.user = None
        request.status = ErasureRequest.Status.ERASED
    request.handled_by, request.handled_at = by, now
    request.reason = ""
    request.save()
    audit.record(request, "erasure_handled", by=by, outcome=request.status, user_id=user_id)
    return request


@transaction.atomic
def refuse_erasure(request: ErasureRequest, *, by: User, note: str) -> ErasureRequest:
    """Refuse a request (with a motivation the person can read)."""
    request = ErasureRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ErasureRequest.Status.PENDING:
        raise ErasureError(_("This request has already been handled."))
    if not note.strip():
        raise ErasureError(_("Say why the request is refused."))
    request.status, request.note, request.handled_by, request.handled_at = (
        ErasureRequest.Status.REFUSED, note.strip(), by, timezone.now(),
    )  # fmt: skip
    request.save()
    audit.record(request, "erasure_refused", by=by)
    return request

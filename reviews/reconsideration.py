"""Reconsideration (heroverweging) of a published decision.

The rule on time, written down once:
- The period is 30 calendar days, counted in Europe/Brussels. The day of publication is day 0
  (as in Belgian law, the day of the act is not counted); day 1 is the next Brussels calendar
  day, and day 30 is the publication date + 30 days.
- A request is accepted up to and including 23:59:59 Brussels time on day 30 and refused from
  00:00 on day 31. Summer and winter time do not matter: the days are Brussels calendar days.
- The server clock decides (`now`), never the applicant's browser.

One request per application. Staff answer it: refused (with a motivation the applicant reads),
or granted, in which case the decision is revised through `reviews.decisions.revise_published`
(re-published and e-mailed; the funding line follows, as the ranking reads recorded
decisions). The applicant is told either way. Every step is audited. Reviewers never appear:
nothing here reads an assignment.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import services as application_services
from applications.models import Application
from applications.uploads import MB, UploadRefused, inspect
from calls.models import FileFormat
from portal import audit
from portal.notifications import notify

from . import decisions
from .models import Decision, Reconsideration, ReconsiderationAttachment

BRUSSELS = ZoneInfo("Europe/Brussels")
PERIOD_DAYS = 30
MAX_FILES = 5
ALLOWED_FORMATS = [FileFormat.PDF, FileFormat.DOCX, FileFormat.ODT, FileFormat.PNG, FileFormat.JPEG]
MAX_MOTIVATION = 20000


def deadline_for(published_at: datetime) -> datetime:
    """The last moment a reconsideration may be asked: 23:59:59 (Brussels) on day 30 after the
    Brussels date of publication."""
    day_30 = timezone.localtime(published_at, BRUSSELS).date() + timedelta(days=PERIOD_DAYS)
    return datetime.combine(day_30, time(23, 59, 59), tzinfo=BRUSSELS)


def is_open(decision: Decision, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return decision.published_at is not None and now < deadline_for(decision.published_at) + timedelta(seconds=1)


def refusal(application: Application, decision: Decision | None, *, by, now: datetime | None = None) -> str | None:
    """Why `by` may not ask a reconsideration of `application` now, or None when they may."""
    now = now or timezone.now()
    if by is None or not by.has_perm("reviews.request_reconsideration", application):
        return _("You are not allowed to do this.")
    if decision is None or decision.published_at is None:
        return _("There is no published decision to reconsider.")
    if Reconsideration.objects.filter(application=application).exists():
        return _("A reconsideration of this decision was already asked.")
    if not is_open(decision, now):
        return _(
            "The period to ask for a reconsideration ended on %(date)s at 23:59 (Brussels time), 30 days after the "
            "decision was published."
        ) % {"date": _date(deadline_for(decision.published_at))}
    return None


def _date(moment: datetime) -> str:
    from django.utils.formats import date_format

    return date_format(timezone.localtime(moment, BRUSSELS), "l j F Y")


@transaction.atomic
def request(
    application: Application, *, by, motivation: str, uploads=(), now: datetime | None = None
) -> Reconsideration:
    """Record the applicant's request with its motivation and files, within the period (server
    clock, Brussels days); the call's managers are told. Raises ValidationError."""
    now = now or timezone.now()
    application = Application.objects.select_for_update().select_related("call").get(pk=application.pk)
    decision = Decision.objects.filter(application=application).first()
    reason = refusal(application, decision, by=by, now=now)
    if reason:
        raise ValidationError(reason)
    motivation = (motivation or "").strip()
    errors = {}
    if not motivation:
        errors["motivation"] = _("Explain why the decision should be reconsidered.")
    elif len(motivation) > MAX_MOTIVATION:
        errors["motivation"] = _("The motivation can be at most %(n)s characters long.") % {"n": MAX_MOTIVATION}
    uploads = list(uploads)
    if len(uploads) > MAX_FILES:
        errors["files"] = _("Add at most %(n)s files.") % {"n": MAX_FILES}
    checked = []
    for upload in uploads if "files" not in errors else []:
        try:
            checked.append((upload, inspect(upload, allowed_formats=ALLOWED_FORMATS, max_bytes=_limit(application))))
        except UploadRefused as refused:
            errors.setdefault("files", []).append(refused.message)
    if errors:
        raise ValidationError(errors)
    reconsideration = Reconsideration.objects.create(
        application=application,
        motivation=motivation,
        requested_by=by,
        requested_at=now,
        decision_outcome=decision.outcome,
        decision_published_at=decision.published_at,
    )
    for upload, found in checked:
        attachment = ReconsiderationAttachment(
            reconsideration=reconsideration,
            uuid=uuid.uuid4(),
            original_name=found.original_name,
            content_type=found.content_type,
            size=found.size,
            sha256=found.sha256,
        )
        attachment.file.save("upload", File(upload), save=False)
        attachment.save()
    _audit(reconsideration, "reconsideration_requested", by=by, files=len(checked))
    for manager in application_services.managers_of(application.call):
        notify(
            manager,
            "reviews_reconsideration_requested",
            {"reconsideration": reconsideration, "application": application},
            about=application,
        )
    return reconsideration


def _limit(application: Application) -> int:
    return application.call.max_upload_mb * MB


@transaction.atomic
def refuse(reconsideration: Reconsideration, *, motivation: str, by, now: datetime | None = None) -> Reconsideration:
    """Refuse the request with a motivation the applicant reads; the decision stands."""
    reconsideration = _locked_pending(reconsideration, by=by)
    motivation = (motivation or "").strip()
    if not motivation:
        raise ValidationError({"outcome_motivation": _("Motivate the refusal: the applicant reads this.")})
    _answer(reconsideration, Reconsideration.Outcome.REFUSED, motivation, by=by, now=now)
    return reconsideration


@transaction.atomic
def grant(
    reconsideration: Reconsideration,
    *,
    outcome: str,
    motivation: str,
    granted_amount: Decimal | None = None,
    by,
    now: datetime | None = None,
) -> Reconsideration:
    """Grant the request: the decision is revised to `outcome` (with `granted_amount` for an
    award), re-published and e-mailed; the applicant is told of the reconsideration too."""
    now = now or timezone.now()
    reconsideration = _locked_pending(reconsideration, by=by)
    motivation = (motivation or "").strip()
    if not motivation:
        raise ValidationError({"outcome_motivation": _("Motivate the revised decision: the applicant reads this.")})
    try:
        decisions.revise_published(
            reconsideration.application,
            outcome=outcome,
            granted_amount=granted_amount,
            motivation=motivation,
            by=by,
            now=now,
        )
    except ValidationError as error:
        if hasattr(error, "error_dict") and "motivation" in error.error_dict:
            error.error_dict["outcome_motivation"] = error.error_dict.pop("motivation")
        raise
    _answer(reconsideration, Reconsideration.Outcome.GRANTED, motivation, by=by, now=now)
    return reconsideration


def _locked_pending(reconsideration: Reconsideration, *, by) -> Reconsideration:
    reconsideration = (
        Reconsideration.objects.select_for_update(of=("self",))
        .select_related("application__call", "application__lead_organisation")
        .get(pk=reconsideration.pk)
    )
    if by is None or not by.has_perm("reviews.answer_reconsideration", reconsideration.application):
        raise ValidationError(_("You are not allowed to do this."))
    if not reconsideration.is_pending:
        raise ValidationError(_("This reconsideration has already been answered."))
    return reconsideration


def _answer(reconsideration: Reconsideration, outcome: str, motivation: str, *, by, now) -> None:
    reconsideration.outcome = outcome
    reconsideration.outcome_motivation = motivation
    reconsideration.answered_by = by
    reconsideration.answered_at = now or timezone.now()
    reconsideration.save(update_fields=["outcome", "outcome_motivation", "answered_by", "answered_at"])
    _audit(reconsideration, f"reconsideration_{outcome}", by=by, motivation=motivation)
    application = reconsideration.application
    for member in application_services.members_of(application):
        notify(
            member,
            "reviews_reconsideration_answered",
            {"reconsideration": reconsideration, "application": application},
            about=application,
            dedupe_key=f"reviews-reconsideration:{reconsideration.pk}:{member.pk}",
        )


def _audit(reconsideration: Reconsideration, action: str, *, by, **data) -> None:
    audit.record(reconsideration, action, by=by, call_id=reconsideration.application.call_id, **data)
    audit.record(reconsideration.application, action, by=by, **data)

"""Every change to an application: one function, one transaction, the row locked, the
transition checked in `workflow`, an audit event, notifications queued on commit (outbox).

Services take `by=user` (None: the system, e.g. demo data), never a request. Errors reach the
caller as `TransitionError` (with a message for the user), `StaleVersion` (a save from an
outdated form) or `uploads.UploadRefused`.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from calls import eligibility
from calls.models import Call, CallRole, DeadlineChange, Question, RequiredDocument
from portal import audit
from portal.notifications import notify

from . import content, references, signals, tasks, uploads, workflow
from .models import (
    DECIDED_STATUSES,
    DECLARATION,
    Answer,
    Application,
    Attachment,
    BudgetLine,
    Message,
    Partner,
    Status,
    WaiverDecision,
)
from .uploads import MB, UploadRefused  # noqa: F401 - re-exported for callers
from .workflow import Actor, Transition, TransitionError


class StaleVersion(TransitionError):
    """The form was loaded from an older version of the application than the one stored."""


# Sections the applicant may still change while an application is "incomplete": only what
# admissibility can ask for (answers and documents), never the project itself.
INCOMPLETE_EDITABLE = {"questions", "attachments"}
# Autosaves of the same section by the same person within this window share one audit event.
EDIT_AUDIT_WINDOW = timedelta(minutes=10)


# --- helpers ------------------------------------------------------------------------------


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


def members_of(application: Application) -> list[User]:
    return list(
        User.objects.filter(memberships__organisation_id=application.lead_organisation_id, is_active=True).distinct()
    )


def managers_of(call: Call) -> list[User]:
    return list(
        User.objects.filter(call_roles__call=call, call_roles__role=CallRole.Role.MANAGER, is_active=True).distinct()
    )


def _notify_all(users, template: str, context: dict, *, about) -> None:
    for user in users:
        notify(user, template, context, about=about)


def edit_refusal(application: Application, section: str, *, by, now: datetime | None = None) -> str | None:
    """Why `by` may not change `section` of `application` now (None: they may)."""
    now = now or timezone.now()
    if by is not None and not by.has_perm("applications.change_application", application):
        return _("You are not allowed to do this.")
    if application.status == Status.DRAFT:
        return None
    if application.status == Status.INCOMPLETE and (
        section in INCOMPLETE_EDITABLE
        or (section == "budget" and application.waiver_decision == WaiverDecision.REFUSED)
    ):
        if application.completion_deadline and now >= application.completion_deadline:
            return _("The time to complete this application ended on %(moment)s (Brussels time).") % {
                "moment": workflow.brussels(application.completion_deadline)
            }
        return None
    if application.status == Status.INCOMPLETE:
        return _("While the application is to be completed, only the answers and attachments can be changed.")
    # (After a refused co-financing waiver the budget may change too: the request has to come down.)
    return _("This application is %(status)s and can no longer be changed.") % {
        "status": Status(application.status).label
    }


def can_edit(application: Application, section: str, *, by, now: datetime | None = None) -> bool:
    return edit_refusal(application, section, by=by, now=now) is None


def _lock_for_edit(application: Application, section: str, *, by, version: int | None, now) -> Application:
    locked = _locked(application)
    reason = edit_refusal(locked, section, by=by, now=now)
    if reason:
        raise TransitionError(reason)
    if version is not None and int(version) != locked.version:
        raise StaleVersion(
            _(
                "This application was changed in another window or by another member of your organisation "
                "since you opened this page. Your text below was not saved: copy what you need, reload the page "
                "and make your changes again."
            )
        )
    return locked


def _saved(application: Application, section: str, *, by, fields: list[str], now) -> Application:
    application.version += 1
    application.save(update_fields=[*fields, "version", "updated_at"])
    _audit_edit(application, section, by=by, now=now)
    return application


def _audit_edit(application: Application, section: str, *, by, now) -> None:
    # An incomplete application may change only what was asked: every change is recorded.
    # Drafts get one event per section and person per window, so autosave does not flood the log.
    if application.status != Status.INCOMPLETE:
        recent = audit.events_for(application).filter(
            action="edited", created_at__gte=now - EDIT_AUDIT_WINDOW, actor_id=getattr(by, "pk", None)
        )
        if any(event.data.get("section") == section for event in recent):
            return
    audit.record(application, "edited", by=by, section=section, status=application.status)


# --- applicant: starting and editing ------------------------------------------------------


def start(
    call: Call, *, by: User, organisation: Organisation, now: datetime | None = None, prefill: dict | None = None
) -> tuple[Application, bool]:
    """Open the organisation's draft in `call`, creating it only when none exists (unless the
    call allows several): a double click, a refresh or two members at once get the same draft.
    A new draft starts from `prefill` (the self-check's answers: objectives, requested amount,
    dates, waiver motivation). Returns (application, created)."""
    now = now or timezone.now()
    with transaction.atomic():
        # The organisation row serialises starts of the same organisation.
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        candidate = Application(call=call, lead_organisation=organisation, created_by=by)
        workflow.ensure_allowed(candidate, Transition.START, by=by, now=now)
        # An organisation that cannot lead in this call is told so before a draft exists.
        lead_findings = eligibility.check(call, eligibility.Facts(lead_kind=organisation.kind))
        refused = [f for f in lead_findings if f.blocking and f.code == "lead_kind"]
        if refused:
            raise TransitionError(refused[0].message)
        if not call.allow_multiple_drafts:
            existing = (
                Application.objects.filter(call=call, lead_organisation=organisation, status=Status.DRAFT)
                .order_by("created_at", "pk")
                .first()
            )
            if existing is not None:
                return existing, False
        prefill = dict(prefill or {})
        objectives = [o for o in prefill.pop("objectives", []) if o.call_id == call.pk]
        for name in ("requested_amount", "start_date", "end_date", "waiver_motivation"):
            if name in prefill:
                setattr(candidate, name, prefill[name])
        candidate.save()
        if objectives:
            candidate.objectives.set(objectives)
        audit.record(candidate, "created", by=by, organisation=organisation.name, from_self_check=bool(prefill))
        return candidate, True


GENERAL_FIELDS = ("title", "acronym", "summary", "start_date", "end_date")


@transaction.atomic
def save_general(application: Application, *, by: User, version: int | None, data: dict, now=None) -> Application:
    """Save the general section. Only the keys present in `data` change (autosave sends the
    fields that validated); `objectives` is a list of the call's objectives."""
    now = now or timezone.now()
    application = _lock_for_edit(application, "general", by=by, version=version, now=now)
    fields = [name for name in GENERAL_FIELDS if name in data]
    for name in fields:
        value = data[name]
        setattr(application, name, value.strip() if isinstance(value, str) else value)
    if "objectives" in data:
        application.objectives.set([o for o in data["objectives"] if o.call_id == application.call_id])
    return _saved(application, "general", by=by, fields=fields, now=now)


PARTNER_FIELDS = ("name", "kind", "kbo_number", "role", "contact_name", "contact_email", "budget_share")


@transaction.atomic
def save_partners(
    application: Application, *, by: User, version: int | None, partners: list[dict], now=None
) -> Application:
    """Replace the partners with `partners` (dicts of PARTNER_FIELDS), in that order. A partner
    whose enterprise number matches an organisation in the portal is linked to it."""
    from accounts import kbo

    now = now or timezone.now()
    application = _lock_for_edit(application, "partners", by=by, version=version, now=now)
    numbers = {kbo.normalise(p.get("kbo_number") or "") for p in partners} - {""}
    known = {o.kbo_number: o for o in Organisation.objects.filter(kbo_number__in=numbers)}
    application.partners.all().delete()
    Partner.objects.bulk_create(
        Partner(
            application=application,
            order=index,
            organisation=known.get(kbo.normalise(p.get("kbo_number") or "")),
            **{name: _clean(p.get(name), name) for name in PARTNER_FIELDS},
        )
        for index, p in enumerate(partners)
    )
    return _saved(application, "partners", by=by, fields=[], now=now)


def _clean(value, name):
    if name == "kbo_number":
        from accounts import kbo

        return kbo.normalise(value or "")
    if name == "budget_share":
        return value
    return (value or "").strip() if isinstance(value, str) or value is None else value


FUNDING_FIELDS = ("requested_amount", "other_funding", "own_contribution", "waiver_motivation", "de_minimis_received")


@transaction.atomic
def save_budget(
    application: Application,
    *,
    by: User,
    version: int | None,
    lines: list[dict] | None = None,
    funding: dict | None = None,
    now=None,
) -> Application:
    """Replace the budget lines (dicts of category, description, amount) when `lines` is given
    and set the funding fields present in `funding`. Totals are never stored: they are summed."""
    now = now or timezone.now()
    application = _lock_for_edit(application, "budget", by=by, version=version, now=now)
    funding = funding or {}
    fields = [name for name in FUNDING_FIELDS if name in funding]
    for name in fields:
        value = funding[name]
        if name in ("other_funding", "own_contribution") and value is None:
            value = Decimal("0")
        setattr(application, name, value.strip() if isinstance(value, str) else value)
    if lines is not None:
        application.budget_lines.all().delete()
        BudgetLine.objects.bulk_create(
            BudgetLine(
                application=application,
                order=index,
                category=line["category"],
                description=(line.get("description") or "").strip(),
                amount=line["amount"],
            )
            for index, line in enumerate(lines)
        )
    return _saved(application, "budget", by=by, fields=fields, now=now)


@transaction.atomic
def save_answers(
    application: Application, *, by: User, version: int | None, answers: dict[Question, object], now=None
) -> Application:
    """Store answers (question → JSON value). An answer keeps the question text it answered:
    the text is taken again only when the answer changes."""
    now = now or timezone.now()
    application = _lock_for_edit(application, "questions", by=by, version=version, now=now)
    existing = {a.question_id: a for a in application.answers.all()}
    changed = []
    for question, value in answers.items():
        if question.call_id != application.call_id:
            continue
        answer = existing.get(question.pk)
        if answer is None:
            Answer.objects.create(application=application, question=question, question_text=question.text, value=value)
            changed.append(question.pk)
        elif answer.value != value:
            answer.value, answer.question_text = value, question.text
            answer.save(update_fields=["value", "question_text", "updated_at"])
            changed.append(question.pk)
    if not changed:
        return application
    return _saved(application, "questions", by=by, fields=[], now=now)


def add_attachment(
    application: Application,
    *,
    by: User,
    document: RequiredDocument | None,
    upload,
    question: Question | None = None,
    now=None,
) -> Attachment:
    """Check an upload by content, size and count; store it privately with its sha256.
    Raises UploadRefused (nothing is stored) or TransitionError."""
    now = now or timezone.now()
    call = application.call
    if document is not None and document.call_id != call.pk:
        raise UploadRefused(_("This document is not asked in this call."))
    allowed_formats = document.allowed_formats if document is not None else list(uploads.MIME_TYPES)
    limit_mb = document.size_limit_mb if document is not None else call.max_upload_mb
    # Slow work (hashing, virus scan) happens before the row is locked.
    inspected = uploads.inspect(upload, allowed_formats=allowed_formats, max_bytes=limit_mb * MB)
    with transaction.atomic():
        locked = _lock_for_edit(application, "attachments", by=by, version=None, now=now)
        if locked.attachments.count() >= call.max_attachments:
            raise UploadRefused(
                _("An application can have at most %(n)s attachments. Remove one before adding another.")
                % {"n": call.max_attachments}
            )
        attachment = Attachment(
            application=locked,
            document=document,
            kind=document.kind if document else "other",
            uuid=uuid.uuid4(),
            original_name=inspected.original_name,
            content_type=inspected.content_type,
            size=inspected.size,
            sha256=inspected.sha256,
            scan_status=inspected.scan_status,
            uploaded_by=by,
        )
        attachment.file.save("upload", File(upload), save=False)
        try:
            attachment.save()
            if question is not None:
                Answer.objects.update_or_create(
                    application=locked,
                    question=question,
                    defaults={
                        "question_text": question.text,
                        "value": {"attachment": attachment.pk, "name": attachment.original_name},
                    },
                )
            locked.version += 1
            locked.save(update_fields=["version", "updated_at"])
            audit.record(
                locked,
                "attachment_added",
                by=by,
                name=attachment.original_name,
                sha256=attachment.sha256,
                size=attachment.size,
                document=getattr(document, "pk", None),
                status=locked.status,
            )
        except Exception:
            attachment.file.delete(save=False)
            raise
    return attachment


def remove_attachment(attachment: Attachment, *, by: User, now=None) -> None:
    """Delete an attachment and its file."""
    now = now or timezone.now()
    with transaction.atomic():
        application = _lock_for_edit(attachment.application, "attachments", by=by, version=None, now=now)
        attachment = Attachment.objects.get(pk=attachment.pk, application=application)
        Answer.objects.filter(application=application, value__attachment=attachment.pk).delete()
        name = attachment.file.name
        audit.record(
            application,
            "attachment_removed",
            by=by,
            name=attachment.original_name,
            sha256=attachment.sha256,
            status=application.status,
        )
        attachment.delete()
        application.version += 1
        application.save(update_fields=["version", "updated_at"])
        storage = Attachment._meta.get_field("file").storage
        transaction.on_commit(lambda: storage.delete(name))


# --- applicant: status changes ------------------------------------------------------------


@transaction.atomic
def submit(
    application: Application,
    *,
    by: User,
    declaration: bool = False,
    now: datetime | None = None,
    version: int | None = None,
) -> Application:
    """Submit a draft (or resubmit an incomplete application): checks the deadline, the
    eligibility and completeness, assigns the gap-free reference once; a repeated submit of an
    already submitted application changes nothing. With `version` (the version the applicant
    reviewed), content changed since then is not submitted unseen. The receipt goes out after
    commit (outbox). The applicant must give the declaration of honour (`declaration`); its text
    and time are kept on the application."""
    now = now or timezone.now()
    application = _locked(application)
    if application.status == Status.SUBMITTED:
        return application  # double click or retry: one submission, one reference
    if version is not None and int(version) != application.version:
        raise StaleVersion(
            _(
                "This application was changed in another window or by another member of your organisation "
                "since you opened this page. Check the content below and submit again."
            )
        )
    transition = Transition.RESUBMIT if application.status == Status.INCOMPLETE else Transition.SUBMIT
    workflow.ensure_allowed(application, transition, by=by, now=now)
    if not declaration:
        raise TransitionError(_("Tick the declaration of honour to submit: the information is correct and complete."))
    application.reference = application.reference or references.next_for(application.call)
    application.status = Status.SUBMITTED
    if transition == Transition.SUBMIT:
        application.submitted_at = now
    application.declaration_text, application.declared_at = str(DECLARATION), now
    application.version += 1
    application.save(
        update_fields=[
            "reference",
            "status",
            "submitted_at",
            "declaration_text",
            "declared_at",
            "version",
            "updated_at",
        ]
    )
    digest = content.content_hash(application)
    action = "submitted" if transition == Transition.SUBMIT else "resubmitted"
    audit.record(
        application,
        action,
        by=by,
        reference=application.reference,
        content_sha256=digest,
        declared_at=now.isoformat(),
        declaration=application.declaration_text,
    )
    context = {"application": application, "content_hash": digest, "resubmitted": transition == Transition.RESUBMIT}
    _notify_all(members_of(application), "applications_receipt", context, about=application)
    # After the receipt and after commit: the search index and downstream checks (reviews looks
    # for double funding) never make the submission wait or fail.
    tasks.enqueue_index(application.pk)
    signals.application_submitted.send(sender=Application, application=application)
    return application


@transaction.atomic
def reopen(application: Application, *, by: User, now: datetime | None = None) -> Application:
    """Take a submitted application back to draft before the deadline; it keeps its reference
    and must be submitted again."""
    now = now or timezone.now()
    application = _locked(application)
    workflow.ensure_allowed(application, Transition.REOPEN, by=by, now=now)
    application.status = Status.DRAFT
    application.version += 1
    application.save(update_fields=["status", "version", "updated_at"])
    audit.record(application, "reopened", by=by, reference=application.reference)
    return application


@transaction.atomic
def withdraw(application: Application, *, by: User, reason: str = "", now: datetime | None = None) -> Application:
    """Withdraw an application whose decision (if any) is not published yet; staff of the call
    are told when it had been submitted."""
    now = now or timezone.now()
    application = _locked(application)
    if application.status == Status.WITHDRAWN:
        return application
    was_submitted = application.status != Status.DRAFT
    workflow.ensure_allowed(application, Transition.WITHDRAW, by=by, now=now)
    application.status = Status.WITHDRAWN
    application.version += 1
    application.save(update_fields=["status", "version", "updated_at"])
    reason = (reason or "").strip()
    audit.record(application, "withdrawn", by=by, reason=reason)
    if was_submitted:
        _notify_all(
            managers_of(application.call),
            "applications_withdrawn",
            {"application": application, "reason": reason},
            about=application,
        )
    return application


@transaction.atomic
def delete_draft(application: Application, *, by: User) -> None:
    """Delete a draft that was never submitted, with its answers, partners, budget and files.
    Anything ever submitted is withdrawn instead, never deleted (it has a reference and a trail).
    The deletion itself stays in the organisation's audit trail."""
    application = _locked(application)
    if by is not None and not by.has_perm("applications.change_application", application):
        raise TransitionError(_("You are not allowed to do this."))
    if application.status != Status.DRAFT or application.submitted_at is not None or application.reference:
        raise TransitionError(
            _("Only a draft that was never submitted can be deleted; withdraw this application instead.")
        )
    files = [attachment.file.name for attachment in application.attachments.all() if attachment.file]
    audit.record(
        application.lead_organisation,
        "draft_deleted",
        by=by,
        call_id=application.call_id,
        application_id=application.pk,
        title=application.title,
    )
    application.delete()
    storage = Attachment._meta.get_field("file").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in files])


# --- staff (called by reviews) ------------------------------------------------------------


@transaction.atomic
def mark_admissible(application: Application, *, by: User) -> Application:
    """Admissible: the review starts (submitted → in_review)."""
    application = _locked(application)
    workflow.ensure_allowed(application, Transition.MARK_ADMISSIBLE, by=by)
    application.status = Status.IN_REVIEW
    application.version += 1
    application.save(update_fields=["status", "version", "updated_at"])
    audit.record(application, "marked_admissible", by=by)
    return application


@transaction.atomic
def mark_incomplete(
    application: Application, *, by: User, missing: str, deadline: datetime | None = None
) -> Application:
    """Ask the applicant to complete what is missing before `deadline` (default: the call's
    completion_days from now); the members of the lead organisation are told."""
    missing = (missing or "").strip()
    if not missing:
        raise TransitionError(_("Say what is missing, so the applicant knows what to complete."))
    application = _locked(application)
    workflow.ensure_allowed(application, Transition.MARK_INCOMPLETE, by=by)
    deadline = deadline or timezone.now() + timedelta(days=application.call.completion_days)
    application.status = Status.INCOMPLETE
    application.completion_request, application.completion_deadline = missing, deadline
    application.version += 1
    application.save(update_fields=["status", "completion_request", "completion_deadline", "version", "updated_at"])
    audit.record(application, "marked_incomplete", by=by, missing=missing, deadline=deadline.isoformat())
    context = {"application": application, "missing": missing, "deadline": deadline}
    _notify_all(members_of(application), "applications_incomplete", context, about=application)
    return application


@transaction.atomic
def mark_inadmissible(application: Application, *, by: User, motivation: str) -> Application:
    """Inadmissible, with a motivation that the applicant receives."""
    motivation = (motivation or "").strip()
    if not motivation:
        raise TransitionError(_("A motivation is required to declare an application inadmissible."))
    application = _locked(application)
    workflow.ensure_allowed(application, Transition.MARK_INADMISSIBLE, by=by)
    application.status = Status.INADMISSIBLE
    application.version += 1
    application.save(update_fields=["status", "version", "updated_at"])
    audit.record(application, "marked_inadmissible", by=by, motivation=motivation)
    context = {"application": application, "motivation": motivation}
    _notify_all(members_of(application), "applications_inadmissible", context, about=application)
    return application


@transaction.atomic
def decide_waiver(application: Application, *, accepted: bool, motivation: str, by: User, now=None) -> Application:
    """Staff accept or refuse the co-financing waiver at admissibility, with a motivation the
    applicant reads; recorded on the application and audited. Decided once, while the
    application is submitted or incomplete."""
    motivation = (motivation or "").strip()
    if not motivation:
        raise TransitionError(_("Motivate the decision on the waiver: the applicant reads this."))
    application = _locked(application)
    if application.status not in (Status.SUBMITTED, Status.INCOMPLETE):
        raise TransitionError(_("The waiver is decided while admissibility is checked."))
    if not application.waiver_motivation.strip():
        raise TransitionError(_("This application does not ask for a waiver."))
    if application.waiver_decision:
        raise TransitionError(_("The waiver has already been decided."))
    application.waiver_decision = WaiverDecision.ACCEPTED if accepted else WaiverDecision.REFUSED
    application.waiver_decision_motivation = motivation
    application.waiver_decided_at = now or timezone.now()
    application.waiver_decided_by = by
    application.version += 1
    application.save(
        update_fields=[
            "waiver_decision",
            "waiver_decision_motivation",
            "waiver_decided_at",
            "waiver_decided_by",
            "version",
            "updated_at",
        ]
    )
    audit.record(application, "waiver_decided", by=by, decision=application.waiver_decision, motivation=motivation)
    return application


@transaction.atomic
def record_decision(application: Application, *, status: str, by: User) -> Application:
    """Record (or change, while unpublished) the decision: awarded, reserve or rejected.
    The applicant sees it only after `publish_decision`; nothing is sent here, and neither the
    version nor the time of the last change moves, as the applicant sees both (the API)."""
    try:
        transition = workflow.DECISION_TRANSITIONS[Status(status)]
    except (ValueError, KeyError):
        raise TransitionError(_("A decision is awarded, reserve list or rejected."))
    application = _locked(application)
    if application.status == status:
        return application
    previous = application.status
    workflow.ensure_allowed(application, transition, by=by)
    application.status = status
    application.save(update_fields=["status"])
    audit.record(application, "decision_recorded", by=by, status=status, previous=previous)
    return application


@transaction.atomic
def revise_decision(application: Application, *, status: str, by: User, now: datetime | None = None) -> Application:
    """Revise a published decision (a granted reconsideration): set the revised status and take
    the decision back from the applicant until `publish_decision` publishes it again."""
    if status not in DECIDED_STATUSES:
        raise TransitionError(_("A decision is awarded, reserve list or rejected."))
    application = _locked(application)
    workflow.ensure_allowed(application, Transition.REVISE_DECISION, by=by, now=now)
    previous = application.status
    application.status = status
    application.decision_published_at = None
    application.version += 1
    application.save(update_fields=["status", "decision_published_at", "version", "updated_at"])
    audit.record(application, "decision_revised", by=by, status=status, previous=previous)
    return application


@transaction.atomic
def publish_decision(application: Application, *, by: User, now: datetime | None = None) -> Application:
    """Make the recorded decision visible to the applicant (sets decision_published_at)."""
    now = now or timezone.now()
    application = _locked(application)
    workflow.ensure_allowed(application, Transition.PUBLISH_DECISION, by=by, now=now)
    application.decision_published_at = now
    application.version += 1
    application.save(update_fields=["decision_published_at", "version", "updated_at"])
    audit.record(application, "decision_published", by=by, status=application.status)
    return application


# --- messages -----------------------------------------------------------------------------


@transaction.atomic
def post_message(application: Application, *, by: User, body: str, from_staff: bool) -> Message:
    """Add a message to the application's thread and e-mail the other side: staff's messages
    go to the members of the lead organisation, applicants' messages to the call's managers."""
    body = (body or "").strip()
    if not body:
        raise TransitionError(_("Write a message first."))
    if len(body) > 10000:
        raise TransitionError(_("A message can be at most 10,000 characters long."))
    permission = "applications.manage_application" if from_staff else "applications.change_application"
    if by is not None and not by.has_perm(permission, application):
        raise TransitionError(_("You are not allowed to do this."))
    message = Message.objects.create(application=application, author=by, from_staff=from_staff, body=body)
    audit.record(application, "message_posted", by=by, from_staff=from_staff)
    recipients = members_of(application) if from_staff else managers_of(application.call)
    context = {"application": application, "message": message, "from_staff": from_staff}
    _notify_all([u for u in recipients if u != by], "applications_message", context, about=application)
    return message


def mark_messages_read(application: Application, *, by: User, from_staff: bool) -> int:
    """The reader (staff or applicant) has seen the other side's messages."""
    return Message.objects.filter(application=application, from_staff=not from_staff, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- reactions to calls -------------------------------------------------------------------


def notify_deadline_changed(call: Call, change: DeadlineChange) -> int:
    """Tell every member of an organisation with a draft in `call` that the deadline moved
    (each person once). Returns how many people were told."""
    users = (
        User.objects.filter(
            memberships__organisation__applications__call=call,
            memberships__organisation__applications__status__in=[Status.DRAFT, Status.INCOMPLETE],
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )
    count = 0
    for user in users:
        notify(user, "applications_deadline_changed", {"call": call, "change": change}, about=change)
        count += 1
    return count


__all__ = [
    "Actor",
    "StaleVersion",
    "TransitionError",
    "UploadRefused",
    "add_attachment",
    "can_edit",
    "edit_refusal",
    "mark_admissible",
    "mark_inadmissible",
    "mark_incomplete",
    "mark_messages_read",
    "notify_deadline_changed",
    "post_message",
    "publish_decision",
    "record_decision",
    "remove_attachment",
    "reopen",
    "save_answers",
    "save_budget",
    "save_general",
    "save_partners",
    "start",
    "submit",
    "withdraw",
]


# --- retention (called by reviews.retention) ------------------------------------------------


@transaction.atomic
def remove_personal_data(application: Application, *, funded: bool, now: datetime) -> bool:
    """Remove the personal data of an application whose retention period has ended; what the
    public register and the accounts need stays (organisation, amounts, dates, reference,
    status). Idempotent: returns False when it was already done."""
    application = _locked(application)
    if application.personal_data_removed_at is not None:
        return False
    Partner.objects.filter(application=application).update(contact_name="", contact_email="")
    Answer.objects.filter(application=application).update(value=None)
    Message.objects.filter(application=application).delete()
    files = [name for name in application.attachments.values_list("file", flat=True) if name]
    application.attachments.all().delete()
    if not funded:
        # A funded project's title and summary are public (the subsidy register); the others'
        # are free text of the applicants and go.
        application.title = application.acronym = application.summary = ""
        BudgetLine.objects.filter(application=application).update(description="")
    application.waiver_motivation = application.waiver_decision_motivation = ""
    application.completion_request = ""
    application.personal_data_removed_at = now
    # Field history would keep every earlier version of the text: it goes, the removal stays.
    application.history.all().delete()
    application.save()
    audit.record(application, "personal_data_removed", by=None, funded=funded, attachments=len(files))
    tasks.enqueue_index(application.pk)  # the search must not keep the removed text
    storage = Attachment._meta.get_field("file").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in files])
    return True

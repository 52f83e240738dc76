"""Every change to a call: one function, one transaction, one audit record.

Views call these with validated data and `by=user`; they never change a call themselves.
A refused change raises `django.core.exceptions.ValidationError` with a translated message
(keyed by form field where one applies), so a view can show it beside the field.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.notifications import notify

from . import signals
from .models import (
    Call,
    CallRole,
    CallStatus,
    Criterion,
    DeadlineChange,
    EligibilityRule,
    Objective,
    Question,
    RequiredDocument,
    RuleKind,
)

# Content is sacred: the reverse relations (defined by applications and reviews) through which
# submitted or reviewed content refers to a part of a call. `calls` names them, never imports them.
IN_USE_RELATIONS: dict[type, tuple[str, ...]] = {
    Question: ("answers",),
    Criterion: ("scores", "consensus_scores"),
    RequiredDocument: ("attachments",),
    Objective: ("applications", "criteria"),
}


def _locked(call: Call) -> Call:
    return Call.objects.select_for_update().get(pk=call.pk)


# --- Creating and editing ------------------------------------------------------------------


@transaction.atomic
def create_call(form, *, by) -> Call:
    """Create a call (unpublished) from a validated CallForm; the creator becomes its manager."""
    call = form.save(commit=False)
    call.published = False
    call.save()
    CallRole.objects.get_or_create(call=call, user=by, role=CallRole.Role.MANAGER)
    audit.record(call, "call_created", by=by, call_id=call.pk)
    return call


@transaction.atomic
def update_call(form, *, by) -> Call:
    """Save a validated CallForm (general settings); records which fields changed."""
    call = form.save()
    if form.changed_data:
        audit.record(call, "call_edited", by=by, call_id=call.pk, fields=sorted(form.changed_data))
    return call


@transaction.atomic
def save_items(formset, *, by) -> dict:
    """Save a validated inline formset of a call's parts (objectives, criteria, questions,
    documents or rules). Rows marked for removal go through `remove_item`, so what is in use is
    archived, never deleted. Returns counts of added, changed, archived and deleted rows."""
    counts = {"added": 0, "changed": 0, "archived": 0, "deleted": 0}
    call = formset.instance
    for form in formset.forms:
        if not form.has_changed() and form.instance.pk is None:
            continue
        if formset.can_delete and formset._should_delete_form(form):
            if form.instance.pk is not None:
                outcome = remove_item(form.instance, by=by)
                counts[outcome] += 1
            continue
        if form.instance.pk is None:
            item = form.save(commit=False)
            item.call = call
            item.save()
            form.save_m2m()
            counts["added"] += 1
        elif form.has_changed():
            form.save()
            counts["changed"] += 1
    if any(counts.values()):
        model = formset.model._meta.model_name
        audit.record(call, "call_items_saved", by=by, call_id=call.pk, item=model, **counts)
    return counts


def is_in_use(item) -> bool:
    """Whether submitted or reviewed content refers to `item` (a question, criterion, document or objective)."""
    for relation in IN_USE_RELATIONS.get(type(item), ()):
        manager = getattr(item, relation, None)
        if manager is not None and manager.exists():
            return True
    return False


@transaction.atomic
def remove_item(item, *, by) -> str:
    """Remove a part of a call: archived when anything refers to it (content is sacred),
    deleted otherwise. Eligibility rules are always deleted. Returns "archived" or "deleted"."""
    call_id = item.call_id
    description = str(item)
    if hasattr(item, "archived_at") and is_in_use(item):
        item.archived_at = timezone.now()
        item.save(update_fields=["archived_at"])
        outcome = "archived"
    else:
        item.delete()
        outcome = "deleted"
    call = Call.objects.get(pk=call_id)
    audit.record(call, f"item_{outcome}", by=by, call_id=call_id, item=type(item)._meta.model_name, name=description)
    return outcome


@transaction.atomic
def restore_item(item, *, by):
    """Bring an archived part of a call back."""
    item.archived_at = None
    item.save(update_fields=["archived_at"])
    audit.record(
        item.call, "item_restored", by=by, call_id=item.call_id, item=type(item)._meta.model_name, name=str(item)
    )
    return item


# --- Publishing and the deadline -----------------------------------------------------------


@transaction.atomic
def publish(call: Call, *, by) -> Call:
    """Make the call visible to the public."""
    call = _locked(call)
    if not call.title_nl:
        raise ValidationError(_("A call needs a Dutch title before it can be published."))
    if not call.published:
        call.published = True
        call.save(update_fields=["published", "updated_at"])
        audit.record(call, "call_published", by=by, call_id=call.pk)
    return call


@transaction.atomic
def unpublish(call: Call, *, by) -> Call:
    """Hide the call from the public (drafts in it are kept)."""
    call = _locked(call)
    if call.review_started_at:
        raise ValidationError(_("A call in review cannot be unpublished."))
    if call.published:
        call.published = False
        call.save(update_fields=["published", "updated_at"])
        audit.record(call, "call_unpublished", by=by, call_id=call.pk)
    return call


@transaction.atomic
def change_deadline(
    call: Call, *, new_closes_at: datetime, reason: str, by, changed_at: datetime | None = None
) -> DeadlineChange:
    """Move the deadline: records a DeadlineChange (old, new, who, why), updates `closes_at`,
    and sends `signals.deadline_changed` inside the transaction (applications tells drafters)."""
    call = _locked(call)
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Say why the deadline changes; applicants will read it.")
    if new_closes_at == call.closes_at:
        errors["new_closes_at"] = _("This is the current deadline.")
    elif new_closes_at <= call.opens_at:
        errors["new_closes_at"] = _("The deadline must be after the opening.")
    if call.review_started_at:
        errors["new_closes_at"] = _("The review phase has started; the deadline can no longer change.")
    if errors:
        raise ValidationError(errors)
    change = DeadlineChange.objects.create(
        call=call,
        old_closes_at=call.closes_at,
        new_closes_at=new_closes_at,
        changed_by=by if getattr(by, "is_authenticated", False) else None,
        reason=reason,
        changed_at=changed_at or timezone.now(),
    )
    call.closes_at = new_closes_at
    call.save(update_fields=["closes_at", "updated_at"])
    audit.record(
        call,
        "deadline_changed",
        by=by,
        call_id=call.pk,
        old=change.old_closes_at.isoformat(),
        new=change.new_closes_at.isoformat(),
        reason=reason,
    )
    signals.deadline_changed.send(sender=Call, call=call, change=change)
    return change


# --- Rounds --------------------------------------------------------------------------------


@transaction.atomic
def clone_call(
    call: Call,
    *,
    by,
    slug: str,
    title_nl: str,
    title_en: str = "",
    opens_at: datetime,
    closes_at: datetime,
    exclude_funded: bool = False,
) -> Call:
    """Copy a call into a new, unpublished round: settings, objectives, criteria (with their
    objective links), questions, documents, rules and roles. With `exclude_funded`, adds a
    `not_funded_in` rule so organisations funded in `call` may not apply."""
    if Call.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("Another call already uses this short name.")})
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": _("The deadline must be after the opening.")})
    original = Call.objects.prefetch_related(
        "objectives", "criteria", "questions", "documents", "eligibility_rules", "roles"
    ).get(pk=call.pk)
    copy = Call.objects.get(pk=call.pk)
    copy.pk = None
    copy.id = None
    copy._state.adding = True
    copy.slug = slug
    copy.title_nl = title_nl
    copy.title_en = title_en
    copy.opens_at, copy.closes_at = opens_at, closes_at
    copy.published = False
    copy.review_started_at = copy.review_closes_at = copy.decisions_published_at = copy.archived_at = None
    copy.cloned_from = original
    copy.save()

    objectives = {}
    for objective in original.objectives.all():
        if objective.archived_at:
            continue
        old_pk = objective.pk
        objective.pk = objective.id = None
        objective._state.adding = True
        objective.call = copy
        objective.save()
        objectives[old_pk] = objective
    for model_items in (original.criteria.all(), original.questions.all(), original.documents.all()):
        for item in model_items:
            if item.archived_at:
                continue
            item.pk = item.id = None
            item._state.adding = True
            item.call = copy
            if isinstance(item, Criterion) and item.objective_id:
                item.objective = objectives.get(item.objective_id)
            item.save()
    for rule in original.eligibility_rules.all():
        rule.pk = rule.id = None
        rule._state.adding = True
        rule.call = copy
        rule.save()
    if exclude_funded and not any(
        r.kind == RuleKind.NOT_FUNDED_IN and r.excluded_call_id == original.pk for r in original.eligibility_rules.all()
    ):
        EligibilityRule.objects.create(call=copy, kind=RuleKind.NOT_FUNDED_IN, excluded_call=original)
    CallRole.objects.bulk_create(
        [CallRole(call=copy, user_id=role.user_id, role=role.role) for role in original.roles.all()]
    )
    CallRole.objects.get_or_create(call=copy, user=by, role=CallRole.Role.MANAGER)
    audit.record(copy, "call_cloned", by=by, call_id=copy.pk, original=original.slug, exclude_funded=exclude_funded)
    return copy


# --- Who manages and reviews ----------------------------------------------------------------


@transaction.atomic
def add_role(call: Call, *, email: str, role: str, by) -> CallRole:
    """Give an existing user a role (manager or reviewer) in the call and tell them by e-mail."""
    user = get_user_model().objects.filter(email__iexact=(email or "").strip(), is_active=True).first()
    if user is None:
        raise ValidationError({"email": _("No user with this e-mail address. Ask them to sign up first.")})
    call_role, created = CallRole.objects.get_or_create(call=call, user=user, role=role)
    if not created:
        raise ValidationError({"email": _("%(user)s already has this role.") % {"user": user.email}})
    audit.record(call, "role_added", by=by, call_id=call.pk, user=user.email, role=role)
    notify(user, "calls_role_added", {"call": call, "role": call_role.get_role_display()}, about=call)
    return call_role


@dataclass(frozen=True)
class ReviewerRemoval:
    """What removing a reviewer from a call's pool did to their work in that call."""

    released: int = 0  # open assignments released (the applications need another reviewer)
    kept: int = 0  # submitted reviews that stay as they were and keep counting
    dropped: int = 0  # submitted reviews the manager released too (they no longer count)


@transaction.atomic
def remove_role(call_role: CallRole, *, by, release_submitted: bool = False) -> ReviewerRemoval:
    """Take a role away; it ends the access the role gave at once. Removing a reviewer from the
    pool also releases their open assignments in the call (through `signals.reviewer_removed`);
    their submitted reviews stay, read-only, and keep counting, as do past decisions, unless the
    manager asks to release those too (`release_submitted`)."""
    call = call_role.call
    call_role.delete()
    outcome = ReviewerRemoval()
    if call_role.role == CallRole.Role.REVIEWER:
        answers = signals.reviewer_removed.send(
            sender=Call, call=call, user=call_role.user, by=by, release_submitted=release_submitted
        )
        for _receiver, answer in answers:
            if isinstance(answer, ReviewerRemoval):
                outcome = ReviewerRemoval(
                    outcome.released + answer.released, outcome.kept + answer.kept, outcome.dropped + answer.dropped
                )
    audit.record(
        call,
        "role_removed",
        by=by,
        call_id=call.pk,
        user=call_role.user.email,
        role=call_role.role,
        released=outcome.released,
        kept=outcome.kept,
        dropped=outcome.dropped,
    )
    return outcome


# --- The phases after the deadline ----------------------------------------------------------


def can_start_review(call: Call, now=None) -> bool:
    return call.status_at(now) == CallStatus.CLOSED


def can_close_review(call: Call, now=None) -> bool:
    return call.is_review_open(now)


def can_archive(call: Call, now=None) -> bool:
    return call.status_at(now) in (CallStatus.DRAFT, CallStatus.CLOSED, CallStatus.REVIEW, CallStatus.DECIDED)


@transaction.atomic
def start_review(call: Call, *, by, review_closes_at: datetime | None = None, now=None) -> Call:
    """Move a closed call into its review phase."""
    now = now or timezone.now()
    call = _locked(call)
    if not can_start_review(call, now):
        raise ValidationError(_("The review phase can start only after the deadline of a published call."))
    if review_closes_at is not None and review_closes_at <= now:
        raise ValidationError({"review_closes_at": _("The end of the review phase must be in the future.")})
    call.review_started_at = now
    call.review_closes_at = review_closes_at
    call.save(update_fields=["review_started_at", "review_closes_at", "updated_at"])
    audit.record(call, "review_started", by=by, call_id=call.pk)
    return call


@transaction.atomic
def close_review(call: Call, *, by, now=None) -> Call:
    """End the review phase now: reviewers can no longer change their scores."""
    now = now or timezone.now()
    call = _locked(call)
    if not can_close_review(call, now):
        raise ValidationError(_("The review phase is not open."))
    call.review_closes_at = now
    call.save(update_fields=["review_closes_at", "updated_at"])
    audit.record(call, "review_closed", by=by, call_id=call.pk)
    return call


@transaction.atomic
def mark_decisions_published(call: Call, *, by, now=None) -> Call:
    """Record that the call's decisions were published (called by reviews when it publishes them)."""
    call = _locked(call)
    if call.decisions_published_at is None:
        call.decisions_published_at = now or timezone.now()
        call.save(update_fields=["decisions_published_at", "updated_at"])
        audit.record(call, "decisions_published", by=by, call_id=call.pk)
    return call


@transaction.atomic
def archive(call: Call, *, by, now=None) -> Call:
    """Archive a call that is no longer open: it stays readable, staff lists put it last."""
    now = now or timezone.now()
    call = _locked(call)
    if not can_archive(call, now):
        raise ValidationError(
            _("An open or upcoming call cannot be archived; move its deadline or unpublish it first.")
        )
    call.archived_at = now
    call.save(update_fields=["archived_at", "updated_at"])
    audit.record(call, "call_archived", by=by, call_id=call.pk)
    return call


@transaction.atomic
def save_legal_frame(form, *, by):
    """Save a validated LegalFrameForm (created on first save); records which fields changed."""
    frame = form.save()
    if form.changed_data:
        audit.record(frame.call, "legal_frame_edited", by=by, call_id=frame.call_id, fields=sorted(form.changed_data))
    return frame

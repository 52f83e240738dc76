"""Decisions on applications and their publication (DESIGN §3–§4).

A decision is recorded one by one (`award`, `reserve`, `reject`) or for the whole call by
applying the ranking's proposal (`apply_proposal`). Each writes the `Decision` row and moves
the application through `applications.services.record_decision`; reviews never sets an
application's status itself. Decisions stay invisible to applicants until `publish`, which
e-mails every member of each applicant organisation from the call's editable templates
(`DecisionEmailTemplate`, else the default files in templates/email/) and opens the evaluation
summary to them. A reserve application can later be awarded when budget frees up
(`award_reserve`): that decision is published and announced at once.

Every function here is one transaction and writes audit events on the decision (the call's
log) besides the ones `applications.services` writes on the application.
"""

import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template import Context, Engine
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from applications import services as application_services
from applications.models import DECIDED_STATUSES, Application, Status
from calls import services as call_services
from calls.models import Call
from portal import audit
from portal.formatting import money, percent
from portal.notifications import notify

from . import signals
from .models import Decision, DecisionEmailTemplate
from .ranking import Row, ranking_for

log = logging.getLogger(__name__)

Outcome = Decision.Outcome
STATUS_OF = {Outcome.AWARD: Status.AWARDED, Outcome.RESERVE: Status.RESERVE, Outcome.REJECT: Status.REJECTED}


def _audit(decision: Decision, action: str, *, by, **data) -> None:
    audit.record(decision, action, by=by, call_id=decision.application.call_id, **data)


# --- recording ----------------------------------------------------------------------------


@transaction.atomic
def decide(
    application: Application,
    *,
    outcome: str,
    motivation: str = "",
    granted_amount: Decimal | None = None,
    by,
    now=None,
) -> Decision:
    """Record (or change, while unpublished) the decision on one application. An award needs a
    granted amount up to the requested one and a motivation; a rejection needs a motivation.
    Raises ValidationError (per field) or applications.workflow.TransitionError."""
    return _record(application, outcome=outcome, motivation=motivation, granted_amount=granted_amount, by=by, now=now)


def _record(
    application, *, outcome, motivation, granted_amount, by, now, published_reserve_to_award=False, revising=False
):
    now = now or timezone.now()
    if outcome not in Decision.DECIDABLE:
        raise ValidationError({"outcome": _("Choose award, reserve list or reject.")})
    outcome = Outcome(outcome)
    motivation = (motivation or "").strip()
    application = Application.objects.select_for_update().select_related("call").get(pk=application.pk)
    errors = {}
    if outcome == Outcome.AWARD:
        requested = application.requested_amount or Decimal("0")
        if granted_amount is None:
            errors["granted_amount"] = _("Give the granted amount.")
        elif granted_amount <= 0:
            errors["granted_amount"] = _("The granted amount must be more than zero.")
        elif granted_amount > requested:
            errors["granted_amount"] = _("The granted amount cannot exceed the requested %(requested)s.") % {
                "requested": money(requested)
            }
    else:
        granted_amount = None
    if not motivation:
        if outcome == Outcome.RESERVE:
            motivation = default_motivation(application, outcome)
        else:
            errors["motivation"] = _("Motivate the decision: the applicant reads this.")
    if errors:
        raise ValidationError(errors)

    existing = Decision.objects.filter(application=application).first()
    if existing is not None and existing.published_at is not None and not revising:
        if not (published_reserve_to_award and existing.outcome == Outcome.RESERVE and outcome == Outcome.AWARD):
            raise ValidationError(_("This decision has been published and can no longer be changed."))
    if revising:
        application_services.revise_decision(application, status=STATUS_OF[outcome], by=by, now=now)
    else:
        application_services.record_decision(application, status=STATUS_OF[outcome], by=by)
    decision, _created = Decision.objects.update_or_create(
        application=application,
        defaults=dict(
            outcome=outcome,
            granted_amount=granted_amount,
            motivation=motivation,
            decided_by=by,
            decided_at=now,
            published_at=None,
        ),
    )
    decision.application = application
    _audit(
        decision,
        "decision_changed" if existing else "decided",
        by=by,
        outcome=outcome.value,
        granted_amount=None if granted_amount is None else str(granted_amount),
        motivation=motivation,
        previous=existing.outcome if existing else None,
    )
    return decision


def award(application, *, granted_amount: Decimal, motivation: str, by, now=None) -> Decision:
    return decide(
        application, outcome=Outcome.AWARD, granted_amount=granted_amount, motivation=motivation, by=by, now=now
    )


def reserve(application, *, motivation: str = "", by, now=None) -> Decision:
    return decide(application, outcome=Outcome.RESERVE, motivation=motivation, by=by, now=now)


def reject(application, *, motivation: str, by, now=None) -> Decision:
    return decide(application, outcome=Outcome.REJECT, motivation=motivation, by=by, now=now)


def default_motivation(application: Application, outcome: str, row: Row | None = None) -> str:
    """The motivation the ranking proposes, in the administrative language (Dutch)."""
    with translation.override(settings.LANGUAGE_CODE):
        total = percent(row.total_display) if row is not None and row.total is not None else None
        if outcome == Outcome.AWARD:
            return _(
                "The application meets every threshold and ranks above the funding line of the call "
                "(total score %(total)s)."
            ) % {"total": total or "–"}
        if outcome == Outcome.RESERVE:
            return _(
                "The application meets every threshold but ranks below the funding line: the budget of the call "
                "is used up. It is placed on the reserve list and may still be funded when budget becomes available."
            )
        reasons = row.failed_thresholds() if row is not None else []
        return _("The application does not meet the thresholds of the call: %(reasons)s.") % {
            "reasons": "; ".join(reasons) or "–"
        }


@dataclass
class Applied:
    """What `apply_proposal` did."""

    awarded: list[Decision] = field(default_factory=list)
    reserved: list[Decision] = field(default_factory=list)
    rejected: list[Decision] = field(default_factory=list)
    already_decided: int = 0
    unscored: int = 0

    @property
    def count(self) -> int:
        return len(self.awarded) + len(self.reserved) + len(self.rejected)


@transaction.atomic
def apply_proposal(call: Call, *, by, now=None) -> Applied:
    """Decide every undecided, scored application as the ranking proposes: funded by the line →
    award with its granted amount, reserve list → reserve, failing → reject with the missed
    thresholds as motivation. The line already follows the decisions recorded before (an
    award takes its money first, a rejection frees it), which stay as they are; all or nothing."""
    now = now or timezone.now()
    ranking = ranking_for(call)
    scored = len(ranking.passing) + len(ranking.failing)
    applied = Applied(unscored=len(ranking.unscored), already_decided=scored - len(ranking.undecided))
    for row in ranking.undecided:
        outcome = row.proposed_outcome
        decision = decide(
            row.application,
            outcome=outcome,
            granted_amount=row.granted if outcome == Outcome.AWARD else None,
            motivation=default_motivation(row.application, outcome, row),
            by=by,
            now=now,
        )
        {Outcome.AWARD: applied.awarded, Outcome.RESERVE: applied.reserved, Outcome.REJECT: applied.rejected}[
            outcome
        ].append(decision)
    audit.record(
        call,
        "ranking_proposal_applied",
        by=by,
        call_id=call.pk,
        awarded=len(applied.awarded),
        reserved=len(applied.reserved),
        rejected=len(applied.rejected),
        already_decided=applied.already_decided,
    )
    return applied


# --- publishing ---------------------------------------------------------------------------


@transaction.atomic
def publish(call: Call, *, by, now=None) -> int:
    """Publish every unpublished decision of the call: the applicants see their decision and
    evaluation summary and are e-mailed. Once no application is left undecided or unpublished,
    the call's decisions count as published (call.decisions_published_at). Returns how many."""
    now = now or timezone.now()
    pending = list(
        Decision.objects.select_for_update(of=("self",))
        .filter(application__call=call, application__status__in=DECIDED_STATUSES, published_at__isnull=True)
        .select_related("application__call", "application__lead_organisation")
        .order_by("pk")
    )
    for decision in pending:
        _publish(decision, by=by, now=now)
    undecided = call.applications.filter(status=Status.IN_REVIEW).exists()
    # An application withdrawn before its decision was published keeps the decision as a record;
    # there is nothing left to publish to it.
    unpublished = Decision.objects.filter(
        application__call=call, application__status__in=DECIDED_STATUSES, published_at__isnull=True
    ).exists()
    if not undecided and not unpublished:
        call_services.mark_decisions_published(call, by=by, now=now)
    return len(pending)


def _publish(decision: Decision, *, by, now) -> None:
    application_services.publish_decision(decision.application, by=by, now=now)
    decision.published_at = now
    decision.save(update_fields=["published_at"])
    recipients = application_services.members_of(decision.application)
    for recipient in recipients:
        subject, body = decision_email(decision, recipient)
        notify(
            recipient,
            f"reviews_decision_{decision.outcome}",
            subject=subject,
            body=body,
            about=decision.application,
            dedupe_key=f"reviews-decision:{decision.pk}:{decision.outcome}:{decision.decided_at.isoformat()}:{recipient.pk}",
        )
    _audit(decision, "decision_published", by=by, outcome=decision.outcome, recipients=len(recipients))
    signals.decision_published.send(sender=Decision, decision=decision, by=by, now=now)


@transaction.atomic
def award_reserve(application: Application, *, granted_amount: Decimal, motivation: str, by, now=None) -> Decision:
    """Award an application of the published reserve list now that budget has freed up; the
    new decision is published and announced at once. Budget overruns are allowed (and shown
    on the ranking page): the decision, not the envelope, is what counts."""
    now = now or timezone.now()
    current = Decision.objects.filter(application=application).first()
    if current is None or current.outcome != Outcome.RESERVE or current.published_at is None:
        raise ValidationError(_("Only an application on the published reserve list can be awarded this way."))
    decision = _record(
        application,
        outcome=Outcome.AWARD,
        granted_amount=granted_amount,
        motivation=motivation,
        by=by,
        now=now,
        published_reserve_to_award=True,
    )
    _publish(decision, by=by, now=now)
    return decision


@transaction.atomic
def revise_published(
    application: Application, *, outcome: str, granted_amount: Decimal | None = None, motivation: str, by, now=None
) -> Decision:
    """Revise a published decision after a granted reconsideration (reviews.reconsideration):
    the revised decision replaces it, is published at once and e-mailed to the applicant. The
    funding line follows by itself: the ranking reads the recorded decisions."""
    now = now or timezone.now()
    current = Decision.objects.filter(application=application, published_at__isnull=False).first()
    if current is None:
        raise ValidationError(_("Only a published decision can be revised."))
    previous = (current.outcome, current.granted_amount)
    decision = _record(
        application,
        outcome=outcome,
        granted_amount=granted_amount,
        motivation=motivation,
        by=by,
        now=now,
        revising=True,
    )
    _publish(decision, by=by, now=now)
    _audit(
        decision,
        "decision_revised",
        by=by,
        previous=previous[0],
        previous_granted_amount=None if previous[1] is None else str(previous[1]),
        outcome=decision.outcome,
    )
    return decision


# --- e-mail templates ---------------------------------------------------------------------

PLACEHOLDERS = {
    "applicant": "the recipient's name",
    "organisation": "the applicant organisation",
    "title": "the project title",
    "reference": "the application's reference",
    "call": "the call's title",
    "granted_amount": "the granted amount",
    "motivation": "the motivation of the decision",
    "summary_url": "the address of the evaluation summary",
}
_PLACEHOLDER = re.compile(r"{{\s*(?P<name>[^}|\s]*)\s*}}")
# Only plain placeholders: no tags, filters or comments, so a template can show nothing but
# the values it is given.
_FORBIDDEN = re.compile(r"{%|%}|{#|#}")
_ENGINE = Engine(autoescape=False, loaders=[], libraries={}, app_dirs=False, debug=False)


def template_problems(text: str) -> list[str]:
    """Why `text` is not a valid decision e-mail template (empty when it is)."""
    problems = []
    if _FORBIDDEN.search(text):
        problems.append(_("Only placeholders such as {{ organisation }} are allowed, no {% %} tags or comments."))
    leftover = _PLACEHOLDER.sub("", text)
    if "{{" in leftover or "}}" in leftover:
        problems.append(_("A placeholder is written {{ name }}, with two braces on each side."))
    unknown = sorted({m["name"] for m in _PLACEHOLDER.finditer(text)} - set(PLACEHOLDERS))
    if unknown:
        problems.append(
            _("Unknown placeholder: %(names)s. Use one of: %(known)s.")
            % {
                "names": ", ".join(f"{{{{ {name} }}}}" for name in unknown),
                "known": ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS),
            }
        )
    return problems


def default_template(outcome: str, language: str) -> tuple[str, str]:
    """Subject and body of the default template (templates/email/reviews_decision_<outcome>.<language>.*)."""
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    base = f"email/reviews_decision_{outcome}.{language}"
    subject = get_template(f"{base}.subject.txt").template.source.strip()
    body = get_template(f"{base}.body.txt").template.source.strip() + "\n"
    return subject, body


def template_for(call: Call, outcome: str, language: str) -> tuple[str, str, DecisionEmailTemplate | None]:
    """The call's own template for (outcome, language) when it has one, else the default."""
    row = DecisionEmailTemplate.objects.filter(call=call, outcome=outcome, language=language).first()
    if row is not None and not template_problems(row.subject) and not template_problems(row.body):
        return row.subject, row.body, row
    if row is not None:
        log.warning("Decision e-mail template %s is invalid; the default is used.", row.pk)
    subject, body = default_template(outcome, language)
    return subject, body, None


def render_template(subject: str, body: str, context: dict) -> tuple[str, str]:
    """Fill in the placeholders (plain text, nothing escaped: it is an e-mail)."""
    values = Context({name: context.get(name, "") for name in PLACEHOLDERS}, autoescape=False)
    rendered_subject = " ".join(_ENGINE.from_string(subject).render(values).split())
    return rendered_subject, _ENGINE.from_string(body).render(values).strip() + "\n"


def email_context(decision: Decision, recipient=None, language: str | None = None) -> dict:
    """The placeholder values for one decision. Deliberately nothing about reviewers."""
    application = decision.application
    language = language or getattr(recipient, "preferred_language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        call_title = application.call.title
    return {
        "applicant": recipient.get_full_name() if recipient is not None else "",
        "organisation": application.lead_organisation.name,
        "title": application.title,
        "reference": application.reference or "",
        "call": call_title,
        "granted_amount": money(decision.granted_amount, language) if decision.granted_amount is not None else "",
        "motivation": decision.motivation,
        "summary_url": settings.SITE_URL.rstrip("/") + reverse("summary:detail", args=[application.pk]),
    }


def decision_email(decision: Decision, recipient) -> tuple[str, str]:
    """Subject and body of the e-mail `recipient` gets about `decision`, in their language."""
    language = getattr(recipient, "preferred_language", "") or settings.LANGUAGE_CODE
    subject, body, _row = template_for(decision.application.call, decision.outcome, language)
    return render_template(subject, body, email_context(decision, recipient, language))


@transaction.atomic
def save_email_template(
    call: Call, *, outcome: str, language: str, subject: str, body: str, by
) -> DecisionEmailTemplate:
    """Store the call's own decision e-mail for (outcome, language)."""
    errors = {}
    for name, text in (("subject", subject), ("body", body)):
        problems = template_problems(text or "")
        if not (text or "").strip():
            problems.insert(0, _("This field is required."))
        if problems:
            errors[name] = problems
    if errors:
        raise ValidationError(errors)
    row, _created = DecisionEmailTemplate.objects.update_or_create(
        call=call, outcome=outcome, language=language, defaults={"subject": subject.strip(), "body": body.strip()}
    )
    audit.record(call, "decision_email_template_saved", by=by, call_id=call.pk, outcome=outcome, language=language)
    return row


@transaction.atomic
def reset_email_template(call: Call, *, outcome: str, language: str, by) -> None:
    """Go back to the default decision e-mail for (outcome, language)."""
    deleted, _details = DecisionEmailTemplate.objects.filter(call=call, outcome=outcome, language=language).delete()
    if deleted:
        audit.record(call, "decision_email_template_reset", by=by, call_id=call.pk, outcome=outcome, language=language)


@transaction.atomic
def lapse_award(application: Application, *, reason: str, by=None, now=None) -> Decision:
    """A published award the beneficiary did not accept in time: the decision becomes `lapsed`,
    so it counts for nothing on the funding line and the budget it held frees up for the
    reserve list (`award_reserve`). Called by downstream apps (grants); recorded in the log."""
    now = now or timezone.now()
    decision = Decision.objects.select_for_update().select_related("application").get(application=application)
    if decision.outcome != Outcome.AWARD or decision.published_at is None:
        raise ValidationError(_("Only a published award can lapse."))
    previous_amount = decision.granted_amount
    decision.outcome = Outcome.LAPSED
    decision.save(update_fields=["outcome"])
    _audit(decision, "award_lapsed", by=by, granted_amount=str(previous_amount), reason=reason)
    return decision

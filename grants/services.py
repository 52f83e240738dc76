"""Every state change of a grant file: one function, one transaction, an audit record, and
notifications after commit (DESIGN §2–§3). The money is computed in `ledger.py`.

Who may call what is decided in `rules.py` and asked by the views and the API; the services
guard what must hold whoever calls them: the file's state, the deadlines, and the four-eyes
rule on payments (the proposer of a payment order can never approve it).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Membership, User
from applications import uploads
from applications.models import Application, BudgetCategory
from applications.services import managers_of
from calls.models import Call
from portal import audit
from portal.notifications import notify
from reviews import decisions as review_decisions

from . import ledger
from .models import (
    Amendment,
    AmendmentKind,
    AmendmentState,
    BudgetVersion,
    CostLine,
    Evidence,
    Grant,
    GrantState,
    GrantTerms,
    PaymentBatch,
    PaymentKind,
    PaymentOrder,
    PaymentScheduleTranche,
    PaymentState,
    RecoveryOrder,
    RecoveryState,
    Report,
    ReportKind,
    ReportQuestion,
    ReportState,
    Trigger,
)

ZERO = Decimal("0")
EVIDENCE_MAX_MB = 20
EVIDENCE_MAX_COUNT = 50


class GrantError(ValidationError):
    """A state change that is not allowed now; the message says why."""


# --- call settings ------------------------------------------------------------------------


def terms_for(call: Call) -> GrantTerms:
    """The call's grant terms, or the defaults (unsaved) when staff set none."""
    terms = GrantTerms.objects.filter(call=call).first()
    return terms or GrantTerms(call=call)


DEFAULT_SCHEDULE = ((Decimal("80"), Trigger.ACCEPTANCE), (Decimal("20"), Trigger.FINAL_REPORT))


def schedule_for(call: Call) -> list[PaymentScheduleTranche]:
    """The call's payment schedule; without one, 80 % on acceptance and the balance after the
    final report (the LB practice)."""
    rows = list(PaymentScheduleTranche.objects.filter(call=call))
    if rows:
        return rows
    return [
        PaymentScheduleTranche(call=call, order=i, percentage=p, trigger=t) for i, (p, t) in enumerate(DEFAULT_SCHEDULE)
    ]


def schedule_problems(rows: list[tuple[Decimal, str]], *, interim_report: bool = True) -> list[str]:
    problems = []
    if sum((Decimal(p) for p, _t in rows), ZERO) != Decimal("100"):
        problems.append(_("The percentages of the tranches must add up to 100 %."))
    finals = [t for _p, t in rows if t == Trigger.FINAL_REPORT]
    if len(finals) != 1 or rows[-1][1] != Trigger.FINAL_REPORT:
        problems.append(_("The last tranche, and only that one, is paid on the accepted final report (the balance)."))
    if any(Decimal(p) <= 0 for p, _t in rows):
        problems.append(_("Every tranche needs a percentage above zero."))
    if not interim_report and any(t == Trigger.INTERIM_REPORT for _p, t in rows):
        problems.append(_("A tranche on the interim report needs an interim report in the grant terms."))
    return problems


@transaction.atomic
def save_schedule(call: Call, rows: list[tuple[Decimal, str]], *, by) -> list[PaymentScheduleTranche]:
    """Replace the call's payment schedule; the percentages sum to 100 and the balance comes last.
    Grants already opened keep the orders they have; new tranches apply as they fall due."""
    problems = schedule_problems(rows, interim_report=terms_for(call).interim_report)
    if problems:
        raise ValidationError(problems)
    PaymentScheduleTranche.objects.filter(call=call).delete()
    saved = [
        PaymentScheduleTranche.objects.create(call=call, order=i, percentage=Decimal(p), trigger=t)
        for i, (p, t) in enumerate(rows)
    ]
    audit.record(call, "payment_schedule_saved", by=by, call_id=call.pk, tranches=[[str(p), t] for p, t in rows])
    return saved


@transaction.atomic
def save_terms(call: Call, *, by, **fields) -> GrantTerms:
    """Store the call's grant terms (acceptance period, reports, conditions, legal frame)."""
    terms, _created = GrantTerms.objects.update_or_create(call=call, defaults=fields)
    audit.record(call, "grant_terms_saved", by=by, call_id=call.pk, **{k: str(v) for k, v in fields.items()})
    return terms


# --- helpers ------------------------------------------------------------------------------


def _audit(grant: Grant, action: str, *, by, **data) -> None:
    audit.record(grant, action, by=by, call_id=grant.call_id, **data)


def members(grant: Grant, *, owners_only: bool = False) -> list[User]:
    memberships = Membership.objects.active().filter(organisation_id=grant.beneficiary_id, user__is_active=True)
    if owners_only:
        memberships = memberships.filter(role=Membership.Role.OWNER)
    return list(User.objects.filter(pk__in=memberships.values("user_id")))


def _tell(users, grant: Grant, headline, *, staff: bool = False, key: str | None = None) -> None:
    url = grant.get_manage_url() if staff else grant.get_absolute_url()
    for user in users:
        notify(
            user,
            "grants_event",
            {"grant": grant, "headline": headline, "url": url},
            about=grant,
            dedupe_key=f"{key}:{user.pk}" if key else None,
        )


def _locked(grant: Grant) -> Grant:
    return Grant.objects.select_for_update().select_related("call", "beneficiary").get(pk=grant.pk)


def _ensure_open(grant: Grant) -> None:
    if grant.is_closed:
        raise GrantError(_("This grant file is closed and can no longer be changed."))


def _ensure_running(grant: Grant) -> None:
    _ensure_open(grant)
    if grant.state == GrantState.AWAITING_ACCEPTANCE:
        raise GrantError(_("The grant has not been accepted yet."))


def current_budget(grant: Grant) -> BudgetVersion:
    return grant.budget_versions.order_by("-number").first()


def _new_budget_version(grant: Grant, amounts: dict[str, Decimal], *, reason: str, by, now) -> BudgetVersion:
    number = (grant.budget_versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return BudgetVersion.objects.create(
        grant=grant,
        number=number,
        amounts={k: str(ledger.cents(v)) for k, v in amounts.items()},
        reason=reason,
        created_at=now,
        created_by=by,
    )


def ledger_for(grant: Grant) -> ledger.Ledger:
    """The grant's ledger, from its orders (two queries)."""
    return ledger.ledger_of(
        grant.granted_amount,
        grant.payment_orders.values_list("state", "amount"),
        grant.recovery_orders.values_list("state", "amount"),
        grant.entitlement,
    )


# --- opening ------------------------------------------------------------------------------


@transaction.atomic
def open_grant(decision, *, by=None, now: datetime | None = None) -> Grant:
    """Open the grant file of a published award (idempotent: one grant per application).
    The approved budget is the application's, per category; the owners accept it before
    the call's acceptance period ends."""
    now = now or timezone.now()
    application = (
        Application.objects.select_related("call", "lead_organisation")
        .prefetch_related("budget_lines", "partners")
        .get(pk=decision.application_id)
    )
    existing = Grant.objects.filter(application=application).first()
    if existing is not None:
        return existing
    terms = terms_for(application.call)
    amounts: dict[str, Decimal] = {}
    for line in application.budget_lines.all():
        amounts[line.category] = amounts.get(line.category, ZERO) + line.amount
    total = sum(amounts.values(), ZERO)
    granted = decision.granted_amount
    if total < granted:  # no budget (or a smaller one): the grant covers the whole approved cost
        amounts.setdefault(BudgetCategory.OPERATING, ZERO)
        amounts[BudgetCategory.OPERATING] += granted - total
        total = granted
    grant = Grant.objects.create(
        application=application,
        call=application.call,
        beneficiary=application.lead_organisation,
        number=f"{application.reference or application.pk}-S",
        partners=[{"name": p.name, "kind": p.kind, "kbo": p.kbo_number} for p in application.partners.all()],
        granted_amount=granted,
        approved_total_cost=total,
        start_date=application.start_date,
        end_date=application.end_date,
        conditions=terms.conditions,
        legal_frame=terms.legal_frame,
        opened_at=now,
        accept_by=now + timedelta(days=terms.acceptance_days),
    )
    _new_budget_version(grant, amounts, reason=str(gettext_lazy("approved with the award")), by=by, now=now)
    _audit(grant, "grant_opened", by=by, granted_amount=str(granted), approved_total_cost=str(total))
    # No e-mail of its own: the award e-mail announces it, and the acceptance reminder follows.
    return grant


# --- acceptance ---------------------------------------------------------------------------


def validate_iban(value: str) -> tuple[str, str]:
    """A valid IBAN in its compact form and its BIC (when the bank is known); raises ValidationError."""
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        iban = IBAN(value or "")
    except (SchwiftyException, ValueError):
        raise ValidationError({"iban": _("This is not a valid IBAN: check the country code and the digits.")})
    bic = ""
    try:
        bic = str(iban.bic) if iban.bic else ""
    except (SchwiftyException, ValueError):
        bic = ""
    return iban.compact, bic


def _report_due_dates(grant: Grant, terms: GrantTerms) -> dict[str, date]:
    end = grant.end_date or timezone.localdate(grant.opened_at) + timedelta(days=365)
    dates = {ReportKind.FINAL: end + timedelta(days=terms.final_report_days_after_end)}
    if terms.interim_report:
        dates[ReportKind.INTERIM] = end - timedelta(days=terms.interim_report_days_before_end)
    return dates


@transaction.atomic
def accept(grant: Grant, *, by, iban: str, account_holder: str, now: datetime | None = None) -> Grant:
    """The beneficiary accepts the conditions and gives its bank account, before the deadline.
    The reports are set up and the tranches due on acceptance become payment orders."""
    now = now or timezone.now()
    errors = {}
    compact, bic = "", ""
    try:
        compact, bic = validate_iban(iban)
    except ValidationError as error:
        errors.update(error.message_dict)
    if not (account_holder or "").strip():
        errors["account_holder"] = [_("Give the name of the account holder.")]
    if errors:
        raise ValidationError(errors)
    grant = _locked(grant)
    if grant.state != GrantState.AWAITING_ACCEPTANCE:
        raise GrantError(_("This grant is not awaiting acceptance."))
    if now > grant.accept_by:
        raise GrantError(_("The acceptance period has ended."))
    grant.state = GrantState.RUNNING
    grant.accepted_at, grant.accepted_by = now, by
    grant.iban, grant.bic, grant.account_holder = compact, bic, account_holder.strip()
    grant.save(update_fields=["state", "accepted_at", "accepted_by", "iban", "bic", "account_holder"])
    terms = terms_for(grant.call)
    for kind, due in _report_due_dates(grant, terms).items():
        Report.objects.get_or_create(grant=grant, kind=kind, defaults={"due_date": due})
    _order_tranches(grant, Trigger.ACCEPTANCE, now=now)
    _audit(grant, "grant_accepted", by=by, iban=compact[:4] + "…" + compact[-4:])
    _tell(managers_of(grant.call), grant, gettext_lazy("A grant was accepted; its advance is due."), staff=True)
    return grant


def _order_tranches(grant: Grant, trigger: str, *, now) -> list[PaymentOrder]:
    """Turn the schedule's tranches with `trigger` into payment orders (never the balance)."""
    schedule = schedule_for(grant.call)
    amounts = ledger.tranche_amounts(grant.granted_amount, [t.percentage for t in schedule])
    kind = {Trigger.ACCEPTANCE: PaymentKind.ADVANCE, Trigger.INTERIM_REPORT: PaymentKind.INTERIM}[trigger]
    orders = []
    for tranche, amount in zip(schedule, amounts, strict=True):
        if tranche.trigger != trigger or amount <= 0:
            continue
        orders.append(
            PaymentOrder.objects.create(
                grant=grant, tranche=tranche if tranche.pk else None, kind=kind, amount=amount, due_at=now
            )
        )
    return orders


@transaction.atomic
def remind_or_lapse(grant: Grant, *, now: datetime | None = None) -> str | None:
    """One step of the acceptance watch: remind the owners once, some days before the deadline
    (a late reminder moves the deadline so they always get those days), and let the grant lapse
    once the deadline has passed after a reminder. Returns "reminded", "lapsed" or None."""
    now = now or timezone.now()
    grant = _locked(grant)
    if grant.state != GrantState.AWAITING_ACCEPTANCE:
        return None
    days = timedelta(days=terms_for(grant.call).reminder_days_before)
    if grant.acceptance_reminded_at is None:
        if now < grant.accept_by - days:
            return None
        grant.acceptance_reminded_at = now
        grant.accept_by = max(grant.accept_by, now + days)
        grant.save(update_fields=["acceptance_reminded_at", "accept_by"])
        _audit(grant, "acceptance_reminder_sent", by=None, accept_by=grant.accept_by.isoformat())
        _tell(
            members(grant, owners_only=True),
            grant,
            gettext_lazy("Reminder: accept your grant before the deadline, or it lapses."),
            key=f"grant-accept-reminder-{grant.pk}",
        )
        return "reminded"
    if now <= grant.accept_by:
        return None
    lapse(grant, now=now)
    return "lapsed"


@transaction.atomic
def lapse(grant: Grant, *, by=None, now: datetime | None = None) -> Grant:
    """The grant was not accepted in time: it lapses and the award stops counting on the call's
    budget, so the reserve list shows what can now be awarded."""
    now = now or timezone.now()
    grant = _locked(grant)
    if grant.state != GrantState.AWAITING_ACCEPTANCE:
        raise GrantError(_("Only a grant awaiting acceptance can lapse."))
    grant.state, grant.lapsed_at = GrantState.LAPSED, now
    grant.save(update_fields=["state", "lapsed_at"])
    review_decisions.lapse_award(grant.application, reason="not accepted in time", by=by, now=now)
    _audit(grant, "grant_lapsed", by=by, freed=str(grant.granted_amount))
    _tell(members(grant), grant, gettext_lazy("Your grant has lapsed: it was not accepted in time."))
    _tell(
        managers_of(grant.call),
        grant,
        gettext_lazy("A grant lapsed: its budget is free for the reserve list."),
        staff=True,
    )
    return grant


def watch_acceptances(*, now: datetime | None = None) -> dict[str, int]:
    """Celery beat: remind or lapse every grant awaiting acceptance whose deadline is near."""
    now = now or timezone.now()
    counts = {"reminded": 0, "lapsed": 0}
    horizon = now + timedelta(days=60)
    for grant in Grant.objects.filter(state=GrantState.AWAITING_ACCEPTANCE, accept_by__lte=horizon):
        outcome = remind_or_lapse(grant, now=now)
        if outcome:
            counts[outcome] += 1
    return counts


# --- payments -----------------------------------------------------------------------------


def _locked_order(order: PaymentOrder) -> PaymentOrder:
    return PaymentOrder.objects.select_for_update().select_related("grant__call").get(pk=order.pk)


@transaction.atomic
def propose_payment(order: PaymentOrder, *, by, now: datetime | None = None) -> PaymentOrder:
    """A staff member proposes a due payment order (first pair of eyes)."""
    now = now or timezone.now()
    order = _locked_order(order)
    _ensure_open(order.grant)
    if order.state != PaymentState.DUE:
        raise GrantError(_("Only a due payment order can be proposed."))
    order.state, order.proposed_by, order.proposed_at = PaymentState.PROPOSED, by, now
    order.save(update_fields=["state", "proposed_by", "proposed_at"])
    _audit(order.grant, "payment_proposed", by=by, order=order.pk, amount=str(order.amount), kind=order.kind)
    return order


@transaction.atomic
def approve_payment(order: PaymentOrder, *, by, now: datetime | None = None) -> PaymentOrder:
    """A different staff member approves a proposed order (four eyes: never the proposer)."""
    now = now or timezone.now()
    order = _locked_order(order)
    _ensure_open(order.grant)
    if order.state != PaymentState.PROPOSED:
        raise GrantError(_("Only a proposed payment order can be approved."))
    if order.proposed_by_id == by.pk:
        raise GrantError(_("You proposed this payment: another staff member must approve it."))
    order.state, order.approved_by, order.approved_at = PaymentState.APPROVED, by, now
    order.save(update_fields=["state", "approved_by", "approved_at"])
    _audit(order.grant, "payment_approved", by=by, order=order.pk, amount=str(order.amount))
    return order


@transaction.atomic
def mark_paid(order: PaymentOrder, *, by, paid_on: date, reference: str, now: datetime | None = None) -> PaymentOrder:
    """Finance records an approved order as paid; a paid balance closes the file."""
    order = _locked_order(order)
    _ensure_open(order.grant)
    if order.state != PaymentState.APPROVED:
        raise GrantError(_("Only an approved payment order can be marked paid."))
    if not (reference or "").strip():
        raise ValidationError({"reference": _("Give the payment reference of the bank.")})
    order.state, order.paid_on, order.payment_reference = PaymentState.PAID, paid_on, reference.strip()
    order.save(update_fields=["state", "paid_on", "payment_reference"])
    _audit(order.grant, "payment_paid", by=by, order=order.pk, amount=str(order.amount), paid_on=paid_on.isoformat())
    _tell(members(order.grant), order.grant, gettext_lazy("A payment of your grant was made."))
    _close_if_settled(order.grant, by=by, now=now)
    return order


@transaction.atomic
def create_batch(call: Call, *, by, now: datetime | None = None) -> PaymentBatch:
    """Gather the call's approved orders that are in no batch yet, for the finance export."""
    now = now or timezone.now()
    orders = list(
        PaymentOrder.objects.select_for_update()
        .filter(grant__call=call, state=PaymentState.APPROVED, batch__isnull=True)
        .order_by("pk")
    )
    if not orders:
        raise GrantError(_("There is no approved payment order to export."))
    batch = PaymentBatch.objects.create(call=call, created_at=now, created_by=by)
    PaymentOrder.objects.filter(pk__in=[o.pk for o in orders]).update(batch=batch)
    total = sum((o.amount for o in orders), ZERO)
    audit.record(batch, "payment_batch_created", by=by, call_id=call.pk, orders=len(orders), total=str(total))
    return batch


@transaction.atomic
def mark_recovery_paid_back(
    recovery: RecoveryOrder, *, by, paid_back_on: date, reference: str, now: datetime | None = None
) -> RecoveryOrder:
    """The beneficiary paid back what was recovered; the file closes."""
    recovery = RecoveryOrder.objects.select_for_update().select_related("grant__call").get(pk=recovery.pk)
    _ensure_open(recovery.grant)
    if recovery.state != RecoveryState.ISSUED:
        raise GrantError(_("This recovery order is already settled."))
    if not (reference or "").strip():
        raise ValidationError({"reference": _("Give the payment reference of the bank.")})
    recovery.state, recovery.paid_back_on, recovery.payment_reference = (
        RecoveryState.PAID_BACK,
        paid_back_on,
        reference.strip(),
    )
    recovery.save(update_fields=["state", "paid_back_on", "payment_reference"])
    _audit(recovery.grant, "recovery_paid_back", by=by, recovery=recovery.pk, amount=str(recovery.amount))
    _close_if_settled(recovery.grant, by=by, now=now)
    return recovery


def _close_if_settled(grant: Grant, *, by, now=None) -> None:
    """Close the file once the entitlement is known and every order is settled."""
    grant = _locked(grant)
    if grant.entitlement is None or grant.is_closed:
        return
    book = ledger_for(grant)
    if book.due or book.to_recover:
        return
    grant.state, grant.closed_at = GrantState.CLOSED, now or timezone.now()
    grant.save(update_fields=["state", "closed_at"])
    _audit(grant, "grant_closed", by=by, net_paid=str(book.net_paid), entitlement=str(grant.entitlement))
    _tell(members(grant), grant, gettext_lazy("Your grant file is closed."))


# --- reports ------------------------------------------------------------------------------


def _locked_report(report: Report) -> Report:
    return Report.objects.select_for_update().select_related("grant__call").get(pk=report.pk)


def _ensure_editable(report: Report) -> None:
    _ensure_running(report.grant)
    if report.state not in (ReportState.DRAFT, ReportState.RETURNED):
        raise GrantError(_("This report has been submitted and can no longer be changed."))


def _amount(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", ".")) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or amount < 0 or not amount.is_finite():
        raise ValidationError({field: _("Give an amount of zero or more.")})
    return ledger.cents(amount)


@transaction.atomic
def save_report(
    report: Report, *, by, answers: dict[int, object] | None = None, cost_lines: list[dict] | None = None
) -> Report:
    """Save the beneficiary's draft: answers (keeping the question text) and cost lines."""
    report = _locked_report(report)
    _ensure_editable(report)
    if answers is not None:
        questions = ReportQuestion.objects.filter(call=report.grant.call, report_kind=report.kind)
        report.answers = [
            {"question": q.pk, "text": q.text, "value": answers.get(q.pk)} for q in questions if q.pk in answers
        ]
        report.save(update_fields=["answers"])
    if cost_lines is not None:
        cleaned = []
        for i, line in enumerate(cost_lines):
            if line.get("category") not in BudgetCategory.values:
                raise ValidationError({f"cost_lines-{i}-category": _("Choose a budget category.")})
            cleaned.append(
                CostLine(
                    report=report,
                    category=line["category"],
                    description=(line.get("description") or "").strip()[:300],
                    amount=_amount(line.get("amount"), f"cost_lines-{i}-amount"),
                )
            )
        report.cost_lines.all().delete()
        CostLine.objects.bulk_create(cleaned)
    _audit(report.grant, "report_saved", by=by, report=report.kind)
    return report


def add_evidence(report: Report, *, by, upload) -> Evidence:
    """Check an evidence upload as an application attachment is checked (content, size, scan)
    and store it privately. Raises uploads.UploadRefused or GrantError."""
    inspected = uploads.inspect(
        upload, allowed_formats=list(uploads.MIME_TYPES), max_bytes=EVIDENCE_MAX_MB * uploads.MB
    )
    with transaction.atomic():
        report = _locked_report(report)
        _ensure_editable(report)
        if report.evidence.count() >= EVIDENCE_MAX_COUNT:
            raise uploads.UploadRefused(_("A report can have at most %(n)s documents.") % {"n": EVIDENCE_MAX_COUNT})
        evidence = Evidence(
            report=report,
            uuid=uuid.uuid4(),
            original_name=inspected.original_name,
            content_type=inspected.content_type,
            size=inspected.size,
            sha256=inspected.sha256,
            scan_status=inspected.scan_status,
            uploaded_by=by,
        )
        evidence.file.save("upload", File(upload), save=False)
        try:
            evidence.save()
            _audit(report.grant, "evidence_added", by=by, report=report.kind, name=evidence.original_name)
        except Exception:
            evidence.file.delete(save=False)
            raise
    return evidence


@transaction.atomic
def submit_report(report: Report, *, by, now: datetime | None = None) -> Report:
    """Submit the report: every required question answered; a final report needs its costs."""
    now = now or timezone.now()
    report = _locked_report(report)
    _ensure_editable(report)
    answered = {a["question"] for a in report.answers if a.get("value") not in (None, "", [])}
    missing = ReportQuestion.objects.filter(call=report.grant.call, report_kind=report.kind, required=True).exclude(
        pk__in=answered
    )
    problems = [_("Answer “%(question)s”.") % {"question": q.text} for q in missing]
    if report.kind == ReportKind.FINAL and not report.cost_lines.exists():
        problems.append(_("The final report needs the actual costs."))
    if problems:
        raise GrantError(problems)
    report.state, report.submitted_at, report.submitted_by = ReportState.SUBMITTED, now, by
    report.save(update_fields=["state", "submitted_at", "submitted_by"])
    _audit(report.grant, "report_submitted", by=by, report=report.kind)
    _tell(managers_of(report.grant.call), report.grant, gettext_lazy("A report was submitted."), staff=True)
    return report


@transaction.atomic
def return_report(report: Report, *, by, remarks: str, due_date: date, now: datetime | None = None) -> Report:
    """Send a submitted report back with remarks and a new due date."""
    report = _locked_report(report)
    _ensure_running(report.grant)
    if report.state != ReportState.SUBMITTED:
        raise GrantError(_("Only a submitted report can be returned."))
    if not (remarks or "").strip():
        raise ValidationError({"remarks": _("Say what must change.")})
    report.state, report.remarks, report.due_date = ReportState.RETURNED, remarks.strip(), due_date
    report.reviewed_at, report.reviewed_by = now or timezone.now(), by
    report.save(update_fields=["state", "remarks", "due_date", "reviewed_at", "reviewed_by"])
    _audit(report.grant, "report_returned", by=by, report=report.kind, due_date=due_date.isoformat())
    _tell(members(report.grant), report.grant, gettext_lazy("Your report was returned with remarks."))
    return report


@transaction.atomic
def accept_report(
    report: Report, *, by, lines: dict[int, tuple[Decimal, str]] | None = None, now: datetime | None = None
) -> Report:
    """Accept a submitted report. Per cost line: the accepted amount (at most the amount) and,
    when less is accepted, the reason. An interim report orders its tranches; the final report
    fixes the entitlement and orders the balance or issues a recovery."""
    now = now or timezone.now()
    report = _locked_report(report)
    grant = _locked(report.grant)
    _ensure_running(grant)
    if report.state != ReportState.SUBMITTED:
        raise GrantError(_("Only a submitted report can be accepted."))
    lines = lines or {}
    errors = {}
    cost_lines = list(report.cost_lines.all())
    for line in cost_lines:
        accepted, reason = lines.get(line.pk, (line.amount, ""))
        try:
            accepted = _amount(accepted, f"line-{line.pk}")
        except ValidationError as error:
            errors.update(error.message_dict)
            continue
        if accepted > line.amount:
            errors[f"line-{line.pk}"] = [_("At most the amount claimed.")]
        elif accepted < line.amount and not (reason or "").strip():
            errors[f"line-{line.pk}"] = [_("Give the reason for the refused part.")]
        line.accepted_amount, line.refusal_reason = accepted, (reason or "").strip() if accepted < line.amount else ""
    if errors:
        raise ValidationError(errors)
    if report.kind == ReportKind.FINAL and grant.payment_orders.exclude(state=PaymentState.PAID).exists():
        raise GrantError(_("Pay or settle the open payment orders before accepting the final report."))
    CostLine.objects.bulk_update(cost_lines, ["accepted_amount", "refusal_reason"])
    report.state, report.reviewed_at, report.reviewed_by = ReportState.ACCEPTED, now, by
    report.save(update_fields=["state", "reviewed_at", "reviewed_by"])
    accepted_total = sum((line.accepted_amount for line in cost_lines), ZERO)
    _audit(grant, "report_accepted", by=by, report=report.kind, accepted_costs=str(accepted_total))
    if report.kind == ReportKind.INTERIM:
        _order_tranches(grant, Trigger.INTERIM_REPORT, now=now)
    else:
        settle(grant, accepted_costs=accepted_total, by=by, now=now)
    _tell(members(grant), grant, gettext_lazy("Your report was accepted."))
    return report


def settle(grant: Grant, *, accepted_costs: Decimal, by, now) -> Decimal:
    """Fix the entitlement on the accepted final report and order the balance (positive) or
    issue a recovery (negative); a zero balance closes the file. Returns the balance."""
    entitled = ledger.entitlement(grant.granted_amount, grant.approved_total_cost, accepted_costs)
    book = ledger_for(grant)
    balance = ledger.balance(entitled, book.net_paid + book.due - book.to_recover)
    grant.entitlement, grant.accepted_costs = entitled, accepted_costs
    if balance > 0:
        PaymentOrder.objects.create(grant=grant, kind=PaymentKind.BALANCE, amount=balance, due_at=now)
        grant.state = GrantState.BALANCE_DUE
    elif balance < 0:
        RecoveryOrder.objects.create(grant=grant, amount=-balance, issued_at=now, issued_by=by)
        grant.state = GrantState.RECOVERY_DUE
    grant.save(update_fields=["entitlement", "accepted_costs", "state"])
    _audit(
        grant,
        "balance_computed",
        by=by,
        accepted_costs=str(accepted_costs),
        entitlement=str(entitled),
        balance=str(balance),
    )
    if balance == 0:
        _close_if_settled(grant, by=by, now=now)
    return balance


# --- amendments ---------------------------------------------------------------------------


@transaction.atomic
def request_amendment(
    grant: Grant,
    *,
    by,
    kind: str,
    motivation: str,
    new_end_date: date | None = None,
    new_amounts: dict[str, Decimal] | None = None,
    now: datetime | None = None,
) -> Amendment:
    """The beneficiary asks to extend the end date or to shift budget between categories. A
    shift of at most 10 % of the approved total cost is recorded at once (a new budget version);
    larger shifts and every extension wait for staff approval."""
    now = now or timezone.now()
    grant = _locked(grant)
    _ensure_running(grant)
    if grant.entitlement is not None:
        raise GrantError(_("The final report is accepted: the grant can no longer be amended."))
    if not (motivation or "").strip():
        raise ValidationError({"motivation": _("Explain why the change is needed.")})
    amendment = Amendment(grant=grant, kind=kind, motivation=motivation.strip(), requested_by=by, requested_at=now)
    if kind == AmendmentKind.EXTENSION:
        if new_end_date is None or (grant.end_date and new_end_date <= grant.end_date):
            raise ValidationError({"new_end_date": _("Give an end date after the current one.")})
        amendment.new_end_date, amendment.state = new_end_date, AmendmentState.REQUESTED
    elif kind == AmendmentKind.BUDGET_SHIFT:
        current = {key: amount for key, _label, amount in current_budget(grant).lines()}
        proposed = {k: ledger.cents(Decimal(v)) for k, v in (new_amounts or {}).items() if k in BudgetCategory.values}
        if sum(proposed.values(), ZERO) != sum(current.values(), ZERO):
            raise ValidationError({"new_amounts": _("A budget shift keeps the approved total cost.")})
        if any(v < 0 for v in proposed.values()):
            raise ValidationError({"new_amounts": _("Give an amount of zero or more.")})
        shifted = ledger.shifted_amount(current, proposed)
        if shifted == 0:
            raise ValidationError({"new_amounts": _("The budget is unchanged.")})
        amendment.new_amounts = {k: str(v) for k, v in proposed.items()}
        amendment.shifted = shifted
        if ledger.shift_needs_approval(grant.approved_total_cost, shifted):
            amendment.state = AmendmentState.REQUESTED
        else:
            amendment.state = AmendmentState.RECORDED
            _new_budget_version(grant, proposed, reason=motivation.strip()[:300], by=by, now=now)
    else:
        raise ValidationError({"kind": _("Choose an extension or a budget shift.")})
    amendment.save()
    _audit(grant, "amendment_requested", by=by, kind=kind, state=amendment.state, shifted=str(amendment.shifted))
    if amendment.state == AmendmentState.REQUESTED:
        _tell(managers_of(grant.call), grant, gettext_lazy("An amendment awaits approval."), staff=True)
    return amendment


@transaction.atomic
def decide_amendment(
    amendment: Amendment, *, by, approve: bool, motivation: str, now: datetime | None = None
) -> Amendment:
    """Staff approve or refuse a requested amendment, with a motivation. An approved extension
    moves the end date and the due dates of reports not yet submitted; an approved shift
    becomes a new version of the approved budget."""
    now = now or timezone.now()
    amendment = Amendment.objects.select_for_update().get(pk=amendment.pk)
    grant = _locked(amendment.grant)
    _ensure_running(grant)
    if amendment.state != AmendmentState.REQUESTED:
        raise GrantError(_("This amendment has already been decided."))
    if not (motivation or "").strip():
        raise ValidationError({"motivation": _("Motivate the decision: the beneficiary reads this.")})
    amendment.state = AmendmentState.APPROVED if approve else AmendmentState.REFUSED
    amendment.decided_by, amendment.decided_at, amendment.decision_motivation = by, now, motivation.strip()
    amendment.save(update_fields=["state", "decided_by", "decided_at", "decision_motivation"])
    if approve and amendment.kind == AmendmentKind.EXTENSION:
        moved = (amendment.new_end_date - grant.end_date) if grant.end_date else timedelta(0)
        grant.end_date = amendment.new_end_date
        grant.save(update_fields=["end_date"])
        for report in grant.reports.filter(state__in=[ReportState.DRAFT, ReportState.RETURNED]):
            report.due_date += moved
            report.save(update_fields=["due_date"])
    elif approve:
        amounts = {k: Decimal(v) for k, v in amendment.new_amounts.items()}
        _new_budget_version(grant, amounts, reason=amendment.motivation[:300], by=by, now=now)
    _audit(grant, "amendment_decided", by=by, kind=amendment.kind, state=amendment.state)
    _tell(members(grant), grant, gettext_lazy("Your amendment request was decided."))
    return amendment


# --- reminders ----------------------------------------------------------------------------


def send_report_reminders(*, now: datetime | None = None) -> int:
    """Remind the beneficiary of a report not yet submitted, some days before its due date and
    once after it; each at most once per due date (the outbox refuses a second one)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    queued = 0
    reports = (
        Report.objects.filter(
            state__in=[ReportState.DRAFT, ReportState.RETURNED],
            grant__state__in=[GrantState.RUNNING, GrantState.FINAL_REPORT_DUE],
        )
        .select_related("grant__call", "grant__beneficiary")
        .order_by("due_date", "pk")
    )
    for report in reports:
        days = timedelta(days=terms_for(report.grant.call).reminder_days_before)
        if today > report.due_date:
            kind, headline = "after", gettext_lazy("Your report is overdue.")
        elif today >= report.due_date - days:
            kind, headline = "before", gettext_lazy("Your report is due soon.")
        else:
            continue
        with transaction.atomic():
            before = queued
            for user in members(report.grant):
                queued += (
                    notify(
                        user,
                        "grants_event",
                        {"grant": report.grant, "headline": headline, "url": report.grant.get_absolute_url()},
                        about=report.grant,
                        dedupe_key=f"grant-report-{kind}-{report.pk}-{report.due_date.isoformat()}:{user.pk}",
                    )
                    is not None
                )
            if queued > before:
                _audit(report.grant, f"report_reminder_{kind}", by=None, report=report.kind)
    return queued


def staff_url(grant: Grant) -> str:
    return reverse("grants_manage:detail", args=[grant.call.slug, grant.pk])

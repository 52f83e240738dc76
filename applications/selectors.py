"""Read side of applications: querysets that fetch what a page shows in a fixed number of
queries, and the one function that turns an application into eligibility facts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from calls import eligibility
from calls.models import Question, RequiredDocument, RuleKind, Severity, legal_frame_of

from .models import Answer, Application, Attachment, Status


def with_content(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """Everything `applications/includes/content.html` and `findings_for` read, prefetched."""
    return queryset.select_related("call__legal_frame", "lead_organisation", "created_by").prefetch_related(
        "partners",
        "budget_lines",
        "objectives",
        Prefetch("answers", queryset=Answer.objects.select_related("question").order_by("question__order", "pk")),
        Prefetch("attachments", queryset=Attachment.objects.select_related("document")),
        "call__eligibility_rules",
        Prefetch("call__questions", queryset=Question.objects.active(), to_attr="active_questions"),
        Prefetch("call__documents", queryset=RequiredDocument.objects.active(), to_attr="active_documents"),
        "call__objectives",
    )


def for_list(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """What "My applications" shows per row."""
    return queryset.select_related("call", "lead_organisation").with_totals()


def _questions(call) -> list[Question]:
    if hasattr(call, "active_questions"):
        return call.active_questions
    return list(Question.objects.active().filter(call=call))


def _documents(call) -> list[RequiredDocument]:
    if hasattr(call, "active_documents"):
        return call.active_documents
    return list(RequiredDocument.objects.active().filter(call=call))


def questions_of(application: Application) -> list[Question]:
    return _questions(application.call)


def documents_of(application: Application) -> list[RequiredDocument]:
    return _documents(application.call)


def facts_for(application: Application) -> eligibility.Facts:
    """The eligibility facts of an application: the ONE place they are built."""
    call = application.call
    lines = list(application.budget_lines.all())
    funded_in = None
    if any(rule.kind == RuleKind.NOT_FUNDED_IN for rule in call.eligibility_rules.all()):
        funded_in = frozenset(
            Application.objects.filter(
                lead_organisation_id=application.lead_organisation_id,
                status=Status.AWARDED,
                decision_published_at__isnull=False,
            )
            .exclude(pk=application.pk)
            .values_list("call_id", flat=True)
        )
    return eligibility.Facts(
        lead_kind=application.lead_organisation.kind,
        partner_kinds=tuple(p.kind for p in application.partners.all()),
        objective_count=len(application.objectives.all()),
        requested_amount=application.requested_amount,
        total_cost=sum((line.amount for line in lines), Decimal("0")) if lines else None,
        waiver_motivation=application.waiver_motivation,
        waiver_decision=application.waiver_decision,
        start_date=application.start_date,
        end_date=application.end_date,
        funded_in_call_ids=funded_in,
        de_minimis_received=application.de_minimis_received,
    )


def funding_plan_finding(application: Application) -> eligibility.Finding | None:
    """requested + other funding + own contribution must equal the total cost."""
    lines = list(application.budget_lines.all())
    if not lines or application.requested_amount is None:
        return None
    total = sum((line.amount for line in lines), Decimal("0"))
    funding = application.requested_amount + application.other_funding + application.own_contribution
    if funding == total:
        return None
    from portal.formatting import money

    return eligibility.Finding(
        code="funding_plan",
        severity=Severity.BLOCKING,
        message=_(
            "The funding plan does not balance: requested grant, other funding and own contribution add up to "
            "%(funding)s, but the total cost is %(total)s. Change the amounts so that they are equal."
        )
        % {"funding": money(funding), "total": money(total)},
        section="budget",
    )


def findings_for(application: Application) -> list[eligibility.Finding]:
    """Eligibility findings (calls.eligibility.check) plus the balance of the funding plan."""
    findings = eligibility.check(application.call, facts_for(application))
    balance = funding_plan_finding(application)
    if balance is not None:
        findings.append(balance)
    return findings


def answer_is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def missing_for(application: Application) -> list[eligibility.Finding]:
    """Required answers and documents that are still missing, as blocking findings."""
    missing = []
    answers = {a.question_id: a for a in application.answers.all()}
    for question in _questions(application.call):
        answer = answers.get(question.pk)
        if question.required and (answer is None or answer_is_empty(answer.value)):
            missing.append(
                eligibility.Finding(
                    code="missing_answer",
                    severity=Severity.BLOCKING,
                    message=_("Answer the question “%(question)s”.") % {"question": question.text},
                    section="questions",
                    params={"question": question.pk},
                )
            )
    frame = legal_frame_of(application.call)
    if frame is not None and frame.state_aid and application.de_minimis_received is None:
        missing.append(
            eligibility.Finding(
                code="missing_de_minimis",
                severity=Severity.BLOCKING,
                message=_(
                    "Declare the de minimis aid your organisation received in the last three years (enter 0 if none)."
                ),
                section="budget",
            )
        )
    have = {a.document_id for a in application.attachments.all()}
    for document in _documents(application.call):
        if document.required and document.pk not in have:
            missing.append(
                eligibility.Finding(
                    code="missing_document",
                    severity=Severity.BLOCKING,
                    message=_("Upload the document “%(document)s”.") % {"document": document.title},
                    section="attachments",
                    params={"document": document.pk},
                )
            )
    return missing


@dataclass(frozen=True)
class SectionState:
    key: str
    label: str
    complete: bool
    problems: int


SECTION_FINDINGS = {
    "general": {"lead", "objectives", "dates"},
    "partners": {"partners"},
    "budget": {"budget", "waiver"},
    "questions": {"questions"},
    "attachments": {"attachments"},
}


def sections_for(application: Application, findings=None, missing=None) -> list[SectionState]:
    """Progress per section: complete when filled in and without findings about it."""
    findings = findings_for(application) if findings is None else findings
    missing = missing_for(application) if missing is None else missing
    problems = findings + missing

    def count(key):
        return sum(1 for f in problems if f.section in SECTION_FINDINGS[key])

    filled = {
        "general": bool(application.title and application.summary and application.start_date and application.end_date)
        and (not application.call.objectives.all() or bool(application.objectives.all())),
        "partners": True,
        "budget": bool(application.budget_lines.all()) and application.requested_amount is not None,
        "questions": True,
        "attachments": True,
    }
    labels = section_labels()
    states = [
        SectionState(key, labels[key], filled[key] and count(key) == 0, count(key))
        for key in ("general", "partners", "budget", "questions", "attachments")
    ]
    return states


def section_labels() -> dict[str, str]:
    return {
        "general": _("General"),
        "partners": _("Partners"),
        "budget": _("Budget"),
        "questions": _("Questions"),
        "attachments": _("Attachments"),
        "review": _("Review and submit"),
    }


def budget_totals(application: Application) -> dict[str, Decimal]:
    """Totals per category and overall (computed, never typed)."""
    from .models import BudgetCategory

    per_category: dict[str, Decimal] = {}
    for line in application.budget_lines.all():
        label = str(BudgetCategory(line.category).label) if line.category in BudgetCategory.values else line.category
        per_category[label] = per_category.get(label, Decimal("0")) + line.amount
    total = sum(per_category.values(), Decimal("0"))
    funding = (application.requested_amount or Decimal("0")) + application.other_funding + application.own_contribution
    return {"per_category": per_category, "total": total, "funding": funding}


VISIBLE_TO_APPLICANT = {
    "created",
    "submitted",
    "resubmitted",
    "reopened",
    "withdrawn",
    "marked_incomplete",
    "marked_inadmissible",
    "marked_admissible",
    "decision_published",
}


def timeline_for(application: Application, *, staff: bool):
    """Audit events of the application; applicants do not see unpublished decisions or edits."""
    from portal import audit

    events = audit.events_for(application)
    if not staff:
        events = events.filter(action__in=VISIBLE_TO_APPLICANT)
    return events

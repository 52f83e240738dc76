"""Read-side querysets for calls: each list is a fixed number of queries however many calls."""

from django.db.models import Prefetch, QuerySet

from .models import Call, CallRole, Criterion, EligibilityRule, Objective, Question, RequiredDocument


def _rules():
    return Prefetch("eligibility_rules", queryset=EligibilityRule.objects.select_related("excluded_call"))


def for_listing(calls: QuerySet[Call]) -> QuerySet[Call]:
    """Calls for a card list: with their rules (grant limits are shown on each card) and legal
    frame (its state-aid section is part of the eligibility check)."""
    return calls.select_related("legal_frame").prefetch_related(_rules())


def public_calls() -> QuerySet[Call]:
    return for_listing(Call.objects.published())


def with_content(calls: QuerySet[Call]) -> QuerySet[Call]:
    """Everything a call page shows: active objectives, criteria, questions and documents, the
    rules, the deadline history and the legal frame."""
    return calls.select_related("legal_frame").prefetch_related(
        Prefetch("objectives", queryset=Objective.objects.active()),
        Prefetch("criteria", queryset=Criterion.objects.active().select_related("objective")),
        Prefetch("questions", queryset=Question.objects.active()),
        Prefetch("documents", queryset=RequiredDocument.objects.active()),
        _rules(),
        "deadline_changes",
    )


def for_management(user) -> QuerySet[Call]:
    """The calls `user` manages (every call for an admin), with their managers."""
    managers = Prefetch(
        "roles",
        queryset=CallRole.objects.filter(role=CallRole.Role.MANAGER).select_related("user"),
        to_attr="manager_roles",
    )
    return Call.objects.managed_by(user).prefetch_related(managers).order_by("archived_at", "-closes_at", "pk")

"""Read side of grants: annotated querysets, one query for a whole list (DESIGN §7)."""

from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from .models import Grant, GrantState, PaymentOrder, PaymentState, RecoveryOrder, RecoveryState, Report, ReportState

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal("0"), output_field=MONEY)


def _sum(model, **filters):
    rows = model.objects.filter(grant=OuterRef("pk"), **filters).order_by().values("grant")
    return Coalesce(Subquery(rows.annotate(total=Sum("amount")).values("total")[:1], output_field=MONEY), ZERO)


def with_ledger(grants: QuerySet[Grant]) -> QuerySet[Grant]:
    """paid, due, to_recover, recovered and the next report due date, in the same query."""
    open_reports = Report.objects.filter(
        grant=OuterRef("pk"), state__in=[ReportState.DRAFT, ReportState.RETURNED]
    ).order_by("due_date")
    return grants.annotate(
        paid=_sum(PaymentOrder, state=PaymentState.PAID),
        due=_sum(PaymentOrder, state__in=[PaymentState.DUE, PaymentState.PROPOSED, PaymentState.APPROVED]),
        to_recover=_sum(RecoveryOrder, state=RecoveryState.ISSUED),
        recovered=_sum(RecoveryOrder, state=RecoveryState.PAID_BACK),
        next_report_due=Subquery(open_reports.values("due_date")[:1]),
    ).annotate(
        net_paid=ExpressionWrapper(F("paid") - F("recovered"), output_field=MONEY),
        next_deadline=Case(
            When(state=GrantState.AWAITING_ACCEPTANCE, then=TruncDate("accept_by")),
            default=F("next_report_due"),
        ),
    )


def portfolio(call, *, state: str = "", overdue: bool = False, search: str = "") -> QuerySet[Grant]:
    """A call's grants, overdue reports first, then by the next deadline."""
    today = timezone.localdate()
    grants = with_ledger(Grant.objects.filter(call=call).select_related("beneficiary", "application")).annotate(
        is_overdue=Case(When(next_report_due__lt=today, then=Value(True)), default=Value(False))
    )
    if state:
        grants = grants.filter(state=state)
    if overdue:
        grants = grants.filter(next_report_due__lt=today)
    if search:
        grants = grants.filter(
            Q(number__icontains=search)
            | Q(beneficiary__name__icontains=search)
            | Q(application__title__icontains=search)
        )
    return grants.order_by("-is_overdue", F("next_deadline").asc(nulls_last=True), "number")


def of_user(user) -> QuerySet[Grant]:
    """Grants of every organisation `user` belongs to."""
    return with_ledger(
        Grant.objects.filter(
            beneficiary__memberships__user=user, beneficiary__memberships__lapsed_at=None
        ).select_related("call", "beneficiary", "application")
    ).order_by("-opened_at", "-pk")


def paid_per_application() -> QuerySet:
    """Net amount paid per application (for the public funded list)."""
    return with_ledger(Grant.objects.all()).values("application_id", "net_paid")

"""The amount paid so far on the public funded list and its CSV (issue 11 §8), added through
reviews' extension point so reviews never imports grants (docs/decisions.md)."""

from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from reviews.views_funded import FundedColumn

from .models import PaymentOrder, PaymentState, RecoveryOrder, RecoveryState

MONEY = DecimalField(max_digits=14, decimal_places=2)


def _total(model, state):
    rows = (
        model.objects.filter(grant__application=OuterRef("application_id"), state=state)
        .order_by()
        .values("grant")
        .annotate(total=Sum("amount"))
        .values("total")[:1]
    )
    return Coalesce(Subquery(rows, output_field=MONEY), Value(0, output_field=MONEY))


def annotate_paid(awards):
    return awards.annotate(
        grant_paid=_total(PaymentOrder, PaymentState.PAID) - _total(RecoveryOrder, RecoveryState.PAID_BACK)
    )


PAID_COLUMN = FundedColumn(
    key="grants_paid",
    label=_("Paid so far"),
    register_header="uitbetaald bedrag",
    annotate=annotate_paid,
    value=lambda award: getattr(award, "grant_paid", None),
)

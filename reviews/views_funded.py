"""Funded projects, public: every published award across calls, and a CSV in the layout of the
Flemish subsidy register's quarterly publication. Only organisations appear: no natural
person's name or e-mail address is ever read here."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from applications.models import Status
from calls.models import Call
from portal.spreadsheets import csv_response

from .models import Decision

# The subsidy register's columns, in Dutch whatever the page language: it is a fixed layout.
REGISTER_COLUMNS = [
    "begunstigde",
    "KBO-nummer",
    "project",
    "oproep",
    "verstrekker",
    "toegekend bedrag",
    "startdatum",
    "einddatum",
    "beslissingsdatum",
]


@dataclass(frozen=True)
class FundedColumn:
    """An amount column a downstream app adds to the funded list and its CSV (grants: the
    amount paid so far), so reviews shows it without importing that app. `annotate` adds the
    value to the awards' queryset (one query for the whole list); `value` reads it."""

    key: str
    label: str
    register_header: str  # the CSV header, in Dutch (the register's fixed layout)
    annotate: Callable[[QuerySet], QuerySet]
    value: Callable[[Decision], Decimal | None]


extra_columns: list[FundedColumn] = []


def register_column(column: FundedColumn) -> None:
    """Add a column once (apps' ready() may run more than once in tests)."""
    if all(existing.key != column.key for existing in extra_columns):
        extra_columns.append(column)


def funded_projects() -> QuerySet[Decision]:
    """Published awards of applications that are awarded, newest decision first."""
    awards = (
        Decision.objects.filter(
            outcome=Decision.Outcome.AWARD,
            published_at__isnull=False,
            application__status=Status.AWARDED,
            application__decision_published_at__isnull=False,
        )
        .select_related("application__call", "application__lead_organisation")
        .order_by("-published_at", "application__lead_organisation__name", "pk")
    )
    for column in extra_columns:
        awards = column.annotate(awards)
    return awards


class FundedListView(ListView):
    template_name = "reviews/funded_list.html"
    context_object_name = "awards"
    paginate_by = 25

    def get_queryset(self):
        awards = funded_projects()
        self.call = None
        slug = self.request.GET.get("call")
        if slug:
            self.call = Call.objects.published().filter(slug=slug).first()
            awards = awards.filter(application__call=self.call) if self.call else awards.none()
        return awards

    def get_context_data(self, **kwargs):
        calls = Call.objects.published().filter(
            applications__decision__outcome=Decision.Outcome.AWARD,
            applications__decision__published_at__isnull=False,
        )
        context = super().get_context_data(
            calls=calls.distinct().order_by("-closes_at"),
            selected_call=self.call,
            extra_columns=extra_columns,
            **kwargs,
        )
        for award in context["awards"]:
            award.extra_values = [column.value(award) for column in extra_columns]
        return context


def register_amount(value) -> str:
    """45000.5 → "45000,50": the decimal comma Belgian spreadsheets expect with ';'."""
    return f"{value:.2f}".replace(".", ",")


def register_rows(awards):
    yield [*REGISTER_COLUMNS, *(column.register_header for column in extra_columns)]
    for award in awards:
        application = award.application
        organisation = application.lead_organisation
        yield [
            organisation.name,
            organisation.kbo_display if organisation.kbo_number else "",
            application.title,
            application.call.title_nl or application.call.title,
            application.call.funder_nl or application.call.funder,
            register_amount(award.granted_amount or 0),
            application.start_date.isoformat() if application.start_date else "",
            application.end_date.isoformat() if application.end_date else "",
            timezone.localdate(award.published_at).isoformat(),
            *(register_amount(column.value(award) or 0) for column in extra_columns),
        ]


class FundedCsvView(View):
    def get(self, request):
        rows = register_rows(funded_projects().iterator(chunk_size=500))
        return csv_response(rows, "gesubsidieerde-projecten.csv")

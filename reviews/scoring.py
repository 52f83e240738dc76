"""Scores of applications, computed in the database (DESIGN §4).

`scored(applications, call)` is the one place a score comes from: the ranking page, the CSV and
XLSX exports, the API and the applicant's evaluation summary all read its annotations, through
`criterion_scores()` for the per-criterion rows.

How the SQL is built
--------------------
A call has a handful of criteria, known when the query is built, so each active criterion adds
its own columns to the application row. The query joins each application to its assignments,
their reviews and the reviews' scores, and groups by application; the raw figures are
conditional aggregates over the *counted* scores of one criterion (scores of submitted
reviews whose assignment was not released by a conflict of interest):

    c<pk>_mean       ROUND(AVG(score) FILTER (WHERE counted AND criterion = pk), 6)
    c<pk>_min, _max, _count                 likewise
    c<pk>_consensus  the consensus score staff recorded: a LEFT JOIN on (application,
                     criterion), which the unique constraint keeps to at most one row
    c<pk>_applies    TRUE, or the application addresses the criterion's objective (a count
                     over the joined objectives)
    c<pk>_median     a correlated subquery, see below

and, from those, still in SQL:

    c<pk>_final      ROUND(COALESCE(consensus, mean), 6) where the criterion applies, else NULL
    c<pk>_disagree   max − min ≥ call.disagreement_gap
    c<pk>_meets      the criterion has no threshold, does not apply, or final ≥ threshold
    review_count     submitted reviews of assignments that still count
    reviews_missing  review_count < call.reviews_required
    total            100 × Σ(weight × final) / Σ(weight × max_score) over the applicable
                     criteria, rounded to 6 decimals; NULL while an applicable criterion has
                     no score at all
    meets_overall    total ≥ call.overall_threshold
    passes           meets_overall and every c<pk>_meets

A whole call is one query. Aggregates rather than one subquery per figure, because a derived
figure repeats the SQL of the figures it is made of (final appears in total, meets and
passes): a repeated aggregate costs nothing, a repeated subquery runs again for every row.
Joining several objectives multiplies the score rows of an application evenly, which leaves
AVG, MIN and MAX unchanged; counts are DISTINCT.

The median, portably. PostgreSQL has percentile_cont, SQLite has no median at all, but both
have window functions and correlated subqueries in FROM. Per (application, criterion) a
subquery numbers the counted scores in order (ROW_NUMBER() OVER (ORDER BY score, pk), 1 … n,
unique even when scores tie) beside their count (COUNT(*) OVER ()), and the median is

    SELECT AVG(score) FROM (…) WHERE rn BETWEEN (n + 1) / 2 AND (n + 2) / 2

in integer division: the middle score when n is odd (3 → rows 2 and 2), the two middle ones
when n is even (4 → rows 2 and 3).

Numbers. Scores are exact NUMERIC on PostgreSQL and floating point on SQLite, so every derived
figure is rounded to six decimals in SQL before it is compared with a threshold: both backends
then give the same answer, and a mean of exactly 2.5 never misses a 2.5 threshold by 1e-16.
The percentage is written as `100.0 * a / b` so SQLite divides in floating point rather than
truncating integers. Python receives Decimals; `one_decimal` rounds the total for display
(half up, as people round).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    DecimalField,
    F,
    FilteredRelation,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, NullIf, Round, RowNumber

from applications.models import Application
from calls.models import Call, Criterion

from .models import Score

PRECISION = 6
DECIMAL = DecimalField(max_digits=20, decimal_places=PRECISION)


def field(criterion: Criterion | int, name: str) -> str:
    """The annotation holding `name` (mean, median, final, …) of a criterion."""
    pk = criterion if isinstance(criterion, int) else criterion.pk
    return f"c{pk}_{name}"


def active_criteria(call: Call) -> list[Criterion]:
    """The criteria that count: archived ones are kept for history but never scored."""
    return list(call.criteria.active().select_related("objective").order_by("order", "pk"))


class _Percentage(Func):
    """100 × a / b: exact NUMERIC on PostgreSQL, floating point on SQLite (where two integers
    would otherwise divide with truncation: 1700 / 30 = 56)."""

    arity = 2
    template = "(100.0 * %(expressions)s)"
    arg_joiner = " / "
    output_field = DECIMAL


class _MiddleAverage(Subquery):
    """The average of the middle row(s) of a subquery that numbers its rows `rn` (1 … n) and
    counts them in `n`: the median when the rows are ordered by score. Rounded inside the
    subquery, so that it stays a subquery and is not added to the GROUP BY."""

    template = (
        f"(SELECT ROUND(AVG(middle.score), {PRECISION}) FROM (%(subquery)s) middle"
        " WHERE middle.rn BETWEEN (middle.n + 1) / 2 AND (middle.n + 2) / 2)"
    )


def _median(criterion: Criterion) -> Subquery:
    numbered = (
        Score.objects.filter(
            criterion_id=criterion.pk,
            score__isnull=False,
            review__submitted_at__isnull=False,
            review__assignment__conflict=False,
            review__assignment__application_id=OuterRef("pk"),
        )
        .annotate(
            rn=Window(RowNumber(), order_by=[F("score").asc(), F("pk").asc()]),
            n=Window(Count("pk")),
        )
        .values("score", "rn", "n")
    )
    return _MiddleAverage(numbered, output_field=DECIMAL)


# Paths from an application to the scores of its reviews.
SCORE = "assignments__review__scores"
COUNTED = Q(
    assignments__conflict=False,
    assignments__review__submitted_at__isnull=False,
    assignments__review__scores__score__isnull=False,
)


def _yes_if(condition: Q) -> Case:
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def scored(applications: QuerySet[Application], call: Call, criteria: list[Criterion] | None = None) -> QuerySet:
    """`applications` of `call` annotated with every score figure (see the module docstring).

    Pass `criteria` (from `active_criteria(call)`) when you already have them, to save a query.
    """
    if criteria is None:
        criteria = active_criteria(call)
    queryset = applications.filter(call=call).alias(
        **{
            f"consensus_on_{c.pk}": FilteredRelation("consensus_scores", condition=Q(consensus_scores__criterion=c.pk))
            for c in criteria
        }
    )
    raw = {
        "review_count": Count(
            "assignments__review",
            filter=Q(assignments__conflict=False, assignments__review__submitted_at__isnull=False),
            distinct=True,
        )
    }
    for c in criteria:
        of_c = COUNTED & Q(assignments__review__scores__criterion_id=c.pk)
        raw.update(
            {
                field(c, "mean"): Round(Avg(f"{SCORE}__score", filter=of_c), PRECISION, output_field=DECIMAL),
                field(c, "min"): Min(f"{SCORE}__score", filter=of_c, output_field=DECIMAL),
                field(c, "max"): Max(f"{SCORE}__score", filter=of_c, output_field=DECIMAL),
                field(c, "count"): Count(SCORE, filter=of_c, distinct=True),
                field(c, "median"): _median(c),
                field(c, "consensus"): Max(f"consensus_on_{c.pk}__score", output_field=DECIMAL),
            }
        )
        if c.objective_id is not None:
            raw[field(c, "addressed")] = Count("objectives", filter=Q(objectives__pk=c.objective_id), distinct=True)
    queryset = queryset.annotate(**raw)

    derived = {}
    for c in criteria:
        if c.objective_id is None:
            derived[field(c, "applies")] = Value(True, output_field=BooleanField())
        else:
            derived[field(c, "applies")] = _yes_if(Q(**{f"{field(c, 'addressed')}__gt": 0}))
    queryset = queryset.annotate(**derived)

    derived = {}
    for c in criteria:
        final = Coalesce(F(field(c, "consensus")), F(field(c, "mean")), output_field=DECIMAL)
        derived[field(c, "final")] = Case(
            When(Q(**{field(c, "applies"): True}), then=Round(final, PRECISION, output_field=DECIMAL)),
            default=None,
            output_field=DECIMAL,
        )
        derived[field(c, "disagree")] = _yes_if(
            Q(**{f"{field(c, 'max')}__gte": F(field(c, "min")) + Value(call.disagreement_gap, output_field=DECIMAL)})
        )
    queryset = queryset.annotate(**derived)

    meets = {}
    for c in criteria:
        if c.threshold is None:
            meets[field(c, "meets")] = Value(True, output_field=BooleanField())
            continue
        reaches = Q(**{f"{field(c, 'final')}__gte": Value(c.threshold, output_field=DECIMAL)})
        if c.objective_id is not None:
            reaches |= Q(**{field(c, "applies"): False})
        meets[field(c, "meets")] = _yes_if(reaches)

    weighted, maximum = [], []
    for c in criteria:
        applies = Q(**{field(c, "applies"): True})
        zero = Value(Decimal("0"), output_field=DECIMAL)
        weighted.append(
            Case(
                When(applies, then=F(field(c, "final")) * Value(c.weight, output_field=DECIMAL)),
                default=zero,
                output_field=DECIMAL,
            )
        )
        maximum.append(Case(When(applies, then=Value(c.weight * call.max_score, output_field=DECIMAL)), default=zero))
    if criteria:
        denominator = NullIf(_sum(maximum), Value(Decimal("0"), output_field=DECIMAL))
        total = Round(_Percentage(_sum(weighted), denominator), PRECISION, output_field=DECIMAL)
    else:
        total = Value(None, output_field=DECIMAL)
    queryset = queryset.annotate(
        **meets,
        reviews_missing=_yes_if(Q(review_count__lt=call.reviews_required)),
        total=total,
    )
    all_meet = Q(meets_overall=True)
    for c in criteria:
        all_meet &= Q(**{field(c, "meets"): True})
    return queryset.annotate(
        meets_overall=_yes_if(Q(total__gte=Value(call.overall_threshold, output_field=DECIMAL)))
    ).annotate(passes=_yes_if(all_meet))


def _sum(expressions):
    result = expressions[0]
    for expression in expressions[1:]:
        result = result + expression
    return result


@dataclass(frozen=True)
class CriterionScore:
    """One criterion of one application, as read from `scored()`."""

    criterion: Criterion
    applies: bool
    final: Decimal | None
    mean: Decimal | None
    median: Decimal | None
    minimum: Decimal | None
    maximum: Decimal | None
    count: int
    consensus: Decimal | None
    disagreement: bool
    meets_threshold: bool

    @property
    def from_consensus(self) -> bool:
        return self.applies and self.consensus is not None

    @property
    def spread(self) -> Decimal | None:
        if self.minimum is None or self.maximum is None:
            return None
        return self.maximum - self.minimum


def criterion_scores(application, criteria: list[Criterion]) -> list[CriterionScore]:
    """The per-criterion rows of an application that came out of `scored()`."""

    def value(criterion, name):
        return getattr(application, field(criterion, name))

    return [
        CriterionScore(
            criterion=criterion,
            applies=bool(value(criterion, "applies")),
            final=value(criterion, "final"),
            mean=value(criterion, "mean"),
            median=value(criterion, "median"),
            minimum=value(criterion, "min"),
            maximum=value(criterion, "max"),
            count=value(criterion, "count") or 0,
            consensus=value(criterion, "consensus"),
            disagreement=bool(value(criterion, "disagree")),
            meets_threshold=bool(value(criterion, "meets")),
        )
        for criterion in criteria
    ]


def one_decimal(value: Decimal | None) -> Decimal | None:
    """A total as shown to people: one decimal, rounded half up (84.95 → 85.0)."""
    if value is None:
        return None
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

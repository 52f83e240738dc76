"""Scores of applications, computed in the database (DESIGN §4).

`scored(applications, call)` is the one place a score comes from: the ranking page, the CSV and
XLSX exports, the API and the applicant's evaluation summary all read its annotations, through
`criterion_scores()` for the per-criterion rows.

How the SQL is built
--------------------
A call has a handful of criteria, known when the query is built, so each active criterion adds
its own columns to the application row. The figures of the counted scores (scores of submitted
reviews whose assignment was not released by a conflict of interest) per (application,
criterion) are

    COUNT(score), ROUND(AVG(score), 6), MIN(score), MAX(score) and the median

computed by one grouped statement (`_grouped_sql`) and kept in `ScoreFigures`, one row per
(application, criterion), so that a ranking reads a few rows per application instead of
aggregating every score of the call again (`refresh_figures`). Database triggers mark an
application stale whenever one of its scores, reviews or assignments is written
(reviews/figures.py: every write path, bulk and raw SQL included), and the figures of a stale
application are computed from its scores in the same statement that reads the others from the
store: a read is current whether or not the store has caught up. A commit hook refreshes what
a transaction marked; a periodic task catches up with whatever a hook missed.

The figures are pivoted into one row per application, each criterion's columns FILTERed to its
own rows (c<pk>_count, _mean, _min, _max, _median), and joined to the applications with a LEFT
JOIN on a derived table, beside the count of counted reviews per application (`review_count`).
Django has no public API for joining a derived table, so `_DerivedTable` is a small join object
the compiler renders like its own joins. `scored(lean=True)`, what the funding line of a whole
call reads, leaves out the minimum, maximum and median. The rest is per row, still in SQL:

    c<pk>_consensus  the consensus score staff recorded: a LEFT JOIN on (application,
                     criterion), which the unique constraint keeps to at most one row
    c<pk>_applies    TRUE, or the application addresses the criterion's objective
                     (`id IN (the applications of that objective)`: one hashed lookup)
    c<pk>_final      ROUND(COALESCE(consensus, mean), 6) where the criterion applies, else NULL
    c<pk>_disagree   max − min ≥ call.disagreement_gap
    c<pk>_meets      the criterion has no threshold, does not apply, or final ≥ threshold
    reviews_missing  review_count < call.reviews_required
    total            100 × Σ(weight × final) / Σ(weight × max_score) over the applicable
                     criteria, rounded to 6 decimals; NULL while an applicable criterion has
                     no score at all
    meets_overall    total ≥ call.overall_threshold
    passes           meets_overall and every c<pk>_meets

The median. PostgreSQL computes it in the same grouped pass with its ordered-set aggregate
PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY score); it works in double precision and is rounded
to six decimals like every figure, which for scores of two decimals is exactly the average of
the middle score(s). SQLite has no median, but has window functions: the scores are numbered
in order per (application, criterion) (ROW_NUMBER() OVER (… ORDER BY score, pk), 1 … n,
unique even when scores tie) beside their count n, and the median is the average of the rows
numbered BETWEEN (n + 1) / 2 AND (n + 2) / 2 in integer division: the middle score when n is
odd (3 → rows 2 and 2), the two middle ones when n is even (4 → rows 2 and 3).

Numbers. Scores are exact NUMERIC on PostgreSQL and floating point on SQLite, so every derived
figure is rounded to six decimals in SQL before it is compared with a threshold: both backends
then give the same answer, and a mean of exactly 2.5 never misses a 2.5 threshold by 1e-16.
The percentage is written as `100.0 * a / b` so SQLite divides in floating point rather than
truncating integers. Python receives Decimals; `one_decimal` rounds the total for display
(half up, as people round).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    Expression,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf, Round
from django.db.models.sql.constants import LOUTER

from applications.models import Application
from calls.models import Call, Criterion

from .figures import supported as figures_supported
from .models import Assignment, Review, ReviewTally, Score, ScoreFigures, StaleScoreFigures

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


class _DerivedTable:
    """`LEFT OUTER JOIN (<sql>) <alias> ON <alias>.application_id = <applications>.id`, rendered by
    the compiler like its own joins (the attributes are the ones Django reads from a Join)."""

    join_type = LOUTER
    nullable = True
    filtered_relation = None
    join_field = None

    def __init__(self, sql: str, params: tuple, alias: str, parent_alias: str):
        self.sql, self.params = sql, tuple(params)
        self.table_name = self.table_alias = alias
        self.parent_alias = parent_alias

    @property
    def identity(self):
        return (self.__class__, self.sql, self.params, self.table_alias, self.parent_alias)

    def __eq__(self, other):
        return isinstance(other, _DerivedTable) and self.identity == other.identity

    def __hash__(self):
        return hash(self.identity)

    def equals(self, other):
        return self == other

    def as_sql(self, compiler, connection):
        alias, parent = (
            compiler.quote_name_unless_alias(self.table_alias),
            compiler.quote_name_unless_alias(self.parent_alias),
        )
        return f"LEFT OUTER JOIN ({self.sql}) {alias} ON ({alias}.application_id = {parent}.id)", self.params

    def relabeled_clone(self, change_map):
        return _DerivedTable(
            self.sql,
            self.params,
            change_map.get(self.table_alias, self.table_alias),
            change_map.get(self.parent_alias, self.parent_alias),
        )

    def demote(self):
        return self

    def promote(self):
        return self


class _Column(Expression):
    """A column of a `_DerivedTable`."""

    def __init__(self, alias: str, name: str, output_field):
        super().__init__(output_field=output_field)
        self.alias, self.name = alias, name

    def as_sql(self, compiler, connection):
        return f"{compiler.quote_name_unless_alias(self.alias)}.{connection.ops.quote_name(self.name)}", []

    def relabeled_clone(self, change_map):
        return _Column(change_map.get(self.alias, self.alias), self.name, self.output_field)

    def get_group_by_cols(self):
        return [self]


def _join(queryset: QuerySet, alias: str, sql: str, params) -> QuerySet:
    queryset = queryset.all()
    query = queryset.query
    join = _DerivedTable(sql, params, alias, query.get_initial_alias())
    query.alias_map[alias] = join
    query.alias_refcount[alias] = 1
    query.table_map[alias] = [alias]
    return queryset


FIGURES = ("count", "mean", "min", "max", "median")
# What the order and the funding line need (`scored(lean=True)`): no spread, no median.
LEAN = ("count", "mean")


def _ids_sql(applications: QuerySet) -> tuple[str, tuple]:
    """The primary keys of `applications`, unordered (a sort would be wasted inside IN)."""
    return applications.order_by().values("pk").query.sql_with_params()


# A counted review: submitted, and its assignment not released by a conflict (parameter: False).
_COUNTED_REVIEW = "r.submitted_at IS NOT NULL AND a.conflict = %s"


def _counted_sql(condition: str) -> str:
    """FROM … WHERE of the counted scores (scores of submitted reviews whose assignment was not
    released by a conflict of interest) that also meet `condition`; one parameter (False) of
    its own comes before the condition's."""
    score, review, assignment = (m._meta.db_table for m in (Score, Review, Assignment))
    return (
        f"FROM {score} s JOIN {review} r ON r.id = s.review_id JOIN {assignment} a ON a.id = r.assignment_id "
        f"WHERE s.score IS NOT NULL AND {_COUNTED_REVIEW} AND {condition}"
    )


def _grouped_sql(vendor: str, condition: str) -> str:
    """One row per (application, criterion) with counted scores that meet `condition`:
    application_id, criterion_id, count, mean, minimum, maximum, median (the columns of
    `ScoreFigures`, which stores exactly this). Parameters: False, then the condition's."""
    counted = _counted_sql(condition)
    if vendor == "postgresql":
        median = f"ROUND(CAST(PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY g.score) AS NUMERIC), {PRECISION})"
        source = f"(SELECT a.application_id, s.criterion_id, s.score {counted}) g"
    else:
        median = f"ROUND(AVG(g.score) FILTER (WHERE g.rn BETWEEN (g.cnt + 1) / 2 AND (g.cnt + 2) / 2), {PRECISION})"
        source = (
            "(SELECT a.application_id, s.criterion_id, s.score, "
            "ROW_NUMBER() OVER (PARTITION BY a.application_id, s.criterion_id ORDER BY s.score, s.id) AS rn, "
            f"COUNT(*) OVER (PARTITION BY a.application_id, s.criterion_id) AS cnt {counted}) g"
        )
    return (
        f"SELECT g.application_id, g.criterion_id, COUNT(g.score) AS count, ROUND(AVG(g.score), {PRECISION}) AS mean, "
        f"MIN(g.score) AS minimum, MAX(g.score) AS maximum, {median} AS median "
        f"FROM {source} GROUP BY g.application_id, g.criterion_id"
    )


# The columns of `ScoreFigures` behind each figure of the pivoted row.
_STORED = {"count": "count", "mean": "mean", "min": "minimum", "max": "maximum", "median": "median"}


def _figures_sql(
    applications: QuerySet, criteria: list[Criterion], vendor: str, figures: tuple[str, ...] = FIGURES
) -> tuple[str, list]:
    """One row per application of `applications`: the `figures` (count, mean, min, max, median)
    of the counted scores of each criterion. They are read from the stored `ScoreFigures`, one
    row per (application, criterion), except for the applications marked stale, whose figures
    are computed from their scores in the same statement (`_grouped_sql`, the very SQL that
    fills the store): what is read is current whether or not the store has caught up."""
    ids_sql, ids_params = _ids_sql(applications)
    pks = [c.pk for c in criteria]
    marks = ", ".join(["%s"] * len(criteria))
    rows, source_params = _stored_or_computed(
        vendor,
        f"SELECT t.application_id, t.criterion_id, t.count, t.mean, t.minimum, t.maximum, t.median "
        f"FROM {ScoreFigures._meta.db_table} t WHERE t.criterion_id IN ({marks}) AND t.application_id IN ({ids_sql})",
        lambda condition: _grouped_sql(vendor, condition),
        f"s.criterion_id IN ({marks}) AND a.application_id IN ({ids_sql})",
        [*pks, *ids_params],
    )
    source = f"({rows}) g"
    columns = [
        f"MAX(g.{_STORED[name]}) FILTER (WHERE g.criterion_id = %s) AS {field(c, name)}"
        for c in criteria
        for name in figures
    ]
    # The columns' parameters come first in the SQL: the list follows the SQL's order.
    params = [c.pk for c in criteria for _name in figures] + source_params
    sql = f"SELECT g.application_id, {', '.join(columns)} FROM {source} GROUP BY g.application_id"
    return sql, params


def refresh_figures(batch: int = 2000, using: str = DEFAULT_DB_ALIAS, *, batches: int | None = None) -> int:
    """Compute the stored `ScoreFigures` and `ReviewTally` of the applications marked stale
    again, `batch` at a time, each batch in its own transaction (at most `batches` of them);
    returns how many applications were refreshed.

    A mark is taken (deleted) in the transaction that replaces the figures, so a write that
    commits meanwhile leaves its own mark, and concurrent refreshes never take the same one."""
    connection = connections[using]
    if not figures_supported(connection.vendor):
        return 0
    stored, stale, tally = (m._meta.db_table for m in (ScoreFigures, StaleScoreFigures, ReviewTally))
    columns = "application_id, criterion_id, count, mean, minimum, maximum, median"
    done, taken = 0, 0
    while batches is None or taken < batches:
        taken += 1
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {stale} WHERE application_id IN (SELECT application_id FROM {stale} LIMIT %s) "
                "RETURNING application_id",
                [batch],
            )
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                return done
            marks = ", ".join(["%s"] * len(ids))
            selected = f"a.application_id IN ({marks})"
            for table in (stored, tally):
                cursor.execute(f"DELETE FROM {table} WHERE application_id IN ({marks})", ids)
            cursor.execute(
                f"INSERT INTO {stored} ({columns}) " + _grouped_sql(connection.vendor, selected), [False, *ids]
            )
            cursor.execute(
                f"INSERT INTO {tally} (application_id, review_count) " + _review_count_grouped_sql(selected),
                [False, *ids],
            )
        done += len(ids)
    return done


def refresh_figures_after_commit() -> int:
    """What a transaction that wrote scores, reviews or assignments runs once it commits: one
    batch, so that a request never pays for a backlog (after an upgrade, a bulk import); the
    periodic task takes the rest."""
    return refresh_figures(batches=1)


def _review_count_grouped_sql(condition: str) -> str:
    """application_id, review_count: the counted reviews of the applications that `condition`
    (on a.application_id) selects (what `ReviewTally` stores). Parameters: False, then the
    condition's."""
    review, assignment = (m._meta.db_table for m in (Review, Assignment))
    return (
        f"SELECT a.application_id, COUNT(*) AS review_count FROM {review} r "
        f"JOIN {assignment} a ON a.id = r.assignment_id WHERE {_COUNTED_REVIEW} AND {condition} "
        "GROUP BY a.application_id"
    )


def _review_count_sql(applications: QuerySet) -> tuple[str, list]:
    """The review count of each application of `applications`: stored (`ReviewTally`), or
    counted from the reviews for the applications marked stale (as `_figures_sql` does)."""
    ids_sql, ids_params = _ids_sql(applications)
    rows, params = _stored_or_computed(
        connections[applications.db].vendor,
        f"SELECT t.application_id, t.review_count FROM {ReviewTally._meta.db_table} t "
        f"WHERE t.application_id IN ({ids_sql})",
        _review_count_grouped_sql,
        f"a.application_id IN ({ids_sql})",
        list(ids_params),
    )
    # Grouped once more (each application is in one part only), so that PostgreSQL knows the
    # rows are unique per application and drops the join where the count is not read.
    return (
        f"SELECT u.application_id, MAX(u.review_count) AS review_count FROM ({rows}) u GROUP BY u.application_id",
        params,
    )


def _stored_or_computed(vendor: str, stored: str, computed, condition: str, params: list) -> tuple[str, list]:
    """The rows of a store (`stored`: SELECT … FROM <store> t WHERE …, with `params`) for the
    applications not marked stale, beside the same rows computed from the reviews for the
    applications marked (`computed(condition)`, the SQL that fills the store; `condition` takes
    the same `params`, after the computed SQL's own False): current whether or not the store
    has caught up. A database without the triggers computes every row."""
    if not figures_supported(vendor):
        return computed(condition), [False, *params]
    stale = StaleScoreFigures._meta.db_table
    sql = f"{stored} AND t.application_id NOT IN (SELECT application_id FROM {stale}) UNION ALL " + computed(
        f"{condition} AND a.application_id IN (SELECT application_id FROM {stale})"
    )
    return sql, [*params, False, *params]


def with_review_count(applications: QuerySet, call: Call) -> QuerySet:
    """`applications` annotated with `review_count`, the number of counted reviews, and
    `reviews_missing`, fewer than `call` asks for (what `scored()` gives, without the scores)."""
    queryset = _join(applications, "score_reviews", *_review_count_sql(applications))
    queryset = queryset.annotate(review_count=Coalesce(_Column("score_reviews", "review_count", IntegerField()), 0))
    return queryset.annotate(reviews_missing=_yes_if(Q(review_count__lt=call.reviews_required)))


def _yes_if(condition: Q) -> Case:
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def scored(
    applications: QuerySet[Application], call: Call, criteria: list[Criterion] | None = None, *, lean: bool = False
) -> QuerySet:
    """`applications` of `call` annotated with every score figure (see the module docstring).

    Pass `criteria` (from `active_criteria(call)`) when you already have them, to save a query.
    `lean`: only what the totals, the thresholds and the order need (no minimum, maximum, median
    or disagreement), which spares the database the median's sort: the ranking's funding line
    over a whole call reads this.
    """
    if criteria is None:
        criteria = active_criteria(call)
    base = applications.filter(call=call)
    figures, output = _per_application(base, call, criteria, lean=lean)
    # The per-criterion figures are columns of one derived row per application, so what is
    # built from them (total, thresholds, order) reads each once instead of repeating its SQL.
    queryset = _join(base, "score_rows", *figures)
    queryset = queryset.annotate(**{name: _Column("score_rows", name, kind) for name, kind in output.items()})

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
    queryset = queryset.annotate(**meets, total=total)
    all_meet = Q(meets_overall=True)
    for c in criteria:
        all_meet &= Q(**{field(c, "meets"): True})
    return queryset.annotate(
        meets_overall=_yes_if(Q(total__gte=Value(call.overall_threshold, output_field=DECIMAL)))
    ).annotate(passes=_yes_if(all_meet))


def _per_application(
    base: QuerySet, call: Call, criteria: list[Criterion], *, lean: bool
) -> tuple[tuple[str, list], dict]:
    """The SQL of one row per application of `base` (`application_id` and each criterion's
    count, mean, [min, max, median,] consensus, applies, final [and disagree], and the review
    count), and the output field of each column by name."""
    connection = connections[base.db]
    queryset = base.order_by().alias(
        **{
            f"consensus_on_{c.pk}": FilteredRelation("consensus_scores", condition=Q(consensus_scores__criterion=c.pk))
            for c in criteria
        },
    )
    queryset = with_review_count(queryset, call)
    raw = {}
    if criteria:
        figures = LEAN if lean else FIGURES
        queryset = _join(queryset, "score_figures", *_figures_sql(base, criteria, connection.vendor, figures))
    for c in criteria:
        column = lambda name, output=DECIMAL, c=c: _Column("score_figures", field(c, name), output)  # noqa: E731
        raw.update(
            {
                field(c, "mean"): column("mean"),
                field(c, "count"): Coalesce(column("count", IntegerField()), 0),
                field(c, "consensus"): F(f"consensus_on_{c.pk}__score"),
            }
        )
        if not lean:
            raw.update({field(c, name): column(name) for name in ("min", "max", "median")})
    queryset = queryset.annotate(**raw)

    derived = {}
    for c in criteria:
        if c.objective_id is None:
            derived[field(c, "applies")] = Value(True, output_field=BooleanField())
        else:
            of_objective = Application.objectives.through.objects.filter(objective_id=c.objective_id)
            derived[field(c, "applies")] = _yes_if(Q(pk__in=of_objective.values("application_id")))
    queryset = queryset.annotate(**derived)

    derived = {}
    for c in criteria:
        final = Coalesce(F(field(c, "consensus")), F(field(c, "mean")), output_field=DECIMAL)
        derived[field(c, "final")] = Case(
            When(Q(**{field(c, "applies"): True}), then=Round(final, PRECISION, output_field=DECIMAL)),
            default=None,
            output_field=DECIMAL,
        )
        if not lean:
            derived[field(c, "disagree")] = _yes_if(
                Q(
                    **{
                        f"{field(c, 'max')}__gte": F(field(c, "min"))
                        + Value(call.disagreement_gap, output_field=DECIMAL)
                    }
                )
            )
    queryset = queryset.annotate(**derived)
    names = ["review_count", "reviews_missing", *raw, *[field(c, "applies") for c in criteria], *derived]
    output = {name: queryset.query.annotations[name].output_field for name in names}
    sql, params = (
        queryset.annotate(application_id=F("pk")).values_list("application_id", *names).query.sql_with_params()
    )
    # A fence: without it PostgreSQL may merge the derived table into the outer query and
    # compute each column again wherever the outer query uses it.
    sql += " LIMIT -1 OFFSET 0" if connection.vendor == "sqlite" else " OFFSET 0"
    return (sql, list(params)), output


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


_SCORE_FIGURES = ("applies", "final", "mean", "median", "min", "max", "count", "consensus", "disagree", "meets")


def criterion_scores(application, criteria: list[Criterion]) -> list[CriterionScore]:
    """The per-criterion rows of an application that came out of `scored()`."""
    return [
        criterion_score(criterion, *(getattr(application, name) for name in _figure_names(criterion.pk)))
        for criterion in criteria
    ]


def criterion_score(criterion, applies, final, mean, median, low, high, count, consensus, disagree, meets):
    """One criterion's figures, as `scored()` names them (`_SCORE_FIGURES`, in that order)."""
    return CriterionScore(
        criterion=criterion,
        applies=bool(applies),
        final=final,
        mean=mean,
        median=median,
        minimum=low,
        maximum=high,
        count=count or 0,
        consensus=consensus,
        disagreement=bool(disagree),
        meets_threshold=bool(meets),
    )


@lru_cache(maxsize=1024)
def _figure_names(pk: int) -> tuple[str, ...]:
    return tuple(field(pk, name) for name in _SCORE_FIGURES)


def one_decimal(value: Decimal | None) -> Decimal | None:
    """A total as shown to people: one decimal, rounded half up (84.95 → 85.0)."""
    if value is None:
        return None
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

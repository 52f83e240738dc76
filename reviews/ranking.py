"""The ranking of a call and its funding line (DESIGN §4).

The scores come from `scoring.scored()` (one query for the whole call, ordered there too);
this module walks down the ordered rows and draws the funding line against the call's budget.

Order
-----
Passing applications by total, ties broken by the criteria in their order (a higher final
score on the first criterion wins, then the second, …), then by earlier submission. Where two
neighbours have the same total, the row says which rule put it below the other
(`Row.tie_break`).

The funding line follows what has been decided
----------------------------------------------
The ranking is advice for what is not decided yet; what is decided is taken as it is:

1. Every recorded **award** counts at its granted amount, wherever it sits: in the passing
   list, in the failing list or among the unscored applications (a motivated deviation from
   the advice). Awards come off the budget first, because that money is committed: the line
   never proposes money an award has already taken. Awards outside the passing list are also
   listed apart (`Ranking.awards_outside`), with their motivation.
2. Recorded **rejections and reserve decisions** count for nothing. They keep their place in
   the order, marked as decided, never as funded.
3. **Undecided** passing applications are walked in ranking order and funded while their
   amount (the what-if amount staff proposed on the ranking page, `GrantProposal`, else the
   requested amount) fits in what the awards left. Policy `strict`: the first undecided
   application that does not fit ends the line; `skip`: smaller ones further down may still
   fit (funded "below the line").

Passing applications that are neither funded nor rejected form the reserve list; failing
ones are proposed for rejection, with the thresholds they missed; applications without any
score are listed apart and proposed nothing. Budget used, remaining and the overrun are
computed once, in `BudgetUse`, which the page, the chart, the exports, the API and the
decision screens all read. Decisions (`decisions.py`) are never capped at the budget: an
overrun is shown, not prevented. docs/ranking.md says the same for staff.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, lru_cache

from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from applications.models import Application, Status
from calls.models import Call, Criterion, FundingPolicy
from portal import audit
from portal.formatting import money, percent

from .models import Decision, GrantProposal
from .scoring import (
    CriterionScore,
    active_criteria,
    criterion_score,
    criterion_scores,
    one_decimal,
    scored,
    with_review_count,
)
from .scoring import field as score_field

# Applications that take part in the ranking: admitted to review, decided or not.
RANKED_STATUSES = (Status.IN_REVIEW, Status.AWARDED, Status.RESERVE, Status.REJECTED)
ZERO = Decimal("0")


class Proposal:
    """What the ranking proposes for an undecided application."""

    AWARD = Decision.Outcome.AWARD
    RESERVE = Decision.Outcome.RESERVE
    REJECT = Decision.Outcome.REJECT


class Funding:
    """Where an application stands against the funding line (the page, the chart, the exports
    and the API use these words)."""

    AWARDED = "awarded"  # an award is recorded: counts at its granted amount
    FUNDED = "funded"  # undecided, funded by the line
    RESERVE = "reserve"  # passing, not funded: undecided below the line, or decided reserve
    REJECTED = "rejected"  # a rejection is recorded: counts for nothing
    LAPSED = "lapsed"  # an award the beneficiary did not accept in time: counts for nothing
    FAILING = "failing"  # undecided, misses a threshold: proposed for rejection
    UNSCORED = "unscored"  # undecided, no score yet

    LABELS = {
        AWARDED: gettext_lazy("awarded (decided)"),
        FUNDED: gettext_lazy("funded"),
        RESERVE: gettext_lazy("reserve"),
        REJECTED: gettext_lazy("rejected (decided)"),
        LAPSED: gettext_lazy("award lapsed"),
        FAILING: gettext_lazy("does not pass"),
        UNSCORED: gettext_lazy("not scored yet"),
    }


def in_ranking_order(queryset: QuerySet, criteria: list[Criterion]) -> QuerySet:
    """Order `scored()` rows: passing first, by total, then the criteria in order, then the
    earlier submission (and the primary key, so the order is always the same)."""
    return queryset.order_by(
        F("passes").desc(),
        F("total").desc(nulls_last=True),
        *[F(score_field(c, "final")).desc(nulls_last=True) for c in criteria],
        F("submitted_at").asc(nulls_last=True),
        "pk",
    )


def ranked_applications(call: Call, criteria: list[Criterion] | None = None, *, only=None) -> QuerySet:
    """The call's ranked applications with their scores, proposals and decisions: one query.
    `only`: primary keys to restrict it to (the scores are then computed for those alone)."""
    if criteria is None:
        criteria = active_criteria(call)
    applications = Application.objects.filter(status__in=RANKED_STATUSES)
    if only is not None:
        applications = applications.filter(pk__in=list(only))
    applications = applications.select_related("lead_organisation", "grant_proposal", "decision")
    return in_ranking_order(scored(applications, call, criteria), criteria)


class _Standing:
    """Where an application stands, from the few facts the funding line needs. Shared by `Row`
    (a shown application, with its scores) and `_Line` (the amounts of any ranked one)."""

    @property
    def awarded(self) -> bool:
        return self.outcome is not None and self.outcome == Decision.Outcome.AWARD

    @property
    def counted(self) -> Decimal:
        """What this application takes from the budget (zero unless it is funded)."""
        return self.granted if self.funded else ZERO

    @property
    def funding(self) -> str:
        """Where the application stands against the line: one of `Funding`."""
        outcome = self.outcome
        if outcome is not None:  # most lines of a large call are undecided: they skip these
            if outcome == Decision.Outcome.AWARD:
                return Funding.AWARDED
            if outcome == Decision.Outcome.REJECT:
                return Funding.REJECTED
            if outcome == Decision.Outcome.LAPSED:
                return Funding.LAPSED
        if self.funded:
            return Funding.FUNDED
        if outcome == Decision.Outcome.RESERVE or (self.scored and self.passes):
            return Funding.RESERVE
        return Funding.FAILING if self.scored else Funding.UNSCORED

    @property
    def funding_label(self) -> str:
        return str(Funding.LABELS[self.funding])

    @property
    def proposed_outcome(self) -> str | None:
        """What the ranking proposes: only for undecided, scored applications."""
        if self.outcome is not None or not self.scored:
            return None
        if not self.passes:
            return Proposal.REJECT
        return Proposal.AWARD if self.funded else Proposal.RESERVE

    @property
    def scored(self) -> bool:
        return self.total is not None

    @property
    def total_display(self) -> Decimal | None:
        return one_decimal(self.total)

    @property
    def outcome_label(self) -> str:
        """The recorded decision in words ("" while undecided)."""
        return "" if self.outcome is None else str(Decision.Outcome(self.outcome).label)

    @property
    def can_change_grant(self) -> bool:
        """A what-if amount makes sense until a decision is recorded."""
        return self.outcome is None

    @property
    def grant_label(self) -> str:
        """The label of the what-if amount field (its words translated once per page)."""
        return self.url_patterns[2] % {"reference": self.reference}

    @property
    def grant_url(self) -> str:
        return self._url(0)

    @property
    def decide_url(self) -> str:
        return self._url(1)

    def _url(self, which: int) -> str:
        return self.url_patterns[which].replace(str(URL_PK), str(self.pk))

    def failed_thresholds(self) -> list[str]:
        """The thresholds this application misses, in words (for the failing list and the
        default motivation of a rejection)."""
        reasons = [
            _("%(criterion)s: score %(score)s is below the threshold of %(threshold)s")
            % {"criterion": criterion.title, "score": _score(final), "threshold": _score(criterion.threshold)}
            for criterion, final in self.missed_thresholds()
        ]
        if self.scored and not self.meets_overall:
            reasons.append(
                _("total %(total)s is below the overall threshold of %(threshold)s")
                % {"total": percent(self.total_display), "threshold": percent(self.call.overall_threshold)}
            )
        return reasons


class _Shared:
    """What every `_Line` of one ranking shares: the call, its criteria and its URL patterns."""

    __slots__ = ("call", "criteria", "url_patterns")

    def __init__(self, call: Call, criteria: list[Criterion]):
        self.call, self.criteria, self.url_patterns = call, criteria, url_patterns(call.slug)


class _Line(_Standing):
    """One ranked application as the funding line sees it: amounts, decision and the figures
    the order is made of. The default ranking page makes one per application and builds a
    `Row` (with the application and its scores) only for the applications it shows."""

    __slots__ = (
        "shared",
        "pk",
        "passes",
        "total",
        "finals",
        "meets",
        "meets_overall",
        "submitted_at",
        "reference",
        "title",
        "organisation",
        "name",
        "review_count",
        "reviews_missing",
        "outcome",
        "published",
        "requested",
        "granted",
        "position",
        "funded",
        "below_line",
        "fits_now",
        "running_total",
        "tie_break",
        "figures",
        "has_proposal",
    )

    def __init__(self, shared: _Shared, values: tuple, finals: tuple, meets: tuple):
        self.shared, self.finals, self.meets = shared, finals, meets
        (
            self.pk,
            passes,
            self.total,
            meets_overall,
            self.submitted_at,
            self.name,
            self.outcome,
            requested,
            proposed,
            decided,
            published,
        ) = values
        self.passes, self.meets_overall, self.published = bool(passes), bool(meets_overall), published is not None
        self.requested, self.has_proposal = requested or ZERO, proposed is not None
        if self.outcome == Decision.Outcome.AWARD:
            self.granted = decided or ZERO
        else:
            self.granted = self.requested if proposed is None else proposed
        # Read only for the lines a list of the page shows (`Ranking._listed`).
        self.reference = self.title = self.organisation = self.review_count = self.reviews_missing = None
        self.figures = None  # the exports' figures per criterion (`_lines(figures=True)`)
        self.position = self.running_total = self.tie_break = None
        self.funded = self.below_line = self.fits_now = False

    @property
    def call(self) -> Call:
        return self.shared.call

    @property
    def url_patterns(self) -> tuple[str, str, str]:
        return self.shared.url_patterns

    def missed_thresholds(self) -> list[tuple[Criterion, Decimal | None]]:
        return [
            (c, final)
            for c, final, meets in zip(self.shared.criteria, self.finals, self.meets, strict=True)
            if not meets
        ]

    @property
    def criteria(self) -> list[CriterionScore]:
        """The per-criterion figures, as a row gives them (lines read with `figures` only)."""
        return [
            criterion_score(criterion, applies, final, mean, median, low, high, count, consensus, disagree, meets)
            for criterion, final, (applies, mean, median, low, high, disagree, count, consensus), meets in zip(
                self.shared.criteria, self.finals, self.figures, self.meets, strict=True
            )
        ]


def _one_to_one(application: Application, name: str):
    try:
        return getattr(application, name)
    except (GrantProposal.DoesNotExist, Decision.DoesNotExist):
        return None


URL_PK = 987654321  # stands for the primary key in the URL patterns reversed once per page


@dataclass
class Row(_Standing):
    """One application of the ranking."""

    application: Application
    active_criteria: list[Criterion]
    proposal: GrantProposal | None
    decision: Decision | None
    position: int | None = None  # 1, 2, … among the passing applications
    funded: bool = False  # the money goes to it: an award is recorded, or the line funds it
    below_line: bool = False  # funded under `skip`, below where `strict` would have stopped
    fits_now: bool = False  # a published reserve that fits what the awards leave (budget freed up)
    running_total: Decimal | None = None  # what is used up to and including this row
    tie_break: str | None = None  # why it ranks below the row above it with the same total
    url_patterns: tuple[str, str, str] | None = None  # see `url_patterns()`

    def __post_init__(self):
        if self.url_patterns is None:
            self.url_patterns = url_patterns(self.application.call.slug)

    @property
    def pk(self) -> int:
        return self.application.pk

    @property
    def call(self) -> Call:
        return self.application.call

    @property
    def reference(self) -> str:
        return self.application.reference

    @property
    def title(self) -> str:
        return self.application.title

    @property
    def organisation(self) -> str:
        return self.application.lead_organisation.name

    @property
    def review_count(self) -> int:
        return self.application.review_count

    @property
    def has_proposal(self) -> bool:
        return self.proposal is not None

    @property
    def published(self) -> bool:
        return self.decision is not None and self.decision.published_at is not None

    @property
    def finals(self) -> tuple:
        return tuple(getattr(self.application, score_field(c, "final")) for c in self.active_criteria)

    @property
    def submitted_at(self):
        return self.application.submitted_at

    @property
    def name(self) -> str:
        return self.application.reference or self.application.title

    @cached_property
    def criteria(self) -> list[CriterionScore]:
        # Built when read: a large call's page and the API show only some of the rows.
        return criterion_scores(self.application, self.active_criteria)

    @property
    def requested(self) -> Decimal:
        return self.application.requested_amount or ZERO

    @property
    def outcome(self) -> str | None:
        """The recorded decision's outcome, or None while undecided."""
        return None if self.decision is None else self.decision.outcome

    @property
    def granted(self) -> Decimal:
        """The amount of an award: the decided amount once recorded, else the what-if amount
        staff proposed, else the requested amount."""
        if self.awarded:
            return self.decision.granted_amount or ZERO
        if self.proposal is not None:
            return self.proposal.amount
        return self.requested

    @property
    def total(self) -> Decimal | None:
        return self.application.total

    @property
    def passes(self) -> bool:
        return bool(self.application.passes)

    @property
    def meets_overall(self) -> bool:
        return bool(self.application.meets_overall)

    @property
    def reviews_missing(self) -> bool:
        return bool(self.application.reviews_missing)

    def missed_thresholds(self) -> list[tuple[Criterion, Decimal | None]]:
        """The criteria whose threshold this application misses, with its final score on each."""
        return [(score.criterion, score.final) for score in self.criteria if not score.meets_threshold]


def _score(value: Decimal | None) -> str:
    if value is None:
        return _("no score")
    return _score_in(value, get_language())


@lru_cache(maxsize=4096)
def _score_in(value: Decimal, language: str | None) -> str:
    """A score with two decimals as `language` writes them; a large call repeats the same few."""
    return number_format(value, 2)


@dataclass(frozen=True)
class BudgetUse:
    """The one computation of what the budget of a call is used for: every screen, export and
    API route that shows used, remaining or an overrun reads it from here."""

    budget: Decimal
    awarded: Decimal  # recorded awards, wherever they rank
    proposed: Decimal  # undecided applications the line funds
    funded_count: int  # applications the money goes to (awarded or funded by the line)
    reserve_count: int

    @property
    def used(self) -> Decimal:
        return self.awarded + self.proposed

    @property
    def remaining(self) -> Decimal:
        """Negative when recorded awards overrun the budget."""
        return self.budget - self.used

    @property
    def overrun(self) -> Decimal:
        return max(ZERO, self.used - self.budget)

    @property
    def not_awarded(self) -> Decimal:
        """What the recorded awards alone leave of the budget (negative on an overrun)."""
        return self.budget - self.awarded

    def as_dict(self) -> dict:
        return {
            "budget": self.budget,
            "awarded": self.awarded,
            "proposed": self.proposed,
            "used": self.used,
            "remaining": self.remaining,
            "overrun": self.overrun,
            "funded": self.funded_count,
            "reserve": self.reserve_count,
        }


ROWS_BELOW_LINE = 25
LIST_LIMIT = 200


@dataclass
class Ranking:
    call: Call
    criteria: list[Criterion]
    # In ranking order, decided or not: `Row`s, or `_Line`s when `lines_only` (see below).
    passing_lines: list = field(default_factory=list)
    failing_lines: list = field(default_factory=list)
    unscored_lines: list = field(default_factory=list)
    line_index: int | None = None  # the funding line is drawn before passing[line_index]
    # A large call's page shows every funded application and the head of the reserve list
    # (where a what-if amount can move the line); longer lists are cut at LIST_LIMIT rows and
    # given in full by the exports or with show_all.
    show_all: bool = False
    # `lines_only`: passing/failing/unscored hold `_Line`s (amounts only), and the `*_shown`
    # lists and `awards_outside` build their `Row`s with one more query, for those rows only.
    lines_only: bool = False
    figures: bool = False  # the lines carry every figure (`ranking_for(figures=True)`): no rows needed
    ties_pending: bool = False  # the ties are explained for the lines shown, when shown (`_explain`)
    _shown_rows: dict | None = None
    _all_rows: dict | None = None
    _reserve_lines: list | None = None

    @property
    def passing(self) -> list[Row]:
        return self._rows_of(self.passing_lines)

    @property
    def failing(self) -> list[Row]:
        return self._rows_of(self.failing_lines)

    @property
    def unscored(self) -> list[Row]:
        return self._rows_of(self.unscored_lines)

    def _rows_of(self, lines: list) -> list[Row]:
        """Every row of `lines`: with `lines_only`, built (one query for all) when asked for."""
        if not self.lines_only:
            return lines
        if self._all_rows is None:
            self._explain()
            self._all_rows = _rows_for(self, self._lines())
        return [self._all_rows[line.pk] for line in lines]

    def _lines(self) -> list:
        return [*self.passing_lines, *self.failing_lines, *self.unscored_lines]

    def in_order(self) -> list:
        """Every entry in ranking order: passing, failing, then unscored."""
        return self._lines()

    @property
    def budget(self) -> Decimal:
        return self.call.total_budget

    @cached_property
    def criterion_labels(self) -> dict[int, str]:
        """The short label of each criterion (C1, C2, …), translated once per page."""
        return {c.pk: _("C%(number)s") % {"number": i} for i, c in enumerate(self.criteria, start=1)}

    @cached_property
    def budget_use(self) -> BudgetUse:
        counted = [row for row in self._lines() if row.funded]
        return BudgetUse(
            budget=self.budget,
            awarded=sum((row.granted for row in counted if row.awarded), ZERO),
            proposed=sum((row.granted for row in counted if not row.awarded), ZERO),
            funded_count=len(counted),
            reserve_count=len(self._reserve()),
        )

    @property
    def funded(self) -> list[Row]:
        """Passing applications the money goes to, in ranking order."""
        return self._rows_of([row for row in self.passing_lines if row.funded])

    @property
    def reserve(self) -> list[Row]:
        return self._rows_of(self._reserve())

    def _reserve(self) -> list:
        if self._reserve_lines is None:  # the line is drawn before anything asks
            self._reserve_lines = [row for row in self.passing_lines if row.funding == Funding.RESERVE]
        return self._reserve_lines

    @property
    def awards_outside(self) -> list[Row]:
        """Awards recorded for applications that do not pass or have no score."""
        return self._as_rows(self._awards_outside(), lines_will_do=False)  # the motivation is shown

    def _awards_outside(self) -> list:
        return [row for row in [*self.failing_lines, *self.unscored_lines] if row.awarded]

    def _passing_shown(self) -> list:
        passing = self.passing_lines
        if self.show_all:
            return passing
        last_funded = max((i for i, row in enumerate(passing) if row.funded), default=-1)
        line = self.line_index if self.line_index is not None else len(passing)
        return passing[: max(last_funded + 1, line) + ROWS_BELOW_LINE]

    @property
    def passing_shown(self) -> list[Row]:
        return self._as_rows(self._passing_shown())

    @property
    def passing_table(self) -> list:
        """The passing table of the page. With `lines_only` its lines themselves, with every
        score figure read for them alone (one query, no model instances); else the rows."""
        entries = self._passing_shown()
        if self.lines_only and not self.figures and any(line.figures is None for line in entries):
            _complete(self, entries, figures=True)
        self._explain(entries)
        return entries

    @property
    def reserve_shown(self) -> list[Row]:
        return self._as_rows(self._cut(self._reserve()))

    # The compact lists of the page (reserve, failing, unscored) need no scores beyond what the
    # funding line already read: they show the lines themselves, which answer like rows.
    @property
    def reserve_listed(self) -> list:
        return self._listed(self._cut(self._reserve()))

    @property
    def failing_listed(self) -> list:
        return self._listed(self._cut(self.failing_lines))

    @property
    def unscored_listed(self) -> list:
        return self._listed(self._cut(self.unscored_lines))

    def _listed(self, entries: list) -> list:
        """`entries`, with the organisation and the review count read (one query, the first time
        any list asks, for the lines of all three lists) when they are lines."""
        if self.lines_only and any(line.organisation is None for line in entries):
            _complete(
                self, [*self._cut(self._reserve()), *self._cut(self.failing_lines), *self._cut(self.unscored_lines)]
            )
        return entries

    def _as_rows(self, entries: list, *, lines_will_do: bool = True) -> list[Row]:
        """The `Row`s of `entries` (already rows unless `lines_only`; lines read with `figures`
        answer like rows), built with one query for those not built yet."""
        if not self.lines_only or (self.figures and lines_will_do):
            return entries
        if self._shown_rows is None:
            self._shown_rows = {}
        missing = [line for line in entries if line.pk not in self._shown_rows]
        if missing:
            self._explain(missing)
            self._shown_rows.update(_rows_for(self, missing))
        return [self._shown_rows[line.pk] for line in entries]

    def _explain(self, lines: list | None = None) -> None:
        """Explain the ties of those of `lines` that are passing (None: of every line), where
        `ranking_for` left that to the lines shown (the default page shows a few hundred of
        thousands)."""
        if not self.ties_pending:
            return
        if lines is None:
            for rows in (self.passing_lines, self.failing_lines):
                _explain_ties(zip(rows, rows[1:], strict=False), self.criteria)
            self.ties_pending = False
            return
        passing = self.passing_lines
        _explain_ties(
            [(passing[line.position - 2], line) for line in lines if line.position and line.position > 1],
            self.criteria,
        )

    @property
    def rows_not_shown(self) -> int:
        """How many rows some list of the page leaves out (0: the page shows everything)."""
        return sum(
            len(full) - len(shown)
            for full, shown in [
                (self.passing_lines, self._passing_shown()),
                (self._reserve(), self._cut(self._reserve())),
                (self.failing_lines, self._cut(self.failing_lines)),
                (self.unscored_lines, self._cut(self.unscored_lines)),
            ]
        )

    def _cut(self, rows: list[Row]) -> list[Row]:
        return rows if self.show_all else rows[:LIST_LIMIT]

    @property
    def has_decisions(self) -> bool:
        return any(row.outcome is not None for row in self._lines())

    @property
    def undecided(self) -> list[Row]:
        """Scored applications without a decision: what applying the proposal decides."""
        return [row for row in [*self.passing, *self.failing] if row.outcome is None]

    @property
    def rows(self) -> list[Row]:
        return [*self.passing, *self.failing, *self.unscored]

    def chart_data(self) -> dict:
        """Totals per application for the bar chart (ranking order), as plain JSON, with the
        budget figures of `budget_use` in words."""
        use = self.budget_use
        labels, totals, status, shown = [], [], [], {}  # shown: each distinct total rounded once
        for row in self._lines():
            total = row.total
            if total is not None:
                labels.append(row.name)
                value = shown.get(total)
                if value is None:
                    value = shown[total] = float(one_decimal(total))
                totals.append(value)
                status.append(row.funding)
        return {
            "labels": labels,
            "totals": totals,
            "status": status,
            "threshold": float(self.call.overall_threshold),
            "summary": _("Used %(used)s of %(budget)s; remaining %(remaining)s")
            % {"used": money(use.used), "budget": money(use.budget), "remaining": money(use.remaining)},
        }


def url_patterns(slug: str) -> tuple[str, str, str]:
    """The grant and decide URLs of a call with `URL_PK` for the application, and the label of
    the what-if amount: reversed and translated once per page, filled in per row."""
    return (
        reverse("ranking:grant", args=[slug, URL_PK]),
        reverse("ranking:decide", args=[slug, URL_PK]),
        _("Granted amount for %(reference)s"),
    )


def ranking_for(call: Call, *, lines_only: bool = False, figures: bool = False) -> Ranking:
    """Rank the call and draw its funding line. Two queries: the criteria and the ranking.

    `lines_only` (the default ranking page): the ranking query reads only what the order and the
    funding line need (amounts, totals, decisions), and the rows the page shows are built with
    one more query, for those applications only. `figures` (the exports): lines that carry every
    figure an export shows, from the one ranking query."""
    criteria = active_criteria(call)
    lines_only = lines_only or figures
    ranking = Ranking(call=call, criteria=criteria, lines_only=lines_only, figures=figures)
    entries = _lines(call, criteria, figures=figures) if lines_only else _rows(call, criteria)
    for entry in entries:
        if not entry.scored:
            ranking.unscored_lines.append(entry)
        elif entry.passes:
            ranking.passing_lines.append(entry)
        else:
            ranking.failing_lines.append(entry)
    _draw_funding_line(ranking, strict=call.funding_policy == FundingPolicy.STRICT)
    if lines_only and not figures:  # the default page: only the ties it shows (`Ranking._explain`)
        ranking.ties_pending = True
    else:
        for rows in (ranking.passing_lines, ranking.failing_lines):
            _explain_ties(zip(rows, rows[1:], strict=False), criteria)
    return ranking


def _rows(call: Call, criteria: list[Criterion], queryset: QuerySet | None = None):
    patterns = url_patterns(call.slug)
    for application in queryset if queryset is not None else ranked_applications(call, criteria):
        application.call = call  # spare a query per row
        yield Row(
            application=application,
            active_criteria=criteria,
            proposal=_one_to_one(application, "grant_proposal"),
            decision=_one_to_one(application, "decision"),
            url_patterns=patterns,
        )


# What a line read with `figures` keeps of each criterion besides its final score (`finals`), in
# this order: the exports show the first six, `_Line.criteria` (the page with ?all=1) all of them.
LINE_FIGURES = ("applies", "mean", "median", "min", "max", "disagree", "count", "consensus")


def lines_queryset(call: Call, criteria: list[Criterion], *, figures: bool = False) -> QuerySet:
    """The ranking query `ranking_for` reads its lines from (one row per ranked application, in
    ranking order, as tuples): lean for the funding line, with every figure for `figures`."""
    columns = [
        # in the order `_Line` reads them
        "pk",
        "passes",
        "total",
        "meets_overall",
        "submitted_at",
        "name",
        "decision__outcome",
        "requested_amount",
        "grant_proposal__amount",
        "decision__granted_amount",
        "decision__published_at",
        *[score_field(c, "final") for c in criteria],
        *[score_field(c, "meets") for c in criteria],
    ]
    if figures:
        columns += ["reference", "title", "lead_organisation__name", "review_count", "reviews_missing"]
        columns += [score_field(c, name) for c in criteria for name in LINE_FIGURES]
    applications = Application.objects.filter(status__in=RANKED_STATUSES)
    return (
        in_ranking_order(scored(applications, call, criteria, lean=not figures), criteria)
        .annotate(name=Coalesce(NullIf("reference", Value("")), "title"))
        .values_list(*columns)
    )


def _lines(call: Call, criteria: list[Criterion], *, figures: bool = False):
    """A `_Line` per ranked application, in ranking order. `figures`: from the full scores (the
    exports and ?all=1), each line also carries the LINE_FIGURES of every criterion and what
    the lists show (reference, title, organisation, review count)."""
    shared = _Shared(call, criteria)
    queryset = lines_queryset(call, criteria, figures=figures)
    n, width = len(criteria), len(LINE_FIGURES)
    for values in _tuples(queryset, chunked=figures):
        line = _Line(shared, values[:11], values[11 : 11 + n], values[11 + n : 11 + 2 * n])
        if figures:
            rest = values[11 + 2 * n :]
            line.reference, line.title, line.organisation, line.review_count, missing = rest[:5]
            line.reviews_missing = bool(missing)
            line.figures = tuple(rest[i : i + width] for i in range(5, len(rest), width))
        yield line


def _tuples(queryset: QuerySet, *, chunked: bool, chunk_size: int = 2000):
    """The rows of a `values_list` queryset. On PostgreSQL psycopg2 already gives every value the
    Python type Django would (Decimal, bool, int, aware datetime), so the rows are used as they
    come instead of through Django's per-value converters, which only copied them; and each
    distinct decimal is made once and shared (a call's figures repeat the same few scores).
    `chunked`: read in chunks from a server-side cursor, so a large export stays small in
    memory (a plain cursor is faster when the rows are few and narrow). Other databases go
    through Django."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        yield from queryset.iterator(chunk_size=chunk_size) if chunked else queryset
        return
    import psycopg2.extensions

    decimals = {}

    def decimal(text, _cursor):
        if text is None:
            return None
        value = decimals.get(text)
        if value is None:
            value = decimals[text] = Decimal(text)
        return value

    numeric = psycopg2.extensions.new_type((1700,), "SHARED_NUMERIC", decimal)  # 1700: numeric
    sql, params = queryset.query.sql_with_params()
    # A chunked cursor is WITH HOLD in autocommit, as Django's iterator() makes it.
    with connection.chunked_cursor() if chunked else connection.cursor() as cursor:
        psycopg2.extensions.register_type(numeric, cursor.cursor)  # this cursor only
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            yield from rows


def _complete(ranking: Ranking, lines: list[_Line], *, figures: bool = False) -> None:
    """Read what a list shows of `lines` besides the funding line's own figures (reference,
    title, organisation, review count) with one query; with `figures` every score figure too,
    computed for those applications alone (else no score is computed at all)."""
    wanted = {line.pk: line for line in lines}
    if not wanted:
        return
    applications = Application.objects.filter(pk__in=list(wanted))
    if not figures:  # no scores: the applications and their review counts as they are
        queryset = with_review_count(applications.filter(call=ranking.call), ranking.call)
        columns = ("pk", "reference", "title", "lead_organisation__name", "review_count", "reviews_missing")
        for values in queryset.values_list(*columns):
            line = wanted[values[0]]
            line.reference, line.title, line.organisation, line.review_count, missing = values[1:]
            line.reviews_missing = bool(missing)
    else:
        columns = ["pk", "reference", "title", "lead_organisation__name", "review_count", "reviews_missing"]
        columns += [score_field(c, name) for c in ranking.criteria for name in LINE_FIGURES]
        width = len(LINE_FIGURES)
        queryset = scored(applications, ranking.call, ranking.criteria).values_list(*columns)
        for values in _tuples(queryset, chunked=False):
            line = wanted[values[0]]
            line.reference, line.title, line.organisation, line.review_count, missing = values[1:6]
            line.reviews_missing = bool(missing)
            rest = values[6:]
            line.figures = tuple(rest[i : i + width] for i in range(0, len(rest), width))
    for line in lines:  # one that left the ranking meanwhile
        if line.organisation is None:
            line.reference, line.title, line.organisation, line.review_count, line.reviews_missing = (
                "",
                "",
                "",
                0,
                False,
            )
        if figures and line.figures is None:
            line.figures = tuple((False, None, None, None, None, False, 0, None) for _c in ranking.criteria)


def _rows_for(ranking: Ranking, lines: list[_Line]) -> dict[int, Row]:
    """The rows of `lines` (one query), carrying what the funding line computed for them."""
    wanted = {line.pk: line for line in lines}
    if not wanted:
        return {}
    queryset = ranked_applications(ranking.call, ranking.criteria, only=wanted)
    return {row.pk: _carry(wanted[row.pk], row) for row in _rows(ranking.call, ranking.criteria, queryset)}


def _carry(line: _Line, row: Row) -> Row:
    """`row` with what the funding line computed for its `line`."""
    row.position, row.funded, row.below_line = line.position, line.funded, line.below_line
    row.fits_now, row.running_total, row.tie_break = line.fits_now, line.running_total, line.tie_break
    return row


def _draw_funding_line(ranking: Ranking, *, strict: bool) -> None:
    """The rule of the module docstring: awards first, then the undecided in order."""
    awards = [row for row in ranking._lines() if row.awarded]
    for row in awards:
        row.funded = True
    available = ranking.budget - sum((row.granted for row in awards), ZERO)
    # Awards outside the passing list are off the budget before the first row of the order.
    running = sum((row.granted for row in ranking._awards_outside()), ZERO)
    proposed = ZERO
    reserve_room = available
    for position, row in enumerate(ranking.passing_lines):
        row.position = position + 1
        if row.awarded:
            running += row.granted
            row.running_total = running
            continue
        if row.outcome is not None:  # a recorded reserve, rejection or lapse counts for nothing
            if row.outcome == Decision.Outcome.RESERVE and row.published and row.granted <= reserve_room:
                # Budget freed up (a lapsed award): this reserve can be awarded from the reserve list.
                row.fits_now = True
                reserve_room -= row.granted
            continue
        fits = proposed + row.granted <= available
        if fits and not (strict and ranking.line_index is not None):
            proposed += row.granted
            running += row.granted
            row.funded = True
            row.below_line = ranking.line_index is not None
            row.running_total = running
        elif ranking.line_index is None:
            ranking.line_index = position


def _explain_ties(pairs, criteria: list[Criterion]) -> None:
    """Say, for each (row above, row) of `pairs` where the row has the same total as the row
    above it, which rule of the order put it below: the first criterion with a lower final
    score, or the later submission. (The sentences are translated once per call, not once per
    tie.)"""
    language, no_score = get_language(), _("no score")

    def score(value):
        return no_score if value is None else _score_in(value, language)

    rounded = _("Same rounded total as %(above)s, which scores higher before rounding.")
    on_criterion = _(
        "Same total as %(above)s; ranked below it on the criterion %(criterion)s (%(mine)s against %(theirs)s)."
    )
    later = _("Same total and criterion scores as %(above)s; ranked below it because it was submitted later.")
    same = _("Same total, criterion scores and submission time as %(above)s.")
    titles = [str(criterion.title) for criterion in criteria]
    for above, row in pairs:
        if row.total != above.total:
            if row.total is not None and above.total is not None and one_decimal(row.total) == one_decimal(above.total):
                row.tie_break = rounded % {"above": _name(above)}
            continue
        for title, mine, theirs in zip(titles, row.finals, above.finals, strict=True):
            if mine != theirs:
                row.tie_break = on_criterion % {
                    "above": _name(above),
                    "criterion": title,
                    "mine": score(mine),
                    "theirs": score(theirs),
                }
                break
        else:
            pattern = later if row.submitted_at != above.submitted_at else same
            row.tie_break = pattern % {"above": _name(above)}


def _name(row) -> str:
    return row.name


@transaction.atomic
def propose_grant(application: Application, *, amount: Decimal | None, by) -> GrantProposal | None:
    """Store a what-if granted amount for the ranking (None: back to the requested amount).
    Nothing is decided; the amount must lie between zero and the requested amount."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if amount is None:
        GrantProposal.objects.filter(application=application).delete()
        audit.record(application, "grant_proposal_cleared", by=by)
        return None
    requested = application.requested_amount or ZERO
    if amount < 0:
        raise ValidationError({"amount": _("The amount cannot be negative.")})
    if amount > requested:
        raise ValidationError(
            {"amount": _("The amount cannot exceed the requested %(requested)s.") % {"requested": money(requested)}}
        )
    proposal, _created = GrantProposal.objects.update_or_create(
        application=application, defaults={"amount": amount, "changed_by": by}
    )
    audit.record(application, "grant_proposed", by=by, amount=str(amount))
    return proposal

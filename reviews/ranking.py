"""The ranking of a call and its funding line (DESIGN §4).

The scores come from `scoring.scored()` (one query for the whole call, ordered there too);
this module walks down the ordered rows and draws the funding line against the call's budget:

- passing applications by total, ties broken by the criteria in their order (a higher final
  score on the first criterion wins, then the second, …), then by earlier submission;
- each one is funded while the running sum of granted amounts fits the budget. The granted
  amount is the decided amount once an award is recorded, else the what-if amount staff
  proposed on the ranking page (`GrantProposal`), else the requested amount;
- policy `strict`: the first application that does not fit ends the line; `skip`: smaller
  ones further down may still fit (they are funded "below the line");
- passing applications that are not funded form the reserve list; the others are proposed for
  rejection, with the thresholds they missed; applications without any score yet are listed
  apart and proposed nothing.

The ranking is advice: decisions (`decisions.py`) may deviate from it, with a motivation, and
are never capped at the budget: an overrun is shown, not prevented.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from applications.models import Application, Status
from calls.models import Call, Criterion, FundingPolicy
from portal import audit
from portal.formatting import money, percent

from .models import Decision, GrantProposal
from .scoring import CriterionScore, active_criteria, criterion_scores, one_decimal, scored
from .scoring import field as score_field

# Applications that take part in the ranking: admitted to review, decided or not.
RANKED_STATUSES = (Status.IN_REVIEW, Status.AWARDED, Status.RESERVE, Status.REJECTED)
ZERO = Decimal("0")


class Proposal:
    """What the ranking proposes for an application."""

    AWARD = Decision.Outcome.AWARD
    RESERVE = Decision.Outcome.RESERVE
    REJECT = Decision.Outcome.REJECT


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


def ranked_applications(call: Call, criteria: list[Criterion] | None = None) -> QuerySet:
    """The call's ranked applications with their scores, proposals and decisions: one query."""
    if criteria is None:
        criteria = active_criteria(call)
    applications = Application.objects.filter(status__in=RANKED_STATUSES).select_related(
        "lead_organisation", "grant_proposal", "decision"
    )
    return in_ranking_order(scored(applications, call, criteria), criteria)


def _one_to_one(application: Application, name: str):
    try:
        return getattr(application, name)
    except (GrantProposal.DoesNotExist, Decision.DoesNotExist):
        return None


@dataclass
class Row:
    """One application on the ranking page."""

    application: Application
    criteria: list[CriterionScore]
    proposal: GrantProposal | None
    decision: Decision | None
    position: int | None = None  # 1, 2, … among the passing applications
    funded: bool = False
    below_line: bool = False  # funded under `skip`, below where `strict` would have stopped
    running_total: Decimal | None = None

    @property
    def requested(self) -> Decimal:
        return self.application.requested_amount or ZERO

    @property
    def granted(self) -> Decimal:
        """The amount the funding line counts (see the module docstring)."""
        if self.decision is not None and self.decision.outcome == Decision.Outcome.AWARD:
            return self.decision.granted_amount or ZERO
        if self.proposal is not None:
            return self.proposal.amount
        return self.requested

    @property
    def total(self) -> Decimal | None:
        return self.application.total

    @property
    def total_display(self) -> Decimal | None:
        return one_decimal(self.application.total)

    @property
    def passes(self) -> bool:
        return bool(self.application.passes)

    @property
    def scored(self) -> bool:
        return self.application.total is not None

    @property
    def reviews_missing(self) -> bool:
        return bool(self.application.reviews_missing)

    @property
    def can_change_grant(self) -> bool:
        """A what-if amount makes sense until a decision is recorded."""
        return self.decision is None

    @property
    def proposed_outcome(self) -> str | None:
        if not self.scored:
            return None
        if not self.passes:
            return Proposal.REJECT
        return Proposal.AWARD if self.funded else Proposal.RESERVE

    def failed_thresholds(self) -> list[str]:
        """The thresholds this application misses, in words (for the failing list and the
        default motivation of a rejection)."""
        reasons = [
            _("%(criterion)s: score %(score)s is below the threshold of %(threshold)s")
            % {
                "criterion": row.criterion.title,
                "score": _score(row.final),
                "threshold": _score(row.criterion.threshold),
            }
            for row in self.criteria
            if not row.meets_threshold
        ]
        if self.scored and not self.application.meets_overall:
            reasons.append(
                _("total %(total)s is below the overall threshold of %(threshold)s")
                % {
                    "total": percent(self.total_display),
                    "threshold": percent(self.application.call.overall_threshold),
                }
            )
        return reasons


def _score(value: Decimal | None) -> str:
    if value is None:
        return _("no score")
    return number_format(value, 2)


ROWS_BELOW_LINE = 25
LIST_LIMIT = 200


@dataclass
class Ranking:
    call: Call
    criteria: list[Criterion]
    passing: list[Row] = field(default_factory=list)  # in ranking order, funded and reserve
    failing: list[Row] = field(default_factory=list)
    unscored: list[Row] = field(default_factory=list)
    proposed_total: Decimal = ZERO  # granted amounts above (and, with skip, below) the line
    awarded_total: Decimal = ZERO  # recorded award decisions
    line_index: int | None = None  # the funding line is drawn before passing[line_index]
    # A large call's page shows every funded application and the head of the reserve list
    # (where a what-if amount can move the line); longer lists are cut at LIST_LIMIT rows and
    # given in full by the exports or with show_all.
    show_all: bool = False

    @property
    def budget(self) -> Decimal:
        return self.call.total_budget

    @property
    def funded(self) -> list[Row]:
        return [row for row in self.passing if row.funded]

    @property
    def reserve(self) -> list[Row]:
        return [row for row in self.passing if not row.funded]

    @property
    def passing_shown(self) -> list[Row]:
        if self.show_all:
            return self.passing
        last_funded = max((i for i, row in enumerate(self.passing) if row.funded), default=-1)
        line = self.line_index if self.line_index is not None else len(self.passing)
        return self.passing[: max(last_funded + 1, line) + ROWS_BELOW_LINE]

    @property
    def reserve_shown(self) -> list[Row]:
        return self._cut(self.reserve)

    @property
    def failing_shown(self) -> list[Row]:
        return self._cut(self.failing)

    @property
    def unscored_shown(self) -> list[Row]:
        return self._cut(self.unscored)

    @property
    def rows_not_shown(self) -> int:
        """How many rows some list of the page leaves out (0: the page shows everything)."""
        return sum(
            len(full) - len(shown)
            for full, shown in [
                (self.passing, self.passing_shown),
                (self.reserve, self.reserve_shown),
                (self.failing, self.failing_shown),
                (self.unscored, self.unscored_shown),
            ]
        )

    def _cut(self, rows: list[Row]) -> list[Row]:
        return rows if self.show_all else rows[:LIST_LIMIT]

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.proposed_total

    @property
    def awarded_remaining(self) -> Decimal:
        """What the recorded awards leave of the budget; negative when they overrun it."""
        return self.budget - self.awarded_total

    @property
    def overrun(self) -> Decimal:
        return max(ZERO, self.awarded_total - self.budget)

    @property
    def has_decisions(self) -> bool:
        return any(row.decision is not None for row in self.rows)

    @property
    def rows(self) -> list[Row]:
        return [*self.passing, *self.failing, *self.unscored]

    def chart_data(self) -> dict:
        """Totals per application for the bar chart (ranking order), as plain JSON."""
        return {
            "labels": [row.application.reference or row.application.title for row in self.rows if row.scored],
            "totals": [float(row.total_display) for row in self.rows if row.scored],
            "status": [
                "funded" if row.funded else "reserve" if row.passes else "failing" for row in self.rows if row.scored
            ],
            "threshold": float(self.call.overall_threshold),
        }


def ranking_for(call: Call) -> Ranking:
    """Rank the call and draw its funding line. Two queries: the criteria and the ranking."""
    criteria = active_criteria(call)
    ranking = Ranking(call=call, criteria=criteria)
    for application in ranked_applications(call, criteria):
        application.call = call  # spare a query per row
        row = Row(
            application=application,
            criteria=criterion_scores(application, criteria),
            proposal=_one_to_one(application, "grant_proposal"),
            decision=_one_to_one(application, "decision"),
        )
        if row.decision is not None and row.decision.outcome == Decision.Outcome.AWARD:
            ranking.awarded_total += row.decision.granted_amount or ZERO
        if not row.scored:
            ranking.unscored.append(row)
        elif row.passes:
            ranking.passing.append(row)
        else:
            ranking.failing.append(row)
    _draw_funding_line(ranking, strict=call.funding_policy == FundingPolicy.STRICT)
    return ranking


def _draw_funding_line(ranking: Ranking, *, strict: bool) -> None:
    running = ZERO
    for position, row in enumerate(ranking.passing):
        row.position = position + 1
        fits = running + row.granted <= ranking.budget
        if fits and not (strict and ranking.line_index is not None):
            running += row.granted
            row.funded = True
            row.below_line = ranking.line_index is not None
            row.running_total = running
        elif ranking.line_index is None:
            ranking.line_index = position
    ranking.proposed_total = running


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

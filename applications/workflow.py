"""The application state machine as data (DESIGN §3).

`TRANSITIONS` is the one transition table: for each transition the states it may start from,
the state it leads to, who may take it and the guard that must hold. Services call
`ensure_allowed` inside their transaction (with the application row locked) and get a
`TransitionError` carrying a message for the person who asked; nothing else decides whether a
status may change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import DECIDED_STATUSES, Application, Status

# The "state" of an application that does not exist yet (the start transition).
NEW = ""


class TransitionError(Exception):
    """A transition was refused; `message` says why, in words for the person who asked."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return str(self.message)


class Actor(StrEnum):
    APPLICANT = "applicant"  # a member of the lead organisation
    STAFF = "staff"  # a manager of the call, or an administrator


class Transition(StrEnum):
    START = "start"
    SUBMIT = "submit"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"
    MARK_INCOMPLETE = "mark_incomplete"
    RESUBMIT = "resubmit"
    MARK_INADMISSIBLE = "mark_inadmissible"
    MARK_ADMISSIBLE = "mark_admissible"
    AWARD = "award"
    RESERVE = "reserve"
    REJECT = "reject"
    PUBLISH_DECISION = "publish_decision"


# A guard returns None when the transition may happen, else the reason it may not.
Guard = Callable[[Application, Status | str, datetime], str | None]


@dataclass(frozen=True)
class Row:
    transition: Transition
    sources: frozenset[str]
    # None: the status does not change (publishing a decision).
    target: Status | None
    actor: Actor
    guard: Guard | None = None


def brussels(moment: datetime) -> str:
    """'dinsdag 12 mei 2026 om 12:00' in the active language, in Europe/Brussels."""
    local = timezone.localtime(moment)
    return _("%(date)s at %(time)s") % {"date": date_format(local, "l j F Y"), "time": date_format(local, "H:i")}


def _call_open(application: Application, source, now: datetime) -> str | None:
    call = application.call
    if call.is_open(now):
        return None
    if now >= call.closes_at:
        return _("The call closed on %(moment)s (Brussels time); applications can no longer be submitted.") % {
            "moment": brussels(call.closes_at)
        }
    return _("The call is not open for applications.")


def _ready_to_submit(application: Application, source, now: datetime) -> str | None:
    closed = _call_open(application, source, now)
    if closed:
        return closed
    return _complete(application, source, now, include_findings=True)


def _complete(application: Application, source, now: datetime, *, include_findings: bool = False) -> str | None:
    from . import selectors

    problems = selectors.missing_for(application)
    if include_findings:
        problems = [f for f in selectors.findings_for(application) if f.blocking] + problems
    if problems:
        return _("The application cannot be submitted yet: %(problems)s") % {
            "problems": " ".join(str(p.message) for p in problems)
        }
    return None


def _before_completion_deadline(application: Application, source, now: datetime) -> str | None:
    deadline = application.completion_deadline
    if deadline is not None and now >= deadline:
        return _("The time to complete this application ended on %(moment)s (Brussels time).") % {
            "moment": brussels(deadline)
        }
    return _complete(application, source, now)


def _before_deadline(application: Application, source, now: datetime) -> str | None:
    if now >= application.call.closes_at:
        return _(
            "The call closed on %(moment)s (Brussels time); a submitted application can no longer be reopened."
        ) % {"moment": brussels(application.call.closes_at)}
    return None


def _unpublished_unless_from(*always: str) -> Guard:
    """Changing a decision is allowed while it is unpublished; from `always` states at any time."""

    def guard(application: Application, source, now: datetime) -> str | None:
        if source in always or source == Status.IN_REVIEW or not application.decision_published_at:
            return None
        return _("This decision has been published and can no longer be changed.")

    return guard


_DECIDED = frozenset(DECIDED_STATUSES)


def _no_published_decision(application: Application, source, now: datetime) -> str | None:
    """Withdrawal is possible until a decision is published. Before that the applicant sees an
    unpublished decision as "in review" and must not be able to tell them apart (docs/decisions.md)."""
    if source in _DECIDED and application.decision_published_at:
        return _("This is not possible for an application that is %(status)s.") % {"status": Status(source).label}
    return None


TRANSITIONS: tuple[Row, ...] = (
    Row(Transition.START, frozenset({NEW}), Status.DRAFT, Actor.APPLICANT, _call_open),
    Row(Transition.SUBMIT, frozenset({Status.DRAFT}), Status.SUBMITTED, Actor.APPLICANT, _ready_to_submit),
    Row(Transition.REOPEN, frozenset({Status.SUBMITTED}), Status.DRAFT, Actor.APPLICANT, _before_deadline),
    Row(
        Transition.WITHDRAW,
        frozenset({Status.DRAFT, Status.SUBMITTED, Status.INCOMPLETE, Status.IN_REVIEW, *DECIDED_STATUSES}),
        Status.WITHDRAWN,
        Actor.APPLICANT,
        _no_published_decision,
    ),
    Row(Transition.MARK_INCOMPLETE, frozenset({Status.SUBMITTED}), Status.INCOMPLETE, Actor.STAFF),
    Row(
        Transition.RESUBMIT,
        frozenset({Status.INCOMPLETE}),
        Status.SUBMITTED,
        Actor.APPLICANT,
        _before_completion_deadline,
    ),
    Row(
        Transition.MARK_INADMISSIBLE, frozenset({Status.SUBMITTED, Status.INCOMPLETE}), Status.INADMISSIBLE, Actor.STAFF
    ),
    Row(Transition.MARK_ADMISSIBLE, frozenset({Status.SUBMITTED}), Status.IN_REVIEW, Actor.STAFF),
    Row(
        Transition.AWARD,
        frozenset({Status.IN_REVIEW, Status.RESERVE, Status.REJECTED}),
        Status.AWARDED,
        Actor.STAFF,
        _unpublished_unless_from(Status.RESERVE),  # reserve → awarded when budget is freed
    ),
    Row(
        Transition.RESERVE,
        frozenset({Status.IN_REVIEW, Status.AWARDED, Status.REJECTED}),
        Status.RESERVE,
        Actor.STAFF,
        _unpublished_unless_from(),
    ),
    Row(
        Transition.REJECT,
        frozenset({Status.IN_REVIEW, Status.AWARDED, Status.RESERVE}),
        Status.REJECTED,
        Actor.STAFF,
        _unpublished_unless_from(),
    ),
    Row(Transition.PUBLISH_DECISION, _DECIDED, None, Actor.STAFF),
)

_BY_TRANSITION = {row.transition: row for row in TRANSITIONS}

# record_decision(status=...) picks the transition by the decided status.
DECISION_TRANSITIONS = {
    Status.AWARDED: Transition.AWARD,
    Status.RESERVE: Transition.RESERVE,
    Status.REJECTED: Transition.REJECT,
}


def row_for(transition: Transition) -> Row:
    return _BY_TRANSITION[Transition(transition)]


def source_of(application: Application) -> str:
    return NEW if application.pk is None else application.status


def is_actor(user, application: Application, actor: Actor) -> bool:
    """Whether `user` may act as `actor` on `application`. `None` is the system (seeds, jobs)."""
    if user is None:
        return True
    if actor == Actor.APPLICANT:
        return user.has_perm("applications.change_application", application)
    return user.has_perm("applications.manage_application", application)


def refusal(application: Application, transition: Transition, *, by, now: datetime | None = None) -> str | None:
    """Why `transition` is not allowed now, or None when it is."""
    now = now or timezone.now()
    row = row_for(transition)
    source = source_of(application)
    if source not in row.sources:
        # Never name an unpublished decision: the applicant sees "in review" until it is published.
        shown = application.visible_status if row.actor == Actor.APPLICANT and source else source
        current = Status(shown).label if shown else _("not started")
        return _("This is not possible for an application that is %(status)s.") % {"status": current}
    if not is_actor(by, application, row.actor):
        return _("You are not allowed to do this.")
    if row.guard is not None:
        return row.guard(application, source, now)
    return None


def ensure_allowed(application: Application, transition: Transition, *, by, now: datetime | None = None) -> Row:
    """Raise TransitionError unless `by` may take `transition` on `application` at `now`."""
    reason = refusal(application, transition, by=by, now=now)
    if reason:
        raise TransitionError(reason)
    return row_for(transition)


def allowed(application: Application, transition: Transition, *, by, now: datetime | None = None) -> bool:
    """For templates and views deciding which buttons to show (the service checks again)."""
    return refusal(application, transition, by=by, now=now) is None

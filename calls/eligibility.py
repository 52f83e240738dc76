"""Eligibility as data: one function evaluates a call's rules on plain facts.

The applicant's self-check, the application form and staff admissibility all call `check`,
so a rule is decided in exactly one place. `calls` knows nothing of applications: callers
build `Facts` from whatever they have (a self-check form, a draft application).
"""

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import OrganisationKind
from portal.formatting import money, percent

from .models import Call, RuleKind, Severity


@dataclass(frozen=True)
class Facts:
    """What is known about a (draft) proposal. None means "not known yet"."""

    lead_kind: str | None = None
    partner_kinds: tuple[str, ...] = ()
    objective_count: int | None = None
    requested_amount: Decimal | None = None
    total_cost: Decimal | None = None
    waiver_motivation: str = ""
    # Staff's decision on the co-financing waiver at admissibility: "", "accepted" or "refused".
    waiver_decision: str = ""
    start_date: date | None = None
    end_date: date | None = None
    # Calls (pks) in which the lead organisation was funded before; None when unknown.
    funded_in_call_ids: frozenset[int] | None = None
    # De minimis state aid the applicant declares to have received in the last three years
    # (only asked by calls whose legal frame has the state-aid section); None when unknown.
    de_minimis_received: Decimal | None = None

    @property
    def partnership(self) -> tuple[str, ...]:
        """The kinds of every organisation in the partnership, the lead's first: the partnership
        rules count the lead too ("at least 2 partners")."""
        return ((self.lead_kind,) if self.lead_kind else ()) + tuple(self.partner_kinds)


# A finding that is neither blocking nor a plain warning: eligible on condition that the
# administration accepts something (the co-financing waiver).
CONDITION = "condition"
# A waiver needs a thorough motivation: at least this many characters, as the user sees them.
WAIVER_MIN_CHARS = 300
WAIVER_ACCEPTED, WAIVER_REFUSED = "accepted", "refused"


def visible_length(text: str) -> int:
    """Characters as a person counts them: one per line break (whatever the browser sent),
    composed accents as one, surrounding blanks not counted."""
    return len(unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n")).strip())


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    # Which part of the proposal to change: lead, partners, objectives, budget, dates, waiver.
    section: str = ""
    params: dict = field(default_factory=dict, compare=False)

    @property
    def blocking(self) -> bool:
        return self.severity == Severity.BLOCKING

    @property
    def condition(self) -> bool:
        return self.severity == CONDITION


def _kind_label(kind: str) -> str:
    try:
        return str(OrganisationKind(kind).label)
    except ValueError:
        return kind


def _kinds_label(kinds) -> str:
    """Kinds named inside a sentence: quoted, so no article has to agree with them."""
    return ", ".join(f"“{_kind_label(k)}”" for k in kinds)


def _has(count: int) -> str:
    """'it has none / 1 / 2', for the end of a partnership rule's message."""
    if count == 0:
        return _("it has none")
    return ngettext("it has %(count)d", "it has %(count)d", count) % {"count": count}


def check(call: Call, facts: Facts) -> list[Finding]:
    """Evaluate every eligibility rule of `call` against `facts`; [] means eligible.

    A rule whose facts are unknown is skipped, so a half-filled draft only gets findings about
    what it already says. Uses `call.eligibility_rules.all()` (prefetch it for lists). Every call,
    whatever its rules, refuses a request above its total budget."""
    findings: list[Finding] = []
    if facts.requested_amount is not None and call.total_budget and facts.requested_amount > call.total_budget:
        findings.append(
            Finding(
                code="grant_above_budget",
                severity=Severity.BLOCKING,
                message=_(
                    "The requested grant may not exceed the budget of the call, %(budget)s; it is %(amount)s. "
                    "Lower the requested amount."
                )
                % {"budget": money(call.total_budget), "amount": money(facts.requested_amount)},
                section="budget",
            )
        )
    for rule in call.eligibility_rules.all():
        finding = _evaluate(rule, facts)
        if finding is not None:
            findings.append(finding)
    state_aid = _de_minimis(call, facts)
    if state_aid is not None:
        findings.append(state_aid)
    return findings


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.blocking]


def _evaluate(rule, facts: Facts) -> Finding | None:  # noqa: C901 - one branch per rule kind
    def finding(code, message, section, severity=None):
        return Finding(code=code, severity=severity or rule.severity, message=message, section=section)

    kind = rule.kind
    partners = list(facts.partner_kinds)

    if kind == RuleKind.LEAD_KINDS:
        if facts.lead_kind is not None and rule.org_kinds and facts.lead_kind not in rule.org_kinds:
            return finding(
                "lead_kind",
                _(
                    "An organisation of the kind “%(kind)s” cannot lead an application in this call. The lead "
                    "organisation must be of one of these kinds: %(allowed)s."
                )
                % {"kind": _kind_label(facts.lead_kind), "allowed": _kinds_label(rule.org_kinds)},
                "lead",
            )
    elif kind == RuleKind.MIN_PARTNERS:
        count = len(facts.partnership)
        if facts.lead_kind is not None and rule.number is not None and count < rule.number:
            return finding(
                "min_partners",
                ngettext(
                    "The partnership must have at least %(n)d organisation, the lead included; %(has)s. Add partners.",
                    "The partnership must have at least %(n)d organisations, the lead included; %(has)s. Add partners.",
                    rule.number,
                )
                % {"n": rule.number, "has": _has(count)},
                "partners",
            )
    elif kind == RuleKind.MAX_PARTNERS:
        count = len(facts.partnership)
        if rule.number is not None and count > rule.number:
            return finding(
                "max_partners",
                ngettext(
                    "The partnership may have at most %(n)d organisation, the lead included; %(has)s. Remove partners.",
                    "The partnership may have at most %(n)d organisations, the lead included; %(has)s. Remove partners.",
                    rule.number,
                )
                % {"n": rule.number, "has": _has(count)},
                "partners",
            )
    elif kind == RuleKind.PARTNERS_OF_KIND:
        pool = facts.partnership if rule.count_lead else partners
        have = sum(1 for k in pool if k == rule.org_kind)
        needed = rule.number or 1
        if facts.lead_kind is not None and have < needed:
            return finding(
                "partners_of_kind",
                ngettext(
                    "At least %(n)d organisation in the partnership must be of the kind “%(kind)s”; %(has)s. "
                    "Add such a partner.",
                    "At least %(n)d organisations in the partnership must be of the kind “%(kind)s”; %(has)s. "
                    "Add such partners.",
                    needed,
                )
                % {"n": needed, "kind": _kind_label(rule.org_kind), "has": _has(have)},
                "partners",
            )
    elif kind == RuleKind.ORGS_OF_KINDS:
        pool = facts.partnership if rule.count_lead else partners
        have = sum(1 for k in pool if k in (rule.org_kinds or ()))
        needed = rule.number or 1
        if facts.lead_kind is not None and have < needed:
            return finding(
                "orgs_of_kinds",
                ngettext(
                    "At least %(n)d organisation in the partnership must be of one of these kinds: %(kinds)s; "
                    "%(has)s. Organisations of other kinds may take part but do not count.",
                    "At least %(n)d organisations in the partnership must be of one of these kinds: %(kinds)s; "
                    "%(has)s. Organisations of other kinds may take part but do not count.",
                    needed,
                )
                % {"n": needed, "kinds": _kinds_label(rule.org_kinds), "has": _has(have)},
                "partners",
            )
    elif kind == RuleKind.MIN_OBJECTIVES:
        if facts.objective_count is not None and rule.number and facts.objective_count < rule.number:
            return finding(
                "min_objectives",
                ngettext(
                    "Choose at least %(n)d objective the project addresses.",
                    "Choose at least %(n)d objectives the project addresses.",
                    rule.number,
                )
                % {"n": rule.number},
                "objectives",
            )
    elif kind == RuleKind.GRANT_MIN:
        if facts.requested_amount is not None and rule.amount is not None and facts.requested_amount < rule.amount:
            return finding(
                "grant_min",
                _("The requested grant must be at least %(min)s; it is %(amount)s.")
                % {"min": money(rule.amount), "amount": money(facts.requested_amount)},
                "budget",
            )
    elif kind == RuleKind.GRANT_MAX:
        if facts.requested_amount is not None and rule.amount is not None and facts.requested_amount > rule.amount:
            return finding(
                "grant_max",
                _("The requested grant may be at most %(max)s; it is %(amount)s. Lower the requested amount.")
                % {"max": money(rule.amount), "amount": money(facts.requested_amount)},
                "budget",
            )
    elif kind == RuleKind.MAX_GRANT_SHARE:
        return _grant_share(rule, facts, finding)
    elif kind == RuleKind.PROJECT_DATES:
        return _project_dates(rule, facts, finding)
    elif kind == RuleKind.MAX_DURATION:
        if facts.start_date and facts.end_date and rule.number:
            try:
                latest_end = facts.start_date + relativedelta(months=rule.number) - relativedelta(days=1)
            except (ValueError, OverflowError):  # a start near year 9999: no end can be too late
                latest_end = None
            if latest_end is not None and facts.end_date > latest_end:
                return finding(
                    "max_duration",
                    ngettext(
                        "The project may last at most %(n)d month. Move the end date earlier.",
                        "The project may last at most %(n)d months. Move the end date earlier.",
                        rule.number,
                    )
                    % {"n": rule.number},
                    "dates",
                )
    elif kind == RuleKind.NOT_FUNDED_IN:
        if facts.funded_in_call_ids is not None and rule.excluded_call_id in facts.funded_in_call_ids:
            return finding(
                "not_funded_in",
                _("Organisations funded in “%(call)s” may not apply to this call.") % {"call": rule.excluded_call},
                "lead",
            )
    return None


def _grant_share(rule, facts: Facts, finding):
    """The co-financing rule. Where the call allows a waiver, a thorough motivation makes the
    proposal eligible *on condition* that the administration accepts it at admissibility;
    once staff decide, their decision counts (docs/decisions.md)."""
    if facts.requested_amount is None or not facts.total_cost or rule.percent is None:
        return None
    share = facts.requested_amount / facts.total_cost * 100
    if share <= rule.percent:
        return None
    values = {"limit": percent(rule.percent, digits=0), "share": percent(share)}
    if not rule.waiver_allowed:
        return finding(
            "grant_share",
            _("The grant may cover at most %(limit)s of the total cost; you ask %(share)s. Lower the requested amount.")
            % values,
            "budget",
        )
    if facts.waiver_decision == WAIVER_ACCEPTED:
        return None
    if facts.waiver_decision == WAIVER_REFUSED:
        return finding(
            "grant_share_waiver_refused",
            _(
                "The administration refused the exception to the co-financing. The grant may cover at most %(limit)s "
                "of the total cost; you ask %(share)s. Lower the requested amount."
            )
            % values,
            "budget",
        )
    length = visible_length(facts.waiver_motivation)
    if length < WAIVER_MIN_CHARS:
        return finding(
            "grant_share_needs_waiver",
            _(
                "The grant may cover at most %(limit)s of the total cost; you ask %(share)s. Lower the requested amount, "
                "or explain thoroughly in the waiver motivation why the co-financing cannot be met: at least %(min)s "
                "characters (%(written)s)."
            )
            % {**values, "min": WAIVER_MIN_CHARS, "written": _written(length)},
            "waiver",
        )
    return finding(
        "grant_share_waiver_pending",
        _(
            "Eligible on condition that the administration accepts your motivation for an exception to the "
            "co-financing: you ask %(share)s of the total cost, the usual limit is %(limit)s."
        )
        % values,
        "waiver",
        CONDITION,
    )


def _written(length: int) -> str:
    if length == 0:
        return _("nothing written yet")
    return ngettext("%(count)s written", "%(count)s written", length) % {"count": length}


def _project_dates(rule, facts: Facts, finding):
    from django.utils.formats import date_format

    if facts.start_date and facts.end_date and facts.end_date < facts.start_date:
        return finding("dates_order", _("The project must end after it starts."), "dates", Severity.BLOCKING)
    if facts.start_date and rule.start_from and facts.start_date < rule.start_from:
        return finding(
            "start_too_early",
            _("The project may start on %(date)s at the earliest.") % {"date": date_format(rule.start_from)},
            "dates",
        )
    if facts.start_date and rule.start_until and facts.start_date > rule.start_until:
        return finding(
            "start_too_late",
            _("The project must start on %(date)s at the latest.") % {"date": date_format(rule.start_until)},
            "dates",
        )
    if facts.end_date and rule.end_by and facts.end_date > rule.end_by:
        return finding(
            "end_too_late",
            _("The project must end on %(date)s at the latest.") % {"date": date_format(rule.end_by)},
            "dates",
        )
    return None


def describe(rule) -> str:
    """One sentence saying what `rule` asks, for the call page and the staff pages."""
    from django.utils.formats import date_format

    kind = rule.kind
    if kind == RuleKind.LEAD_KINDS:
        return _("The lead organisation is of one of these kinds: %(kinds)s.") % {"kinds": _kinds_label(rule.org_kinds)}
    if kind == RuleKind.MIN_PARTNERS and not rule.number:
        return _("There is no minimum number of organisations in the partnership.")
    if kind == RuleKind.MIN_OBJECTIVES and not rule.number:
        return _("Addressing objectives is optional.")
    if kind == RuleKind.MIN_PARTNERS:
        return ngettext(
            "The partnership has at least %(n)d organisation, the lead included.",
            "The partnership has at least %(n)d organisations, the lead included.",
            rule.number or 0,
        ) % {"n": rule.number or 0}
    if kind == RuleKind.MAX_PARTNERS:
        return ngettext(
            "The partnership has at most %(n)d organisation, the lead included.",
            "The partnership has at most %(n)d organisations, the lead included.",
            rule.number or 0,
        ) % {"n": rule.number or 0}
    if kind == RuleKind.PARTNERS_OF_KIND:
        n = rule.number or 1
        if rule.count_lead:
            text = ngettext(
                "At least %(n)d organisation in the partnership is of the kind “%(kind)s” (the lead counts too).",
                "At least %(n)d organisations in the partnership are of the kind “%(kind)s” (the lead counts too).",
                n,
            )
        else:
            text = ngettext(
                "At least %(n)d partner besides the lead is of the kind “%(kind)s”.",
                "At least %(n)d partners besides the lead are of the kind “%(kind)s”.",
                n,
            )
        return text % {"n": n, "kind": _kind_label(rule.org_kind)}
    if kind == RuleKind.ORGS_OF_KINDS:
        n = rule.number or 1
        if rule.count_lead:
            text = ngettext(
                "At least %(n)d organisation in the partnership, the lead included, is of one of these kinds: "
                "%(kinds)s. Organisations of other kinds may take part but do not count.",
                "At least %(n)d organisations in the partnership, the lead included, are of one of these kinds: "
                "%(kinds)s. Organisations of other kinds may take part but do not count.",
                n,
            )
        else:
            text = ngettext(
                "At least %(n)d partner besides the lead is of one of these kinds: %(kinds)s.",
                "At least %(n)d partners besides the lead are of one of these kinds: %(kinds)s.",
                n,
            )
        return text % {"n": n, "kinds": _kinds_label(rule.org_kinds)}
    if kind == RuleKind.MIN_OBJECTIVES:
        return ngettext(
            "The project addresses at least %(n)d objective.",
            "The project addresses at least %(n)d objectives.",
            rule.number or 0,
        ) % {"n": rule.number or 0}
    if kind == RuleKind.GRANT_MIN:
        return _(
            "The grant is at least %(amount)s per applicant (the lead organisation, for its whole partnership)."
        ) % {"amount": money(rule.amount)}
    if kind == RuleKind.GRANT_MAX:
        return _(
            "The grant is at most %(amount)s per applicant (the lead organisation, for its whole partnership)."
        ) % {"amount": money(rule.amount)}
    if kind == RuleKind.MAX_GRANT_SHARE:
        text = _("The grant covers at most %(limit)s of the total cost; the rest is co-financed.") % {
            "limit": percent(rule.percent, digits=0)
        }
        if rule.waiver_allowed:
            text += " " + _(
                "An exception is possible with a thorough written motivation (at least %(min)s characters), which the "
                "administration accepts or refuses when it checks admissibility."
            ) % {"min": WAIVER_MIN_CHARS}
        return text
    if kind == RuleKind.PROJECT_DATES:
        parts = []
        if rule.start_from:
            parts.append(_("The project starts on %(date)s at the earliest.") % {"date": date_format(rule.start_from)})
        if rule.start_until:
            parts.append(_("The project starts on %(date)s at the latest.") % {"date": date_format(rule.start_until)})
        if rule.end_by:
            parts.append(_("The project ends on %(date)s at the latest.") % {"date": date_format(rule.end_by)})
        return " ".join(parts)
    if kind == RuleKind.MAX_DURATION:
        return ngettext(
            "The project lasts at most %(n)d month.", "The project lasts at most %(n)d months.", rule.number or 0
        ) % {"n": rule.number or 0}
    if kind == RuleKind.NOT_FUNDED_IN:
        return _("Organisations funded in “%(call)s” may not apply.") % {"call": rule.excluded_call}
    return str(rule)


# --- State aid ------------------------------------------------------------------------------

# Regulation (EU) 2023/2831: de minimis aid to one undertaking may not exceed € 300,000 over
# any period of three years. Not a per-call setting: the regulation fixes it.
DE_MINIMIS_CEILING = Decimal("300000")


def de_minimis_regulation() -> str:
    return _("Regulation (EU) 2023/2831 on de minimis aid")


def _de_minimis(call: Call, facts: Facts) -> Finding | None:
    """Blocking when the declared de minimis aid of the last three years plus the requested
    grant exceeds the ceiling, for calls with the state-aid section on. Unknown facts: no finding
    (the application form asks for the declaration; `applications` lists it as missing)."""
    from .models import legal_frame_of

    frame = legal_frame_of(call)
    if frame is None or not frame.state_aid:
        return None
    if facts.de_minimis_received is None or facts.requested_amount is None:
        return None
    total = facts.de_minimis_received + facts.requested_amount
    if total <= DE_MINIMIS_CEILING:
        return None
    return Finding(
        code="de_minimis",
        severity=Severity.BLOCKING,
        message=_(
            "State aid: the de minimis aid received in the last three years (%(received)s) plus the requested grant "
            "(%(requested)s) comes to %(total)s, more than the ceiling of %(ceiling)s (%(regulation)s). Lower the "
            "requested grant to at most %(room)s."
        )
        % {
            "received": money(facts.de_minimis_received),
            "requested": money(facts.requested_amount),
            "total": money(total),
            "ceiling": money(DE_MINIMIS_CEILING),
            "regulation": de_minimis_regulation(),
            "room": money(max(DE_MINIMIS_CEILING - facts.de_minimis_received, Decimal("0"))),
        },
        section="budget",
        params={"received": facts.de_minimis_received, "total": total},
    )

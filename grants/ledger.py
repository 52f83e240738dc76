"""The money of a grant, in one place (DESIGN §3 "grants").

Every amount the portal shows or pays is computed here from plain numbers, so the services,
the pages, the exports, the API and the property test (tests/test_ledger_properties.py) share
one definition:

- **grant share** = granted ÷ approved total cost (kept exact as a fraction; shown rounded);
- **tranche amounts** are cut from the *cumulative* percentage: tranche k pays
  round(granted × (p1+…+pk)) − round(granted × (p1+…+pk−1)), so however the percentages fall,
  the tranches never add up to a cent more than the granted amount;
- **entitlement** on the accepted final report = min(granted, granted × accepted costs ÷
  approved total cost), rounded half up to the cent. The share is applied as the exact
  fraction, never as a rounded percentage, so € 60,000 of € 75,000 on € 70,000 is € 56,000;
- **balance** = entitlement − net paid: positive → the last payment order, negative → a
  recovery order for the difference;
- the **ledger** of a grant reads its orders: paid, due (ordered, not yet paid), to recover
  (issued, not paid back), recovered. It adds up when what is committed (net paid + due −
  to recover) lies between zero and the ceiling (the granted amount, or the entitlement once
  known), the ceiling never exceeds the granted amount and nothing was paid above it; "still
  open" is the ceiling minus what is committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def grant_share(granted: Decimal, approved_total_cost: Decimal) -> Decimal:
    """The share of the approved cost the grant covers, as a fraction (0.8 for 80 %)."""
    if not approved_total_cost:
        return Decimal("1")
    return Decimal(granted) / Decimal(approved_total_cost)


def tranche_amounts(granted: Decimal, percentages: Iterable[Decimal]) -> list[Decimal]:
    """The amount of each tranche, cut from the cumulative percentage (see the docstring)."""
    amounts, cumulative, previous = [], ZERO, ZERO
    for percentage in percentages:
        cumulative += Decimal(percentage)
        reached = cents(Decimal(granted) * min(cumulative, HUNDRED) / HUNDRED)
        amounts.append(reached - previous)
        previous = reached
    return amounts


def entitlement(granted: Decimal, approved_total_cost: Decimal, accepted_costs: Decimal) -> Decimal:
    """min(granted, grant share × accepted eligible costs), to the cent."""
    granted = Decimal(granted)
    if not approved_total_cost:
        return granted
    return min(granted, cents(granted * Decimal(accepted_costs) / Decimal(approved_total_cost)))


def balance(entitlement_amount: Decimal, net_paid: Decimal) -> Decimal:
    """What is still to be paid (positive) or to be recovered (negative)."""
    return Decimal(entitlement_amount) - Decimal(net_paid)


@dataclass(frozen=True)
class Ledger:
    granted: Decimal
    paid: Decimal = ZERO  # payment orders marked paid
    due: Decimal = ZERO  # payment orders not yet paid (due, proposed or approved)
    to_recover: Decimal = ZERO  # recovery orders issued, not yet paid back
    recovered: Decimal = ZERO  # recovery orders paid back
    entitlement: Decimal | None = None  # known once the final report is accepted

    @property
    def net_paid(self) -> Decimal:
        return self.paid - self.recovered

    @property
    def ceiling(self) -> Decimal:
        """What the grant pays in the end: the granted amount until the entitlement is known."""
        return self.granted if self.entitlement is None else self.entitlement

    @property
    def committed(self) -> Decimal:
        """What the grant pays once every open order is settled."""
        return self.net_paid + self.due - self.to_recover

    @property
    def open(self) -> Decimal:
        """What may still be ordered: the ceiling minus what is committed."""
        return self.ceiling - self.committed

    def adds_up(self) -> bool:
        return (
            ZERO <= self.committed <= self.ceiling <= self.granted
            and self.paid <= self.granted
            and self.recovered <= self.paid
        )


def ledger_of(
    granted, orders: Iterable[tuple[str, Decimal]], recoveries: Iterable[tuple[str, Decimal]], entitlement_amount=None
) -> Ledger:
    """A Ledger from (state, amount) pairs of payment and recovery orders."""
    paid = due = to_recover = recovered = ZERO
    for state, amount in orders:
        if state == "paid":
            paid += amount
        else:
            due += amount
    for state, amount in recoveries:
        if state == "paid_back":
            recovered += amount
        else:
            to_recover += amount
    return Ledger(
        granted=Decimal(granted),
        paid=paid,
        due=due,
        to_recover=to_recover,
        recovered=recovered,
        entitlement=entitlement_amount,
    )


SHIFT_WITHOUT_APPROVAL = Decimal("0.10")


def shifted_amount(current: dict[str, Decimal], proposed: dict[str, Decimal]) -> Decimal:
    """How much a budget shift moves between categories: the sum of the increases (which
    equals the sum of the decreases when the total stays the same)."""
    keys = set(current) | set(proposed)
    return sum((max(ZERO, proposed.get(k, ZERO) - current.get(k, ZERO)) for k in keys), ZERO)


def shift_needs_approval(approved_total_cost: Decimal, shifted: Decimal) -> bool:
    """Shifts up to 10 % of the approved total cost are recorded without approval."""
    return shifted > cents(Decimal(approved_total_cost) * SHIFT_WITHOUT_APPROVAL)

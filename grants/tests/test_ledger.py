"""The money of a grant on the hand-computed cases of the issue, through the services, and
a property test on the ledger for any schedule, report outcome and amendment sequence."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants import ledger, services
from grants.models import GrantState, PaymentKind, PaymentState, ReportKind, Trigger

from .factories import VALID_IBAN, D, open_grant, owner_of

pytestmark = pytest.mark.django_db


def test_the_hand_computed_cases_hold_in_the_ledger_module():
    granted, approved = D("60000"), D("75000")
    assert ledger.grant_share(granted, approved) == D("0.8")
    assert ledger.tranche_amounts(granted, [D("80"), D("20")]) == [D("48000.00"), D("12000.00")]
    assert ledger.entitlement(granted, approved, D("70000")) == D("56000.00")
    assert ledger.balance(D("56000"), D("48000")) == D("8000")
    assert ledger.entitlement(granted, approved, D("50000")) == D("40000.00")
    assert ledger.balance(D("40000"), D("48000")) == D("-8000")
    assert ledger.entitlement(granted, approved, D("80000")) == D("60000")
    assert ledger.balance(D("60000"), D("48000")) == D("12000")


def test_tranches_never_add_up_to_more_than_the_granted_amount_whatever_the_rounding():
    assert sum(ledger.tranche_amounts(D("100.00"), [D("33.33"), D("33.33"), D("33.34")])) == D("100.00")


def _run_to_final_report(call, manager, second_manager, accepted_costs):
    """Open, accept, pay the advance, submit a final report claiming € 80,000 and accept
    `accepted_costs` of it."""
    grant = open_grant(call, granted=D("60000"))
    owner = owner_of(grant.beneficiary)
    services.accept(grant, by=owner, iban=VALID_IBAN, account_holder="Gemeente Voorbeeld")
    (advance,) = grant.payment_orders.all()
    services.propose_payment(advance, by=manager)
    services.approve_payment(advance, by=second_manager)
    services.mark_paid(advance, by=second_manager, paid_on=date(2026, 2, 1), reference="BANK-1")
    report = grant.reports.get(kind=ReportKind.FINAL)
    services.save_report(
        report,
        by=owner,
        cost_lines=[
            {"category": "personnel", "description": "Loon", "amount": "60000"},
            {"category": "operating", "description": "Werking", "amount": "20000"},
        ],
    )
    services.submit_report(report, by=owner)
    personnel, operating = report.cost_lines.order_by("pk")
    refused = D("80000") - accepted_costs
    lines = {personnel.pk: (personnel.amount - min(refused, personnel.amount), "Niet bewezen" if refused else "")}
    lines[operating.pk] = (
        operating.amount - max(D("0"), refused - personnel.amount),
        "Niet bewezen" if refused > personnel.amount else "",
    )
    services.accept_report(report, by=manager, lines=lines)
    grant.refresh_from_db()
    return grant


def test_the_advance_is_80_percent_of_the_granted_amount_on_acceptance(call):
    grant = open_grant(call, granted=D("60000"))
    assert grant.grant_share == D("0.8")
    services.accept(grant, by=owner_of(grant.beneficiary), iban=VALID_IBAN, account_holder="Gemeente Voorbeeld")
    (advance,) = grant.payment_orders.all()
    assert (advance.kind, advance.amount, advance.state) == (PaymentKind.ADVANCE, D("48000.00"), PaymentState.DUE)


@pytest.mark.parametrize(
    "accepted, entitlement, balance_order, recovery",
    [
        (D("70000"), D("56000.00"), D("8000.00"), None),
        (D("50000"), D("40000.00"), None, D("8000.00")),
        (D("80000"), D("60000.00"), D("12000.00"), None),
    ],
)
def test_the_balance_is_the_share_of_accepted_costs_capped_at_the_grant_minus_the_advance(
    call, manager, second_manager, accepted, entitlement, balance_order, recovery
):
    grant = _run_to_final_report(call, manager, second_manager, accepted)
    assert grant.accepted_costs == accepted
    assert grant.entitlement == entitlement
    balances = list(grant.payment_orders.filter(kind=PaymentKind.BALANCE).values_list("amount", flat=True))
    recoveries = list(grant.recovery_orders.values_list("amount", flat=True))
    assert balances == ([balance_order] if balance_order else [])
    assert recoveries == ([recovery] if recovery else [])
    assert grant.state == (GrantState.BALANCE_DUE if balance_order else GrantState.RECOVERY_DUE)
    assert services.ledger_for(grant).adds_up()


def test_a_paid_balance_closes_the_file_and_the_ledger_equals_the_entitlement(call, manager, second_manager):
    grant = _run_to_final_report(call, manager, second_manager, D("70000"))
    balance = grant.payment_orders.get(kind=PaymentKind.BALANCE)
    services.propose_payment(balance, by=second_manager)
    services.approve_payment(balance, by=manager)
    services.mark_paid(balance, by=manager, paid_on=date(2027, 3, 1), reference="BANK-2")
    grant.refresh_from_db()
    book = services.ledger_for(grant)
    assert grant.state == GrantState.CLOSED
    assert book.net_paid == D("56000.00") and book.open == 0 and book.adds_up()


def test_a_settled_recovery_closes_the_file(call, manager, second_manager):
    grant = _run_to_final_report(call, manager, second_manager, D("50000"))
    recovery = grant.recovery_orders.get()
    services.mark_recovery_paid_back(recovery, by=manager, paid_back_on=date(2027, 3, 1), reference="TERUG-1")
    grant.refresh_from_db()
    assert grant.state == GrantState.CLOSED
    assert services.ledger_for(grant).net_paid == D("40000.00")


# --- property test ------------------------------------------------------------------------

percentages = st.lists(st.integers(min_value=1, max_value=98), min_size=0, max_size=3).filter(lambda xs: sum(xs) < 100)


@settings(max_examples=300, deadline=None)
@given(
    granted=st.decimals(min_value=D("1000"), max_value=D("1000000"), places=2),
    extra_cost=st.decimals(min_value=D("0"), max_value=D("500000"), places=2),
    head=percentages,
    interim_triggers=st.lists(st.booleans(), min_size=3, max_size=3),
    interim_accepted=st.booleans(),
    accepted_share=st.decimals(min_value=D("0"), max_value=D("1.5"), places=3),
    shifts=st.lists(st.decimals(min_value=D("0"), max_value=D("0.5"), places=2), max_size=4),
)
def test_the_ledger_adds_up_and_never_pays_above_the_grant(
    granted, extra_cost, head, interim_triggers, interim_accepted, accepted_share, shifts
):
    """Any schedule (tranches on acceptance or on the interim report, the balance last), any
    interim outcome, any final accepted costs and any sequence of budget shifts (which keep the
    total): at every step the ledger adds up and gross payments stay within the granted amount."""
    approved = granted + extra_cost
    rows = [
        (D(p), Trigger.INTERIM_REPORT if i else Trigger.ACCEPTANCE)
        for p, i in zip(head, interim_triggers, strict=False)
    ]
    rows.append((D(100) - sum((p for p, _t in rows), D(0)), Trigger.FINAL_REPORT))
    amounts = ledger.tranche_amounts(granted, [p for p, _t in rows])

    budget = {"personnel": approved}
    for fraction in shifts:  # amendments move money between categories; the total never changes
        moved = ledger.cents(budget["personnel"] * fraction)
        budget = {"personnel": budget["personnel"] - moved, "operating": budget.get("operating", D(0)) + moved}
        assert sum(budget.values()) == approved

    paid = D(0)

    def pay(trigger):
        nonlocal paid
        for (_p, t), amount in zip(rows, amounts, strict=True):
            if t == trigger:
                paid += amount
                book = ledger.Ledger(granted=granted, paid=paid)
                assert book.adds_up() and book.paid <= granted

    pay(Trigger.ACCEPTANCE)
    if interim_accepted:
        pay(Trigger.INTERIM_REPORT)
    accepted_costs = ledger.cents(approved * accepted_share)
    entitled = ledger.entitlement(granted, sum(budget.values()), accepted_costs)
    assert D(0) <= entitled <= granted
    balance = ledger.balance(entitled, paid)
    if balance > 0:
        book = ledger.Ledger(granted=granted, paid=paid, due=balance, entitlement=entitled)
        assert book.adds_up() and book.open == 0
        book = ledger.Ledger(granted=granted, paid=paid + balance, entitlement=entitled)
    else:
        book = ledger.Ledger(granted=granted, paid=paid, to_recover=-balance, entitlement=entitled)
        assert book.adds_up() and book.open == 0
        book = ledger.Ledger(granted=granted, paid=paid, recovered=-balance, entitlement=entitled)
    assert book.adds_up()
    assert book.paid <= granted
    assert book.net_paid == entitled
    assert book.open == 0

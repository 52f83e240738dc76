"""Opening, acceptance, lapse, four eyes, reports, amendments and the SEPA export."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from grants import exports, services
from grants.models import AmendmentKind, AmendmentState, Grant, GrantState, PaymentState, ReportKind, ReportState
from portal.models import Notification
from reviews import decisions
from reviews.ranking import ranking_for
from reviews.tests.ranking_data import application, closed_call, criterion, review

from .factories import VALID_IBAN, D, manager_of, member_of, open_grant, owner_of

pytestmark = pytest.mark.django_db


def test_publishing_an_award_opens_its_grant_with_the_budget_and_share_of_the_application():
    call = closed_call(total_budget=D("100000"))
    manager = manager_of(call)
    c = criterion(call, threshold="2.5")
    app = application(call, requested=60000)
    review(app, {c: 4})
    from applications.tests.factories import BudgetLineFactory

    BudgetLineFactory(application=app, category="personnel", amount=D("50000"))
    BudgetLineFactory(application=app, category="operating", amount=D("25000"))
    decisions.award(app, granted_amount=D("60000"), motivation="Sterk.", by=manager)
    assert not Grant.objects.exists()  # not before publication

    decisions.publish(call, by=manager)

    grant = Grant.objects.get(application=app)
    assert grant.beneficiary == app.lead_organisation
    assert (grant.granted_amount, grant.approved_total_cost, grant.grant_share) == (D("60000"), D("75000"), D("0.8"))
    assert grant.state == GrantState.AWAITING_ACCEPTANCE
    assert services.current_budget(grant).amounts == {"personnel": "50000.00", "operating": "25000.00"}
    assert grant.accept_by - grant.opened_at == timedelta(days=30)


def test_the_acceptance_needs_a_valid_iban_and_keeps_what_was_typed_out_of_the_error(call):
    grant = open_grant(call)
    owner = owner_of(grant.beneficiary)
    with pytest.raises(ValidationError) as error:
        services.accept(grant, by=owner, iban="BE00 1234 5678 9999", account_holder="")
    assert set(error.value.message_dict) == {"iban", "account_holder"}
    services.accept(grant, by=owner, iban="be68 5390 0754 7034", account_holder="Gemeente Voorbeeld")
    grant.refresh_from_db()
    assert (grant.state, grant.iban) == (GrantState.RUNNING, "BE68539007547034")
    assert set(grant.reports.values_list("kind", flat=True)) == {ReportKind.FINAL}


def test_the_proposer_cannot_approve_their_own_payment_order(call, manager, second_manager):
    grant = open_grant(call)
    services.accept(grant, by=owner_of(grant.beneficiary), iban=VALID_IBAN, account_holder="X")
    order = grant.payment_orders.get()
    services.propose_payment(order, by=manager)
    with pytest.raises(ValidationError, match="een andere medewerker"):
        services.approve_payment(order, by=manager)
    order.refresh_from_db()
    assert order.state == PaymentState.PROPOSED
    services.approve_payment(order, by=second_manager)
    order.refresh_from_db()
    assert order.state == PaymentState.APPROVED


def test_an_unaccepted_grant_is_reminded_once_then_lapses_and_frees_its_budget_for_the_reserve_list(
    django_capture_on_commit_callbacks, client
):
    call = closed_call(total_budget=D("100000"))
    manager = manager_of(call)
    c = criterion(call, threshold="2.5")
    first = application(call, requested=60000)
    second = application(call, requested=50000)
    review(first, {c: 5})
    review(second, {c: 4})
    decisions.apply_proposal(call, by=manager)
    decisions.publish(call, by=manager)
    assert first.decision.outcome == "award" and second.decision.outcome == "reserve"
    row = next(r for r in ranking_for(call).passing if r.application.pk == second.pk)
    assert not row.fits_now
    grant = Grant.objects.get(application=first)
    owner = owner_of(grant.beneficiary)

    now = grant.accept_by - timedelta(days=6)
    assert services.remind_or_lapse(grant, now=now) == "reminded"
    assert services.remind_or_lapse(grant, now=now + timedelta(days=1)) is None  # once
    assert Notification.objects.filter(recipient=owner, dedupe_key__startswith="grant-accept-reminder").count() == 1
    grant.refresh_from_db()  # a reminder always leaves the owners the reminder period
    assert grant.accept_by == now + timedelta(days=7)
    assert services.watch_acceptances(now=grant.accept_by - timedelta(minutes=1)) == {"reminded": 0, "lapsed": 0}
    assert services.watch_acceptances(now=grant.accept_by + timedelta(minutes=1)) == {"reminded": 0, "lapsed": 1}

    grant.refresh_from_db()
    assert grant.state == GrantState.LAPSED
    ranking = ranking_for(call)
    assert ranking.budget_use.awarded == 0
    row = next(r for r in ranking.passing if r.application.pk == second.pk)
    assert row.fits_now
    # The manager sees it on the ranking page, on the reserve application's row.
    client.force_login(manager)
    page = client.get(reverse("ranking:ranking", args=[call.slug]), {"all": 1}).content.decode()
    assert page.count('data-testid="fits-now"') == 1
    row_html = page[page.index(second.reference) :]
    assert row_html.index('data-testid="fits-now"') < row_html.index("</tr>")
    decisions.award_reserve(second, granted_amount=D("50000"), motivation="Budget vrijgekomen.", by=manager)
    assert Grant.objects.filter(application=second).exists()


def test_a_lapsed_grant_cannot_be_accepted_any_more(call):
    grant = open_grant(call)
    services.remind_or_lapse(grant, now=grant.accept_by - timedelta(days=1))
    services.remind_or_lapse(grant, now=grant.accept_by + timedelta(days=7))
    with pytest.raises(ValidationError):
        services.accept(grant, by=owner_of(grant.beneficiary), iban=VALID_IBAN, account_holder="X")


def _accepted(call):
    grant = open_grant(call)
    owner = owner_of(grant.beneficiary)
    services.accept(grant, by=owner, iban=VALID_IBAN, account_holder="X")
    return grant, owner


def test_a_returned_report_gets_a_new_due_date_and_reminders_go_out_once_before_and_after(call, manager):
    grant, owner = _accepted(call)
    report = grant.reports.get()
    services.save_report(
        report, by=owner, cost_lines=[{"category": "personnel", "description": "Loon", "amount": "100"}]
    )
    services.submit_report(report, by=owner)
    with pytest.raises(ValidationError):
        services.return_report(report, by=manager, remarks="", due_date=date(2027, 4, 1))
    services.return_report(report, by=manager, remarks="Facturen ontbreken.", due_date=date(2027, 4, 1))
    report.refresh_from_db()
    assert (report.state, report.due_date) == (ReportState.RETURNED, date(2027, 4, 1))

    before = timezone.make_aware(timezone.datetime(2027, 3, 28, 12))
    after = timezone.make_aware(timezone.datetime(2027, 4, 3, 12))
    assert services.send_report_reminders(now=before) == 1
    assert services.send_report_reminders(now=before) == 0
    assert services.send_report_reminders(now=after) == 1
    assert services.send_report_reminders(now=after + timedelta(days=3)) == 0


def test_a_small_budget_shift_is_recorded_at_once_and_a_large_one_waits_for_approval(call, manager):
    grant, owner = _accepted(call)  # approved total 75,000: 10 % is 7,500
    small = services.request_amendment(
        grant,
        by=owner,
        kind=AmendmentKind.BUDGET_SHIFT,
        motivation="Meer werking.",
        new_amounts={"personnel": D("42500"), "operating": D("32500")},
    )
    assert small.state == AmendmentState.RECORDED
    assert grant.budget_versions.count() == 2
    large = services.request_amendment(
        grant,
        by=owner,
        kind=AmendmentKind.BUDGET_SHIFT,
        motivation="Alles werking.",
        new_amounts={"personnel": D("30000"), "operating": D("45000")},
    )
    assert large.state == AmendmentState.REQUESTED and grant.budget_versions.count() == 2
    with pytest.raises(ValidationError):
        services.request_amendment(
            grant,
            by=owner,
            kind=AmendmentKind.BUDGET_SHIFT,
            motivation="Meer.",
            new_amounts={"personnel": D("50000"), "operating": D("30000")},
        )
    services.decide_amendment(large, by=manager, approve=True, motivation="Verantwoord.")
    assert [v.amounts for v in grant.budget_versions.order_by("number")][-1] == {
        "personnel": "30000.00",
        "operating": "45000.00",
    }


def test_an_approved_extension_moves_the_end_date_and_the_report_due_date(call, manager):
    grant, owner = _accepted(call)
    due = grant.reports.get().due_date
    amendment = services.request_amendment(
        grant, by=owner, kind=AmendmentKind.EXTENSION, motivation="Vertraging.", new_end_date=date(2027, 3, 31)
    )
    assert amendment.state == AmendmentState.REQUESTED
    services.decide_amendment(amendment, by=manager, approve=True, motivation="Akkoord.")
    grant.refresh_from_db()
    assert grant.end_date == date(2027, 3, 31)
    assert grant.reports.get().due_date == due + timedelta(days=90)


def test_a_closed_file_is_read_only(call, manager, second_manager):
    grant, owner = _accepted(call)
    Grant.objects.filter(pk=grant.pk).update(state=GrantState.CLOSED)
    with pytest.raises(ValidationError, match="afgesloten"):
        services.propose_payment(grant.payment_orders.get(), by=manager)
    with pytest.raises(ValidationError, match="afgesloten"):
        services.save_report(grant.reports.get(), by=owner, answers={})


def test_the_sepa_file_validates_against_pain_001_and_its_control_sum_is_the_batch(call, manager, second_manager):
    import xml.etree.ElementTree as ET

    import xmlschema
    from sepaxml import validation

    orders = []
    for granted in (D("60000"), D("12345.67")):
        grant = open_grant(call, granted=granted)
        services.accept(grant, by=owner_of(grant.beneficiary), iban=VALID_IBAN, account_holder="Stad Gent")
        order = grant.payment_orders.get()
        services.propose_payment(order, by=manager)
        services.approve_payment(order, by=second_manager)
        orders.append(order)
    batch = services.create_batch(call, by=manager)
    xml = exports.sepa_xml(batch, execution_date=date(2026, 12, 1))

    import os

    schema = xmlschema.XMLSchema(os.path.join(os.path.dirname(validation.__file__), "schemas", "pain.001.001.03.xsd"))
    schema.validate(xml.decode())
    root = ET.fromstring(xml)
    ns = {"p": root.tag.split("}")[0].strip("{")}
    control = Decimal(root.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", ns).text)
    assert control == D("48000.00") + D("9876.54") == sum(o.amount for o in batch.orders.all())
    assert root.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", ns).text == "2"


def test_a_member_who_is_not_an_owner_cannot_accept_but_can_report(call):
    from django.contrib.auth.models import AnonymousUser

    grant = open_grant(call)
    member = member_of(grant.beneficiary)
    assert member.has_perm("grants.view_grant", grant)
    assert member.has_perm("grants.report_grant", grant)
    assert not member.has_perm("grants.accept_grant", grant)
    assert not AnonymousUser().has_perm("grants.view_grant", grant)

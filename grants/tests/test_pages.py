"""The grant pages: who sees what (404 otherwise), the four-eyes rule on the page, forms that
keep what was typed, and query counts that do not grow with the number of grants."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Membership
from accounts.tests.factories import UserFactory
from calls.tests.factories import CallFactory
from grants import services
from grants.models import GrantState, PaymentState

from .factories import VALID_IBAN, D, GrantFactory, manager_of, member_of, open_grant, owner_of

pytestmark = pytest.mark.django_db


def test_a_beneficiary_sees_only_its_own_grants(client, call):
    own, other = open_grant(call), open_grant(call)
    member = member_of(own.beneficiary)
    client.force_login(member)
    response = client.get(reverse("grants:list"))
    assert own.number in response.content.decode() and other.number not in response.content.decode()
    assert client.get(own.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 404


def test_a_call_manager_sees_only_that_calls_grants(client, call, manager):
    own = open_grant(call)
    elsewhere = open_grant(CallFactory())
    client.force_login(manager)
    assert client.get(reverse("grants_manage:detail", args=[call.slug, own.pk])).status_code == 200
    assert client.get(reverse("grants_manage:detail", args=[call.slug, elsewhere.pk])).status_code == 404
    assert client.get(reverse("grants_manage:portfolio", args=[elsewhere.call.slug])).status_code == 404
    assert client.get(elsewhere.get_absolute_url()).status_code == 404


def test_a_call_manager_without_two_factor_does_not_open_the_grant_file(client, call, manager, settings):
    """Found by the authorization matrix: /grants/<pk>/ is outside /manage/, so the staff
    middleware does not guard it; the rule itself must ask for two-factor (DESIGN §5)."""
    from allauth.mfa.models import Authenticator

    settings.REQUIRE_STAFF_MFA = True
    grant = open_grant(call)
    client.force_login(manager)
    assert client.get(grant.get_absolute_url()).status_code == 404
    assert client.get(reverse("grants:decision-pdf", args=[grant.pk])).status_code == 404
    Authenticator.objects.create(user=manager, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"})
    assert client.get(grant.get_absolute_url()).status_code == 200
    member = member_of(grant.beneficiary)  # beneficiaries need no two-factor
    client.force_login(member)
    assert client.get(grant.get_absolute_url()).status_code == 200


def test_the_owner_accepts_on_the_page_and_a_bad_iban_keeps_what_was_typed(client, call):
    grant = open_grant(call)
    client.force_login(owner_of(grant.beneficiary))
    response = client.post(
        grant.get_absolute_url(),
        {"action": "accept", "iban": "BE00 9999", "account_holder": "Stad Gent", "agree": "on"},
    )
    assert response.status_code == 200
    assert "BE00 9999" in response.content.decode() and "Stad Gent" in response.content.decode()
    response = client.post(
        grant.get_absolute_url(), {"action": "accept", "iban": VALID_IBAN, "account_holder": "Stad Gent", "agree": "on"}
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.state == GrantState.RUNNING


def test_a_member_who_is_not_an_owner_gets_no_accept_form_and_cannot_post_one(client, call):
    grant = open_grant(call)
    client.force_login(member_of(grant.beneficiary))
    assert 'value="accept"' not in client.get(grant.get_absolute_url()).content.decode()
    response = client.post(
        grant.get_absolute_url(), {"action": "accept", "iban": VALID_IBAN, "account_holder": "X", "agree": "on"}
    )
    assert response.status_code == 404


def test_the_proposer_cannot_approve_their_own_payment_on_the_page(client, call, manager, second_manager):
    grant = open_grant(call)
    services.accept(grant, by=owner_of(grant.beneficiary), iban=VALID_IBAN, account_holder="X")
    order = grant.payment_orders.get()
    url = reverse("grants_manage:detail", args=[call.slug, grant.pk])
    client.force_login(manager)
    assert client.post(url, {"action": "propose", "target": order.pk}).status_code == 302
    page = client.get(url).content.decode()
    assert 'value="approve"' not in page
    response = client.post(url, {"action": "approve", "target": order.pk})
    assert "een andere medewerker moet ze goedkeuren" in response.content.decode()
    order.refresh_from_db()
    assert order.state == PaymentState.PROPOSED
    client.force_login(second_manager)
    assert client.post(url, {"action": "approve", "target": order.pk}).status_code == 302
    response = client.post(
        url, {"action": "paid", "target": order.pk, "paid-paid_on": "not a date", "paid-reference": ""}
    )
    assert response.status_code == 200
    assert client.post(url, {"action": "paid", "target": "abc"}).status_code == 404


def test_the_schedule_form_refuses_percentages_that_do_not_add_up_to_100(client, call, manager):
    client.force_login(manager)
    url = reverse("grants_manage:schedule", args=[call.slug])
    assert client.get(url).status_code == 200
    data = {
        "acceptance_days": "30",
        "reminder_days_before": "7",
        "interim_report_days_before_end": "180",
        "final_report_days_after_end": "60",
        "t-TOTAL_FORMS": "4",
        "t-INITIAL_FORMS": "0",
        "t-MIN_NUM_FORMS": "4",
        "t-MAX_NUM_FORMS": "4",
        "t-0-percentage": "70",
        "t-0-trigger": "acceptance",
        "t-1-percentage": "20",
        "t-1-trigger": "final_report",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "100" in response.content.decode()
    data["t-0-percentage"] = "80"
    assert client.post(url, data).status_code == 302
    assert [(t.percentage, t.trigger) for t in services.schedule_for(call)] == [
        (D("80"), "acceptance"),
        (D("20"), "final_report"),
    ]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_portfolio_and_the_grant_page_take_as_many_queries_for_200_grants_as_for_5(client):
    call = CallFactory()
    manager = manager_of(call)
    client.force_login(manager)
    grants = [GrantFactory(application__call=call) for _ in range(5)]
    portfolio = reverse("grants_manage:portfolio", args=[call.slug])
    detail = reverse("grants_manage:detail", args=[call.slug, grants[0].pk])
    small = (_queries(client, portfolio), _queries(client, detail))
    for _ in range(195):
        GrantFactory(application__call=call)
    large = (_queries(client, portfolio), _queries(client, detail))
    print(f"portfolio/grant page queries at 5: {small}, at 200: {large}")
    assert small == large
    assert large[0] <= 12 and large[1] <= 20


def test_the_portfolio_puts_overdue_reports_first_and_filters_by_state_overdue_and_text(client):
    from datetime import timedelta

    from django.utils import timezone

    from grants.models import Report

    call = CallFactory()
    client.force_login(manager_of(call))
    today = timezone.localdate()
    soon = GrantFactory(application__call=call, application__lead_organisation__name="Stad Gent")
    late = GrantFactory(application__call=call, application__lead_organisation__name="Gemeente Lier")
    waiting = GrantFactory(
        application__call=call,
        application__lead_organisation__name="Stad Mechelen",
        state=GrantState.AWAITING_ACCEPTANCE,
    )
    Report.objects.create(grant=soon, kind="final", due_date=today + timedelta(days=20))
    Report.objects.create(grant=late, kind="final", due_date=today - timedelta(days=3))
    url = reverse("grants_manage:portfolio", args=[call.slug])

    def listed(**params):
        html = client.get(url, params).content.decode()
        found = [(html.index(g.number), g) for g in (soon, late, waiting) if g.number in html]
        return [g for _, g in sorted(found, key=lambda pair: pair[0])]

    assert listed()[0] == late  # the overdue report first, whatever its number
    assert listed(overdue="1") == [late]
    assert listed(state=GrantState.AWAITING_ACCEPTANCE) == [waiting]
    assert set(listed(q="stad")) == {soon, waiting}
    assert listed(state="nonsense") and client.get(url, {"state": "nonsense"}).status_code == 200


def test_the_staff_grant_page_shows_the_timeline_of_what_happened(client, call, manager):
    grant = open_grant(call)
    owner = owner_of(grant.beneficiary, full_name="Eva Eigenaar")
    services.accept(grant, by=owner, iban=VALID_IBAN, account_holder="X")
    client.force_login(manager)
    html = client.get(reverse("grants_manage:detail", args=[call.slug, grant.pk])).content.decode()
    timeline = html[html.index('data-testid="timeline"') :]
    timeline = timeline[: timeline.index("</ol>")]
    # In words, with who did it; never the action codes.
    assert "Eva Eigenaar" in timeline and "accepted" not in timeline and "_" not in timeline


def test_my_grants_takes_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    user = UserFactory()
    for _ in range(10):
        grant = GrantFactory()
        Membership.objects.create(user=user, organisation=grant.beneficiary, role="member")
    client.force_login(user)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("grants:list")).status_code == 200


def test_the_report_page_saves_costs_and_submits(client, call, manager):
    grant = open_grant(call)
    owner = owner_of(grant.beneficiary)
    services.accept(grant, by=owner, iban=VALID_IBAN, account_holder="X")
    client.force_login(owner)
    url = reverse("grants:report", args=[grant.pk, "final"])
    assert client.get(url).status_code == 200
    data = {
        "cost_lines-TOTAL_FORMS": "2",
        "cost_lines-INITIAL_FORMS": "0",
        "cost_lines-MIN_NUM_FORMS": "0",
        "cost_lines-MAX_NUM_FORMS": "200",
        "cost_lines-0-category": "personnel",
        "cost_lines-0-description": "Loon",
        "cost_lines-0-amount": "abc",
        "action": "submit",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "abc" in response.content.decode()
    data["cost_lines-0-amount"] = "70000"
    assert client.post(url, data).status_code == 302
    assert grant.reports.get().state == "submitted"
    assert client.get(reverse("grants:report", args=[grant.pk, "nonsense"])).status_code == 404


def test_report_evidence_is_uploaded_checked_and_downloaded_by_the_beneficiary_and_its_staff(client, call, manager):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.tests.factories import MembershipFactory
    from applications.demo import minimal_pdf

    grant = open_grant(call)
    owner = owner_of(grant.beneficiary)
    services.accept(grant, by=owner, iban=VALID_IBAN, account_holder="X")
    client.force_login(owner)
    url = reverse("grants:report", args=[grant.pk, "final"])
    # A file that is not what it says is refused with a message; nothing is stored.
    fake = SimpleUploadedFile("factuur.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = client.post(url, {"action": "evidence", "file": fake})
    assert response.status_code == 200 and not grant.reports.get(kind="final").evidence.exists()
    invoice = SimpleUploadedFile("factuur.pdf", minimal_pdf("Factuur 2026-17"), content_type="application/pdf")
    assert client.post(url, {"action": "evidence", "file": invoice}).status_code in (200, 302)
    evidence = grant.reports.get(kind="final").evidence.get()
    download = reverse("grants:evidence", args=[grant.pk, evidence.uuid])
    assert download in client.get(url).content.decode()

    def fetched(user):
        client.force_login(user)
        response = client.get(download)
        if response.status_code != 200:
            return response.status_code
        assert response["Content-Disposition"].startswith('attachment; filename="factuur.pdf"')
        return b"".join(response.streaming_content)

    assert b"Factuur 2026-17" in fetched(owner)
    # Staff of the call open it from their grant page, which links it.
    client.force_login(manager)
    staff_page = client.get(reverse("grants_manage:detail", args=[call.slug, grant.pk])).content.decode()
    assert "factuur.pdf" in staff_page
    assert b"Factuur 2026-17" in fetched(manager)
    # Somebody of another organisation gets a 404, as for an unknown document.
    stranger = MembershipFactory(role="owner").user
    assert fetched(stranger) == 404
    client.force_login(owner)
    assert (
        client.get(reverse("grants:evidence", args=[grant.pk, "00000000-0000-0000-0000-000000000000"])).status_code
        == 404
    )


def test_the_grant_decision_pdf_prints_in_dutch_and_english(client, call):
    grant = open_grant(call)
    client.force_login(member_of(grant.beneficiary))
    for language in ("nl", "en"):
        response = client.get(reverse("grants:decision-pdf", args=[grant.pk]), {"lang": language})
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
    from grants.pdf import decision_html

    assert "Betalingsschema" in decision_html(grant, "nl") or "Payment schedule" in decision_html(grant, "en")
    assert grant.number in decision_html(grant, "en")


def test_batches_export_as_csv_xlsx_and_sepa(client, call, manager, second_manager):
    grant = open_grant(call)
    services.accept(grant, by=owner_of(grant.beneficiary), iban=VALID_IBAN, account_holder="X")
    order = grant.payment_orders.get()
    services.propose_payment(order, by=manager)
    services.approve_payment(order, by=second_manager)
    client.force_login(manager)
    payments = reverse("grants_manage:payments", args=[call.slug])
    assert client.get(payments).status_code == 200
    assert client.post(payments).status_code == 302
    batch = order.grant.call.payment_batches.get()
    for fmt in ("csv", "xlsx", "xml"):
        response = client.get(reverse("grants_manage:batch-export", args=[call.slug, batch.pk, fmt]))
        assert response.status_code == 200
    csv_export = client.get(reverse("grants_manage:batch-export", args=[call.slug, batch.pk, "csv"]))
    assert "48000.00" in b"".join(csv_export.streaming_content).decode()
    assert client.get(reverse("grants_manage:batch-export", args=[call.slug, batch.pk, "pdf"])).status_code == 404
    order.refresh_from_db()
    services.mark_paid(order, by=manager, paid_on=date(2026, 2, 1), reference="B1")


def test_the_funded_list_and_its_csv_show_the_amount_paid_so_far(client, call, manager, second_manager):
    import csv
    import io

    grant = open_grant(call)
    services.accept(grant, by=owner_of(grant.beneficiary), iban=VALID_IBAN, account_holder="X")
    order = grant.payment_orders.get()
    services.propose_payment(order, by=manager)
    services.approve_payment(order, by=second_manager)
    services.mark_paid(order, by=second_manager, paid_on=date(2026, 2, 1), reference="B1")
    open_grant(call)  # nothing paid yet
    html = client.get(reverse("funded:list")).content.decode()
    assert "€ 48.000" in html
    content = b"".join(client.get(reverse("funded:csv")).streaming_content).decode().lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0][-1] == "uitbetaald bedrag"
    assert sorted(row[-1] for row in rows[1:]) == ["0,00", "48000,00"]

"""The legal frame of a call: what an applicant reads of the rules behind a call (legal basis,
who decides, contact, admissibility, costs and VAT, communication, state aid), in Dutch and
English, on the page and in the API; edited by the call's managers only; and the de minimis
ceiling checked the same way in the self-check as everywhere else."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from calls import eligibility
from calls.models import LegalFrame, LegalPart
from calls.seed import DES, LB, LB2, seed_calls
from calls.tests.factories import CallFactory, CallRoleFactory, EligibilityRuleFactory, LegalFrameFactory
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


def page(client, call, name="calls:detail", **params):
    response = client.get(reverse(name, args=[call.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


# The Dutch labels live in the .po catalogues (merged separately), so the Dutch tests read the
# frame's own Dutch texts; the English tests read the labels.


def test_the_call_page_shows_the_legal_frame_in_dutch(client):
    frame = LegalFrameFactory(call__completion_days=7)
    html = page(client, frame.call)
    assert 'id="legal-frame"' in html
    assert "Besluit van de Vlaamse Regering over de projectsubsidie" in html
    assert 'href="https://codex.example.org/besluit"' in html
    assert "De Vlaamse minister van Media, op advies van een beoordelingscommissie." in html
    assert "Jan Contact" in html and "oproep@example.org" in html and "+32 2 553 00 00" in html
    assert "Tijdig, volledig en in het Nederlands ingediend." in html
    assert "Personeels- en werkingskosten van het project." in html
    assert 'class="vat-rule"' in html
    assert "Vermeld de steun van de Vlaamse overheid." in html
    assert 'class="state-aid"' not in html  # no state-aid section for this call


def test_the_call_page_shows_the_legal_frame_in_english(client, settings):
    frame = LegalFrameFactory(state_aid=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = page(client, frame.call)
    assert "Legal frame" in html
    assert "Decision of the Flemish Government on the project grant" in html
    assert "The Flemish minister for Media, on the advice of an assessment committee." in html
    assert "Submitted on time, complete and in Dutch." in html
    assert f"you get {frame.call.completion_days} days to complete it" in html
    assert "VAT is an eligible cost only where the applicant cannot recover it" in html
    assert "Mention the support of the Flemish Government." in html
    assert "Regulation (EU) 2023/2831" in html and "€300,000" in html


def test_what_the_regulation_does_not_confirm_is_marked_never_shown_as_fact(client, settings):
    frame = LegalFrameFactory(unconfirmed=[LegalPart.DECISION_MAKER])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = page(client, frame.call)
    assert html.count("not confirmed") == 2  # the warning above the frame and the badge at "who decides"
    badge_at = html.index('class="badge text-bg-warning unconfirmed"')
    assert html.index("Who decides") < badge_at < html.index("The Flemish minister for Media")


def test_a_call_without_a_legal_frame_shows_no_empty_section(client):
    assert "legal-frame" not in page(client, CallFactory())


def test_the_api_returns_the_legal_frame():
    frame = LegalFrameFactory(state_aid=True, unconfirmed=[LegalPart.CONTACT])
    body = APIClient().get(reverse("api:call-detail", args=[frame.call.slug]), {"lang": "en"}).json()
    legal = body["legal_frame"]
    assert legal["legal_basis_title"] == "Decision of the Flemish Government on the project grant"
    assert legal["legal_basis_url"] == "https://codex.example.org/besluit"
    assert legal["decision_maker"] == "The Flemish minister for Media, on the advice of an assessment committee."
    assert legal["contact_email"] == "oproep@example.org"
    assert legal["vat_rule"] == "not_recoverable"
    assert legal["completion_days"] == frame.call.completion_days
    assert legal["state_aid"] is True and Decimal(legal["de_minimis_ceiling"]) == Decimal("300000")
    assert legal["unconfirmed"] == ["contact"]
    dutch = APIClient().get(reverse("api:call-detail", args=[frame.call.slug]), {"lang": "nl"}).json()
    assert dutch["legal_frame"]["decision_maker"].startswith("De Vlaamse minister van Media")
    assert APIClient().get(reverse("api:call-detail", args=[CallFactory().slug])).json()["legal_frame"] is None


def test_the_list_api_reads_legal_frames_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    LegalFrameFactory()
    with django_assert_max_num_queries(12):
        first = APIClient().get(reverse("api:call-list"))
    for _ in range(5):
        LegalFrameFactory()
    with django_assert_max_num_queries(12):
        second = APIClient().get(reverse("api:call-list"))
    assert len(second.json()["results"]) == len(first.json()["results"]) + 5


def test_the_seed_gives_both_calls_a_legal_frame_and_marks_its_assumptions(client):
    calls = seed_calls()["calls"]
    des, lb = LegalFrame.objects.get(call=calls[DES]), LegalFrame.objects.get(call=calls[LB])
    assert des.legal_basis_date.isoformat() == "2021-12-17"
    # Commercial media may take part, but the sources do not name the state-aid rules and the real
    # awards exceed the de minimis ceiling: a note marked "not confirmed", no de minimis check.
    assert not des.state_aid and des.state_aid_note_nl
    assert LegalPart.STATE_AID in des.unconfirmed and LegalPart.DECISION_MAKER in des.unconfirmed
    assert not lb.state_aid  # only municipalities may apply
    assert (lb.cost_period_start.isoformat(), lb.cost_period_end.isoformat()) == ("2021-07-01", "2022-06-30")
    assert LegalPart.COST_PERIOD not in lb.unconfirmed  # the budget period is in the source
    assert not des.contact_email and not lb.contact_email  # not in the sources: left empty, not invented
    html = page(client, calls[DES])
    assert "unconfirmed" in html and "17 december 2021" in html
    second = LegalFrame.objects.get(call=calls[LB2])  # the second round: its own cost period, assumed
    assert (second.cost_period_start.isoformat(), second.cost_period_end.isoformat()) == ("2022-01-01", "2022-12-31")
    assert LegalPart.COST_PERIOD in second.unconfirmed
    seed_calls()  # idempotent
    assert LegalFrame.objects.count() == 3


# --- staff ------------------------------------------------------------------------------------


def _form_data(**overrides):
    data = {
        "legal_basis_title_nl": "Ministerieel besluit",
        "legal_basis_title_en": "Ministerial decree",
        "legal_basis_date": "2026-01-15",
        "legal_basis_url": "https://example.org/besluit",
        "decision_maker_nl": "De minister",
        "decision_maker_en": "The minister",
        "contact_name": "An Peeters",
        "contact_email": "an@example.org",
        "contact_phone": "02 553 00 00",
        "admissibility_nl": "Tijdig en volledig.",
        "eligible_costs_nl": "Personeel.",
        "vat_rule": "not_recoverable",
        "cost_period_start": "2026-07-01",
        "cost_period_end": "2027-06-30",
        "communication_obligation_nl": "Vermeld de steun.",
        "state_aid": "on",
        "unconfirmed": ["contact"],
    }
    data.update(overrides)
    return data


def test_a_manager_edits_the_legal_frame_and_it_is_audited(client):
    call = CallFactory()
    manager = CallRoleFactory(call=call, role="manager").user
    client.force_login(manager)
    url = reverse("manage_calls:legal_frame", args=[call.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, _form_data())
    assert response.status_code == 302
    frame = LegalFrame.objects.get(call=call)
    assert frame.state_aid and frame.contact_name == "An Peeters" and frame.unconfirmed == ["contact"]
    assert AuditEvent.objects.filter(action="legal_frame_edited").exists()
    assert "An Peeters" in page(client, call)


def test_a_bad_legal_frame_is_refused_beside_the_field_and_keeps_what_was_typed(client):
    call = CallFactory()
    client.force_login(CallRoleFactory(call=call, role="manager").user)
    url = reverse("manage_calls:legal_frame", args=[call.slug])
    response = client.post(
        url,
        _form_data(cost_period_end="2026-01-01", contact_email="not an address", unconfirmed=["nonsense"]),
    )
    assert response.status_code == 200
    assert not LegalFrame.objects.filter(call=call).exists()
    html = response.content.decode()
    assert "Ministerieel besluit" in html  # kept


def test_only_the_calls_managers_edit_its_legal_frame(client):
    call = CallFactory()
    url = reverse("manage_calls:legal_frame", args=[call.slug])
    client.force_login(CallRoleFactory(role="manager").user)  # manager of another call
    assert client.get(url).status_code == 404
    assert client.post(url, _form_data()).status_code == 404
    client.force_login(CallRoleFactory(call=call, role="reviewer").user)
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert not LegalFrame.objects.exists()


# --- state aid in the self-check --------------------------------------------------------------


@pytest.fixture
def company_call():
    """A call open to companies, with the state-aid section on."""
    frame = LegalFrameFactory(state_aid=True)
    EligibilityRuleFactory(call=frame.call, kind="lead_kinds", org_kinds=["company", "news_media"])
    return frame.call


def test_the_self_check_refuses_a_request_that_brings_de_minimis_aid_over_the_ceiling(client, company_call, settings):
    html = page(
        client,
        company_call,
        "calls:eligibility",
        lead_kind="company",
        requested_amount="60.000",
        de_minimis_received="250.000",
    )
    # Dutch amounts (the messages themselves are translated in the catalogues).
    assert "€ 310.000" in html and "€ 300.000" in html and "€ 50.000" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = page(
        client,
        company_call,
        "calls:eligibility",
        lead_kind="company",
        requested_amount="60000",
        de_minimis_received="250000",
    )
    assert (
        "State aid: the de minimis aid received in the last three years (€250,000) plus the requested grant "
        "(€60,000) comes to €310,000, more than the ceiling of €300,000 (Regulation (EU) 2023/2831 on de minimis "
        "aid). Lower the requested grant to at most €50,000."
    ) in english


def test_the_self_check_accepts_a_request_that_fits_under_the_ceiling(client, company_call):
    findings = eligibility.check(
        company_call,
        eligibility.Facts(
            lead_kind="company", requested_amount=Decimal("50000"), de_minimis_received=Decimal("250000")
        ),
    )
    assert [f.code for f in findings] == []


def test_a_call_without_the_state_aid_section_does_not_check_de_minimis():
    call = LegalFrameFactory(state_aid=False).call
    facts = eligibility.Facts(requested_amount=Decimal("60000"), de_minimis_received=Decimal("299000"))
    assert eligibility.check(call, facts) == []


def test_the_api_self_check_refuses_de_minimis_over_the_ceiling(company_call):
    response = APIClient().post(
        reverse("api:call-eligibility", args=[company_call.slug]),
        {"lead_kind": "company", "requested_amount": "60000", "de_minimis_received": "250000"},
        format="json",
    )
    assert response.json()["eligible"] is False
    assert [f["code"] for f in response.json()["findings"]] == ["de_minimis"]

"""State aid: in a call open to companies or commercial media (its legal frame has the state-aid
section), the applicant declares the de minimis aid received in the last three years and cannot
submit a request that would bring it over the € 300,000 ceiling (Regulation (EU) 2023/2831).
The budget page, the submit guard and staff admissibility read the same finding."""

from decimal import Decimal

import pytest
from django.urls import reverse

from applications import selectors, services
from applications.models import Status
from applications.workflow import TransitionError
from calls.tests.factories import LegalFrameFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def state_aid(complete):
    """The complete application's call has the state-aid section on."""
    LegalFrameFactory(call=complete.call, state_aid=True)
    return complete


def _reload(application):
    return selectors.with_content(type(application).objects.all()).get(pk=application.pk)


def test_submission_is_refused_when_de_minimis_aid_would_exceed_the_ceiling(state_aid, member):
    state_aid.de_minimis_received = Decimal("295000")  # + € 8,000 requested = € 303,000
    state_aid.save()
    with pytest.raises(TransitionError) as refused:
        services.submit(_reload(state_aid), declaration=True, by=member)
    assert "€ 303.000" in refused.value.message and "€ 300.000" in refused.value.message
    state_aid.refresh_from_db()
    assert state_aid.status == Status.DRAFT


def test_submission_asks_for_the_declaration_first(state_aid, member):
    assert [f.code for f in selectors.missing_for(_reload(state_aid))] == ["missing_de_minimis"]
    with pytest.raises(TransitionError):
        services.submit(_reload(state_aid), declaration=True, by=member)


def test_a_request_under_the_ceiling_is_submitted(state_aid, member):
    state_aid.de_minimis_received = Decimal("292000")  # exactly € 300,000 with the request
    state_aid.save()
    assert services.submit(_reload(state_aid), declaration=True, by=member).status == Status.SUBMITTED


def test_without_the_state_aid_section_nothing_is_asked(complete, member):
    assert services.submit(_reload(complete), declaration=True, by=member).status == Status.SUBMITTED


def test_the_budget_page_asks_the_declaration_and_shows_the_refusal(client, state_aid, member, settings):
    client.force_login(member)
    url = reverse("applications:section", args=[state_aid.pk, "budget"])
    response = client.post(
        url,
        {
            "version": state_aid.version,
            "requested_amount": "8000",
            "other_funding": "0",
            "own_contribution": "2000",
            "de_minimis_received": "295000",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-category": "personnel",
            "lines-0-description": "Personeel",
            "lines-0-amount": "10000",
        },
        follow=True,
    )
    assert response.status_code == 200
    state_aid.refresh_from_db()
    assert state_aid.de_minimis_received == Decimal("295000")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(url).content.decode()
    assert 'name="de_minimis_received"' in page
    assert "comes to €303,000, more than the ceiling of €300,000" in page

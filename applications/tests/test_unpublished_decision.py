"""An unpublished decision is invisible to the applicant (DESIGN §3): until staff publish it,
nothing the applicant sees or can do differs between "decided" and "in review" — the status,
the Withdraw link, the answer to a withdrawal, and what the API says (version, last change)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from applications import services
from applications.models import Status
from applications.tests.factories import ApplicationFactory
from calls.models import CallRole
from calls.tests.factories import CallRoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(call, member):
    """Two applications of the member's organisation, alike but for their identity: both in
    review; the second then gets an (unpublished) award."""
    manager = CallRoleFactory(call=call, role=CallRole.Role.MANAGER).user
    submitted_at = timezone.now() - timedelta(days=3)
    made = [
        ApplicationFactory(
            pk=987650 + n,  # an id that appears nowhere else on the page
            call=call,
            lead_organisation=member.organisation,
            created_by=member,
            title=f"Project {letter}",
            acronym=f"ACR{letter}",
            reference=f"DES-2026-900{n}",
            status=Status.IN_REVIEW,
            submitted_at=submitted_at,
        )
        for n, letter in enumerate("AB", start=1)
    ]
    return made[0], made[1], manager


def _api(user):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return api


def _neutral(text: str, application) -> str:
    """The page or answer without what identifies the application."""
    for value in (application.title, application.acronym, application.reference):
        text = text.replace(value, "<identity>")
    text = text.replace(str(application.pk), "<pk>")  # in addresses and element ids
    text = re.sub(r"\b[A-Za-z0-9]{64}\b", "<csrf token>", text)
    return text


def _api_json(api, application) -> dict:
    data = api.get(reverse("api:application-detail", args=[application.pk])).json()
    for key in ("id", "url", "page", "title", "acronym", "reference", "updated_at"):
        data.pop(key)
    return data


def test_before_publication_decided_and_in_review_look_identical_to_the_applicant(client, pair, member):
    in_review, decided, manager = pair
    api = _api(member)
    before = api.get(reverse("api:application-detail", args=[decided.pk])).json()

    services.record_decision(decided, status=Status.AWARDED, by=manager)

    after = api.get(reverse("api:application-detail", args=[decided.pk])).json()
    assert (after["version"], after["updated_at"]) == (before["version"], before["updated_at"])
    assert _api_json(api, decided) == _api_json(api, in_review)
    listed = {row["id"]: row for row in api.get(reverse("api:application-list")).json()["results"]}
    assert listed[decided.pk]["status"] == listed[in_review.pk]["status"] == "in_review"

    client.force_login(member)
    for name in ("applications:detail", "applications:withdraw"):
        pages = [client.get(reverse(name, args=[a.pk])) for a in (in_review, decided)]
        assert [p.status_code for p in pages] == [200, 200]
        assert _neutral(pages[0].text, in_review) == _neutral(pages[1].text, decided), name
    assert reverse("applications:withdraw", args=[decided.pk]) in client.get(decided.get_absolute_url()).text

    answers = [
        client.post(reverse("applications:withdraw", args=[a.pk]), {"reason": "Niet meer haalbaar."})
        for a in (in_review, decided)
    ]
    assert [a.status_code for a in answers] == [302, 302]
    assert [a.url for a in answers] == [in_review.get_absolute_url(), decided.get_absolute_url()]
    for application in (in_review, decided):
        application.refresh_from_db()
        assert application.status == Status.WITHDRAWN


def test_a_published_decision_can_no_longer_be_withdrawn(client, pair, member):
    _in_review, decided, manager = pair
    services.record_decision(decided, status=Status.AWARDED, by=manager)
    services.publish_decision(decided, by=manager)
    client.force_login(member)
    assert reverse("applications:withdraw", args=[decided.pk]) not in client.get(decided.get_absolute_url()).text
    response = client.post(reverse("applications:withdraw", args=[decided.pk]), {"reason": ""})
    assert response.status_code == 200
    decided.refresh_from_db()
    assert decided.status == Status.AWARDED

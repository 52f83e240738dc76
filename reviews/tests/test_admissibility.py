"""Admissibility on the staff page of an application: admissible (into review), incomplete
(what is missing and until when; the applicant is told), inadmissible (with a motivation).
The eligibility findings are shown beside the decision, with all content, messages and the
audit timeline."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import MembershipFactory
from applications.models import Status
from calls.models import RuleKind
from calls.tests.factories import EligibilityRuleFactory
from portal.models import Notification
from reviews import services
from reviews.models import AdmissibilityCheck

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(make_application):
    application = make_application("submitted", title="Weerbaar online", summary="Vorming voor jongeren.")
    MembershipFactory(organisation=application.lead_organisation, user__email="aanvrager@school.be")
    return application


@pytest.fixture
def page(client, call, manager, submitted):
    client.force_login(manager)
    return reverse("manage_reviews:application", args=[call.slug, submitted.pk])


def decide(client, call, application, **data):
    return client.post(reverse("manage_reviews:admissibility", args=[call.slug, application.pk]), data)


def test_admissible_puts_the_application_in_review(client, call, page, submitted, manager):
    response = decide(client, call, submitted, outcome="admissible")
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.IN_REVIEW
    check = AdmissibilityCheck.objects.get(application=submitted)
    assert check.outcome == "admissible" and check.decided_by == manager


@time_machine.travel("2026-03-02 10:00 +01:00", tick=False)
def test_incomplete_asks_for_what_is_missing_by_default_within_the_calls_completion_days(submitted, manager, call):
    call.completion_days = 7
    call.save()
    check = services.mark_incomplete(submitted, by=manager, missing="De samenwerkingsovereenkomst ontbreekt.")
    submitted.refresh_from_db()
    assert submitted.status == Status.INCOMPLETE
    assert submitted.completion_deadline == timezone.now() + timedelta(days=7)
    assert (
        check.note == "De samenwerkingsovereenkomst ontbreekt."
        and check.completion_deadline == submitted.completion_deadline
    )
    mail = Notification.objects.get(template="applications_incomplete", email="aanvrager@school.be")
    assert "samenwerkingsovereenkomst" in mail.body


def test_incomplete_on_the_page_with_a_chosen_deadline(client, call, page, submitted):
    deadline = timezone.localtime(timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    response = decide(
        client,
        call,
        submitted,
        outcome="incomplete",
        note="Het budget ontbreekt.",
        deadline=deadline.strftime("%Y-%m-%dT%H:%M"),
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.INCOMPLETE and submitted.completion_deadline == deadline


def test_incomplete_without_saying_what_is_missing_is_refused_beside_the_field(en, client, call, page, submitted):
    response = decide(client, call, submitted, outcome="incomplete", note="")
    assert response.status_code == 200
    assert "Say what is missing" in response.content.decode()
    assert response.context["admissibility_form"].errors["note"]
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_inadmissible_needs_a_motivation(en, client, call, page, submitted):
    response = decide(client, call, submitted, outcome="inadmissible", note="  ")
    assert "A motivation is required" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    response = decide(client, call, submitted, outcome="inadmissible", note="Ingediend na de deadline.")
    submitted.refresh_from_db()
    assert submitted.status == Status.INADMISSIBLE
    assert AdmissibilityCheck.objects.get(application=submitted).note == "Ingediend na de deadline."
    assert "Ingediend na de deadline." in Notification.objects.get(template="applications_inadmissible").body


def test_a_decision_on_an_application_in_review_is_refused_with_a_message(en, client, call, manager, make_application):
    application = make_application("in_review")
    client.force_login(manager)
    response = decide(client, call, application, outcome="inadmissible", note="Te laat.")
    assert response.status_code == 200
    assert "This is not possible for an application that is in review." in response.content.decode()


def test_the_eligibility_findings_are_shown_beside_the_decision(en, client, call, page, submitted):
    from django.utils.html import escape

    from applications.selectors import findings_for

    EligibilityRuleFactory(call=call, kind=RuleKind.MIN_PARTNERS, number=3)
    [finding] = findings_for(submitted)
    html = client.get(page).content.decode()
    findings_part = html.split("Eligibility findings")[1].split("Record the admissibility decision")[0]
    assert escape(finding.message) in findings_part  # beside the decision form


def test_the_staff_page_shows_content_messages_and_the_timeline(en, client, call, page, submitted, manager):
    submitted.partners.create(name="Regionale Krant", kind="news_media")
    html = client.get(page).content.decode()
    assert "Weerbaar online" in html and "Vorming voor jongeren." in html and "Regionale Krant" in html
    response = client.post(
        reverse("manage_reviews:message", args=[call.slug, submitted.pk]), {"body": "Kunt u het budget toelichten?"}
    )
    assert response.status_code == 302
    html = client.get(page).content.decode()
    assert "Kunt u het budget toelichten?" in html
    assert "Message sent" in html  # the audit timeline
    assert Notification.objects.filter(template="applications_message", email="aanvrager@school.be").exists()


def test_an_empty_message_is_refused_beside_the_field(client, call, page, submitted):
    response = client.post(reverse("manage_reviews:message", args=[call.slug, submitted.pk]), {"body": ""})
    assert response.status_code == 200
    assert response.context["message_form"].errors["body"]


def test_the_admissibility_actions_are_for_managers_of_the_call_only(client, call, submitted, reviewer):
    client.force_login(reviewer)
    assert decide(client, call, submitted, outcome="admissible").status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED

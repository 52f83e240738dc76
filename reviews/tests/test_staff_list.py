"""The staff application list of a call: who may open it, filters, search, pagination, bulk
admission, and a query count that does not grow with the number of applications."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import OrganisationFactory, UserFactory
from applications.models import Status
from applications.tests.factories import PartnerFactory
from calls.models import CallRole
from calls.tests.factories import CallFactory, CallRoleFactory
from reviews import services
from reviews.models import AdmissibilityCheck

pytestmark = pytest.mark.django_db


def listed(client, call, **params):
    response = client.get(reverse("manage_reviews:applications", args=[call.slug]), params)
    assert response.status_code == 200
    return {a.reference for a in response.context["applications"]}


def test_only_managers_of_the_call_and_admins_see_it(client, call, manager, reviewer, admin_user):
    url = reverse("manage_reviews:applications", args=[call.slug])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    other_manager = CallRoleFactory(call=CallFactory(), role=CallRole.Role.MANAGER).user
    for person in (reviewer, other_manager, UserFactory()):
        client.force_login(person)
        assert client.get(url).status_code == 404
    for person in (manager, admin_user):
        client.force_login(person)
        assert client.get(url).status_code == 200


def test_drafts_are_not_listed(client, call, manager, make_application):
    submitted = make_application("submitted")
    draft = make_application("draft", reference=None, submitted_at=None)
    client.force_login(manager)
    assert listed(client, call) == {submitted.reference}
    assert client.get(reverse("manage_reviews:application", args=[call.slug, draft.pk])).status_code == 404


def test_filters_by_status_objective_kind_and_review_progress(
    client, call, manager, objectives, make_application, make_reviewer, assign
):
    research = OrganisationFactory(kind="research")
    a = make_application("submitted", objectives=[objectives[0]], lead_organisation=research)
    b = make_application("in_review", objectives=[objectives[1]])
    c = make_application("in_review", objectives=objectives)
    r1, r2 = make_reviewer(), make_reviewer()
    for application, reviewers in ((b, [r1]), (c, [r1, r2])):
        for person in reviewers:
            services.save_review(
                assign(application, person, declared=True), by=person, scores={}, recommendation="fund", submit=True
            )
    client.force_login(manager)
    assert listed(client, call, status="submitted") == {a.reference}
    assert listed(client, call, objective=objectives[1].pk) == {b.reference, c.reference}
    assert listed(client, call, kind="research") == {a.reference}
    assert listed(client, call, progress="none") == {a.reference}
    assert listed(client, call, progress="partial") == {b.reference}
    assert listed(client, call, progress="complete") == {c.reference}
    assert listed(client, call, status="in_review", progress="partial") == {b.reference}


def test_search_by_reference_title_organisation_and_partner(client, call, manager, make_application):
    lead = OrganisationFactory(name="Kenniscentrum Desinformatie")
    a = make_application(title="Deepfake-detector", lead_organisation=lead)
    b = make_application(title="Feitencheck")
    PartnerFactory(application=b, name="Regionale Krant")
    PartnerFactory(application=b, name="Regionale Radio")
    client.force_login(manager)
    assert listed(client, call, q=a.reference) == {a.reference}
    assert listed(client, call, q="deepfake") == {a.reference}
    assert listed(client, call, q="kenniscentrum") == {a.reference}
    assert listed(client, call, q="regionale") == {b.reference}  # once, though two partners match


def test_an_invalid_filter_value_shows_an_error_not_a_crash(client, call, manager, make_application):
    make_application()
    client.force_login(manager)
    response = client.get(
        reverse("manage_reviews:applications", args=[call.slug]), {"status": "bogus", "objective": "x"}
    )
    assert response.status_code == 200
    assert response.context["filter"].errors


def test_the_list_is_paginated(client, call, manager, make_application):
    for _ in range(51):
        make_application("submitted")
    client.force_login(manager)
    first = client.get(reverse("manage_reviews:applications", args=[call.slug]))
    second = client.get(reverse("manage_reviews:applications", args=[call.slug]), {"page": 2})
    assert len(first.context["applications"]) == 50 and len(second.context["applications"]) == 1


def test_bulk_admission_admits_the_submitted_and_reports_the_others(en, client, call, manager, make_application):
    one, two = make_application("submitted"), make_application("submitted")
    already = make_application("in_review")
    client.force_login(manager)
    response = client.post(
        reverse("manage_reviews:applications", args=[call.slug]) + "?status=submitted",
        {"action": "admit", "applications": [one.pk, two.pk, already.pk]},
    )
    assert response.status_code == 302 and response.url.endswith("?status=submitted")
    one.refresh_from_db(), two.refresh_from_db()
    assert one.status == two.status == Status.IN_REVIEW
    assert AdmissibilityCheck.objects.filter(outcome="admissible").count() == 2
    html = client.get(response.url).content.decode()
    assert "2 applications admitted." in html and already.reference in html


def test_bulk_action_without_a_selection_says_so(en, client, call, manager, make_application):
    make_application("submitted")
    client.force_login(manager)
    response = client.post(reverse("manage_reviews:applications", args=[call.slug]), {"action": "admit"})
    assert response.status_code == 200
    assert "Select at least one application." in response.content.decode()


def test_the_progress_column_counts_submitted_reviews_against_the_required(
    en, client, call, manager, make_application, make_reviewer, assign
):
    application = make_application()
    person = make_reviewer()
    services.save_review(
        assign(application, person, declared=True), by=person, scores={}, recommendation="fund", submit=True
    )
    assign(application, make_reviewer(), declared=True)  # declared, no review yet
    client.force_login(manager)
    html = client.get(reverse("manage_reviews:applications", args=[call.slug])).content.decode()
    assert "1 of 2 reviews" in html


@pytest.mark.parametrize("rows", [1, 50])
def test_the_list_takes_the_same_number_of_queries_for_1_or_50_applications(
    client, call, manager, objectives, make_application, make_reviewer, assign, rows, django_assert_max_num_queries
):
    pool = [make_reviewer() for _ in range(3)]
    for index in range(rows):
        application = make_application(
            "in_review" if index % 2 else "submitted", objectives=objectives, requested_amount=Decimal(50000)
        )
        PartnerFactory(application=application)
        if index % 2:
            for person in pool[:2]:
                assign(application, person, declared=True)
    client.force_login(manager)
    url = reverse("manage_reviews:applications", args=[call.slug])
    with django_assert_max_num_queries(10):
        response = client.get(url, {"q": "P", "progress": "none"})
    assert response.status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("reviewers", [1, 12])
def test_the_staff_application_page_takes_a_bounded_number_of_queries(
    client, call, manager, criteria, make_application, make_reviewer, assign, reviewers, django_assert_max_num_queries
):
    application = make_application()
    for _ in range(reviewers):
        person = make_reviewer()
        services.save_review(
            assign(application, person, declared=True),
            by=person,
            scores={
                c.pk: services.ScoreInput(Decimal("3"), "Goed.") for c in (criteria["quality"], criteria["budget"])
            },
            recommendation="fund",
            submit=True,
        )
    client.force_login(manager)
    with django_assert_max_num_queries(24):
        assert client.get(reverse("manage_reviews:application", args=[call.slug, application.pk])).status_code == 200

"""The reviewer dashboard: assignments by state with due dates and progress, the calls of the
reviewer's pools, and a query count that does not grow with the number of assignments."""

from decimal import Decimal

import pytest
from django.urls import reverse

from calls.tests.factories import CallFactory
from reviews import services

pytestmark = pytest.mark.django_db


def test_assignments_are_grouped_by_state(en, client, call, reviewer, make_application, assign, criteria):
    to_declare = assign(make_application(title="Eerst verklaren"), reviewer)
    to_review = assign(make_application(title="Nog te beoordelen"), reviewer, declared=True)
    draft = assign(make_application(title="Half af"), reviewer, declared=True)
    services.save_review(draft, by=reviewer, scores={criteria["quality"].pk: services.ScoreInput(Decimal("3"))})
    done = assign(make_application(title="Klaar"), reviewer, declared=True)
    services.save_review(
        done,
        by=reviewer,
        scores={c.pk: services.ScoreInput(Decimal("3"), "ok") for c in (criteria["quality"], criteria["budget"])},
        recommendation="fund",
        submit=True,
    )
    assign(make_application(title="Conflict"), reviewer, conflict=True)
    client.force_login(reviewer)
    response = client.get(reverse("review:dashboard"))
    groups = {g["state"]: [a.application.title for a in g["rows"]] for g in response.context["groups"]}
    assert groups == {
        "to_declare": ["Eerst verklaren"],
        "to_review": ["Nog te beoordelen"],
        "draft": ["Half af"],
        "submitted": ["Klaar"],
    }
    html = response.content.decode()
    assert "1 of 4 reviews submitted" in html
    # A released assignment leaves the groups, but stays listed as "conflict declared" (issue 12).
    assert [a.application.title for a in response.context["conflicts"]] == ["Conflict"]
    # Links: the declaration first, the review page after it.
    assert reverse("review:declare", args=[to_declare.application_id]) in html
    assert reverse("review:application", args=[to_review.application_id]) in html
    assert to_review.due_at.astimezone().strftime("%Y") in html


def test_the_calls_of_the_reviewers_pools_are_listed(client, call, reviewer, make_reviewer):
    other = CallFactory(title_nl="Oproep zonder mij")
    client.force_login(reviewer)
    html = client.get(reverse("review:dashboard")).content.decode()
    assert call.title in html and "Oproep zonder mij" not in html
    assert other.pk


def test_every_assignment_of_a_state_is_listed_page_by_page(client, reviewer, make_application, assign):
    for index in range(30):
        assign(make_application(title=f"Voorstel {index:02d}"), reviewer)
    client.force_login(reviewer)
    dashboard = client.get(reverse("review:dashboard"))
    [group] = [g for g in dashboard.context["groups"] if g["state"] == "to_declare"]
    assert group["count"] == 30 and len(group["rows"]) == 25 and group["more"]
    full = client.get(reverse("review:list", args=["to_declare"]))
    assert len(full.context["page"].object_list) == 30
    assert client.get(reverse("review:list", args=["bogus"])).status_code == 404


@pytest.mark.parametrize("assignments", [1, 30])
def test_the_dashboard_takes_the_same_number_of_queries_for_1_or_30_assignments(
    client, reviewer, make_application, assign, criteria, assignments, django_assert_max_num_queries
):
    for index in range(assignments):
        assignment = assign(make_application(), reviewer, declared=index % 4 != 0)
        if index % 4 == 2:
            services.save_review(
                assignment, by=reviewer, scores={criteria["quality"].pk: services.ScoreInput(Decimal("3"))}
            )
        if index % 4 == 3:
            services.save_review(
                assignment,
                by=reviewer,
                scores={
                    c.pk: services.ScoreInput(Decimal("3"), "ok") for c in (criteria["quality"], criteria["budget"])
                },
                recommendation="fund",
                submit=True,
            )
    client.force_login(reviewer)
    with django_assert_max_num_queries(10):  # + the declared conflicts (issue 12)
        assert client.get(reverse("review:dashboard")).status_code == 200


def test_a_withdrawn_application_leaves_the_dashboard(client, reviewer, make_application, assign):
    assign(make_application(title="Ingetrokken voorstel", status="withdrawn"), reviewer)
    assign(make_application(title="Nog in beoordeling"), reviewer)
    client.force_login(reviewer)
    html = client.get(reverse("review:dashboard")).content.decode()
    assert "Nog in beoordeling" in html and "Ingetrokken voorstel" not in html

"""Progress for managers: per application (every assignment, released ones shown as released)
and per reviewer."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews import services

pytestmark = pytest.mark.django_db


def test_progress_per_application_and_per_reviewer(
    en, client, call, manager, make_application, make_reviewer, assign, criteria
):
    application = make_application(title="Feitencheck")
    alice, bob, carol = (
        make_reviewer(email="alice@uni.be"),
        make_reviewer(email="bob@uni.be"),
        make_reviewer(email="carol@uni.be"),
    )
    done = assign(application, alice, declared=True)
    services.save_review(
        done,
        by=alice,
        scores={c.pk: services.ScoreInput(Decimal("3"), "ok") for c in (criteria["quality"], criteria["budget"])},
        recommendation="fund",
        submit=True,
    )
    late = assign(application, bob)
    late.due_at = timezone.now() - timedelta(days=1)
    late.save()
    assign(application, carol, conflict=True)
    client.force_login(manager)
    response = client.get(reverse("manage_reviews:progress", args=[call.slug]))
    html = response.content.decode()
    assert "1 of 2 reviews" in html
    assert "released: conflict of interest" in html
    rows = {row.reviewer.email: row for row in response.context["reviewers"]}
    assert (rows["alice@uni.be"].assigned, rows["alice@uni.be"].submitted) == (1, 1)
    assert (rows["bob@uni.be"].assigned, rows["bob@uni.be"].overdue, rows["bob@uni.be"].declared) == (1, 1, 0)
    assert (rows["carol@uni.be"].assigned, rows["carol@uni.be"].released) == (0, 1)


@pytest.mark.parametrize("rows", [1, 30])
def test_progress_takes_the_same_number_of_queries(
    client, call, manager, make_application, make_reviewer, assign, rows, django_assert_max_num_queries
):
    pool = [make_reviewer() for _ in range(3)]
    for index in range(rows):
        application = make_application()
        for person in pool[: 1 + index % 3]:
            assign(application, person, declared=index % 2 == 0)
    client.force_login(manager)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("manage_reviews:progress", args=[call.slug])).status_code == 200

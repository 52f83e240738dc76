"""Who sees whose review: reviewers per the call's setting (never / after submitting their own /
always), managers always, applicants never anything of a review or a reviewer's name."""

from decimal import Decimal

import pytest
from django.urls import reverse

from reviews import services

pytestmark = pytest.mark.django_db

THEIR_COMMENT = "Opmerking van de andere beoordelaar."


@pytest.fixture
def setup(call, make_application, make_reviewer, assign, criteria):
    application = make_application()
    me = make_reviewer(email="me@uni.be")
    other = make_reviewer(email="other-reviewer@uni.be")
    mine = assign(application, me, declared=True)
    theirs = assign(application, other, declared=True)
    services.save_review(
        theirs,
        by=other,
        scores={
            criteria["quality"].pk: services.ScoreInput(Decimal("4"), THEIR_COMMENT),
            criteria["budget"].pk: services.ScoreInput(Decimal("3"), "Goed."),
        },
        recommendation="fund",
        submit=True,
    )
    application.other_reviewer = other
    return application, me, mine


def submit_mine(mine, me, criteria):
    services.save_review(
        mine,
        by=me,
        scores={
            criteria["quality"].pk: services.ScoreInput(Decimal("2"), "Zwak."),
            criteria["budget"].pk: services.ScoreInput(Decimal("2"), "Zwak."),
        },
        recommendation="do_not_fund",
        submit=True,
    )


def sees_other_review(client, application, me) -> bool:
    client.force_login(me)
    html = client.get(reverse("review:application", args=[application.pk])).content.decode()
    return THEIR_COMMENT in html


@pytest.mark.parametrize(
    ("visibility", "before_own", "after_own"),
    [("never", False, False), ("after_own", False, True), ("always", True, True)],
)
def test_reviewers_see_each_other_per_the_call_setting(
    client, call, setup, criteria, visibility, before_own, after_own
):
    application, me, mine = setup
    call.review_visibility = visibility
    call.save()
    assert sees_other_review(client, application, me) is before_own
    submit_mine(mine, me, criteria)
    assert sees_other_review(client, application, me) is after_own


def test_reviewers_never_see_each_others_names(client, call, setup):
    application, me, _mine = setup
    call.review_visibility = "always"
    call.save()
    client.force_login(me)
    html = client.get(reverse("review:application", args=[application.pk])).content.decode()
    assert THEIR_COMMENT in html
    assert str(application.other_reviewer) not in html and "other-reviewer@uni.be" not in html


@pytest.mark.parametrize("visibility", ["never", "after_own", "always"])
def test_managers_always_see_every_review_with_names(client, call, setup, manager, visibility):
    application, _me, _mine = setup
    call.review_visibility = visibility
    call.save()
    client.force_login(manager)
    for url in (
        reverse("manage_reviews:application", args=[call.slug, application.pk]),
        reverse("manage_reviews:consensus", args=[call.slug, application.pk]),
    ):
        html = client.get(url).content.decode()
        assert THEIR_COMMENT in html
        assert str(application.other_reviewer) in html


def test_applicants_see_no_reviews_and_no_reviewer_names(client, call, setup, applicant):
    application, _me, _mine = setup
    application.lead_organisation = applicant.organisation
    application.save()
    client.force_login(applicant)
    response = client.get(reverse("applications:detail", args=[application.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert THEIR_COMMENT not in html
    for reviewer in (application.other_reviewer, _me):
        assert str(reviewer) not in html and reviewer.email not in html
    for url in (
        reverse("review:application", args=[application.pk]),
        reverse("manage_reviews:application", args=[call.slug, application.pk]),
    ):
        assert client.get(url).status_code == 404

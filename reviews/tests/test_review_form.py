"""The review form: one score per applicable criterion on the call's scale and step, a comment
each, an overall comment and a recommendation; drafts, submission, and changes until the review
phase closes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.models import Review, Score

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(make_application, objectives):
    """Addresses objective 1 only: criteria quality, budget and objective1 apply, objective2 not."""
    return make_application(objectives=[objectives[0]])


@pytest.fixture
def cleared(application, reviewer, assign):
    return assign(application, reviewer, declared=True)


@pytest.fixture
def page(client, application, reviewer, cleared):
    client.force_login(reviewer)
    return reverse("review:application", args=[application.pk])


def complete_post(criteria, **overrides):
    data = {"action": "submit", "overall_comment": "Goed voorstel.", "recommendation": "fund"}
    for key in ("quality", "budget", "objective1"):
        pk = criteria[key].pk
        data[f"score_{pk}"] = "3.5"
        data[f"comment_{pk}"] = f"Uitleg bij {key}."
    data.update(overrides)
    return data


def test_only_the_applicable_criteria_are_asked(client, page, criteria):
    form = client.get(page).context["form"]
    asked = {name for name in form.fields if name.startswith("score_")}
    assert asked == {f"score_{criteria[k].pk}" for k in ("quality", "budget", "objective1")}


def test_archived_criteria_are_not_asked(client, page, criteria):
    criteria["budget"].archived_at = timezone.now()
    criteria["budget"].save()
    form = client.get(page).context["form"]
    assert f"score_{criteria['budget'].pk}" not in form.fields


def test_a_score_for_a_criterion_that_does_not_apply_is_not_accepted(client, page, criteria, cleared, reviewer):
    other = criteria["objective2"].pk
    response = client.post(page, complete_post(criteria, **{f"score_{other}": "5", f"comment_{other}": "x"}))
    assert response.status_code == 302
    assert not Score.objects.filter(criterion_id=other).exists()
    # And the service refuses it outright.
    with pytest.raises(ValidationError):
        services.save_review(cleared, by=reviewer, scores={other: services.ScoreInput(Decimal("5"), "x")})


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("5.5", "A score is between 0 and 5."),
        ("-1", "A score is between 0 and 5."),
        ("2.3", "A score goes in steps of 0.5"),
        ("abc", "Enter a number."),
    ],
)
def test_a_score_outside_the_scale_or_off_the_step_is_refused_with_a_message(
    en, client, page, criteria, typed, message
):
    pk = criteria["quality"].pk
    response = client.post(page, complete_post(criteria, **{f"score_{pk}": typed}))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'id="error-summary"' in html  # also in the summary at the top
    assert f'value="{typed}"' in html  # what was typed is kept
    assert not Review.objects.exists()


def test_the_scale_is_checked_on_the_server_too(cleared, reviewer, criteria, call):
    call.max_score, call.score_step = Decimal("20"), Decimal("1")
    call.save()
    with pytest.raises(ValidationError) as refused:
        services.save_review(
            cleared, by=reviewer, scores={criteria["quality"].pk: services.ScoreInput(Decimal("12.5"))}
        )
    assert f"score_{criteria['quality'].pk}" in refused.value.message_dict
    services.save_review(cleared, by=reviewer, scores={criteria["quality"].pk: services.ScoreInput(Decimal("17"))})
    assert Score.objects.get().score == Decimal("17")


def test_a_dutch_decimal_comma_is_understood(client, page, criteria):
    pk = criteria["quality"].pk
    client.post(page, {"action": "draft", f"score_{pk}": "2,5"})
    assert Score.objects.get(criterion_id=pk).score == Decimal("2.5")


def test_a_draft_may_be_incomplete_and_is_not_submitted(client, page, criteria):
    pk = criteria["quality"].pk
    response = client.post(page, {"action": "draft", f"score_{pk}": "4", f"comment_{pk}": "Sterk."})
    assert response.status_code == 302
    review = Review.objects.get()
    assert review.submitted_at is None
    assert review.scores.get(criterion_id=pk).comment == "Sterk."
    form = client.get(page).context["form"]
    assert form.initial[f"score_{pk}"] == "4"  # the draft is shown again


def test_submitting_needs_every_score_comment_and_a_recommendation(en, client, page, criteria):
    quality, budget = criteria["quality"].pk, criteria["budget"].pk
    data = complete_post(criteria, **{f"score_{budget}": "", f"comment_{quality}": "", "recommendation": ""})
    response = client.post(page, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert f"score_{budget}" in errors and f"comment_{quality}" in errors and "recommendation" in errors
    assert not Review.objects.filter(submitted_at__isnull=False).exists()


def test_a_complete_review_is_submitted(client, page, criteria):
    response = client.post(page, complete_post(criteria))
    assert response.status_code == 302
    review = Review.objects.get()
    assert review.submitted_at is not None and review.recommendation == "fund"
    assert review.scores.count() == 3


def test_a_submitted_review_can_be_changed_until_the_review_phase_closes(client, page, criteria, call):
    client.post(page, complete_post(criteria))
    pk = criteria["quality"].pk
    client.post(page, complete_post(criteria, **{f"score_{pk}": "1"}))
    assert Score.objects.get(criterion_id=pk).score == Decimal("1")
    assert Review.objects.get().submitted_at is not None  # still submitted

    call.review_started_at = timezone.now() - timedelta(days=2)
    call.review_closes_at = timezone.now() - timedelta(minutes=1)
    call.save()
    response = client.post(page, complete_post(criteria, **{f"score_{pk}": "5"}))
    assert response.status_code == 200
    assert Score.objects.get(criterion_id=pk).score == Decimal("1")
    assert "form" in response.context and response.context["can_edit"] is False


def test_a_submitted_review_cannot_be_emptied(en, client, page, criteria):
    client.post(page, complete_post(criteria))
    pk = criteria["quality"].pk
    response = client.post(page, {**complete_post(criteria, **{f"score_{pk}": ""}), "action": "draft"})
    assert response.status_code == 200
    assert Score.objects.get(criterion_id=pk).score == Decimal("3.5")


def test_reviews_can_be_written_before_the_review_phase_formally_starts(cleared, reviewer, criteria, call):
    assert call.review_started_at is None and call.is_open()
    services.save_review(cleared, by=reviewer, scores={criteria["quality"].pk: services.ScoreInput(Decimal("3"))})
    assert Score.objects.exists()


def test_after_the_decisions_are_published_nothing_changes(en, cleared, reviewer, criteria, call):
    call.decisions_published_at = timezone.now()
    call.save()
    with pytest.raises(services.ReviewError, match="review phase of this call has closed"):
        services.save_review(cleared, by=reviewer, scores={criteria["quality"].pk: services.ScoreInput(Decimal("3"))})


def test_every_review_change_is_audited(cleared, reviewer, criteria):
    from reviews.queries import timeline_for

    services.save_review(cleared, by=reviewer, scores={criteria["quality"].pk: services.ScoreInput(Decimal("3"))})
    events = [e.action for e in timeline_for(cleared.application)]
    assert "review_saved" in events


def test_the_scale_is_explained_in_dutch(client, page):
    html = client.get(page).content.decode()
    assert "van 0 tot 5 in stappen van 0,5 " in html

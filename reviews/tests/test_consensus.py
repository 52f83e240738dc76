"""Consensus: a manager records a consensus score per criterion with a justification (same
scale checks as a review), or confirms the scores as they stand."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews import services
from reviews.models import Consensus, ConsensusScore

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(call, make_application, make_reviewer, assign, criteria):
    application = make_application()
    for value in ("2", "4.5"):
        person = make_reviewer()
        services.save_review(
            assign(application, person, declared=True),
            by=person,
            scores={c.pk: services.ScoreInput(Decimal(value), "ok") for c in (criteria["quality"], criteria["budget"])},
            recommendation="fund",
            submit=True,
        )
    return application


@pytest.fixture
def page(client, call, manager, reviewed):
    client.force_login(manager)
    return reverse("manage_reviews:consensus", args=[call.slug, reviewed.pk])


def test_the_page_shows_the_reviewers_scores_and_their_mean(client, page, criteria):
    response = client.get(page)
    rows = {row.criterion.pk: row for row in response.context["scores"]}
    assert rows[criteria["quality"].pk].mean == Decimal("3.25") and rows[criteria["quality"].pk].count == 2
    assert rows[criteria["quality"].pk].disagreement  # 2 and 4.5 are 2.5 apart, the gap is 2


def test_a_consensus_score_with_a_justification_replaces_the_mean(client, page, criteria, reviewed, manager):
    quality = criteria["quality"].pk
    response = client.post(page, {f"score_{quality}": "3", f"justification_{quality}": "Besproken in het panel."})
    assert response.status_code == 302
    consensus = ConsensusScore.objects.get(application=reviewed, criterion_id=quality)
    assert consensus.score == Decimal("3") and consensus.recorded_by == manager
    rows = {row.criterion.pk: row for row in client.get(page).context["scores"]}
    assert rows[quality].final == Decimal("3") and rows[quality].from_consensus
    # Emptying the score removes the consensus again.
    client.post(page, {f"score_{quality}": "", f"justification_{quality}": ""})
    assert not ConsensusScore.objects.exists()


@pytest.mark.parametrize(
    ("typed", "message"), [("6", "A score is between 0 and 5."), ("3.2", "A score goes in steps of 0.5")]
)
def test_a_consensus_score_off_the_scale_is_refused(en, client, page, criteria, typed, message):
    quality = criteria["quality"].pk
    response = client.post(page, {f"score_{quality}": typed, f"justification_{quality}": "Panel."})
    assert response.status_code == 200 and message in response.content.decode()
    assert not ConsensusScore.objects.exists()


def test_a_consensus_score_needs_a_justification(en, client, page, criteria):
    quality = criteria["quality"].pk
    response = client.post(page, {f"score_{quality}": "3", f"justification_{quality}": ""})
    assert response.status_code == 200 and "Justify the consensus score." in response.content.decode()
    assert not ConsensusScore.objects.exists()


def test_a_criterion_that_does_not_apply_gets_no_consensus(reviewed, manager, criteria):
    with pytest.raises(ValidationError):
        services.record_consensus(
            reviewed, by=manager, entries={criteria["objective2"].pk: services.ConsensusInput(Decimal("3"), "x")}
        )


def test_confirming_the_scores(client, page, reviewed, manager):
    response = client.post(page, {"confirm": "1", "note": "Gemiddelden bevestigd."})
    assert response.status_code == 302
    consensus = Consensus.objects.get(application=reviewed)
    assert consensus.confirmed_by == manager and consensus.note == "Gemiddelden bevestigd."


def test_only_managers_settle_scores(client, call, reviewed, reviewer, criteria):
    client.force_login(reviewer)
    url = reverse("manage_reviews:consensus", args=[call.slug, reviewed.pk])
    quality = criteria["quality"].pk
    assert client.post(url, {f"score_{quality}": "3", f"justification_{quality}": "x"}).status_code == 404
    with pytest.raises(services.ReviewError):
        services.confirm_scores(reviewed, by=reviewer)

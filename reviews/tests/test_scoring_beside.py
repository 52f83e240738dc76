"""Issue 12, point 3: scoring beside the proposal, with the scale, the threshold and a warning."""

from decimal import Decimal

import pytest
from django.urls import reverse

from reviews.models import Assignment

pytestmark = pytest.mark.django_db

RUBRIC = "\n".join(
    [
        "5: Excellent, without weaknesses.",
        "4: Very good.",
        "3: Good, with weaknesses.",
        "2: Insufficient, important weaknesses.",
        "1: Poor.",
        "0: Cannot be assessed.",
    ]
)


@pytest.fixture
def application(make_application, objectives, criteria):
    for criterion in criteria.values():
        criterion.threshold = Decimal("2.5")
        criterion.rubric_en = criterion.rubric_nl = RUBRIC
        criterion.save()
    return make_application(objectives=[objectives[0]])


@pytest.fixture
def page(client, application, reviewer, assign):
    assign(application, reviewer, declared=True)
    client.force_login(reviewer)
    return reverse("review:application", args=[application.pk])


def _scores(criteria, quality):
    data = {"action": "draft", "overall_comment": "", "recommendation": ""}
    for key in ("quality", "budget", "objective1"):
        data[f"score_{criteria[key].pk}"] = "3"
        data[f"comment_{criteria[key].pk}"] = "Uitleg."
    data[f"score_{criteria['quality'].pk}"] = quality
    return data


def test_each_criterion_shows_its_scale_and_threshold(client, page):
    html = client.get(page).text
    assert "Cannot be assessed." in html and "Excellent, without weaknesses." in html
    assert html.count('data-testid="threshold"') == 3
    assert "review-form-column" in html  # beside the proposal on wide screens (sticky)


def test_a_score_below_the_threshold_warns_and_the_meaning_of_the_score_is_shown(client, page, criteria):
    """A reviewer scores below a threshold and sees the warning; the rubric text of the chosen
    score is shown."""
    response = client.post(page, _scores(criteria, "2"), follow=True)
    assert response.status_code == 200
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    from calls.models import Criterion

    title = Criterion.objects.get(pk=criteria["quality"].pk).title
    assert len(warnings) == 1 and f"“{title}”" in warnings[0] and "2,5" in warnings[0]
    html = response.text
    assert html.count('data-testid="below-threshold"') == 1  # and in the form, beside the score
    assert 'data-testid="chosen-meaning"' in html and "Insufficient, important weaknesses." in html
    assert 'class="rubric-chosen"><span class="badge text-bg-light border">2</span>' in html
    # A warning, not a refusal: the score is saved.
    review = Assignment.objects.get(application__pk=response.context["application"].pk).review
    assert review.scores.get(criterion=criteria["quality"]).score == Decimal("2")


def test_a_half_point_reads_the_level_below(client, page, criteria):
    response = client.post(page, _scores(criteria, "3.5"), follow=True)
    assert not [m for m in response.context["messages"] if m.level_tag == "warning"]
    assert "Good, with weaknesses." in response.text and 'data-testid="below-threshold"' not in response.text


def test_the_error_summary_label_has_no_double_punctuation(client, application, reviewer, assign):
    assign(application, reviewer)
    client.force_login(reviewer)
    response = client.post(reverse("review:declare", args=[application.pk]), {"declaration": "no_conflict"})
    assert ".</a>:" not in response.text and ".:" not in response.text


def test_after_declaring_a_conflict_the_dashboard_shows_it(client, application, reviewer, assign):
    assign(application, reviewer)
    client.force_login(reviewer)
    response = client.post(
        reverse("review:declare", args=[application.pk]),
        {"declaration": "conflict", "note": "Mijn werkgever is partner."},
        follow=True,
    )
    assert response.status_code == 200
    conflicts = response.context["conflicts"]
    assert [a.application_id for a in conflicts] == [application.pk]
    assert 'data-testid="conflicts"' in response.text and application.title in response.text


def test_staff_edit_the_scale_on_the_criteria_page(call):
    from calls.forms import CriterionForm

    assert {"rubric_nl", "rubric_en"} <= set(CriterionForm.base_fields)


def test_both_seeded_calls_have_a_scale_in_both_languages():
    from calls.models import Criterion
    from calls.seed import seed_calls

    seed_calls(allow_without_debug=True)
    criteria = Criterion.objects.all()
    assert criteria.exists() and {c.call.reference_prefix for c in criteria} >= {"DES", "LB"}
    for criterion in criteria:
        assert len(criterion.rubric_levels()) == 6 and criterion.rubric_en and criterion.rubric_nl

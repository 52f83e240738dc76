"""The applicant's evaluation summary and decision letter: nothing before publication, only
their own after it, and never a reviewer's name."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.tests.factories import UserFactory
from reviews import decisions
from reviews.models import Decision
from reviews.views_summary import letter_html

from .ranking_data import D, application, closed_call, consensus, criterion, manager_of, member_of, review

pytestmark = pytest.mark.django_db

REVIEWERS = [
    ("Zoltan Quibblesworth", "zoltan.q@reviewers.example.org"),
    ("Philippa Oddbody", "p.oddbody@reviewers.example.org"),
]
SECRETS = ["Zoltan", "Quibblesworth", "Philippa", "Oddbody", "reviewers.example.org"]


@pytest.fixture
def evaluated():
    """An application reviewed by two reviewers with distinctive names, with comments, a
    consensus on one criterion, an award (unpublished), and its applicant."""
    call = closed_call(total_budget=D("100000"), reviews_required=2)
    relevance = criterion(call, 1, threshold="2.5", title_nl="Relevantie")
    approach = criterion(call, 2, threshold="2.5", title_nl="Aanpak")
    app = application(call, requested=40000, title="Samen tegen polarisatie")
    applicant = member_of(app.lead_organisation, full_name="Eva Aanvrager")
    for (name, email), (one, two) in zip(REVIEWERS, [(4, 3), (5, "3.5")], strict=True):
        review(
            app,
            {relevance: one, approach: two},
            reviewer=UserFactory(full_name=name, email=email),
            comments={relevance: f"Relevant voor de gemeente ({one}).", approach: f"Aanpak is degelijk ({two})."},
            overall=f"Algemeen positief ({name[:1]}).",
        )
    consensus(app, approach, "3.5", justification="Het panel volgt de tweede beoordelaar.")
    manager = manager_of(call)
    decisions.award(app, granted_amount=D("35000"), motivation="Sterk lokaal verankerd project.", by=manager)
    app.manager, app.applicant = manager, applicant
    return app


def summary_url(app):
    return reverse("summary:detail", args=[app.pk])


def letter_url(app):
    return reverse("summary:letter", args=[app.pk])


def test_before_publication_the_applicant_sees_nothing_of_scores_or_decisions(evaluated, client):
    client.force_login(evaluated.applicant)

    assert client.get(summary_url(evaluated)).status_code == 404
    assert client.get(letter_url(evaluated)).status_code == 404
    evaluated.refresh_from_db()
    assert evaluated.visible_status == "in_review"
    detail = client.get(evaluated.get_absolute_url())  # the application page shows no decision either
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "Sterk lokaal verankerd project." not in html
    assert summary_url(evaluated) not in html
    assert "35.000" not in html
    assert "Relevant voor de gemeente" not in html


def test_after_publication_the_applicant_reads_their_summary(evaluated, client):
    decisions.publish(evaluated.call, by=evaluated.manager)
    client.force_login(evaluated.applicant)

    response = client.get(summary_url(evaluated))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Beslissing: subsidie toegekend" in html
    assert "Sterk lokaal verankerd project." in html
    assert "€ 35.000" in html
    assert "Relevant voor de gemeente (4)." in html and "Relevant voor de gemeente (5)." in html
    assert "Het panel volgt de tweede beoordelaar." in html
    assert "Algemeen positief (Z)." in html
    rows = {row.score.criterion.title: row for row in response.context["criteria"]}
    assert rows["Relevantie"].score.final == D("4.5")
    assert rows["Aanpak"].score.final == D("3.5")  # the consensus
    # (4.5 + 2 × 3.5) / (5 + 10) × 100 = 76.7
    assert response.context["total"] == D("76.7")
    assert "76,7 %" in html


def test_reviewer_names_never_reach_the_summary_page_or_the_letter(evaluated, client):
    decisions.publish(evaluated.call, by=evaluated.manager)
    client.force_login(evaluated.applicant)

    page = client.get(summary_url(evaluated)).content.decode()
    request = RequestFactory().get(letter_url(evaluated))
    request.user = evaluated.applicant
    letter = letter_html(request, evaluated, Decision.objects.get(application=evaluated))

    assert "Relevant voor de gemeente (4)." in letter  # the comments are there…
    for secret in SECRETS:  # …but not who wrote them
        assert secret not in page
        assert secret not in letter


def test_the_letter_downloads_as_a_pdf(evaluated, client):
    decisions.publish(evaluated.call, by=evaluated.manager)
    client.force_login(evaluated.applicant)

    response = client.get(letter_url(evaluated))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert evaluated.reference in response["Content-Disposition"]


def test_nobody_else_sees_the_summary_even_after_publication(evaluated, client):
    decisions.publish(evaluated.call, by=evaluated.manager)
    other_applicant = member_of(application(evaluated.call).lead_organisation)
    reviewer = evaluated.assignments.first().reviewer

    for user in (other_applicant, reviewer, UserFactory()):
        client.force_login(user)
        assert client.get(summary_url(evaluated)).status_code == 404
        assert client.get(letter_url(evaluated)).status_code == 404
    client.logout()
    assert client.get(summary_url(evaluated)).status_code == 302


def test_a_criterion_that_does_not_apply_is_explained_not_scored(client):
    from calls.tests.factories import ObjectiveFactory

    call = closed_call()
    tools = ObjectiveFactory(call=call)
    general = criterion(call, title_nl="Algemeen")
    on_tools = criterion(call, objective=tools, title_nl="Technologie")
    app = application(call)
    review(app, {general: 4}, comments={general: "Prima."})
    manager = manager_of(call)
    applicant = member_of(app.lead_organisation)
    decisions.award(app, granted_amount=D("1000"), motivation="Goed.", by=manager)
    decisions.publish(call, by=manager)
    client.force_login(applicant)

    response = client.get(summary_url(app))

    rows = {row.score.criterion.title: row for row in response.context["criteria"]}
    assert rows["Technologie"].score.applies is False
    assert response.context["total"] == D("80.0")
    assert "het project beoogt deze doelstelling niet" in response.content.decode()
    assert on_tools.pk

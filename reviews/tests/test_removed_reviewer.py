"""Removing a reviewer from a call's pool (DESIGN §5): their access ends at once, their open
assignments are released (and the manager is told how many), their score changes are refused,
and the reviews they already submitted stay as they were and keep counting."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from applications.demo import minimal_pdf
from applications.models import Attachment
from calls.models import CallRole
from portal.models import AuditEvent
from reviews.models import Assignment, Review, Score
from reviews.ranking import ranking_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(make_application, objectives, reviewer, assign, criteria):
    """An application the reviewer reviewed (submitted, 4 on every applicable criterion), with an
    attachment."""
    application = make_application(objectives=[objectives[0]], requested_amount=50000)
    assignment = assign(application, reviewer, declared=True)
    review = Review.objects.create(
        assignment=assignment, submitted_at=timezone.now(), recommendation="fund", overall_comment="Goed."
    )
    for key in ("quality", "budget", "objective1"):
        Score.objects.create(review=review, criterion=criteria[key], score=4, comment="Sterk.")
    attachment = Attachment(
        application=application,
        uuid="2b9f6a40-8d0e-4a8b-9a57-0d6f1f3c7e21",
        original_name="plan.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )
    attachment.file.save("upload", ContentFile(minimal_pdf("Plan")), save=False)
    attachment.save()
    application.attachment = attachment
    return application


@pytest.fixture
def unreviewed(make_application, objectives, reviewer, assign):
    """An application the reviewer declared no conflict on but has not reviewed yet."""
    application = make_application(objectives=[objectives[0]])
    assign(application, reviewer, declared=True)
    return application


def _remove(client, manager, reviewer, **data):
    role = CallRole.objects.get(user=reviewer, role=CallRole.Role.REVIEWER)
    client.force_login(manager)
    response = client.post(reverse("manage_calls:remove_role", args=[role.call.slug, role.pk]), data)
    assert response.status_code == 302
    return [str(m) for m in get_messages(response.wsgi_request)]


def _score_post(criteria, score):
    data = {"action": "submit", "overall_comment": "Toch zwak.", "recommendation": "do_not_fund"}
    for key in ("quality", "budget", "objective1"):
        data[f"score_{criteria[key].pk}"] = score
        data[f"comment_{criteria[key].pk}"] = "Herzien."
    return data


def test_a_removed_reviewers_score_post_is_refused_and_the_ranking_is_unchanged(
    client, call, manager, reviewer, reviewed, criteria
):
    before = [(row.application.pk, row.total) for row in ranking_for(call).passing]
    assert before and before[0][0] == reviewed.pk
    _remove(client, manager, reviewer)

    client.force_login(reviewer)
    response = client.post(reverse("review:application", args=[reviewed.pk]), _score_post(criteria, "0"))
    assert response.status_code == 404
    assert set(Score.objects.filter(review__assignment__application=reviewed).values_list("score", flat=True)) == {4}
    assert Review.objects.get(assignment__application=reviewed).recommendation == "fund"
    # The submitted review keeps counting, as it was.
    assert [(row.application.pk, row.total) for row in ranking_for(call).passing] == before


def test_a_removed_reviewer_opens_nothing_of_the_call_any_more(client, manager, reviewer, reviewed, unreviewed):
    client.force_login(reviewer)
    review_url = reverse("review:application", args=[reviewed.pk])
    attachment_url = reverse("applications:attachment", args=[reviewed.pk, reviewed.attachment.pk])
    assert client.get(review_url).status_code == 200  # before the removal
    _remove(client, manager, reviewer)

    client.force_login(reviewer)
    for url in (
        review_url,
        attachment_url,
        reverse("applications:detail", args=[reviewed.pk]),
        reverse("review:application", args=[unreviewed.pk]),
        reverse("review:declare", args=[unreviewed.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_removal_releases_open_assignments_and_tells_the_manager_what_keeps_counting(
    client, en, manager, reviewer, reviewed, unreviewed
):
    shown = _remove(client, manager, reviewer)
    assert any("1 open assignment(s) released; 1 submitted review(s) keep counting" in m for m in shown), shown
    assert not Assignment.objects.filter(application=unreviewed).exists()
    assert Assignment.objects.filter(application=reviewed, reviewer=reviewer).exists()
    released = AuditEvent.objects.get(action="assignment_released")
    assert released.data["application"] == unreviewed.pk
    removed = AuditEvent.objects.get(action="role_removed")
    assert (removed.data["released"], removed.data["kept"]) == (1, 1)


def test_the_manager_may_release_the_submitted_reviews_too_and_they_stop_counting(
    client, en, call, manager, reviewer, reviewed, unreviewed
):
    client.force_login(manager)
    page = client.get(reverse("manage_calls:roles", args=[call.slug])).content.decode()
    assert "Also release their submitted reviews" in page and "keep counting, unless you also release them" in page
    assert [row.application.pk for row in ranking_for(call).passing] == [reviewed.pk]

    shown = _remove(client, manager, reviewer, release_submitted="1")
    assert any(
        "1 open assignment(s) released; 1 submitted review(s) released too: they no longer count" in m for m in shown
    ), shown
    assert not Assignment.objects.filter(reviewer=reviewer).exists()
    assert reviewed.pk not in [row.application.pk for row in ranking_for(call).passing]  # no scores left to pass
    # What the reviewer said is not lost: the audit trail keeps it.
    kept = AuditEvent.objects.get(action="review_released")
    assert kept.data["application"] == reviewed.pk and kept.data["recommendation"] == "fund"
    assert sorted(item["score"] for item in kept.data["scores"]) == ["4.00", "4.00", "4.00"]
    assert {item["comment"] for item in kept.data["scores"]} == {"Sterk."}
    removed = AuditEvent.objects.get(action="role_removed")
    assert (removed.data["released"], removed.data["kept"], removed.data["dropped"]) == (1, 0, 1)


def test_removing_a_manager_touches_no_assignment(client, call, manager, reviewer, unreviewed):
    other = CallRole.objects.create(call=call, user=reviewer, role=CallRole.Role.MANAGER)
    client.force_login(manager)
    client.post(reverse("manage_calls:remove_role", args=[call.slug, other.pk]))
    assert Assignment.objects.filter(application=unreviewed, reviewer=reviewer).exists()


def test_a_removed_reviewers_dashboard_no_longer_lists_the_calls_reviews(client, manager, reviewer, reviewed):
    """Found by the authorization matrix: the submitted review kept its row (and the proposal's
    title) on /review/ after the reviewer was taken out of the pool."""
    client.force_login(reviewer)
    assert reviewed.title in client.get(reverse("review:dashboard")).content.decode()  # before the removal
    _remove(client, manager, reviewer)

    client.force_login(reviewer)
    for url in (reverse("review:dashboard"), reverse("review:list", args=["submitted"])):
        response = client.get(url)
        assert response.status_code == 200 and reviewed.title not in response.content.decode(), url

"""The conflict-of-interest gate: before the declaration a reviewer sees only the title, the
acronym, the lead organisation and the partners; after declaring a conflict, nothing of the
application at all; and a reviewer of one call sees nothing of another."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from applications.demo import minimal_pdf
from applications.models import Answer, Attachment
from calls.tests.factories import CallFactory, QuestionFactory
from portal.models import Notification
from reviews import services
from reviews.models import Assignment

pytestmark = pytest.mark.django_db

SECRET_SUMMARY = "Een geheime aanpak met een eigen taalmodel."
SECRET_ANSWER = "Ons antwoord op de vraag naar de doelgroep."


@pytest.fixture
def proposal(call, make_application):
    application = make_application(title="Feitencheck in de regio", acronym="FACTREG", summary=SECRET_SUMMARY)
    application.partners.create(name="Regionale Krant", kind="news_media")
    question = QuestionFactory(call=call, text_nl="Wie is de doelgroep?")
    Answer.objects.create(application=application, question=question, question_text=question.text, value=SECRET_ANSWER)
    attachment = Attachment(
        application=application,
        uuid="6f1c1a52-5b8e-4c5a-9a64-3c7a0a5f9d11",
        original_name="plan.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )
    attachment.file.save("upload", ContentFile(minimal_pdf("Plan")), save=False)
    attachment.save()
    application.attachment = attachment
    return application


def urls_of(application):
    return {
        "review": reverse("review:application", args=[application.pk]),
        "detail": reverse("applications:detail", args=[application.pk]),
        "attachment": reverse("applications:attachment", args=[application.pk, application.attachment.pk]),
    }


def test_before_declaring_the_reviewer_sees_only_title_acronym_lead_and_partners(client, proposal, reviewer, assign):
    assign(proposal, reviewer)
    client.force_login(reviewer)
    page = client.get(reverse("review:declare", args=[proposal.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    for shown in ("Feitencheck in de regio", "FACTREG", proposal.lead_organisation.name, "Regionale Krant"):
        assert shown in html
    assert SECRET_SUMMARY not in html and SECRET_ANSWER not in html and "plan.pdf" not in html


def test_before_declaring_content_answers_and_attachments_answer_404(client, proposal, reviewer, assign):
    assign(proposal, reviewer)
    client.force_login(reviewer)
    for name, url in urls_of(proposal).items():
        assert client.get(url).status_code == 404, name
    assert client.post(urls_of(proposal)["review"], {"action": "draft"}).status_code == 404


def test_after_declaring_no_conflict_the_reviewer_reads_everything(client, proposal, reviewer, assign):
    assign(proposal, reviewer)
    client.force_login(reviewer)
    response = client.post(
        reverse("review:declare", args=[proposal.pk]), {"declaration": "no_conflict", "confidentiality": "on"}
    )
    assert response.status_code == 302 and response.url == urls_of(proposal)["review"]
    html = client.get(urls_of(proposal)["review"]).content.decode()
    assert SECRET_SUMMARY in html and SECRET_ANSWER in html and "plan.pdf" in html
    assert client.get(urls_of(proposal)["attachment"]).status_code == 200
    assignment = Assignment.objects.get(application=proposal, reviewer=reviewer)
    assert assignment.confidentiality_accepted and not assignment.conflict


def test_no_conflict_needs_the_confidentiality_accepted(en, client, proposal, reviewer, assign):
    assign(proposal, reviewer)
    client.force_login(reviewer)
    response = client.post(reverse("review:declare", args=[proposal.pk]), {"declaration": "no_conflict"})
    assert response.status_code == 200
    assert "Accept the confidentiality" in response.content.decode()
    assert Assignment.objects.get(application=proposal, reviewer=reviewer).declared_at is None


def test_a_conflict_needs_a_note(en, client, proposal, reviewer, assign):
    assign(proposal, reviewer)
    client.force_login(reviewer)
    response = client.post(reverse("review:declare", args=[proposal.pk]), {"declaration": "conflict", "note": " "})
    assert "Describe the conflict of interest" in response.content.decode()
    assert not Assignment.objects.get(application=proposal, reviewer=reviewer).conflict


def test_a_declared_conflict_releases_the_assignment_and_closes_everything_for_good(
    client, proposal, reviewer, manager, assign
):
    assign(proposal, reviewer)
    client.force_login(reviewer)
    response = client.post(
        reverse("review:declare", args=[proposal.pk]), {"declaration": "conflict", "note": "Ik werk bij de partner."}
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get(application=proposal, reviewer=reviewer)
    assert assignment.conflict and assignment.conflict_note == "Ik werk bij de partner."  # kept as a record
    assert not Assignment.objects.active().filter(pk=assignment.pk).exists()
    for name, url in {**urls_of(proposal), "declare": reverse("review:declare", args=[proposal.pk])}.items():
        assert client.get(url).status_code == 404, name
    dashboard = client.get(reverse("review:dashboard"))
    # Not among the work any more, but listed as "conflict declared" (issue 12), nothing more.
    assert all(proposal.title not in [a.application.title for a in g["rows"]] for g in dashboard.context["groups"])
    # The managers are told a new reviewer is needed.
    notification = Notification.objects.get(template="reviews_conflict_declared")
    assert notification.recipient == manager and proposal.reference in notification.subject


def test_a_reviewer_who_declared_no_conflict_may_still_declare_one_later(client, proposal, reviewer, assign):
    assignment = assign(proposal, reviewer, declared=True)
    services.declare_conflict(assignment, by=reviewer, note="Pas later gezien: mijn partner werkt daar.")
    client.force_login(reviewer)
    assert client.get(urls_of(proposal)["review"]).status_code == 404


def test_only_the_assigned_reviewer_can_declare(proposal, reviewer, make_reviewer, assign):
    assignment = assign(proposal, reviewer)
    with pytest.raises(services.ReviewError):
        services.declare_no_conflict(assignment, by=make_reviewer(), confidentiality=True)


def test_a_reviewer_of_one_call_sees_nothing_of_another(
    client, call, proposal, make_reviewer, make_application, assign
):
    other_call = CallFactory()
    outsider = make_reviewer(call_=other_call)
    assign(make_application(call_=other_call), outsider, declared=True)
    client.force_login(outsider)
    for name, url in {
        **urls_of(proposal),
        "declare": reverse("review:declare", args=[proposal.pk]),
        "staff list": reverse("manage_reviews:applications", args=[call.slug]),
        "staff page": reverse("manage_reviews:application", args=[call.slug, proposal.pk]),
        "progress": reverse("manage_reviews:progress", args=[call.slug]),
    }.items():
        assert client.get(url).status_code == 404, name
    dashboard = client.get(reverse("review:dashboard"))
    # Not among the work any more, but listed as "conflict declared" (issue 12), nothing more.
    assert all(proposal.title not in [a.application.title for a in g["rows"]] for g in dashboard.context["groups"])


def test_an_unassigned_reviewer_of_the_same_call_sees_nothing(client, proposal, make_reviewer):
    client.force_login(make_reviewer())
    for name, url in {**urls_of(proposal), "declare": reverse("review:declare", args=[proposal.pk])}.items():
        assert client.get(url).status_code == 404, name


def test_anonymous_visitors_are_sent_to_the_login_page(client, proposal):
    for url in (
        reverse("review:dashboard"),
        reverse("review:declare", args=[proposal.pk]),
        urls_of(proposal)["review"],
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_an_administrator_without_an_assignment_has_nothing_to_declare_or_review(
    client, proposal, admin_user, reviewer, assign
):
    """An administrator passes every permission, but declaring and reviewing belong to an
    assignment: without one both answer 404 instead of failing."""
    assign(proposal, reviewer)
    client.force_login(admin_user)
    assert client.get(reverse("review:declare", args=[proposal.pk])).status_code == 404
    assert client.post(reverse("review:declare", args=[proposal.pk]), {"declaration": "no_conflict"}).status_code == 404
    assert client.post(reverse("review:application", args=[proposal.pk]), {"action": "submit"}).status_code == 404
    assert not Assignment.objects.filter(reviewer=admin_user).exists()

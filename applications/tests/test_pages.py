"""Every applicant page renders for a member, and the main journey works without JavaScript."""

import pytest
from django.urls import reverse

from applications.models import Application, Status

SECTIONS = ["general", "partners", "budget", "questions", "attachments", "review"]


@pytest.mark.django_db
@pytest.mark.parametrize("section", SECTIONS)
def test_every_section_renders_for_a_member(client, draft, member, section):
    client.force_login(member)
    response = client.get(reverse("applications:section", args=[draft.pk, section]))
    assert response.status_code == 200
    assert "id_version" in response.text or section in ("attachments", "review")


@pytest.mark.django_db
def test_detail_list_and_start_pages_render(client, draft, member):
    client.force_login(member)
    assert client.get(reverse("applications:detail", args=[draft.pk])).status_code == 200
    assert draft.title in client.get(reverse("applications:list")).text
    assert client.get(reverse("applications:start", args=[draft.call.slug])).status_code == 200


@pytest.mark.django_db
def test_complete_application_is_submitted_and_shows_its_reference(client, complete, member):
    client.force_login(member)
    response = client.post(
        reverse("applications:submit", args=[complete.pk]),
        {"version": complete.version, "declaration": "on"},
        follow=True,
    )
    assert response.status_code == 200
    complete.refresh_from_db()
    assert complete.status == Status.SUBMITTED
    assert complete.reference in response.text
    receipt = client.get(reverse("applications:receipt", args=[complete.pk]))
    assert receipt.status_code == 200
    assert receipt["Content-Type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_start_opens_the_existing_draft_instead_of_a_second_one(client, call, member):
    client.force_login(member)
    url = reverse("applications:start", args=[call.slug])
    first = client.post(url)
    second = client.post(url)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Application.objects.filter(call=call).count() == 1


@pytest.mark.django_db
def test_withdraw_with_a_reason_is_recorded_and_shown_in_the_history(client, complete, member):
    from applications import services

    application = services.submit(complete, declaration=True, by=member)
    client.force_login(member)
    url = reverse("applications:withdraw", args=[application.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "Partner haakte af"}, follow=True)
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    assert "Partner haakte af" in response.text


@pytest.mark.django_db
def test_an_unpublished_decision_stays_hidden_from_the_applicant(client, complete, member):
    from applications import services, workflow
    from calls.models import CallRole
    from calls.tests.factories import CallRoleFactory

    manager = CallRoleFactory(call=complete.call, role=CallRole.Role.MANAGER).user
    application = services.mark_admissible(services.submit(complete, declaration=True, by=member), by=manager)
    services.record_decision(application, status="rejected", by=manager)
    client.force_login(member)
    for url in (reverse("applications:list"), reverse("applications:detail", args=[application.pk])):
        text = client.get(url).text
        assert "in beoordeling" in text and "afgewezen" not in text
    # Withdrawing is possible as it is in review (see test_unpublished_decision.py).
    assert workflow.allowed(application, workflow.Transition.WITHDRAW, by=member)
    services.publish_decision(application, by=manager)
    assert "afgewezen" in client.get(reverse("applications:detail", args=[application.pk])).text


@pytest.mark.django_db
def test_a_file_question_is_answered_by_an_upload(client, draft, member, call):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applications.demo import minimal_pdf
    from calls.tests.factories import QuestionFactory

    question = QuestionFactory(call=call, kind="file", max_chars=None, text_nl="Voeg een logo toe")
    client.force_login(member)
    page = client.get(reverse("applications:section", args=[draft.pk, "attachments"]))
    assert "Voeg een logo toe" in page.text
    response = client.post(
        reverse("applications:upload_answer", args=[draft.pk, question.pk]),
        {"file": SimpleUploadedFile("logo.pdf", minimal_pdf())},
    )
    assert response.status_code == 302
    answer = draft.answers.get(question=question)
    assert answer.value["name"] == "logo.pdf" and answer.question_text == "Voeg een logo toe"

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
        reverse("applications:submit", args=[complete.pk]), {"version": complete.version}, follow=True
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

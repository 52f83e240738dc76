"""Administrators administer: on an application they act as staff (their messages are marked
from staff), never as a member of an organisation they do not belong to (DESIGN §5)."""

import pytest
from django.urls import reverse

from accounts.models import Invitation
from applications import services
from applications.models import Message, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(complete, member):
    return services.submit(complete, declaration=True, by=member)


def test_an_administrators_message_is_marked_from_staff(client, submitted, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("applications:messages", args=[submitted.pk]), {"body": "Graag een toelichting."})
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.from_staff and message.author == admin_user


def test_an_administrator_cannot_withdraw_an_application_of_another_organisation(client, submitted, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("applications:withdraw", args=[submitted.pk]), {"reason": "Beheerder"})
    assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_an_administrator_cannot_edit_another_organisations_draft(client, draft, admin_user):
    client.force_login(admin_user)
    url = reverse("applications:section", args=[draft.pk, "general"])
    assert client.post(url, {"version": draft.version, "title": "Gekaapt"}).status_code == 404
    assert client.post(reverse("applications:withdraw", args=[draft.pk]), {"reason": ""}).status_code == 404
    draft.refresh_from_db()
    assert draft.title != "Gekaapt" and draft.status == Status.DRAFT


def test_an_administrator_cannot_invite_owners_into_an_organisation_they_do_not_belong_to(client, member, admin_user):
    client.force_login(admin_user)
    url = reverse("accounts:invite", args=[member.organisation.pk])
    response = client.post(url, {"email": "helper@example.org", "role": "owner"})
    assert response.status_code == 404
    assert not Invitation.objects.exists()


def test_an_administrator_still_sees_a_submitted_application_as_staff(client, submitted, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("applications:detail", args=[submitted.pk])).status_code == 200

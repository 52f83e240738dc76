"""The admin site: support staff open every change page without an error (read-only inlines
show fields the application's parts cannot edit, such as upload and message times)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from applications import services
from applications.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(complete, member):
    application = services.submit(complete, declaration=True, by=member)
    Message.objects.create(application=application, author=member, body="Een vraag over de begroting.")
    return application


def test_the_admin_change_page_of_an_application_answers_200(client, submitted, admin_user):
    assert submitted.attachments.exists() and submitted.messages.exists()
    client.force_login(admin_user)
    response = client.get(reverse("admin:applications_application_change", args=[submitted.pk]))
    assert response.status_code == 200
    assert submitted.attachments.get().original_name in response.text


def test_every_admin_change_page_answers_200(client, submitted, member, admin_user):
    """Each registered model with a stored row: its change page (inlines included) opens."""
    from accounts.models import Invitation
    from accounts.services import invite_member

    invite_member(member.organisation, email="collega@example.org", by=member)
    assert Invitation.objects.exists()
    client.force_login(admin_user)
    opened = []
    for model in admin.site._registry:
        row = model.objects.order_by("pk").first()
        if row is None:
            continue
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk])
        assert client.get(url).status_code == 200, url
        opened.append(meta.label)
    assert {"applications.Application", "accounts.Organisation", "accounts.User"} <= set(opened)

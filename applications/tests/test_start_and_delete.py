"""Starting from the self-check and deleting a draft that was never submitted."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import MembershipFactory
from applications import services
from applications.models import Application, Status
from portal.models import AuditEvent

from .conftest import make_complete

pytestmark = pytest.mark.django_db


def test_an_eligible_self_check_offers_to_start_with_what_was_entered(client, call, member):
    objective = call.objectives.get(number=2)
    answers = {
        "lead_kind": "research",
        "partners_news_media": "1",
        "objectives": str(objective.pk),
        "requested_amount": "40000",
        "total_cost": "50000",
        "start_date": "2030-01-01",
        "end_date": "2030-12-31",
    }
    page = client.get(reverse("calls:eligibility", args=[call.slug]), answers).content.decode()
    start_url = reverse("applications:start", args=[call.slug])
    assert f'href="{start_url}?' in page

    client.force_login(member)
    start_page = client.get(start_url, answers)
    assert 'data-testid="carried"' in start_page.content.decode()
    response = client.post(f"{start_url}?{start_page.context['carried']}", {"organisation": member.organisation.pk})

    assert response.status_code == 302
    draft = Application.objects.get(call=call, lead_organisation=member.organisation)
    assert draft.requested_amount == Decimal("40000")
    assert str(draft.start_date) == "2030-01-01" and str(draft.end_date) == "2030-12-31"
    assert list(draft.objectives.all()) == [objective]


def test_a_draft_that_was_never_submitted_can_be_deleted_with_its_files(
    client, draft, member, django_capture_on_commit_callbacks
):
    make_complete(draft, member)
    stored = [a.file.name for a in draft.attachments.all()]
    storage = draft.attachments.first().file.storage
    assert stored and all(storage.exists(name) for name in stored)
    client.force_login(member)
    detail = client.get(reverse("applications:detail", args=[draft.pk])).content.decode()
    assert reverse("applications:delete", args=[draft.pk]) in detail

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("applications:delete", args=[draft.pk]))

    assert response.status_code == 302
    assert not Application.objects.filter(pk=draft.pk).exists()
    event = AuditEvent.objects.get(action="draft_deleted")
    assert event.actor == member and event.data["application_id"] == draft.pk
    assert not any(storage.exists(name) for name in stored)


def test_a_submitted_or_reopened_application_is_never_deleted_only_withdrawn(client, complete, member):
    application = services.submit(complete, declaration=True, by=member)
    client.force_login(member)
    assert client.post(reverse("applications:delete", args=[application.pk])).status_code == 404
    services.reopen(application, by=member)
    application.refresh_from_db()
    assert application.status == Status.DRAFT and application.reference
    assert client.post(reverse("applications:delete", args=[application.pk])).status_code == 404
    assert Application.objects.filter(pk=application.pk).exists()


def test_only_a_member_of_the_organisation_may_delete_its_draft(client, draft, admin_user):
    outsider = MembershipFactory().user
    for user in (outsider, admin_user):
        client.force_login(user)
        assert client.post(reverse("applications:delete", args=[draft.pk])).status_code == 404
    assert Application.objects.filter(pk=draft.pk).exists()

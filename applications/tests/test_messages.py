"""The message thread between staff and applicant, and e-mails the other side receives;
drafters are told when a call's deadline moves."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import MembershipFactory
from applications import services
from applications.models import Message
from applications.tests.factories import ApplicationFactory
from calls import services as call_services
from calls.models import CallRole
from calls.tests.factories import CallRoleFactory
from portal.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(call):
    return CallRoleFactory(call=call, role=CallRole.Role.MANAGER).user


@pytest.fixture
def submitted(complete, member):
    """Staff take part in the thread once the application is submitted (a draft is the applicant's alone)."""
    return services.submit(complete, declaration=True, by=member)


def test_applicant_message_reaches_the_call_managers_by_email(
    client, draft, member, manager, django_capture_on_commit_callbacks
):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("applications:messages", args=[draft.pk]), {"body": "Mag het budget hoger?"})
    assert response.status_code == 302
    message = Message.objects.get()
    assert not message.from_staff and message.author == member
    assert [m.to for m in mail.outbox] == [[manager.email]]
    assert "Mag het budget hoger?" in mail.outbox[0].body


def test_staff_reply_reaches_every_member_and_is_marked_from_staff(
    client, submitted, member, manager, django_capture_on_commit_callbacks
):
    colleague = MembershipFactory(organisation=member.organisation).user
    mail.outbox.clear()  # the submission receipts
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("applications:messages", args=[submitted.pk]), {"body": "Ja, tot € 60.000."})
    assert Message.objects.get().from_staff
    assert sorted(m.to[0] for m in mail.outbox) == sorted([member.email, colleague.email])


def test_the_staff_side_service_posts_for_reviews(submitted, manager, member):
    message = services.post_message(submitted, by=manager, body="Graag een nieuwe begroting.", from_staff=True)
    assert message.from_staff
    assert Notification.objects.filter(template="applications_message", recipient=member).exists()


def test_an_applicant_cannot_post_as_staff(draft, member):
    with pytest.raises(services.TransitionError):
        services.post_message(draft, by=member, body="Ik ben staf", from_staff=True)


def test_the_thread_shows_messages_escaped_and_marks_them_read(client, submitted, member, manager):
    services.post_message(submitted, by=manager, body="<script>alert(1)</script> Vraag", from_staff=True)
    client.force_login(member)
    page = client.get(reverse("applications:messages", args=[submitted.pk]))
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Vraag" in page.text
    assert Message.objects.get().read_at is not None


def test_an_empty_message_is_refused_with_an_error(client, draft, member):
    client.force_login(member)
    response = client.post(reverse("applications:messages", args=[draft.pk]), {"body": "   "})
    assert response.status_code == 200
    assert Message.objects.count() == 0


def test_a_deadline_change_is_announced_to_every_member_with_a_draft(call, draft, member):
    colleague = MembershipFactory(organisation=member.organisation).user
    submitted_elsewhere = ApplicationFactory(call=call, status="submitted")
    other_member = MembershipFactory(organisation=submitted_elsewhere.lead_organisation).user
    admin = CallRoleFactory(call=call, role=CallRole.Role.MANAGER).user
    call_services.change_deadline(
        call, new_closes_at=call.closes_at + timedelta(days=7), reason="Op vraag van de sector.", by=admin
    )
    notified = set(
        Notification.objects.filter(template="applications_deadline_changed").values_list("recipient", flat=True)
    )
    assert notified == {member.pk, colleague.pk}
    assert other_member.pk not in notified
    body = Notification.objects.filter(recipient=member).get(template="applications_deadline_changed").body
    assert "Op vraag van de sector." in body


def test_staff_cannot_post_in_the_thread_of_a_draft(client, draft, manager):
    client.force_login(manager)
    response = client.post(reverse("applications:messages", args=[draft.pk]), {"body": "Meegelezen."})
    assert response.status_code == 404
    with pytest.raises(services.TransitionError):
        services.post_message(draft, by=manager, body="Meegelezen.", from_staff=True)
    assert not Message.objects.exists()

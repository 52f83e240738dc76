"""Organisations: who sees them, who manages members, and what the pages cost in queries."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Membership, Organisation
from accounts.tests.factories import MembershipFactory, UserFactory
from portal.models import AuditEvent, Notification

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"accounts:{name}", args=args)


# --- Seeing organisations -------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, organisation):
    for path in [url("organisations"), url("create"), url("organisation", organisation.pk), url("notifications")]:
        response = client.get(path)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_my_organisations_lists_only_mine(client, owner, other_organisation):
    client.force_login(owner)
    response = client.get(url("organisations"))
    assert response.status_code == 200
    assert owner.organisation.name in response.content.decode()
    assert other_organisation.name not in response.content.decode()


def test_a_member_sees_the_organisation_page(client, member):
    client.force_login(member)
    response = client.get(url("organisation", member.organisation.pk))
    assert response.status_code == 200
    assert member.organisation.name in response.content.decode()


def test_a_member_of_one_organisation_gets_404_on_another(client, member, other_organisation):
    client.force_login(member)
    assert client.get(url("organisation", other_organisation.pk)).status_code == 404
    assert client.get(url("invite", other_organisation.pk)).status_code == 404
    assert client.get(url("edit", other_organisation.pk)).status_code == 404


def test_a_user_without_organisation_gets_404_like_for_a_missing_one(client, stranger, organisation):
    client.force_login(stranger)
    assert client.get(url("organisation", organisation.pk)).status_code == 404
    assert client.get(url("organisation", organisation.pk + 1000)).status_code == 404


@pytest.mark.parametrize("members", [1, 20])
def test_the_organisation_page_uses_a_fixed_number_of_queries(client, owner, members, django_assert_max_num_queries):
    MembershipFactory.create_batch(members - 1, organisation=owner.organisation)
    for n in range(members):
        services.invite_member(owner.organisation, email=f"invitee{n}@example.org", by=owner)
    client.force_login(owner)
    # session, user, organisation, 2 permission checks, members, invitations, activity, call roles (menu)
    with django_assert_max_num_queries(10):
        response = client.get(url("organisation", owner.organisation.pk))
    assert response.status_code == 200
    assert len(re.findall(r"<tr>", response.content.decode())) == members + 1  # header + one row per member


@pytest.mark.parametrize("organisations", [1, 15])
def test_my_organisations_uses_a_fixed_number_of_queries(client, owner, organisations, django_assert_max_num_queries):
    MembershipFactory.create_batch(organisations - 1, user=owner)
    client.force_login(owner)
    with django_assert_max_num_queries(5):
        response = client.get(url("organisations"))
    assert len(response.context["memberships"]) == organisations


# --- Creating and editing ---------------------------------------------------------------------


def test_the_creator_becomes_owner_and_it_is_audited(client, user):
    client.force_login(user)
    response = client.post(
        url("create"),
        {
            "name": "Voorbeeld Nieuws",
            "kind": "news_media",
            "kbo_number": "0123.456.749",
            "website": "voorbeeld.be",
            "email_domain": "@Voorbeeld.BE",
        },
    )
    organisation = Organisation.objects.get()
    assert response.status_code == 302
    assert Membership.objects.get(organisation=organisation).user == user
    assert Membership.objects.get(organisation=organisation).role == Membership.Role.OWNER
    assert organisation.website == "https://voorbeeld.be"
    assert organisation.email_domain == "voorbeeld.be"
    assert AuditEvent.objects.for_object(organisation).get().action == "organisation_created"


def test_a_form_without_name_and_kind_answers_with_errors_not_a_500(client, user):
    client.force_login(user)
    response = client.post(url("create"), {"name": "", "kind": "nonsense", "email_domain": "not a domain"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "kind", "email_domain"}


def test_only_owners_edit_the_details(client, owner, member):
    client.force_login(member)
    assert client.get(url("edit", owner.organisation.pk)).status_code == 404
    client.force_login(owner)
    response = client.post(
        url("edit", owner.organisation.pk), {"name": "Nieuwe naam", "kind": "company", "kbo_number": ""}
    )
    assert response.status_code == 302
    owner.organisation.refresh_from_db()
    assert owner.organisation.name == "Nieuwe naam"
    assert owner.organisation.kbo_number == ""


# --- Inviting ---------------------------------------------------------------------------------


def test_an_owner_invites_by_email_and_the_invitee_joins(client, owner, django_capture_on_commit_callbacks):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("invite", owner.organisation.pk), {"email": "New.Colleague@Example.org", "role": "member"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "new.colleague@example.org"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.colleague@example.org"]
    assert owner.organisation.name in message.subject
    accept_path = url("accept_invitation", invitation.token)
    assert accept_path in message.body

    invitee = UserFactory(email="new.colleague@example.org")
    client.force_login(invitee)
    assert owner.organisation.name in client.get(accept_path).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(accept_path)
    assert response.status_code == 302
    assert response.url == owner.organisation.get_absolute_url()
    assert Membership.objects.get(organisation=owner.organisation, user=invitee).role == Membership.Role.MEMBER
    assert client.get(owner.organisation.get_absolute_url()).status_code == 200
    # The owner hears about it.
    assert mail.outbox[-1].to == [owner.email]


def test_an_invitation_works_only_for_the_invited_address(client, owner, stranger):
    invitation = services.invite_member(owner.organisation, email="someone@example.org", by=owner)
    client.force_login(stranger)
    page = client.get(url("accept_invitation", invitation.token)).content.decode()
    assert owner.organisation.name not in page  # the link alone reveals nothing
    client.post(url("accept_invitation", invitation.token))
    assert not Membership.objects.filter(user=stranger).exists()


def test_an_expired_invitation_cannot_be_accepted(owner):
    invitation = services.invite_member(owner.organisation, email="late@example.org", by=owner)
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(days=services.INVITATION_VALID_DAYS + 1)
    )
    with pytest.raises(services.MembershipError):
        services.accept_invitation(invitation, by=UserFactory(email="late@example.org"))


def test_accepting_twice_gives_one_membership(owner):
    invitee = UserFactory(email="twice@example.org")
    invitation = services.invite_member(owner.organisation, email=invitee.email, by=owner)
    first = services.accept_invitation(invitation, by=invitee)
    assert services.accept_invitation(invitation, by=invitee) == first
    assert Membership.objects.filter(user=invitee).count() == 1


def test_inviting_the_same_address_again_resends_one_invitation(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_member(owner.organisation, email="again@example.org", by=owner)
        services.invite_member(owner.organisation, email="AGAIN@example.org", by=owner, role="owner")
    assert Invitation.objects.get().role == "owner"
    assert len(mail.outbox) == 2


def test_inviting_an_existing_member_is_refused_with_a_message(client, owner, member):
    client.force_login(owner)
    response = client.post(url("invite", owner.organisation.pk), {"email": member.email, "role": "member"})
    assert response.status_code == 200
    assert "is al lid" in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_member_who_is_not_owner_cannot_invite(client, member):
    client.force_login(member)
    response = client.post(url("invite", member.organisation.pk), {"email": "x@example.org", "role": "owner"})
    assert response.status_code == 404
    assert not Invitation.objects.exists()
    assert Notification.objects.count() == 0


def test_an_owner_withdraws_an_invitation(client, owner):
    invitation = services.invite_member(owner.organisation, email="gone@example.org", by=owner)
    client.force_login(owner)
    client.post(url("cancel_invitation", owner.organisation.pk, invitation.pk))
    assert not Invitation.objects.exists()
    client.force_login(UserFactory(email="gone@example.org"))
    assert client.get(url("accept_invitation", invitation.token)).status_code == 404


# --- Removing ---------------------------------------------------------------------------------


def test_an_owner_removes_a_member(client, owner, member):
    membership = Membership.objects.get(user=member)
    client.force_login(owner)
    assert client.get(url("remove_member", owner.organisation.pk, membership.pk)).status_code == 200  # confirm
    response = client.post(url("remove_member", owner.organisation.pk, membership.pk))
    assert response.status_code == 302
    assert not Membership.objects.filter(user=member).exists()
    assert AuditEvent.objects.for_object(owner.organisation).filter(action="member_removed").exists()
    client.force_login(member)
    assert client.get(url("organisation", owner.organisation.pk)).status_code == 404


def test_a_member_cannot_remove_the_owner(client, owner, member):
    ownership = Membership.objects.get(user=owner)
    client.force_login(member)
    assert client.post(url("remove_member", owner.organisation.pk, ownership.pk)).status_code == 404
    assert Membership.objects.filter(pk=ownership.pk).exists()


def test_the_service_refuses_a_member_removing_the_owner_too(owner, member):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.remove_member(Membership.objects.get(user=owner), by=member)


def test_the_last_owner_can_neither_be_removed_nor_leave(client, owner, member):
    ownership = Membership.objects.get(user=owner)
    client.force_login(owner)
    response = client.post(url("remove_member", owner.organisation.pk, ownership.pk), follow=True)
    assert Membership.objects.filter(pk=ownership.pk).exists()
    assert "laatste eigenaar" in response.content.decode()


def test_with_two_owners_one_may_leave(client, owner, member):
    client.force_login(owner)
    client.post(url("change_role", owner.organisation.pk, Membership.objects.get(user=member).pk), {"role": "owner"})
    response = client.post(url("remove_member", owner.organisation.pk, Membership.objects.get(user=owner).pk))
    assert response.url == url("organisations")
    assert list(owner.organisation.memberships.values_list("user__email", "role")) == [(member.email, "owner")]


def test_a_member_may_leave(client, member):
    client.force_login(member)
    client.post(url("remove_member", member.organisation.pk, Membership.objects.get(user=member).pk))
    assert not Membership.objects.filter(user=member).exists()


def test_the_last_owner_cannot_be_made_a_member(client, owner):
    client.force_login(owner)
    client.post(url("change_role", owner.organisation.pk, Membership.objects.get(user=owner).pk), {"role": "member"})
    assert Membership.objects.get(user=owner).role == Membership.Role.OWNER


# --- Notification history ---------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 30])
def test_my_notifications_lists_mine_paginated_with_fixed_queries(
    client, user, stranger, count, django_assert_max_num_queries
):
    from portal.notifications import notify

    for n in range(count):
        notify(user, subject=f"Onderwerp {n}", body="Tekst")
    notify(stranger, subject="Niet voor jou", body="Tekst")
    client.force_login(user)
    with django_assert_max_num_queries(5):
        response = client.get(url("notifications"))
    page = response.content.decode()
    assert f"Onderwerp {count - 1}" in page
    assert "Niet voor jou" not in page
    assert len(response.context["notifications"]) == min(count, 25)

"""Mandates from the government login as memberships (accounts/services.py), without the
provider: lapsing and reviving, and a lapsed membership giving access nowhere."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import Membership
from accounts.services import Mandate
from accounts.tests.factories import MembershipFactory, OrganisationFactory, UserFactory, valid_kbo
from applications.models import Application
from applications.tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_organisations():
    return OrganisationFactory(kbo_number=valid_kbo(7701)), OrganisationFactory(kbo_number=valid_kbo(7702))


def test_apply_mandates_makes_owner_and_member_and_returns_the_unknown_ones(two_organisations):
    first, second = two_organisations
    user = UserFactory()
    unknown = Mandate(valid_kbo(7703), "legal_representative", "Nieuw")
    pending = services.apply_mandates(
        user, [Mandate(first.kbo_number, "legal_representative"), Mandate(second.kbo_number, "delegated_user"), unknown]
    )
    assert pending == [unknown]
    roles = dict(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
    assert roles == {first.pk: "owner", second.pk: "member"}
    first.refresh_from_db()
    assert first.kbo_confirmed


def test_a_membership_without_mandate_is_left_alone_and_one_whose_mandate_ended_lapses(two_organisations):
    first, second = two_organisations
    user = UserFactory()
    invited = MembershipFactory(user=user, role="member")  # from an invitation: no mandate
    services.apply_mandates(user, [Mandate(first.kbo_number, "legal_representative"), Mandate(second.kbo_number, "x")])
    services.apply_mandates(user, [Mandate(first.kbo_number, "legal_representative")])
    lapsed = Membership.objects.get(user=user, organisation=second)
    assert lapsed.lapsed_at is not None
    invited.refresh_from_db()
    assert invited.lapsed_at is None
    assert not user.has_perm("accounts.view_organisation", second)
    assert user.has_perm("accounts.view_organisation", invited.organisation)
    services.apply_mandates(user, [Mandate(second.kbo_number, "legal_representative")])
    lapsed.refresh_from_db()
    assert lapsed.lapsed_at is None and lapsed.role == "owner"


def test_a_lapsed_membership_reaches_no_application_grant_list_or_start_page(client, two_organisations):
    _first, second = two_organisations
    user = UserFactory()
    services.apply_mandates(user, [Mandate(second.kbo_number, "legal_representative")])
    application = ApplicationFactory(lead_organisation=second, created_by=user)
    services.apply_mandates(user, [])
    client.force_login(user)
    assert client.get(application.get_absolute_url()).status_code == 404
    assert list(Application.objects.of_user(user)) == []
    assert application.title not in client.get(reverse("applications:list")).content.decode()
    assert second.name not in client.get(reverse("applications:start", args=[application.call.slug])).content.decode()
    assert client.get(second.get_absolute_url()).status_code == 404
    page = client.get(reverse("accounts:organisations")).content.decode()
    assert second.name in page and "mandaat vervallen" in page  # kept for the record, labelled
    assert Application.objects.filter(pk=application.pk).exists()


def test_an_invitation_renews_a_lapsed_membership(two_organisations):
    _first, second = two_organisations
    owner = MembershipFactory(organisation=second, role="owner").user
    user = UserFactory()
    services.apply_mandates(user, [Mandate(second.kbo_number, "delegated_user")])
    services.apply_mandates(user, [])
    invitation = services.invite_member(second, email=user.email, by=owner)
    membership = services.accept_invitation(invitation, by=user)
    assert membership.lapsed_at is None and membership.mandate_role == ""
    assert user.has_perm("accounts.view_organisation", second)


def test_a_lapsed_owner_does_not_count_as_the_last_owner(two_organisations):
    first, _second = two_organisations
    active_owner = MembershipFactory(organisation=first, role="owner")
    former = UserFactory()
    services.apply_mandates(former, [Mandate(first.kbo_number, "legal_representative")])
    services.apply_mandates(former, [])
    with pytest.raises(services.MembershipError):
        services.remove_member(active_owner, by=active_owner.user)

import pytest
from django.core.cache import cache

from accounts.models import Membership
from accounts.tests.factories import MembershipFactory, OrganisationFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth counts requests per client in the cache (e.g. 30 logins a minute); tests post
    many logins from the same address, so each test starts with empty counters."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def owner(applicant):
    """A user owning `owner.organisation` (the root `applicant` fixture, named for these tests)."""
    return applicant


@pytest.fixture
def member(owner):
    """A plain member of the owner's organisation (`member.organisation`)."""
    membership = MembershipFactory(organisation=owner.organisation, role=Membership.Role.MEMBER)
    membership.user.organisation = owner.organisation
    return membership.user


@pytest.fixture
def other_organisation(db):
    """An organisation with its own owner, unrelated to `owner` and `member`."""
    organisation = OrganisationFactory()
    MembershipFactory(organisation=organisation, role=Membership.Role.OWNER)
    return organisation


@pytest.fixture
def stranger(db):
    return UserFactory()

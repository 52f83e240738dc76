import factory
from factory.django import DjangoModelFactory
from faker import Faker

from accounts import kbo
from accounts.models import Membership, Organisation, OrganisationKind, User

_FAKE = Faker("nl_BE")
PASSWORD = "correct-horse-battery-staple"


def valid_kbo(n: int) -> str:
    first_eight = f"0{n % 10_000_000:07d}"
    return first_eight + kbo.check_digits(first_eight)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    # Tests look for names in rendered HTML; an apostrophe (D'hondt) would be escaped there and
    # make such an assertion pass or fail by chance, so factory names never carry one.
    full_name = factory.LazyFunction(lambda: _FAKE.name().replace("'", "").replace("&", "en"))
    preferred_language = "nl"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        """A verified primary e-mail address, so the user can log in through allauth
        (ACCOUNT_EMAIL_VERIFICATION is mandatory). `UserFactory(verified_email=False)` skips it."""
        if create and extracted is not False:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisatie {n}")
    kind = OrganisationKind.MUNICIPALITY
    kbo_number = factory.Sequence(lambda n: valid_kbo(1000 + n))
    email_domain = factory.Sequence(lambda n: f"org{n}.be")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.MEMBER

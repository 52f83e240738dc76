from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from accounts.tests.factories import OrganisationFactory, UserFactory
from applications.models import Application, BudgetLine, Message, Partner
from calls.tests.factories import CallFactory


class ApplicationFactory(DjangoModelFactory):
    """A draft application of a fresh organisation in a fresh open call."""

    class Meta:
        model = Application

    call = factory.SubFactory(CallFactory)
    lead_organisation = factory.SubFactory(OrganisationFactory)
    created_by = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Project {n}")
    acronym = factory.Sequence(lambda n: f"P{n}")
    summary = "Een project tegen desinformatie."
    requested_amount = Decimal("50000")


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = Partner

    application = factory.SubFactory(ApplicationFactory)
    name = factory.Sequence(lambda n: f"Partner {n}")
    kind = "news_media"


class BudgetLineFactory(DjangoModelFactory):
    class Meta:
        model = BudgetLine

    application = factory.SubFactory(ApplicationFactory)
    category = "personnel"
    description = "Projectmedewerker"
    amount = Decimal("10000")


class MessageFactory(DjangoModelFactory):
    class Meta:
        model = Message

    application = factory.SubFactory(ApplicationFactory)
    author = factory.SubFactory(UserFactory)
    body = "Kunt u het budget verduidelijken?"

"""Factories of the grant tests. `award_with_grant` goes the real way: an award is recorded
and published, and the signal opens the grant."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Membership
from accounts.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from applications.tests.factories import ApplicationFactory, BudgetLineFactory
from calls.models import CallRole
from calls.tests.factories import CallFactory, CallRoleFactory
from grants.models import BudgetVersion, Grant, GrantState, PaymentScheduleTranche
from reviews.models import Decision

D = Decimal
VALID_IBAN = "BE68539007547034"


def manager_of(call, **fields):
    user = UserFactory(**fields)
    CallRoleFactory(call=call, user=user, role=CallRole.Role.MANAGER)
    return user


def owner_of(organisation, **fields):
    return MembershipFactory(organisation=organisation, role=Membership.Role.OWNER, user=UserFactory(**fields)).user


def member_of(organisation, **fields):
    return MembershipFactory(organisation=organisation, role=Membership.Role.MEMBER, user=UserFactory(**fields)).user


def awarded_application(call=None, *, granted=None, budget=None, **fields):
    """An awarded application with a published decision and its budget lines (default: € 75,000
    in personnel and operating costs)."""
    call = call or CallFactory()
    granted = D("60000") if granted is None else granted
    now = timezone.now()
    application = ApplicationFactory(
        call=call,
        status="awarded",
        requested_amount=granted,
        submitted_at=now - timedelta(days=30),
        decision_published_at=now,
        start_date=fields.pop("start_date", date(2026, 1, 1)),
        end_date=fields.pop("end_date", date(2026, 12, 31)),
        reference=fields.pop("reference", None)
        or f"{call.reference_prefix}-2026-{ApplicationFactory._meta.model.objects.count() + 1:04d}",
        **fields,
    )
    for category, amount in (budget or {"personnel": D("50000"), "operating": D("25000")}).items():
        BudgetLineFactory(application=application, category=category, amount=amount, description=category)
    decision = Decision.objects.create(
        application=application,
        outcome=Decision.Outcome.AWARD,
        granted_amount=granted,
        motivation="Sterk project.",
        decided_at=now,
        published_at=now,
    )
    return application, decision


def open_grant(call=None, **kwargs) -> Grant:
    from grants import services

    _application, decision = awarded_application(call, **kwargs)
    return services.open_grant(decision)


def schedule(call, *rows):
    for i, (percentage, trigger) in enumerate(rows):
        PaymentScheduleTranche.objects.create(call=call, order=i, percentage=D(str(percentage)), trigger=trigger)


class GrantFactory(DjangoModelFactory):
    """A grant row without the publish path (for lists of many grants)."""

    class Meta:
        model = Grant
        skip_postgeneration_save = True  # the hook creates a related row, the grant itself is unchanged

    application = factory.SubFactory(ApplicationFactory, status="awarded")
    call = factory.SelfAttribute("application.call")
    beneficiary = factory.SelfAttribute("application.lead_organisation")
    number = factory.Sequence(lambda n: f"G-{n:05d}")
    granted_amount = D("60000")
    approved_total_cost = D("75000")
    state = GrantState.RUNNING
    opened_at = factory.LazyFunction(timezone.now)
    accept_by = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    end_date = date(2026, 12, 31)

    @factory.post_generation
    def budget(obj, create, extracted, **kwargs):
        if create:
            BudgetVersion.objects.create(
                grant=obj, number=1, amounts={"personnel": "75000.00"}, reason="award", created_at=obj.opened_at
            )


__all__ = ["OrganisationFactory", "UserFactory", "GrantFactory"]

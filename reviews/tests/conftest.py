"""Fixtures of the review tests: a call with criteria, its manager and reviewer pool, and
applications at each stage."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from applications.tests.factories import ApplicationFactory, PartnerFactory
from calls.models import CallRole
from calls.tests.factories import CallFactory, CallRoleFactory, CriterionFactory, ObjectiveFactory
from reviews.models import Assignment


@pytest.fixture
def call(db):
    """An open call scored 0–5 in halves, two reviews per application, reviewers see the others
    after submitting their own."""
    return CallFactory(
        reviews_required=2, max_score=Decimal("5"), score_step=Decimal("0.5"), review_visibility="after_own"
    )


@pytest.fixture
def objectives(call):
    return [ObjectiveFactory(call=call, number=n) for n in (1, 2)]


@pytest.fixture
def criteria(call, objectives):
    """Two general criteria and one for each objective."""
    return {
        "quality": CriterionFactory(call=call, title="Quality", order=1),
        "budget": CriterionFactory(call=call, title="Budget", order=2),
        "objective1": CriterionFactory(call=call, title="Objective one", order=3, objective=objectives[0]),
        "objective2": CriterionFactory(call=call, title="Objective two", order=4, objective=objectives[1]),
    }


@pytest.fixture
def manager(call):
    return CallRoleFactory(call=call, role=CallRole.Role.MANAGER, user=UserFactory(email="manager@agentschap.be")).user


@pytest.fixture
def make_reviewer(call):
    def make(*, email=None, organisation=None, call_=None):
        user = UserFactory(**({"email": email} if email else {}))
        CallRoleFactory(call=call_ or call, user=user, role=CallRole.Role.REVIEWER)
        if organisation is not None:
            MembershipFactory(user=user, organisation=organisation)
        return user

    return make


@pytest.fixture
def reviewer(make_reviewer):
    return make_reviewer(email="reviewer@universiteit.be")


@pytest.fixture
def make_application(call):
    """An application of `call` in `status` (submitted ones get a reference and a submission time)."""

    def make(status="in_review", *, objectives=(), partners=0, call_=None, **fields):
        target = call_ or call
        fields.setdefault(
            "reference", f"{target.reference_prefix}-2026-{ApplicationFactory._meta.model.objects.count() + 1:04d}"
        )
        fields.setdefault("submitted_at", timezone.now() - timedelta(days=1))
        application = ApplicationFactory(call=target, status=status, **fields)
        if objectives:
            application.objectives.set(objectives)
        for _ in range(partners):
            PartnerFactory(application=application)
        return application

    return make


@pytest.fixture
def assign(manager):
    """An assignment made directly (not through the service), optionally declared."""

    def make(application, reviewer, *, declared=False, conflict=False):
        now = timezone.now()
        return Assignment.objects.create(
            application=application,
            reviewer=reviewer,
            assigned_by=manager,
            due_at=now + timedelta(days=21),
            declared_at=now if (declared or conflict) else None,
            confidentiality_accepted=declared,
            conflict=conflict,
        )

    return make


@pytest.fixture
def organisation_factory(db):
    return OrganisationFactory


@pytest.fixture
def en(client, settings):
    """English for this test: messages from services and the pages the client fetches."""
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield

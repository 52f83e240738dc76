from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from accounts.tests.factories import UserFactory
from calls.models import CallRole
from calls.seed import DES, LB, LB2, seed_calls
from calls.signals import demo_seeded
from calls.tests.factories import CallFactory, CallRoleFactory

BRUSSELS = ZoneInfo("Europe/Brussels")


def brussels(*args) -> datetime:
    return datetime(*args, tzinfo=BRUSSELS)


@pytest.fixture
def seeded(db):
    """Both real calls, as `seed_calls` creates them."""
    return seed_calls()["calls"]


@pytest.fixture
def des(seeded):
    return seeded[DES]


@pytest.fixture
def lb(seeded):
    return seeded[LB]


@pytest.fixture
def lb2(seeded):
    """The second local-authority round: excludes organisations funded in the first."""
    return seeded[LB2]


@pytest.fixture
def only_calls_demo():
    """Keep the demo seed to what calls owns: downstream receivers (applications, reviews) are
    tested in their own apps."""
    with mock.patch.object(demo_seeded, "receivers", []):
        demo_seeded.sender_receivers_cache.clear()
        yield
    demo_seeded.sender_receivers_cache.clear()


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def call(db):
    return CallFactory()


@pytest.fixture
def other_call(db):
    return CallFactory()


@pytest.fixture
def manager(call):
    """A user who manages `call` (and nothing else)."""
    return CallRoleFactory(call=call, role=CallRole.Role.MANAGER).user


@pytest.fixture
def reviewer(call):
    return CallRoleFactory(call=call, role=CallRole.Role.REVIEWER).user


@pytest.fixture
def staff_user(db):
    return UserFactory()


def make_application(call):
    """An application row, made through the app registry: calls' code never imports applications."""
    from django.apps import apps

    from accounts.tests.factories import OrganisationFactory

    return apps.get_model("applications", "Application").objects.create(
        call=call, lead_organisation=OrganisationFactory()
    )


@pytest.fixture
def answered_question(call):
    from calls.tests.factories import QuestionFactory

    question = QuestionFactory(call=call)
    question.answers.create(application=make_application(call), question_text=question.text, value="Ons antwoord")
    return question

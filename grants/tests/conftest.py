import pytest

from calls.tests.factories import CallFactory

from .factories import manager_of


@pytest.fixture
def call(db):
    return CallFactory()


@pytest.fixture
def manager(call):
    return manager_of(call, full_name="Mieke Beheer")


@pytest.fixture
def second_manager(call):
    return manager_of(call, full_name="Jan Financien")

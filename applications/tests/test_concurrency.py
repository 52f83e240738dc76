"""On PostgreSQL, with real row locks: parallel submissions get gap-free references, and the
same application submitted twice at once is submitted once."""

import threading

import pytest
from django.db import connection

from accounts.tests.factories import MembershipFactory
from applications import services
from applications.models import Application, ReferenceCounter, Status
from applications.tests.conftest import make_complete
from applications.tests.factories import ApplicationFactory
from portal import audit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_in_threads(jobs):
    """Start every job at the same moment (a barrier), each on its own connection."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def run(index, job):
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except Exception as exc:  # collected and reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def test_twenty_parallel_submissions_get_references_0001_to_0020(call):
    submitters = []
    for _ in range(20):
        membership = MembershipFactory(organisation__kind="research")
        application = ApplicationFactory(call=call, lead_organisation=membership.organisation)
        submitters.append((make_complete(application, membership.user), membership.user))

    results, errors = _run_in_threads(
        [
            lambda a=application, u=user: services.submit(a, declaration=True, by=u).reference
            for application, user in submitters
        ]
    )

    assert errors == []
    year = call.opens_at.year
    assert sorted(results) == [f"DES-{year}-{n:04d}" for n in range(1, 21)]
    stored = Application.objects.filter(call=call).values_list("reference", flat=True)
    assert sorted(stored) == sorted(results)
    assert ReferenceCounter.objects.get(call=call).last == 20


def test_the_same_application_submitted_twice_in_parallel_gets_one_reference(complete, member):
    results, errors = _run_in_threads(
        [lambda: services.submit(complete, declaration=True, by=member).reference for _ in range(2)]
    )
    assert errors == []
    assert results[0] == results[1] == f"DES-{complete.call.opens_at.year}-0001"
    complete.refresh_from_db()
    assert complete.status == Status.SUBMITTED
    assert audit.events_for(complete).filter(action="submitted").count() == 1
    assert ReferenceCounter.objects.get(call=complete.call).last == 1


def test_two_parallel_starts_of_the_same_organisation_give_one_draft(call, member):
    results, errors = _run_in_threads(
        [lambda: services.start(call, by=member, organisation=member.organisation)[0].pk for _ in range(2)]
    )
    assert errors == []
    assert results[0] == results[1]
    assert Application.objects.filter(call=call, lead_organisation=member.organisation).count() == 1

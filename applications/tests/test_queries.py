"""Pages use a fixed number of queries however much data there is."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications import services
from applications.tests.factories import ApplicationFactory, BudgetLineFactory, MessageFactory, PartnerFactory

pytestmark = pytest.mark.django_db

# Measured: the list needs 5 queries at 1 and at 20 rows, the application page 21 and the
# sections 15-17 at 1 and at 20 partners and lines (session, user, permissions, content
# prefetches, findings, timeline). The bounds leave a little room for the base template.
LIST_QUERIES = 7
DETAIL_QUERIES = 23
SECTION_QUERIES = 19


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("rows", [1, 20])
def test_my_applications_query_count_does_not_grow(client, member, call, rows, django_assert_max_num_queries):
    for _ in range(rows):
        application = ApplicationFactory(call=call, lead_organisation=member.organisation)
        PartnerFactory.create_batch(3, application=application)
        BudgetLineFactory.create_batch(3, application=application)
    client.force_login(member)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(reverse("applications:list"))
    assert response.text.count("/applications/") >= rows


@pytest.mark.parametrize("rows", [1, 20])
def test_application_page_query_count_does_not_grow(client, complete, member, rows, django_assert_max_num_queries):
    services.submit(complete, declaration=True, by=member)
    PartnerFactory.create_batch(rows, application=complete)
    BudgetLineFactory.create_batch(rows, application=complete)
    MessageFactory.create_batch(rows, application=complete)
    client.force_login(member)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        client.get(reverse("applications:detail", args=[complete.pk]))


@pytest.mark.parametrize("section", ["general", "partners", "budget", "questions", "attachments", "review"])
def test_section_query_counts_do_not_grow(client, complete, member, section):
    client.force_login(member)
    url = reverse("applications:section", args=[complete.pk, section])
    small = _count(client, url)
    PartnerFactory.create_batch(19, application=complete)
    BudgetLineFactory.create_batch(19, application=complete)
    assert _count(client, url) == small
    assert small <= SECTION_QUERIES

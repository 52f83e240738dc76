"""The public list of funded projects and its CSV for the Flemish subsidy register."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from accounts.tests.factories import OrganisationFactory, UserFactory
from reviews import decisions

from .ranking_data import D, application, closed_call, criterion, manager_of, member_of, review

pytestmark = pytest.mark.django_db


def decided_call(awards=1, *, publish=True, title="Lokale besturen"):
    call = closed_call(title_nl=title, funder_nl="Agentschap Binnenlands Bestuur", total_budget=D("10000000"))
    c = criterion(call)
    manager = manager_of(call)
    apps = []
    for i in range(awards):
        organisation = OrganisationFactory(name=f"Gemeente {title} {i}")
        app = application(
            call,
            lead_organisation=organisation,
            title=f"Project {i}",
            requested=50000,
            start_date=date(2021, 7, 1),
            end_date=date(2022, 6, 30),
        )
        member_of(organisation, full_name=f"Natuurlijk Persoon {i}", email=f"persoon{i}-{call.pk}@example.org")
        review(app, {c: 4}, reviewer=UserFactory(full_name=f"Beoordelaar {i}"))
        decisions.award(app, granted_amount=D("45000.50"), motivation="Goed.", by=manager)
        apps.append(app)
    rejected = application(call, title="Afgewezen project", requested=1000)
    review(rejected, {c: 1})
    decisions.reject(rejected, motivation="Onvoldoende.", by=manager)
    if publish:
        decisions.publish(call, by=manager)
    return call, apps


def test_the_public_list_shows_published_awards_only(client):
    call, apps = decided_call(2)
    decided_call(1, publish=False, title="Nog geheim")

    response = client.get(reverse("funded:list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="funded-row"') == 2
    assert "Gemeente Lokale besturen 0" in html and "Project 1" in html
    assert "€ 45.000,50" in html
    assert "1 juli 2021" in html and "30 juni 2022" in html
    assert "Afgewezen project" not in html
    assert "Nog geheim" not in html
    for person in ("Natuurlijk Persoon", "persoon0@", "Beoordelaar"):
        assert person not in html


@pytest.mark.parametrize("size", [3, 40])
def test_the_list_uses_a_fixed_number_of_queries(client, size, django_assert_max_num_queries):
    decided_call(size)

    with django_assert_max_num_queries(4):
        response = client.get(reverse("funded:list"))

    assert len(response.context["awards"]) == min(size, 25)


def test_the_list_paginates_and_filters_by_call(client):
    call, _apps = decided_call(27)
    other, _ = decided_call(1, title="Desinformatie")

    second = client.get(reverse("funded:list"), {"page": 2})
    assert len(second.context["awards"]) == 3
    only_other = client.get(reverse("funded:list"), {"call": other.slug})
    assert [a.application.call_id for a in only_other.context["awards"]] == [other.pk]
    assert client.get(reverse("funded:list"), {"call": "no-such-call"}).context["awards"].count() == 0


def test_the_register_csv_lists_organisations_and_no_natural_persons(client):
    call, apps = decided_call(2)

    response = client.get(reverse("funded:csv"))

    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    # Downstream apps may add amount columns after the register's own (grants: the amount paid).
    assert rows[0][:9] == [
        "begunstigde",
        "KBO-nummer",
        "project",
        "oproep",
        "verstrekker",
        "toegekend bedrag",
        "startdatum",
        "einddatum",
        "beslissingsdatum",
    ]
    organisation = apps[0].lead_organisation
    line = next(row for row in rows[1:] if row[0] == organisation.name)
    assert line[1] == organisation.kbo_display
    assert line[2:6] == ["Project 0", "Lokale besturen", "Agentschap Binnenlands Bestuur", "45000,50"]
    assert line[6:8] == ["2021-07-01", "2022-06-30"]
    assert len(rows) == 3
    for person in ("Natuurlijk Persoon", "persoon", "@", "Beoordelaar"):
        assert person not in content

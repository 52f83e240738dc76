"""The public pages: what a visitor reads about a call, in Dutch and in English."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from calls.models import Call
from calls.tests.conftest import brussels
from calls.tests.factories import CallFactory, DeadlineChangeFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db


def page(client, call, name="calls:detail", **params):
    response = client.get(reverse(name, args=[call.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_budget_follows_the_language(client, des, settings):
    assert "€ 3.000.000" in page(client, des)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "€3,000,000" in page(client, des)


def test_the_call_page_shows_the_four_objectives(client, des):
    html = page(client, des)
    for objective in des.objectives.all():
        assert objective.title_nl in html
    assert des.objectives.count() == 4


def test_the_call_page_shows_criteria_with_weights_and_thresholds(client, des):
    html = page(client, des)
    assert "Bijdrage aan mediawijsheid en weerbaarheid" in html
    assert html.count("2,50") >= 4  # the threshold of each of the four criteria


def test_limits_come_from_the_eligibility_rules(client, lb, settings):
    assert "ten hoogste € 60.000 per aanvrager" in page(client, lb)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "at most €60,000 per applicant" in page(client, lb)


def test_the_local_authority_deadline_in_dutch_with_its_history(client, lb):
    html = page(client, lb)
    assert "dinsdag 11 mei 2021 18:00" in html
    assert "vrijdag 16 april 2021 12:00" in html  # the original deadline, in the change history
    # The sources give no reason for the extension, so the page invents none.
    assert "Verlengd op vraag" not in html


def test_the_local_authority_deadline_in_english(english, lb):
    html = page(english, lb)
    assert "Tuesday 11 May 2021 18:00" in html
    assert "Friday 16 April 2021 12:00" in html


@pytest.mark.parametrize(
    ("deadline", "shown"),
    [
        (brussels(2027, 1, 15, 12), "vrijdag 15 januari 2027 12:00"),
        (brussels(2027, 7, 15, 12), "donderdag 15 juli 2027 12:00"),
    ],
)
def test_winter_and_summer_deadlines_keep_their_hour(client, deadline, shown):
    call = CallFactory(opens_at=brussels(2026, 12, 1, 9), closes_at=deadline)
    with time_machine.travel(brussels(2026, 12, 10, 9), tick=False):
        html = page(client, call)
    assert shown in html
    assert f'data-countdown="{deadline.isoformat()}"' in html  # offset +01:00 in winter, +02:00 in summer


def test_an_open_call_has_a_countdown_and_a_start_button(client):
    call = CallFactory()
    html = page(client, call)
    assert "data-countdown" in html
    assert f'action="{reverse("applications:start", args=[call.slug])}"' in html


def test_a_closed_call_has_no_start_button_nor_countdown(client, des):
    html = page(client, des)
    assert reverse("applications:start", args=[des.slug]) not in html
    assert "data-countdown" not in html


def test_markdown_in_the_description_is_rendered_and_sanitised(client):
    call = CallFactory(description_nl="## Kop\n\n<script>alert(1)</script> [link](javascript:alert(1)) **vet**")
    html = page(client, call)
    assert "<h2>Kop</h2>" in html and "<strong>vet</strong>" in html
    assert "<script>alert(1)" not in html and 'href="javascript' not in html


def test_an_unpublished_call_is_not_found(client):
    call = CallFactory(published=False)
    assert client.get(reverse("calls:detail", args=[call.slug])).status_code == 404
    assert client.get(reverse("calls:eligibility", args=[call.slug])).status_code == 404


def test_its_manager_may_preview_an_unpublished_call(client, call, manager):
    Call.objects.filter(pk=call.pk).update(published=False)
    client.force_login(manager)
    assert "Voorvertoning" in page(client, call)


def test_home_lists_open_and_upcoming_calls_but_not_closed_ones(client, des):
    open_call = CallFactory(title_nl="Lopende testoproep")
    upcoming = CallFactory(
        title_nl="Komende oproep",
        opens_at=timezone.now() + timedelta(days=3),
        closes_at=timezone.now() + timedelta(days=40),
    )
    CallFactory(title_nl="Verborgen oproep", published=False)
    html = client.get(reverse("calls:home")).content.decode()
    assert open_call.title_nl in html and upcoming.title_nl in html
    assert des.title_nl not in html and "Verborgen oproep" not in html
    assert html.index(open_call.title_nl) < html.index(upcoming.title_nl)


def test_the_list_filters_open_and_closed_calls(client, des):
    open_call = CallFactory(title_nl="Lopende testoproep")
    everything = client.get(reverse("calls:list")).content.decode()
    assert open_call.title_nl in everything and des.title_nl in everything
    only_open = client.get(reverse("calls:list"), {"status": "open"}).content.decode()
    assert open_call.title_nl in only_open and des.title_nl not in only_open
    only_closed = client.get(reverse("calls:list"), {"status": "closed"}).content.decode()
    assert des.title_nl in only_closed and open_call.title_nl not in only_closed


def test_an_unknown_filter_value_is_an_error_not_a_crash(client, des):
    response = client.get(reverse("calls:list"), {"status": "bogus"})
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["calls:home", "calls:list"])
@pytest.mark.parametrize("count", [1, 20])
def test_public_lists_use_a_fixed_number_of_queries(client, django_assert_max_num_queries, url, count):
    for _i in range(count):
        call = CallFactory()
        ObjectiveFactory(call=call)
    with django_assert_max_num_queries(6):  # 3 today; headroom for the shared layout
        response = client.get(reverse(url))
    assert response.status_code == 200
    assert response.content.decode().count("call-card") == count


def test_the_call_page_uses_a_fixed_number_of_queries(client, django_assert_max_num_queries, lb):
    DeadlineChangeFactory(call=lb)
    with django_assert_max_num_queries(12):  # 7 today; headroom for the shared layout
        page(client, lb)


# --- Self-check -----------------------------------------------------------------------------


def test_self_check_explains_why_a_lone_research_institution_is_not_eligible(client, des):
    objective = des.objectives.get(number=1)
    html = page(client, des, "calls:eligibility", lead_kind="research", objectives=objective.pk)
    assert "Nog niet in aanmerking" in html
    assert "Minstens 2 organisaties" in html
    assert "nieuwsmedium" in html.lower() or "news medium" in html


def test_self_check_says_eligible_with_a_news_medium_partner(client, des):
    objective = des.objectives.get(number=3)
    html = page(client, des, "calls:eligibility", lead_kind="research", partners_news_media=1, objectives=objective.pk)
    assert "eligibility-result" in html and "alert-success" in html


def test_self_check_reads_amounts_as_written_in_dutch(client, lb):
    params = dict(lead_kind="municipality", requested_amount="60.001", total_cost="€ 90.000,00")
    html = page(client, lb, "calls:eligibility", **params)
    assert "ten hoogste € 60.000" in html


def test_self_check_keeps_what_was_typed_when_the_input_is_wrong(client, lb):
    html = page(
        client,
        lb,
        "calls:eligibility",
        lead_kind="municipality",
        requested_amount="veel",
        total_cost="1000",
        waiver_motivation="Onze reden",
    )
    assert "error-summary" in html
    assert 'value="veel"' in html and "Onze reden" in html and 'value="1000"' in html
    assert "eligibility-result" not in html


def test_self_check_refuses_a_total_below_the_grant(client, lb):
    html = page(client, lb, "calls:eligibility", lead_kind="municipality", requested_amount="50000", total_cost="40000")
    assert "error-summary" in html


# --- Wording and flow of the seeded calls (issue "faithful calls", point 8) --------------------


@pytest.fixture
def seeded_with_demo(db, settings):
    from calls.seed import seed_calls

    settings.DEBUG = True  # the demo accounts are only ever seeded on a development machine
    return seed_calls(demo=True, allow_without_debug=True)["calls"]


def test_the_self_check_offers_only_the_kinds_that_may_lead(client, seeded_with_demo):
    from calls.seed import LB

    html = client.get(reverse("calls:eligibility", args=[LB])).content.decode()
    start = html.index('name="lead_kind"')
    lead_select = html[start : html.index("</select>", start)]
    assert 'value="municipality"' in lead_select
    assert 'value="news_media"' not in lead_select and 'value="company"' not in lead_select


def test_the_call_pages_say_uiterste_indiendatum_and_never_wordt_gelanceerd(client, seeded_with_demo):
    for call in Call.objects.published():
        html = client.get(reverse("calls:detail", args=[call.slug])).content.decode()
        assert "Uiterste indiendatum" in html, call.slug
        assert "wordt gelanceerd" not in html, call.slug


def test_the_demo_copy_describes_its_own_dates(seeded_with_demo):
    from django.utils import timezone
    from django.utils.formats import date_format

    from calls.seed import LB_DEMO

    demo = Call.objects.get(slug=LB_DEMO)
    deadline = timezone.localtime(demo.closes_at)
    with translation.override("nl"):
        day = date_format(deadline.date(), "j F Y")
    assert f"Dien in vóór {day}" in demo.description_nl
    assert "2021" not in demo.description_nl.replace("2020-2024", "")  # not the real round's dates

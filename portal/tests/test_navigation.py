"""The header offers each role what it may open, asked of the same permissions as the pages
(rules), and the call page offers its main action near the top as well as in the side card."""

import re

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from calls.models import CallRole
from calls.tests.factories import CallFactory, CallRoleFactory

pytestmark = pytest.mark.django_db


def nav_links(client) -> dict[str, str]:
    html = client.get("/").content.decode()
    header = html[html.index('<header class="site-header">') : html.index("</header>")]
    return {
        text.strip(): href
        for href, text in re.findall(
            r'<a class="(?:nav-link|dropdown-item)[^"]*" href="([^"]+)"[^>]*>([^<]+)</a>', header
        )
    }


@pytest.fixture
def call(db):
    return CallFactory()


def test_a_reviewer_gets_review_but_not_manage(client, call):
    reviewer = UserFactory()
    CallRoleFactory(call=call, user=reviewer, role=CallRole.Role.REVIEWER)
    client.force_login(reviewer)
    links = nav_links(client)
    assert links["Beoordelen"] == "/review/"
    assert "Beheren" not in links
    assert "/manage/calls/" not in links.values()


def test_a_call_manager_gets_manage_but_not_review(client, call):
    manager = UserFactory()
    CallRoleFactory(call=call, user=manager, role=CallRole.Role.MANAGER)
    client.force_login(manager)
    links = nav_links(client)
    assert links["Beheren"] == "/manage/calls/"
    assert "Beoordelen" not in links
    assert "Verzoeken tot wissing" not in links


def test_an_applicant_gets_neither(client, applicant):
    client.force_login(applicant)
    links = nav_links(client)
    assert {"Mijn aanvragen", "Mijn organisaties", "Mijn subsidies"} <= set(links)
    assert not {"Beheren", "Beoordelen", "Verzoeken tot wissing"} & set(links)


def test_the_administrator_also_handles_erasure_requests(client, admin_user):
    client.force_login(admin_user)
    links = nav_links(client)
    assert links["Beheren"] == "/manage/calls/"
    assert links["Verzoeken tot wissing"] == reverse("privacy_manage:list")


def test_the_current_section_is_marked(client, applicant):
    client.force_login(applicant)
    html = client.get(reverse("applications:list")).content.decode()
    assert re.search(r'href="/applications/" aria-current="page"', html)


def test_the_call_page_offers_to_start_near_the_top_too(client, call, applicant):
    client.force_login(applicant)
    html = client.get(call.get_absolute_url()).content.decode()
    start = reverse("applications:start", args=[call.slug])
    assert html.count(f'action="{start}"') == 2
    top = html.index("call-actions-top")
    assert top < html.index('id="objectives"')  # before the call's text, for a phone

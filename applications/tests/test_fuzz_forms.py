"""Whatever is typed into the general and budget sections — very long strings, any unicode,
negative and absurd amounts, HTML and script — the answer is never a 500, and what was typed
comes back escaped."""

import pytest
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications.models import Application

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea><script>alert(2)</script>",
    "{{ 7*7 }} {% debug %}",
    "Robert'); DROP TABLE applications_application;--",
    "\u202eevil\u202c",
    "😀" * 50,
]

texts = st.one_of(
    st.text(max_size=400),
    st.sampled_from(PAYLOADS),
    st.builds(lambda s, n: s * n, st.sampled_from(["a", "é", "<b>", "漢"]), st.integers(1, 20000)),
)
amounts = st.one_of(
    st.sampled_from(["-1", "-0.01", "1e999", "NaN", "Infinity", "99999999999999999999", "1,5", "€ 3.000", "0x10", ""]),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=30),
)
dates = st.one_of(st.dates().map(str), st.text(max_size=20), st.sampled_from(["2030-02-30", "31/12/2030", ""]))

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _assert_shown_back_escaped(response, typed: str):
    assert response.status_code in (200, 409), response.status_code
    body = response.content.decode()
    value = typed.strip()
    if value:
        assert escape(value) in body
    assert "<script>alert(" not in body
    assert "<img src=x" not in body


@FUZZ
@given(title=texts, acronym=texts, summary=texts, start=dates, end=dates)
def test_general_section_never_fails_and_shows_back_what_was_typed(
    client, draft, member, title, acronym, summary, start, end
):
    client.force_login(member)
    version = Application.objects.get(pk=draft.pk).version
    data = {
        "version": version,
        "title": title,
        "acronym": acronym,
        "summary": summary,
        "start_date": start,
        "end_date": end,
    }
    url = reverse("applications:section", args=[draft.pk, "general"])
    response = client.post(url, data, follow=True)
    for typed in (title, acronym, summary):
        _assert_shown_back_escaped(response, typed)
    autosave = client.post(reverse("applications:autosave", args=[draft.pk, "general"]), data)
    assert autosave.status_code == 200


@FUZZ
@given(
    description=texts,
    amount=amounts,
    requested=amounts,
    other=amounts,
    own=amounts,
    category=st.sampled_from(["personnel", "overhead", "", "<script>", "x" * 500]),
)
def test_budget_section_never_fails_and_shows_back_what_was_typed(
    client, draft, member, description, amount, requested, other, own, category
):
    client.force_login(member)
    version = Application.objects.get(pk=draft.pk).version
    data = {
        "version": version,
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "100",
        "lines-0-category": category,
        "lines-0-description": description,
        "lines-0-amount": amount,
        "requested_amount": requested,
        "other_funding": other,
        "own_contribution": own,
    }
    url = reverse("applications:section", args=[draft.pk, "budget"])
    response = client.post(url, data, follow=True)
    _assert_shown_back_escaped(response, description)
    autosave = client.post(reverse("applications:autosave", args=[draft.pk, "budget"]), data)
    assert autosave.status_code == 200


@FUZZ
@given(management=st.dictionaries(st.sampled_from(["lines-TOTAL_FORMS", "lines-INITIAL_FORMS", "version"]), texts))
def test_tampered_formset_management_data_never_fails(client, draft, member, management):
    client.force_login(member)
    response = client.post(reverse("applications:section", args=[draft.pk, "budget"]), management)
    assert response.status_code in (200, 302, 409)

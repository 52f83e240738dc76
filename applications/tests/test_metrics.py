"""`/metrics` counts submissions per call, read from the database when scraped."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def submissions(client, slug) -> float:
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert response.status_code == 200
    match = re.search(rf'^oproep_submissions_total{{call="{slug}"}} (\S+)$', response.text, re.M)
    return float(match.group(1)) if match else 0.0


def test_the_submission_counter_moves_after_a_submit(client, complete, member, settings):
    settings.METRICS_TOKEN = "scrape-secret"
    before = submissions(client, complete.call.slug)
    client.force_login(member)

    response = client.post(
        reverse("applications:submit", args=[complete.pk]), {"version": complete.version, "declaration": "on"}
    )

    assert response.status_code == 302
    assert submissions(client, complete.call.slug) == before + 1

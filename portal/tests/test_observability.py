"""What an operator sees without reading logs: `/metrics` for allowed scrapers only, a request
id on every answer, in every log line and on the error page."""

import json
import logging

import pytest
from django.test import override_settings
from django.urls import path

from portal.logs import JsonFormatter, RequestIdFilter
from portal.metrics import ERRORS
from portal.models import Notification

pytestmark = pytest.mark.django_db


def test_metrics_answer_404_to_an_ordinary_request(client, settings):
    settings.METRICS_ALLOWED_IPS, settings.METRICS_TOKEN = ["10.0.0.0/8"], "scrape-secret"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404


def test_metrics_answer_an_allowed_address(client, settings, user):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    Notification.objects.create(email="a@example.org", subject="S", body="B")
    client.get("/calls/")  # measured, so the latency histogram has this view

    response = client.get("/metrics")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.text
    assert 'oproep_outbox_messages{status="pending"} 1.0' in text
    assert 'oproep_request_duration_seconds_count{method="GET",view="calls:list"}' in text
    assert "oproep_celery_queue_length" in text and "oproep_request_errors_total" in text


def test_metrics_answer_a_scraper_with_the_token(client, settings):
    settings.METRICS_ALLOWED_IPS, settings.METRICS_TOKEN = [], "scrape-secret"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").status_code == 200


def test_every_answer_carries_a_request_id_and_keeps_a_sane_one_from_the_proxy(client):
    generated = client.get("/healthz")["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-1234abcd")["X-Request-ID"] == "lb-1234abcd"
    assert client.get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"] != "<script>"


def test_the_log_line_of_a_404_carries_the_request_id(client, caplog):
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/calls/no-such-call/", HTTP_X_REQUEST_ID="req-404-abcdef").status_code == 404
    assert [r.request_id for r in caplog.records if r.name == "django.request"] == ["req-404-abcdef"]


def broken_view(request):
    logging.getLogger("portal.tests").error("about to fail")
    raise RuntimeError("boom")


urlpatterns = [path("broken/", broken_view)]
handler500 = "portal.views.server_error"


@override_settings(ROOT_URLCONF=__name__)
def test_the_error_page_and_the_log_line_show_the_same_request_id(client, settings, caplog):
    client.raise_request_exception = False
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.ERROR):
        response = client.get("/broken/", HTTP_X_REQUEST_ID="req-0123456789")
    assert response.status_code == 500
    assert response["X-Request-ID"] == "req-0123456789"
    assert 'id="request-id">req-0123456789</code>' in response.text
    lines = [JsonFormatter().format(record) for record in caplog.records]
    parsed = [json.loads(line) for line in lines]
    assert {entry["request_id"] for entry in parsed} == {"req-0123456789"}
    assert any(entry["message"] == "about to fail" for entry in parsed)
    assert any("RuntimeError: boom" in entry.get("exception", "") for entry in parsed)  # django.request's line


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_is_counted_for_its_view(client):
    client.raise_request_exception = False
    errors = ERRORS.labels("portal.tests.test_observability.broken_view")
    before = errors._value.get()
    client.get("/broken/")
    assert errors._value.get() == before + 1

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_a_working_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


def test_readyz_reports_a_broken_database(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body == {"status": "error", "checks": {"database": "error"}}


def test_readyz_checks_the_broker_when_one_is_configured(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error")


@pytest.mark.redis
def test_readyz_reports_a_working_broker(client, settings, redis_url):
    settings.REDIS_URL = redis_url
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "ok"


def test_anonymous_readyz_carries_no_host_names(client, settings, monkeypatch, caplog):
    """Driver errors name the database role, host and port and the broker's address: they go to
    the log, never to an anonymous caller."""

    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError(
            'connection to server at "db.internal.example" (10.1.2.3), port 5432 failed: '
            'FATAL: password authentication failed for user "oproep_app"'
        )

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    settings.REDIS_URL = "redis://broker.internal.example:1/0"  # nothing listens on port 1
    with caplog.at_level("ERROR", logger="portal.health"):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "checks": {"database": "error", "broker": "error"}}
    for secret in ("db.internal.example", "10.1.2.3", "5432", "oproep_app", "broker.internal.example"):
        assert secret not in response.content.decode()
    assert "db.internal.example" in caplog.text


def test_every_response_carries_a_permissions_policy(client):
    for path in ("/healthz", "/", "/bestaat-niet/"):
        policy = client.get(path)["Permissions-Policy"]
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert f"{feature}=()" in policy, (path, feature)

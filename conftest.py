"""Project-wide test fixtures and the rules for tests that need real services.

Markers: `postgres`, `redis`, `worker`, `browser` (see pyproject.toml). Outside CI a test whose
service is missing is skipped with a reason; with CI=true it fails instead, so CI can never
pass by skipping what it was meant to prove.
"""

import os
import shutil

import pytest
from django.conf import settings

from accounts.tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytest_plugins = ["portal.testing.browser", "portal.testing.oidc"]

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _redis_answers() -> bool:
    url = getattr(settings, "TEST_REDIS_URL", "")
    if not url:
        return False
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:
        return False
    return True


def pytest_collection_modifyitems(config, items):
    is_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    has_redis = _redis_answers()
    has_chromium = os.path.exists(CHROMIUM)
    missing = {
        "postgres": None if is_postgres else "PostgreSQL is not configured (DATABASE_URL)",
        "redis": None if has_redis else "Redis does not answer at TEST_REDIS_URL",
        "worker": None if has_redis else "a Celery worker needs Redis at TEST_REDIS_URL",
        "browser": None if has_chromium else f"Chromium not found at {CHROMIUM}",
    }
    for item in items:
        for marker, reason in missing.items():
            # In CI nothing is skipped: a missing service makes its tests fail.
            if reason and not IN_CI and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _isolated_private_media(settings, tmp_path):
    """Uploaded files of each test go to their own folder."""
    from django.core.files.storage import storages

    location = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = location
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location, "base_url": None},
        },
    }
    storages._storages.pop("private", None)
    yield
    storages._storages.pop("private", None)
    shutil.rmtree(location, ignore_errors=True)


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def organisation(db):
    return OrganisationFactory()


@pytest.fixture
def applicant(db):
    """A user who owns an organisation (`applicant.organisation`)."""
    membership = MembershipFactory(role="owner")
    membership.user.organisation = membership.organisation
    return membership.user


@pytest.fixture
def admin_user(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def redis_url(worker_id):
    """TEST_REDIS_URL, on a Redis database of its own for each xdist worker: a test that clears
    the Celery queue or starts a worker must not take another test's tasks from it."""
    url = settings.TEST_REDIS_URL
    if not url or worker_id == "master":
        return url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base - int(worker_id.removeprefix('gw'))) % 16}"))


# --- The authorization matrix's numbers, in the summary of every run (with xdist too: the
# workers' reports carry them to the controller as user properties). ------------------------

_matrix_runs: list[dict] = []


def pytest_runtest_logreport(report):
    if report.when == "call":
        _matrix_runs.extend(value for name, value in report.user_properties if name == "authorization_matrix")


def pytest_terminal_summary(terminalreporter):
    if not _matrix_runs:
        return
    roles = len({run["role"] for run in _matrix_runs})
    patterns = max(run["patterns"] for run in _matrix_runs)
    cells = sum(run["cells"] for run in _matrix_runs)
    requests = sum(run["requests"] for run in _matrix_runs)
    allowed = sum(run["allowed"] for run in _matrix_runs)
    seconds = sum(run["seconds"] for run in _matrix_runs)
    terminalreporter.write_sep("-", "authorization matrix")
    terminalreporter.write_line(
        f"{patterns} URL patterns x {roles} roles: {cells} cells ({allowed} allowed), "
        f"{requests} requests in {seconds:.0f} s"
    )

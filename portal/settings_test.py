"""Settings for the test suite: production settings with test-friendly environment defaults.

The database comes from DATABASE_URL (scripts/test.sh points it at PostgreSQL when one
answers). Redis is used only by the tests marked `redis`, through TEST_REDIS_URL; everything
else runs Celery eagerly with a local-memory cache, so tests never share state through Redis.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("DJANGO_CSRF_COOKIE_SECURE", "false")
os.environ.setdefault("DJANGO_STATIC_MANIFEST", "false")
os.environ["REDIS_URL"] = ""
os.environ.setdefault("REQUIRE_STAFF_MFA", "false")

from .settings import *  # noqa: E402,F403
from .settings import VAR_DIR  # noqa: E402

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
PRIVATE_MEDIA_ROOT = VAR_DIR / "test-private" / os.environ.get("PYTEST_XDIST_WORKER", "main")
STORAGES["private"] = {  # noqa: F405
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

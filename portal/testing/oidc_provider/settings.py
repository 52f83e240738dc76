"""A small OpenID provider for the tests of the government login (accounts/oidc.py): Django
with django-oauth-toolkit, OpenID Connect on, RS256 ID tokens signed with a key the test fixture
generates (portal/testing/oidc.py starts it as its own process). Not part of the portal.

The test chooses who logs in and what the provider says about them (acr, mandates, national
register number) on the provider's own login page, and can ask for a bad ID token (tampered
signature, wrong audience, expired, an earlier nonce) to prove the portal refuses it.
"""

import os

BASE = os.environ["OIDC_TEST_PROVIDER_DIR"]
ISSUER = os.environ["OIDC_TEST_PROVIDER_ISSUER"]

DEBUG = False
SECRET_KEY = "test-provider-secret-key"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "portal.testing.oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "portal.testing.oidc_provider.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(BASE, "provider.sqlite3")}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
LOGIN_URL = "/login/"
# The portal runs on the same host (another port) and cookies do not tell ports apart.
SESSION_COOKIE_NAME = "provider_sessionid"
CSRF_COOKIE_NAME = "provider_csrftoken"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

with open(os.path.join(BASE, "rsa.pem")) as key_file:
    _RSA_KEY = key_file.read()

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _RSA_KEY,
    "OIDC_ISS_ENDPOINT": ISSUER,
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "PKCE_REQUIRED": True,
    "OAUTH2_VALIDATOR_CLASS": "portal.testing.oidc_provider.validators.TestValidator",
    "SCOPES": {"openid": "OpenID Connect", "profile": "Profile", "email": "E-mail"},
}

"""Settings for Oproep, read from the environment (see README, "Configuration").

Development defaults are safe and self-contained (SQLite, Celery eager, e-mail to the console).
With DJANGO_DEBUG off the process refuses to start without a secret key and allowed hosts.
"""

from datetime import timedelta
from pathlib import Path

import dj_email_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from environs import Env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = Env()
env.read_env(BASE_DIR / ".env", recurse=False)

DEBUG = env.bool("DJANGO_DEBUG", False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", [])
if DEBUG:
    SECRET_KEY = SECRET_KEY or "insecure-development-key-never-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "modeltranslation",  # before django.contrib.admin
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",  # the government login (accounts/oidc.py)
    "axes",
    "rules.apps.AutodiscoverRulesConfig",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",
    "django_celery_beat",
    "simple_history",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files, never a CDN
    "portal",
    "accounts",
    "calls",
    "applications",
    "reviews",
    "grants",
]

MIDDLEWARE = [
    "portal.logs.RequestIdMiddleware",  # first: every log line and error page carries the id
    "portal.metrics.MetricsMiddleware",
    "portal.middleware.PermissionsPolicyMiddleware",  # every response, static files included
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "accounts.middleware.RequireStaffMFAMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.branding",
            ],
            "builtins": ["portal.templatetags.portal"],
        },
    }
]

# --- Data -------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.dj_db_url("DATABASE_URL", f"sqlite:///{VAR_DIR / 'oproep.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer instead of failing with "database is locked"; take the write lock up
    # front so a read-then-write transaction cannot deadlock against another one.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if not env.bool("DATABASE_JIT", False):
        # PostgreSQL's JIT spends more time compiling the ranking query (about 1.5 s for 10,000
        # applications) than it saves; web queries are better off without it.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Files ------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", VAR_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", VAR_DIR / "media")
# Attachments live in a storage that has no public URL; they are served only through a
# permission-checked view (applications.views.download_attachment).
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", VAR_DIR / "private")
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    _private_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", None),
            "access_key": env.str("AWS_ACCESS_KEY_ID", None),
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", None),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "location": "private",
        },
    }
else:
    _private_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": _private_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("DJANGO_STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
CLAMD_SOCKET = env.str("CLAMD_SOCKET", "")  # virus scanning is skipped when unset

# --- Accounts ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesBackend",  # first, so a locked-out login is refused before checking
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Repeated failed logins are handled by django-axes, keyed on the e-mail address.
ACCOUNT_RATE_LIMITS = {"login_failed": False}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Oproep"
REQUIRE_STAFF_MFA = env.bool("REQUIRE_STAFF_MFA", True)
# E-mails name the portal (PORTAL_NAME); logout also ends a government-login session.
ACCOUNT_ADAPTER = "accounts.oidc.AccountAdapter"

# --- Government login (OpenID Connect; accounts/oidc.py, README "Government login") ----------
# Off unless OIDC_SERVER_URL (the issuer; discovery at <url>/.well-known/openid-configuration)
# and OIDC_CLIENT_ID are set; then a button beside the e-mail login.
OIDC_SERVER_URL = env.str("OIDC_SERVER_URL", "")
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", "")
OIDC_SCOPES = env.list("OIDC_SCOPES", ["openid", "profile", "email"])
OIDC_BUTTON_LABEL = env.str("OIDC_BUTTON_LABEL", "") or _("government login")
# Claim names: the mandates (a list of {"kbo", "role", "name"}), the national register number
# (kept only as a keyed hash) and the level of assurance.
OIDC_CLAIM_MANDATES = env.str("OIDC_CLAIM_MANDATES", "mandates")
OIDC_CLAIM_NATIONAL_REGISTER = env.str("OIDC_CLAIM_NATIONAL_REGISTER", "")
OIDC_CLAIM_ACR = env.str("OIDC_CLAIM_ACR", "acr")
# Mandate roles that make the person an owner of the organisation (others make a member).
OIDC_MANDATE_OWNER_ROLES = env.list("OIDC_MANDATE_OWNER_ROLES", ["legal_representative"])
# `acr` values that count as two-factor for REQUIRE_STAFF_MFA (e.g. substantial,high).
OIDC_ACR_TWO_FACTOR = env.list("OIDC_ACR_TWO_FACTOR", [])
SOCIALACCOUNT_ADAPTER = "accounts.oidc.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # an e-mail account is linked by its owner, never silently
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "provider_class": "accounts.oidc.GovernmentProvider",
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": "government",
                "name": OIDC_BUTTON_LABEL,
                "client_id": OIDC_CLIENT_ID,
                "secret": OIDC_CLIENT_SECRET,
                "settings": {
                    "server_url": OIDC_SERVER_URL,
                    "scope": OIDC_SCOPES,
                    "oauth_pkce_enabled": True,
                    # Every claim we use comes from the verified ID token.
                    "fetch_userinfo": False,
                },
            }
        ]
        if OIDC_SERVER_URL and OIDC_CLIENT_ID
        else [],
    }
}

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", 30))
AXES_USERNAME_FORM_FIELD = "email"
# Lock an e-mail address after repeated failures, and an address that tries many accounts.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", 0)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_CLIENT_IP_CALLABLE = "portal.http.client_ip"

# --- Internationalisation ----------------------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
# The project's catalogue first; then allauth's and Django's own messages re-translated where
# their Dutch says "je" (the portal says "u") or is missing (accounts/voice/, see its README).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "accounts" / "voice" / "locale"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True
MODELTRANSLATION_DEFAULT_LANGUAGE = "nl"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("nl", "en")

# --- E-mail -----------------------------------------------------------------------------
# dj-email-url knows console://, file://, memory://, dummy:// and smtp(s)://; the README's
# consolemail:// (django-environ's spelling) means the same. An unknown scheme must fail loudly:
# without EMAIL_BACKEND Django would silently fall back to SMTP on localhost.
_EMAIL_SCHEME_ALIASES = {"consolemail": "console", "filemail": "file", "memorymail": "memory", "dummymail": "dummy"}
_scheme, _sep, _rest = (env.str("EMAIL_URL", "") or "console://").partition("://")
_email = dj_email_url.parse(f"{_EMAIL_SCHEME_ALIASES.get(_scheme, _scheme)}://{_rest}")
if "EMAIL_BACKEND" not in _email:
    raise ImproperlyConfigured(f"EMAIL_URL has an unknown scheme {_scheme!r}; use smtp://, console://, file://, …")
vars().update(_email)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "Oproep <noreply@oproep.example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SITE_URL = env.str("SITE_URL", "http://127.0.0.1:8000")
# The portal's name in the header, e-mails and PDFs, and the funder it runs for. PORTAL_LOGO is a
# path under static/ (or an https:// address) of the funder's logo; empty shows the name only.
PORTAL_NAME = env.str("PORTAL_NAME", "Oproep")
PORTAL_FUNDER_NAME = env.str("PORTAL_FUNDER_NAME", "Vlaamse overheid")
PORTAL_LOGO = env.str("PORTAL_LOGO", "img/funder-logo.svg")

# --- Celery -----------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must fail fast when the broker is down: the outbox (portal.notifications) keeps
# the message and the beat task re-sends it, so a request never hangs on a dead broker.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 0,
    # A task taken by a worker that died (acks_late) goes back to the queue after this long.
    # It must exceed the longest task (and any countdown); e-mail takes seconds.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", 3600),
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "flush-outbox": {"task": "portal.tasks.flush_outbox", "schedule": 60.0},
    "review-reminders": {"task": "reviews.tasks.send_review_reminders", "schedule": 3600.0},
    # Stored score figures a bulk write left stale (reviews/figures.py); reads are current anyway.
    "refresh-score-figures": {"task": "reviews.tasks.refresh_score_figures", "schedule": 300.0},
    # The privacy statement's retention periods (reviews/retention.py); idempotent, so daily.
    "apply-retention": {"task": "reviews.tasks.apply_retention", "schedule": 24 * 3600.0},
    "grant-acceptances": {"task": "grants.tasks.watch_acceptances", "schedule": 3600.0},
    "grant-report-reminders": {"task": "grants.tasks.send_report_reminders", "schedule": 3600.0},
}
REVIEW_REMINDER_DAYS_BEFORE = env.int("REVIEW_REMINDER_DAYS_BEFORE", 3)
REVIEW_REMINDER_DAYS_AFTER = env.int("REVIEW_REMINDER_DAYS_AFTER", 1)
# The funder's account that pays grants (the debtor of the SEPA credit-transfer export).
GRANTS_DEBTOR_NAME = env.str("GRANTS_DEBTOR_NAME", "Vlaamse overheid (demo)")
GRANTS_DEBTOR_IBAN = env.str("GRANTS_DEBTOR_IBAN", "BE68539007547034")
GRANTS_DEBTOR_BIC = env.str("GRANTS_DEBTOR_BIC", "")

# --- Forms, API -------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Every 404 the same: a hidden object answers as a missing one.
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Oproep API",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Security ---------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the cookie-less meta tag instead
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", True)
    if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
        # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}
if OIDC_SERVER_URL:
    # The login and logout buttons post to us and we redirect to the identity provider; browsers
    # apply form-action to that redirect too.
    from urllib.parse import urlsplit

    _issuer = urlsplit(OIDC_SERVER_URL)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(f"{_issuer.scheme}://{_issuer.netloc}")

# --- Operations -------------------------------------------------------------------------
# /metrics answers only these addresses (or networks), or a request with the bearer token.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", [])
METRICS_TOKEN = env.str("METRICS_TOKEN", "")

# JSON lines in production (one object per line, with the request id); readable text in development.
LOG_FORMAT = env.str("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portal.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "portal.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

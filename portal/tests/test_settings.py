"""Production safety: with debug off the process refuses to start without a secret key or
allowed hosts, and Django's deployment checks pass with a production-like environment.
Each case runs in a fresh interpreter with a clean environment (settings are read at import)."""

import secrets
import subprocess
import sys

from django.conf import settings

SETUP = "import django; django.setup(); print('started')"


def run(args, env_overrides, tmp_path):
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env_overrides,
    }
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_debug_off_without_a_secret_key_refuses_to_start(tmp_path):
    result = run(["-c", SETUP], {"DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "oproep.example.org"}, tmp_path)
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off." in result.stderr


def test_debug_off_without_allowed_hosts_refuses_to_start(tmp_path):
    result = run(["-c", SETUP], {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}, tmp_path)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off." in result.stderr


def test_debug_is_off_unless_asked_for(tmp_path):
    result = run(["-c", SETUP], {}, tmp_path)
    assert result.returncode != 0  # no DJANGO_DEBUG: production rules apply
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_check_deploy_is_clean_with_a_production_environment(tmp_path):
    production = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "oproep.example.org",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "true",
    }
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_is_clean_with_the_government_login_configured(tmp_path):
    production = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "oproep.example.org",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "true",
        "OIDC_SERVER_URL": "https://idp.example.org/realms/oproep",
        "OIDC_CLIENT_ID": "oproep",
        "OIDC_CLIENT_SECRET": secrets.token_urlsafe(30),
        "OIDC_ACR_TWO_FACTOR": "substantial,high",
        "OIDC_CLAIM_NATIONAL_REGISTER": "rrn",
    }
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_when_security_is_switched_off(tmp_path):
    """The check above could not pass by accident: weakening a setting makes it fail."""
    weakened = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "oproep.example.org",
        "DJANGO_SESSION_COOKIE_SECURE": "false",
    }
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], weakened, tmp_path)
    assert result.returncode != 0
    assert "security.W012" in result.stdout + result.stderr


def test_email_goes_to_the_console_by_default_and_to_smtp_by_url(tmp_path):
    show = SETUP + "; from django.conf import settings as s; print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT)"
    default = run(["-c", show], {"DJANGO_DEBUG": "true"}, tmp_path)
    assert "django.core.mail.backends.console.EmailBackend" in default.stdout, default.stderr
    smtp = run(["-c", show], {"DJANGO_DEBUG": "true", "EMAIL_URL": "smtp://mail:1025"}, tmp_path)
    assert "django.core.mail.backends.smtp.EmailBackend mail 1025" in smtp.stdout, smtp.stderr
    typo = run(["-c", show], {"DJANGO_DEBUG": "true", "EMAIL_URL": "smtpp://mail:1025"}, tmp_path)
    assert typo.returncode != 0
    assert "EMAIL_URL has an unknown scheme 'smtpp'" in typo.stderr

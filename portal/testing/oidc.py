"""Fixtures for the government login tests: a REAL OpenID provider as its own process.

`oidc_provider` starts the small provider project of portal/testing/oidc_provider/ (Django with
django-oauth-toolkit, OpenID Connect on) with `runserver` on 127.0.0.1, with a fresh SQLite
database and an RSA key generated here, and registers the live server as its client.
`government_login` configures the portal for it (the settings a deployment puts in the
environment) and returns a `Login` that goes through the whole flow with a `requests.Session`:
the portal's login button, the provider's login page (where the test says who logs in and what
the provider says about them), the callback back into the live server.

The port comes from OIDC_TEST_PROVIDER_PORT (plus the xdist worker's number), else a free one.
"""

from __future__ import annotations

import copy
import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings as django_settings

CLIENT_ID = "oproep-test-client"
CLIENT_SECRET = "oproep-test-secret-0123456789"
PROVIDER_ENV = {"DJANGO_SETTINGS_MODULE": "portal.testing.oidc_provider.settings"}


def _port(worker_id: str) -> int:
    base = int(os.environ.get("OIDC_TEST_PROVIDER_PORT", "0"))
    if base:
        return base + (0 if worker_id == "master" else int(worker_id.removeprefix("gw")))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Provider:
    url: str  # the issuer, e.g. http://127.0.0.1:8140/o
    process: subprocess.Popen
    log: Path


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory, worker_id):
    directory = tmp_path_factory.mktemp("oidc-provider")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (directory / "rsa.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    port = _port(worker_id)
    issuer = f"http://127.0.0.1:{port}/o"
    env = {
        **os.environ,
        **PROVIDER_ENV,
        "OIDC_TEST_PROVIDER_DIR": str(directory),
        "OIDC_TEST_PROVIDER_ISSUER": issuer,
        "PYTHONPATH": str(django_settings.BASE_DIR),
    }
    env.pop("DATABASE_URL", None)
    python = [sys.executable]
    base = django_settings.BASE_DIR
    subprocess.run(
        [*python, "-m", "django", "migrate", "--run-syncdb", "-v", "0"], env=env, cwd=base, check=True, timeout=120
    )
    callback = f"{live_server.url}/accounts/oidc/government/login/callback/"
    subprocess.run(
        [*python, "-m", "portal.testing.oidc_provider.register_client", CLIENT_ID, CLIENT_SECRET, callback,
         f"{live_server.url}/accounts/login/"],
        env=env,
        cwd=base,
        check=True,
        timeout=60,
    )  # fmt: skip
    log = directory / "provider.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [*python, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            cwd=base,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The test OpenID provider did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield Provider(url=issuer, process=process, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def portal_settings(provider: Provider) -> dict:
    """The settings a deployment derives from OIDC_* in the environment (portal/settings.py)."""
    csp = copy.deepcopy(django_settings.CONTENT_SECURITY_POLICY)
    csp["DIRECTIVES"]["form-action"].append(provider.url.removesuffix("/o"))
    return {
        "CONTENT_SECURITY_POLICY": csp,
        "OIDC_SERVER_URL": provider.url,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLAIM_NATIONAL_REGISTER": "rrn",
        "OIDC_ACR_TWO_FACTOR": ["substantial", "high"],
        "SOCIALACCOUNT_PROVIDERS": {
            "openid_connect": {
                **django_settings.SOCIALACCOUNT_PROVIDERS["openid_connect"],
                "APPS": [
                    {
                        "provider_id": "government",
                        "name": "Test government login",
                        "client_id": CLIENT_ID,
                        "secret": CLIENT_SECRET,
                        "settings": {
                            "server_url": provider.url,
                            "scope": ["openid", "profile", "email"],
                            "oauth_pkce_enabled": True,
                            "fetch_userinfo": False,
                        },
                    }
                ],
            }
        },
    }


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Login:
    """Logs in through the provider with a requests.Session, as a browser would."""

    def __init__(self, live_server, provider: Provider):
        self.portal = live_server.url
        self.provider = provider
        self.session = requests.Session()

    def start(self) -> requests.Response:
        """The portal's login button: answers the redirect to the provider's login page."""
        page = self.session.get(f"{self.portal}/accounts/login/", timeout=10)
        token = _CSRF.search(page.text).group(1)
        return self.session.post(
            f"{self.portal}/accounts/oidc/government/login/",
            data={"csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.portal}/accounts/login/"},
            timeout=10,
            allow_redirects=True,
        )

    def at_provider(self, provider_page: requests.Response, *, sub: str, email: str, name: str = "",
                    acr: str = "", mandates=None, national_register_number: str = "", switch: str = "",
                    follow: bool = True) -> requests.Response:  # fmt: skip
        """Fill the provider's login page. With follow=False, the answer is the redirect to the
        portal's callback (to replay it)."""
        assert provider_page.url.startswith(self.provider.url.removesuffix("/o") + "/login/"), provider_page.url
        next_url = re.search(r'name="next" value="([^"]*)"', provider_page.text).group(1).replace("&amp;", "&")
        data = {
            "next": next_url,
            "sub": sub,
            "email": email,
            "name": name,
            "acr": acr,
            "mandates": json.dumps(mandates) if mandates is not None else "",
            "national_register_number": national_register_number,
            "switch": switch,
        }
        base = self.provider.url.removesuffix("/o")
        answer = self.session.post(f"{base}/login/", data=data, timeout=10, allow_redirects=False)
        # The provider's authorize endpoint, then its redirect to our callback.
        answer = self.session.get(base + answer.headers["Location"], timeout=10, allow_redirects=False)
        assert answer.status_code == 302, answer.text[:500]
        if not follow:
            return answer
        return self.session.get(answer.headers["Location"], timeout=30)

    def forget_provider(self) -> None:
        """Log out at the provider (drop its session cookie), so the next login asks again."""
        for cookie in list(self.session.cookies):
            if cookie.name == "provider_sessionid":
                self.session.cookies.clear(cookie.domain, cookie.path, cookie.name)

    def __call__(self, **identity) -> requests.Response:
        return self.at_provider(self.start(), **identity)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(f"{self.portal}{path}", timeout=10, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> requests.Response:
        page = self.get(path)
        token = _CSRF.search(page.text).group(1)
        return self.session.post(
            f"{self.portal}{path}",
            data={"csrfmiddlewaretoken": token, **data},
            headers={"Referer": f"{self.portal}{path}"},
            timeout=10,
            **kwargs,
        )


@pytest.fixture
def government_login(oidc_provider, live_server, settings):
    """The portal configured for the test provider; call it to get a new browser-like session."""
    for name, value in portal_settings(oidc_provider).items():
        setattr(settings, name, value)
    return lambda: Login(live_server, oidc_provider)

"""Screenshots of the portal for the README: `make screenshots` (or `.venv/bin/python scripts/screenshots.py`).

Seeds the demo data into a throw-away SQLite database (nothing of `make run`'s data is touched),
serves the portal with `runserver` on 127.0.0.1, and saves PNGs of the home page, a call's staff
overview (the cockpit), its ranking and a reviewer's scoring page, each at 1366×900 and 390×844,
in docs/screenshots/. Needs Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH).

    --out DIR     where the PNGs go (default docs/screenshots)
    --port N      the port to serve on (default: a free one)
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SIZES = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}
PASSWORD = "oproep-demo"  # calls.seed.DEMO_PASSWORD
# The call whose whole cycle the demo data shows (reviews, ranking, decisions).
CALL = "lokale-besturen-2021"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def wait_for(url: str, seconds: int = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def reviewer_page() -> str:
    """A proposal reviewer1 declared no conflict for and has not scored yet (the demo has one)."""
    import django

    django.setup()
    from reviews.models import Assignment

    cleared = Assignment.objects.cleared().filter(reviewer__email="reviewer1@example.org").order_by("pk")
    assignment = cleared.filter(review__isnull=True).first() or cleared.first()
    return f"/review/applications/{assignment.application_id}/"


def login(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("form.allauth-form [type=submit]").first.click()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    port = args.port or free_port()

    workdir = Path(tempfile.mkdtemp(prefix="oproep-screenshots-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "true",
        "REQUIRE_STAFF_MFA": "false",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "PRIVATE_MEDIA_ROOT": str(workdir / "private"),
        "MEDIA_ROOT": str(workdir / "media"),
        "REDIS_URL": "",
        "EMAIL_URL": "dummy://",
        "SITE_URL": f"http://127.0.0.1:{port}",
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    print(f"Seeding the demo data in {workdir} …")
    manage("migrate", "--noinput", env=env)
    manage("compile_catalogues", env=env)
    manage("seed_calls", "--demo", env=env)
    shots = [
        ("home", None, "/"),
        ("cockpit", "manager@example.org", f"/manage/calls/{CALL}/"),
        ("ranking", "manager@example.org", f"/manage/calls/{CALL}/ranking/"),
        ("review", "reviewer1@example.org", reviewer_page()),
    ]

    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    saved = []
    try:
        wait_for(base + "/healthz")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
            )
            for name, email, path in shots:
                for size, viewport in SIZES.items():
                    context = browser.new_context(
                        base_url=base, viewport=viewport, locale="nl-BE", timezone_id="Europe/Brussels"
                    )
                    page = context.new_page()
                    if email:
                        login(page, email)
                    page.goto(path)
                    page.wait_for_load_state("networkidle")
                    target = out / f"{name}-{size}.png"
                    page.screenshot(path=str(target))
                    saved.append(target)
                    context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    for target in saved:
        print(f"saved {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

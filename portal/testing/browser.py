"""Browser-test fixtures: Playwright's sync API driving Debian's Chromium (never a downloaded one).

Registered for the whole suite by the root conftest (`pytest_plugins`). Use them like this:

    @pytest.mark.browser
    @pytest.mark.django_db(transaction=True)
    def test_something(browser_page):
        browser_page.goto("/")                       # base_url is the live server
        assert browser_page.locator("html").get_attribute("lang") == "nl"
        assert axe_violations(browser_page) == []

`browser_page` fails the test at teardown when the page logged a console error or threw; a test
that expects one clears `browser_page.console_errors` itself.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_JS = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def chromium_browser():
    """One Chromium for the whole session (starting it costs about a second)."""
    # Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
    # database access from it (SynchronousOnlyOperation) in fixtures and assertions.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium_browser, live_server):
    """A fresh browser context (no cookies: Dutch by default) on the live server."""
    context = chromium_browser.new_context(
        base_url=live_server.url, locale="nl-BE", timezone_id="Europe/Brussels", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(f"console: {message.text}") if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.console_errors = errors
    try:
        yield page
    finally:
        context.close()
    if errors:
        pytest.fail("The page reported errors:\n" + "\n".join(errors), pytrace=False)


def login(page, email: str, password: str) -> None:
    """Log in through the allauth form, as a person would; fails if the login page stays."""
    page.goto("/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.locator("form.allauth-form [type=submit]").first.click()
    if "/accounts/login/" in page.url:
        raise AssertionError(f"Logging in as {email} failed: still on {page.url}")


def axe_violations(
    page, tags: list[str] | None = None, impacts: tuple[str, ...] = ("serious", "critical")
) -> list[dict]:
    """Run axe-core on the current page; return the violations of WCAG 2.1 AA rules with a
    serious or critical impact, each as {id, impact, help, targets}.

    The script is evaluated through the DevTools protocol rather than added as a <script>
    element: the portal's Content-Security-Policy (script-src 'self') rightly blocks inline
    scripts, and an injected one would show up as a console error."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => await window.axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        tags or WCAG_21_AA,
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]],
        }
        for violation in result["violations"]
        if violation["impact"] in impacts
    ]

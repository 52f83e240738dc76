"""The API documentation page renders in a real browser: Swagger UI is served from our own
static files (drf-spectacular-sidecar), so neither the CSP nor the absence of a CDN breaks it."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_documentation_renders_without_a_cdn(browser_page):
    page = browser_page
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/docs/")
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.get_by_text("/api/v1/calls/", exact=True).first.is_visible()
    assert all(url.startswith(page.url.split("/api/")[0]) for url in requested), requested

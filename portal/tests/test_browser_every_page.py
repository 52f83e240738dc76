"""Every page a demo role can open, in a real browser: none is wider than the screen (at 1366×900
and on a phone at 390×844), and axe-core finds nothing serious or critical on it (in Dutch and in
English).

The page list is the no-500 crawler's (portal/tests/test_no_server_errors.py): every URL pattern
with its parameters filled from the same seed. Each role's addresses are first fetched with the
test client; of those that answer 200 with HTML, the first of each route is opened in Chromium
(the crawler lists many ids of one route; they share a template). axe-core then runs once per
route over all roles (the first role that reaches it), which keeps the two tests within a few
minutes on a small machine. Each test prints how many pages and roles it covered.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client
from django.urls import get_resolver

from accounts.models import ErasureRequest, User
from accounts.services import invite_member
from calls.seed import seed_calls
from portal.testing.browser import axe_violations
from portal.testing.urls import build
from portal.tests.test_no_server_errors import (
    ROLES,
    Seed,
    _more_states,
    bindings_or_missing,
    representative_applications,
    walk,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

# The elements that stick out, named so a failure says what to fix.
OVERFLOW = """async () => {
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).slice(0, 3).join('.') : '');
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) {
      // Only the outermost offender: its children stick out because it does.
      if (!wide.some((outer) => outer.contains(el))) wide.push(el);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width,
          elements: wide.slice(0, 4).map((el) => name(el) + ' ' + Math.round(el.getBoundingClientRect().right) + 'px')};
}"""


@dataclass
class Page:
    role: str
    route: str  # the URL pattern's name
    url: str


def _seed() -> Seed:
    """The crawler's seed (see test_no_server_errors.seeded), committed for the live server."""
    result = seed_calls(demo=True, allow_without_debug=True)
    users, organisations = result["users"], result["organisations"]
    invitation = invite_member(organisations["gemeente"], email="invited@example.org", by=users["applicant"])
    _more_states(result["calls"], users, organisations)
    return Seed(
        calls=result["calls"],
        users=users,
        organisations=organisations,
        applications=representative_applications(result["calls"], organisations),
        invitation=invitation,
        foreign_ids=[],
        erasure_request=ErasureRequest.objects.create(
            user=User.objects.create_user(email="leaving@example.org", password="x"), reason="Ik stop."
        ),
    )


def _client(role: str, seed: Seed) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(seed.users[role])
    return client


# Not pages: files, exports and machine interfaces (fetching them would only cost time).
NOT_PAGES = re.compile(r"\.(pdf|csv|xlsx|xml|json)$|^api/|^(healthz|readyz|metrics)$|/files?/|download|export")
# role -> [(route name, index of the binding that answered a page)]: the second test reuses what
# the first found (the seed is the same, only its ids differ).
_FOUND: dict[str, list[tuple[str, int]]] = {}


def pages_of(role: str, seed: Seed) -> list[Page]:
    """The first address of each route that answers this role with an HTML page."""
    patterns = {p.name: p for p in walk(get_resolver().url_patterns) if not NOT_PAGES.search(p.route)}
    if role in _FOUND:
        return [
            Page(role, name, build(patterns[name], bindings_or_missing(patterns[name], seed)[index]))
            for name, index in _FOUND[role]
        ]
    client = _client(role, seed)
    found: list[tuple[str, int]] = []
    for name, pattern in patterns.items():
        for index, kwargs in enumerate(bindings_or_missing(pattern, seed)):
            response = client.get(build(pattern, kwargs))
            if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
                found.append((name, index))
                break
    _FOUND[role] = found
    return pages_of(role, seed)


def _context(chromium_browser, live_server, client: Client, language: str):
    context = chromium_browser.new_context(
        base_url=live_server.url, locale="nl-BE", timezone_id="Europe/Brussels", viewport=WIDE
    )
    context.set_default_timeout(15_000)
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    session = client.cookies.get(settings.SESSION_COOKIE_NAME)
    if session is not None:
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session.value, "url": live_server.url})
    context.add_cookies(cookies)
    return context


def test_no_page_is_wider_than_the_screen(chromium_browser, live_server):
    started = time.monotonic()
    seed = _seed()
    print(f"seeded in {time.monotonic() - started:.0f} s")
    wider, visits = [], 0
    for role in ROLES:
        t = time.monotonic()
        pages = pages_of(role, seed)
        print(f"{role}: {len(pages)} pages listed in {time.monotonic() - t:.1f} s")
        assert len(pages) > (5 if role == "anonymous" else 15), (role, [p.url for p in pages])
        context = _context(chromium_browser, live_server, _client(role, seed), "nl")
        page = context.new_page()
        # Loaded on the phone (where JavaScript sizes charts for a small screen), then widened.
        for visit in pages:
            page.set_viewport_size(PHONE)
            page.goto(visit.url)
            visits += 1
            for size in (PHONE, WIDE):
                if size is WIDE:
                    page.set_viewport_size(WIDE)
                if found := page.evaluate(OVERFLOW):
                    wider.append(f"{role} {visit.url} at {size['width']} px: {found}")
        # The staff navigation (the longest) stays on one line on a laptop screen.
        tops = page.eval_on_selector_all(
            "#main-nav .nav-link", "links => links.map(l => Math.round(l.getBoundingClientRect().top))"
        )
        if len(set(tops)) != 1:
            wider.append(f"{role}: the navigation takes more than one line at 1366 px: {tops}")
        context.close()
    print(f"overflow: {visits} pages at 2 widths for {len(ROLES)} roles in {time.monotonic() - started:.0f} s")
    assert wider == [], f"{len(wider)} pages scroll sideways:\n" + "\n".join(wider)


def test_axe_finds_nothing_serious_on_any_page_in_either_language(chromium_browser, live_server):
    started = time.monotonic()
    seed = _seed()
    seen: set[str] = set()
    findings, checked, roles = [], 0, set()
    for role in ROLES:
        pages = [p for p in pages_of(role, seed) if p.route not in seen]
        seen.update(p.route for p in pages)
        if pages:
            roles.add(role)
        for language in ("nl", "en"):
            context = _context(chromium_browser, live_server, _client(role, seed), language)
            page = context.new_page()
            for visit in pages:
                page.goto(visit.url)
                assert page.locator("html").get_attribute("lang") == language
                checked += 1
                for violation in axe_violations(page):
                    findings.append(f"{role} {language} {visit.url}: {violation}")
            context.close()
    print(
        f"axe: {len(seen)} routes, {checked} page checks (nl and en) over {len(roles)} roles "
        f"in {time.monotonic() - started:.0f} s"
    )
    assert len(seen) > 60
    assert findings == [], f"{len(findings)} serious or critical findings:\n" + "\n".join(findings)

"""No URL of the portal answers 500, whoever asks and whatever they send.

A crawler over every URL pattern of `portal.urls` (admin, the API's Swagger page, static files
and allauth's own pages other than login, signup and password reset left out), on the demo data
of `seed_calls(demo=True)` plus, through the services, an incomplete application and published
decisions. Path parameters come from real objects: each call; an application in every state a
page treats differently (draft, submitted, incomplete, in review, awarded) with an attachment, a
required document and a question; the organisations, their memberships and an invitation; the
call roles; every part, section, state, outcome and language; and a non-existent id, a
malformed slug and token, an id too large for the database.

For each role (anonymous, the demo applicant, the media owner, reviewer1, the call manager and
the administrator):
1. every address is fetched, and every form of every page is read (fields, defaults, options,
   submit buttons; a form with hx-post also posts to that address);
2. every address gets an empty POST, and every form that posts to it is sent as a browser sends
   it (with each of its buttons). Once per form of a pattern (by the first role that sees it, on
   its first object) it is also sent: filled in plausibly; with every free text 100k characters
   long, then script, SQL, emoji and right-to-left text; with one non-text field at a time at an
   extreme value that passes its syntax check (20-digit numbers, the year 9999, choices that are
   not offered, ids of other people's objects, another version); with every non-text field
   small or negative; with raw garbage in every field (NUL bytes, `1e309`, `NaN`, `2021-02-30`,
   `31/12/99999`, forged formset counts, an HTML file as a PDF, …); and as HTMX. Each page is
   also fetched once as HTMX and once with hostile query parameters. A POST refused as stale
   (409, an earlier POST saved) is sent again with the form read afresh;
3. the pages are fetched again, showing what the POSTs stored.

Every answer must be below 500 and come within 10 s (behind gunicorn's 30 s timeout a slower one
is a 502 on a busy server). Exceptions propagate from Django's test client (its default) and are
collected, so one run reports every failing request with the exception and the line of the
project's code it came from.

A role's requests share one database (each role starts from the seed) in a fixed order, what
takes away the role's own access (leaving an organisation, withdrawing, submitting, archiving)
last, so a run is repeatable. Each request runs in a savepoint, and its on-commit callbacks
(notifications, tasks) run as they would after a real commit.
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import json
import re
import sys
import time
import traceback
import types
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.test import override_settings
from django.urls import get_resolver, path

from accounts.models import ErasureRequest, Invitation, Membership, User
from accounts.services import invite_member
from applications import services as application_services
from applications.demo import minimal_pdf
from applications.models import Application, Attachment, Status
from applications.views import SECTIONS
from calls.forms import ITEM_FORMS
from calls.models import CallRole, Question, QuestionKind
from calls.seed import seed_calls
from grants import services as grant_services
from grants.models import Grant, PaymentBatch, PaymentOrder
from portal.testing.urls import Pattern, build
from portal.testing.urls import walk as walk_patterns
from reviews import decisions, reconsideration
from reviews.models import Decision, Reconsideration, ReconsiderationAttachment
from reviews.queries import State

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "applicant", "media", "reviewer1", "manager", "admin"]
MISSING = 999999
HUGE_INT = "99999999999999999999999"
MISSING_SLUG = "no-such-call"
MALFORMED = "%3Cscript%3E%F0%9F%98%80"  # <script>😀
BROKEN = "%FF%FEnot-utf8"  # bytes that are no UTF-8 at all

SKIPPED_PREFIXES = ("admin/", "api/docs/", "static/", "media/")
# Of allauth's pages only these are the portal's journeys; its other pages are allauth's own.
ALLAUTH_KEPT = {
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
}
# Logging out in the middle of a role's run would turn the rest of it into anonymous requests.
SKIPPED_NAMES = {"account_logout"}

# Sent last: what takes away the role's own access or ends a stage.
LAST = re.compile(r"remove|delete|withdraw|cancel|archive|unpublish|close|role|submit|publish|decide|grant|apply")
# Each form is also sent with one field at a time at an extreme value, for this many fields.
MAX_FIELDS_ONE_BY_ONE = 12
# A request this slow on a test machine is cut off in production (gunicorn's timeout is 30 s).
SLOW = 10

HUGE_TEXT = "x" * 100_000
SCRIPT = "<script>alert(1)</script>"
SQL = "' OR 1=1 --"
UNICODE = "😀 \u202eevil\u202c مرحبا שלום 漢字"
RAW_VALUES = [
    HUGE_TEXT,
    SCRIPT,
    SQL,
    "nul\x00byte",
    "-1",
    "1e309",
    "99999999999999999999",
    "NaN",
    "2021-02-30",
    "31/12/99999",
    UNICODE,
    str(MISSING),
    "-99999999999999999999.99",
    "Infinity",
    " ",
    "0x10",
    "1,5",
    "2021-13-45T25:61",
]
GENERIC_QUERY = ["page", "q", "sort", "order", "status", "all", "call", "state", "next", "language", "o", "per_page"]
NUMBER_HINTS = re.compile(
    r"amount|score|total|max|min|number|count|percent|share|days|budget|weight|order|version|requested|funding|contribution|points"
)
DATE_HINTS = re.compile(r"date|_at$|closes|opens|deadline|start|end")
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


# --- Reading the forms of a page -------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # input type, "textarea" or "select"
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)
    page: str = ""  # where the form was found


class FormParser(HTMLParser):
    """Collects the forms of a page and the addresses HTMX posts to (hx-post on any element)."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.textarea: Field | None = None
        self.select: Field | None = None
        self.option: tuple[str | None, bool] | None = None

    def _url(self, action: str | None) -> str:
        return urlsplit(urljoin(self.page_url, action or "")).path

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("hx-post") and tag != "form":
            self.forms.append(Form(self._url(attrs["hx-post"]), "post", page=self.page_url))
        if tag == "form":
            self.current = Form(
                self._url(attrs.get("action")), (attrs.get("method") or "get").lower(), page=self.page_url
            )
            self.forms.append(self.current)
            if attrs.get("hx-post"):  # the same fields also go to the HTMX address (autosave)
                self.forms.append(Form(self._url(attrs["hx-post"]), "post", self.current.fields, self.page_url))
            return
        if self.current is None or "name" not in attrs:
            if tag == "option" and self.select is not None:
                self.option = (attrs.get("value"), "selected" in attrs)
                self._option_text = ""
            return
        name = attrs["name"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in {"submit", "button", "reset", "image"}:
                if attrs.get("value") is not None:
                    self.current.fields.append(Field(name, "submit", attrs.get("value") or ""))
                return
            self.current.fields.append(
                Field(name, kind, attrs.get("value") or ("on" if kind == "checkbox" else ""), "checked" in attrs)
            )
        elif tag == "button":
            self.current.fields.append(Field(name, "submit", attrs.get("value") or ""))
        elif tag == "textarea":
            self.textarea = Field(name, "textarea")
            self.current.fields.append(self.textarea)
        elif tag == "select":
            self.select = Field(name, "select-multiple" if "multiple" in attrs else "select")
            self.current.fields.append(self.select)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data
        if self.option is not None:
            self._option_text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "option" and self.option is not None and self.select is not None:
            value, selected = self.option
            value = self._option_text.strip() if value is None else value
            self.select.options.append(value)
            if selected:
                self.select.selected.append(value)
            self.option = None


def forms_of(page_url: str, response) -> list[Form]:
    if "html" not in response.get("Content-Type", ""):
        return []
    parser = FormParser(page_url)
    parser.feed(response.content.decode(errors="replace"))
    return parser.forms


# --- What a browser would send, and what an attacker would --------------------------------------


TEXT_KINDS = {"text", "textarea", "email", "url", "search", "tel", "password"}


def _is_text(f: Field) -> bool:
    name = f.name.lower()
    return f.kind in TEXT_KINDS and not NUMBER_HINTS.search(name) and not DATE_HINTS.search(name)


def browser_data(form: Form, button: Field | None = None) -> dict:
    """What a browser sends for the form as the page shows it (with this submit button)."""
    data: dict[str, list] = {}
    for f in form.fields:
        if f.kind == "submit":
            continue
        if f.kind in {"checkbox", "radio"}:
            if f.checked:
                data.setdefault(f.name, []).append(f.value)
        elif f.kind == "file":
            continue
        elif f.kind.startswith("select"):
            chosen = f.selected or f.options[:1]
            data.setdefault(f.name, []).extend(chosen if f.kind == "select-multiple" else chosen[:1])
        else:
            data.setdefault(f.name, []).append(f.value)
    if button is not None:
        data[button.name] = [button.value]
    return data


def _is_extra_row(form: Form, name: str) -> bool:
    """A field of a formset's empty extra row: filled in, it would add an item of its own."""
    match = re.match(r"^(.+)-(\d+)-", name)
    if not match:
        return False
    initial = next((f.value for f in form.fields if f.name == f"{match[1]}-INITIAL_FORMS"), None)
    return initial is not None and initial.isdigit() and int(match[2]) >= int(initial)


_counter = itertools.count(1)


def plausible_value(f: Field) -> str:
    """What a careful user would type into an empty field: valid, so the other fields' values
    get past the form and reach services."""
    name = f.name.lower()
    today = datetime.date.today()
    if "slug" in name:
        return f"crawl-{next(_counter)}"
    if f.kind == "email" or "email" in name:
        return "reviewer2@example.org"
    if f.kind == "datetime-local" or re.search(r"_at$|closes|opens", name):
        days = 10 if re.search(r"open|start|from", name) else 60
        return f"{today + datetime.timedelta(days=days):%Y-%m-%d}T12:00"
    if f.kind == "date" or DATE_HINTS.search(name):
        days = 10 if re.search(r"start|from", name) else 60
        return f"{today + datetime.timedelta(days=days):%Y-%m-%d}"
    if f.kind == "number" or NUMBER_HINTS.search(name):
        return "1"
    return "Crawler"


def plausible_data(form: Form, button: Field | None = None) -> dict:
    """The form as shown, its empty fields filled in plausibly (an upload gets a small PDF)."""
    data = browser_data(form, button)
    radios = {}
    for f in form.fields:
        if f.kind == "radio":
            radios.setdefault(f.name, f.value)
    for name, value in radios.items():
        data.setdefault(name, [value])
    for f in form.fields:
        if f.kind in {"submit", "checkbox", "radio", "hidden"} or _is_extra_row(form, f.name):
            continue
        if f.kind == "file":
            data[f.name] = [SimpleUploadedFile("plan.pdf", minimal_pdf("Crawler"), "application/pdf")]
        elif f.kind.startswith("select"):
            if not any(data.get(f.name, [])):
                data[f.name] = [next((o for o in f.options if o), "")]
        elif not any(data.get(f.name, [])):
            data[f.name] = [plausible_value(f)]
    return data


def buttons_of(form: Form) -> list[Field | None]:
    """Each distinct submit button (a form with Save and Submit is sent both ways)."""
    buttons = list({(f.name, f.value): f for f in form.fields if f.kind == "submit"}.values())
    return buttons or [None]


def with_texts(form: Form, text: str, upload) -> dict:
    """The form filled in, every free-text field replaced by `text`, every upload by `upload`."""
    data = plausible_data(form, buttons_of(form)[-1])
    for f in form.fields:
        if _is_text(f) and f.name.lower() != "csrfmiddlewaretoken":
            data[f.name] = [("x" * 70_000 + "@example.org") if f.kind == "email" and len(text) > 1000 else text]
        elif f.kind == "file":
            data[f.name] = [upload()]
    return data


def extreme_value(f: Field, big: bool, foreign_ids: list[int]) -> str:
    """An extreme value that passes the field's syntax check, so it reaches services and the database."""
    name = f.name.lower()
    if f.kind.startswith("select") or f.kind == "radio" or (f.kind == "hidden" and name.endswith("id")):
        # Not offered: often the id of someone else's object.
        offered = set(f.options) | {f.value}
        foreign = next((str(i) for i in foreign_ids if str(i) not in offered), str(MISSING))
        return foreign if big else "-1"
    if f.kind == "datetime-local" or re.search(r"_at$|closes|opens", name):
        return "9999-12-31T23:59" if big else "0001-01-01T00:00"
    if f.kind == "date" or DATE_HINTS.search(name):
        return "9999-12-31" if big else "0001-01-01"
    return "99999999999999999999" if big else "-1"


def _field_kinds(form: Form) -> list[Field]:
    """The fields other than free text, one per name across the rows of a formset."""
    seen, kept = set(), []
    for f in form.fields:
        name = f.name.lower()
        if f.kind in {"submit", "file"} or _is_text(f) or name == "csrfmiddlewaretoken":
            continue
        if name.endswith(("-total_forms", "-initial_forms", "-min_num_forms", "-max_num_forms")):
            continue
        key = re.sub(r"-\d+-", "-N-", f.name)
        if key not in seen:
            seen.add(key)
            kept.append(f)
    return kept[:MAX_FIELDS_ONE_BY_ONE]


def one_extreme(form: Form, name: str, foreign_ids: list[int], big: bool = True) -> dict:
    """The form filled in with one non-text field (a number, a date, a choice, a hidden version or
    id) at an extreme value: the others valid, so the extreme value gets past the form."""
    data = plausible_data(form, buttons_of(form)[-1])
    f = next(f for f in form.fields if f.name == name)
    data[name] = [extreme_value(f, big, foreign_ids)]
    return data


def _is_date(f: Field) -> bool:
    return f.kind in {"date", "datetime-local"} or bool(DATE_HINTS.search(f.name.lower()))


def all_small(form: Form, foreign_ids: list[int]) -> dict:
    data = plausible_data(form, buttons_of(form)[-1])
    for f in _field_kinds(form):
        data[f.name] = [extreme_value(f, False, foreign_ids)]
    return data


def all_odd(form: Form) -> dict:
    """Values that are valid but unusual: a zero with an absurd exponent, a leap day, a Brussels
    time that does not exist (the spring DST gap) and one that exists twice (autumn)."""
    data = plausible_data(form, buttons_of(form)[-1])
    for i, f in enumerate(_field_kinds(form)):
        name = f.name.lower()
        if f.kind == "datetime-local" or re.search(r"_at$|closes|opens", name):
            data[f.name] = ["2027-03-28T02:30" if i % 2 else "2027-10-31T02:30"]
        elif f.kind == "date" or DATE_HINTS.search(name):
            data[f.name] = ["2028-02-29"]
        elif f.kind == "number" or NUMBER_HINTS.search(name):
            data[f.name] = ["0E-999999999" if i % 2 else "1e-7"]
    return data


def raw_data(form: Form, offset: int) -> dict:
    """Every field (hidden ones, formset counters and checkboxes too) filled with garbage."""
    data: dict[str, list] = {}
    for i, f in enumerate(form.fields):
        if f.name.lower() == "csrfmiddlewaretoken":
            continue
        if f.kind == "file":
            data[f.name] = [SimpleUploadedFile(SCRIPT + ".pdf", HUGE_TEXT.encode(), "text/html")]
            continue
        data[f.name] = [RAW_VALUES[(i + offset) % len(RAW_VALUES)]]
    return data


def _executable():
    return SimpleUploadedFile("evil.pdf", EXECUTABLE, "application/pdf")


def _empty_file():
    return SimpleUploadedFile("empty.pdf", b"", "application/pdf")


def hostile_query(forms: list[Form], offset: int) -> str:
    names = list(GENERIC_QUERY)
    for form in forms:
        if form.method == "get":
            names.extend(f.name for f in form.fields if f.name not in names)
    values = [RAW_VALUES[(i + offset) % len(RAW_VALUES)] for i in range(len(names))]
    # A 100k query string is cut by servers long before Django; keep addresses plausible.
    values = [v[:2000] for v in values]
    return urlencode(list(zip(names, values, strict=True)))


# --- Every address of the portal, its parameters filled from the seed ---------------------------


def _crawled(route: str, name: str) -> bool:
    if route.startswith(SKIPPED_PREFIXES) or name in SKIPPED_NAMES:
        return False
    return not (route.startswith("accounts/") and name not in ALLAUTH_KEPT)


def walk(patterns) -> list[Pattern]:
    """The patterns the crawler visits (see SKIPPED_PREFIXES and ALLAUTH_KEPT)."""
    return walk_patterns(patterns, keep=_crawled)


@dataclass
class Seed:
    calls: dict
    users: dict
    organisations: dict
    applications: list  # see representative_applications
    invitation: Invitation
    foreign_ids: list[int]
    erasure_request: ErasureRequest | None = None


def representative_applications(calls: dict, organisations: dict) -> list[Application]:
    """One application of each state a page treats differently: the demo applicant's draft, a
    submission, an incomplete one, one in review (the media owner's, reviewer1 is assigned to
    it), and the demo applicant's published award."""
    gemeente = organisations["gemeente"]
    des = calls["desinformatie-demo"].applications.order_by("pk")
    chosen = [
        Application.objects.filter(status=Status.DRAFT, lead_organisation=gemeente).order_by("pk").first(),
        des.filter(status=Status.SUBMITTED).first(),
        des.filter(status=Status.INCOMPLETE).first(),
        des.filter(status=Status.IN_REVIEW, assignments__reviewer__email="reviewer1@example.org").first(),
        Application.objects.filter(status=Status.AWARDED, lead_organisation=gemeente).first(),
    ]
    assert all(chosen), chosen
    return chosen


def _more_states(calls: dict, users: dict, organisations: dict) -> None:
    """What the demo leaves out, through the services: an incomplete application, and in the
    2021 call published decisions (the demo applicant's awarded) beside undecided ones."""
    manager = users["manager"]
    submitted = calls["desinformatie-demo"].applications.filter(status=Status.SUBMITTED)
    application_services.mark_incomplete(
        submitted.exclude(lead_organisation=organisations["media"]).order_by("pk").first(),
        by=manager,
        missing="Het begrotingsformulier ontbreekt.",
    )
    lb = calls["lokale-besturen-2021"]
    in_review = lb.applications.filter(status=Status.IN_REVIEW).order_by("pk")
    own = in_review.get(lead_organisation=organisations["gemeente"])
    decisions.award(own, granted_amount=own.requested_amount, motivation="Sterk project.", by=manager)
    others = list(in_review.exclude(pk=own.pk)[:2])
    decisions.reserve(others[0], by=manager)
    decisions.reject(others[1], motivation="Te weinig bereik.", by=manager)
    decisions.publish(lb, by=manager)
    # The award opened a grant (grants listens to the publication): accepted, its advance
    # proposed by the manager and approved by the administrator, and exported in a batch.
    grant = Grant.objects.get(application=own)
    grant_services.accept(grant, by=users["applicant"], iban="BE68539007547034", account_holder="Gemeente Voorbeeld")
    advance = grant.payment_orders.get()
    grant_services.propose_payment(advance, by=manager)
    grant_services.approve_payment(advance, by=users["admin"])
    grant_services.create_batch(lb, by=manager)
    # A reconsideration with a file (the demo applicant's own award keeps its request form open).
    reconsideration.request(
        others[1],
        by=_member_of(others[1]),
        motivation="Het bereik werd onderschat.",
        uploads=[SimpleUploadedFile("bezwaar.pdf", minimal_pdf("Bezwaar"), content_type="application/pdf")],
    )


def _member_of(application):
    from accounts.models import User

    user = User.objects.create_user(email=f"member-{application.pk}@example.org", password="x")
    Membership.objects.create(organisation=application.lead_organisation, user=user, role=Membership.Role.OWNER)
    return user


def _duplicate_flag(apps):
    """A possible double funding between two submitted applications of one demo call (issue 15)."""
    from reviews.models import DuplicateFlag

    flag = DuplicateFlag.objects.order_by("pk").first()
    if flag is not None:
        return flag
    submitted = [a for a in apps if a.submitted_at is not None]
    this = submitted[0]
    other = Application.objects.filter(call=this.call, submitted_at__isnull=False).exclude(pk=this.pk).first()
    return DuplicateFlag.objects.create(
        application=this,
        other=other,
        similarity=0.5,
        passages=[{"this": this.summary, "other": other.summary, "score": 0.5}],
    )


def bindings(pattern: Pattern, seed: Seed) -> list[dict] | None:
    """The parameter sets a pattern is visited with: real objects, a missing id, a malformed value."""
    params = set(pattern.params)
    namespace = pattern.name.split(":")[0] if ":" in pattern.name else ""
    slugs = list(seed.calls)
    apps = seed.applications
    first_slug = "desinformatie-demo"

    if not params:
        return [{}]
    if namespace in ("grants", "grants_manage") or pattern.name.startswith(("api:grant", "api:payment")):
        return _grant_bindings(pattern, params, first_slug)
    if pattern.name == "account_reset_password_from_key":
        return [{"uidb36": "2", "key": "set-password"}, {"uidb36": "zz", "key": SCRIPT}]
    if params == {"slug"}:
        # A malformed slug does not match the route's converter: one pattern shows that is a 404.
        malformed = [{"slug": MALFORMED}] if pattern.name == "calls:detail" else []
        return [{"slug": s} for s in slugs] + [{"slug": MISSING_SLUG}] + malformed
    if params == {"slug", "part"}:
        return [{"slug": s, "part": p} for s in (first_slug, "lokale-besturen-2021") for p in ITEM_FORMS] + [
            {"slug": first_slug, "part": BROKEN},
            {"slug": MISSING_SLUG, "part": "objectives"},
        ]
    if params == {"slug", "part", "pk"}:
        call = seed.calls[first_slug]
        found = [
            {"slug": first_slug, "part": part, "pk": model.objects.filter(call=call).order_by("pk").first().pk}
            for part, (model, _form, _title) in ITEM_FORMS.items()
            if model.objects.filter(call=call).exists()
        ]
        return found + [
            {"slug": first_slug, "part": "objectives", "pk": MISSING},
            {"slug": first_slug, "part": "x", "pk": 1},
        ]
    if params == {"slug", "outcome", "language"}:
        return [
            {"slug": "lokale-besturen-2021", "outcome": o, "language": lang}
            for o in Decision.Outcome.values
            for lang, _name in settings.LANGUAGES
        ] + [{"slug": "lokale-besturen-2021", "outcome": MALFORMED, "language": BROKEN}]
    if pattern.name.startswith("ranking:reconsideration") or pattern.name == "summary:reconsideration_file":
        return _reconsideration_bindings(pattern, params, first_slug)
    if params == {"slug", "pk", "flag"}:
        flag = _duplicate_flag(apps)
        this = flag.application
        return [
            {"slug": this.call.slug, "pk": this.pk, "flag": flag.pk},
            {"slug": flag.other.call.slug, "pk": flag.other.pk, "flag": flag.pk},
            {"slug": this.call.slug, "pk": this.pk, "flag": MISSING},
        ]
    if params == {"slug", "pk"} and namespace == "manage_calls":
        roles = CallRole.objects.filter(call__slug__in=slugs).order_by("pk")
        return [{"slug": r.call.slug, "pk": r.pk} for r in roles[:2]] + [{"slug": first_slug, "pk": MISSING}]
    if params == {"slug", "pk"}:
        own = [{"slug": a.call.slug, "pk": a.pk} for a in apps]
        other_call = [{"slug": first_slug, "pk": a.pk} for a in apps if a.call.slug != first_slug][:1]
        return own + other_call + [{"slug": first_slug, "pk": MISSING}, {"slug": MISSING_SLUG, "pk": apps[0].pk}]
    if namespace == "privacy_manage" and params == {"pk"}:
        return [{"pk": seed.erasure_request.pk}, {"pk": MISSING}, {"pk": HUGE_INT}]
    if namespace == "accounts":
        organisations = list(seed.organisations.values())
        if params == {"token"}:
            return [{"token": seed.invitation.token}, {"token": MALFORMED}, {"token": BROKEN}, {"token": "x" * 500}]
        if params == {"pk"}:
            return [{"pk": o.pk} for o in organisations] + [{"pk": MISSING}, {"pk": HUGE_INT}]
        if params == {"pk", "invitation_pk"}:
            invitation = seed.invitation
            other = organisations[-1]
            return [
                {"pk": invitation.organisation_id, "invitation_pk": invitation.pk},
                {"pk": other.pk, "invitation_pk": invitation.pk},
                {"pk": invitation.organisation_id, "invitation_pk": MISSING},
            ]
        if params == {"pk", "membership_pk"}:
            found = []
            for organisation in organisations:
                for membership in Membership.objects.filter(organisation=organisation).order_by("pk")[:2]:
                    found.append({"pk": organisation.pk, "membership_pk": membership.pk})
            first = Membership.objects.order_by("pk").first()
            return found + [
                {"pk": organisations[-1].pk, "membership_pk": first.pk},
                {"pk": organisations[0].pk, "membership_pk": MISSING},
            ]
    if params == {"state"}:
        return [{"state": s} for s in State.ORDER] + [{"state": MALFORMED}]
    if params == {"pk"}:
        huge = [{"pk": HUGE_INT}] if pattern.name == "applications:detail" else []
        return [{"pk": a.pk} for a in apps] + [{"pk": MISSING}] + huge
    if params == {"pk", "section"}:
        return [{"pk": a.pk, "section": s} for a in apps for s in SECTIONS] + [
            {"pk": apps[0].pk, "section": BROKEN},
            {"pk": MISSING, "section": "general"},
        ]
    if params == {"pk", "document_pk"}:
        found = []
        for a in apps:
            document = a.call.documents.order_by("pk").first()
            if document:
                found.append({"pk": a.pk, "document_pk": document.pk})
        other = seed.calls["lokale-besturen-2021"].documents.order_by("pk").first()
        return found + [
            {"pk": apps[0].pk, "document_pk": other.pk if other else MISSING},
            {"pk": apps[0].pk, "document_pk": MISSING},
        ]
    if params == {"pk", "question_pk"}:
        found = []
        for a in apps:
            questions = Question.objects.filter(call=a.call).order_by("pk")
            question = questions.filter(kind=QuestionKind.FILE).first() or questions.first()
            if question:
                found.append({"pk": a.pk, "question_pk": question.pk})
        return found + [{"pk": apps[0].pk, "question_pk": MISSING}]
    if params == {"pk", "attachment_pk"}:
        found = []
        for a in apps:
            attachment = Attachment.objects.filter(application=a).order_by("pk").first()
            if attachment:
                found.append({"pk": a.pk, "attachment_pk": attachment.pk})
        any_attachment = Attachment.objects.order_by("pk").first()
        return found + [
            {"pk": apps[0].pk, "attachment_pk": any_attachment.pk},
            {"pk": apps[0].pk, "attachment_pk": MISSING},
        ]
    return None  # test_every_address_of_the_portal_is_crawled names the pattern


def _reconsideration_bindings(pattern: Pattern, params: set, first_slug: str) -> list[dict]:
    asked = Reconsideration.objects.select_related("application__call").order_by("pk").first()
    file = ReconsiderationAttachment.objects.order_by("pk").first()
    slug, pk = asked.application.call.slug, asked.pk
    if params == {"slug", "pk"}:
        return [{"slug": slug, "pk": pk}, {"slug": first_slug, "pk": pk}, {"slug": slug, "pk": MISSING}]
    if params == {"slug", "pk", "file_pk"}:
        return [{"slug": slug, "pk": pk, "file_pk": file.pk}, {"slug": slug, "pk": pk, "file_pk": MISSING}]
    if params == {"pk", "file_pk"}:
        return [{"pk": asked.application_id, "file_pk": file.pk}, {"pk": asked.application_id, "file_pk": MISSING}]
    return None


def _grant_bindings(pattern: Pattern, params: set, first_slug: str) -> list[dict] | None:
    grants = list(Grant.objects.select_related("call").order_by("pk"))
    if params == {"slug"}:
        return [{"slug": slug} for slug in sorted({g.call.slug for g in grants} | {first_slug})] + [
            {"slug": MISSING_SLUG}
        ]
    if pattern.name.startswith("api:payment"):
        return [{"pk": o.pk} for o in PaymentOrder.objects.order_by("pk")] + [{"pk": MISSING}]
    if params == {"pk"}:
        return [{"pk": g.pk} for g in grants] + [{"pk": MISSING}, {"pk": HUGE_INT}]
    if params == {"pk", "kind"}:
        return [{"pk": g.pk, "kind": k} for g in grants for k in ("interim", "final")] + [
            {"pk": grants[0].pk, "kind": MALFORMED},
            {"pk": MISSING, "kind": "final"},
        ]
    if params == {"slug", "pk"}:
        return [{"slug": g.call.slug, "pk": g.pk} for g in grants] + [
            {"slug": first_slug, "pk": grants[0].pk},
            {"slug": first_slug, "pk": MISSING},
        ]
    if params == {"slug", "batch", "fmt"}:
        batches = list(PaymentBatch.objects.select_related("call").order_by("pk"))
        return [
            {"slug": b.call.slug, "batch": b.pk, "fmt": f} for b in batches for f in ("csv", "xlsx", "xml", "pdf")
        ] + [
            {"slug": first_slug, "batch": batches[0].pk, "fmt": "csv"},
            {"slug": batches[0].call.slug, "batch": MISSING, "fmt": "csv"},
        ]
    return None


def bindings_or_missing(pattern: Pattern, seed: Seed) -> list[dict]:
    """A pattern the crawler cannot fill yet is still visited, with ids that do not exist."""
    return bindings(pattern, seed) or [dict.fromkeys(pattern.params, MISSING)]


# --- The seeded data, once per module --------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    location = tmp_path_factory.mktemp("crawler-private")
    private = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": location, "base_url": None},
    }
    with override_settings(PRIVATE_MEDIA_ROOT=location, STORAGES={**settings.STORAGES, "private": private}):
        storages._storages.pop("private", None)
        with django_db_blocker.unblock(), transaction.atomic():
            result = seed_calls(demo=True, allow_without_debug=True)
            users, organisations = result["users"], result["organisations"]
            invitation = invite_member(organisations["gemeente"], email="invited@example.org", by=users["applicant"])
            _more_states(result["calls"], users, organisations)
            foreign_ids = sorted(
                {o.pk for o in organisations.values()}
                | {u.pk for u in users.values()}
                | set(Application.objects.values_list("pk", flat=True)[:5])
            )
            seed = Seed(
                calls=result["calls"],
                users=users,
                organisations=organisations,
                applications=representative_applications(result["calls"], organisations),
                invitation=invitation,
                foreign_ids=foreign_ids,
                # A pending erasure request of someone who only looked around (issue 16).
                erasure_request=ErasureRequest.objects.create(
                    user=User.objects.create_user(email="leaving@example.org", password="x"), reason="Ik stop."
                ),
            )
            yield seed, private
            transaction.set_rollback(True)
    storages._storages.pop("private", None)


@pytest.fixture
def seed(seeded, settings):
    """The seed's uploaded files, where the per-test private storage would not find them."""
    seed, private = seeded
    settings.PRIVATE_MEDIA_ROOT = Path(private["OPTIONS"]["location"])
    settings.STORAGES = {**settings.STORAGES, "private": private}
    storages._storages.pop("private", None)
    yield seed
    storages._storages.pop("private", None)


# --- The crawl ----------------------------------------------------------------------------------


def _where(error: BaseException) -> str:
    """The deepest frame of the project's own code, so the report points at the line to fix."""
    root = str(Path(settings.BASE_DIR))
    frames = [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if f.filename.startswith(root) and "/.venv/" not in f.filename and "/tests/" not in f.filename
    ]
    frame = frames[-1] if frames else traceback.extract_tb(error.__traceback__)[-1]
    return f"{Path(frame.filename).relative_to(root) if frame.filename.startswith(root) else frame.filename}:{frame.lineno}"


class Crawler:
    def __init__(self, client, role, django_capture_on_commit_callbacks):
        self.client = client
        self.role = role
        self.capture = django_capture_on_commit_callbacks
        self.failures: list[str] = []
        self.requests = 0
        self.statuses: Counter[int] = Counter()

    def send(self, method: str, url: str, kind: str, data=None, htmx=False, content_type=None):
        self.requests += 1
        headers = {"HX-Request": "true"} if htmx else {}
        started = time.monotonic()
        try:
            # A savepoint per request: a database error inside a view must not poison the
            # requests after it. on_commit callbacks (notifications, tasks) run as they would.
            with self.capture(execute=True), transaction.atomic():
                if method == "GET":
                    response = self.client.get(url, headers=headers)
                elif method != "POST":
                    response = self.client.generic(method, url, data, headers=headers)
                elif content_type:
                    response = self.client.post(url, data, content_type=content_type, headers=headers)
                else:
                    response = self.client.post(url, data or {}, headers=headers)
        except Exception as error:  # noqa: BLE001 - every failure is collected and reported
            message = str(error).replace("\n", " ")[:300]
            self.failures.append(
                f"{self._label(method, url, kind, htmx)} {type(error).__name__} at {_where(error)}: {message}"
            )
            return None
        label = self._label(method, url, kind, htmx)
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.failures.append(f"{label} answered {response.status_code}")
        seconds = time.monotonic() - started
        if seconds > SLOW:
            self.failures.append(f"{label} took {seconds:.0f} s: behind gunicorn's 30 s timeout that is a 502")
        return response

    def _label(self, method, url, kind, htmx) -> str:
        shown = url if len(url) <= 200 else url[:200] + "…"
        return f"{self.role} {method} {shown} [{kind}{', htmx' if htmx else ''}]"

    def post(self, url: str, kind: str, form: Form, make, htmx: bool = False):
        """POST what `make(form)` builds; when the answer is a conflict (the page's version went
        stale because an earlier POST saved), read the form afresh and send it once more."""
        response = self.send("POST", url, kind, make(form), htmx=htmx)
        if response is not None and response.status_code == 409 and form.page:
            page = self.send("GET", form.page, "the form afresh")
            fresh = next(
                (
                    f
                    for f in (forms_of(form.page, page) if page is not None and page.status_code == 200 else [])
                    if f.action == form.action and _signature(f) == _signature(form)
                ),
                None,
            )
            if fresh is not None:
                response = self.send("POST", url, f"{kind}, afresh", make(fresh), htmx=htmx)
        return response


def crawl(client, role: str, seed: Seed, capture, done: set) -> Crawler:
    crawler = Crawler(client, role, capture)
    if role != "anonymous":
        client.force_login(seed.users[role])
    urls: list[tuple[Pattern, str]] = []
    for pattern in walk(get_resolver().url_patterns):
        for kwargs in bindings_or_missing(pattern, seed):
            urls.append((pattern, build(pattern, kwargs)))

    # 1. Fetch every address and read every form on every page.
    posts_to: dict[str, list[Form]] = {}
    pages: dict[str, list[Form]] = {}
    status: dict[str, int | None] = {}
    for _pattern, url in urls:
        response = crawler.send("GET", url, "plain")
        status[url] = response.status_code if response is not None else None
        if response is not None and response.status_code == 200 and "html" in response.get("Content-Type", ""):
            pages[url] = forms_of(url, response)
            for form in pages[url]:
                if form.method == "post":
                    posts_to.setdefault(form.action, []).append(form)

    ids = seed.foreign_ids

    # 2. Send each address what a browser and an attacker would. What removes the role's own
    # access (leaving an organisation, withdrawing, submitting, archiving) goes last.
    for offset, (pattern, url) in enumerate(sorted(urls, key=lambda u: bool(LAST.search(u[0].name)))):
        if url in pages and (pattern.name, "get") not in done:
            # How a page reads its query and answers HTMX seldom depends on the object shown.
            done.add((pattern.name, "get"))
            crawler.send("GET", url, "htmx", htmx=True)
            crawler.send("GET", f"{url}?{hostile_query(pages[url], offset)}", "hostile query")
        if status[url] == 200 and (pattern.name, "methods") not in done:
            # Other methods: a function view that only asks "is it a POST?" treats them as a GET.
            done.add((pattern.name, "methods"))
            for method in ("PUT", "DELETE", "OPTIONS"):
                crawler.send(method, url, "no body", "")
        # An empty POST (a view reading a field that is not there) once per pattern where the page
        # answers; to every object where it does not (is the refusal the same for a POST?).
        empty = None
        if status[url] != 200 or (pattern.name, "empty") not in done:
            done.add((pattern.name, "empty"))
            empty = crawler.send("POST", url, "empty")
        forms = _distinct(posts_to.get(urlsplit(url).path, []))
        for form in forms:
            for button in buttons_of(form):
                crawler.post(url, "as a browser sends it", form, partial(browser_data, button=button))
            if (pattern.name, _signature(form)) in done:
                continue
            # The values of every type, once per form of a pattern: its first object.
            done.add((pattern.name, _signature(form)))
            crawler.post(url, "as a browser sends it", form, partial(browser_data, button=buttons_of(form)[-1]), True)
            for button in buttons_of(form):
                crawler.post(url, "filled in", form, partial(plausible_data, button=button))
            crawler.post(url, "100k texts", form, partial(with_texts, text=HUGE_TEXT, upload=_executable))
            markup = partial(with_texts, text=SCRIPT + SQL + UNICODE, upload=_empty_file)
            crawler.post(url, "markup texts", form, markup)
            for f in _field_kinds(form):
                crawler.post(url, f"extreme {f.name}", form, partial(one_extreme, name=f.name, foreign_ids=ids))
                if _is_date(f):  # the year 1 too: in Brussels time it is the year 0 in UTC
                    extreme = partial(one_extreme, name=f.name, foreign_ids=ids, big=False)
                    crawler.post(url, f"earliest {f.name}", form, extreme)
            crawler.post(url, "small and negative values", form, partial(all_small, foreign_ids=ids))
            crawler.post(url, "odd values", form, all_odd)
            crawler.post(url, "garbage", form, partial(raw_data, offset=offset))
        if (
            pattern.name.startswith("api:")
            and (pattern.name, "json") not in done
            and empty is not None
            and empty.status_code != 405
        ):
            done.add((pattern.name, "json"))
            body = json.dumps({f.name: RAW_VALUES[i % len(RAW_VALUES)] for i, f in enumerate(_api_fields())})
            crawler.send("POST", url, "JSON garbage", body, content_type="application/json")
            crawler.send("POST", url, "broken JSON", '{"version": [', content_type="application/json")
        # Garbage where the empty POST was refused (not found, no POST at all) changes nothing.
        refused = empty is None or empty.status_code in (404, 405)
        if not forms and not refused:
            generic = Form(url, "post", [Field(n, "text") for n in GENERIC_QUERY])
            crawler.send("POST", url, "garbage", raw_data(generic, offset))

    # 3. What the POSTs stored (huge texts and amounts, far dates) is shown again, on the first
    # object of each pattern: the one the typed values were sent to.
    shown = set()
    for pattern, url in urls:
        if status[url] == 200 and pattern.name not in shown:
            shown.add(pattern.name)
            crawler.send("GET", url, "after the POSTs")
    return crawler


def _api_fields() -> list[Field]:
    names = ["version", "title", "summary", "requested_amount", "status", "organisation", "call", "amount", "id"]
    return [Field(name, "text") for name in names]


def _signature(form: Form) -> tuple:
    return tuple(sorted({re.sub(r"-\d+-", "-N-", f.name) for f in form.fields}))


def _distinct(forms: list[Form]) -> list[Form]:
    """One form per set of field names (a list page repeats the same button form per row)."""
    seen, kept = set(), []
    for form in forms:
        key = _signature(form)
        if key not in seen:
            seen.add(key)
            kept.append(form)
    return kept[:4]


@pytest.fixture(scope="module")
def sent_once():
    """What is sent once per pattern in a run (the typed values of a form, an HTMX GET, a hostile
    query), by the first role that sees the page: the roles' tests share it."""
    return set()


@pytest.mark.parametrize("role", ROLES)
def test_no_address_answers_a_server_error(client, seed, role, django_capture_on_commit_callbacks, sent_once):
    started = time.monotonic()
    crawler = crawl(client, role, seed, django_capture_on_commit_callbacks, sent_once)
    elapsed = time.monotonic() - started
    print(f"{role}: {crawler.requests} requests in {elapsed:.1f} s, {dict(sorted(crawler.statuses.items()))}")
    # A crawl that only met login pages and 404s would prove nothing.
    assert crawler.requests > 500
    assert crawler.statuses[200] > (20 if role == "anonymous" else 50), crawler.statuses
    assert not crawler.failures, f"{len(crawler.failures)} of {crawler.requests} requests failed:\n" + "\n".join(
        crawler.failures
    )


def test_every_address_of_the_portal_is_crawled(seed):
    """A new URL pattern is crawled without anyone remembering to add it; one whose parameters
    the crawler cannot fill from the seed is named here (and crawled with missing ids meanwhile)."""
    patterns = walk(get_resolver().url_patterns)
    names = {p.name for p in patterns}
    assert {"applications:section", "ranking:decide", "manage_calls:edit_part", "accounts:change_role"} <= names
    assert {"account_login", "account_signup", "account_reset_password", "api:call-list"} <= names
    assert not any(name.startswith("admin:") or name == "account_logout" for name in names)
    assert [p.name for p in patterns if bindings(p, seed) is None] == []


def _reads_a_missing_field(request):
    if request.method == "POST":
        request.POST["amount"]  # a KeyError (MultiValueDictKeyError) when the field is not sent
    return HttpResponse('<form method="post"><input name="amount" value="1"></form>')


def test_the_crawler_reports_every_failure_with_where_it_happened(client, seed, settings, monkeypatch):
    """The crawler can fail: a view that raises and one that answers 503 are both reported."""
    urls = types.ModuleType("crawler_broken_urls")
    urls.urlpatterns = [
        path("reads/", _reads_a_missing_field, name="reads"),
        path("unavailable/", lambda request: HttpResponse(status=503), name="unavailable"),
    ]
    monkeypatch.setitem(sys.modules, urls.__name__, urls)
    settings.ROOT_URLCONF = urls.__name__
    crawler = crawl(client, "anonymous", seed, lambda **kwargs: contextlib.nullcontext(), set())
    failures = "\n".join(crawler.failures)
    assert "anonymous POST /reads/ [empty] MultiValueDictKeyError at " in failures
    assert "anonymous POST /reads/ [as a browser sends it]" not in failures
    assert "anonymous GET /unavailable/ [plain] answered 503" in failures

"""The authorization matrix: every URL pattern the resolver knows (pages, API, admin, allauth),
requested by every role of DESIGN §5 with the ids and slugs of objects the role may reach and of
objects it must not, each answer checked against ONE table written from the design.

The world (portal/testing/authz.py) has two organisations, two calls, managers of each and of
both, reviewers in every state of the conflict-of-interest gate (and one taken out of the pool),
an applicant owner and member, an administrator without organisation, and applications in every
state that matters (draft, submitted, in review, decided unpublished, published) with
attachments, messages and reviews. Everything anyone wrote carries a marker (MARK-…).

How a cell is read:
- `TABLE[family]["allow"][role]` lists the objects the role may reach through the patterns of
  that family; every other object is denied. `either` lists cells the design leaves open (not
  asserted, markers still checked).
- Allowed: an answer that is no refusal (any status below 500 but 404, 401/403, 405 and a
  redirect to a login or two-factor page). Refused: anonymous visitors are sent to the login page
  (401 on the API; 404 on public pages for objects that do not exist); signed-in users get 404
  (or 405 when the route does not take the method: that says nothing about the object); in the
  admin site a non-staff user is sent to the admin login.
- REQUIRE_STAFF_MFA is on, as in production. Staff roles have TOTP; `manager_c1_no_totp` and
  `reviewer_cleared_no_totp` (a manager of c1 and a cleared reviewer of A.review) have not: on
  every family marked `content` they must be refused (two-factor redirect, 403 or 404) whatever
  their base role may reach; elsewhere they are their base role.
- Every answer is searched for markers: a refused one carries none (but the user's own name); any
  answer carries none of the objects the role may not see (`visible_markers`).
- Cross-cell rules: the applicant gets the same answers for a decided-unpublished application as
  for one in review (rule 4); the API answers a hidden object exactly as a missing one (rule 5);
  nobody approves a payment order they proposed (rule 6).

A URL pattern that is not in `FAMILY` (or that `bindings` cannot fill) fails the test, so a new
route is added to the table by whoever adds it. Run alone:

    pytest -p no:cacheprovider -n 0 portal/tests/test_authorization_matrix.py
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import storages
from django.db import transaction
from django.test import Client, override_settings
from django.urls import get_resolver, reverse

from applications.models import Application
from portal.testing import authz
from portal.testing.authz import (
    APPLICATIONS,
    DRAFTS,
    MISSING,
    MISSING_SLUG,
    PROPOSED_BY,
    PUBLISHED,
    REVIEWERS_OF_A_REVIEW,
    ROLES,
    WITHOUT_TOTP,
    World,
    marker,
)
from portal.testing.urls import Pattern, build, walk
from reviews.queries import State

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("authorization-matrix")]

# --- The table -----------------------------------------------------------------------------------

EVERYONE = set(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
APPS = set(APPLICATIONS)
ORG_A = {k for k in APPS if k.startswith("A.")}
SUBMITTED = APPS - DRAFTS
C1 = {k for k, v in APPLICATIONS.items() if v[1] == "c1"}
C2 = {k for k, v in APPLICATIONS.items() if v[1] == "c2"}
CALLS = {"c1", "c2"}
NONE = "-"  # the key of a pattern without object
APPLICANTS = {"member_a", "owner_a"}
BASE_ROLE = {"manager_c1_no_totp": "manager_c1", "reviewer_cleared_no_totp": "reviewer_cleared"}


# What exists after a published award (portal/testing/authz.py): the grant, its payment orders and
# the reconsideration, keyed by the application (orders by "<application>:<state>").
GRANTED = {"A.published", "B2.published"}
ORDERS = set(PROPOSED_BY)
ORDERS_C1 = {k for k in ORDERS if k.startswith("A.")}
ORDERS_C2 = ORDERS - ORDERS_C1
# Staff of a call per DESIGN §5 ("own calls"; admins all), for objects keyed by application.
STAFF_OF_PUBLISHED = {
    "manager_c1": {"A.published"},
    "manager_c1_no_totp": {"A.published"},
    "manager_c2": {"B2.published"},
    "manager_both": GRANTED,
    "admin": GRANTED,
}


def _all(keys):
    return dict.fromkeys(EVERYONE, set(keys))


TABLE: dict[str, dict] = {
    # Public pages (DESIGN §6): /, /calls/, a call, its eligibility check, funded projects, and
    # the API's public calls. An object that does not exist is a 404 for everyone.
    "public": {"public": True, "allow": _all({NONE})},
    "public_call": {"public": True, "allow": _all(CALLS)},
    # The signed-in user's own lists and account pages: nothing of anyone else.
    "signed_in": {"allow": dict.fromkeys(SIGNED_IN, {NONE})},
    "start": {"allow": dict.fromkeys(SIGNED_IN, CALLS)},
    # allauth's pages and the admin login concern only the visitor's own account.
    "self": {"either": _all({NONE, "key"})},
    # The reviewer's dashboard lists proposals (an empty one for whoever reviews nothing).
    "reviewer_home": {"content": True, "allow": dict.fromkeys(SIGNED_IN, {NONE})},
    # Staff pages of calls: managers of their own calls, administrators all (§5 "manage calls").
    "management_home": {
        "content": True,
        "allow": dict.fromkeys(["manager_c1", "manager_c2", "manager_both", "admin", "manager_c1_no_totp"], {NONE}),
    },
    "call_create": {"content": True, "allow": {"admin": {NONE}}},
    "call_management": {
        "content": True,
        "allow": {
            "manager_c1": {"c1"},
            "manager_c1_no_totp": {"c1"},
            "manager_c2": {"c2"},
            "manager_both": CALLS,
            "admin": CALLS,
        },
    },
    # See an application (§5): the lead organisation's members, always; managers of its call and
    # administrators once submitted (drafts are the applicant's alone, rule 3); a reviewer after
    # declaring no conflict while still in the call's pool (rule 1).
    "application_view": {
        "content": True,
        "allow": {
            "member_a": ORG_A,
            "owner_a": ORG_A,
            "manager_c1": C1 & SUBMITTED,
            "manager_c1_no_totp": C1 & SUBMITTED,
            "manager_c2": C2 & SUBMITTED,
            "manager_both": SUBMITTED,
            "admin": SUBMITTED,
            "reviewer_cleared": {"A.review"},
            "reviewer_cleared_no_totp": {"A.review"},
        },
    },
    # The receipt exists once an application was submitted.
    "application_receipt": {
        "content": True,
        "allow": {
            "member_a": ORG_A & SUBMITTED,
            "owner_a": ORG_A & SUBMITTED,
            "manager_c1": C1 & SUBMITTED,
            "manager_c1_no_totp": C1 & SUBMITTED,
            "manager_c2": C2 & SUBMITTED,
            "manager_both": SUBMITTED,
            "admin": SUBMITTED,
            "reviewer_cleared": {"A.review"},
            "reviewer_cleared_no_totp": {"A.review"},
        },
    },
    # The thread between staff and the applicant (§3): reviewers take no part.
    "application_messages": {
        "content": True,
        "allow": {
            "member_a": ORG_A,
            "owner_a": ORG_A,
            "manager_c1": C1 & SUBMITTED,
            "manager_c1_no_totp": C1 & SUBMITTED,
            "manager_c2": C2 & SUBMITTED,
            "manager_both": SUBMITTED,
            "admin": SUBMITTED,
        },
    },
    # Create, edit, submit, withdraw (§5): the organisation's members only. An administrator acts
    # as staff, never as a member of an organisation they do not belong to (rule 6).
    "application_edit": {"content": True, "allow": {"member_a": ORG_A, "owner_a": ORG_A}},
    # Admissibility, assignment, messages, consensus, grant and decision: own calls, submitted.
    "application_management": {
        "content": True,
        "allow": {
            "manager_c1": C1 & SUBMITTED,
            "manager_c1_no_totp": C1 & SUBMITTED,
            "manager_c2": C2 & SUBMITTED,
            "manager_both": SUBMITTED,
            "admin": SUBMITTED,
        },
    },
    # The review form: a cleared reviewer in the pool. An administrator may read a submitted
    # proposal anywhere; whether through the reviewer's page the design does not say.
    "review": {
        "content": True,
        "allow": {"reviewer_cleared": {"A.review"}, "reviewer_cleared_no_totp": {"A.review"}},
        "either": {"admin": SUBMITTED},
    },
    # The conflict-of-interest gate: assigned reviewers who have not declared a conflict (a
    # cleared one is sent on to the proposal).
    "declare": {
        "content": True,
        "allow": {
            "reviewer_cleared": {"A.review"},
            "reviewer_cleared_no_totp": {"A.review"},
            "reviewer_undeclared": {"A.review"},
        },
    },
    # The evaluation summary and decision letter: the lead organisation, once published (rule 4).
    "evaluation": {"content": True, "allow": {"member_a": {"A.published"}, "owner_a": {"A.published"}}},
    # Deleting a draft (§5 "create, edit … own organisation's application"): the organisation's
    # members, and only a draft that was never submitted (a submitted one keeps its reference).
    "application_delete": {"content": True, "allow": {"member_a": {"A.draft"}, "owner_a": {"A.draft"}}},
    # Asking a reconsideration of a published decision, and the files sent with it: the lead
    # organisation, once published (as the evaluation).
    "reconsideration_request": {"content": True, "allow": {"member_a": {"A.published"}, "owner_a": {"A.published"}}},
    # Answering it: staff of the call (managers of their own calls, administrators all).
    "reconsideration_staff": {"content": True, "allow": STAFF_OF_PUBLISHED},
    # See and act on a grant (§5): members of the beneficiary, call managers of own calls,
    # administrators all; reviewers never.
    "grant_view": {
        "content": True,
        "allow": {"member_a": {"A.published"}, "owner_a": {"A.published"}, **STAFF_OF_PUBLISHED},
    },
    # The beneficiary's report form: members report (§5). Staff assess the report on their own
    # page; whether they may open the beneficiary's form the design does not say.
    "grant_report": {
        "content": True,
        "allow": {"member_a": {"A.published"}, "owner_a": {"A.published"}},
        "either": STAFF_OF_PUBLISHED,
    },
    # The grant file on the staff side of a call.
    "grant_staff": {"content": True, "allow": STAFF_OF_PUBLISHED},
    # The grants API's list: anyone signed in (their own); staff data needs two-factor.
    "grant_list_api": {"content": True, "allow": dict.fromkeys(SIGNED_IN, {NONE})},
    # Propose / approve a payment (§5): call managers of own calls, administrators all. Never
    # approving what one proposed is checked across cells (rule 6).
    "payment": {
        "content": True,
        "allow": {
            "manager_c1": ORDERS_C1,
            "manager_c1_no_totp": ORDERS_C1,
            "manager_c2": ORDERS_C2,
            "manager_both": ORDERS,
            "admin": ORDERS,
        },
    },
    # Organisation pages are the members' (rule 6: not the administrator's).
    "organisation": {"allow": {"member_a": {"A"}, "owner_a": {"A"}}},
    "organisation_owner": {"allow": {"owner_a": {"A", "A.member", "A.owner"}}},
    # Owners remove members; anyone may leave.
    "membership_leave": {"allow": {"owner_a": {"A.member", "A.owner"}, "member_a": {"A.member"}}},
    # The token is the secret; a holder who is not the invitee learns nothing (markers).
    "invitation": {"either": dict.fromkeys(SIGNED_IN, {"B"})},
    # The Django admin: staff only. Drafts are not the administrator's (rule 3).
    "admin_site": {"admin": True, "content": True, "allow": {"admin": {NONE}}},
    "admin_application": {"admin": True, "content": True, "allow": {"admin": SUBMITTED}},
    # Applications are never deleted through the admin (applications/admin.py): a 403 is fine.
    "admin_application_delete": {"admin": True, "content": True, "either": {"admin": SUBMITTED}},
    # /metrics exists only for the configured scrapers (none here): a 404 for everyone (issue 16).
    "metrics": {"public": True, "allow": {}, "nobody": True},
    # Erasure requests (issue 16): administrators see and handle them; nobody else learns of them.
    # Requests name a person and what the portal holds of them: behind two-factor like proposals.
    "erasure_requests": {"content": True, "allow": {"admin": {NONE, "R"}}},
    # The admin's "no such page" for any address under /admin/ it does not know.
    "admin_catch_all": {"admin": True, "content": True, "either": {"admin": {NONE}}},
}

# Where each URL pattern belongs. A pattern missing here fails test_every_url_pattern_is_in_the_matrix.
FAMILY = {
    **dict.fromkeys(
        [
            "calls:home",
            "calls:list",
            "funded:list",
            "funded:csv",
            "healthz",
            "readyz",
            "privacy",
            "accessibility",
            "set_language",
            "api:call-list",
            "api-schema",
            "api-docs",
        ],
        "public",
    ),
    **dict.fromkeys(["calls:detail", "calls:eligibility", "api:call-detail", "api:call-eligibility"], "public_call"),
    **dict.fromkeys(
        [
            "applications:list",
            "grants:list",
            "accounts:organisations",
            "accounts:create",
            "accounts:notifications",
            "api:application-list",
            "privacy:mine",
            "privacy:export",
        ],
        "signed_in",
    ),
    "metrics": "metrics",
    **dict.fromkeys(["privacy_manage:list", "privacy_manage:handle"], "erasure_requests"),
    "applications:start": "start",
    # review:expertise is the signed-in user's own expertise profile (issue 15).
    **dict.fromkeys(["review:dashboard", "review:list", "review:expertise"], "reviewer_home"),
    "manage_calls:list": "management_home",
    # Full-text search across the calls one manages (issue 15); what it returns is checked per role
    # by test_search_returns_only_what_the_role_may_manage.
    "manage_search:search": "management_home",
    "manage_calls:create": "call_create",
    **dict.fromkeys(
        [
            "manage_calls:detail",
            "manage_calls:edit",
            "manage_calls:edit_part",
            "manage_calls:restore_item",
            "manage_calls:clone",
            "manage_calls:publish",
            "manage_calls:unpublish",
            "manage_calls:deadline",
            "manage_calls:roles",
            "manage_calls:remove_role",
            "manage_calls:start_review",
            "manage_calls:close_review",
            "manage_calls:archive",
            "manage_reviews:applications",
            "manage_reviews:assign_auto",
            "manage_reviews:progress",
            "manage_reviews:remind",  # the cockpit's reminder of overdue reviews (POST only)
            "ranking:ranking",
            "ranking:export_csv",
            "ranking:export_xlsx",
            "ranking:apply",
            "ranking:decisions",
            "ranking:publish",
            "ranking:emails",
            "ranking:email",
            "ranking:reconsiderations",
            "manage_calls:legal_frame",
            "grants_manage:portfolio",
            "grants_manage:schedule",
            "grants_manage:payments",
            "grants_manage:batch-export",
            "api:call-scores",
        ],
        "call_management",
    ),
    **dict.fromkeys(
        ["applications:detail", "applications:proposal_pdf", "applications:attachment", "api:application-detail"],
        "application_view",
    ),
    "applications:receipt": "application_receipt",
    "applications:messages": "application_messages",
    **dict.fromkeys(
        [
            "applications:section",
            "applications:autosave",
            "applications:upload",
            "applications:upload_answer",
            "applications:delete_attachment",
            "applications:submit",
            "applications:reopen",
            "applications:withdraw",
            "api:application-submit",
        ],
        "application_edit",
    ),
    **dict.fromkeys(
        [
            "manage_reviews:application",
            "manage_reviews:admissibility",
            "manage_reviews:waiver",
            "manage_reviews:assign",
            "manage_reviews:message",
            "manage_reviews:consensus",
            # Keeping or clearing a possible double-funding flag (issue 15): staff of the call only;
            # never applicants or reviewers.
            "manage_reviews:duplicate_flag",
            "ranking:grant",
            "ranking:decide",
        ],
        "application_management",
    ),
    "review:application": "review",
    "review:declare": "declare",
    **dict.fromkeys(["summary:detail", "summary:letter"], "evaluation"),
    "applications:delete": "application_delete",
    **dict.fromkeys(["summary:reconsideration", "summary:reconsideration_file"], "reconsideration_request"),
    **dict.fromkeys(["ranking:reconsideration", "ranking:reconsideration_file"], "reconsideration_staff"),
    **dict.fromkeys(
        ["grants:detail", "grants:decision-pdf", "grants:evidence", "api:grant-detail", "api:grant-payments"],
        "grant_view",
    ),
    "grants:report": "grant_report",
    "grants_manage:detail": "grant_staff",
    "api:grant-list": "grant_list_api",
    **dict.fromkeys(["api:payment-propose", "api:payment-approve"], "payment"),
    "accounts:organisation": "organisation",
    **dict.fromkeys(
        ["accounts:edit", "accounts:invite", "accounts:cancel_invitation", "accounts:change_role"],
        "organisation_owner",
    ),
    "accounts:remove_member": "membership_leave",
    "accounts:accept_invitation": "invitation",
    **dict.fromkeys(["admin:login", "admin:logout"], "self"),
}

# Families whose patterns also get a POST (the refusal must not depend on the method).
POSTED = {
    "application_edit",
    "application_messages",
    "application_management",
    "review",
    "declare",
    "call_management",
    "call_create",
    "organisation_owner",
    "membership_leave",
    "invitation",
    "application_delete",
    "reconsideration_request",
    "reconsideration_staff",
    "grant_report",
    "grant_staff",
    "payment",
    "erasure_requests",
}
# Families whose allowed POSTs are sent too (rule 6 reads the staff's answers).
ALWAYS_POSTED = {"payment"}

# Cells the role may reach but the page does not serve for the object's state (found by running
# the matrix; each is a business refusal, not an access one): (pattern, key) -> any answer.
UNSERVED = {
    # What-if grants and decisions are for applications in review (the ranking), not for one that
    # is only submitted; a published decision is no longer changed.
    *(("ranking:grant", k) for k in ("A.submitted", "B2.submitted")),
    *(("ranking:decide", k) for k in ("A.submitted", "B2.submitted", "A.published", "B2.published")),
}


def family_of(pattern: Pattern) -> str | None:
    name = pattern.name
    if name in FAMILY:
        return FAMILY[name]
    if pattern.route.startswith("accounts/"):
        return "self"  # allauth
    if pattern.route.startswith("admin/"):
        if pattern.params == ("url",):
            return "admin_catch_all"
        if name.startswith("admin:applications_application_") and "object_id" in pattern.params:
            return "admin_application_delete" if name.endswith("_delete") else "admin_application"
        return "admin_site"
    return None


def visible_markers(role: str, world: World) -> set[str]:
    """The markers `role` may meet anywhere: what it may see of the objects the table lets it
    reach, and the published awards (titles and summaries are public on /funded/)."""
    visible = {marker(k, part) for k in PUBLISHED for part in ("TITLE", "SUMMARY")}
    if role in world.name_markers:
        visible.add(world.name_markers[role])
    if role in WITHOUT_TOTP or role == "anonymous":
        return visible
    for key in TABLE["application_view"]["allow"].get(role, set()):
        for text in world.markers[key]:
            if role in APPLICANTS and key not in PUBLISHED and ("-COMMENT-" in text or text.endswith("-MOTIVATION")):
                continue  # reviews and decisions reach the applicant only when published
            if role in REVIEWERS_OF_A_REVIEW:
                own = authz.comment_marker(key, role)
                if text.endswith("-MESSAGE") or ("-COMMENT-" in text and text != own):
                    continue  # no part in the thread; the calls do not show other reviews
            visible.add(text)
    for key in TABLE["declare"]["allow"].get(role, set()):
        visible.add(marker(key, "TITLE"))  # the gate shows title, acronym and partners
    if role == "reviewer_conflict":
        # The title the gate showed before the declaration stays on the dashboard, marked
        # "conflict declared" (issue 12), so the reviewer knows the assignment went; nothing more.
        visible.add(marker("A.review", "TITLE"))
    if role in {"manager_c1", "manager_both", "admin"}:
        visible |= set(world.name_markers.values())  # the reviewers of their calls
    return visible


# --- Filling the patterns --------------------------------------------------------------------------


def bindings(pattern: Pattern, world: World) -> list[tuple[str, dict]] | None:
    """(key, parameters) pairs a pattern is requested with: every object of the table's kind, one
    crossed with another object's parent, and a missing one."""
    params = set(pattern.params)
    name = pattern.name
    apps, calls = world.applications, world.calls
    slug_of = {k: c.slug for k, c in calls.items()}
    if not params:
        return [(NONE, {})]
    if pattern.route.startswith("accounts/") and not name.startswith("accounts:"):  # allauth keys
        return [("key", dict.fromkeys(params, "2-matrix"))]
    if pattern.route.startswith("admin/"):
        return _admin_bindings(pattern, world)
    grant_bound = _grant_bindings(pattern, world)
    if grant_bound is not None:
        return grant_bound
    if params == {"slug"}:
        return [(k, {"slug": s}) for k, s in slug_of.items()] + [("missing", {"slug": MISSING_SLUG})]
    if params == {"slug", "part"}:
        return [(k, {"slug": s, "part": "objectives"}) for k, s in slug_of.items()]
    if params == {"slug", "part", "pk"}:
        return [
            (k, {"slug": s, "part": "objectives", "pk": world.archived_objectives[k].pk}) for k, s in slug_of.items()
        ] + [("c1@c2", {"slug": slug_of["c1"], "part": "objectives", "pk": world.archived_objectives["c2"].pk})]
    if params == {"slug", "outcome", "language"}:
        return [(k, {"slug": s, "outcome": "award", "language": "nl"}) for k, s in slug_of.items()]
    if name == "manage_reviews:duplicate_flag":
        flag = _duplicate_flag(world).pk
        own = [
            (k, {"slug": slug_of[world.call_key_of(k)], "pk": apps[k].pk, "flag": flag})
            for k in ("A.submitted", "B.review")
        ]
        return own + [
            ("A.submitted@c2", {"slug": slug_of["c2"], "pk": apps["A.submitted"].pk, "flag": flag}),
            ("missing", {"slug": slug_of["c1"], "pk": apps["A.submitted"].pk, "flag": MISSING}),
        ]
    if params == {"slug", "pk"} and name.startswith("manage_calls:"):
        return [(k, {"slug": s, "pk": world.call_roles[k].pk}) for k, s in slug_of.items()] + [
            ("c1@c2", {"slug": slug_of["c1"], "pk": world.call_roles["c2"].pk})
        ]
    if params == {"slug", "pk"}:
        own = [(k, {"slug": slug_of[world.call_key_of(k)], "pk": a.pk}) for k, a in apps.items()]
        crossed = [(f"{k}@c2", {"slug": slug_of["c2"], "pk": apps[k].pk}) for k in ("A.review",)]
        return own + crossed + [("missing", {"slug": slug_of["c1"], "pk": MISSING})]
    if params == {"state"}:
        return [(NONE, {"state": s}) for s in State.ORDER]
    if name == "privacy_manage:handle":
        return [("R", {"pk": _erasure_request().pk}), ("missing", {"pk": MISSING})]
    if name.startswith("accounts:"):
        orgs, invitations, memberships = world.organisations, world.invitations, world.memberships
        if params == {"token"}:
            return [("B", {"token": invitations["B"].token})]
        if params == {"pk"}:
            return [(k, {"pk": o.pk}) for k, o in orgs.items()] + [("missing", {"pk": MISSING})]
        if params == {"pk", "invitation_pk"}:
            return [(k, {"pk": orgs[k].pk, "invitation_pk": i.pk}) for k, i in invitations.items()] + [
                ("A@B", {"pk": orgs["A"].pk, "invitation_pk": invitations["B"].pk})
            ]
        if params == {"pk", "membership_pk"}:
            found = [(k, {"pk": m.organisation_id, "membership_pk": m.pk}) for k, m in memberships.items()]
            return found + [("A@B", {"pk": orgs["A"].pk, "membership_pk": memberships["B.owner"].pk})]
    if params == {"pk"}:
        return [(k, {"pk": a.pk}) for k, a in apps.items()] + [("missing", {"pk": MISSING})]
    if params == {"pk", "section"}:
        return [(k, {"pk": a.pk, "section": "general"}) for k, a in apps.items()]
    if params == {"pk", "attachment_pk"}:
        found = [(k, {"pk": a.pk, "attachment_pk": world.attachments[k].pk}) for k, a in apps.items()]
        return found + [("A.draft@B", {"pk": apps["A.draft"].pk, "attachment_pk": world.attachments["B.draft"].pk})]
    if params == {"pk", "document_pk"}:
        return [(k, {"pk": a.pk, "document_pk": world.documents[world.call_key_of(k)].pk}) for k, a in apps.items()]
    if params == {"pk", "question_pk"}:
        return [
            (k, {"pk": a.pk, "question_pk": world.file_questions[world.call_key_of(k)].pk}) for k, a in apps.items()
        ]
    return None


def _grant_bindings(pattern: Pattern, world: World) -> list[tuple[str, dict]] | None:
    """Grants, payment orders, batches and reconsiderations: each one's own, one crossed with
    another call or application, and a missing one."""
    params, name = set(pattern.params), pattern.name
    slug_of = {k: c.slug for k, c in world.calls.items()}
    apps, grants = world.applications, world.grants
    asked, files = world.reconsiderations, world.reconsideration_files
    if name.startswith("api:payment-"):
        return [(k, {"pk": o.pk}) for k, o in world.orders.items()] + [("missing", {"pk": MISSING})]
    if name == "grants_manage:batch-export":
        batch = world.batches["c1"].pk
        return [
            ("c1", {"slug": slug_of["c1"], "batch": batch, "fmt": "csv"}),
            ("c1@c2", {"slug": slug_of["c2"], "batch": batch, "fmt": "csv"}),
            ("missing", {"slug": slug_of["c1"], "batch": MISSING, "fmt": "csv"}),
        ]
    if name == "grants:evidence":
        evidence = world.evidence
        own = [(k, {"pk": g.pk, "uuid": evidence[k].uuid}) for k, g in grants.items()]
        crossed = [("A.published@B2", {"pk": grants["A.published"].pk, "uuid": evidence["B2.published"].uuid})]
        return own + crossed + [("missing", {"pk": grants["A.published"].pk, "uuid": uuid.UUID(int=MISSING)})]
    if name.startswith("grants:") or name.startswith("api:grant-"):
        if params == {"pk"}:
            return [(k, {"pk": g.pk}) for k, g in grants.items()] + [("missing", {"pk": MISSING})]
        if params == {"pk", "kind"}:
            return [(k, {"pk": g.pk, "kind": "final"}) for k, g in grants.items()] + [
                ("missing", {"pk": MISSING, "kind": "final"})
            ]
    staff_side = {"grants_manage:detail": grants, "ranking:reconsideration": asked}
    if name in staff_side:
        objects = staff_side[name]
        own = [(k, {"slug": slug_of[world.call_key_of(k)], "pk": o.pk}) for k, o in objects.items()]
        crossed = [("A.published@c2", {"slug": slug_of["c2"], "pk": objects["A.published"].pk})]
        return own + crossed + [("missing", {"slug": slug_of["c1"], "pk": MISSING})]
    if name == "ranking:reconsideration_file":
        own = [
            (k, {"slug": slug_of[world.call_key_of(k)], "pk": r.pk, "file_pk": files[k].pk}) for k, r in asked.items()
        ]
        return own + [
            (
                "A.published@c2",
                {"slug": slug_of["c2"], "pk": asked["A.published"].pk, "file_pk": files["A.published"].pk},
            ),
            (
                "B2.published@A",
                {"slug": slug_of["c2"], "pk": asked["B2.published"].pk, "file_pk": files["A.published"].pk},
            ),
        ]
    if name == "summary:reconsideration_file":
        own = [(k, {"pk": apps[k].pk, "file_pk": files[k].pk}) for k in asked]
        return own + [("A.published@B2", {"pk": apps["A.published"].pk, "file_pk": files["B2.published"].pk})]
    return None


def _duplicate_flag(world: World):
    """A possible double funding between two applications of call c1 (A.submitted and B.review):
    its page shows both sides' passages, which the managers of c1 may read."""
    from reviews.models import DuplicateFlag

    this, other = world.applications["A.submitted"], world.applications["B.review"]
    flag, _created = DuplicateFlag.objects.get_or_create(
        application=this,
        other=other,
        defaults={"similarity": 0.5, "passages": [{"this": this.summary, "other": other.summary, "score": 0.5}]},
    )
    return flag


def _erasure_request():
    """A pending erasure request of someone outside the world's organisations (so that handling
    it takes nobody's access away)."""
    from accounts.models import ErasureRequest, User

    user, _created = User.objects.get_or_create(email="matrix-leaving@example.org")
    return ErasureRequest.objects.filter(user=user).first() or ErasureRequest.objects.create(user=user)


def _admin_bindings(pattern: Pattern, world: World) -> list[tuple[str, dict]] | None:
    params = set(pattern.params)
    if params == {"app_label"}:
        return [(NONE, {"app_label": "applications"})]
    if params == {"url"}:
        return [(NONE, {"url": "no-such-page/"})]
    if params == {"content_type_id", "object_id"}:
        content_type = ContentType.objects.get_for_model(Application)
        return [(NONE, {"content_type_id": content_type.pk, "object_id": world.applications["A.submitted"].pk})]
    if params not in ({"object_id"}, {"id"}):
        return None
    name = pattern.name
    if name.startswith("admin:applications_application_"):
        return [(k, {"object_id": a.pk}) for k, a in world.applications.items()]
    # Another model's object page: its first object (or a missing one where there is none).
    model = next(
        (
            m
            for m in admin.site._registry
            if pattern.route.startswith(f"admin/{m._meta.app_label}/{m._meta.model_name}/")
        ),
        None,
    )
    if model is None:
        return None
    first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    return [(NONE, dict.fromkeys(params, first if first is not None else MISSING))]


def matrix_patterns() -> list[Pattern]:
    return walk(get_resolver().url_patterns)


# --- Sending and reading ---------------------------------------------------------------------------

TOKEN = re.compile(rb"MARK-[A-Z0-9-]*[A-Z0-9]")


@dataclass
class Answer:
    status: int
    outcome: str  # ok, 404, 405, 403, login, mfa, missing (the admin's "does not exist"), error
    body: bytes
    location: str = ""
    verdict: str = ""  # what the table says: allow, deny or either


def _outcome(response) -> str:
    status = response.status_code
    if status >= 500:
        return "error"
    if status == 401:
        return "login"
    if status in (403, 404, 405):
        return str(status)
    if status in (301, 302, 303, 307, 308):
        location = response.get("Location", "")
        path = location.split("?")[0]
        if path in (reverse("account_login"), reverse("admin:login")):
            return "login"
        if path.startswith("/accounts/2fa/"):
            return "mfa"
        if path == reverse("admin:index"):
            return "missing"
    return "ok"


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        # The test client closes the response once its content is read (calling close() again
        # would send request_finished, which closes the database connection).
        return b"".join(response.streaming_content)
    return response.content


class FakePDF:
    """Stands in for weasyprint.HTML: the 'PDF' is the HTML it was given, so receipts and letters
    are fast and their text can be searched for markers."""

    def __init__(self, string="", **kwargs):
        self.string = string

    def write_pdf(self, *args, **kwargs):
        return self.string.encode()


@dataclass
class Run:
    role: str
    requests: int = 0
    cells: int = 0
    allowed: int = 0
    patterns: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    answers: dict[tuple[str, str, str], Answer] = field(default_factory=dict)  # (pattern, key, method)
    seconds: Counter[str] = field(default_factory=Counter)  # per pattern, to find what is slow


def expectation(role: str, family: str, key: str, pattern: str) -> tuple[str, set[str] | None]:
    """('allow'|'deny'|'either', the outcomes that pass)."""
    spec = TABLE[family]
    base = BASE_ROLE.get(role, role)
    if key in spec.get("either", {}).get(base, set()) or (pattern, key) in UNSERVED and _allowed(spec, base, key):
        verdict = "either"
    elif _allowed(spec, base, key):
        verdict = "allow"
    else:
        verdict = "deny"
    if role in WITHOUT_TOTP and spec.get("content"):
        # No proposal content without two-factor, whatever the base role may reach (rule 2).
        return "deny", {"mfa", "403", "404", "405", "login"}
    if verdict == "either":
        return verdict, None
    if verdict == "allow" and spec.get("admin"):
        # The admin's own refusals to a superuser (no adding of audit rows, "no such object") are
        # not between parties; only the way in is the matrix's business.
        return verdict, {"ok", "405", "403", "missing"}
    if verdict == "allow":
        return verdict, {"ok", "405"}  # 405: the route does not take this method (the other is sent too)
    if role == "anonymous":
        return verdict, {"login", "404", "405"} if spec.get("public") else {"login", "405"}
    if spec.get("admin"):
        return verdict, {"login", "404", "403", "missing"}
    return verdict, {"404", "405"}


def _allowed(spec, role, key) -> bool:
    return key in spec.get("allow", {}).get(role, set())


def _methods(role: str, family: str, key: str, pattern: str) -> list[str]:
    """GET everywhere; a POST too where a refusal must hold for changes as well. Staff's allowed
    POSTs are left out (the GET proved the way in; they are the slowest requests); the
    applicant's are kept, rule 4 compares them."""
    if family not in POSTED:
        return ["GET"]
    if role not in APPLICANTS and family not in ALWAYS_POSTED and expectation(role, family, key, pattern)[0] == "allow":
        return ["GET"]
    return ["GET", "POST"]


def run_matrix(role: str, world: World, client: Client) -> Run:
    run = Run(role)
    if role != "anonymous":
        client.force_login(world.users[role])
    everything = world.all_markers()
    own_name = world.name_markers.get(role)
    visible = visible_markers(role, world)
    for pattern in matrix_patterns():
        family = family_of(pattern)
        filled = bindings(pattern, world)
        if family is None or filled is None:
            run.failures.append(f"{pattern.name or pattern.route}: not in the matrix (FAMILY / bindings)")
            continue
        run.patterns.add(pattern.route)
        for key, kwargs in filled:
            url = build(pattern, kwargs)
            for method in _methods(role, family, key, pattern.name):
                started = time.monotonic()
                answer = _send(client, method, url, run)
                run.seconds[pattern.name or pattern.route] += time.monotonic() - started
                if answer is None:
                    continue
                run.cells += 1
                verdict, passes = expectation(role, family, key, pattern.name)
                label = f"{role} {method} {url} [{pattern.name} · {key}]"
                if answer.outcome == "error":
                    run.failures.append(f"{label}: answered {answer.status}")
                elif passes is not None and answer.outcome not in passes:
                    run.failures.append(
                        f"{label}: expected {verdict} ({'/'.join(sorted(passes))}), got {answer.status} {answer.outcome}"
                        + (f" → {answer.location}" if answer.location else "")
                    )
                elif verdict == "allow" and answer.outcome == "ok":
                    run.allowed += 1
                refused = answer.outcome != "ok"
                forbidden = (everything - {own_name}) if refused else (everything - visible)
                leaked = sorted(t.decode() for t in set(TOKEN.findall(answer.body)) if t.decode() in forbidden)
                if leaked:
                    run.failures.append(f"{label}: {'refused' if refused else 'answer'} shows {', '.join(leaked)}")
                answer.verdict = verdict
                run.answers[(pattern.name, key, method)] = answer
    return run


def _send(client: Client, method: str, url: str, run: Run) -> Answer | None:
    run.requests += 1
    try:
        # Each request in a savepoint that is rolled back: every cell sees the same world.
        with transaction.atomic():
            response = client.get(url) if method == "GET" else client.post(url, {})
            answer = Answer(response.status_code, _outcome(response), _body(response), response.get("Location", ""))
            transaction.set_rollback(True)
    except Exception as error:  # noqa: BLE001 - reported with the cell
        run.failures.append(f"{run.role} {method} {url}: {type(error).__name__}: {str(error)[:200]}")
        return None
    return answer


def cross_cell_failures(run: Run) -> list[str]:
    """Rules 4 and 5, which compare cells with each other."""
    failures = []
    if run.role in APPLICANTS:
        # Rule 4: before publication a decided application answers as one in review.
        for (pattern, key, method), decided in run.answers.items():
            if key != "A.decided":
                continue
            in_review = run.answers.get((pattern, "A.review", method))
            if in_review is None:
                continue
            if (decided.status, decided.outcome) != (in_review.status, in_review.outcome):
                failures.append(
                    f"{run.role} {method} [{pattern}]: decided-unpublished answers {decided.status} {decided.outcome}, "
                    f"in review {in_review.status} {in_review.outcome} (rule 4)"
                )
            if pattern == "api:application-detail" and decided.status == 200:
                shown, expected = json.loads(decided.body), json.loads(in_review.body)
                for field_name in ("status", "status_display", "decision"):
                    if shown.get(field_name) != expected.get(field_name):
                        failures.append(
                            f"{run.role} GET [{pattern}]: '{field_name}' of decided-unpublished is "
                            f"{shown.get(field_name)!r}, in review {expected.get(field_name)!r} (rule 4)"
                        )
    # Rule 6: nobody approves a payment order they proposed (four eyes), not even an administrator.
    for (pattern, key, method), answer in run.answers.items():
        if pattern == "api:payment-approve" and method == "POST" and PROPOSED_BY.get(key) == run.role:
            if answer.status < 300:
                failures.append(f"{run.role} POST [{pattern} · {key}]: approved their own proposal (rule 6)")
    # Rule 5: the API answers a hidden object exactly as a missing one.
    for (pattern, key, method), answer in run.answers.items():
        if not pattern.startswith("api:") or key == "missing" or answer.verdict != "deny":
            continue
        missing = run.answers.get((pattern, "missing", method))
        if missing is not None and (answer.status, answer.body) != (missing.status, missing.body):
            failures.append(
                f"{run.role} {method} [{pattern} · {key}]: hidden answers {answer.status} {answer.body[:80]!r}, "
                f"missing {missing.status} {missing.body[:80]!r} (rule 5)"
            )
    return failures


# --- Fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module inside a transaction that is rolled back at the end."""
    location = tmp_path_factory.mktemp("matrix-private")
    private = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}}
    with override_settings(PRIVATE_MEDIA_ROOT=location, STORAGES={**settings.STORAGES, "private": private}):
        storages._storages.pop("private", None)
        with django_db_blocker.unblock(), transaction.atomic():
            yield authz.build_world(), private
            transaction.set_rollback(True)
    storages._storages.pop("private", None)


@pytest.fixture
def world(built_world, settings, monkeypatch):
    world, private = built_world
    # The world's files, where the per-test private storage would not find them.
    settings.PRIVATE_MEDIA_ROOT = Path(private["OPTIONS"]["location"])
    settings.STORAGES = {**settings.STORAGES, "private": private}
    settings.REQUIRE_STAFF_MFA = True  # as in production
    storages._storages.pop("private", None)
    import weasyprint

    monkeypatch.setattr(weasyprint, "HTML", FakePDF)
    yield world
    storages._storages.pop("private", None)


# --- Tests -----------------------------------------------------------------------------------------


def test_every_url_pattern_is_in_the_matrix(world):
    """A new route cannot slip past the matrix: it is named here until it has a family in the
    table and its parameters can be filled from the world."""
    patterns = matrix_patterns()
    names = {p.name for p in patterns}
    assert {"applications:section", "api:application-detail", "admin:applications_application_change"} <= names
    assert {"account_login", "ranking:decide", "summary:letter", "admin:index"} <= names
    unfilled = [p.name or p.route for p in patterns if family_of(p) is None or not bindings(p, world)]
    assert unfilled == []
    for family, spec in TABLE.items():
        # A family nobody may open says so explicitly; any other must allow someone.
        assert spec.get("allow") or spec.get("either") or spec.get("nobody"), family
        assert set(spec.get("allow", {})) | set(spec.get("either", {})) <= EVERYONE, family


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_what_the_design_allows(role, world, client, record_property):
    started = time.monotonic()
    run = run_matrix(role, world, client)
    failures = run.failures + cross_cell_failures(run)
    seconds = time.monotonic() - started
    record_property(
        "authorization_matrix",
        {
            "role": role,
            "patterns": len(run.patterns),
            "cells": run.cells,
            "requests": run.requests,
            "allowed": run.allowed,
            "seconds": round(seconds, 1),
        },
    )
    slowest = ", ".join(f"{name} {s:.1f} s" for name, s in run.seconds.most_common(5))
    print(f"{role}: {len(run.patterns)} patterns, {run.cells} cells, {run.allowed} allowed, {seconds:.1f} s")
    print(f"slowest patterns: {slowest}")
    # A matrix in which nothing is allowed would prove nothing.
    assert run.allowed >= (10 if role == "anonymous" else 20), run.allowed
    assert not failures, f"{len(failures)} of {run.cells} cells failed:\n" + "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_search_returns_only_what_the_role_may_manage(role, world, client):
    """Issue 15: the full-text search (across calls, and in each call's staff list) returns the
    submitted applications of the calls the role manages and nothing else, whatever it contains
    (titles, summaries, the text of PDF attachments): every marker is searched for."""
    from applications import tasks

    for application in world.applications.values():
        tasks.index_application(application.pk)  # what runs after each submission
    if role != "anonymous":
        client.force_login(world.users[role])
    allowed = (
        set()
        if role in WITHOUT_TOTP
        else TABLE["application_management"]["allow"].get(BASE_ROLE.get(role, role), set())
    )
    key_of = {a.pk: k for k, a in world.applications.items()}
    for text in ("MARK", "FILE", "SUMMARY"):
        response = client.get(reverse("manage_search:search"), {"q": text})
        if role in {"manager_c1", "manager_c2", "manager_both", "admin"}:
            assert response.status_code == 200
            found = {key_of[a.pk] for a in response.context["applications"]}
            assert found == allowed, (role, text, found)
        else:
            assert _outcome(response) in {"404", "login", "mfa"}, (role, response.status_code)
        for call_key, call in world.calls.items():
            listed = client.get(reverse("manage_reviews:applications", args=[call.slug]), {"q": text})
            if listed.status_code == 200:
                found = {key_of[a.pk] for a in listed.context["applications"]}
                assert found == {k for k in allowed if world.call_key_of(k) == call_key}, (role, call_key, found)
            else:
                assert _outcome(listed) in {"404", "login", "mfa"}

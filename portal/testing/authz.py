"""The world of the authorization matrix (portal/tests/test_authorization_matrix.py): one set of
people and objects in which every role of DESIGN §5 has something it may reach and something it
must not, each object carrying unique marker strings so a leak can be found in any answer.

Two organisations (A, B) and two calls (c1, c2). Organisation A has an owner and a member;
organisation B an owner who is none of the roles. Applications, by key:

    A.draft  A.submitted  A.review  A.decided  A.published   organisation A, call c1
    B.draft  B.review                                         organisation B, call c1
    B2.submitted  B2.published                                organisation B, call c2

`*.decided` has a decision that is not published; `*.published` one that is. Every application
has an attachment (its marker is inside the file), every submitted one a message thread, every
one in review or later reviews with comments. A.review is assigned to the reviewers that are
roles: cleared (declared no conflict), undeclared, conflict (declared one), removed (cleared,
reviewed, then taken out of c1's pool through the service) and a cleared reviewer without
TOTP. The other reviews are by `reviewer_other`, who is no role.

Markers are `MARK-<KEY>-<PART>` (e.g. MARK-B-REVIEW-TITLE) for the parts TITLE, SUMMARY, FILE,
MESSAGE, MOTIVATION and COMMENT-<REVIEWER>, and MARK-NAME-<ROLE> for the reviewers' names.

After the decisions (`_after_decisions`), through the services: each call has a legal frame; the
submitted applications ask a co-financing waiver (WAIVER); the published awards (A.published,
B2.published) have a grant, accepted by the organisation's owner (the account holder is
HOLDER), and a reconsideration with a file (RECONSIDERATION, RECONSIDERATION-FILE). These markers
belong to the application, so whoever may see it may see them. c1 pays two advances on
acceptance: both proposed by manager_c1, one of them approved by manager_both and put in a
payment batch of c1 (`orders`: "A.published:proposed", "A.published:batched"); B2's advance is
proposed by manager_c2 ("B2.published:proposed"). `PROPOSED_BY` says who proposed which order
(the four-eyes rule). A.draft is the never-submitted draft that may be deleted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from allauth.mfa.models import Authenticator
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Invitation, Membership, Organisation
from accounts.services import invite_member
from accounts.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from applications.demo import minimal_pdf
from applications.models import Application, Attachment, Message, Status
from applications.tests.factories import ApplicationFactory
from calls import services as call_services
from calls.models import Call, CallRole, Criterion, LegalFrame, Objective, Question, QuestionKind, RequiredDocument
from calls.tests.factories import (
    CallFactory,
    CallRoleFactory,
    CriterionFactory,
    ObjectiveFactory,
    QuestionFactory,
    RequiredDocumentFactory,
)
from grants import services as grant_services
from grants.models import Evidence, Grant, PaymentBatch, PaymentOrder, Trigger
from reviews import reconsideration
from reviews.models import Assignment, Decision, Reconsideration, ReconsiderationAttachment, Review, Score

MISSING = 999_999_999
MISSING_SLUG = "no-such-call"

APPLICATIONS = {
    # key: (organisation, call, status, decision published?)
    "A.draft": ("A", "c1", Status.DRAFT, False),
    "A.submitted": ("A", "c1", Status.SUBMITTED, False),
    "A.review": ("A", "c1", Status.IN_REVIEW, False),
    "A.decided": ("A", "c1", Status.AWARDED, False),
    "A.published": ("A", "c1", Status.AWARDED, True),
    "B.draft": ("B", "c1", Status.DRAFT, False),
    "B.review": ("B", "c1", Status.IN_REVIEW, False),
    "B2.submitted": ("B", "c2", Status.SUBMITTED, False),
    "B2.published": ("B", "c2", Status.AWARDED, True),
}
DRAFTS = {key for key, (_org, _call, status, _pub) in APPLICATIONS.items() if status == Status.DRAFT}
PUBLISHED = {key for key, (*_rest, published) in APPLICATIONS.items() if published}

# The reviewers of A.review that are roles, and how far each got.
REVIEWERS_OF_A_REVIEW = {
    "reviewer_cleared": "cleared",
    "reviewer_undeclared": "undeclared",
    "reviewer_conflict": "conflict",
    "reviewer_removed": "removed",
    "reviewer_cleared_no_totp": "cleared",
}
# Staff roles get an authenticator (REQUIRE_STAFF_MFA is on in the matrix); these two do not.
WITHOUT_TOTP = {"manager_c1_no_totp", "reviewer_cleared_no_totp"}
ROLES = [
    "anonymous",
    "member_a",
    "owner_a",
    "manager_c1",
    "manager_c2",
    "manager_both",
    "reviewer_cleared",
    "reviewer_undeclared",
    "reviewer_conflict",
    "reviewer_removed",
    "admin",
    "manager_c1_no_totp",
    "reviewer_cleared_no_totp",
]


# Who proposed each payment order of the world (approving one's own proposal is refused).
PROPOSED_BY = {
    "A.published:proposed": "manager_c1",
    "A.published:batched": "manager_c1",
    "B2.published:proposed": "manager_c2",
}


def marker(key: str, part: str) -> str:
    return f"MARK-{key.replace('.', '-').upper()}-{part}"


def name_marker(role: str) -> str:
    return f"MARK-NAME-{role.upper().replace('_', '-')}"


@dataclass
class World:
    users: dict[str, object] = field(default_factory=dict)  # role (and owner_b, reviewer_other) -> User
    organisations: dict[str, Organisation] = field(default_factory=dict)  # "A", "B"
    calls: dict[str, Call] = field(default_factory=dict)  # "c1", "c2"
    applications: dict[str, Application] = field(default_factory=dict)
    attachments: dict[str, Attachment] = field(default_factory=dict)  # application key -> its attachment
    documents: dict[str, RequiredDocument] = field(default_factory=dict)  # call key -> document
    file_questions: dict[str, Question] = field(default_factory=dict)  # call key -> file question
    archived_objectives: dict[str, Objective] = field(default_factory=dict)  # call key -> archived objective
    call_roles: dict[str, CallRole] = field(default_factory=dict)  # call key -> a reviewer's role in it
    memberships: dict[str, Membership] = field(default_factory=dict)  # "A.member", "A.owner", "B.owner"
    invitations: dict[str, Invitation] = field(default_factory=dict)  # "A", "B"
    markers: dict[str, set[str]] = field(default_factory=dict)  # application key -> its markers
    name_markers: dict[str, str] = field(default_factory=dict)  # reviewer role -> the marker in their name
    grants: dict[str, Grant] = field(default_factory=dict)  # application key -> its grant
    orders: dict[str, PaymentOrder] = field(default_factory=dict)  # see PROPOSED_BY
    batches: dict[str, PaymentBatch] = field(default_factory=dict)  # call key -> a payment batch
    reconsiderations: dict[str, Reconsideration] = field(default_factory=dict)  # application key -> it
    reconsideration_files: dict[str, ReconsiderationAttachment] = field(default_factory=dict)  # same keys
    evidence: dict[str, Evidence] = field(default_factory=dict)  # grant key -> a final report's document

    def call_key_of(self, application_key: str) -> str:
        return APPLICATIONS[application_key][1]

    def all_markers(self) -> set[str]:
        return set().union(*self.markers.values()) | set(self.name_markers.values())


def build_world() -> World:
    """Builds the world in the current transaction (the caller rolls it back)."""
    world = World()
    now = timezone.now()
    users = world.users

    for key in ("A", "B"):
        world.organisations[key] = OrganisationFactory(name=f"Matrix organisation {key}")
    for role, key, member_role in (
        ("owner_a", "A", Membership.Role.OWNER),
        ("member_a", "A", Membership.Role.MEMBER),
        ("owner_b", "B", Membership.Role.OWNER),
    ):
        membership = MembershipFactory(organisation=world.organisations[key], role=member_role)
        users[role] = membership.user
        world.memberships[f"{key}.{member_role}"] = membership

    for role in (
        "manager_c1",
        "manager_c2",
        "manager_both",
        "manager_c1_no_totp",
        "reviewer_other",
        *REVIEWERS_OF_A_REVIEW,
    ):
        full_name = name_marker(role) if role in REVIEWERS_OF_A_REVIEW else f"Matrix {role.replace('_', ' ')}"
        users[role] = UserFactory(full_name=full_name)
        if role in REVIEWERS_OF_A_REVIEW:
            world.name_markers[role] = full_name
    users["admin"] = UserFactory(is_staff=True, is_superuser=True, full_name="Matrix administrator")

    for key, title in (("c1", "one"), ("c2", "two")):
        call = CallFactory(
            slug=f"matrix-call-{title}", title_nl=f"Matrixoproep {title}", title_en=f"Matrix call {title}"
        )
        world.calls[key] = call
        ObjectiveFactory(call=call, number=1)
        world.archived_objectives[key] = ObjectiveFactory(call=call, number=2, archived_at=now)
        CriterionFactory(call=call)
        world.documents[key] = RequiredDocumentFactory(call=call, max_size_mb=None)
        world.file_questions[key] = QuestionFactory(call=call, kind=QuestionKind.FILE, max_chars=None)
    c1, c2 = world.calls["c1"], world.calls["c2"]

    for role, calls in (
        ("manager_c1", [c1]),
        ("manager_c2", [c2]),
        ("manager_both", [c1, c2]),
        ("manager_c1_no_totp", [c1]),
    ):
        for call in calls:
            CallRoleFactory(call=call, user=users[role], role=CallRole.Role.MANAGER)
    for role in REVIEWERS_OF_A_REVIEW:
        CallRoleFactory(call=c1, user=users[role], role=CallRole.Role.REVIEWER)
    for key, call in world.calls.items():
        world.call_roles[key] = CallRoleFactory(call=call, user=users["reviewer_other"], role=CallRole.Role.REVIEWER)

    for number, (key, (org, call_key, status, published)) in enumerate(APPLICATIONS.items(), start=1):
        _application(world, number, key, org, call_key, status, published, now)

    _reviews(world, now)
    # Taken out of c1's pool the way a manager does it, after assigning, declaring and reviewing.
    call_services.remove_role(CallRole.objects.get(call=c1, user=users["reviewer_removed"]), by=users["manager_c1"])

    _after_decisions(world)

    world.invitations["A"] = invite_member(world.organisations["A"], email="invited-a@example.org", by=users["owner_a"])
    world.invitations["B"] = invite_member(world.organisations["B"], email="invited-b@example.org", by=users["owner_b"])

    for role in ("manager_c1", "manager_c2", "manager_both", "admin", *REVIEWERS_OF_A_REVIEW):
        if role not in WITHOUT_TOTP:
            Authenticator.objects.create(
                user=users[role], type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
            )
    return world


def _application(world, number, key, org, call_key, status, published, now) -> None:
    organisation = world.organisations[org]
    owner = world.users["owner_a" if org == "A" else "owner_b"]
    call = world.calls[call_key]
    submitted = status != Status.DRAFT
    application = ApplicationFactory(
        call=call,
        lead_organisation=organisation,
        created_by=owner,
        title=marker(key, "TITLE"),
        acronym=f"MX{number}",
        summary=marker(key, "SUMMARY"),
        status=status,
        reference=f"MX{call_key.upper()}-2026-{number:04d}" if submitted else None,
        submitted_at=now - timedelta(days=3) if submitted else None,
        decision_published_at=now - timedelta(days=1) if published else None,
        waiver_motivation=marker(key, "WAIVER") if status == Status.SUBMITTED else "",
    )
    world.applications[key] = application
    markers = {marker(key, "TITLE"), marker(key, "SUMMARY"), marker(key, "FILE")}
    if status == Status.SUBMITTED:
        markers.add(marker(key, "WAIVER"))

    content = minimal_pdf(marker(key, "FILE"))
    attachment = Attachment(
        application=application,
        document=world.documents[call_key],
        kind="project_plan",
        uuid=uuid.uuid4(),
        original_name="plan.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256="0" * 64,
        uploaded_by=owner,
    )
    attachment.file.save("plan.pdf", ContentFile(content), save=False)
    attachment.save()
    world.attachments[key] = attachment

    if submitted:
        manager = world.users["manager_c1" if call_key == "c1" else "manager_c2"]
        Message.objects.create(application=application, author=manager, from_staff=True, body=marker(key, "MESSAGE"))
        Message.objects.create(application=application, author=owner, body=marker(key, "MESSAGE") + " (answer)")
        markers.add(marker(key, "MESSAGE"))
    if status == Status.AWARDED:
        Decision.objects.create(
            application=application,
            outcome=Decision.Outcome.AWARD,
            granted_amount=Decimal("40000"),
            motivation=marker(key, "MOTIVATION"),
            decided_by=world.users["manager_both"],
            decided_at=now - timedelta(days=2),
            published_at=now - timedelta(days=1) if published else None,
        )
        markers.add(marker(key, "MOTIVATION"))
    world.markers[key] = markers


def comment_marker(key: str, reviewer: str) -> str:
    return marker(key, f"COMMENT-{reviewer.upper().replace('_', '-')}")


def _reviews(world: World, now) -> None:
    """A.review: the reviewer roles, each as far as their name says; every other application in
    review or decided: a submitted review by reviewer_other."""
    users = world.users

    def review(key, reviewer, *, declared=True, conflict=False, submitted=True):
        application = world.applications[key]
        assignment = Assignment.objects.create(
            application=application,
            reviewer=users[reviewer],
            assigned_by=users["manager_both"],
            declared_at=now - timedelta(days=2) if declared else None,
            conflict=conflict,
            conflict_note=comment_marker(key, reviewer) if conflict else "",
            confidentiality_accepted=declared and not conflict,
        )
        if conflict:
            world.markers[key].add(comment_marker(key, reviewer))
        if not declared or conflict:
            return
        text = comment_marker(key, reviewer)
        done = Review.objects.create(
            assignment=assignment,
            overall_comment=text,
            recommendation="fund",
            submitted_at=now - timedelta(days=1) if submitted else None,
        )
        for criterion in Criterion.objects.filter(call=application.call):
            Score.objects.create(review=done, criterion=criterion, score=Decimal("3"), comment=text)
        world.markers[key].add(text)

    for reviewer, state in REVIEWERS_OF_A_REVIEW.items():
        review(
            "A.review",
            reviewer,
            declared=state != "undeclared",
            conflict=state == "conflict",
            submitted=reviewer != "reviewer_cleared",  # a draft review too
        )
    for key, (_org, _call, status, _published) in APPLICATIONS.items():
        if status in (Status.IN_REVIEW, Status.AWARDED):
            review(key, "reviewer_other")


def _after_decisions(world: World) -> None:
    """Legal frames, grants with payment orders and a batch, reconsiderations with a file."""
    users = world.users
    for key, call in world.calls.items():
        LegalFrame.objects.create(call=call, legal_basis_title=f"Matrix decree {key}", decision_maker="The minister")
    # c1 pays two advances on acceptance, so one order can stay proposed while the other is batched.
    grant_services.save_schedule(
        world.calls["c1"],
        [
            (Decimal("40"), Trigger.ACCEPTANCE),
            (Decimal("40"), Trigger.ACCEPTANCE),
            (Decimal("20"), Trigger.FINAL_REPORT),
        ],
        by=users["manager_c1"],
    )
    for key, owner, manager in (("A.published", "owner_a", "manager_c1"), ("B2.published", "owner_b", "manager_c2")):
        application = world.applications[key]
        grant = grant_services.open_grant(application.decision, by=users[manager])
        grant_services.accept(grant, by=users[owner], iban="BE68539007547034", account_holder=marker(key, "HOLDER"))
        world.grants[key] = grant
        orders = list(grant.payment_orders.order_by("pk"))
        for order in orders:
            grant_services.propose_payment(order, by=users[manager])
        world.orders[f"{key}:proposed"] = orders[0]
        if len(orders) > 1:
            world.orders[f"{key}:batched"] = grant_services.approve_payment(orders[1], by=users["manager_both"])
        world.markers[key].add(marker(key, "HOLDER"))
        invoice = SimpleUploadedFile(
            "factuur.pdf", minimal_pdf(marker(key, "EVIDENCE")), content_type="application/pdf"
        )
        world.evidence[key] = grant_services.add_evidence(
            grant.reports.get(kind="final"), by=users[owner], upload=invoice
        )
        world.markers[key].add(marker(key, "EVIDENCE"))

        upload = SimpleUploadedFile(
            "bezwaar.pdf", minimal_pdf(marker(key, "RECONSIDERATION-FILE")), content_type="application/pdf"
        )
        asked = reconsideration.request(
            application, by=users[owner], motivation=marker(key, "RECONSIDERATION"), uploads=[upload]
        )
        world.reconsiderations[key] = asked
        world.reconsideration_files[key] = asked.attachments.get()
        world.markers[key] |= {marker(key, "RECONSIDERATION"), marker(key, "RECONSIDERATION-FILE")}
    world.batches["c1"] = grant_services.create_batch(world.calls["c1"], by=users["manager_both"])
    assert set(world.orders) == set(PROPOSED_BY), world.orders

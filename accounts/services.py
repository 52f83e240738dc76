"""Every change to organisations and their members: one function, one transaction, an audit
record, notifications queued in the outbox. Views call these; they never change state themselves."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.notifications import notify

from . import kbo
from .models import Invitation, Membership, Organisation, User

INVITATION_VALID_DAYS = 14
ORGANISATION_FIELDS = ("name", "kind", "kbo_number", "address", "website", "email_domain")


class MembershipError(Exception):
    """A change to the members that the rules of the organisation do not allow; the message
    is translated and meant for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _require(user, perm: str, obj) -> None:
    # Views answer 404 before they get here; this guards other callers (API, shell, tasks).
    if not user.has_perm(perm, obj):
        raise PermissionDenied(perm)


@transaction.atomic
def create_organisation(*, by: User, **fields) -> Organisation:
    """Create an organisation with `by` as its first owner."""
    organisation = Organisation(**{name: fields.get(name, "") for name in ORGANISATION_FIELDS})
    organisation.kbo_number = kbo.normalise(organisation.kbo_number)
    organisation.full_clean()
    organisation.save()
    Membership.objects.create(organisation=organisation, user=by, role=Membership.Role.OWNER)
    audit.record(organisation, "organisation_created", by=by, name=organisation.name, kbo=organisation.kbo_number)
    return organisation


@transaction.atomic
def update_organisation(organisation: Organisation, *, by: User, **fields) -> Organisation:
    """Change an organisation's details; the audit record lists the fields that changed."""
    _require(by, "accounts.change_organisation", organisation)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    changed = {}
    for name in ORGANISATION_FIELDS:
        if name in fields and getattr(organisation, name) != fields[name]:
            changed[name] = fields[name]
            setattr(organisation, name, fields[name])
    organisation.kbo_number = kbo.normalise(organisation.kbo_number)
    if changed:
        organisation.full_clean()
        organisation.save()
        audit.record(organisation, "organisation_updated", by=by, **changed)
    return organisation


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("accounts:accept_invitation", args=[invitation.token])


@transaction.atomic
def invite_member(
    organisation: Organisation, *, email: str, by: User, role: str = Membership.Role.MEMBER
) -> Invitation:
    """Invite an e-mail address to join; the e-mail with the accept link goes out after commit.
    Inviting an address again re-sends the pending invitation instead of making a second one."""
    _require(by, "accounts.manage_members", organisation)
    email = email.strip().lower()
    # A lapsed membership (its mandate ended) may be renewed by an invitation.
    if Membership.objects.active().filter(organisation=organisation, user__email__iexact=email).exists():
        raise MembershipError(_("%(email)s is already a member of this organisation.") % {"email": email})
    invitation = (
        Invitation.objects.select_for_update()
        .filter(organisation=organisation, email__iexact=email, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        invitation = Invitation.objects.create(organisation=organisation, email=email, role=role, invited_by=by)
    else:
        invitation.role, invitation.invited_by, invitation.created_at = role, by, timezone.now()
        invitation.save(update_fields=["role", "invited_by", "created_at"])
    audit.record(organisation, "member_invited", by=by, email=email, role=role)
    notify(
        User.objects.filter(email__iexact=email).first(),
        "accounts_invitation",
        {
            "organisation": organisation,
            "invited_by": by,
            "role": invitation.get_role_display(),
            "accept_url": invitation_url(invitation),
            "valid_days": INVITATION_VALID_DAYS,
        },
        email=email,
        about=organisation,
    )
    return invitation


def invitation_is_expired(invitation: Invitation, now=None) -> bool:
    return invitation.created_at < (now or timezone.now()) - timedelta(days=INVITATION_VALID_DAYS)


def invitation_problem(invitation: Invitation, user: User) -> str | None:
    """Why `user` cannot accept `invitation` (a translated sentence), or None when they can."""
    if invitation.email.lower() != user.email.lower():
        return _("This invitation was sent to another e-mail address. Log in with that address to accept it.")
    if invitation.accepted_at is not None:
        return _("This invitation has already been used.")
    if invitation_is_expired(invitation):
        return _("This invitation has expired. Ask an owner of the organisation to invite you again.")
    return None


@transaction.atomic
def accept_invitation(invitation: Invitation, *, by: User) -> Membership:
    """Make `by` a member, if the invitation was sent to their e-mail address and is still valid.
    Accepting twice is harmless: the existing membership is returned."""
    invitation = Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
    existing = Membership.objects.filter(organisation=invitation.organisation, user=by).first()
    if existing and invitation.accepted_at is not None:
        return existing
    problem = invitation_problem(invitation, by)
    if problem:
        raise MembershipError(problem)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    if existing and existing.lapsed_at is None:
        return existing
    if existing:
        # The mandate it rested on ended; from now on it rests on the invitation.
        existing.role, existing.mandate_role, existing.lapsed_at = invitation.role, "", None
        existing.save(update_fields=["role", "mandate_role", "lapsed_at"])
        membership = existing
    else:
        membership = Membership.objects.create(organisation=invitation.organisation, user=by, role=invitation.role)
    audit.record(invitation.organisation, "member_joined", by=by, email=by.email, role=invitation.role)
    if invitation.invited_by_id:
        notify(
            invitation.invited_by,
            "accounts_invitation_accepted",
            {"organisation": invitation.organisation, "member": by},
            about=invitation.organisation,
        )
    return membership


@transaction.atomic
def cancel_invitation(invitation: Invitation, *, by: User) -> None:
    """Withdraw a pending invitation: its link stops working."""
    _require(by, "accounts.manage_members", invitation.organisation)
    if invitation.accepted_at is not None:
        raise MembershipError(_("This invitation has already been accepted."))
    audit.record(invitation.organisation, "invitation_cancelled", by=by, email=invitation.email)
    invitation.delete()


def _lock_owners(organisation: Organisation) -> list[int]:
    # Locking every membership row of the organisation serialises concurrent removals, so two
    # owners removing each other at the same moment cannot leave the organisation ownerless.
    # A lapsed owner (mandate ended) manages nothing, so does not count.
    rows = list(
        Membership.objects.select_for_update().filter(organisation=organisation).values_list("pk", "role", "lapsed_at")
    )
    return [pk for pk, role, lapsed_at in rows if role == Membership.Role.OWNER and lapsed_at is None]


@transaction.atomic
def remove_member(membership: Membership, *, by: User) -> None:
    """Remove a member (owners) or leave (the member). The last owner can neither be removed nor
    leave: an organisation always has someone who can manage it."""
    _require(by, "accounts.remove_membership", membership)
    owners = _lock_owners(membership.organisation)
    if membership.role == Membership.Role.OWNER and owners == [membership.pk]:
        raise MembershipError(_("The last owner cannot be removed. First make another member an owner."))
    leaving = membership.user_id == by.pk
    audit.record(
        membership.organisation,
        "member_left" if leaving else "member_removed",
        by=by,
        email=membership.user.email,
        role=membership.role,
    )
    membership.delete()


@transaction.atomic
def change_role(membership: Membership, *, role: str, by: User) -> Membership:
    """Make a member an owner or an owner a member; the last owner keeps the role."""
    _require(by, "accounts.manage_members", membership.organisation)
    owners = _lock_owners(membership.organisation)
    if role == membership.role:
        return membership
    if membership.role == Membership.Role.OWNER and owners == [membership.pk]:
        raise MembershipError(_("The last owner must stay owner. First make another member an owner."))
    membership.role = role
    membership.save(update_fields=["role"])
    audit.record(membership.organisation, "member_role_changed", by=by, email=membership.user.email, role=role)
    return membership


# --- The government identity provider (accounts/oidc.py) ------------------------------------


@dataclass(frozen=True)
class Mandate:
    """The provider's word that the person may represent an enterprise, in a role such as
    "legal_representative" (an owner here, see OIDC_MANDATE_OWNER_ROLES) or "delegated_user"."""

    kbo_number: str
    role: str
    name: str = ""

    @property
    def membership_role(self) -> str:
        owner_roles = settings.OIDC_MANDATE_OWNER_ROLES
        return Membership.Role.OWNER if self.role in owner_roles else Membership.Role.MEMBER

    def as_dict(self) -> dict:
        return {"kbo_number": self.kbo_number, "role": self.role, "name": self.name}


def _grant_mandate(user: User, organisation: Organisation, mandate: Mandate, now) -> Membership:
    if not organisation.kbo_confirmed_at:
        organisation.kbo_confirmed_at = now
        organisation.save(update_fields=["kbo_confirmed_at"])
        audit.record(organisation, "kbo_confirmed", by=user, kbo=organisation.kbo_number)
    role = mandate.membership_role
    membership, created = Membership.objects.select_for_update().get_or_create(
        user=user, organisation=organisation, defaults={"role": role, "mandate_role": mandate.role}
    )
    if created or membership.role != role or membership.lapsed_at or membership.mandate_role != mandate.role:
        membership.role, membership.mandate_role, membership.lapsed_at = role, mandate.role, None
        membership.save(update_fields=["role", "mandate_role", "lapsed_at"])
        audit.record(organisation, "mandate_applied", by=user, email=user.email, role=role, mandate=mandate.role)
    return membership


@transaction.atomic
def apply_mandates(user: User, mandates: list[Mandate], *, now=None) -> list[Mandate]:
    """Bring the person's memberships in line with the mandates the provider gave at this login:
    an owner or member of each known organisation, and every membership that rested on a mandate
    no longer given marked lapsed (no access; kept for the record, nothing deleted). Returns the
    mandates for organisations that do not exist yet: the person picks their kind once
    (`create_mandated_organisations`)."""
    now = now or timezone.now()
    given = {m.kbo_number: m for m in mandates}
    known = {o.kbo_number: o for o in Organisation.objects.select_for_update().filter(kbo_number__in=given)}
    pending = []
    for number, mandate in given.items():
        if number in known:
            _grant_mandate(user, known[number], mandate, now)
        else:
            pending.append(mandate)
    ended = (
        Membership.objects.select_for_update()
        .filter(user=user, lapsed_at=None)
        .exclude(mandate_role="")
        .exclude(organisation__kbo_number__in=given)
        .select_related("organisation")
    )
    for membership in ended:
        membership.lapsed_at = now
        membership.save(update_fields=["lapsed_at"])
        audit.record(membership.organisation, "mandate_lapsed", by=user, email=user.email, role=membership.role)
    return pending


@transaction.atomic
def create_mandated_organisations(user: User, mandates: list[Mandate], kinds: dict[str, str]) -> list[Organisation]:
    """Create the organisations of `mandates` (kind chosen by the person) with their enterprise
    number confirmed, and make the person an owner or member as the mandate says. An
    organisation someone created in the meantime is joined, not duplicated."""
    now = timezone.now()
    organisations = []
    for mandate in mandates:
        organisation = Organisation.objects.select_for_update().filter(kbo_number=mandate.kbo_number).first()
        if organisation is None:
            name = mandate.name or _("Enterprise %(kbo)s") % {"kbo": kbo.display(mandate.kbo_number)}
            organisation = Organisation(
                name=name[:200], kind=kinds[mandate.kbo_number], kbo_number=mandate.kbo_number, kbo_confirmed_at=now
            )
            organisation.full_clean()
            organisation.save()
            audit.record(organisation, "organisation_created", by=user, name=organisation.name, kbo=mandate.kbo_number)
        _grant_mandate(user, organisation, mandate, now)
        organisations.append(organisation)
    return organisations


@transaction.atomic
def record_government_identity(
    user: User, *, email: str = "", name: str = "", national_register_hmac: str = ""
) -> User:
    """Keep the account in step with the provider's verified claims: a changed e-mail address
    becomes the login address (unless another account has it), the name follows, and the
    national register number is kept only as its keyed hash."""
    from allauth.account.models import EmailAddress

    user = User.objects.select_for_update().get(pk=user.pk)
    changed = []
    email = (email or "").strip().lower()
    if email and email != user.email and not User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        audit.record(user, "email_changed_by_identity_provider", by=user, old=user.email, new=email)
        user.email = email
        changed.append("email")
        EmailAddress.objects.filter(user=user).update(primary=False)
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    if name and name[:150] != user.full_name:
        user.full_name = name[:150]
        changed.append("full_name")
    if national_register_hmac and national_register_hmac != user.national_register_hmac:
        user.national_register_hmac = national_register_hmac
        changed.append("national_register_hmac")
    if changed:
        user.save(update_fields=changed)
    return user

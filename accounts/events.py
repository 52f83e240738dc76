"""What the audit actions of accounts.services mean, in words (registered with `portal.audit`)."""

from django.utils.translation import gettext_lazy as _

WORDING = {
    "organisation_created": _("Organisation created"),
    "organisation_updated": _("Details changed"),
    "member_invited": _("Invitation sent"),
    "invitation_cancelled": _("Invitation withdrawn"),
    "member_joined": _("Member joined"),
    "member_left": _("Member left"),
    "member_removed": _("Member removed"),
    "member_role_changed": _("Role changed"),
}

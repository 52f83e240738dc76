"""What applications contributes to a person's data export and to erasure (accounts/privacy.py):
the applications of their organisations and those they started, the messages on them, and the
files they uploaded. Nothing of an organisation they do not belong to."""

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.privacy import Contributor, Package, register

from . import content, selectors
from .models import Application, Attachment, Message


def _applications(user: User):
    mine = Q(lead_organisation__memberships__user=user) | Q(created_by=user)
    ids = Application.objects.filter(mine).values("pk")
    return selectors.with_content(Application.objects.filter(pk__in=ids)).order_by("pk")


def export(user: User, package: Package) -> None:
    applications = list(_applications(user))
    package.sections["applications"] = [
        {
            "id": application.pk,
            "status": application.status,
            "submitted_at": application.submitted_at.isoformat() if application.submitted_at else None,
            "started_by_you": application.created_by_id == user.pk,
            "content": content.canonical(application),
        }
        for application in applications
    ]
    ids = [application.pk for application in applications]
    package.sections["messages"] = [
        {
            "application": message.application_id,
            "sent": message.created_at.isoformat(),
            "from_staff": message.from_staff,
            "written_by_you": message.author_id == user.pk,
            "body": message.body,
        }
        for message in Message.objects.filter(application_id__in=ids).order_by("created_at", "pk")
    ]
    uploads = Attachment.objects.filter(application_id__in=ids, uploaded_by=user).order_by("pk")
    package.sections["uploads"] = [
        {
            "application": attachment.application_id,
            "file": f"{attachment.application_id}/{attachment.pk}-{attachment.original_name}",
            "uploaded": attachment.uploaded_at.isoformat(),
            "sha256": attachment.sha256,
        }
        for attachment in uploads
    ]
    for attachment in uploads:
        if attachment.file:
            package.files.append(
                (f"{attachment.application_id}/{attachment.pk}-{attachment.original_name}", attachment.file.open)
            )


def keep_reasons(user: User) -> list[str]:
    """A submitted application belongs to its organisation: its author is anonymised, not removed."""
    reasons = []
    if Application.objects.filter(created_by=user, submitted_at__isnull=False).exists():
        reasons.append(_("submitted applications"))
    if Message.objects.filter(author=user).exists():
        reasons.append(_("messages on applications"))
    if Attachment.objects.filter(uploaded_by=user, application__submitted_at__isnull=False).exists():
        reasons.append(_("attachments of submitted applications"))
    return reasons


register(Contributor("applications", export, keep_reasons))

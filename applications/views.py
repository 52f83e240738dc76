"""Applicant pages. Views ask rules for access (denied object access is a 404) and call
services for every change."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from .models import Application, Attachment


def _application_for(request, pk, permission="applications.view_application"):
    application = get_object_or_404(Application.objects.select_related("call", "lead_organisation"), pk=pk)
    if not request.user.has_perm(permission, application):
        raise Http404
    return application


@login_required
def download_attachment(request, pk, attachment_pk):
    """Attachments are served only here, to people who may see the application, as downloads."""
    application = _application_for(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, application=application)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def application_list(request):
    from django.shortcuts import render

    from . import selectors

    applications = selectors.for_list(Application.objects.of_user(request.user))
    return render(request, "applications/list.html", {"applications": applications})


@login_required
def application_detail(request, pk):
    from django.shortcuts import render

    from . import selectors

    _application_for(request, pk)
    application = selectors.with_content(Application.objects.all()).get(pk=pk)
    return render(request, "applications/detail.html", {"application": application})


@login_required
def messages_view(request, pk):
    return application_detail(request, pk)

"""Applicant pages. Views ask rules for access (denied object access is a 404, anonymous users
get the login page) and call services for every change; a refused change comes back as a
message beside the form, with what the user typed still in it."""

from __future__ import annotations

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from accounts.models import Organisation
from calls.models import Call, Question, QuestionKind, RequiredDocument

from . import content, selectors, services, uploads, workflow
from .forms import (
    BudgetLineFormSet,
    FundingForm,
    GeneralForm,
    MessageForm,
    PartnerFormSet,
    QuestionsForm,
    StartForm,
    SubmitForm,
    UploadForm,
    WithdrawForm,
    budget_line_initial,
    partner_initial,
    waiver_allowed,
)
from .models import Application, Attachment, Message, Status
from .uploads import MB, SizeLimitUploadHandler, UploadRefused
from .workflow import Transition, TransitionError

SECTIONS = ("general", "partners", "budget", "questions", "attachments", "review")
LIST_PAGE_SIZE = 25


# --- loading with permission checks -------------------------------------------------------


def _application_for(request, pk, permission="applications.view_application", *, content=False):
    queryset = Application.objects.select_related("call", "lead_organisation")
    if content:
        queryset = selectors.with_content(Application.objects.all())
    application = get_object_or_404(queryset, pk=pk)
    if not request.user.has_perm(permission, application):
        raise Http404
    return application


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- list and start -----------------------------------------------------------------------


@login_required
def application_list(request):
    """Every application of every organisation the user belongs to."""
    queryset = selectors.for_list(Application.objects.of_user(request.user)).order_by("-updated_at", "-pk")
    page = Paginator(queryset, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "applications/list.html", {"page": page, "applications": page.object_list})


@login_required
def start(request, slug):
    """Start (or open the existing draft of) an application in an open call. GET asks which
    organisation leads; POST creates the draft, or opens the one that already exists."""
    call = get_object_or_404(Call.objects.published(), slug=slug)
    prefill = _self_check_answers(request, call)
    organisations = list(Organisation.objects.filter(memberships__user=request.user).order_by("name"))
    only = organisations[0] if len(organisations) == 1 else None
    form = StartForm(user=request.user, initial={"organisation": only.pk} if only else None)
    if request.method == "POST" and organisations:
        data = request.POST
        if only is not None and not data.get("organisation"):
            data = {"organisation": only.pk}
        if data.get("organisation"):
            form = StartForm(data, user=request.user)
            if form.is_valid():
                try:
                    application, created = services.start(
                        call, by=request.user, organisation=form.cleaned_data["organisation"], prefill=prefill
                    )
                except TransitionError as error:
                    form.add_error(None, error.message)
                else:
                    if not created:
                        messages.info(
                            request, _("Your organisation already has a draft in this call; it is opened here.")
                        )
                    return redirect("applications:section", application.pk, "general")
    context = {
        "call": call,
        "form": form,
        "organisations": organisations,
        "carried": request.GET.urlencode() if prefill else "",
    }
    return render(request, "applications/start.html", context, status=200 if not form.errors else 400)


def _self_check_answers(request, call) -> dict:
    """What the self-check (its query string) says that a new draft can start from."""
    from calls.forms import SelfCheckForm

    if "lead_kind" not in request.GET:
        return {}
    form = SelfCheckForm(request.GET, call=call)
    if not form.is_valid():
        return {}
    data = form.cleaned_data
    answers = {name: data.get(name) for name in ("requested_amount", "start_date", "end_date", "waiver_motivation")}
    answers["objectives"] = list(data.get("objectives") or [])
    return {name: value for name, value in answers.items() if value not in (None, "", [])}


# --- the sections -------------------------------------------------------------------------


def _section_context(request, application, section, **extra):
    # A brand-new draft is not greeted with everything that blocks it: findings appear once the
    # applicant has entered something (the review step always shows what is missing).
    untouched = section != "review" and not application.has_entries
    findings = [] if untouched else selectors.findings_for(application)
    missing = [] if untouched else selectors.missing_for(application)
    labels = selectors.section_labels()
    context = {
        "application": application,
        "section": section,
        "section_label": labels[section],
        "sections": selectors.sections_for(application, findings, missing),
        "findings": findings,
        "missing": missing,
        "blocking": [f for f in findings + missing if f.blocking],
        "editable": services.can_edit(application, section, by=request.user) if section != "review" else False,
        "edit_refusal": services.edit_refusal(application, section, by=request.user) if section != "review" else "",
        "labels": labels,
        "finding_sections": _finding_section_map(),
        "untouched": untouched,
    }
    context.update(extra)
    return context


def _finding_section_map():
    # Where the applicant changes what a finding is about.
    return {
        "lead": "general",
        "objectives": "general",
        "dates": "general",
        "partners": "partners",
        "budget": "budget",
        "waiver": "budget",
        "questions": "questions",
        "attachments": "attachments",
    }


def _reload(application):
    return selectors.with_content(Application.objects.all()).get(pk=application.pk)


# --- what could not be saved --------------------------------------------------------------
# A value that does not validate is not stored on the application, but the applicant typed it:
# it is kept in their session (per application and section) with its message, and shown again
# when they come back, until a valid value replaces it.


def _unsaved_key(application, section) -> str:
    return f"unsaved:{application.pk}:{section}"


def _remember_unsaved(request, application, section, forms: dict) -> None:
    unsaved = {}
    for form in _simple_forms(forms):
        for name in form.errors:
            if name not in form.fields or name == "version":
                continue
            field = form.fields[name]
            raw = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
            unsaved[name] = {"value": raw, "errors": [str(e) for e in form.errors[name]]}
    key = _unsaved_key(application, section)
    if unsaved:
        request.session[key] = unsaved
    else:
        request.session.pop(key, None)


def _restore_unsaved(request, application, section, forms: dict) -> None:
    unsaved = request.session.get(_unsaved_key(application, section)) or {}
    for form in _simple_forms(forms):
        if form.is_bound:
            continue
        form.full_clean()  # an unbound form: sets empty errors, which the kept ones join
        for name, kept in unsaved.items():
            if name in form.fields:
                form.initial[name] = kept["value"]
                form._errors[name] = form.error_class(kept["errors"])


def _simple_forms(forms: dict):
    return [form for form in forms.values() if isinstance(form, django_forms.Form)]


class SectionHandler:
    """Builds the forms of one section, saves them through the service, and says which fields
    could be saved on their own (autosave)."""

    def __init__(self, request, application, data=None):
        self.request, self.application, self.data = request, application, data
        # The version after this request's save (None: nothing was saved).
        self.saved_version = None

    def forms(self) -> dict:
        raise NotImplementedError

    def save(self, forms: dict, *, partial: bool) -> bool:
        """Save; returns False when nothing could be saved because of errors."""
        raise NotImplementedError

    def version(self):
        """The version the page was loaded with. Without one nothing is saved: a request that lost
        its fields (or forged them) must not overwrite the stored text with blanks."""
        version = _int_or_none((self.data or {}).get("version"))
        if version is None:
            raise services.StaleVersion(
                _(
                    "This page was sent without the version it was loaded with, so nothing was saved. "
                    "Reload the page and make your changes again."
                )
            )
        return version


class GeneralHandler(SectionHandler):
    def forms(self):
        return {"form": GeneralForm(self.data, application=self.application)}

    def save(self, forms, *, partial):
        form = forms["form"]
        valid = form.is_valid()
        if not valid and not partial:
            return False
        data = form.valid_data()
        if not data:
            return False
        saved = services.save_general(self.application, by=self.request.user, version=self.version(), data=data)
        self.saved_version = saved.version
        return valid


class PartnersHandler(SectionHandler):
    def forms(self):
        return {
            "formset": PartnerFormSet(self.data, initial=partner_initial(self.application), prefix="partners"),
            "version": self.application.version,
        }

    def save(self, forms, *, partial):
        formset = forms["formset"]
        if not formset.is_valid():
            return False
        saved = services.save_partners(
            self.application, by=self.request.user, version=self.version(), partners=formset.rows()
        )
        self.saved_version = saved.version
        return True


class BudgetHandler(SectionHandler):
    def forms(self):
        return {
            "form": FundingForm(self.data, application=self.application),
            "formset": BudgetLineFormSet(self.data, initial=budget_line_initial(self.application), prefix="lines"),
            "waiver_allowed": waiver_allowed(self.application.call),
        }

    def save(self, forms, *, partial):
        form, formset = forms["form"], forms["formset"]
        form_valid, lines_valid = form.is_valid(), formset.is_valid()
        if not (form_valid and lines_valid) and not partial:
            return False
        funding = {k: v for k, v in form.cleaned_data.items() if k != "version" and k not in form.errors}
        lines = formset.rows() if lines_valid else None
        if not funding and lines is None:
            return False
        saved = services.save_budget(
            self.application, by=self.request.user, version=self.version(), lines=lines, funding=funding
        )
        self.saved_version = saved.version
        return form_valid and lines_valid


class QuestionsHandler(SectionHandler):
    def forms(self):
        questions = selectors.questions_of(self.application)
        return {"form": QuestionsForm(self.data, application=self.application, questions=questions)}

    def save(self, forms, *, partial):
        form = forms["form"]
        valid = form.is_valid()
        if not valid and not partial:
            return False
        saved = services.save_answers(
            self.application, by=self.request.user, version=self.version(), answers=form.answers(only_valid=True)
        )
        self.saved_version = saved.version
        return valid


HANDLERS = {
    "general": GeneralHandler,
    "partners": PartnersHandler,
    "budget": BudgetHandler,
    "questions": QuestionsHandler,
}


def _next_section(section):
    index = SECTIONS.index(section)
    return SECTIONS[min(index + 1, len(SECTIONS) - 1)]


@login_required
def section(request, pk, section):
    """One section of the form: shows it (read-only when it can no longer be changed) and saves it."""
    if section not in SECTIONS:
        raise Http404
    application = _application_for(request, pk, "applications.change_application", content=True)
    if section == "attachments":
        return _attachments_page(request, application)
    if section == "review":
        return render(request, "applications/section_review.html", _review_context(request, application))
    handler = HANDLERS[section](request, application, request.POST if request.method == "POST" else None)
    forms = handler.forms()
    status = 200
    if request.method == "POST":
        try:
            # Whatever validates is saved, even beside a field with an error: nothing typed is lost.
            complete = handler.save(forms, partial=True)
            _remember_unsaved(request, application, section, forms)
            if complete:
                messages.success(request, _("Saved."))
                target = _next_section(section) if "save_next" in request.POST else section
                return redirect("applications:section", application.pk, target)
            if handler.saved_version is not None:
                messages.warning(
                    request, _("The valid fields were saved. Please correct the fields marked below: they were not.")
                )
                # The page goes on from the version just saved, with what was typed still in it.
                data = request.POST.copy()
                data["version"] = str(handler.saved_version)
                application = _reload(application)
                handler = HANDLERS[section](request, application, data)
                forms = handler.forms()
                for form in forms.values():
                    if hasattr(form, "is_valid"):
                        form.is_valid()
            else:
                messages.error(request, _("Not saved: please correct the fields marked below."))
        except services.StaleVersion as error:
            forms["stale"] = error.message
            status = 409
        except TransitionError as error:
            forms["refused"] = error.message
    else:
        _restore_unsaved(request, application, section, forms)
    context = _section_context(request, application, section, **forms)
    return render(request, f"applications/section_{section}.html", context, status=status)


@login_required
@require_POST
def autosave(request, pk, section):
    """HTMX autosave: saves what validates, answers a small status fragment and refreshes the
    version, the findings and the progress on the page (out-of-band swaps)."""
    if section not in HANDLERS:
        raise Http404
    application = _application_for(request, pk, "applications.change_application")
    handler = HANDLERS[section](request, application, request.POST)
    forms = handler.forms()
    state, message = "saved", ""
    try:
        complete = handler.save(forms, partial=True)
        _remember_unsaved(request, application, section, forms)
        if not complete:
            state = "partial"
    except services.StaleVersion as error:
        state, message = "stale", error.message
    except TransitionError as error:
        state, message = "refused", error.message
    application = _reload(application)
    context = _section_context(request, application, section)
    context.update(state=state, message=message, saved_at=timezone.now(), oob=True, saved_version=handler.saved_version)
    return render(request, "applications/includes/autosave_status.html", context)


# --- attachments --------------------------------------------------------------------------


def _upload_slots(application):
    """Each required document and file question with its files so far."""
    attachments = list(application.attachments.all())
    answers = {a.question_id: a.value for a in application.answers.all()}
    slots = []
    for document in selectors.documents_of(application):
        files = [a for a in attachments if a.document_id == document.pk]
        slots.append({"key": f"document-{document.pk}", "document": document, "files": files})
    for question in selectors.questions_of(application):
        if question.kind == QuestionKind.FILE:
            value = answers.get(question.pk) or {}
            files = [a for a in attachments if isinstance(value, dict) and a.pk == value.get("attachment")]
            slots.append({"key": f"question-{question.pk}", "question": question, "files": files})
    return slots


def _attachments_page(request, application, *, errors=None, status=200):
    context = _section_context(
        request,
        application,
        "attachments",
        slots=_upload_slots(application),
        upload_errors=errors or {},
        upload_form=UploadForm(),
        max_attachments=application.call.max_attachments,
        attachment_count=len(application.attachments.all()),
    )
    return render(request, "applications/section_attachments.html", context, status=status)


def _handle_upload(request, pk, *, document_pk=None, question_pk=None):
    application = _application_for(request, pk, "applications.change_application")
    document = question = None
    if document_pk is not None:
        document = get_object_or_404(RequiredDocument.objects.active(), pk=document_pk, call=application.call)
        limit_mb = document.size_limit_mb
        key = f"document-{document.pk}"
    else:
        question = get_object_or_404(
            Question.objects.active(), pk=question_pk, call=application.call, kind=QuestionKind.FILE
        )
        limit_mb = application.call.max_upload_mb
        key = f"question-{question.pk}"
    # Must happen before anything reads the request body: the limit is checked while it streams.
    handler = SizeLimitUploadHandler(request, max_bytes=limit_mb * MB)
    request.upload_handlers.insert(0, handler)
    return csrf_protect(_store_upload)(request, application, handler, key, limit_mb, document, question)


def _store_upload(request, application, handler, key, limit_mb, document, question):
    if request.method != "POST":
        return redirect("applications:section", application.pk, "attachments")
    form = UploadForm(request.POST, request.FILES)
    error = None
    if handler.too_large:
        name = handler.too_large[0]
        error = _("“%(name)s” is larger than %(limit)s MB, the maximum for this document.") % {
            "name": name,
            "limit": limit_mb,
        }
    elif not form.is_valid():
        error = " ".join(form.errors.get("file", [_("Choose a file.")]))
    else:
        try:
            services.add_attachment(
                application, by=request.user, document=document, upload=form.cleaned_data["file"], question=question
            )
        except (UploadRefused, TransitionError) as refused:
            error = refused.message
    if error:
        return _attachments_page(request, _reload(application), errors={key: error}, status=400)
    messages.success(request, _("The file was added."))
    return redirect("applications:section", application.pk, "attachments")


@csrf_exempt  # CSRF is checked by _store_upload, after the size-limiting handler is installed
@login_required
def upload_document(request, pk, document_pk):
    return _handle_upload(request, pk, document_pk=document_pk)


@csrf_exempt  # see upload_document
@login_required
def upload_answer(request, pk, question_pk):
    return _handle_upload(request, pk, question_pk=question_pk)


@login_required
def delete_attachment(request, pk, attachment_pk):
    """Asks first (GET shows the confirmation, also without JavaScript); POST removes the file."""
    application = _application_for(request, pk, "applications.change_application")
    attachment = get_object_or_404(Attachment, pk=attachment_pk, application=application)
    if request.method != "POST" or "confirm" not in request.POST:
        return render(
            request, "applications/delete_attachment.html", {"application": application, "attachment": attachment}
        )
    try:
        services.remove_attachment(attachment, by=request.user)
    except TransitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The file was removed."))
    return redirect("applications:section", application.pk, "attachments")


@login_required
def download_attachment(request, pk, attachment_pk):
    """Attachments are served only here, to people who may see the application, as downloads."""
    application = _application_for(request, pk)
    return uploads.download(get_object_or_404(Attachment, pk=attachment_pk, application=application))


# --- review, submit, reopen, withdraw -----------------------------------------------------


def _review_context(request, application, **extra):
    context = _section_context(request, application, "review")
    context["submit_form"] = extra.pop("submit_form", None) or SubmitForm(initial={"version": application.version})
    context["can_submit"] = application.status in (Status.DRAFT, Status.INCOMPLETE) and request.user.has_perm(
        "applications.change_application", application
    )
    context.update(extra)
    return context


@login_required
@require_POST
def submit(request, pk):
    application = _application_for(request, pk, "applications.change_application")
    form = SubmitForm(request.POST)
    valid = form.is_valid()
    version = form.cleaned_data.get("version") if valid else None
    declaration = bool(form.cleaned_data.get("declaration")) if valid else False
    try:
        application = services.submit(application, by=request.user, declaration=declaration, version=version)
    except TransitionError as error:
        form.add_error(None, error.message)
        context = _review_context(request, _reload(application), submit_form=form, submit_error=error.message)
        return render(request, "applications/section_review.html", context, status=409)
    messages.success(
        request,
        _("Your application was submitted. Its reference is %(reference)s.") % {"reference": application.reference},
    )
    return redirect("applications:detail", application.pk)


@login_required
@require_POST
def reopen(request, pk):
    application = _application_for(request, pk, "applications.change_application")
    try:
        services.reopen(application, by=request.user)
    except TransitionError as error:
        messages.error(request, error.message)
        return redirect("applications:detail", application.pk)
    messages.success(
        request, _("The application is a draft again. Change what you need and submit it again before the deadline.")
    )
    return redirect("applications:section", application.pk, "general")


@login_required
def withdraw(request, pk):
    application = _application_for(request, pk, "applications.change_application")
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw(application, by=request.user, reason=form.cleaned_data["reason"])
        except TransitionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The application was withdrawn."))
            return redirect("applications:detail", application.pk)
    return render(request, "applications/withdraw.html", {"application": application, "form": form})


@login_required
def delete_draft(request, pk):
    """Confirm, then delete a draft that was never submitted."""
    application = _application_for(request, pk, "applications.delete_application")
    error = None
    if request.method == "POST":
        try:
            services.delete_draft(application, by=request.user)
        except TransitionError as refusal:
            error = refusal.message
        else:
            messages.success(request, _("The draft was deleted."))
            return redirect("applications:list")
    return render(
        request, "applications/delete.html", {"application": application, "error": error}, status=400 if error else 200
    )


# --- read-only page, timeline, receipt ----------------------------------------------------


def _is_staff_view(request, application) -> bool:
    return request.user.has_perm("applications.manage_application", application) and not request.user.has_perm(
        "applications.change_application", application
    )


@login_required
def application_detail(request, pk):
    application = _application_for(request, pk, content=True)
    user = request.user
    is_member = user.has_perm("applications.change_application", application)
    staff = _is_staff_view(request, application)
    findings = selectors.findings_for(application) if is_member and application.status == Status.DRAFT else []
    context = {
        "application": application,
        "is_member": is_member,
        "staff": staff,
        "visible_status": application.visible_status if not staff else application.status,
        "timeline": selectors.timeline_for(application, staff=staff),
        "can_edit": is_member and services.can_edit(application, "questions", by=user),
        "can_reopen": is_member and workflow.allowed(application, Transition.REOPEN, by=user),
        "can_withdraw": is_member and workflow.allowed(application, Transition.WITHDRAW, by=user),
        "can_delete": user.has_perm("applications.delete_application", application),
        "has_receipt": _has_receipt(application),
        "unread": Message.objects.filter(application=application, from_staff=not staff, read_at__isnull=True).count(),
        "findings": findings,
        "labels": selectors.section_labels(),
    }
    return render(request, "applications/detail.html", context)


def _has_receipt(application) -> bool:
    return bool(application.submitted_at and application.reference and application.status != Status.DRAFT)


@login_required
def receipt(request, pk):
    """The PDF receipt of a submitted application, with a hash of the submitted content."""
    application = _application_for(request, pk, content=True)
    if not _has_receipt(application):
        raise Http404
    from weasyprint import HTML

    html = render_to_string(
        "applications/receipt.html",
        {
            "application": application,
            "content_hash": content.content_hash(application),
            "generated_at": timezone.now(),
            "url": request.build_absolute_uri(reverse("applications:detail", args=[application.pk])),
        },
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{application.reference}-receipt.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def proposal_pdf(request, pk):
    """The whole application as a printable PDF: the content staff and reviewers read
    (applications/includes/content.html), nothing of the reviews. Whoever may open the
    application's page may print it."""
    application = _application_for(request, pk, content=True)
    from weasyprint import HTML

    html = render_to_string(
        "applications/proposal_pdf.html",
        {
            "application": application,
            "generated_at": timezone.now(),
            "url": request.build_absolute_uri(reverse("applications:detail", args=[application.pk])),
            "portal_name": settings.PORTAL_NAME,
            "funder_name": settings.PORTAL_FUNDER_NAME,
        },
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    name = slugify(application.reference or application.acronym or application.title)[:60] or str(application.pk)
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- messages -----------------------------------------------------------------------------


@login_required
def messages_view(request, pk):
    """The thread between staff and the applicant on one application."""
    application = _application_for(request, pk)
    is_member = request.user.has_perm("applications.change_application", application)
    staff = request.user.has_perm("applications.manage_application", application) and not is_member
    if not (is_member or staff):
        raise Http404  # reviewers do not take part in the thread
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_message(application, by=request.user, body=form.cleaned_data["body"], from_staff=staff)
        except TransitionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your message was sent."))
            return redirect("applications:messages", application.pk)
    services.mark_messages_read(application, by=request.user, from_staff=staff)
    thread = application.messages.select_related("author")
    return render(
        request,
        "applications/messages.html",
        {"application": application, "thread": thread, "form": form, "staff": staff},
    )

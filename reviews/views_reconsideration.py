"""Reconsideration pages: the applicant's request (linked from the evaluation summary), staff's
list per call and the detail page with the answer form, and the permission-checked download of
the files. Rules and state changes: reviews/reconsideration.py. Reviewers appear nowhere."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from applications import uploads

from . import reconsideration as service
from .forms_reconsideration import ReconsiderationAnswerForm, ReconsiderationRequestForm
from .models import Reconsideration, ReconsiderationAttachment
from .views_ranking import ManagedCallMixin
from .views_summary import published_decision_for


def _put_errors(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- applicant ----------------------------------------------------------------------------


class RequestView(LoginRequiredMixin, TemplateView):
    """Ask for a reconsideration of a published decision, or read how the request went."""

    template_name = "reviews/reconsideration_request.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.application, self.decision = published_decision_for(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, form=None, **kwargs):
        existing = Reconsideration.objects.filter(application=self.application).prefetch_related("attachments").first()
        return super().get_context_data(
            application=self.application,
            call=self.application.call,
            decision=self.decision,
            reconsideration=existing,
            deadline=service.deadline_for(existing.decision_published_at if existing else self.decision.published_at),
            refusal=None if existing else service.refusal(self.application, self.decision, by=self.request.user),
            form=form or ReconsiderationRequestForm(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = ReconsiderationRequestForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                service.request(
                    self.application,
                    by=request.user,
                    motivation=form.cleaned_data["motivation"],
                    uploads=form.cleaned_data["files"],
                )
            except ValidationError as error:
                _put_errors(form, error)
            else:
                messages.success(request, _("Your request for reconsideration was sent to the programme staff."))
                return redirect("summary:reconsideration", self.application.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ApplicantFileView(LoginRequiredMixin, View):
    def get(self, request, pk, file_pk):
        application, _decision = published_decision_for(request.user, pk)
        attachment = get_object_or_404(ReconsiderationAttachment, pk=file_pk, reconsideration__application=application)
        return uploads.download(attachment)


# --- staff --------------------------------------------------------------------------------


class ListView(ManagedCallMixin, TemplateView):
    """The reconsiderations of one call, open ones first; a fixed number of queries."""

    template_name = "reviews/reconsideration_list.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        rows = (
            Reconsideration.objects.filter(application__call=self.call)
            .select_related("application__lead_organisation")
            .annotate(file_count=Count("attachments"))
            .order_by("answered_at", "requested_at", "pk")
        )
        page = Paginator(rows, self.paginate_by).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.has_other_pages(),
            reconsiderations=page.object_list,
            **kwargs,
        )


class DetailView(ManagedCallMixin, TemplateView):
    template_name = "reviews/reconsideration_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)

    def get_reconsideration(self) -> Reconsideration:
        reconsideration = get_object_or_404(
            Reconsideration.objects.select_related(
                "application__lead_organisation", "application__decision", "application__call"
            ).prefetch_related("attachments"),
            pk=self.kwargs["pk"],
            application__call=self.call,
        )
        if not self.request.user.has_perm("reviews.answer_reconsideration", reconsideration.application):
            raise Http404
        return reconsideration

    def get_context_data(self, form=None, **kwargs):
        reconsideration = self.get_reconsideration()
        decision = getattr(reconsideration.application, "decision", None)
        initial = {"granted_amount": decision.granted_amount if decision else None}
        return super().get_context_data(
            reconsideration=reconsideration,
            application=reconsideration.application,
            decision=decision,
            form=form or ReconsiderationAnswerForm(initial=initial),
            crumb=_("Reconsiderations"),
            active="reconsiderations",
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        reconsideration = self.get_reconsideration()
        form = ReconsiderationAnswerForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["answer"] == form.GRANT:
                    service.grant(
                        reconsideration,
                        outcome=data["outcome"],
                        granted_amount=data.get("granted_amount"),
                        motivation=data["outcome_motivation"],
                        by=request.user,
                    )
                    messages.success(request, _("The decision was revised, published and e-mailed to the applicant."))
                else:
                    service.refuse(reconsideration, motivation=data["outcome_motivation"], by=request.user)
                    messages.success(request, _("The reconsideration was refused and the applicant was told."))
            except ValidationError as error:
                _put_errors(form, error)
            else:
                return redirect("ranking:reconsideration", self.call.slug, reconsideration.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class StaffFileView(ManagedCallMixin, View):
    def get(self, request, slug, pk, file_pk):
        attachment = get_object_or_404(
            ReconsiderationAttachment.objects.select_related("reconsideration__application"),
            pk=file_pk,
            reconsideration_id=pk,
            reconsideration__application__call=self.call,
        )
        if not request.user.has_perm("reviews.answer_reconsideration", attachment.reconsideration.application):
            raise Http404
        return uploads.download(attachment)

"""Staff pages of the review of one call (/manage/calls/<slug>/…): the application list with
filters and bulk actions, one application with admissibility and assignment, the automatic
assignment, progress, and consensus. Views call services; access is `calls.manage_call` on the
call (404 otherwise)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from applications import selectors as application_selectors
from applications import services as application_services
from applications.models import Application, Status
from applications.workflow import TransitionError
from calls.models import Call

from . import duplicates, queries, scoring, services
from .forms import (
    AdmissibilityForm,
    ApplicationFilter,
    AssignForm,
    AutomaticAssignmentForm,
    BulkActionForm,
    ConfirmForm,
    ConsensusForm,
    DuplicateFlagForm,
    MessageForm,
    WaiverForm,
)
from .models import AdmissibilityCheck, Assignment, Consensus, ConsensusScore

PAGE_SIZE = 50


class CallManagerMixin(LoginRequiredMixin):
    """Loads `self.call` from the slug; 404 unless the user manages it."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.call = get_object_or_404(Call, slug=kwargs["slug"])
        if not request.user.has_perm("calls.manage_call", self.call):
            raise Http404
        self.load(**kwargs)
        return super().dispatch(request, *args, **kwargs)

    def load(self, **kwargs) -> None:
        """Load what else the view needs (404 when it is not there)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["call"] = self.call
        return context


class ApplicationMixin(CallManagerMixin):
    """Also loads `self.application`: a submitted application of the call, else 404."""

    def load(self, **kwargs) -> None:
        self.application = get_object_or_404(
            application_selectors.with_content(queries.submitted_to(self.call)), pk=kwargs["pk"]
        )


# --- The application list --------------------------------------------------------------------


class ApplicationListView(CallManagerMixin, TemplateView):
    """Every submitted application of the call: filters, search, pagination and bulk actions
    (admit the selected; assign the selected reviewers to the selected applications)."""

    template_name = "reviews/manage/applications.html"

    def get_context_data(self, bulk_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = ApplicationFilter(self.request.GET or None, queryset=queries.staff_list(self.call), call=self.call)
        rows = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        bulk_form = bulk_form or BulkActionForm(call=self.call)
        selected = {str(v) for v in (bulk_form["applications"].value() or [])}
        context.update(
            filter=filterset,
            page=page,
            applications=page.object_list,
            query=query.urlencode(),
            bulk_form=bulk_form,
            selected=selected,
            pool=list(bulk_form.fields["reviewers"].queryset),
            selected_reviewers={str(v) for v in (bulk_form["reviewers"].value() or [])},
            Status=Status,
        )
        return context

    def post(self, request, *args, **kwargs):
        form = BulkActionForm(request.POST, call=self.call)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(bulk_form=form))
        applications = form.cleaned_data["applications"]
        if form.cleaned_data["action"] == BulkActionForm.ADMIT:
            self._admit(applications)
        else:
            self._assign(applications, form.cleaned_data["reviewers"])
        return HttpResponseRedirect(request.get_full_path())

    def _admit(self, applications):
        admitted, refused = 0, []
        for application in applications:
            try:
                services.admit(application, by=self.request.user)
                admitted += 1
            except TransitionError as error:
                refused.append(f"{application}: {error.message}")
        if admitted:
            messages.success(
                self.request,
                ngettext("%(n)s application admitted.", "%(n)s applications admitted.", admitted) % {"n": admitted},
            )
        for line in refused:
            messages.error(self.request, line)

    def _assign(self, applications, reviewers):
        try:
            outcome = services.assign_many(applications, reviewers, by=self.request.user)
        except TransitionError as error:
            messages.error(self.request, error.message)
            return
        created = len(outcome.created)
        if created:
            messages.success(
                self.request,
                ngettext("%(n)s assignment made.", "%(n)s assignments made.", created) % {"n": created},
            )
        for _application, _reviewer, reason in outcome.refused:
            messages.warning(self.request, reason)


# --- One application -------------------------------------------------------------------------


class ApplicationDetailView(ApplicationMixin, TemplateView):
    """All of an application for staff: content, eligibility findings, admissibility, the
    assignments and their state, messages with the applicant and the audit timeline."""

    template_name = "reviews/manage/application.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        application = self.application
        forms = {
            "admissibility_form": AdmissibilityForm(application=application),
            "waiver_form": WaiverForm(application=application),
            "assign_form": AssignForm(application=application),
            "message_form": MessageForm(),
        }
        forms.update({k: v for k, v in kwargs.items() if k.endswith("_form")})
        assignments = list(
            Assignment.objects.filter(application=application)
            .select_related("reviewer", "review")
            .order_by("assigned_at", "pk")
        )
        for assignment in assignments:
            assignment.state = queries.state_of(assignment)
        context.update(
            application=application,
            findings=application_selectors.findings_for(application),
            missing=application_selectors.missing_for(application),
            checks=AdmissibilityCheck.objects.filter(application=application).select_related("decided_by"),
            can_decide_admissibility=application.status in (Status.SUBMITTED, Status.INCOMPLETE),
            can_decide_waiver=application.status in (Status.SUBMITTED, Status.INCOMPLETE)
            and bool(application.waiver_motivation.strip())
            and not application.waiver_decision,
            can_assign=application.status == Status.IN_REVIEW,
            assignments=assignments,
            reviews=queries.submitted_reviews(application),
            thread=application.messages.select_related("author"),
            timeline=queries.timeline_for(application),
            duplicate_flags=self.duplicate_flags(kwargs.get("flag_form")),
            **forms,
        )
        return context

    def duplicate_flags(self, bound_form=None):
        """Possible double funding about this application, each from its own side, with a form."""
        flags = list(duplicates.flags_for(self.application))
        for flag in flags:
            flag.mine = flag.application_id == self.application.pk
            flag.counterpart = flag.other if flag.mine else flag.application
            flag.sides = [
                {"this": p["this"], "other": p["other"]} if flag.mine else {"this": p["other"], "other": p["this"]}
                for p in flag.passages
            ]
            if bound_form is not None and bound_form.flag_pk == flag.pk:
                flag.form = bound_form
            else:
                flag.form = DuplicateFlagForm(prefix=f"flag{flag.pk}")
        return flags


class AdmissibilityView(ApplicationDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        application = self.application
        form = AdmissibilityForm(request.POST, application=application)
        if form.is_valid():
            outcome, note = form.cleaned_data["outcome"], form.cleaned_data["note"]
            try:
                if outcome == AdmissibilityCheck.Outcome.ADMISSIBLE:
                    services.admit(application, by=request.user)
                    messages.success(request, _("The application is admissible and in review."))
                elif outcome == AdmissibilityCheck.Outcome.INCOMPLETE:
                    services.mark_incomplete(
                        application, by=request.user, missing=note, deadline=form.cleaned_data["deadline"]
                    )
                    messages.success(request, _("The applicant was asked to complete the application."))
                else:
                    services.mark_inadmissible(application, by=request.user, motivation=note)
                    messages.success(request, _("The application is inadmissible; the applicant was told why."))
                return redirect("manage_reviews:application", self.call.slug, application.pk)
            except TransitionError as error:
                form.add_error(None, error.message)
        return self.render_to_response(self.get_context_data(admissibility_form=form))


class WaiverView(ApplicationDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = WaiverForm(request.POST, application=self.application)
        if form.is_valid():
            accepted = form.cleaned_data["decision"] == "accept"
            try:
                services.decide_waiver(
                    self.application,
                    accepted=accepted,
                    motivation=form.cleaned_data["motivation"],
                    by=request.user,
                    deadline=form.cleaned_data["deadline"],
                )
            except TransitionError as error:
                form.add_error(None, error.message)
            else:
                if accepted:
                    messages.success(request, _("The waiver is accepted; the application can be admitted."))
                else:
                    messages.success(
                        request,
                        _("The waiver is refused; the applicant was asked to lower the request before the deadline."),
                    )
                return redirect("manage_reviews:application", self.call.slug, self.application.pk)
        return self.render_to_response(self.get_context_data(waiver_form=form))


class DuplicateFlagView(ApplicationDetailView):
    """Keep or clear a possible double funding flag about this application."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        flag = duplicates.flags_for(self.application).filter(pk=kwargs["flag"]).first()
        if flag is None:
            raise Http404
        form = DuplicateFlagForm(request.POST, prefix=f"flag{flag.pk}")
        form.flag_pk = flag.pk
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(flag_form=form))
        keep = form.cleaned_data["decision"] == DuplicateFlagForm.KEEP
        duplicates.decide(flag, keep=keep, motivation=form.cleaned_data["motivation"], by=request.user)
        messages.success(request, _("The flag is kept.") if keep else _("The flag is cleared."))
        return redirect("manage_reviews:application", self.call.slug, self.application.pk)


class AssignView(ApplicationDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = AssignForm(request.POST, application=self.application)
        if form.is_valid():
            try:
                assignment = services.assign(self.application, form.cleaned_data["reviewer"], by=request.user)
            except TransitionError as error:
                form.add_error("reviewer", error.message)
            else:
                messages.success(
                    request,
                    _("%(reviewer)s is assigned; the review is due on %(due)s.")
                    % {"reviewer": assignment.reviewer, "due": _date(assignment.due_at)},
                )
                return redirect("manage_reviews:application", self.call.slug, self.application.pk)
        return self.render_to_response(self.get_context_data(assign_form=form))


class MessageView(ApplicationDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = MessageForm(request.POST)
        if form.is_valid():
            try:
                application_services.post_message(
                    self.application, by=request.user, body=form.cleaned_data["body"], from_staff=True
                )
            except TransitionError as error:
                form.add_error("body", error.message)
            else:
                messages.success(request, _("Your message was sent to the applicant."))
                return redirect(
                    reverse("manage_reviews:application", args=[self.call.slug, self.application.pk]) + "#messages"
                )
        return self.render_to_response(self.get_context_data(message_form=form))


def _date(value) -> str:
    from django.utils import timezone
    from django.utils.formats import date_format

    return date_format(timezone.localtime(value), "j F Y H:i")


# --- Automatic assignment --------------------------------------------------------------------


class AutomaticAssignmentView(CallManagerMixin, TemplateView):
    template_name = "reviews/manage/assign_auto.html"

    def get_context_data(self, form=None, outcome=None, **kwargs):
        context = super().get_context_data(**kwargs)
        in_review = queries.with_review_progress(Application.objects.filter(call=self.call, status=Status.IN_REVIEW))
        context.update(
            form=form or AutomaticAssignmentForm(call=self.call),
            outcome=outcome,
            gaps=[(application, gap, services.gap_message(gap)) for application, gap in outcome.gaps]
            if outcome
            else [],
            loads=sorted(outcome.loads.items(), key=lambda item: (-item[1], str(item[0]))) if outcome else [],
            in_review_count=in_review.count(),
            short_count=in_review.filter(active_reviewers__lt=self.call.reviews_required).count(),
            pool=list(services.pool_of(self.call)),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = AutomaticAssignmentForm(request.POST, call=self.call)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            outcome = services.assign_automatically(self.call, by=request.user, max_load=form.cleaned_data["max_load"])
        except TransitionError as error:
            form.add_error(None, error.message)
            return self.render_to_response(self.get_context_data(form=form))
        created = len(outcome.created)
        messages.success(
            request,
            ngettext("%(n)s assignment made.", "%(n)s assignments made.", created) % {"n": created},
        )
        return self.render_to_response(self.get_context_data(form=form, outcome=outcome))


# --- Progress --------------------------------------------------------------------------------


class ProgressView(CallManagerMixin, TemplateView):
    """Progress per application (every assignment, released ones shown as released) and per reviewer."""

    template_name = "reviews/manage/progress.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(queries.progress_applications(self.call), PAGE_SIZE).get_page(self.request.GET.get("page"))
        for application in page.object_list:
            for assignment in application.assignments.all():
                assignment.state = queries.state_of(assignment)
        context.update(page=page, applications=page.object_list, reviewers=queries.progress_reviewers(self.call))
        return context


class RemindView(CallManagerMixin, View):
    """The cockpit's "remind" button: remind every reviewer of the call whose review is overdue."""

    def post(self, request, slug):
        try:
            count = services.remind_overdue_reviewers(self.call, by=request.user)
        except TransitionError as error:
            messages.error(request, str(error))
        else:
            if count:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s reviewer with an overdue review has been reminded.",
                        "%(count)s reviewers with an overdue review have been reminded.",
                        count,
                    )
                    % {"count": count},
                )
            else:
                messages.info(request, _("Nobody to remind: every overdue reviewer was already reminded today."))
        return HttpResponseRedirect(reverse("manage_calls:detail", args=[self.call.slug]) + "#overdue")


# --- Consensus -------------------------------------------------------------------------------


class ConsensusView(ApplicationMixin, TemplateView):
    """The reviewers' scores per criterion beside a form for consensus scores, and confirming."""

    template_name = "reviews/manage/consensus.html"

    def criteria(self):
        return queries.applicable_criteria(self.application)

    def get_context_data(self, form=None, confirm_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        application, criteria = self.application, self.criteria()
        stored = ConsensusScore.objects.filter(application=application)
        scored = scoring.scored(Application.objects.filter(pk=application.pk), self.call, criteria).first()
        context.update(
            application=application,
            form=form or ConsensusForm(call=self.call, criteria=criteria, initial=ConsensusForm.initial_for(stored)),
            confirm_form=confirm_form or ConfirmForm(),
            scores=scoring.criterion_scores(scored, criteria) if scored is not None else [],
            total=scoring.one_decimal(getattr(scored, "total", None)),
            reviews=queries.submitted_reviews(application),
            consensus=Consensus.objects.filter(application=application).select_related("confirmed_by").first(),
            can_settle=application.status == Status.IN_REVIEW and not self.call.decisions_published_at,
        )
        return context

    def post(self, request, *args, **kwargs):
        criteria = self.criteria()
        if "confirm" in request.POST:
            confirm_form = ConfirmForm(request.POST)
            if confirm_form.is_valid():
                try:
                    services.confirm_scores(self.application, by=request.user, note=confirm_form.cleaned_data["note"])
                except TransitionError as error:
                    confirm_form.add_error(None, error.message)
                else:
                    messages.success(request, _("The scores of this application are confirmed."))
                    return redirect("manage_reviews:consensus", self.call.slug, self.application.pk)
            return self.render_to_response(self.get_context_data(confirm_form=confirm_form))
        form = ConsensusForm(request.POST, call=self.call, criteria=criteria)
        if form.is_valid():
            try:
                services.record_consensus(self.application, by=request.user, entries=form.entries())
            except ValidationError as error:
                form.add_error(None, error)
            except TransitionError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The consensus scores are saved."))
                return redirect("manage_reviews:consensus", self.call.slug, self.application.pk)
        return self.render_to_response(self.get_context_data(form=form))

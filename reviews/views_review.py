"""The reviewer's pages (/review/…): the dashboard, the conflict-of-interest declaration that
guards every proposal, and the review form. Access is asked of the rules predicates
(`reviews.declare_interest`, `reviews.review_application`); a denied object answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from applications import selectors as application_selectors
from applications.models import Application, Status
from applications.workflow import TransitionError

from . import queries, services
from .forms import DeclarationForm, ExpertiseForm, ReviewForm
from .models import Assignment, ExpertiseProfile, Review

DASHBOARD_ROWS = 25
PAGE_SIZE = 50

STATE_LABELS = {
    queries.State.TO_DECLARE: gettext_lazy("To declare"),
    queries.State.TO_REVIEW: gettext_lazy("To review"),
    queries.State.DRAFT: gettext_lazy("Draft"),
    queries.State.SUBMITTED: gettext_lazy("Submitted"),
}
STATE_HELP = {
    queries.State.TO_DECLARE: gettext_lazy(
        "Declare whether you have a conflict of interest before you can read the proposal."
    ),
    queries.State.TO_REVIEW: gettext_lazy("You may read these proposals; your review has not been started."),
    queries.State.DRAFT: gettext_lazy("Saved as a draft: submit the review when it is complete."),
    queries.State.SUBMITTED: gettext_lazy("Submitted; you can still change them until the review phase closes."),
}


class DashboardView(LoginRequiredMixin, TemplateView):
    """The reviewer's assignments by state (the first rows of each; a link lists them all), due
    dates, progress, and the calls of their pools. A fixed number of queries."""

    template_name = "reviews/review/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        counts = queries.state_counts(user)
        groups = []
        for state in queries.State.ORDER:
            rows = list(queries.assignments_of(user, state)[:DASHBOARD_ROWS]) if counts[state] else []
            groups.append(
                {
                    "state": state,
                    "label": STATE_LABELS[state],
                    "help": STATE_HELP[state],
                    "count": counts[state],
                    "rows": rows,
                    "more": counts[state] > len(rows),
                }
            )
        total = sum(counts.values())
        context.update(
            conflicts=list(queries.conflicts_of(user)[:DASHBOARD_ROWS]),
            groups=groups,
            total=total,
            submitted=counts[queries.State.SUBMITTED],
            percent=round(100 * counts[queries.State.SUBMITTED] / total) if total else 0,
            calls=list(queries.pool_calls(user)),
            now=timezone.now(),
        )
        return context


class AssignmentListView(LoginRequiredMixin, TemplateView):
    """All of the reviewer's assignments in one state, paginated."""

    template_name = "reviews/review/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        state = self.kwargs["state"]
        if state not in queries.State.ORDER:
            raise Http404
        page = Paginator(queries.assignments_of(self.request.user, state), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        context.update(state=state, label=STATE_LABELS[state], help=STATE_HELP[state], page=page, now=timezone.now())
        return context


def _own_assignment(user, application) -> Assignment | None:
    return Assignment.objects.active().filter(application=application, reviewer_id=user.pk).first()


class DeclarationView(LoginRequiredMixin, TemplateView):
    """The gate: only the title, acronym, lead organisation and partners, and the declaration."""

    template_name = "reviews/review/declare.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.application = get_object_or_404(
            Application.objects.select_related("call", "lead_organisation").prefetch_related("partners"),
            pk=kwargs["pk"],
        )
        if not request.user.has_perm("reviews.declare_interest", self.application):
            raise Http404
        self.assignment = _own_assignment(request.user, self.application)
        if self.assignment is None:  # an administrator passes every predicate, but has nothing to declare
            raise Http404
        if self.assignment.declared_at is not None:
            return redirect("review:application", self.application.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(application=self.application, assignment=self.assignment, form=form or DeclarationForm())
        return context

    def post(self, request, *args, **kwargs):
        form = DeclarationForm(request.POST)
        if form.is_valid():
            try:
                if form.cleaned_data["declaration"] == DeclarationForm.NO_CONFLICT:
                    services.declare_no_conflict(
                        self.assignment, by=request.user, confidentiality=form.cleaned_data["confidentiality"]
                    )
                    messages.success(request, _("Thank you. You can now read the proposal and review it."))
                    return redirect("review:application", self.application.pk)
                services.declare_conflict(self.assignment, by=request.user, note=form.cleaned_data["note"])
                messages.success(
                    request,
                    _(
                        "Thank you. You are released from this application; the programme managers will find another reviewer."
                    ),
                )
                return redirect("review:dashboard")
            except TransitionError as error:
                form.add_error(None, error.message)
        return self.render_to_response(self.get_context_data(form=form))


class ReviewView(LoginRequiredMixin, TemplateView):
    """The proposal (after a declaration of no conflict) beside the reviewer's review form, and
    the other reviews when the call's setting allows."""

    template_name = "reviews/review/application.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        application = get_object_or_404(Application, pk=kwargs["pk"])
        if not request.user.has_perm("reviews.review_application", application):
            raise Http404
        self.application = application_selectors.with_content(Application.objects.filter(pk=application.pk)).get()
        self.assignment = _own_assignment(request.user, self.application)
        self.review = (
            Review.objects.filter(assignment=self.assignment).prefetch_related("scores").first()
            if self.assignment
            else None
        )
        self.criteria = queries.applicable_criteria(self.application)
        return super().dispatch(request, *args, **kwargs)

    def can_edit(self) -> bool:
        return self.application.status == Status.IN_REVIEW and services.review_window_open(self.application.call)

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        call = self.application.call
        form = form or ReviewForm(call=call, criteria=self.criteria, initial=ReviewForm.initial_for(self.review))
        others = services.other_reviews(self.application, viewer=self.request.user)
        context.update(
            application=self.application,
            assignment=self.assignment,
            review=self.review,
            form=form,
            can_edit=self.can_edit(),
            others=others,
            sees_others=self.request.user.has_perm("reviews.view_other_reviews", self.application),
            criteria=self.criteria,
            max_score=services.format_score(call.max_score),
            score_step=services.format_score(call.score_step),
        )
        return context

    def post(self, request, *args, **kwargs):
        if self.assignment is None:  # an administrator may read the proposal, but has no review to save
            raise Http404
        form = ReviewForm(request.POST, call=self.application.call, criteria=self.criteria)
        submit = request.POST.get("action") == "submit"
        if form.is_valid():
            try:
                services.save_review(
                    self.assignment,
                    by=request.user,
                    scores=form.score_inputs(),
                    overall_comment=form.cleaned_data["overall_comment"],
                    recommendation=form.cleaned_data["recommendation"],
                    submit=submit,
                )
            except ValidationError as error:
                form.add_error(None, error)
            except TransitionError as error:
                form.add_error(None, error.message)
            else:
                if submit or (self.review and self.review.submitted_at):
                    messages.success(
                        request, _("Your review is submitted. You can change it until the review phase closes.")
                    )
                else:
                    messages.success(request, _("Your draft is saved."))
                for warning in services.threshold_warnings(self.criteria, form.score_inputs()):
                    messages.warning(request, warning)
                return redirect("review:application", self.application.pk)
        return self.render_to_response(self.get_context_data(form=form))


class ExpertiseView(LoginRequiredMixin, TemplateView):
    """The reviewer's own expertise profile (free text and keywords), which the automatic
    assignment matches against the proposals. Only the signed-in user's own profile: like the
    dashboard, anyone signed in may keep one; it is used once they are in a reviewer pool."""

    template_name = "reviews/review/expertise.html"

    def profile(self):
        return ExpertiseProfile.objects.filter(user=self.request.user).first() or ExpertiseProfile(
            user=self.request.user
        )

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = form or ExpertiseForm(instance=self.profile())
        return context

    def post(self, request, *args, **kwargs):
        form = ExpertiseForm(request.POST, instance=self.profile())
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        form.save()
        messages.success(request, _("Your expertise profile is saved."))
        return redirect("review:expertise")

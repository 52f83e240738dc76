"""Staff pages under /manage/calls/: list, create, edit every part, clone, publish, deadline,
roles and phases. Access: `calls.access_management` for the list, `calls.create_call` to
create, `calls.manage_call` on the call for everything else; denied → 404, anonymous → login."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from portal import audit

from . import overview, selectors, services
from .forms import (
    ITEM_FORMS,
    CallForm,
    CloneForm,
    DeadlineForm,
    LegalFrameForm,
    ReviewStartForm,
    RoleForm,
    item_formset,
)
from .models import Call, CallRole, LegalFrame, legal_frame_of


def _add_errors(form, error: ValidationError):
    """Show a service's refusal beside the field it names, or at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class StaffView(LoginRequiredMixin, View):
    """Login first (anonymous → login page), then a predicate; a refusal is a 404."""

    permission = "calls.manage_call"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.call = None
        if "slug" in kwargs:
            self.call = Call.objects.filter(slug=kwargs["slug"]).first()
            if self.call is None or not request.user.has_perm(self.permission, self.call):
                raise Http404
        elif not request.user.has_perm(self.permission):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def detail_url(self):
        return reverse("manage_calls:detail", args=[self.call.slug])

    def get_context_data(self, **kwargs):
        # Only the TemplateView subclasses call this; the tabs of a call's staff pages need both.
        kwargs.setdefault("call", self.call)
        kwargs.setdefault("parts", [(part, title) for part, (_m, _f, title) in ITEM_FORMS.items()])
        return super().get_context_data(**kwargs)


class CallListView(StaffView, TemplateView):
    permission = "calls.access_management"
    template_name = "calls/manage/list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            calls=selectors.for_management(self.request.user),
            can_create=self.request.user.has_perm("calls.create_call"),
            **kwargs,
        )


class CallCreateView(StaffView, TemplateView):
    permission = "calls.create_call"
    template_name = "calls/manage/call_form.html"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=CallForm()))

    def post(self, request, *args, **kwargs):
        form = CallForm(request.POST)
        if form.is_valid():
            call = services.create_call(form, by=request.user)
            messages.success(
                request, _("The call was created. Add its objectives, criteria and rules, then publish it.")
            )
            return redirect("manage_calls:detail", call.slug)
        return self.render_to_response(self.get_context_data(form=form))


class CallDetailView(StaffView, TemplateView):
    template_name = "calls/manage/detail.html"

    def get_context_data(self, **kwargs):
        call = selectors.with_content(Call.objects.filter(pk=self.call.pk)).get()
        roles = list(call.roles.select_related("user").order_by("role", "user__email"))
        return super().get_context_data(
            call=call,
            managers=[r for r in roles if r.role == CallRole.Role.MANAGER],
            reviewers=[r for r in roles if r.role == CallRole.Role.REVIEWER],
            can_start_review=services.can_start_review(call),
            can_close_review=services.can_close_review(call),
            can_archive=services.can_archive(call),
            review_form=ReviewStartForm(),
            events=audit.recent_for_call(call.pk, limit=20),
            panels=overview.panels_for(call, self.request.user),
            **kwargs,
        )


class CallEditView(StaffView, TemplateView):
    template_name = "calls/manage/call_form.html"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=CallForm(instance=self.call), call=self.call))

    def post(self, request, *args, **kwargs):
        form = CallForm(request.POST, instance=self.call)
        if form.is_valid():
            services.update_call(form, by=request.user)
            messages.success(request, _("The call was saved."))
            return redirect("manage_calls:edit", self.call.slug)
        return self.render_to_response(self.get_context_data(form=form, call=self.call))


class LegalFrameView(StaffView, TemplateView):
    """The call's legal frame: legal basis, who decides, contact, admissibility, costs and VAT,
    communication and state aid (shown on the public page and in the API)."""

    permission = "calls.edit_legal_frame"
    template_name = "calls/manage/legal_frame.html"

    def get_form(self, data=None):
        return LegalFrameForm(data, instance=legal_frame_of(self.call) or LegalFrame(call=self.call))

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if form.is_valid():
            services.save_legal_frame(form, by=request.user)
            messages.success(request, _("The legal frame was saved and is shown on the call's page."))
            return redirect("manage_calls:legal_frame", self.call.slug)
        return self.render_to_response(self.get_context_data(form=form))


class CallPartEditView(StaffView, TemplateView):
    """One inline formset per part: objectives, criteria, questions, documents or rules."""

    template_name = "calls/manage/edit_part.html"

    def dispatch(self, request, *args, **kwargs):
        if kwargs.get("part") not in ITEM_FORMS:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, formset, **kwargs):
        part = self.kwargs["part"]
        model, _form, title = ITEM_FORMS[part]
        archived = (
            model.objects.filter(call=self.call, archived_at__isnull=False) if hasattr(model, "archived_at") else []
        )
        return super().get_context_data(
            formset=formset,
            part=part,
            part_title=title,
            archived=archived,
            **kwargs,
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(item_formset(self.kwargs["part"], self.call)))

    def post(self, request, *args, **kwargs):
        formset = item_formset(self.kwargs["part"], self.call, request.POST)
        if formset.is_valid():
            counts = services.save_items(formset, by=request.user)
            messages.success(
                request,
                _("Saved: %(added)d added, %(changed)d changed, %(archived)d archived, %(deleted)d deleted.") % counts,
            )
            return redirect("manage_calls:edit_part", self.call.slug, self.kwargs["part"])
        return self.render_to_response(self.get_context_data(formset))


class RestoreItemView(StaffView):
    def post(self, request, slug, part, pk):
        if part not in ITEM_FORMS or not hasattr(ITEM_FORMS[part][0], "archived_at"):
            raise Http404
        item = get_object_or_404(ITEM_FORMS[part][0], call=self.call, pk=pk, archived_at__isnull=False)
        services.restore_item(item, by=request.user)
        messages.success(request, _("“%(item)s” is back in the call.") % {"item": item})
        return redirect("manage_calls:edit_part", self.call.slug, part)


class FormActionView(StaffView, TemplateView):
    """A page with one form whose valid data go to one service."""

    form_class = None

    def get_form(self, data=None):
        return self.form_class(data)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form(), call=self.call))

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                return self.form_valid(form)
            except ValidationError as error:
                _add_errors(form, error)
        return self.render_to_response(self.get_context_data(form=form, call=self.call))


class DeadlineView(FormActionView):
    template_name = "calls/manage/deadline.html"
    form_class = DeadlineForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(changes=self.call.deadline_changes.select_related("changed_by"), **kwargs)

    def form_valid(self, form):
        services.change_deadline(
            self.call,
            new_closes_at=form.cleaned_data["new_closes_at"],
            reason=form.cleaned_data["reason"],
            by=self.request.user,
        )
        messages.success(self.request, _("The deadline was changed and the change is shown on the call's page."))
        return HttpResponseRedirect(self.detail_url())


class CloneView(FormActionView):
    template_name = "calls/manage/clone.html"
    form_class = CloneForm

    def get_form(self, data=None):
        initial = {
            "slug": f"{self.call.slug}-2"[:80],
            "title_nl": self.call.title_nl,
            "title_en": self.call.title_en,
            "exclude_funded": True,
        }
        return self.form_class(data, initial=initial)

    def form_valid(self, form):
        copy = services.clone_call(self.call, by=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("The new round was created, unpublished. Check it and publish it."))
        return redirect("manage_calls:detail", copy.slug)


class RolesView(FormActionView):
    template_name = "calls/manage/roles.html"
    form_class = RoleForm

    def get_context_data(self, **kwargs):
        roles = self.call.roles.select_related("user").order_by("role", "user__email")
        return super().get_context_data(roles=roles, **kwargs)

    def form_valid(self, form):
        services.add_role(
            self.call, email=form.cleaned_data["email"], role=form.cleaned_data["role"], by=self.request.user
        )
        messages.success(self.request, _("The role was given and the person was told by e-mail."))
        return redirect("manage_calls:roles", self.call.slug)


class RemoveRoleView(StaffView):
    def post(self, request, slug, pk):
        call_role = get_object_or_404(CallRole, call=self.call, pk=pk)
        release_submitted = request.POST.get("release_submitted") == "1"
        outcome = services.remove_role(call_role, by=request.user, release_submitted=release_submitted)
        if call_role.role == CallRole.Role.REVIEWER:
            counts = {
                "user": call_role.user.email,
                "released": outcome.released,
                "kept": outcome.kept,
                "dropped": outcome.dropped,
            }
            if release_submitted:
                text = _(
                    "%(user)s is no longer a reviewer of this call and can no longer open its applications. "
                    "%(released)s open assignment(s) released; %(dropped)s submitted review(s) released too: "
                    "they no longer count and their applications need another reviewer."
                )
            else:
                text = _(
                    "%(user)s is no longer a reviewer of this call and can no longer open its applications. "
                    "%(released)s open assignment(s) released; %(kept)s submitted review(s) keep counting."
                )
            messages.success(request, text % counts)
        else:
            messages.success(request, _("The role was removed."))
        return redirect("manage_calls:roles", self.call.slug)


class ActionView(StaffView):
    """A POST button on the call's staff page that runs one service."""

    action = None
    success_message = ""

    def post(self, request, *args, **kwargs):
        try:
            self.run()
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, self.success_message)
        return HttpResponseRedirect(self.detail_url())

    def run(self):
        getattr(services, self.action)(self.call, by=self.request.user)


class PublishView(ActionView):
    action = "publish"

    @property
    def success_message(self):
        return _("The call is published.")


class UnpublishView(ActionView):
    action = "unpublish"

    @property
    def success_message(self):
        return _("The call is no longer public.")


class StartReviewView(ActionView):
    @property
    def success_message(self):
        return _("The review phase has started.")

    def run(self):
        form = ReviewStartForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError(_("Enter a valid date and time for the end of the review phase."))
        services.start_review(self.call, by=self.request.user, review_closes_at=form.cleaned_data["review_closes_at"])


class CloseReviewView(ActionView):
    action = "close_review"

    @property
    def success_message(self):
        return _("The review phase is closed.")


class ArchiveView(ActionView):
    action = "archive"

    @property
    def success_message(self):
        return _("The call is archived.")

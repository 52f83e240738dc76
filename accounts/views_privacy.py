"""A person's rights: download everything the portal holds about you, ask to delete your
account; staff see and handle the requests. Business rules live in accounts/privacy.py."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView

from . import privacy
from .forms_privacy import STATUS_FILTER, ErasureRequestForm, HandleErasureForm
from .models import ErasureRequest


class NotFoundWithoutPermission(PermissionRequiredMixin):
    """Denied access answers 404 (DESIGN §5), after the login redirect for anonymous visitors."""

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            return super().handle_no_permission()
        raise Http404


class MyDataView(LoginRequiredMixin, NotFoundWithoutPermission, FormView):
    template_name = "accounts/my_data.html"
    permission_required = "accounts.request_erasure"
    form_class = ErasureRequestForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            requests=self.request.user.erasure_requests.select_related(None).all()[:10],
            pending=self.request.user.erasure_requests.filter(status=ErasureRequest.Status.PENDING).exists(),
            **kwargs,
        )

    def form_valid(self, form):
        privacy.request_erasure(self.request.user, reason=form.cleaned_data["reason"])
        messages.success(
            self.request,
            _("Your request to delete your account has been recorded. Staff will handle it."),
        )
        return redirect("privacy:mine")


class ExportView(LoginRequiredMixin, NotFoundWithoutPermission, View):
    permission_required = "accounts.export_own_data"

    def get(self, request):
        data = privacy.export(request.user)
        response = HttpResponse(data, content_type="application/zip")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="oproep-my-data-{stamp}.zip"'
        response["Cache-Control"] = "no-store"
        return response


class ErasureRequestListView(LoginRequiredMixin, NotFoundWithoutPermission, ListView):
    template_name = "accounts/erasure_requests.html"
    permission_required = "accounts.handle_erasure_requests"
    context_object_name = "erasure_requests"
    paginate_by = 25

    def get_queryset(self):
        status = self.request.GET.get("status", "")
        requests = ErasureRequest.objects.select_related("user", "handled_by").order_by("-requested_at", "-pk")
        if status in dict(STATUS_FILTER) and status:
            requests = requests.filter(status=status)
        return requests

    def get_context_data(self, **kwargs):
        return super().get_context_data(statuses=STATUS_FILTER, status=self.request.GET.get("status", ""), **kwargs)


class HandleErasureView(LoginRequiredMixin, NotFoundWithoutPermission, FormView):
    template_name = "accounts/erasure_handle.html"
    permission_required = "accounts.handle_erasure_requests"
    form_class = HandleErasureForm

    @cached_property
    def erasure_request(self) -> ErasureRequest:
        # Looked up after the login and permission checks, so an anonymous visitor is sent to the
        # login page whether the request exists or not.
        return get_object_or_404(ErasureRequest.objects.select_related("user"), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        user = self.erasure_request.user
        pending = self.erasure_request.status == ErasureRequest.Status.PENDING and user is not None
        return super().get_context_data(
            erasure_request=self.erasure_request,
            keep_reasons=privacy.keep_reasons(user) if pending else [],
            pending=pending,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            if form.cleaned_data["action"] == HandleErasureForm.ERASE:
                done = privacy.erase(self.erasure_request, by=self.request.user)
                messages.success(self.request, done.get_status_display())
            else:
                privacy.refuse_erasure(self.erasure_request, by=self.request.user, note=form.cleaned_data["note"])
                messages.success(self.request, _("The request was refused."))
        except privacy.ErasureError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        return redirect("privacy_manage:list")

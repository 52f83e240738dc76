"""Staff full-text search across every call the user manages (/manage/search/). The search
itself is applications/search.py; here only which applications the user may find: submitted
ones of calls they manage (an admin: all calls). Reviewers and applicants get 404."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404
from django.views.generic import TemplateView

from applications.models import Application, Status
from calls.models import Call, CallRole

from . import queries

PAGE_SIZE = 50


def managed_calls(user):
    """The calls whose applications `user` may search (the same rule as calls.manage_call)."""
    if user.is_superuser:
        return Call.objects.all()
    return Call.objects.filter(roles__user=user, roles__role=CallRole.Role.MANAGER)


class SearchView(LoginRequiredMixin, TemplateView):
    template_name = "reviews/manage/search.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("calls.access_management"):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        text = (self.request.GET.get("q") or "").strip()[:200]
        page = None
        if text:
            rows = Application.objects.filter(
                call__in=managed_calls(self.request.user), submitted_at__isnull=False
            ).exclude(status=Status.DRAFT)
            rows = queries.search(rows.select_related("call", "lead_organisation").order_by("reference", "pk"), text)
            page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(text=text, page=page, applications=page.object_list if page else [])
        return context

"""Staff API of reviews: the scores of a call's applications (DESIGN §6), for the call's
managers and administrators only (else 404), in ranking order. The figures come from
`scoring.scored()` through `ranking.ranked_applications()`, as on the ranking page."""

from functools import partial

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions
from rest_framework.pagination import PageNumberPagination

from applications.models import Application
from calls.models import Call
from portal.api import LANG_PARAMETER, ApiMixin, RulePermission, StaffTwoFactor

from .ranking import RANKED_STATUSES, ranked_applications
from .scoring import active_criteria
from .serializers import ApplicationScoresSerializer


class _CountedPaginator(Paginator):
    def __init__(self, object_list, per_page, *args, count: int, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.count = count  # replaces the cached property: no COUNT over the ranking query


class _RankingPagination(PageNumberPagination):
    """Counting the annotated ranking query would wrap it in a subquery deeper than SQLite's
    parser allows; the number of ranked applications comes from a plain query instead."""

    def paginate_queryset(self, queryset, request, view=None):
        count = Application.objects.filter(call=view.call, status__in=RANKED_STATUSES).count()
        self.django_paginator_class = partial(_CountedPaginator, count=count)
        return super().paginate_queryset(queryset, request, view)


@extend_schema(parameters=[LANG_PARAMETER])
class CallScores(ApiMixin, generics.ListAPIView):
    """Every application of the ranking with its total and per-criterion figures: passing
    applications first, by total, ties broken as on the ranking page."""

    permission_classes = [permissions.IsAuthenticated, StaffTwoFactor, RulePermission]
    permission_required = "calls.manage_call"
    serializer_class = ApplicationScoresSerializer
    pagination_class = _RankingPagination

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.call = get_object_or_404(Call, slug=kwargs["slug"])
        self.check_object_permissions(request, self.call)
        self.criteria = active_criteria(self.call)

    def get_queryset(self):
        return ranked_applications(self.call, self.criteria)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "criteria": getattr(self, "criteria", [])}


urlpatterns = [
    path("calls/<slug:slug>/scores/", CallScores.as_view(), name="call-scores"),
]

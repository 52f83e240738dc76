"""Staff API of reviews: the scores of a call's applications (DESIGN §6), for the call's
managers and administrators only (else 404), in ranking order. The figures and the funding
line come from `ranking.ranking_for()`, as on the ranking page and in the exports."""

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions
from rest_framework.pagination import PageNumberPagination

from calls.models import Call
from portal.api import LANG_PARAMETER, ApiMixin, RulePermission, StaffTwoFactor

from .ranking import ranking_for
from .scoring import active_criteria
from .serializers import ApplicationScoresSerializer, BudgetUseSerializer


class _RankingPagination(PageNumberPagination):
    """Pages of the ranking's rows; every page also carries the call's budget figures."""

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["budget"] = BudgetUseSerializer.schema()
        schema["required"] = [*schema.get("required", []), "budget"]
        return schema


@extend_schema(parameters=[LANG_PARAMETER])
class CallScores(ApiMixin, generics.ListAPIView):
    """Every application of the ranking with its total, per-criterion figures and place against
    the funding line: passing applications first, by total, ties broken as on the ranking
    page. Every page carries the call's budget figures (used, remaining, overrun)."""

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
        self.ranking = ranking_for(self.call)
        return self.ranking.rows

    def get_paginated_response(self, data):
        # The funding line needs the whole ranking, so every page agrees on the budget figures.
        response = super().get_paginated_response(data)
        response.data["budget"] = BudgetUseSerializer(self.ranking.budget_use).data
        return response

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "criteria": getattr(self, "criteria", [])}


urlpatterns = [
    path("calls/<slug:slug>/scores/", CallScores.as_view(), name="call-scores"),
]

"""Staff API of reviews: the scores of a call's applications (DESIGN §6), for the call's
managers and administrators only (else 404), in ranking order. The figures come from
`scoring.scored()` through `ranking.ranked_applications()`, as on the ranking page."""

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions

from calls.models import Call
from portal.api import LANG_PARAMETER, ApiMixin, RulePermission, StaffTwoFactor

from .ranking import ranked_applications
from .scoring import active_criteria
from .serializers import ApplicationScoresSerializer


@extend_schema(parameters=[LANG_PARAMETER])
class CallScores(ApiMixin, generics.ListAPIView):
    """Every application of the ranking with its total and per-criterion figures: passing
    applications first, by total, ties broken as on the ranking page."""

    permission_classes = [permissions.IsAuthenticated, StaffTwoFactor, RulePermission]
    permission_required = "calls.manage_call"
    serializer_class = ApplicationScoresSerializer

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

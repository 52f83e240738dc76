"""Public API of calls: the published calls and the eligibility self-check (DESIGN §6).

Same querysets (selectors), same visibility (`views.visible_call`) and the same eligibility
function (`eligibility.check`) as the public pages."""

from django.urls import path
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions
from rest_framework.response import Response

from portal.api import LANG_PARAMETER, ApiMixin

from . import eligibility, selectors
from .models import Call
from .serializers import CallSerializer, EligibilityAnswerSerializer, SelfCheckSerializer
from .views import CallFilter, visible_call


@extend_schema(parameters=[LANG_PARAMETER])
class CallList(ApiMixin, generics.ListAPIView):
    """Published calls, latest deadline first; `status` filters on open, upcoming or closed."""

    permission_classes = [permissions.AllowAny]
    serializer_class = CallSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CallFilter

    def get_queryset(self):
        return selectors.with_content(Call.objects.published()).order_by("-closes_at", "pk")


@extend_schema(parameters=[LANG_PARAMETER])
class CallDetail(ApiMixin, generics.RetrieveAPIView):
    """One published call (its managers also see it unpublished, as a preview)."""

    permission_classes = [permissions.AllowAny]
    serializer_class = CallSerializer
    queryset = Call.objects.none()  # for the schema; the call comes from `visible_call`
    lookup_field = "slug"

    def get_object(self):
        return visible_call(self.request, self.kwargs["slug"], selectors.with_content(Call.objects.all()))


class CallEligibility(ApiMixin, generics.GenericAPIView):
    """The eligibility self-check: is a proposal with these facts eligible for the call? Nothing
    is stored."""

    permission_classes = [permissions.AllowAny]
    serializer_class = SelfCheckSerializer
    queryset = Call.objects.none()
    lookup_field = "slug"

    @extend_schema(parameters=[LANG_PARAMETER], responses={200: EligibilityAnswerSerializer})
    def post(self, request, slug):
        call = visible_call(request, slug, selectors.for_listing(Call.objects.all()))
        facts = self.get_serializer(data=request.data)
        facts.is_valid(raise_exception=True)
        findings = eligibility.check(call, facts.facts())
        answer = {"eligible": not eligibility.blocking(findings), "findings": findings}
        return Response(EligibilityAnswerSerializer(answer).data)


urlpatterns = [
    path("calls/", CallList.as_view(), name="call-list"),
    path("calls/<slug:slug>/", CallDetail.as_view(), name="call-detail"),
    path("calls/<slug:slug>/eligibility/", CallEligibility.as_view(), name="call-eligibility"),
]

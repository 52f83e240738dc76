"""Applicant API: the user's applications, one application's content, and submitting it
(DESIGN §6). Same querysets (selectors), permissions (rules.py) and service
(`services.submit`) as the pages."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response

from portal.api import LANG_PARAMETER, ApiMixin, ErrorSerializer, RulePermission

from . import selectors, services
from .models import Application
from .serializers import ApplicationDetailSerializer, ApplicationSerializer, SubmitSerializer
from .workflow import TransitionError


@extend_schema(parameters=[LANG_PARAMETER])
class ApplicationList(ApiMixin, generics.ListAPIView):
    """The applications of every organisation the user belongs to, last changed first."""

    serializer_class = ApplicationSerializer

    def get_queryset(self):
        return selectors.for_list(Application.objects.of_user(self.request.user)).order_by("-updated_at", "-pk")


@extend_schema(parameters=[LANG_PARAMETER])
class ApplicationDetail(ApiMixin, generics.RetrieveAPIView):
    """All content of an application, for whoever may see it on the site (else 404)."""

    permission_classes = [permissions.IsAuthenticated, RulePermission]
    permission_required = "applications.view_application"
    serializer_class = ApplicationDetailSerializer
    queryset = selectors.with_content(Application.objects.all())


class ApplicationSubmit(ApiMixin, generics.GenericAPIView):
    """Submit a draft, or resubmit an application that was marked incomplete. A refusal (the
    deadline passed, a blocking eligibility finding, a missing answer or document, a stale
    version) is a 400 whose `detail` says why."""

    permission_classes = [permissions.IsAuthenticated, RulePermission]
    permission_required = "applications.change_application"
    serializer_class = SubmitSerializer
    queryset = Application.objects.select_related("call", "lead_organisation")

    @extend_schema(
        parameters=[LANG_PARAMETER],
        request=SubmitSerializer,
        responses={200: ApplicationDetailSerializer, 400: ErrorSerializer},
    )
    def post(self, request, pk):
        application = self.get_object()
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            application = services.submit(
                application,
                by=request.user,
                declaration=form.validated_data["declaration"],
                version=form.validated_data.get("version"),
            )
        except TransitionError as error:
            return Response({"detail": error.message}, status=status.HTTP_400_BAD_REQUEST)
        submitted = selectors.with_content(Application.objects.all()).get(pk=application.pk)
        return Response(ApplicationDetailSerializer(submitted, context=self.get_serializer_context()).data)


urlpatterns = [
    path("applications/", ApplicationList.as_view(), name="application-list"),
    path("applications/<int:pk>/", ApplicationDetail.as_view(), name="application-detail"),
    path("applications/<int:pk>/submit/", ApplicationSubmit.as_view(), name="application-submit"),
]

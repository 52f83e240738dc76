"""Grants API (DESIGN §6): the grants and payment orders a user may see, with the same
permissions as the pages (beneficiary members their own, call managers their calls, admins
all; anything else answers 404), and the two four-eyes steps of a payment order."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from calls.models import CallRole
from portal.api import LANG_PARAMETER, ApiMixin, ErrorSerializer, RulePermission, StaffTwoFactor

from . import queries, services
from .models import Grant, PaymentOrder
from .serializers import GrantSerializer, PaymentOrderSerializer


def visible_grants(user):
    grants = Grant.objects.select_related("call", "beneficiary", "application")
    if not user.is_superuser:
        grants = grants.filter(
            Q(beneficiary__memberships__user=user, beneficiary__memberships__lapsed_at=None)
            | Q(call__roles__user=user, call__roles__role=CallRole.Role.MANAGER)
        ).distinct()
    return queries.with_ledger(grants)


@extend_schema(parameters=[LANG_PARAMETER])
class GrantList(ApiMixin, generics.ListAPIView):
    """Grants of the user's organisations and of the calls they manage (`?call=<slug>`)."""

    permission_classes = [permissions.IsAuthenticated, StaffTwoFactor]
    serializer_class = GrantSerializer

    def get_queryset(self):
        grants = visible_grants(self.request.user).order_by("-opened_at", "-pk")
        slug = self.request.query_params.get("call")
        return grants.filter(call__slug=slug) if slug else grants


@extend_schema(parameters=[LANG_PARAMETER])
class GrantDetail(ApiMixin, generics.RetrieveAPIView):
    permission_classes = [permissions.IsAuthenticated, StaffTwoFactor, RulePermission]
    permission_required = "grants.view_grant"
    serializer_class = GrantSerializer

    def get_queryset(self):
        return queries.with_ledger(Grant.objects.select_related("call", "beneficiary", "application"))


@extend_schema(parameters=[LANG_PARAMETER])
class GrantPayments(ApiMixin, generics.ListAPIView):
    """The payment orders of one grant."""

    permission_classes = [permissions.IsAuthenticated, StaffTwoFactor]
    serializer_class = PaymentOrderSerializer

    def get_queryset(self):
        grant = get_object_or_404(Grant.objects.select_related("call"), pk=self.kwargs["pk"])
        if not self.request.user.has_perm("grants.view_grant", grant):
            from rest_framework.exceptions import NotFound

            raise NotFound()
        return grant.payment_orders.select_related("grant", "proposed_by", "approved_by").order_by("pk")


class _PaymentStep(ApiMixin, APIView):
    permission_classes = [permissions.IsAuthenticated, StaffTwoFactor]
    step = ""

    @extend_schema(
        request=None,
        responses={200: PaymentOrderSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
        parameters=[LANG_PARAMETER],
    )
    def post(self, request, pk):
        order = get_object_or_404(PaymentOrder.objects.select_related("grant__call"), pk=pk)
        if not request.user.has_perm("grants.manage_grant", order.grant):
            from rest_framework.exceptions import NotFound

            raise NotFound()
        try:
            if self.step == "propose":
                order = services.propose_payment(order, by=request.user)
            else:
                order = services.approve_payment(order, by=request.user)
        except ValidationError as error:
            return Response({"detail": " ".join(error.messages)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(PaymentOrderSerializer(order).data)


class ProposePayment(_PaymentStep):
    """Propose a due payment order (first pair of eyes)."""

    step = "propose"


class ApprovePayment(_PaymentStep):
    """Approve a proposed payment order; refused (400) for the staff member who proposed it."""

    step = "approve"


urlpatterns = [
    path("grants/", GrantList.as_view(), name="grant-list"),
    path("grants/<int:pk>/", GrantDetail.as_view(), name="grant-detail"),
    path("grants/<int:pk>/payments/", GrantPayments.as_view(), name="grant-payments"),
    path("payments/<int:pk>/propose/", ProposePayment.as_view(), name="payment-propose"),
    path("payments/<int:pk>/approve/", ApprovePayment.as_view(), name="payment-approve"),
]

from rest_framework import serializers

from portal.api import choice_field

from .models import GrantState, PaymentKind, PaymentOrder, PaymentState, RecoveryOrder, RecoveryState


class PaymentOrderSerializer(serializers.ModelSerializer):
    kind = choice_field("PaymentKind", PaymentKind.choices)
    state = choice_field("PaymentState", PaymentState.choices)
    grant = serializers.CharField(source="grant.number")
    proposed_by = serializers.CharField(source="proposed_by.get_full_name", allow_null=True, default=None)
    approved_by = serializers.CharField(source="approved_by.get_full_name", allow_null=True, default=None)

    class Meta:
        model = PaymentOrder
        fields = [
            "id",
            "grant",
            "kind",
            "amount",
            "state",
            "due_at",
            "proposed_by",
            "proposed_at",
            "approved_by",
            "approved_at",
            "paid_on",
            "payment_reference",
        ]


class RecoveryOrderSerializer(serializers.ModelSerializer):
    state = choice_field("RecoveryState", RecoveryState.choices)

    class Meta:
        model = RecoveryOrder
        fields = ["id", "amount", "state", "issued_at", "paid_back_on"]


class LedgerSerializer(serializers.Serializer):
    granted = serializers.DecimalField(max_digits=14, decimal_places=2)
    paid = serializers.DecimalField(max_digits=14, decimal_places=2, source="net_paid")
    due = serializers.DecimalField(max_digits=14, decimal_places=2)
    to_recover = serializers.DecimalField(max_digits=14, decimal_places=2)
    open = serializers.DecimalField(max_digits=14, decimal_places=2)
    entitlement = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class GrantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    call = serializers.SlugField(source="call.slug")
    beneficiary = serializers.CharField(source="beneficiary.name")
    project = serializers.CharField(source="application.title")
    state = choice_field("GrantState", GrantState.choices)
    granted_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    approved_total_cost = serializers.DecimalField(max_digits=14, decimal_places=2)
    paid = serializers.DecimalField(max_digits=14, decimal_places=2, source="net_paid")
    due = serializers.DecimalField(max_digits=14, decimal_places=2)
    to_recover = serializers.DecimalField(max_digits=14, decimal_places=2)
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    accept_by = serializers.DateTimeField()
    next_deadline = serializers.DateField(allow_null=True)

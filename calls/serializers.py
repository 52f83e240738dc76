"""What the API shows of a call, and the facts of the eligibility self-check it accepts."""

from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import OrganisationKind
from portal.api import choice_field

from . import eligibility
from .models import (
    Call,
    CallStatus,
    Criterion,
    EligibilityRule,
    LegalFrame,
    LegalPart,
    Objective,
    RuleKind,
    Severity,
    VatRule,
    legal_frame_of,
)


class ObjectiveSerializer(serializers.ModelSerializer):
    class Meta:
        model = Objective
        fields = ["number", "title", "description"]
        read_only_fields = fields


class CriterionSerializer(serializers.ModelSerializer):
    objective = serializers.IntegerField(
        source="objective.number",
        allow_null=True,
        read_only=True,
        help_text="Number of the objective the criterion applies to; null: every application.",
    )

    class Meta:
        model = Criterion
        fields = ["id", "title", "description", "weight", "threshold", "objective"]
        read_only_fields = fields


class EligibilityRuleSerializer(serializers.ModelSerializer):
    rule = choice_field("RuleKind", RuleKind.choices, source="kind", read_only=True)
    severity = choice_field("Severity", Severity.choices, read_only=True)
    description = serializers.SerializerMethodField(help_text="What the rule asks, in words.")

    class Meta:
        model = EligibilityRule
        fields = ["rule", "severity", "description"]
        read_only_fields = fields

    def get_description(self, rule) -> str:
        return eligibility.describe(rule)


class LegalFrameSerializer(serializers.ModelSerializer):
    """The legal frame of a call; `unconfirmed` names the parts not taken from its regulation."""

    vat_rule = choice_field("VatRule", VatRule.choices, read_only=True, allow_blank=True)
    completion_days = serializers.IntegerField(
        source="call.completion_days", read_only=True, help_text="Days to complete a missing item."
    )
    de_minimis_ceiling = serializers.SerializerMethodField(
        help_text="Ceiling of de minimis aid over three years (requested grant included); null without state aid."
    )
    de_minimis_regulation = serializers.SerializerMethodField()
    unconfirmed = serializers.ListField(
        child=choice_field("LegalPart", LegalPart.choices),
        read_only=True,
        help_text="Parts of the frame that are not confirmed by the call's regulation.",
    )

    class Meta:
        model = LegalFrame
        fields = [
            "legal_basis_title",
            "legal_basis_date",
            "legal_basis_url",
            "decision_maker",
            "contact_name",
            "contact_email",
            "contact_phone",
            "admissibility",
            "completion_days",
            "eligible_costs",
            "vat_rule",
            "cost_period_start",
            "cost_period_end",
            "communication_obligation",
            "state_aid",
            "state_aid_note",
            "de_minimis_ceiling",
            "de_minimis_regulation",
            "unconfirmed",
        ]
        read_only_fields = fields

    def get_de_minimis_ceiling(self, frame) -> Decimal | None:
        return eligibility.DE_MINIMIS_CEILING if frame.state_aid else None

    def get_de_minimis_regulation(self, frame) -> str | None:
        return eligibility.de_minimis_regulation() if frame.state_aid else None


class CallSerializer(serializers.ModelSerializer):
    """A published call. Read `with_content` calls (calls.selectors)."""

    status = choice_field(
        "CallStatus",
        CallStatus.choices,
        read_only=True,
        help_text="Derived from the dates and staff actions, at the moment of the request.",
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    objectives = ObjectiveSerializer(many=True, read_only=True)
    criteria = CriterionSerializer(many=True, read_only=True)
    eligibility_rules = EligibilityRuleSerializer(many=True, read_only=True)
    legal_frame = serializers.SerializerMethodField(help_text="The call's legal frame; null when none is published.")
    url = serializers.SerializerMethodField(help_text="The call's page.")

    class Meta:
        model = Call
        fields = [
            "slug",
            "url",
            "reference_prefix",
            "title",
            "summary",
            "description",
            "funder",
            "programme",
            "eligible_applicants",
            "total_budget",
            "opens_at",
            "closes_at",
            "status",
            "status_display",
            "max_score",
            "overall_threshold",
            "objectives",
            "criteria",
            "eligibility_rules",
            "legal_frame",
        ]
        read_only_fields = fields

    @extend_schema_field(LegalFrameSerializer(allow_null=True))
    def get_legal_frame(self, call) -> dict | None:
        frame = legal_frame_of(call)
        return LegalFrameSerializer(frame, context=self.context).data if frame is not None else None

    def get_url(self, call) -> str:
        request = self.context.get("request")
        url = call.get_absolute_url()
        return request.build_absolute_uri(url) if request else url


class SelfCheckSerializer(serializers.Serializer):
    """The facts of the self-check (the page's form, as data). Unknown facts may be left out:
    a rule whose facts are unknown is not checked."""

    amount = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0"), "required": False, "allow_null": True}

    lead_kind = choice_field("OrganisationKind", OrganisationKind.choices, help_text="Kind of the lead organisation.")
    partner_kinds = serializers.ListField(
        child=choice_field("OrganisationKind", OrganisationKind.choices),
        required=False,
        default=list,
        max_length=50,
        help_text="Kind of each partner besides the lead organisation.",
    )
    objective_count = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    requested_amount = serializers.DecimalField(**amount, help_text="Requested grant in euro.")
    total_cost = serializers.DecimalField(**amount, help_text="Total cost of the project in euro.")
    waiver_motivation = serializers.CharField(required=False, allow_blank=True, max_length=10000, default="")
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    de_minimis_received = serializers.DecimalField(
        **amount,
        help_text="De minimis state aid received in the last three years, in euro (calls with a state-aid section).",
    )

    def validate(self, data):
        requested, total = data.get("requested_amount"), data.get("total_cost")
        if requested is not None and total is not None and total < requested:
            raise serializers.ValidationError(
                {"total_cost": _("The total cost cannot be lower than the requested grant.")}
            )
        return data

    def facts(self) -> eligibility.Facts:
        data = self.validated_data
        return eligibility.Facts(
            lead_kind=data["lead_kind"],
            partner_kinds=tuple(data.get("partner_kinds") or ()),
            objective_count=data.get("objective_count"),
            requested_amount=data.get("requested_amount"),
            total_cost=data.get("total_cost"),
            waiver_motivation=data.get("waiver_motivation") or "",
            start_date=data.get("start_date"),
            end_date=data.get("end_date"),
            de_minimis_received=data.get("de_minimis_received"),
        )


class FindingSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Which rule, e.g. min_partners, grant_max.")
    severity = choice_field("Severity", Severity.choices)
    message = serializers.CharField(help_text="What to change, in the language of the answer.")
    section = serializers.CharField(help_text="Part of the proposal to change: lead, partners, budget, …")


class EligibilityAnswerSerializer(serializers.Serializer):
    eligible = serializers.BooleanField(help_text="False when any finding is blocking; warnings do not block.")
    findings = FindingSerializer(many=True)

"""What the API shows of an application. The status is always the one the applicant sees
(`visible_status`): a decision stays "in review" until it is published."""

from decimal import Decimal

from django.urls import reverse
from rest_framework import serializers

from accounts.models import OrganisationKind
from calls.models import DocumentKind
from calls.serializers import ObjectiveSerializer
from portal.api import choice_field

from .models import Answer, Application, Attachment, BudgetCategory, BudgetLine, Partner, Status


class TotalCostField(serializers.DecimalField):
    """The sum of the budget lines, from the `with_totals` annotation when present. The annotation
    is None for an application without budget lines, where `Application.total_cost` would then
    ask the database once per row."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=14, decimal_places=2, read_only=True, **kwargs)

    def get_attribute(self, application):
        if hasattr(application, "total_cost_sum"):
            return application.total_cost_sum or Decimal("0")
        return application.total_cost


def _absolute(serializer, url: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(url) if request else url


class ApplicationSerializer(serializers.ModelSerializer):
    """One row of "My applications". Read `selectors.for_list` applications."""

    call = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    call_title = serializers.CharField(source="call.title", read_only=True)
    lead_organisation = serializers.CharField(source="lead_organisation.name", read_only=True)
    status = choice_field("ApplicationStatus", Status.choices, source="visible_status", read_only=True)
    status_display = serializers.CharField(source="get_visible_status_display", read_only=True)
    total_cost = TotalCostField(help_text="Sum of the budget lines.")
    url = serializers.SerializerMethodField(help_text="This application in the API.")

    class Meta:
        model = Application
        fields = [
            "id",
            "url",
            "reference",
            "title",
            "acronym",
            "call",
            "call_title",
            "lead_organisation",
            "status",
            "status_display",
            "requested_amount",
            "total_cost",
            "submitted_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_url(self, application) -> str:
        return _absolute(self, reverse("api:application-detail", args=[application.pk]))


class PartnerSerializer(serializers.ModelSerializer):
    kind = choice_field("OrganisationKind", OrganisationKind.choices, read_only=True)

    class Meta:
        model = Partner
        fields = ["name", "kind", "kbo_number", "role", "budget_share"]
        read_only_fields = fields


class BudgetLineSerializer(serializers.ModelSerializer):
    category = choice_field("BudgetCategory", BudgetCategory.choices, read_only=True)

    class Meta:
        model = BudgetLine
        fields = ["category", "description", "amount"]
        read_only_fields = fields


class AnswerSerializer(serializers.ModelSerializer):
    question = serializers.CharField(source="question_text", read_only=True, help_text="The question as answered.")

    class Meta:
        model = Answer
        fields = ["question", "value"]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    kind = choice_field("DocumentKind", DocumentKind.choices, read_only=True)
    download_url = serializers.SerializerMethodField(help_text="Download in a logged-in browser session.")

    class Meta:
        model = Attachment
        fields = ["original_name", "kind", "content_type", "size", "uploaded_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, attachment) -> str:
        return _absolute(self, attachment.get_absolute_url())


class ApplicationDetailSerializer(ApplicationSerializer):
    """All content of an application. Read `selectors.with_content` applications."""

    objectives = ObjectiveSerializer(many=True, read_only=True)
    partners = PartnerSerializer(many=True, read_only=True)
    budget_lines = BudgetLineSerializer(many=True, read_only=True)
    answers = AnswerSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    page = serializers.SerializerMethodField(help_text="The application's page.")

    class Meta(ApplicationSerializer.Meta):
        fields = [
            *ApplicationSerializer.Meta.fields,
            "page",
            "version",
            "summary",
            "start_date",
            "end_date",
            "other_funding",
            "own_contribution",
            "waiver_motivation",
            "objectives",
            "partners",
            "budget_lines",
            "answers",
            "attachments",
        ]
        read_only_fields = fields

    def get_page(self, application) -> str:
        return _absolute(self, application.get_absolute_url())


class SubmitSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        allow_null=True,
        help_text=(
            "The `version` of the application as you read it: when its content changed since, the submit is "
            "refused, so nothing is submitted unseen."
        ),
    )
    declaration = serializers.BooleanField(
        default=False,
        help_text=(
            "The declaration of honour: the information is correct and complete, and the applicant consents to the "
            "processing described in the privacy statement. Without it the submit is refused."
        ),
    )

"""Scores of a call's applications as the API shows them: the figures of `scoring.scored()`,
the one function the ranking page, the exports and the evaluation summary read too."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from applications.models import Status
from portal.api import choice_field

from .scoring import criterion_scores, one_decimal

SCORE = {"max_digits": 20, "decimal_places": 6, "read_only": True, "allow_null": True}


class CriterionScoreSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(source="criterion.pk", read_only=True)
    title = serializers.CharField(source="criterion.title", read_only=True)
    applies = serializers.BooleanField(
        read_only=True, help_text="False: the application does not address its objective."
    )
    final = serializers.DecimalField(**SCORE, help_text="The consensus score when recorded, else the mean.")
    from_consensus = serializers.BooleanField(read_only=True)
    mean = serializers.DecimalField(**SCORE)
    median = serializers.DecimalField(**SCORE)
    minimum = serializers.DecimalField(**SCORE)
    maximum = serializers.DecimalField(**SCORE)
    count = serializers.IntegerField(read_only=True, help_text="Scores that count (submitted, no conflict).")
    disagreement = serializers.BooleanField(read_only=True)
    meets_threshold = serializers.BooleanField(read_only=True)


class ApplicationScoresSerializer(serializers.Serializer):
    """One application of `ranking.ranked_applications()`; needs `criteria` in the context."""

    id = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(read_only=True, allow_null=True)
    title = serializers.CharField(read_only=True)
    lead_organisation = serializers.CharField(source="lead_organisation.name", read_only=True)
    status = choice_field("ApplicationStatus", Status.choices, read_only=True)
    requested_amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, allow_null=True)
    total = serializers.DecimalField(
        **SCORE, help_text="Weighted score in % of the maximum; null while an applicable criterion has no score."
    )
    total_display = serializers.SerializerMethodField(help_text="The total as the ranking page shows it (one decimal).")
    meets_overall = serializers.BooleanField(read_only=True, help_text="The total reaches the call's threshold.")
    passes = serializers.BooleanField(read_only=True, help_text="Meets the overall and every criterion's threshold.")
    review_count = serializers.IntegerField(read_only=True, help_text="Submitted reviews that count.")
    reviews_missing = serializers.BooleanField(read_only=True)
    criteria = serializers.SerializerMethodField()

    def get_total_display(self, application) -> str | None:
        total = one_decimal(application.total)
        return None if total is None else str(total)

    @extend_schema_field(CriterionScoreSerializer(many=True))
    def get_criteria(self, application):
        return CriterionScoreSerializer(criterion_scores(application, self.context["criteria"]), many=True).data

"""Scores of a call's applications as the API shows them: the figures of `scoring.scored()`,
the one function the ranking page, the exports and the evaluation summary read too."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from applications.models import Status
from portal.api import choice_field

from .ranking import Funding

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


AMOUNT = {"max_digits": 14, "decimal_places": 2, "read_only": True}
FUNDING = [Funding.AWARDED, Funding.FUNDED, Funding.RESERVE, Funding.REJECTED, Funding.FAILING, Funding.UNSCORED]


class ApplicationScoresSerializer(serializers.Serializer):
    """One row of `ranking.ranking_for()`: an application with its scores and its place against
    the funding line."""

    id = serializers.IntegerField(source="application.pk", read_only=True)
    reference = serializers.CharField(source="application.reference", read_only=True, allow_null=True)
    title = serializers.CharField(source="application.title", read_only=True)
    lead_organisation = serializers.CharField(source="application.lead_organisation.name", read_only=True)
    status = choice_field("ApplicationStatus", Status.choices, source="application.status", read_only=True)
    requested_amount = serializers.DecimalField(**AMOUNT, source="application.requested_amount", allow_null=True)
    total = serializers.DecimalField(
        **SCORE,
        source="application.total",
        help_text="Weighted score in % of the maximum; null while an applicable criterion has no score.",
    )
    total_display = serializers.SerializerMethodField(help_text="The total as the ranking page shows it (one decimal).")
    meets_overall = serializers.BooleanField(
        source="application.meets_overall", read_only=True, help_text="The total reaches the call's threshold."
    )
    passes = serializers.BooleanField(read_only=True, help_text="Meets the overall and every criterion's threshold.")
    review_count = serializers.IntegerField(
        source="application.review_count", read_only=True, help_text="Submitted reviews that count."
    )
    reviews_missing = serializers.BooleanField(read_only=True)
    position = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Place among the passing applications (1 is the best)."
    )
    funding = serializers.ChoiceField(
        choices=FUNDING,
        read_only=True,
        help_text="Against the funding line: awarded (decided), funded (by the line), reserve, rejected (decided), "
        "failing (proposed for rejection) or unscored.",
    )
    granted_amount = serializers.DecimalField(
        **AMOUNT, source="granted", help_text="The award's amount, else the what-if amount, else the requested one."
    )
    counted_amount = serializers.DecimalField(**AMOUNT, source="counted", help_text="What it takes from the budget.")
    proposal = serializers.CharField(
        source="proposed_outcome", read_only=True, allow_null=True, help_text="The proposal for an undecided one."
    )
    decision = serializers.CharField(source="outcome", read_only=True, allow_null=True)
    tie_break = serializers.CharField(read_only=True, allow_null=True)
    criteria = serializers.SerializerMethodField()

    def get_total_display(self, row) -> str | None:
        total = row.total_display
        return None if total is None else str(total)

    @extend_schema_field(CriterionScoreSerializer(many=True))
    def get_criteria(self, row):
        return CriterionScoreSerializer(row.criteria, many=True).data


class BudgetUseSerializer(serializers.Serializer):
    """`ranking.BudgetUse`: the call's budget against awards and the funding line."""

    budget = serializers.DecimalField(**AMOUNT)
    awarded = serializers.DecimalField(**AMOUNT, help_text="Recorded awards, wherever they rank.")
    proposed = serializers.DecimalField(**AMOUNT, help_text="Undecided applications the funding line funds.")
    used = serializers.DecimalField(**AMOUNT, help_text="awarded + proposed")
    remaining = serializers.DecimalField(**AMOUNT, help_text="budget − used; negative on an overrun.")
    overrun = serializers.DecimalField(**AMOUNT)
    funded = serializers.IntegerField(source="funded_count", read_only=True)
    reserve = serializers.IntegerField(source="reserve_count", read_only=True)

    @classmethod
    def schema(cls) -> dict:
        """The object schema of the paginated answer's `budget` (pagination schemas are plain dicts)."""
        types = {
            serializers.DecimalField: {"type": "string", "format": "decimal"},
            serializers.IntegerField: {"type": "integer"},
        }
        fields = cls().fields
        return {
            "type": "object",
            "properties": {name: dict(types[type(f)]) for name, f in fields.items()},
            "required": list(fields),
        }

"""Admissibility, reviewer assignments with conflict declarations, reviews and scores,
consensus, and decisions."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from applications.models import Application
from calls.models import Call, Criterion
from portal.storage import private_storage


class AdmissibilityCheck(models.Model):
    """Staff's admissibility outcome for a submission (one per check; the latest counts)."""

    class Outcome(models.TextChoices):
        ADMISSIBLE = "admissible", _("admissible")
        INCOMPLETE = "incomplete", _("incomplete")
        INADMISSIBLE = "inadmissible", _("inadmissible")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="admissibility_checks")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    note = models.TextField(_("motivation or what is missing"), blank=True)
    completion_deadline = models.DateTimeField(_("complete before"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided"), auto_now_add=True)

    class Meta:
        verbose_name = _("admissibility check")
        verbose_name_plural = _("admissibility checks")
        ordering = ["-decided_at", "-pk"]


class AssignmentQuerySet(models.QuerySet):
    def active(self):
        """Assignments that still count: not released by a declared conflict."""
        return self.filter(conflict=False)

    def cleared(self):
        """The reviewer declared no conflict and may read the proposal."""
        return self.filter(conflict=False, declared_at__isnull=False)


class Assignment(models.Model):
    """A reviewer asked to review one application. A declared conflict keeps the row (so the
    reviewer is never picked again) but releases it: it no longer counts and grants no access."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    declared_at = models.DateTimeField(_("declared"), null=True, blank=True)
    conflict = models.BooleanField(_("conflict of interest"), default=False)
    conflict_note = models.TextField(_("conflict of interest"), blank=True)
    confidentiality_accepted = models.BooleanField(_("confidentiality accepted"), default=False)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["assigned_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["application", "reviewer"], name="one_assignment_per_reviewer")]

    def __str__(self):
        return f"{self.reviewer} → {self.application}"


class Recommendation(models.TextChoices):
    FUND = "fund", _("fund")
    FUND_WITH_CHANGES = "fund_with_changes", _("fund with changes")
    DO_NOT_FUND = "do_not_fund", _("do not fund")


class Review(models.Model):
    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="review")
    overall_comment = models.TextField(_("overall comment"), blank=True)
    recommendation = models.CharField(_("recommendation"), max_length=20, choices=Recommendation.choices, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self):
        return f"{self.assignment}"


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="one_score_per_criterion")]


class ScoreFigures(models.Model):
    """The figures of the counted scores of one application on one criterion, kept so that a
    ranking reads one row per (application, criterion) instead of aggregating every score
    again (`scoring.refresh_figures`). Never read alone: an application marked in
    `StaleScoreFigures` is computed from its scores instead, so what a page shows never
    depends on this table being current (docs/decisions.md, "Scale")."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    count = models.PositiveIntegerField()
    mean = models.DecimalField(max_digits=20, decimal_places=6, null=True)
    minimum = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    maximum = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    median = models.DecimalField(max_digits=20, decimal_places=6, null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "criterion"], name="one_figures_row")]


class ReviewTally(models.Model):
    """The number of counted reviews of an application, stored beside its `ScoreFigures`: the
    same triggers mark it stale and the same refresh computes it again."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, primary_key=True, related_name="+")
    review_count = models.PositiveIntegerField()


class StaleScoreFigures(models.Model):
    """An application whose stored `ScoreFigures` and `ReviewTally` may be out of date. Database triggers on
    scores, reviews and assignments add it (so no write path, bulk or raw, can forget), and
    `scoring.refresh_figures` takes it away once the figures are computed again."""

    application_id = models.BigIntegerField(primary_key=True)


class ConsensusScore(models.Model):
    """A manager's consensus score for one criterion; replaces the reviewers' mean in the ranking."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="consensus_scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="consensus_scores")
    score = models.DecimalField(_("consensus score"), max_digits=5, decimal_places=2)
    justification = models.TextField(_("justification"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consensus score")
        verbose_name_plural = _("consensus scores")
        constraints = [models.UniqueConstraint(fields=["application", "criterion"], name="one_consensus_per_criterion")]


class Consensus(models.Model):
    """A manager confirmed the scores of an application (reviewers' means, or consensus scores)."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="consensus")
    note = models.TextField(_("note"), blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("consensus")
        verbose_name_plural = _("consensus")


class GrantProposal(models.Model):
    """A what-if granted amount on the ranking page, before anything is decided."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="grant_proposal")
    amount = models.DecimalField(
        _("proposed grant"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(auto_now=True)


class Decision(models.Model):
    class Outcome(models.TextChoices):
        AWARD = "award", _("award")
        RESERVE = "reserve", _("reserve list")
        REJECT = "reject", _("reject")
        # A published award the beneficiary did not accept in time (grants): counts for nothing.
        LAPSED = "lapsed", _("award lapsed (not accepted)")

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="decision")
    outcome = models.CharField(_("decision"), max_length=10, choices=Outcome.choices)
    granted_amount = models.DecimalField(
        _("granted amount"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    motivation = models.TextField(_("motivation"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    # What staff decide; `lapsed` follows from the beneficiary, never from a decision form.
    DECIDABLE = (Outcome.AWARD, Outcome.RESERVE, Outcome.REJECT)

    @classmethod
    def decidable_choices(cls):
        return [(value, label) for value, label in cls.Outcome.choices if value in cls.DECIDABLE]


class DecisionEmailTemplate(models.Model):
    """The e-mail an applicant gets when a decision is published, editable per call and language.
    Placeholders: {{ applicant }}, {{ organisation }}, {{ title }}, {{ reference }}, {{ call }},
    {{ granted_amount }}, {{ motivation }}, {{ summary_url }}."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="decision_templates")
    outcome = models.CharField(_("decision"), max_length=10, choices=Decision.Outcome.choices)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=250)
    body = models.TextField(_("message"))

    class Meta:
        verbose_name = _("decision e-mail template")
        verbose_name_plural = _("decision e-mail templates")
        constraints = [
            models.UniqueConstraint(fields=["call", "outcome", "language"], name="one_template_per_outcome_language")
        ]


class Reconsideration(models.Model):
    """An applicant's request to reconsider a published decision (heroverweging), and staff's
    outcome. One per application; the rules (30 days, Brussels time) are in
    reviews/reconsideration.py."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("awaiting an answer")
        GRANTED = "granted", _("granted: the decision was revised")
        REFUSED = "refused", _("refused")

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="reconsideration")
    motivation = models.TextField(_("why the decision should be reconsidered"), max_length=20000)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("requested"))
    # The decision as it was when the request came in (the decision row itself may be revised).
    decision_outcome = models.CharField(_("decision"), max_length=10, choices=Decision.Outcome.choices)
    decision_published_at = models.DateTimeField(_("decision published"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    outcome_motivation = models.TextField(_("motivation of the outcome"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("reconsideration")
        verbose_name_plural = _("reconsiderations")
        ordering = ["requested_at", "pk"]

    def __str__(self):
        return str(self.application)

    @property
    def is_pending(self) -> bool:
        return self.outcome == self.Outcome.PENDING


def reconsideration_path(instance, filename):
    # Never the user's file name in the stored path (it is kept in a field).
    application = instance.reconsideration.application
    return f"reconsiderations/{application.call_id}/{application.pk}/{instance.sha256[:16]}-{instance.uuid}"


class ReconsiderationAttachment(models.Model):
    """A file added to a reconsideration request: checked like application attachments
    (applications.uploads: content sniffed, size capped), stored privately, downloaded only
    through a permission-checked view."""

    reconsideration = models.ForeignKey(Reconsideration, on_delete=models.CASCADE, related_name="attachments")
    uuid = models.UUIDField(unique=True)
    file = models.FileField(storage=private_storage, upload_to=reconsideration_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name


class ExpertiseProfile(models.Model):
    """What a reviewer knows, in their own words (nl or en): the automatic assignment matches it
    against the proposals (reviews/expertise.py)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expertise")
    description = models.TextField(_("your expertise"), max_length=3000, blank=True)
    keywords = models.CharField(_("keywords"), max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("expertise profile")
        verbose_name_plural = _("expertise profiles")

    def __str__(self):
        return str(self.user)


class TextFingerprint(models.Model):
    """What the double-funding check compares of one submitted application (reviews/duplicates.py):
    the size of its text's shingle set, its partners and its budget lines, normalised."""

    application = models.OneToOneField(Application, primary_key=True, on_delete=models.CASCADE, related_name="+")
    shingles = models.PositiveIntegerField(default=0)
    partners = models.JSONField(default=list)
    budget_lines = models.JSONField(default=list)
    computed_at = models.DateTimeField(auto_now=True)


class SketchValue(models.Model):
    """One of the smallest shingle hashes of an application's text (a bottom-k MinHash sketch):
    applications sharing several of them are the candidates for a near-duplicate."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    value = models.BigIntegerField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "value"], name="one_sketch_value")]


class DuplicateFlag(models.Model):
    """A submitted application that looks like another one (any call, any organisation, funded
    or not): possible double funding. Staff only: never shown to applicants or reviewers."""

    class State(models.TextChoices):
        OPEN = "open", _("to be looked at")
        KEPT = "kept", _("kept: possible double funding")
        CLEARED = "cleared", _("cleared")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="duplicate_flags")
    other = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    similarity = models.FloatField(_("text similarity"))
    shared_partners = models.JSONField(default=list)
    shared_budget_lines = models.JSONField(default=list)
    passages = models.JSONField(default=list)  # [{"this": …, "other": …}]
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    motivation = models.TextField(_("motivation"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("possible double funding")
        verbose_name_plural = _("possible double funding")
        ordering = ["-similarity", "pk"]
        constraints = [models.UniqueConstraint(fields=["application", "other"], name="one_flag_per_pair")]

    def __str__(self):
        return f"{self.application} ~ {self.other}"

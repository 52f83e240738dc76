"""Calls and everything a call defines: objectives, criteria, questions, required documents,
eligibility rules, who manages and reviews it, and the history of its deadline.

Content is sacred: once an application answered a question or a reviewer scored a criterion,
the question or criterion is archived instead of deleted (see `services.remove_item`), and
answers keep the question text they answered.
"""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrganisationKind


class CallStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    UPCOMING = "upcoming", _("upcoming")
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")
    REVIEW = "review", _("in review")
    DECIDED = "decided", _("decided")
    ARCHIVED = "archived", _("archived")


class FundingPolicy(models.TextChoices):
    STRICT = "strict", _("strict: the first proposal that does not fit ends the funding line")
    SKIP = "skip", _("skip: smaller proposals further down may still fit")


class ReviewVisibility(models.TextChoices):
    NEVER = "never", _("never")
    AFTER_OWN = "after_own", _("after submitting their own review")
    ALWAYS = "always", _("always")


class CallQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)

    def open_at(self, when=None):
        when = when or timezone.now()
        return self.published().filter(
            opens_at__lte=when, closes_at__gt=when, review_started_at__isnull=True, archived_at__isnull=True
        )

    def upcoming_at(self, when=None):
        when = when or timezone.now()
        return self.published().filter(opens_at__gt=when, archived_at__isnull=True)

    def closed_at(self, when=None):
        when = when or timezone.now()
        return self.published().filter(models.Q(closes_at__lte=when) | models.Q(review_started_at__isnull=False))

    def managed_by(self, user):
        if user.is_superuser:
            return self
        return self.filter(roles__user=user, roles__role=CallRole.Role.MANAGER).distinct()


class Call(models.Model):
    slug = models.SlugField(_("short name in the address"), max_length=80, unique=True)
    reference_prefix = models.CharField(
        _("reference prefix"), max_length=10, help_text=_("Start of every application reference, e.g. DES.")
    )
    title = models.CharField(_("title"), max_length=250)
    summary = models.TextField(_("summary"), max_length=1000, blank=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    funder = models.CharField(_("funder"), max_length=250, blank=True)
    programme = models.CharField(_("programme"), max_length=250, blank=True)
    eligible_applicants = models.TextField(_("who may apply"), blank=True)
    total_budget = models.DecimalField(_("total budget"), max_digits=14, decimal_places=2)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("deadline"))
    # Applicants' form
    summary_max_chars = models.PositiveIntegerField(_("maximum length of the summary"), default=2000)
    allow_multiple_drafts = models.BooleanField(_("an organisation may prepare several applications"), default=False)
    max_upload_mb = models.PositiveIntegerField(_("maximum file size (MB)"), default=20)
    max_attachments = models.PositiveIntegerField(_("maximum number of attachments"), default=20)
    completion_days = models.PositiveIntegerField(_("days to complete a missing item"), default=7)
    # Review
    reviews_required = models.PositiveSmallIntegerField(_("reviews per application"), default=3)
    max_reviewer_load = models.PositiveIntegerField(_("maximum applications per reviewer"), null=True, blank=True)
    review_due_days = models.PositiveIntegerField(_("days a reviewer has for a review"), default=21)
    max_score = models.DecimalField(_("highest score"), max_digits=5, decimal_places=2, default=Decimal("5"))
    score_step = models.DecimalField(
        _("score step"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    overall_threshold = models.DecimalField(
        _("overall threshold (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("50"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    disagreement_gap = models.DecimalField(
        _("disagreement gap"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("2"),
        help_text=_("Reviewers disagree on a criterion when their highest and lowest score differ by this much."),
    )
    funding_policy = models.CharField(
        _("funding line policy"), max_length=10, choices=FundingPolicy.choices, default=FundingPolicy.STRICT
    )
    review_visibility = models.CharField(
        _("reviewers see each other's reviews"),
        max_length=10,
        choices=ReviewVisibility.choices,
        default=ReviewVisibility.AFTER_OWN,
    )
    # Staff actions that move the status on; the status itself is derived (see `status`).
    published = models.BooleanField(_("published"), default=False)
    review_started_at = models.DateTimeField(_("review started"), null=True, blank=True)
    review_closes_at = models.DateTimeField(_("review phase closes"), null=True, blank=True)
    decisions_published_at = models.DateTimeField(_("decisions published"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    # Retention (privacy statement): counted from the call's decision; personal data in the
    # applications is removed when it ends (reviews/retention.py).
    retention_years = models.PositiveSmallIntegerField(
        _("years applications are kept after the decision"), default=5, validators=[MinValueValidator(1)]
    )
    funded_retention_years = models.PositiveSmallIntegerField(
        _("years funded applications are kept after the decision"),
        default=10,
        validators=[MinValueValidator(1)],
        help_text=_("Longer where audit rules require funded files to be kept."),
    )
    cloned_from = models.ForeignKey(
        "self", verbose_name=_("previous round"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-closes_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="call_closes_after_opening"
            ),
        ]

    @property
    def objectives_required(self) -> int:
        """How many objectives a project must address; 0: they are themes an applicant may tick
        (for statistics and the criteria linked to them), not a condition."""
        return max(
            (rule.number or 0 for rule in self.eligibility_rules.all() if rule.kind == RuleKind.MIN_OBJECTIVES),
            default=0,
        )

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("calls:detail", args=[self.slug])

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The deadline must be after the opening.")})

    def status_at(self, when=None) -> str:
        when = when or timezone.now()
        if self.archived_at:
            return CallStatus.ARCHIVED
        if self.decisions_published_at:
            return CallStatus.DECIDED
        if self.review_started_at:
            return CallStatus.REVIEW
        if not self.published:
            return CallStatus.DRAFT
        if when < self.opens_at:
            return CallStatus.UPCOMING
        if when < self.closes_at:
            return CallStatus.OPEN
        return CallStatus.CLOSED

    @property
    def status(self) -> str:
        return self.status_at()

    def get_status_display(self) -> str:
        return CallStatus(self.status).label

    def is_open(self, when=None) -> bool:
        return self.status_at(when) == CallStatus.OPEN

    def is_review_open(self, when=None) -> bool:
        when = when or timezone.now()
        return (
            self.review_started_at is not None
            and not self.decisions_published_at
            and (self.review_closes_at is None or when < self.review_closes_at)
        )

    def rule(self, kind):
        """The call's eligibility rule of `kind`, or None (uses the prefetch cache when present)."""
        return next((r for r in self.eligibility_rules.all() if r.kind == kind), None)

    def score_choices(self) -> list[Decimal]:
        steps = int(self.max_score / self.score_step)
        return [self.score_step * i for i in range(steps + 1)]


class ArchivableQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)


class Objective(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="objectives")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["call", "number"], name="unique_objective_number")]

    def __str__(self):
        return f"{self.number}. {self.title}"


class Criterion(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    threshold = models.DecimalField(_("threshold"), max_digits=5, decimal_places=2, null=True, blank=True)
    objective = models.ForeignKey(
        Objective,
        verbose_name=_("applies only to the objective"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="criteria",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0, help_text=_("Also the order of tie-breaks."))
    # What each score means, one level a line: "5: Excellent – …" (shown to reviewers beside the
    # score field; a half point reads the level below it).
    rubric = models.TextField(
        _("scale"),
        blank=True,
        help_text=_("What each score means, one per line, starting with the score: “5: Excellent – …”."),
    )
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.title

    def rubric_levels(self) -> list[tuple[Decimal, str]]:
        """The scale as (score, meaning), highest first; lines that do not start with a score are
        left out."""
        levels = []
        for line in (self.rubric or "").splitlines():
            score, sep, meaning = line.partition(":")
            if not sep:
                continue
            try:
                value = Decimal(score.strip().replace(",", "."))
            except InvalidOperation:
                continue
            levels.append((value, meaning.strip()))
        return sorted(levels, key=lambda level: level[0], reverse=True)

    def rubric_for(self, score) -> str:
        """What `score` means on this criterion's scale (the level at or below it; "" if none)."""
        if score is None:
            return ""
        for value, meaning in self.rubric_levels():
            if Decimal(score) >= value:
                return meaning
        return ""

    def below_threshold(self, score) -> bool:
        return score is not None and self.threshold is not None and Decimal(score) < self.threshold

    def clean(self):
        call = getattr(self, "call", None) if self.call_id else None
        if self.threshold is not None and call is not None and self.threshold > call.max_score:
            raise ValidationError(
                {
                    "threshold": _("The threshold cannot be higher than the highest score (%(max)s).")
                    % {"max": call.max_score}
                }
            )
        if self.objective_id and self.call_id and self.objective.call_id != self.call_id:
            raise ValidationError({"objective": _("Choose an objective of this call.")})


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("short text")
    LONG_TEXT = "long_text", _("long text")
    NUMBER = "number", _("number")
    CHOICE = "choice", _("choice")
    MULTIPLE_CHOICE = "multiple_choice", _("multiple choice")
    YES_NO = "yes_no", _("yes or no")
    DATE = "date", _("date")
    FILE = "file", _("file")


class Question(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKind.choices, default=QuestionKind.LONG_TEXT)
    text = models.CharField(_("question"), max_length=500)
    help_text = models.TextField(_("help text"), blank=True)
    choices = models.TextField(_("choices"), blank=True, help_text=_("One per line (choice questions)."))
    required = models.BooleanField(_("required"), default=True)
    max_chars = models.PositiveIntegerField(_("maximum characters"), null=True, blank=True)
    # Limits of a number question (e.g. people reached: at least 0), checked on the server.
    min_value = models.DecimalField(_("lowest number"), max_digits=18, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(_("highest number"), max_digits=18, decimal_places=4, null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.text

    def clean(self):
        if self.kind in (QuestionKind.CHOICE, QuestionKind.MULTIPLE_CHOICE) and len(self.choice_list()) < 2:
            raise ValidationError({"choices_nl": _("Give at least two choices, one per line.")})
        if self.max_chars and self.kind not in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
            raise ValidationError({"max_chars": _("Only text questions have a character limit.")})
        if (self.min_value is not None or self.max_value is not None) and self.kind != QuestionKind.NUMBER:
            raise ValidationError({"min_value": _("Only number questions have a lowest and highest number.")})
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValidationError({"max_value": _("The highest number cannot be lower than the lowest number.")})

    def choice_list(self) -> list[str]:
        return [line.strip() for line in (self.choices or "").splitlines() if line.strip()]


class DocumentKind(models.TextChoices):
    PROJECT_PLAN = "project_plan", _("project plan")
    BUDGET = "budget", _("budget")
    PARTNERSHIP_AGREEMENT = "partnership_agreement", _("partnership agreement")
    LETTER_OF_INTENT = "letter_of_intent", _("letter of intent")
    COUNCIL_DECISION = "council_decision", _("council decision")
    OTHER = "other", _("other")


class FileFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "DOCX"
    XLSX = "xlsx", "XLSX"
    ODT = "odt", "ODT"
    ODS = "ods", "ODS"
    PNG = "png", "PNG"
    JPEG = "jpeg", "JPEG"


def _default_formats():
    return [FileFormat.PDF]


class RequiredDocument(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices, default=DocumentKind.OTHER)
    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    required = models.BooleanField(_("required"), default=True)
    allowed_formats = models.JSONField(_("allowed formats"), default=_default_formats)
    max_size_mb = models.PositiveIntegerField(
        _("maximum size (MB)"), null=True, blank=True, help_text=_("Empty: the call's limit.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.title

    @property
    def size_limit_mb(self) -> int:
        return self.max_size_mb or self.call.max_upload_mb


class RuleKind(models.TextChoices):
    LEAD_KINDS = "lead_kinds", _("allowed kinds of lead organisation")
    MIN_PARTNERS = "min_partners", _("minimum number of organisations in the partnership (lead included)")
    MAX_PARTNERS = "max_partners", _("maximum number of organisations in the partnership (lead included)")
    PARTNERS_OF_KIND = "partners_of_kind", _("at least N partners of a kind")
    ORGS_OF_KINDS = "orgs_of_kinds", _("at least N organisations among some kinds (sector partnership)")
    MIN_OBJECTIVES = "min_objectives", _("minimum number of objectives")
    GRANT_MIN = "grant_min", _("minimum grant")
    GRANT_MAX = "grant_max", _("maximum grant")
    MAX_GRANT_SHARE = "max_grant_share", _("maximum share of the total cost (co-financing)")
    PROJECT_DATES = "project_dates", _("project dates")
    MAX_DURATION = "max_duration", _("maximum duration")
    NOT_FUNDED_IN = "not_funded_in", _("not funded in an earlier call")


class Severity(models.TextChoices):
    BLOCKING = "blocking", _("blocking")
    WARNING = "warning", _("warning")


class EligibilityRule(models.Model):
    """One eligibility condition of a call, as data. `calls.eligibility.check` evaluates them.

    Which fields a kind uses: lead_kinds → org_kinds; min/max_partners, min_objectives → number;
    partners_of_kind → number and org_kind (and the lead counts when `count_lead`);
    orgs_of_kinds → number and org_kinds (and the lead counts when `count_lead`);
    grant_min/max → amount; max_grant_share → percent and waiver_allowed;
    project_dates → start_from, start_until, end_by; max_duration → number (months);
    not_funded_in → excluded_call.
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="eligibility_rules")
    kind = models.CharField(_("rule"), max_length=32, choices=RuleKind.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.BLOCKING)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    percent = models.DecimalField(
        _("percentage"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    org_kinds = models.JSONField(_("organisation kinds"), default=list, blank=True)
    org_kind = models.CharField(_("organisation kind"), max_length=32, choices=OrganisationKind.choices, blank=True)
    count_lead = models.BooleanField(_("the lead organisation counts too"), default=True)
    waiver_allowed = models.BooleanField(_("waiver allowed with a written motivation"), default=False)
    start_from = models.DateField(_("start no earlier than"), null=True, blank=True)
    start_until = models.DateField(_("start no later than"), null=True, blank=True)
    end_by = models.DateField(_("end no later than"), null=True, blank=True)
    excluded_call = models.ForeignKey(
        Call,
        verbose_name=_("organisations funded in this call may not apply"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("eligibility rule")
        verbose_name_plural = _("eligibility rules")
        ordering = ["pk"]

    def __str__(self):
        return self.get_kind_display()

    def clean(self):
        errors = {}
        for name in RULE_FIELDS.get(self.kind, ()):
            value = getattr(self, name if name != "excluded_call" else "excluded_call_id")
            if value in (None, "", []):
                errors[name] = _("This rule needs a value here.")
        if self.kind == RuleKind.MAX_PARTNERS and self.number is not None and self.number < 1:
            errors["number"] = _("The lead organisation counts too: the maximum is at least 1.")
        if self.kind == RuleKind.PROJECT_DATES and not (self.start_from or self.start_until or self.end_by):
            errors["start_from"] = _("Give at least one of the dates.")
        if self.start_from and self.start_until and self.start_until < self.start_from:
            errors["start_until"] = _("The latest start cannot be before the earliest start.")
        unknown = set(self.org_kinds or []) - set(OrganisationKind.values)
        if unknown:
            errors["org_kinds"] = _("Unknown organisation kind.")
        if self.excluded_call_id and self.excluded_call_id == self.call_id:
            errors["excluded_call"] = _("A call cannot exclude itself.")
        if errors:
            raise ValidationError(errors)


# The fields each kind of rule needs (see the docstring of EligibilityRule).
RULE_FIELDS = {
    RuleKind.LEAD_KINDS: ("org_kinds",),
    RuleKind.MIN_PARTNERS: ("number",),
    RuleKind.MAX_PARTNERS: ("number",),
    RuleKind.PARTNERS_OF_KIND: ("number", "org_kind"),
    RuleKind.ORGS_OF_KINDS: ("number", "org_kinds"),
    RuleKind.MIN_OBJECTIVES: ("number",),
    RuleKind.GRANT_MIN: ("amount",),
    RuleKind.GRANT_MAX: ("amount",),
    RuleKind.MAX_GRANT_SHARE: ("percent",),
    RuleKind.PROJECT_DATES: (),
    RuleKind.MAX_DURATION: ("number",),
    RuleKind.NOT_FUNDED_IN: ("excluded_call",),
}


class CallRole(models.Model):
    class Role(models.TextChoices):
        MANAGER = "manager", _("manager")
        REVIEWER = "reviewer", _("reviewer")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="call_roles")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("call role")
        verbose_name_plural = _("call roles")
        constraints = [models.UniqueConstraint(fields=["call", "user", "role"], name="unique_call_role")]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.call}"


class DeadlineChange(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="deadline_changes")
    old_closes_at = models.DateTimeField(_("previous deadline"))
    new_closes_at = models.DateTimeField(_("new deadline"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason"))
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("deadline change")
        verbose_name_plural = _("deadline changes")
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.old_closes_at} → {self.new_closes_at}"


class VatRule(models.TextChoices):
    NOT_RECOVERABLE = "not_recoverable", _("VAT is an eligible cost only where the applicant cannot recover it")
    NEVER = "never", _("VAT is never an eligible cost")
    ALWAYS = "always", _("VAT is an eligible cost")


class LegalPart(models.TextChoices):
    """The parts of a legal frame, so staff can mark which ones the call's own texts do not
    confirm (the public page then says so beside that part instead of presenting it as fact)."""

    LEGAL_BASIS = "legal_basis", _("legal basis")
    DECISION_MAKER = "decision_maker", _("who decides")
    CONTACT = "contact", _("contact person")
    ADMISSIBILITY = "admissibility", _("admissibility conditions")
    ELIGIBLE_COSTS = "eligible_costs", _("eligible costs and VAT")
    COST_PERIOD = "cost_period", _("cost period")
    COMMUNICATION = "communication", _("communication obligation")
    STATE_AID = "state_aid", _("state aid")


class LegalFrame(models.Model):
    """The legal frame a call publishes (DESIGN §9): legal basis, who decides, contact,
    admissibility conditions, eligible costs and VAT, the cost period, the communication
    obligation and, for calls open to companies or commercial media, state aid (de minimis).

    `state_aid` switches on the de minimis check in `calls.eligibility.check`. `unconfirmed`
    lists the parts (LegalPart) that are not taken from the call's regulation; the public page
    and the API mark them, so nothing assumed is ever shown as fact."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="legal_frame")
    legal_basis_title = models.CharField(_("legal basis"), max_length=300, blank=True)
    legal_basis_date = models.DateField(_("date of the legal basis"), null=True, blank=True)
    legal_basis_url = models.URLField(_("link to the legal basis"), max_length=500, blank=True)
    decision_maker = models.TextField(
        _("who decides"),
        blank=True,
        help_text=_("For example: the Flemish minister for Media, on the advice of an assessment committee."),
    )
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    admissibility = models.TextField(
        _("admissibility conditions"),
        blank=True,
        help_text=_("On time, complete, in Dutch, … The page adds the completion period of the call."),
    )
    eligible_costs = models.TextField(_("eligible costs"), blank=True)
    vat_rule = models.CharField(_("VAT"), max_length=20, choices=VatRule.choices, blank=True)
    cost_period_start = models.DateField(_("costs eligible from"), null=True, blank=True)
    cost_period_end = models.DateField(_("costs eligible until"), null=True, blank=True)
    communication_obligation = models.TextField(_("communication obligation"), blank=True)
    state_aid = models.BooleanField(
        _("companies or commercial media may take part: de minimis state aid applies"),
        default=False,
        help_text=_(
            "Applicants then declare the de minimis aid received in the last three years, and the portal refuses "
            "a request that would exceed the ceiling."
        ),
    )
    state_aid_note = models.TextField(_("state aid: further explanation"), blank=True)
    unconfirmed = models.JSONField(_("parts not confirmed by the call's regulation"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("legal frame")
        verbose_name_plural = _("legal frames")

    def __str__(self):
        return str(self.call)

    def clean(self):
        if self.cost_period_start and self.cost_period_end and self.cost_period_end < self.cost_period_start:
            raise ValidationError({"cost_period_end": _("The cost period cannot end before it starts.")})
        unknown = set(self.unconfirmed or []) - set(LegalPart.values)
        if unknown:
            raise ValidationError({"unconfirmed": _("Unknown part of the legal frame.")})

    def is_unconfirmed(self, part: str) -> bool:
        return part in (self.unconfirmed or [])

    @property
    def unconfirmed_parts(self) -> dict[str, bool]:
        """{part: True} for the parts not confirmed (templates look parts up by name)."""
        return dict.fromkeys(self.unconfirmed or [], True)


def legal_frame_of(call: Call) -> LegalFrame | None:
    """The call's legal frame, or None (uses the select_related cache when present)."""
    try:
        return call.legal_frame
    except LegalFrame.DoesNotExist:
        return None

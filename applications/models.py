"""Applications and what they are made of. State changes happen only in `services.py`,
following the transition table in `workflow.py`."""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts import kbo
from accounts.models import Organisation, OrganisationKind
from calls.models import Call, DocumentKind, Objective, Question, RequiredDocument
from portal.storage import private_storage


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    INCOMPLETE = "incomplete", _("incomplete: to be completed")
    INADMISSIBLE = "inadmissible", _("inadmissible")
    IN_REVIEW = "in_review", _("in review")
    AWARDED = "awarded", _("awarded")
    RESERVE = "reserve", _("reserve list")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


DECIDED_STATUSES = (Status.AWARDED, Status.RESERVE, Status.REJECTED)

# The declaration of honour an applicant ticks when submitting (services.submit keeps the text as
# shown, in the language of the person who submitted, with the time).
DECLARATION = _(
    "I declare on my honour that the information in this application is correct and complete, and I consent to "
    "the processing of the personal data in it as described in the privacy statement."
)


class WaiverDecision(models.TextChoices):
    ACCEPTED = "accepted", _("accepted")
    REFUSED = "refused", _("refused")


class ApplicationQuerySet(models.QuerySet):
    def of_user(self, user):
        """Applications of every organisation `user` belongs to."""
        return self.filter(lead_organisation__memberships__user=user)

    def submitted(self):
        return self.exclude(status__in=[Status.DRAFT, Status.WITHDRAWN]).exclude(submitted_at__isnull=True)

    def with_totals(self):
        return self.annotate(total_cost_sum=Sum("budget_lines__amount"))


class Application(models.Model):
    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="applications")
    lead_organisation = models.ForeignKey(
        Organisation, verbose_name=_("lead organisation"), on_delete=models.PROTECT, related_name="applications"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    objectives = models.ManyToManyField(
        Objective, verbose_name=_("objectives addressed"), blank=True, related_name="applications"
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    requested_amount = models.DecimalField(
        _("requested grant"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    other_funding = models.DecimalField(
        _("other funding"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    own_contribution = models.DecimalField(
        _("own contribution"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    waiver_motivation = models.TextField(_("motivation for a co-financing waiver"), blank=True)
    # Staff accept or refuse the waiver at admissibility (services.decide_waiver), with a motivation.
    waiver_decision = models.CharField(
        _("decision on the co-financing waiver"), max_length=10, choices=WaiverDecision.choices, blank=True
    )
    waiver_decision_motivation = models.TextField(_("motivation of the decision on the waiver"), blank=True)
    waiver_decided_at = models.DateTimeField(_("waiver decided"), null=True, blank=True)
    waiver_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Asked only in calls whose legal frame has the state-aid section (calls.LegalFrame.state_aid).
    de_minimis_received = models.DecimalField(
        _("de minimis aid received in the last three years"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    reference = models.CharField(_("reference"), max_length=30, null=True, blank=True, unique=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    # What the applicant must complete after an admissibility check, and until when.
    completion_request = models.TextField(_("what is missing"), blank=True)
    completion_deadline = models.DateTimeField(_("complete before"), null=True, blank=True)
    # A decision (reviews) is shown to the applicant only once staff publish it.
    decision_published_at = models.DateTimeField(_("decision published"), null=True, blank=True)
    # Set when the retention period ended and the personal data was removed (reviews/retention.py).
    personal_data_removed_at = models.DateTimeField(_("personal data removed"), null=True, blank=True)
    # The declaration of honour ticked when submitting: its text as shown and when it was given.
    declaration_text = models.TextField(_("declaration of honour"), blank=True)
    declared_at = models.DateTimeField(_("declared"), null=True, blank=True)
    # Optimistic locking: every save through a service bumps it; a form carries the version it
    # was loaded with, and a save from a stale tab is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["version"])
    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["call", "status"])]

    def __str__(self):
        return self.reference or self.title or _("draft application %(pk)s") % {"pk": self.pk}

    def get_absolute_url(self):
        return reverse("applications:detail", args=[self.pk])

    @property
    def display_title(self) -> str:
        """The title as pages show it: a draft may have none, and a non-funded application's
        title goes with its personal data when the retention period ends."""
        if self.title:
            return self.title
        if self.personal_data_removed_at:
            return _("Content removed after the retention period")
        return _("Draft application")

    @property
    def has_entries(self) -> bool:
        """Whether anybody entered something yet (a saved change, or a start from the self-check):
        a brand-new draft is not greeted with everything that blocks its submission."""
        return self.version > 1 or any(
            (self.title, self.summary, self.requested_amount is not None, self.start_date, self.end_date)
        )

    @property
    def total_cost(self) -> Decimal:
        """Sum of the budget lines (uses the annotation or prefetch when present)."""
        if hasattr(self, "total_cost_sum"):  # annotated by with_totals(); None without lines
            return self.total_cost_sum or Decimal("0")
        if hasattr(self, "_prefetched_objects_cache") and "budget_lines" in self._prefetched_objects_cache:
            return sum((line.amount for line in self.budget_lines.all()), Decimal("0"))
        return self.budget_lines.aggregate(total=Sum("amount"))["total"] or Decimal("0")

    @property
    def visible_status(self) -> str:
        """The status the applicant sees: a decision stays "in review" until it is published."""
        if self.status in DECIDED_STATUSES and not self.decision_published_at:
            return Status.IN_REVIEW
        return self.status

    def get_visible_status_display(self) -> str:
        return Status(self.visible_status).label


class Partner(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation in the portal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="partnerships",
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    kbo_number = models.CharField(
        _("enterprise number (KBO)"), max_length=10, blank=True, validators=[kbo.validate_kbo]
    )
    role = models.CharField(_("role in the project"), max_length=300, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    budget_share = models.DecimalField(
        _("share of the budget"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.kbo_number = kbo.normalise(self.kbo_number)
        super().save(*args, **kwargs)

    @property
    def kbo_display(self) -> str:
        return kbo.display(self.kbo_number)


class BudgetCategory(models.TextChoices):
    PERSONNEL = "personnel", _("personnel")
    OPERATING = "operating", _("operating costs")
    INVESTMENT = "investment", _("investment")
    SUBCONTRACTING = "subcontracting", _("subcontracting")
    OVERHEAD = "overhead", _("overhead")


class BudgetLine(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="budget_lines")
    category = models.CharField(_("category"), max_length=20, choices=BudgetCategory.choices)
    description = models.CharField(_("description"), max_length=300)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.description


class Answer(models.Model):
    """An answer keeps the question text as it was when answered (content is sacred)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    question_text = models.CharField(_("question"), max_length=500)
    value = models.JSONField(_("answer"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["application", "question"], name="one_answer_per_question")]

    def __str__(self):
        return f"{self.question_text}: {self.value}"


class TextStatus(models.TextChoices):
    PENDING = "pending", _("not read yet")
    EXTRACTED = "extracted", _("text read")
    FAILED = "failed", _("text could not be read")
    NOT_PDF = "not_pdf", _("not a PDF")


def attachment_path(instance, filename):
    # The stored name never contains the user's file name; the original is kept in a field.
    return (
        f"attachments/{instance.application.call_id}/{instance.application_id}/{instance.sha256[:16]}-{instance.uuid}"
    )


class Attachment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey(
        RequiredDocument,
        verbose_name=_("document"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices, default=DocumentKind.OTHER)
    uuid = models.UUIDField(unique=True)
    file = models.FileField(storage=private_storage, upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    scan_status = models.CharField(max_length=20, default="skipped")
    # The text of a PDF, extracted after the upload by a Celery task (applications.tasks) for the
    # full-text search; a failure is recorded here and never blocks anything.
    text = models.TextField(blank=True)
    text_status = models.CharField(max_length=12, choices=TextStatus.choices, default=TextStatus.PENDING)
    text_error = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("applications:attachment", args=[self.application_id, self.pk])


class Message(models.Model):
    """A message in the thread between staff and the applicant on one application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    from_staff = models.BooleanField(default=False)
    body = models.TextField(_("message"), max_length=10000)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.body[:50]


class ReferenceCounter(models.Model):
    """The last reference number handed out per call; locked while a reference is assigned, so
    references are gap-free and unique even under concurrent submissions."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="+")
    last = models.PositiveIntegerField(default=0)


class SearchDocument(models.Model):
    """Everything a submitted application says, as one text, for the staff full-text search
    (applications/search.py). `vector` is the PostgreSQL tsvector (Dutch stemming, accents
    ignored; GIN-indexed by migration 0007, which runs on PostgreSQL only); on SQLite it stays
    empty and the search reads `body` with a contains match."""

    application = models.OneToOneField(
        Application, primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    body = models.TextField(blank=True)
    vector = SearchVectorField(null=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return str(self.application)

"""The grant file after a published award (DESIGN §3 "grants").

A `Grant` is opened by `services.open_grant` when an award is published; from then on every
change goes through `services.py`. Amounts are never stored twice: what was paid, what is due
and what is to be recovered are read from the orders (`ledger.py`, `queries.py`).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from applications.models import Application, BudgetCategory
from calls.models import Call, QuestionKind
from portal.storage import private_storage

ZERO = Decimal("0")


class GrantTerms(models.Model):
    """What a call asks of its beneficiaries once an award is published. Absent: the defaults."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="grant_terms")
    acceptance_days = models.PositiveSmallIntegerField(_("days to accept the grant"), default=30)
    reminder_days_before = models.PositiveSmallIntegerField(_("remind this many days before a due date"), default=7)
    interim_report = models.BooleanField(_("an interim report is required"), default=False)
    interim_report_days_before_end = models.PositiveSmallIntegerField(
        _("interim report due, days before the project end"), default=180
    )
    final_report_days_after_end = models.PositiveSmallIntegerField(
        _("final report due, days after the project end"), default=60
    )
    conditions = models.TextField(_("conditions of the grant"), blank=True)
    legal_frame = models.TextField(_("legal frame"), blank=True)

    class Meta:
        verbose_name = _("grant terms")
        verbose_name_plural = _("grant terms")


class Trigger(models.TextChoices):
    ACCEPTANCE = "acceptance", _("on acceptance")
    INTERIM_REPORT = "interim_report", _("on an accepted interim report")
    FINAL_REPORT = "final_report", _("on the accepted final report")


class PaymentScheduleTranche(models.Model):
    """One tranche of a call's payment schedule. The percentages of a call sum to 100; the
    tranche on the final report pays the balance (entitlement − paid), not its percentage."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="payment_schedule")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    percentage = models.DecimalField(
        _("percentage"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    trigger = models.CharField(_("paid"), max_length=20, choices=Trigger.choices)

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("payment schedule")
        ordering = ["order", "pk"]

    def __str__(self):
        return f"{self.percentage} % {self.get_trigger_display()}"


class GrantState(models.TextChoices):
    AWAITING_ACCEPTANCE = "awaiting_acceptance", _("awaiting acceptance")
    RUNNING = "running", _("running")
    FINAL_REPORT_DUE = "final_report_due", _("final report due")
    BALANCE_DUE = "balance_due", _("balance due")
    RECOVERY_DUE = "recovery_due", _("recovery due")
    CLOSED = "closed", _("closed")
    LAPSED = "lapsed", _("lapsed: not accepted in time")


OPEN_STATES = (
    GrantState.AWAITING_ACCEPTANCE,
    GrantState.RUNNING,
    GrantState.FINAL_REPORT_DUE,
    GrantState.BALANCE_DUE,
    GrantState.RECOVERY_DUE,
)


class Grant(models.Model):
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="grant")
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="grants")
    beneficiary = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="grants")
    number = models.CharField(_("grant number"), max_length=40, unique=True)
    partners = models.JSONField(_("partners"), default=list, blank=True)
    granted_amount = models.DecimalField(_("granted amount"), max_digits=14, decimal_places=2)
    approved_total_cost = models.DecimalField(_("approved total cost"), max_digits=14, decimal_places=2)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    legal_frame = models.TextField(_("legal frame"), blank=True)
    state = models.CharField(
        _("state"), max_length=24, choices=GrantState.choices, default=GrantState.AWAITING_ACCEPTANCE, db_index=True
    )
    opened_at = models.DateTimeField(_("opened"))
    accept_by = models.DateTimeField(_("accept before"))
    acceptance_reminded_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    account_holder = models.CharField(_("account holder"), max_length=140, blank=True)
    lapsed_at = models.DateTimeField(_("lapsed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Entitlement once the final report is accepted (ledger.entitlement); None before.
    entitlement = models.DecimalField(_("entitlement"), max_digits=14, decimal_places=2, null=True, blank=True)
    accepted_costs = models.DecimalField(
        _("accepted eligible costs"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["call", "state"])]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("grants:detail", args=[self.pk])

    def get_manage_url(self):
        return reverse("grants_manage:detail", args=[self.call.slug, self.pk])

    @property
    def is_closed(self) -> bool:
        return self.state in (GrantState.CLOSED, GrantState.LAPSED)

    @property
    def grant_share(self) -> Decimal:
        from .ledger import grant_share

        return grant_share(self.granted_amount, self.approved_total_cost)


class BudgetVersion(models.Model):
    """One version of the approved budget per category; the highest number is current."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="budget_versions")
    number = models.PositiveSmallIntegerField(_("version"))
    amounts = models.JSONField(_("budget per category"))  # {category: "12345.00"}
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("budget version")
        verbose_name_plural = _("budget versions")
        ordering = ["grant", "number"]
        constraints = [models.UniqueConstraint(fields=["grant", "number"], name="one_budget_version_number")]

    def lines(self) -> list[tuple[str, str, Decimal]]:
        labels = dict(BudgetCategory.choices)
        return [(key, labels.get(key, key), Decimal(value)) for key, value in self.amounts.items()]

    @property
    def total(self) -> Decimal:
        return sum((Decimal(v) for v in self.amounts.values()), ZERO)


class PaymentBatch(models.Model):
    """Approved payment orders exported together to the finance system."""

    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="payment_batches")

    class Meta:
        verbose_name = _("payment batch")
        verbose_name_plural = _("payment batches")
        ordering = ["-created_at", "-pk"]


class PaymentState(models.TextChoices):
    DUE = "due", _("due: to be proposed")
    PROPOSED = "proposed", _("proposed")
    APPROVED = "approved", _("approved")
    PAID = "paid", _("paid")


class PaymentKind(models.TextChoices):
    ADVANCE = "advance", _("advance")
    INTERIM = "interim", _("interim payment")
    BALANCE = "balance", _("balance")


class PaymentOrder(models.Model):
    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="payment_orders")
    tranche = models.ForeignKey(
        PaymentScheduleTranche, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PaymentKind.choices)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    state = models.CharField(_("state"), max_length=10, choices=PaymentState.choices, default=PaymentState.DUE)
    due_at = models.DateTimeField(_("due since"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=140, blank=True)
    batch = models.ForeignKey(PaymentBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")

    class Meta:
        verbose_name = _("payment order")
        verbose_name_plural = _("payment orders")
        ordering = ["due_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True) | ~models.Q(approved_by=models.F("proposed_by")),
                name="payment_order_four_eyes",
            )
        ]

    def __str__(self):
        return f"{self.grant.number} {self.get_kind_display()}"


class RecoveryState(models.TextChoices):
    ISSUED = "issued", _("issued")
    PAID_BACK = "paid_back", _("paid back")


class RecoveryOrder(models.Model):
    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="recovery_orders")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    state = models.CharField(_("state"), max_length=10, choices=RecoveryState.choices, default=RecoveryState.ISSUED)
    issued_at = models.DateTimeField(_("issued"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    paid_back_on = models.DateField(_("paid back on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=140, blank=True)

    class Meta:
        verbose_name = _("recovery order")
        verbose_name_plural = _("recovery orders")
        ordering = ["issued_at", "pk"]


class ReportKind(models.TextChoices):
    INTERIM = "interim", _("interim report")
    FINAL = "final", _("final report")


class ReportState(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    RETURNED = "returned", _("returned for changes")
    ACCEPTED = "accepted", _("accepted")


class ReportQuestion(models.Model):
    """A content question of a call's interim or final report (the question kinds of applications)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="report_questions")
    report_kind = models.CharField(_("report"), max_length=10, choices=ReportKind.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKind.choices, default=QuestionKind.LONG_TEXT)
    text = models.CharField(_("question"), max_length=500)
    required = models.BooleanField(_("required"), default=True)
    max_chars = models.PositiveIntegerField(_("maximum characters"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("report question")
        verbose_name_plural = _("report questions")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.text


class Report(models.Model):
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("report"), max_length=10, choices=ReportKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=ReportState.choices, default=ReportState.DRAFT)
    due_date = models.DateField(_("due date"))
    # [{"question": pk, "text": "...", "value": ...}]: the question text as answered.
    answers = models.JSONField(_("answers"), default=list, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    remarks = models.TextField(_("remarks"), blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["due_date", "pk"]
        constraints = [models.UniqueConstraint(fields=["grant", "kind"], name="one_report_per_kind")]

    def __str__(self):
        return f"{self.grant.number} {self.get_kind_display()}"


class CostLine(models.Model):
    """An actual cost in a report's financial statement, and what staff accepted of it."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="cost_lines")
    category = models.CharField(_("category"), max_length=20, choices=BudgetCategory.choices)
    description = models.CharField(_("description"), max_length=300)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    accepted_amount = models.DecimalField(_("accepted amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    refusal_reason = models.CharField(_("reason for refusal"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("cost line")
        verbose_name_plural = _("cost lines")
        ordering = ["pk"]

    @property
    def refused_amount(self) -> Decimal:
        return self.amount - (self.accepted_amount if self.accepted_amount is not None else self.amount)


def evidence_path(instance, filename):
    return f"grants/{instance.report.grant_id}/{instance.report_id}/{instance.sha256[:16]}-{instance.uuid}"


class Evidence(models.Model):
    """A supporting document of a report (invoices, payslips), checked like an attachment."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="evidence")
    uuid = models.UUIDField(unique=True)
    file = models.FileField(storage=private_storage, upload_to=evidence_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    scan_status = models.CharField(max_length=20, default="skipped")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name


class AmendmentKind(models.TextChoices):
    EXTENSION = "extension", _("extension of the end date")
    BUDGET_SHIFT = "budget_shift", _("budget shift between categories")


class AmendmentState(models.TextChoices):
    RECORDED = "recorded", _("recorded (no approval needed)")
    REQUESTED = "requested", _("awaiting approval")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")


class Amendment(models.Model):
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="amendments")
    kind = models.CharField(_("kind"), max_length=20, choices=AmendmentKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=AmendmentState.choices)
    new_end_date = models.DateField(_("new end date"), null=True, blank=True)
    new_amounts = models.JSONField(_("new budget per category"), null=True, blank=True)
    shifted = models.DecimalField(_("amount shifted"), max_digits=14, decimal_places=2, default=ZERO)
    motivation = models.TextField(_("motivation"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("requested"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_motivation = models.TextField(_("motivation of the decision"), blank=True)

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["requested_at", "pk"]

"""Forms of the calls app: the public self-check and the staff forms for editing a call."""

import re
from decimal import Decimal, InvalidOperation

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Fieldset, Layout, Row
from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.models import OrganisationKind

from .eligibility import Facts
from .models import (
    Call,
    CallRole,
    Criterion,
    EligibilityRule,
    FileFormat,
    LegalFrame,
    LegalPart,
    Objective,
    Question,
    RequiredDocument,
    RuleKind,
    legal_frame_of,
)

LANGUAGE_LABELS = {"nl": _("%(field)s (Dutch)"), "en": _("%(field)s (English)")}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class DateTimeField(forms.DateTimeField):
    """A moment of a call (Brussels time) in the years a call can take place. The year 1 is the
    year 0 in UTC: PostgreSQL stores it, and every page that reads the call fails on it."""

    FIRST_YEAR, LAST_YEAR = 2000, 2999

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", DateTimeInput())
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None and not self.FIRST_YEAR <= value.year <= self.LAST_YEAR:
            raise forms.ValidationError(
                _("Enter a date between the years %(first)s and %(last)s."),
                code="year",
                params={"first": self.FIRST_YEAR, "last": self.LAST_YEAR},
            )


def parse_amount(text: str, language: str | None = None) -> Decimal:
    """'€ 60.000,50' (nl) or '€60,000.50' (en) → Decimal('60000.50'). A dot followed by exactly
    three digits is a thousands separator in Dutch, as a comma is in English."""
    language = (language or translation.get_language() or "nl")[:2]
    value = re.sub(r"[\s\u00a0€]", "", text or "")
    decimal_sep, thousands_sep = (",", ".") if language == "nl" else (".", ",")
    if "," in value and "." in value:
        decimal_sep = "," if value.rfind(",") > value.rfind(".") else "."
        thousands_sep = "." if decimal_sep == "," else ","
    elif thousands_sep in value and not re.fullmatch(r"-?\d{1,3}(" + re.escape(thousands_sep) + r"\d{3})+", value):
        # "60.5" in Dutch or "60,5" in English: a lone separator meant as decimals.
        decimal_sep, thousands_sep = thousands_sep, decimal_sep
    value = value.replace(thousands_sep, "").replace(decimal_sep, ".")
    return Decimal(value)


class AmountField(forms.DecimalField):
    """An amount in euro typed as people write it in the active language."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        try:
            return parse_amount(str(value))
        except (InvalidOperation, ValueError):
            raise forms.ValidationError(_("Enter an amount in euro, for example 60000 or 60.000,00."), code="invalid")


def label_translated_fields(form, model):
    """Label `title_nl` "Title (Dutch)" and make English fields optional (they fall back to Dutch)."""
    for name, field in form.fields.items():
        base, _sep, language = name.rpartition("_")
        if language in LANGUAGE_LABELS and base:
            try:
                verbose = model._meta.get_field(base).verbose_name
            except Exception:
                continue
            field.label = LANGUAGE_LABELS[language] % {"field": capfirst(verbose)}
            if language == "en":
                field.required = False


def side_by_side(*names) -> list:
    """Crispy rows putting the Dutch and English version of each field next to each other."""
    return [
        Row(Column(f"{name}_nl", css_class="col-md-6"), Column(f"{name}_en", css_class="col-md-6")) for name in names
    ]


# --- Public self-check -------------------------------------------------------------------------


class SelfCheckForm(forms.Form):
    """What the self-check needs to know; `facts()` turns it into eligibility.Facts."""

    lead_kind = forms.ChoiceField(
        label=_("Your organisation is a"), choices=[("", _("Choose…")), *OrganisationKind.choices]
    )
    objectives = forms.ModelMultipleChoiceField(
        label=_("Objectives the project addresses"),
        queryset=Objective.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    requested_amount = AmountField(label=_("Requested grant (euro)"), required=False)
    total_cost = AmountField(label=_("Total cost of the project (euro)"), required=False)
    waiver_motivation = forms.CharField(
        label=_("Motivation for an exception to the co-financing"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only when the call allows an exception and you ask more than the usual share."),
    )
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DateInput())
    end_date = forms.DateField(label=_("End date"), required=False, widget=DateInput())

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        self.fields["objectives"].queryset = call.objectives.filter(archived_at__isnull=True)
        if not call.objectives_required:
            self.fields["objectives"].label = _("Themes the project works on (optional)")
        # Only the kinds that can lead in this call (every kind may still join as a partner).
        lead_rule = call.rule(RuleKind.LEAD_KINDS)
        if lead_rule is not None and lead_rule.org_kinds:
            self.fields["lead_kind"].choices = [("", _("Choose…"))] + [
                (value, label) for value, label in OrganisationKind.choices if value in lead_rule.org_kinds
            ]
        # A later round that excludes organisations funded earlier asks about it.
        self.excluded_call = getattr(call.rule(RuleKind.NOT_FUNDED_IN), "excluded_call", None)
        if self.excluded_call is not None:
            self.fields["funded_before"] = forms.TypedChoiceField(
                label=_("Was your organisation funded in “%(call)s”?") % {"call": self.excluded_call.title},
                choices=[("", _("Choose…")), ("no", _("no")), ("yes", _("yes"))],
                required=False,
            )
        # One number per kind of partner: usable without JavaScript, no rows to add.
        self.partner_fields = []
        for kind, label in OrganisationKind.choices:
            name = f"partners_{kind}"
            self.fields[name] = forms.IntegerField(
                label=capfirst(label),
                min_value=0,
                max_value=50,
                required=False,
                widget=forms.NumberInput(attrs={"class": "form-control-sm", "inputmode": "numeric"}),
            )
            self.partner_fields.append(name)
        state_aid = legal_frame_of(call) is not None and legal_frame_of(call).state_aid
        if state_aid:
            self.fields["de_minimis_received"] = AmountField(
                label=_("De minimis aid received in the last three years (euro)"),
                required=False,
                help_text=_("State aid: with the requested grant it may not exceed € 300,000 over three years."),
            )
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        partner_rows = [Column(name, css_class="col-6 col-md-4 col-lg-3") for name in self.partner_fields]
        self.helper.layout = Layout(
            "lead_kind",
            Fieldset(
                _("Partners besides your organisation: how many of each kind?"),
                Row(*partner_rows),
            ),
            "objectives",
            Row(Column("requested_amount", css_class="col-md-6"), Column("total_cost", css_class="col-md-6")),
            "waiver_motivation",
            Row(Column("start_date", css_class="col-md-6"), Column("end_date", css_class="col-md-6")),
            *(["funded_before"] if self.excluded_call is not None else []),
            *(["de_minimis_received"] if state_aid else []),
        )

    def clean(self):
        data = super().clean()
        requested, total = data.get("requested_amount"), data.get("total_cost")
        if requested is not None and total is not None and total < requested:
            self.add_error("total_cost", _("The total cost cannot be lower than the requested grant."))
        return data

    def facts(self) -> Facts:
        data = self.cleaned_data
        partner_kinds = []
        for name in self.partner_fields:
            partner_kinds += [name.removeprefix("partners_")] * (data.get(name) or 0)
        return Facts(
            lead_kind=data["lead_kind"],
            partner_kinds=tuple(partner_kinds),
            objective_count=len(data.get("objectives") or []),
            requested_amount=data.get("requested_amount"),
            total_cost=data.get("total_cost"),
            waiver_motivation=data.get("waiver_motivation") or "",
            start_date=data.get("start_date"),
            end_date=data.get("end_date"),
            funded_in_call_ids=self._funded_in(data.get("funded_before")),
            de_minimis_received=data.get("de_minimis_received"),
        )

    def _funded_in(self, answer: str | None) -> frozenset[int] | None:
        if self.excluded_call is None or answer not in ("yes", "no"):
            return None
        return frozenset({self.excluded_call.pk}) if answer == "yes" else frozenset()


# --- Staff: the call itself ------------------------------------------------------------------


class CallForm(forms.ModelForm):
    """The general settings of a call. The deadline of a published call moves only through the
    deadline page, so every change is recorded."""

    class Meta:
        model = Call
        fields = [
            "slug", "reference_prefix",
            "title_nl", "title_en", "summary_nl", "summary_en", "description_nl", "description_en",
            "funder_nl", "funder_en", "programme_nl", "programme_en",
            "eligible_applicants_nl", "eligible_applicants_en",
            "total_budget", "opens_at", "closes_at",
            "summary_max_chars", "allow_multiple_drafts", "max_upload_mb", "max_attachments", "completion_days",
            "reviews_required", "max_reviewer_load", "review_due_days",
            "max_score", "score_step", "overall_threshold", "disagreement_gap", "funding_policy", "review_visibility",
            "retention_years", "funded_retention_years",
        ]  # fmt: skip
        field_classes = {"opens_at": DateTimeField, "closes_at": DateTimeField}
        widgets = {
            "opens_at": DateTimeInput(),
            "closes_at": DateTimeInput(),
            "summary_nl": forms.Textarea(attrs={"rows": 3}),
            "summary_en": forms.Textarea(attrs={"rows": 3}),
            "description_nl": forms.Textarea(attrs={"rows": 10}),
            "description_en": forms.Textarea(attrs={"rows": 10}),
            "eligible_applicants_nl": forms.Textarea(attrs={"rows": 3}),
            "eligible_applicants_en": forms.Textarea(attrs={"rows": 3}),
        }

    total_budget = AmountField(label=_("total budget"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label_translated_fields(self, Call)
        self.fields["total_budget"].label = capfirst(Call._meta.get_field("total_budget").verbose_name)
        if self.instance.pk and self.instance.published:
            self.fields["closes_at"].disabled = True
            self.fields["closes_at"].help_text = _("The deadline of a published call moves on the deadline page.")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(_("Identification"), Row(Column("slug"), Column("reference_prefix"))),
            Fieldset(
                _("Texts"),
                *side_by_side("title", "summary", "description", "funder", "programme", "eligible_applicants"),
            ),
            Fieldset(_("Budget and timeline"), Row(Column("total_budget"), Column("opens_at"), Column("closes_at"))),
            Fieldset(
                _("Application form"),
                Row(Column("summary_max_chars"), Column("max_upload_mb"), Column("max_attachments")),
                Row(Column("completion_days"), Column("allow_multiple_drafts")),
            ),
            Fieldset(
                _("Review"),
                Row(Column("reviews_required"), Column("max_reviewer_load"), Column("review_due_days")),
                Row(Column("max_score"), Column("score_step"), Column("overall_threshold"), Column("disagreement_gap")),
                Row(Column("funding_policy"), Column("review_visibility")),
            ),
            Fieldset(_("Retention"), Row(Column("retention_years"), Column("funded_retention_years"))),
        )


# --- Staff: the parts of a call (inline formsets) ----------------------------------------------


class ItemForm(forms.ModelForm):
    layout: tuple = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label_translated_fields(self, self._meta.model)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.render_hidden_fields = True
        self.helper.layout = Layout(*self.layout)


class ObjectiveForm(ItemForm):
    class Meta:
        model = Objective
        fields = ["number", "title_nl", "title_en", "description_nl", "description_en"]
        widgets = {
            "description_nl": forms.Textarea(attrs={"rows": 2}),
            "description_en": forms.Textarea(attrs={"rows": 2}),
        }

    layout = (Row(Column("number", css_class="col-md-2")), *side_by_side("title", "description"))


class CriterionForm(ItemForm):
    class Meta:
        model = Criterion
        fields = [
            "order",
            "title_nl",
            "title_en",
            "description_nl",
            "description_en",
            "rubric_nl",
            "rubric_en",
            "weight",
            "threshold",
            "objective",
        ]
        widgets = {
            "description_nl": forms.Textarea(attrs={"rows": 2}),
            "description_en": forms.Textarea(attrs={"rows": 2}),
            "rubric_nl": forms.Textarea(attrs={"rows": 6}),
            "rubric_en": forms.Textarea(attrs={"rows": 6}),
        }

    layout = (
        *side_by_side("title", "description", "rubric"),
        Row(Column("order"), Column("weight"), Column("threshold"), Column("objective", css_class="col-md-6")),
    )

    def __init__(self, *args, call=None, **kwargs):
        super().__init__(*args, **kwargs)
        if call is not None:
            self.fields["objective"].queryset = call.objectives.filter(archived_at__isnull=True)
        self.fields["objective"].required = False
        self.fields["objective"].empty_label = _("every application")


class QuestionForm(ItemForm):
    class Meta:
        model = Question
        fields = [
            "order", "kind", "required", "max_chars", "min_value", "max_value", "text_nl", "text_en", "help_text_nl", "help_text_en",
            "choices_nl", "choices_en",
        ]  # fmt: skip
        widgets = {
            "help_text_nl": forms.Textarea(attrs={"rows": 2}),
            "help_text_en": forms.Textarea(attrs={"rows": 2}),
            "choices_nl": forms.Textarea(attrs={"rows": 3}),
            "choices_en": forms.Textarea(attrs={"rows": 3}),
        }

    layout = (
        Row(Column("order"), Column("kind"), Column("max_chars"), Column("required")),
        Row(Column("min_value"), Column("max_value")),
        *side_by_side("text", "help_text", "choices"),
    )


class DocumentForm(ItemForm):
    allowed_formats = forms.MultipleChoiceField(
        label=_("allowed formats"), choices=FileFormat.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = RequiredDocument
        fields = [
            "order",
            "kind",
            "required",
            "allowed_formats",
            "max_size_mb",
            "title_nl",
            "title_en",
            "description_nl",
            "description_en",
        ]
        widgets = {
            "description_nl": forms.Textarea(attrs={"rows": 2}),
            "description_en": forms.Textarea(attrs={"rows": 2}),
        }

    layout = (
        Row(Column("order"), Column("kind"), Column("max_size_mb"), Column("required")),
        "allowed_formats",
        *side_by_side("title", "description"),
    )


class RuleForm(ItemForm):
    org_kinds = forms.MultipleChoiceField(
        label=_("organisation kinds"),
        choices=OrganisationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    amount = AmountField(label=_("amount"), required=False)

    class Meta:
        model = EligibilityRule
        fields = [
            "kind", "severity", "number", "amount", "percent", "org_kinds", "org_kind", "count_lead",
            "waiver_allowed", "start_from", "start_until", "end_by", "excluded_call",
        ]  # fmt: skip
        widgets = {"start_from": DateInput(), "start_until": DateInput(), "end_by": DateInput()}

    layout = (
        Row(Column("kind", css_class="col-md-6"), Column("severity")),
        Row(Column("number"), Column("amount"), Column("percent"), Column("org_kind")),
        "org_kinds",
        Row(Column("count_lead"), Column("waiver_allowed")),
        Row(Column("start_from"), Column("start_until"), Column("end_by")),
        "excluded_call",
    )

    def __init__(self, *args, call=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = capfirst(EligibilityRule._meta.get_field("amount").verbose_name)
        self.fields["org_kinds"].label = capfirst(EligibilityRule._meta.get_field("org_kinds").verbose_name)
        calls = Call.objects.order_by("-closes_at")
        if call is not None:
            calls = calls.exclude(pk=call.pk)
        self.fields["excluded_call"].queryset = calls


ITEM_FORMS = {
    # part in the address: (model, form, title)
    "objectives": (Objective, ObjectiveForm, _("Objectives")),
    "criteria": (Criterion, CriterionForm, _("Criteria")),
    "questions": (Question, QuestionForm, _("Questions")),
    "documents": (RequiredDocument, DocumentForm, _("Required documents")),
    "rules": (EligibilityRule, RuleForm, _("Eligibility rules")),
}


MAX_ITEMS = 50  # per part of one call


class ItemFormSet(BaseInlineFormSet):
    def clean(self):
        """A row that came with the page must still be one of the call's editable items. When it
        is not (archived or removed in another window, or a forged id) Django builds a new item
        for it, which would be saved as a duplicate."""
        super().clean()
        if any(form.instance.pk is None for form in self.initial_forms):
            raise forms.ValidationError(
                _(
                    "An item on this page was changed or removed in the meantime, perhaps in another window. "
                    "Nothing was saved: reload the page and make your changes again."
                ),
                code="stale",
            )


def item_formset(part: str, call: Call, data=None):
    """The inline formset for one part of a call; archived items are not offered for editing."""
    model, form, _title = ITEM_FORMS[part]
    # A posted form count is capped: without a cap a forged TOTAL_FORMS builds thousands of forms.
    formset_class = inlineformset_factory(
        Call,
        model,
        form=form,
        formset=ItemFormSet,
        fk_name="call",
        extra=1,
        can_delete=True,
        max_num=MAX_ITEMS,
        validate_max=True,
        absolute_max=MAX_ITEMS + 10,
    )
    queryset = model.objects.all()
    if hasattr(model, "archived_at"):
        queryset = queryset.filter(archived_at__isnull=True)
    kwargs = {"call": call} if form in (CriterionForm, RuleForm) else {}
    formset = formset_class(data, instance=call, queryset=queryset, prefix=part, form_kwargs=kwargs)
    for item_form in formset.forms:
        if "DELETE" in item_form.fields:
            item_form.fields["DELETE"].label = _("Remove (kept in the archive when applications or reviews use it)")
            item_form.helper.layout.append(Div("DELETE", css_class="border-top pt-2"))
    return formset


# --- Staff: actions ---------------------------------------------------------------------------


class DeadlineForm(forms.Form):
    new_closes_at = DateTimeField(label=_("New deadline (Brussels time)"))
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to applicants in the history of the call's deadline."),
    )


class CloneForm(forms.Form):
    slug = forms.SlugField(label=_("Short name in the address"), max_length=80)
    title_nl = forms.CharField(label=_("Title (Dutch)"), max_length=250)
    title_en = forms.CharField(label=_("Title (English)"), max_length=250, required=False)
    opens_at = DateTimeField(label=_("Opens at (Brussels time)"))
    closes_at = DateTimeField(label=_("Deadline (Brussels time)"))
    exclude_funded = forms.BooleanField(
        label=_("Organisations funded in this call may not apply to the new round"), required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("The deadline must be after the opening."))
        return data


class RoleForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of an existing user"))
    role = forms.ChoiceField(label=_("Role"), choices=CallRole.Role.choices)


class ReviewStartForm(forms.Form):
    review_closes_at = DateTimeField(label=_("Review phase closes (optional)"), required=False)


# --- Staff: the legal frame -------------------------------------------------------------------


class LegalFrameForm(forms.ModelForm):
    """The legal frame of a call (calls.LegalFrame), Dutch and English side by side."""

    legal_basis_url = forms.URLField(
        label=_("Link to the legal basis"), max_length=500, required=False, assume_scheme="https"
    )

    unconfirmed = forms.MultipleChoiceField(
        label=_("Parts not confirmed by the call's regulation"),
        choices=LegalPart.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The public page marks these parts as not confirmed, so nothing assumed is shown as fact."),
    )

    class Meta:
        model = LegalFrame
        fields = [
            "legal_basis_title_nl", "legal_basis_title_en", "legal_basis_date", "legal_basis_url",
            "decision_maker_nl", "decision_maker_en",
            "contact_name", "contact_email", "contact_phone",
            "admissibility_nl", "admissibility_en",
            "eligible_costs_nl", "eligible_costs_en", "vat_rule",
            "cost_period_start", "cost_period_end",
            "communication_obligation_nl", "communication_obligation_en",
            "state_aid", "state_aid_note_nl", "state_aid_note_en",
            "unconfirmed",
        ]  # fmt: skip
        widgets = {
            "legal_basis_date": DateInput(),
            "cost_period_start": DateInput(),
            "cost_period_end": DateInput(),
            **{
                f"{name}_{language}": forms.Textarea(attrs={"rows": 3})
                for name in (
                    "decision_maker",
                    "admissibility",
                    "eligible_costs",
                    "communication_obligation",
                    "state_aid_note",
                )
                for language in ("nl", "en")
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label_translated_fields(self, LegalFrame)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                _("Legal basis"),
                *side_by_side("legal_basis_title"),
                Row(Column("legal_basis_date", css_class="col-md-4"), Column("legal_basis_url", css_class="col-md-8")),
            ),
            Fieldset(_("Who decides"), *side_by_side("decision_maker")),
            Fieldset(_("Contact"), Row(Column("contact_name"), Column("contact_email"), Column("contact_phone"))),
            Fieldset(_("Admissibility"), *side_by_side("admissibility")),
            Fieldset(
                _("Eligible costs"),
                *side_by_side("eligible_costs"),
                "vat_rule",
                Row(Column("cost_period_start"), Column("cost_period_end")),
            ),
            Fieldset(_("Communication"), *side_by_side("communication_obligation")),
            Fieldset(_("State aid"), "state_aid", *side_by_side("state_aid_note")),
            "unconfirmed",
        )

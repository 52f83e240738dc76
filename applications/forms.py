"""Forms of the application sections. Nothing is required while drafting: completeness is
checked when submitting (workflow guard), so a half-filled section can always be saved. Field
formats (lengths, amounts, dates, enterprise numbers) are checked here, on the server."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import BaseValidator, MinValueValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts import kbo
from accounts.models import Organisation, OrganisationKind
from calls.eligibility import visible_length
from calls.models import Objective, Question, QuestionKind, RuleKind, legal_frame_of
from portal import formatting

from .models import DECLARATION, Application, BudgetCategory

MAX_AMOUNT_DIGITS = 14


class VersionField(forms.IntegerField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, min_value=0, **kwargs)


class AmountInput(forms.TextInput):
    """An amount as the person reads it elsewhere on the page: 180.000,00 in Dutch, 180,000.00
    in English (the € sign stands beside the field). A text field, because a number input shows
    the browser's own format and cannot hold thousands separators."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, (Decimal, int)):
            return formatting.money(value, cents=True).replace("€", "").strip()
        return super().format_value(value)


def parse_amount(text: str) -> str:
    """ "180.000,00", "180,000.00", "€ 1 234,5" → "180000.00", "180000.00", "1234.5".
    With both separators the last one is the decimal separator; a single kind of separator is a
    thousands separator when it recurs or has exactly three digits after it (an amount has at
    most two decimals), else the decimal separator."""
    value = text.replace("€", "").replace("\u00a0", "").replace("\u202f", "").replace(" ", "").strip()
    if "," in value and "." in value:
        decimal_sep = "," if value.rfind(",") > value.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        return value.replace(thousands, "").replace(decimal_sep, ".")
    for sep in (",", "."):
        if sep in value:
            whole, _sep, tail = value.rpartition(sep)
            if value.count(sep) > 1 or len(tail) == 3:
                return value.replace(sep, "")
            return value.replace(sep, ".")
    return value


class AmountField(forms.DecimalField):
    """An amount in euro: at most 12 digits before the comma, 2 after, not negative. Accepts
    what people type in either language ("180.000,00", "180,000.00", "1234,50")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        if kwargs.get("label"):
            kwargs["label"] = format_lazy("{} (€)", kwargs["label"])  # every amount says its unit
        super().__init__(
            max_digits=MAX_AMOUNT_DIGITS,
            decimal_places=2,
            validators=[MinValueValidator(Decimal("0"))],
            widget=AmountInput(),
            **kwargs,
        )

    def widget_attrs(self, widget):
        # No step/min attributes: those belong to number inputs.
        return {}

    def to_python(self, value):
        if isinstance(value, str):
            value = parse_amount(value)
        return super().to_python(value)


class VisibleMaxLength(BaseValidator):
    """At most `limit` characters as a person counts them (calls.eligibility.visible_length: a
    line break is one character, whatever the browser sends), the count the page's counter shows."""

    message = _("Keep this to at most %(limit_value)s characters (it has %(show_value)s).")
    code = "max_length"

    def compare(self, a, b):
        return a > b

    def clean(self, x):
        return visible_length(x)


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _counter_attrs(field_id: str, max_chars: int | None) -> dict:
    if not max_chars:
        return {}
    return {"data-max-chars": str(max_chars), "aria-describedby": f"{field_id}-counter"}


class GeneralForm(forms.Form):
    version = VersionField()
    title = forms.CharField(label=_("Project title"), max_length=300, required=False)
    acronym = forms.CharField(label=_("Acronym"), max_length=30, required=False)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    objectives = forms.ModelMultipleChoiceField(
        label=_("Objectives the project addresses"),
        queryset=Objective.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DATE_WIDGET)
    end_date = forms.DateField(label=_("End date"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, application: Application, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "version": application.version,
                "title": application.title,
                "acronym": application.acronym,
                "summary": application.summary,
                "objectives": [o.pk for o in application.objectives.all()],
                "start_date": application.start_date,
                "end_date": application.end_date,
            },
        )
        super().__init__(*args, **kwargs)
        call = application.call
        limit = call.summary_max_chars
        summary = self.fields["summary"]
        summary.validators.append(VisibleMaxLength(limit))
        summary.widget.attrs.update(_counter_attrs("id_summary", limit))
        summary.help_text = _("At most %(n)s characters.") % {"n": limit}
        self.fields["objectives"].queryset = Objective.objects.filter(call=call, archived_at__isnull=True).order_by(
            "number"
        )
        if not call.objectives_required:
            self.fields["objectives"].label = _("Themes the project works on (optional)")

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must be after the start date."))
        return data

    def valid_data(self) -> dict:
        """The fields that validated (autosave stores these and leaves the others alone)."""
        return {
            name: value for name, value in self.cleaned_data.items() if name != "version" and name not in self.errors
        }


def _kbo_validator(value):
    if value:
        kbo.validate(value)


class PartnerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of organisation"), choices=[("", "—"), *OrganisationKind.choices])
    kbo_number = forms.CharField(
        label=_("Enterprise number (KBO)"),
        max_length=20,
        required=False,
        validators=[_kbo_validator],
        help_text=_("10 digits, for example 0123.456.749."),
    )
    role = forms.CharField(label=_("Role in the project"), max_length=300, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=150, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    budget_share = AmountField(label=_("Share of the budget"))

    def clean_kbo_number(self):
        return kbo.normalise(self.cleaned_data.get("kbo_number") or "")


class BasePartnerFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        return [
            {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


PartnerFormSet = forms.formset_factory(
    PartnerForm, formset=BasePartnerFormSet, extra=2, can_delete=True, max_num=50, validate_max=True, absolute_max=60
)


def partner_initial(application: Application) -> list[dict]:
    return [
        {
            "name": p.name,
            "kind": p.kind,
            "kbo_number": p.kbo_display,
            "role": p.role,
            "contact_name": p.contact_name,
            "contact_email": p.contact_email,
            "budget_share": p.budget_share,
        }
        for p in application.partners.all()
    ]


class BudgetLineForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=[("", "—"), *BudgetCategory.choices])
    description = forms.CharField(label=_("Description"), max_length=300)
    amount = AmountField(label=_("Amount"), required=True)


class BaseBudgetLineFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        return [
            {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


BudgetLineFormSet = forms.formset_factory(
    BudgetLineForm,
    formset=BaseBudgetLineFormSet,
    extra=3,
    can_delete=True,
    max_num=100,
    validate_max=True,
    absolute_max=120,
)


def budget_line_initial(application: Application) -> list[dict]:
    return [
        {"category": line.category, "description": line.description, "amount": line.amount}
        for line in application.budget_lines.all()
    ]


def waiver_allowed(call) -> bool:
    rule = call.rule(RuleKind.MAX_GRANT_SHARE)
    return bool(rule and rule.waiver_allowed)


def state_aid_applies(call) -> bool:
    frame = legal_frame_of(call)
    return bool(frame and frame.state_aid)


class FundingForm(forms.Form):
    version = VersionField()
    requested_amount = AmountField(label=_("Requested grant"))
    other_funding = AmountField(label=_("Other funding"), help_text=_("Other grants and sponsors."))
    own_contribution = AmountField(label=_("Own contribution"))
    waiver_motivation = forms.CharField(
        label=_("Motivation for a co-financing waiver"),
        required=False,
        validators=[VisibleMaxLength(5000)],
        widget=forms.Textarea(attrs={"rows": 4, **_counter_attrs("id_waiver_motivation", 5000)}),
        help_text=_("Only when the grant must cover more than the call's co-financing rule allows: explain why."),
    )
    de_minimis_received = AmountField(
        label=_("De minimis aid received in the last three years"),
        help_text=_(
            "The total of the de minimis state aid your organisation received in the last three years, from any "
            "government (0 if none). With the requested grant it may not exceed € 300,000."
        ),
    )

    def __init__(self, *args, application: Application, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "version": application.version,
                "requested_amount": application.requested_amount,
                "other_funding": application.other_funding,
                "own_contribution": application.own_contribution,
                "waiver_motivation": application.waiver_motivation,
                "de_minimis_received": application.de_minimis_received,
            },
        )
        super().__init__(*args, **kwargs)
        if application.call.total_budget:
            # The same limit the eligibility check applies to every call (calls.eligibility.check).
            self.fields["requested_amount"].help_text = _("At most the budget of the call, %(budget)s.") % {
                "budget": formatting.money(application.call.total_budget)
            }
        if not waiver_allowed(application.call):
            del self.fields["waiver_motivation"]
        if not state_aid_applies(application.call):
            del self.fields["de_minimis_received"]


YES, NO = "yes", "no"


def question_field(question: Question) -> forms.Field | None:
    """The form field for one of the call's questions (None for file questions, which are
    answered on the attachments page)."""
    common = {"label": question.text, "required": False, "help_text": question.help_text}
    field_id = f"id_q_{question.pk}"
    kind = question.kind
    if kind == QuestionKind.SHORT_TEXT:
        limit = question.max_chars or 500
        return forms.CharField(
            validators=[VisibleMaxLength(limit)],
            widget=forms.TextInput(attrs=_counter_attrs(field_id, question.max_chars)),
            **common,
        )
    if kind == QuestionKind.LONG_TEXT:
        attrs = {"rows": 6, **_counter_attrs(field_id, question.max_chars)}
        limit = question.max_chars or 20000
        return forms.CharField(validators=[VisibleMaxLength(limit)], widget=forms.Textarea(attrs=attrs), **common)
    if kind == QuestionKind.NUMBER:
        return forms.DecimalField(
            max_digits=18, decimal_places=4, min_value=question.min_value, max_value=question.max_value, **common
        )
    if kind == QuestionKind.CHOICE:
        return forms.ChoiceField(choices=[(c, c) for c in question.choice_list()], widget=forms.RadioSelect, **common)
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(c, c) for c in question.choice_list()], widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == QuestionKind.YES_NO:
        return forms.ChoiceField(choices=[(YES, _("Yes")), (NO, _("No"))], widget=forms.RadioSelect, **common)
    if kind == QuestionKind.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common)
    return None


def to_stored(question: Question, value):
    """Form value → JSON value of the Answer."""
    if value in (None, "", []):
        return None
    kind = question.kind
    if kind == QuestionKind.YES_NO:
        return value == YES
    if kind == QuestionKind.NUMBER:
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if kind == QuestionKind.DATE:
        return value.isoformat()
    return value


def from_stored(question: Question, value):
    """JSON value of the Answer → initial form value."""
    if value is None:
        return None
    if question.kind == QuestionKind.YES_NO:
        return YES if value else NO
    return value


class QuestionsForm(forms.Form):
    version = VersionField()

    def __init__(self, *args, application: Application, questions: list[Question], **kwargs):
        answers = {a.question_id: a.value for a in application.answers.all()}
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = application.version
        self.questions = {}
        for question in questions:
            field = question_field(question)
            if field is None:
                continue
            name = f"q_{question.pk}"
            field.initial = from_stored(question, answers.get(question.pk))
            if question.required:
                field.label = f"{question.text} *"
            self.fields[name] = field
            self.questions[name] = question

    def answers(self, *, only_valid: bool = False) -> dict[Question, object]:
        data = self.cleaned_data
        return {
            question: to_stored(question, data.get(name))
            for name, question in self.questions.items()
            if name in data and not (only_valid and name in self.errors)
        }


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))


class StartForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Which organisation leads the application?"),
        queryset=Organisation.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(memberships__user=user).order_by("name")


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))


class SubmitForm(forms.Form):
    version = VersionField()
    declaration = forms.BooleanField(
        label=DECLARATION,
        required=False,  # refused by services.submit with its message, so the API says the same
    )

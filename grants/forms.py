"""Forms of the grant pages. They check input; the services decide."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.models import BudgetCategory
from calls.models import QuestionKind

from .models import AmendmentKind, Trigger


class AcceptForm(forms.Form):
    iban = forms.CharField(label=_("IBAN"), max_length=42)
    account_holder = forms.CharField(label=_("Account holder"), max_length=140)
    agree = forms.BooleanField(label=_("I accept the conditions of the grant on behalf of the organisation."))


class TrancheForm(forms.Form):
    percentage = forms.DecimalField(
        label=_("Percentage"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
    )
    trigger = forms.ChoiceField(label=_("Paid"), choices=[("", "–"), *Trigger.choices], required=False)


TrancheFormSet = forms.formset_factory(TrancheForm, extra=0, min_num=4, max_num=4)


class TermsForm(forms.Form):
    acceptance_days = forms.IntegerField(label=_("Days to accept the grant"), min_value=1, max_value=365)
    reminder_days_before = forms.IntegerField(
        label=_("Remind this many days before a due date"), min_value=0, max_value=90
    )
    interim_report = forms.BooleanField(label=_("An interim report is required"), required=False)
    interim_report_days_before_end = forms.IntegerField(
        label=_("Interim report due, days before the project end"), min_value=0, max_value=3650
    )
    final_report_days_after_end = forms.IntegerField(
        label=_("Final report due, days after the project end"), min_value=0, max_value=3650
    )
    conditions = forms.CharField(
        label=_("Conditions of the grant"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    legal_frame = forms.CharField(label=_("Legal frame"), widget=forms.Textarea(attrs={"rows": 4}), required=False)


class MarkPaidForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=_("Payment reference"), max_length=140)


class ReturnReportForm(forms.Form):
    remarks = forms.CharField(label=_("Remarks"), widget=forms.Textarea(attrs={"rows": 4}))
    due_date = forms.DateField(label=_("New due date"), widget=forms.DateInput(attrs={"type": "date"}))


class AmendmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("What do you ask?"), choices=AmendmentKind.choices)
    new_end_date = forms.DateField(
        label=_("New end date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    motivation = forms.CharField(label=_("Motivation"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, budget=None, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label, amount in budget or []:
            self.fields[f"amount_{key}"] = forms.DecimalField(
                label=label, max_digits=14, decimal_places=2, min_value=Decimal("0"), initial=amount, required=False
            )
        for key, label in BudgetCategory.choices:
            self.fields.setdefault(
                f"amount_{key}",
                forms.DecimalField(
                    label=label, max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False
                ),
            )

    def amounts(self) -> dict:
        return {key: self.cleaned_data.get(f"amount_{key}") or Decimal("0") for key, _label in BudgetCategory.choices}


class DecideAmendmentForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("approve")), ("0", _("refuse"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    motivation = forms.CharField(label=_("Motivation"), widget=forms.Textarea(attrs={"rows": 3}))


class CostLineForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=[("", "–"), *BudgetCategory.choices], required=False)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False
    )


CostLineFormSet = forms.formset_factory(CostLineForm, extra=3, max_num=200)


class ReportAnswersForm(forms.Form):
    def __init__(self, *args, questions=(), answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        values = {a["question"]: a.get("value") for a in answers or []}
        for question in questions:
            name = f"q{question.pk}"
            if question.kind == QuestionKind.LONG_TEXT:
                field = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=question.max_chars)
            elif question.kind == QuestionKind.NUMBER:
                field = forms.DecimalField(max_digits=14, decimal_places=2)
            elif question.kind == QuestionKind.YES_NO:
                field = forms.ChoiceField(choices=[("", "–"), ("yes", _("yes")), ("no", _("no"))])
            elif question.kind == QuestionKind.DATE:
                field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
            elif question.kind in (QuestionKind.CHOICE, QuestionKind.MULTIPLE_CHOICE):
                options = [(c.strip(), c.strip()) for c in question.choices.splitlines() if c.strip()]
                if question.kind == QuestionKind.CHOICE:
                    field = forms.ChoiceField(choices=[("", "–"), *options])
                else:
                    field = forms.MultipleChoiceField(choices=options, widget=forms.CheckboxSelectMultiple)
            else:
                field = forms.CharField(max_length=question.max_chars or 500)
            field.label, field.required = question.text, False
            field.initial = values.get(question.pk)
            self.fields[name] = field
        self.questions = list(questions)

    def answers(self) -> dict:
        out = {}
        for question in self.questions:
            value = self.cleaned_data.get(f"q{question.pk}")
            if isinstance(value, Decimal):
                value = str(value)
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            out[question.pk] = value
        return out


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Supporting document"))

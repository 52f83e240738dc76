"""Forms of reconsideration: the applicant's request and staff's answer. They only collect
input; the rules (the period, file checks, required motivations) live in reconsideration.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.forms import AmountField

from .models import Decision
from .reconsideration import MAX_FILES, MAX_MOTIVATION


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service checks each by content and size."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.docx,.odt,.png,.jpg,.jpeg"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class ReconsiderationRequestForm(forms.Form):
    motivation = forms.CharField(
        label=_("Why should the decision be reconsidered?"),
        max_length=MAX_MOTIVATION,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Say which part of the decision or of the procedure you contest, and why."),
    )
    files = MultipleFileField(
        label=_("Attachments (optional)"),
        required=False,
        help_text=_("At most %(n)s files: PDF, DOCX, ODT, PNG or JPEG.") % {"n": MAX_FILES},
    )


class ReconsiderationAnswerForm(forms.Form):
    GRANT, REFUSE = "grant", "refuse"

    answer = forms.ChoiceField(
        label=_("Answer"),
        choices=[(REFUSE, _("Refuse: the decision stands")), (GRANT, _("Grant: revise the decision"))],
        widget=forms.RadioSelect,
    )
    outcome = forms.ChoiceField(
        label=_("Revised decision"),
        choices=[("", "—"), *Decision.Outcome.choices],
        required=False,
        help_text=_("Only when the reconsideration is granted."),
    )
    granted_amount = AmountField(label=_("Granted amount"), help_text=_("Only for an award."))
    outcome_motivation = forms.CharField(
        label=_("Motivation"),
        max_length=MAX_MOTIVATION,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The applicant reads this."),
    )

    def clean(self):
        data = super().clean()
        if data.get("answer") == self.GRANT and not data.get("outcome"):
            self.add_error("outcome", _("Choose the revised decision."))
        return data

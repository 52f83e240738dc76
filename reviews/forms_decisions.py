"""Forms of the ranking and decision pages. They only collect input: the rules (amount limits,
required motivations, allowed placeholders) live in `ranking.py` and `decisions.py`, whose
ValidationErrors the views put back on these forms."""

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from applications.forms import AmountField

from .decisions import PLACEHOLDERS, template_problems
from .models import Decision


class GrantForm(forms.Form):
    """The what-if granted amount of one application on the ranking page."""

    amount = AmountField(label=_("Granted amount"))

    def __init__(self, *args, application=None, **kwargs):
        super().__init__(*args, **kwargs)
        if application is not None:
            self.fields["amount"].widget.attrs.update(
                {"id": f"grant-{application.pk}", "max": str(application.requested_amount or 0)}
            )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), choices=Decision.decidable_choices(), widget=forms.RadioSelect)
    granted_amount = AmountField(
        label=_("Granted amount"), help_text=_("Only for an award; at most the requested amount.")
    )
    motivation = forms.CharField(
        label=_("Motivation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The applicant reads this. Required for an award and a rejection."),
    )

    def __init__(self, *args, outcomes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if outcomes is not None:
            self.fields["outcome"].choices = [c for c in Decision.decidable_choices() if c[0] in outcomes]
        self.helper = FormHelper()
        self.helper.form_tag = False


class EmailTemplateForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=250)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 16}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        placeholders = ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS)
        self.fields["body"].help_text = _("Placeholders you can use: %(placeholders)s.") % {
            "placeholders": placeholders
        }
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_subject(self):
        return self._checked(self.cleaned_data["subject"])

    def clean_body(self):
        return self._checked(self.cleaned_data["body"])

    @staticmethod
    def _checked(text):
        problems = template_problems(text)
        if problems:
            raise forms.ValidationError(problems)
        return text

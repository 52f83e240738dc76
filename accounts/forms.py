import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from . import kbo
from .models import Membership, Organisation

_DOMAIN = re.compile(r"^(?=.{1,100}$)([a-z0-9](-*[a-z0-9])*\.)+[a-z]{2,}$")


def _helper(submit_label) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False  # the template draws the <form> with the error summary above the fields
    helper.disable_csrf = True  # ... and its {% csrf_token %}
    helper.add_input(Submit("submit", submit_label))
    return helper


class OrganisationForm(forms.ModelForm):
    # The model stores the normalised 10 digits; people type "BE 0123.456.749", so the form
    # takes up to 20 characters and normalises them in clean_kbo_number.
    kbo_number = forms.CharField(
        label=capfirst(Organisation._meta.get_field("kbo_number").verbose_name),
        help_text=Organisation._meta.get_field("kbo_number").help_text,
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ["name", "kind", "kbo_number", "address", "website", "email_domain"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.kbo_number and not self.is_bound:
            self.initial["kbo_number"] = kbo.display(self.instance.kbo_number)
        self.fields["kind"].choices = [("", _("Choose a kind"))] + list(self.fields["kind"].choices)[1:]
        self.helper = _helper(submit_label or _("Save"))

    def clean_kbo_number(self) -> str:
        value = self.cleaned_data["kbo_number"].strip()
        if not value:
            return ""
        number = kbo.validate(value)
        taken = Organisation.objects.filter(kbo_number=number)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(
                _("An organisation with this enterprise number is already registered. Ask its owners to invite you."),
                code="kbo_taken",
            )
        return number

    def clean_email_domain(self) -> str:
        value = self.cleaned_data["email_domain"].strip().lower().lstrip("@")
        if value and not _DOMAIN.match(value):
            raise ValidationError(_("Enter a domain such as voorbeeld.be, without the part before the @."))
        return value


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Membership.Role.choices,
        initial=Membership.Role.MEMBER,
        help_text=_("Owners can invite and remove members; members can work on the organisation's applications."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Send invitation"))


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class MandateKindsForm(forms.Form):
    """The kind of each organisation a mandate names that the portal does not know yet; asked
    once, when the organisation is created."""

    def __init__(self, *args, mandates, **kwargs):
        super().__init__(*args, **kwargs)
        self.mandates = mandates
        for mandate in mandates:
            name = mandate.name or kbo.display(mandate.kbo_number)
            self.fields[f"kind_{mandate.kbo_number}"] = forms.ChoiceField(
                label=_("Kind of %(name)s (%(kbo)s)") % {"name": name, "kbo": kbo.display(mandate.kbo_number)},
                choices=[("", "---------"), *Organisation._meta.get_field("kind").choices],
            )
        self.helper = _helper(_("Create the organisations"))

    def kinds(self) -> dict[str, str]:
        return {m.kbo_number: self.cleaned_data[f"kind_{m.kbo_number}"] for m in self.mandates}

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import _helper
from .models import ErasureRequest


class ErasureRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = forms.BooleanField(
        label=_("I understand that I will no longer be able to log in once my request is handled."), required=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Ask to delete my account"))


class HandleErasureForm(forms.Form):
    ERASE, REFUSE = "erase", "refuse"
    action = forms.ChoiceField(
        label=_("Decision"),
        choices=[(ERASE, _("Erase the account")), (REFUSE, _("Refuse the request"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Motivation (required when refusing)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Confirm"))


STATUS_FILTER = [("", _("all"))] + list(ErasureRequest.Status.choices)

"""An id too large for any column finds nothing, on PostgreSQL and SQLite alike (SQLite used to
raise OverflowError: a 500 for an id typed into a multiple-choice field)."""

import pytest

from accounts.models import Organisation
from accounts.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

HUGE = 2**70


def test_in_leaves_out_numbers_beyond_the_column_and_finds_the_others():
    organisation = OrganisationFactory()
    assert list(Organisation.objects.filter(pk__in=[HUGE, organisation.pk, -HUGE])) == [organisation]
    assert not Organisation.objects.filter(pk__in=[HUGE]).exists()
    assert list(Organisation.objects.exclude(pk__in=[HUGE])) == [organisation]


def test_a_multiple_choice_with_such_an_id_is_an_invalid_choice():
    from django import forms

    class Choose(forms.Form):
        organisations = forms.ModelMultipleChoiceField(queryset=Organisation.objects.all())

    OrganisationFactory()
    form = Choose({"organisations": [str(HUGE)]})
    assert not form.is_valid()
    assert form.errors["organisations"][0].startswith(("Select a valid choice", "Selecteer een geldige keuze"))

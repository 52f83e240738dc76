"""Belgian enterprise numbers: the validator, and the organisation form that uses it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import kbo
from accounts.models import Organisation


@pytest.mark.parametrize(
    "typed",
    ["0123.456.749", "0123456749", "BE 0123 456 749", "be0123.456.749", "123456749", "0123-456-749"],
)
def test_valid_numbers_in_any_common_notation_are_normalised(typed):
    assert kbo.validate(typed) == "0123456749"


def test_a_number_starting_with_1_is_valid():
    first_eight = "10000000"
    assert kbo.validate(first_eight + kbo.check_digits(first_eight)) == "1000000021"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("0123.456.748", "kbo_checksum"),  # last two digits do not match 97 − (01234567 mod 97)
        ("0123.456.7490", "kbo_length"),  # 11 digits
        ("01234", "kbo_length"),
        ("0123.456.74x", "kbo_length"),
        ("2123.456.749", "kbo_prefix"),  # first digit must be 0 or 1
    ],
)
def test_invalid_numbers_say_what_is_wrong(typed, code):
    with pytest.raises(ValidationError) as error:
        kbo.validate(typed)
    assert error.value.code == code


def test_display_groups_the_digits():
    assert kbo.display("0123456749") == "0123.456.749"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0123.456.748", "controlecijfers"),
        ("0123.456.7490", "10 cijfers"),
        ("2123.456.749", "begint met 0 of 1"),
    ],
)
def test_the_organisation_form_keeps_a_wrong_number_and_says_why(client, user, typed, message):
    client.force_login(user)
    response = client.post(
        reverse("accounts:create"), {"name": "Gemeente Testdorp", "kind": "municipality", "kbo_number": typed}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{typed}"' in html  # what the user typed is still there
    assert 'value="Gemeente Testdorp"' in html
    assert message in html  # the error in Dutch, beside the field and in the summary
    assert 'id="error-summary"' in html
    assert "is-invalid" in html
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_the_organisation_form_stores_a_formatted_number_normalised(client, user):
    client.force_login(user)
    response = client.post(
        reverse("accounts:create"),
        {"name": "Gemeente Testdorp", "kind": "municipality", "kbo_number": "BE 0123.456.749"},
    )
    organisation = Organisation.objects.get()
    assert response.status_code == 302
    assert response.url == organisation.get_absolute_url()
    assert organisation.kbo_number == "0123456749"


@pytest.mark.django_db
def test_an_enterprise_number_can_be_registered_only_once(client, user, organisation):
    client.force_login(user)
    response = client.post(
        reverse("accounts:create"),
        {"name": "Dubbel", "kind": "company", "kbo_number": kbo.display(organisation.kbo_number)},
    )
    assert response.status_code == 200
    assert "met dit ondernemingsnummer geregistreerd" in response.content.decode()
    assert Organisation.objects.count() == 1

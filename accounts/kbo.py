"""Belgian enterprise numbers (KBO/BCE): 10 digits, starting with 0 or 1, the last two digits
being 97 − (the first eight modulo 97)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s.\-/]")


def normalise(value: str) -> str:
    """'BE 0123.456.749' → '0123456749'. Does not validate."""
    value = _SEPARATORS.sub("", (value or "").strip().upper())
    if value.startswith("BE"):
        value = value[2:]
    if len(value) == 9 and value.isdigit():  # old 9-digit numbers gained a leading 0
        value = "0" + value
    return value


def check_digits(first_eight: str) -> str:
    return f"{97 - int(first_eight) % 97:02d}"


def validate(value: str) -> str:
    """Return the normalised number or raise ValidationError saying what is wrong."""
    number = normalise(value)
    if not number.isdigit() or len(number) != 10:
        raise ValidationError(_("An enterprise number has 10 digits, for example 0123.456.749."), code="kbo_length")
    if number[0] not in "01":
        raise ValidationError(_("An enterprise number starts with 0 or 1."), code="kbo_prefix")
    if number[8:] != check_digits(number[:8]):
        raise ValidationError(
            _("This enterprise number is not valid: its check digits do not match. Please check for a typing error."),
            code="kbo_checksum",
        )
    return number


def validate_kbo(value: str) -> None:
    """Model/form field validator."""
    if value:
        validate(value)


def display(number: str) -> str:
    """'0123456749' → '0123.456.749'."""
    if len(number or "") != 10:
        return number or ""
    return f"{number[:4]}.{number[4:7]}.{number[7:]}"

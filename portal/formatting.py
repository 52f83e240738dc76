"""Amounts as people in each language write them: € 1.234.567,89 (nl), €1,234,567.89 (en)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import translation

_STYLE = {
    # language: (thousands separator, decimal separator, prefix)
    "nl": (".", ",", "€ "),
    "en": (",", ".", "€"),
}


def money(value, language: str | None = None, *, cents: bool | None = None) -> str:
    """Format an amount in euro. Cents are shown when the amount has them (or when asked)."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(value)
    language = (language or translation.get_language() or "nl")[:2]
    thousands, decimal_sep, prefix = _STYLE.get(language, _STYLE["nl"])
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    whole, fraction = f"{amount:.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = thousands.join(groups)
    if cents or (cents is None and fraction != "00"):
        text += decimal_sep + fraction
    return f"{sign}{prefix}{text}"


def percent(value, language: str | None = None, digits: int = 1) -> str:
    if value is None:
        return ""
    language = (language or translation.get_language() or "nl")[:2]
    text = f"{Decimal(str(value)):.{digits}f}"
    if language == "nl":
        text = text.replace(".", ",")
    return f"{text} %" if language == "nl" else f"{text}%"

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def hours(value: Decimal | int | float | None) -> str:
    """Hours without trailing zeros, localized: 12, 1.5, 2.75."""
    if value is None:
        return ""
    number = Decimal(str(value)).quantize(Decimal("0.01")).normalize()
    places = max(0, -number.as_tuple().exponent)  # type: ignore[operator]
    return number_format(number, decimal_pos=places)

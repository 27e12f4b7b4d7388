"""Form fields every app's forms share."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

# The range of the integer primary keys (a 64-bit signed integer, on PostgreSQL and SQLite alike).
_LARGEST_ID = 2**63 - 1


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, with a posted id outside the database's integer range refused as an invalid choice.

    Django checks each value with an exact lookup, which guards against overflow, but then fetches them all with
    an ``__in`` lookup, which does not: on SQLite an id such as 10**20 raised OverflowError, a server error that
    lost what the person typed, instead of the error next to the field that PostgreSQL's answer gives.
    """

    def _check_values(self, value: Any) -> Any:
        for pk in value:
            try:
                out_of_range = abs(int(str(pk).strip())) > _LARGEST_ID
            except ValueError:
                continue  # not a number: Django's own check names it
            if out_of_range:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)

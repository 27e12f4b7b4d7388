"""Form fields and form behaviour every app's forms share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

# The range of the integer primary keys (a 64-bit signed integer, on PostgreSQL and SQLite alike).
_LARGEST_ID = 2**63 - 1


class DateInput(forms.DateInput):
    """A browser's date picker. Its value is always written as YYYY-MM-DD, the only form ``<input type="date">``
    reads: in the language's own format (Spanish 06/12/2026) the browser shows the field empty, so a date the page
    proposes, or one the person typed that came back with an error elsewhere, would be lost."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


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


def _comparable(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, list | tuple | set) or hasattr(value, "all"):
        items = value.all() if hasattr(value, "all") else value  # type: ignore[union-attr]
        return ",".join(sorted(str(getattr(item, "pk", item)) for item in items))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _shown(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple | set) or hasattr(value, "all"):
        items = value.all() if hasattr(value, "all") else value  # type: ignore[union-attr]
        return ", ".join(str(item) for item in items) or "—"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class KeepsOthersChangesForm(forms.Form):
    """An edit form that keeps a change someone else saved while its page was open.

    The page draws, in the hidden ``drawn`` field, a signed keyed digest of each of ``edited_fields`` as shown
    (``drawn_of``; no value itself, so the field is no second copy of what the record holds). ``merged_with``
    then gives each field the editor left as drawn the record's value now, so saving a fixed name does not put back
    an old phone number saved meanwhile; a field both changed, differently, is an error at it saying what it now
    reads, and the form's ``drawn`` is redrawn from the record, so saving again keeps the editor's.
    """

    drawn = forms.CharField(required=False, widget=forms.HiddenInput)
    edited_fields: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def _salt(cls) -> str:
        return f"peerway.drawn.{cls.__module__}.{cls.__qualname__}"

    @classmethod
    def _digest(cls, value: object) -> str:
        return salted_hmac(cls._salt(), _comparable(value), algorithm="sha256").hexdigest()[:20]

    @classmethod
    def drawn_of(cls, values: Mapping[str, object]) -> str:
        """The ``drawn`` value for a page showing ``values``."""
        return signing.dumps({name: cls._digest(values[name]) for name in cls.edited_fields}, salt=cls._salt())

    def merged_with(self, current: Mapping[str, object], data: dict[str, Any]) -> dict[str, Any] | None:
        """``data`` (the cleaned fields to save) merged with ``current`` (the record's values now); None, with
        errors on the form, when someone else changed a field this editor changed too. After ``is_valid()``."""
        try:
            drawn: dict[str, str] = signing.loads(self.cleaned_data.get("drawn") or "", salt=self._salt())
        except signing.BadSignature:
            return data  # an older page, or a form sent by hand: saved as it is
        theirs = []
        for name in self.edited_fields:
            if name not in drawn or self._digest(current[name]) == drawn[name]:
                continue  # nobody else changed it
            if self._digest(data[name]) == drawn[name]:
                data[name] = current[name]  # only the other person changed it: theirs stays
                theirs.append(name)
            elif _comparable(data[name]) != _comparable(current[name]):
                self.add_error(
                    name,  # type: ignore[arg-type]
                    _(
                        "Someone else changed this while your page was open; it now reads “%(value)s”. Save again "
                        "to keep yours."
                    )
                    % {"value": _shown(current[name])},
                )
        if self.errors:
            # The page comes back showing the record as it now is wherever only the other person changed it, so
            # saving it again does not put their change back; the editor's own changes stay as typed.
            self.data = self.data.copy()
            self.data[self.add_prefix("drawn")] = self.drawn_of(current)
            for name in theirs:
                self._show(name, current[name])
            return None
        return data

    def _show(self, name: str, value: object) -> None:
        """Put ``value`` (a record's value) in the form's data as a browser would post it."""
        key = self.add_prefix(name)
        shown = self.fields[name].prepare_value(value)
        if isinstance(shown, list | tuple):
            posted = [str(item) for item in shown]
            if hasattr(self.data, "setlist"):
                self.data.setlist(key, posted)
            else:
                self.data[key] = posted
        elif isinstance(value, bool):
            self.data[key] = "true" if value else "false"
        else:
            self.data[key] = "" if shown is None else str(shown)

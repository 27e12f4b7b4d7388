"""Django's own messages listed for Peerway's catalogs are exactly Django's, and Somali and Hmong pages show
them translated."""

from __future__ import annotations

import ast
from pathlib import Path

import django
import pytest
from babel.messages.pofile import read_po
from django import forms
from django.utils import translation
from django.utils.timesince import timesince

import peerway.core.django_messages as listed

DJANGO_ENGLISH = Path(django.__file__).parent / "conf" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _listed_msgids() -> list[str | tuple[str, str]]:
    """What the module passes to gettext_noop and ngettext_lazy, read from its source as makemessages does."""
    found: list[str | tuple[str, str]] = []
    for node in ast.walk(ast.parse(Path(listed.__file__).read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            strings = [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
            if node.func.id == "gettext_noop":
                found.append(strings[0])
            elif node.func.id == "ngettext_lazy":
                found.append((strings[0], strings[1]))
    return found


def test_every_listed_message_is_djangos_own() -> None:
    with DJANGO_ENGLISH.open("rb") as po_file:
        django_catalog = read_po(po_file)
    msgids = _listed_msgids()
    assert len(msgids) > 20
    for msgid in msgids:
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        message = django_catalog.get(key)
        assert message is not None, f"Django has no message {key!r}"
        assert message.id == msgid, f"{msgid!r} differs from Django's {message.id!r}"


@pytest.mark.parametrize(
    ("language", "required"),
    [("so", "Goobtan waa in la buuxiyaa."), ("hmn", "Yuav tsum sau qhov no."), ("es", "Este campo es obligatorio.")],
)
def test_djangos_form_errors_are_in_the_pages_language(language: str, required: str) -> None:
    class Form(forms.Form):
        code = forms.CharField(max_length=4)

    with translation.override(language):
        assert Form({}).errors["code"] == [required]
        too_long = str(Form({"code": "123456"}).errors["code"][0])
    assert "Ensure this value" not in too_long


@pytest.mark.parametrize("language", ["so", "hmn"])
def test_elapsed_time_is_in_the_pages_language(language: str) -> None:
    import datetime as dt

    now = dt.datetime(2027, 1, 6, 14, 30, tzinfo=dt.UTC)
    with translation.override(language):
        shown = timesince(now - dt.timedelta(hours=4, minutes=2), now)
    assert "hour" not in shown and "minute" not in shown, shown

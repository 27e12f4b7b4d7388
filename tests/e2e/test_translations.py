"""The translation catalogs: complete, compilable, marked for native review, and covering our templates.

These need no browser; they live with the browser tests because both guard what people see.
"""

from __future__ import annotations

import gettext
import io
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation.template import templatize

from peerway.accounts.roles import ROLE_LABELS
from peerway.organizations.models import OrganizationKind

pytestmark = pytest.mark.e2e

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
TEMPLATES_DIR = Path(settings.TEMPLATES[0]["DIRS"][0])
PLURAL_FORMS = {
    "es": (3, "n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2"),
    "so": (2, "(n != 1)"),
    "hmn": (1, "0"),
}
REVIEW_NOTE = "Needs review by a native speaker."


def catalog(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "django.po").open("rb") as po_file:
        return read_po(po_file)


def template_msgids() -> set[tuple[str | None, str]]:
    """Every (context, msgid) our templates ask to translate, found the way makemessages finds them."""
    found = set()
    for path in TEMPLATES_DIR.rglob("*.html"):
        # templatize keeps the template's line structure, not valid Python indentation; xgettext does not
        # mind, Python's tokenizer does. Each message is a one-line literal, so dropping indentation is safe.
        code = "\n".join(
            line.lstrip() for line in templatize(path.read_text(encoding="utf-8"), origin=str(path)).splitlines()
        )
        for _line, message, _comments, context in extract("python", io.BytesIO(code.encode())):
            msgid = message[0] if isinstance(message, tuple) else message
            found.add((context, msgid))
    return found


@pytest.mark.parametrize("language", sorted(PLURAL_FORMS))
def test_every_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    messages = [message for message in catalog(language) if message.id]
    untranslated = [
        message.id
        for message in messages
        if not all(message.string if isinstance(message.string, tuple) else [message.string])
    ]
    fuzzy = [message.id for message in messages if message.fuzzy]
    assert messages
    assert not untranslated, f"{language}: untranslated {untranslated}"
    assert not fuzzy, f"{language}: fuzzy entries are not compiled, so they would not be shown: {fuzzy}"


@pytest.mark.parametrize("language", sorted(PLURAL_FORMS))
def test_catalog_declares_the_right_plural_forms(language: str) -> None:
    cat = catalog(language)
    assert (cat.num_plurals, cat.plural_expr) == PLURAL_FORMS[language]
    for message in cat:
        if message.id and message.pluralizable:
            assert len(message.string) == cat.num_plurals, (
                f"{language}: {message.id[0]!r} needs {cat.num_plurals} forms"
            )


@pytest.mark.parametrize("language", sorted(PLURAL_FORMS))
def test_draft_translations_are_marked_for_native_review(language: str) -> None:
    cat = catalog(language)
    assert "NEEDS REVIEW BY A NATIVE SPEAKER" in cat.header_comment
    unmarked = [message.id for message in cat if message.id and REVIEW_NOTE not in message.user_comments]
    # A reviewer removes the note entry by entry; until the first review, every entry carries it.
    assert not unmarked, f"{language}: entries without the review note: {unmarked[:10]}"


@pytest.mark.parametrize("language", sorted(PLURAL_FORMS))
def test_catalog_compiles(language: str) -> None:
    write_mo(io.BytesIO(), catalog(language))


@pytest.mark.parametrize("language", sorted(PLURAL_FORMS))
def test_every_template_message_is_in_the_catalog(language: str) -> None:
    cat = catalog(language)
    wanted = template_msgids()
    assert len(wanted) > 50, "the templates seem to ask for almost no translations: is the extraction broken?"
    missing = sorted(msgid for context, msgid in wanted if not cat.get(msgid, context=context))
    assert not missing, f"run makemessages and translate: {language} lacks {missing}"


@pytest.mark.parametrize("language", sorted(PLURAL_FORMS))
def test_role_and_organization_kind_labels_are_in_the_catalog(language: str) -> None:
    # staff_home.html translates these labels by value; i18n/strings_from_code.html must list each one.
    cat = catalog(language)
    labels = [*ROLE_LABELS.values(), *(str(label) for label in OrganizationKind.labels)]
    missing = [label for label in labels if not cat.get(label)]
    assert not missing, f"add to templates/i18n/strings_from_code.html: {missing}"


@pytest.mark.parametrize("language", sorted(PLURAL_FORMS))
def test_the_compiled_catalog_counts_in_the_languages_own_plural_forms(language: str) -> None:
    # The .mo file Django reads (compiled by `make messages`), not the .po: a catalog compiled without its
    # Plural-Forms header is read with English rules, and Hmong sentences with a count other than 1 came out
    # in English.
    with (LOCALE_DIR / language / "LC_MESSAGES" / "django.mo").open("rb") as mo_file:
        translations = gettext.GNUTranslations(mo_file)
    nplurals, rule = PLURAL_FORMS[language]
    assert translations.info()["plural-forms"] == f"nplurals={nplurals}; plural={rule};"
    plurals = [message for message in catalog(language) if message.id and isinstance(message.id, tuple)]
    assert plurals, "the catalog has no plural messages to check"
    for message in plurals:
        singular, plural = message.id
        for count in (1, 2, 5, 1000000):
            shown = translations.ngettext(singular, plural, count)
            assert shown in message.string, f"{language}: {singular!r} for {count} shows {shown!r}"

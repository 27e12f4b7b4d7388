"""Compile Peerway's translation catalogs (.po) to the .mo files Django reads, keeping each one's plural rule.

`make messages` (and so `make setup`) runs this instead of `pybabel compile`, which needs no GNU gettext
tools but leaves out the Plural-Forms header for a language Babel has no data for: Hmong ("hmn"). Without
that header Python's gettext applies English plural rules, and since the Hmong catalog has one form only
(nplurals=1), every Hmong sentence with a count other than 1 fell back to English. Here the rule the .po
file declares is written into the .mo header whenever Babel would drop it.

Prints, per catalog, how many messages are translated, as `pybabel compile --statistics` did.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "src" / "peerway" / "locale"
PLURAL_FORMS_HEADER = re.compile(rb'^"Plural-Forms: *([^"\\]+)\\n"$', re.MULTILINE)


class _DeclaredPluralsCatalog(Catalog):
    """A catalog that writes the Plural-Forms its .po file declared when Babel does not know the language."""

    declared_plural_forms = ""

    @property  # type: ignore[override]
    def mime_headers(self) -> list[tuple[str, str]]:
        headers = list(Catalog.mime_headers.fget(self))  # type: ignore[attr-defined]
        if self.declared_plural_forms and not any(name == "Plural-Forms" for name, _ in headers):
            headers.append(("Plural-Forms", self.declared_plural_forms))
        return headers

    @mime_headers.setter
    def mime_headers(self, headers: list[tuple[str, str]]) -> None:
        Catalog.mime_headers.fset(self, headers)  # type: ignore[attr-defined]


def compile_catalog(po_path: Path, mo_path: Path) -> tuple[int, int]:
    """Write ``mo_path`` from ``po_path``; returns (translated, total) message counts."""
    raw = po_path.read_bytes()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file)
    catalog.__class__ = _DeclaredPluralsCatalog
    declared = PLURAL_FORMS_HEADER.search(raw)
    if declared is not None:
        catalog.declared_plural_forms = declared.group(1).decode().strip()  # type: ignore[attr-defined]
    messages = [message for message in catalog if message.id]
    translated = sum(
        1
        for message in messages
        if not message.fuzzy and (all(message.string) if isinstance(message.string, tuple) else message.string)
    )
    with mo_path.open("wb") as mo_file:
        write_mo(mo_file, catalog)
    return translated, len(messages)


def main() -> int:
    for po_path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po")):
        translated, total = compile_catalog(po_path, po_path.with_suffix(".mo"))
        share = 100 * translated // total if total else 100
        print(f"{translated} of {total} messages ({share}%) translated in {po_path.relative_to(LOCALE_DIR.parents[2])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

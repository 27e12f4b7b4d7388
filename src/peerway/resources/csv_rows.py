"""Reading a resource CSV file into checked rows. Pure: no Django imports (the vocabulary comes in as sets).

Every row is checked and every problem is reported with its line number in the file, so the importer can
refuse the whole file and list each bad line at once. Columns are documented in docs/resources.md.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5_000

COLUMNS = (
    "external_id",
    "name",
    "category",
    "description",
    "languages",
    "communities",
    "hours",
    "street",
    "city",
    "county",
    "zip_code",
    "latitude",
    "longitude",
    "phone",
    "website",
    "eligibility",
    "active",
)
REQUIRED_COLUMNS = ("external_id", "name", "category")
# Longest value per column (the database's limits).
MAX_LENGTHS = {
    "external_id": 64,
    "name": 200,
    "hours": 300,
    "street": 200,
    "city": 100,
    "phone": 32,
    "website": 300,
    "description": 4000,
    "eligibility": 4000,
}
LIST_SEPARATOR = ";"
INVISIBLE = "\ufeff\u200b"  # a byte-order mark (zero-width no-break space) and a zero-width space
ZIP_CODE = re.compile(r"^\d{5}(-\d{4})?$")
EXTERNAL_ID = re.compile(r"^[A-Za-z0-9._:-]+$")
TRUE_WORDS = frozenset({"", "yes", "y", "true", "1"})
FALSE_WORDS = frozenset({"no", "n", "false", "0"})


@dataclass(frozen=True)
class LineError:
    line: int
    reason: str


@dataclass
class ResourceRow:
    """One checked row: county is the canonical county name, lists are vocabulary slugs."""

    line: int
    external_id: str
    name: str
    category: str
    description: str = ""
    languages: list[str] = field(default_factory=list)
    communities: list[str] = field(default_factory=list)
    hours: str = ""
    street: str = ""
    city: str = ""
    county: str | None = None
    zip_code: str = ""
    latitude: float | None = None
    longitude: float | None = None
    phone: str = ""
    website: str = ""
    eligibility: str = ""
    active: bool = True


@dataclass
class ParseResult:
    rows: list[ResourceRow]
    errors: list[LineError]

    @property
    def ok(self) -> bool:
        return not self.errors


LINE_BREAK = re.compile(rb"\r\n|\r|\n")


def decode(data: bytes) -> tuple[str | None, LineError | None]:
    """The file's text (UTF-8, with or without a byte-order mark), or an error naming the line that is not."""
    if len(data) > MAX_FILE_BYTES:
        return None, LineError(
            0, f"The file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,} bytes. Split it into smaller files."
        )
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        # The decoder counts from after the byte-order mark it removed; the line and byte are the file's.
        position = exc.start + (len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0)
        # Lines end as the CSV reader ends them: \r\n, \n, or a lone \r (Excel for Mac's "CSV (Macintosh)").
        line = len(LINE_BREAK.findall(data[:position])) + 1
        return None, LineError(
            line,
            f"The file is not UTF-8 text (byte {position + 1} cannot be read). "
            "Save it as “CSV UTF-8” and upload it again.",
        )


def resource_rows_parse(
    data: bytes,
    *,
    categories: Set[str],
    languages: Set[str],
    communities: Set[str],
    counties: Mapping[str, str],
) -> ParseResult:
    """Check every row of ``data``. ``counties`` maps a lowercased county name to its canonical name.

    Line numbers are the file's physical lines (the header is line 1); a quoted value spanning several
    lines is reported at the line where its row starts.
    """
    text, error = decode(data)
    if text is None:
        return ParseResult(rows=[], errors=[error] if error else [])
    reader = csv.reader(io.StringIO(text, newline=""))
    errors: list[LineError] = []
    try:
        header = next(reader)
    except StopIteration:
        return ParseResult(rows=[], errors=[LineError(1, "The file is empty: it needs a header line.")])
    except csv.Error as exc:
        return ParseResult(rows=[], errors=[LineError(1, f"The header cannot be read: {exc}.")])
    # A byte-order mark the decoder did not remove (a file saved twice with one, or one pasted after another) and
    # zero-width spaces are invisible in every editor: "external_id" with one in front is still that column.
    names = [column.strip().strip(INVISIBLE).strip().lower() for column in header]
    # A column with no name (Excel's trailing comma once a cell right of the table was formatted) is left out, as
    # long as its cells are empty too: a value under it is reported at its line.
    unknown = [column for column in names if column and column not in COLUMNS]
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    duplicated = sorted({column for column in names if column and names.count(column) > 1})
    if unknown:
        errors.append(LineError(1, f"Unknown column(s): {', '.join(unknown)}. Allowed: {', '.join(COLUMNS)}."))
    if missing:
        errors.append(LineError(1, f"Missing required column(s): {', '.join(missing)}."))
    if duplicated:
        errors.append(LineError(1, f"Column(s) given twice: {', '.join(duplicated)}."))
    if errors:
        return ParseResult(rows=[], errors=errors)

    rows: list[ResourceRow] = []
    seen_ids: dict[str, int] = {}
    previous_end = reader.line_num
    data_rows = 0
    while True:
        start = previous_end + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # The reader drops the rest of the line it could not read and starts afresh on the next one, so the
            # lines after it are still checked and every bad line is listed.
            errors.append(LineError(start, f"The line cannot be read as CSV: {exc}."))
            # An error that consumed no line would come back on every try.
            if reader.line_num < start:
                break
            previous_end = reader.line_num
            continue
        previous_end = reader.line_num
        if not any(value.strip() for value in values):
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            errors.append(LineError(start, f"The file has more than {MAX_ROWS:,} rows; split it into smaller files."))
            break
        if len(values) != len(names):
            errors.append(LineError(start, f"Expected {len(names)} values, found {len(values)}."))
            continue
        stray = [
            number
            for number, (name, value) in enumerate(zip(names, values, strict=True), 1)
            if not name and value.strip()
        ]
        if stray:
            columns = ", ".join(str(number) for number in stray)
            errors.append(
                LineError(start, f"Column(s) {columns} hold a value but have no name in the header line (line 1).")
            )
            continue
        record = {name: value.strip() for name, value in zip(names, values, strict=True) if name}
        row, reasons = _row_check(
            record, start, categories=categories, languages=languages, communities=communities, counties=counties
        )
        if row is not None and row.external_id in seen_ids:
            reasons.append(f"external_id {row.external_id!r} is also on line {seen_ids[row.external_id]}.")
        if reasons:
            errors.extend(LineError(start, reason) for reason in reasons)
        elif row is not None:
            seen_ids[row.external_id] = start
            rows.append(row)
    if not rows and not errors:
        errors.append(LineError(2, "The file has a header but no resources."))
    return ParseResult(rows=rows if not errors else [], errors=errors)


def _row_check(
    record: dict[str, str],
    line: int,
    *,
    categories: Set[str],
    languages: Set[str],
    communities: Set[str],
    counties: Mapping[str, str],
) -> tuple[ResourceRow | None, list[str]]:
    reasons: list[str] = []
    # A NUL character is not text: PostgreSQL refuses it in a text column, so it is reported here with its line.
    with_nul = [column for column, value in record.items() if "\x00" in value]
    if with_nul:
        reasons.append(
            f"{', '.join(with_nul)} contains a NUL character (a zero byte); remove it and save the file again."
        )
    for column in REQUIRED_COLUMNS:
        if not record.get(column):
            reasons.append(f"{column} is required.")
    for column, limit in MAX_LENGTHS.items():
        if len(record.get(column, "")) > limit:
            reasons.append(f"{column} is longer than {limit} characters.")
    external_id = record.get("external_id", "")
    if external_id and not EXTERNAL_ID.match(external_id):
        reasons.append("external_id may hold only letters, digits and . _ : -")
    category = record.get("category", "").lower()
    if category and category not in categories:
        reasons.append(f"category {category!r} is not one of: {', '.join(sorted(categories))}.")
    language_slugs = _list(record.get("languages", ""))
    unknown = [slug for slug in language_slugs if slug not in languages]
    if unknown:
        reasons.append(f"unknown language code(s): {', '.join(unknown)}.")
    community_slugs = _list(record.get("communities", ""))
    unknown = [slug for slug in community_slugs if slug not in communities]
    if unknown:
        reasons.append(f"unknown community slug(s): {', '.join(unknown)}.")
    county_given = record.get("county", "")
    county_key = county_given.lower().removesuffix(" county").strip()
    county = counties.get(county_key) if county_key else None
    if county_key and county is None:
        reasons.append(f"county {county_given!r} is not a Minnesota county.")
    zip_code = record.get("zip_code", "")
    if zip_code and not ZIP_CODE.match(zip_code):
        reasons.append(f"zip_code {zip_code!r} is not a ZIP code (12345 or 12345-6789).")
    latitude = _number(record.get("latitude", ""), "latitude", -90, 90, reasons)
    longitude = _number(record.get("longitude", ""), "longitude", -180, 180, reasons)
    if (latitude is None) != (longitude is None):
        reasons.append("give both latitude and longitude, or neither.")
    phone = record.get("phone", "")
    digits = re.sub(r"\D", "", phone)
    # Ten digits in any layout, or eleven with the country code 1 first (1-612-555-0101).
    if phone and not (len(digits) == 10 or (len(digits) == 11 and digits.startswith("1"))):
        reasons.append(f"phone {phone!r} does not have 10 digits.")
    website = record.get("website", "")
    if website:
        parts = urlsplit(website)
        if parts.scheme not in ("http", "https") or "." not in parts.netloc:
            reasons.append(f"website {website!r} is not a web address starting with https:// or http://.")
    active_word = record.get("active", "").lower()
    if active_word not in TRUE_WORDS | FALSE_WORDS:
        reasons.append(f"active {record.get('active')!r} must be yes or no.")
    if reasons:
        return None, reasons
    return (
        ResourceRow(
            line=line,
            external_id=external_id,
            name=record["name"],
            category=category,
            description=record.get("description", ""),
            languages=language_slugs,
            communities=community_slugs,
            hours=record.get("hours", ""),
            street=record.get("street", ""),
            city=record.get("city", ""),
            county=county,
            zip_code=zip_code,
            latitude=latitude,
            longitude=longitude,
            phone=phone,
            website=website,
            eligibility=record.get("eligibility", ""),
            active=active_word in TRUE_WORDS,
        ),
        [],
    )


def _list(value: str) -> list[str]:
    items: list[str] = []
    for item in value.split(LIST_SEPARATOR):
        slug = item.strip().lower()
        if slug and slug not in items:
            items.append(slug)
    return items


def _number(value: str, column: str, low: float, high: float, reasons: list[str]) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        reasons.append(f"{column} {value!r} is not a number.")
        return None
    if not low <= number <= high:
        reasons.append(f"{column} {value} is outside {low} to {high}.")
        return None
    return number

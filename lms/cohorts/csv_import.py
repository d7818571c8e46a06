"""Reading and checking a Moodle-style "upload users" CSV file, without touching the database.

The file is checked whole before anything is written: ``read_upload`` turns the
bytes into records (or file-level problems), ``validate`` checks every record
against what the database holds (passed in as an ``ImportContext``) and returns
either the rows to import or every problem found, each with its line number as a
spreadsheet shows it (the header is line 1).

Moodle's columns are accepted as they come: username, email, firstname, lastname,
country, lang, institution, cohort1, cohort2, ... and our own optional gender column
(female, male, other; empty for not stated). Columns we do not use (password, auth,
city, idnumber, department, phone1, ...) are ignored.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from lms.accounts.services import validate_full_name
from lms.errors import DomainError, clean_name
from lms.i18n import DEFAULT_LOCALE, LANGUAGES, normalise_language

REQUIRED_COLUMNS = ("email", "firstname", "lastname")
# The gender column's accepted values (as lms.accounts.models.Gender stores them); the
# initials too, as spreadsheets exported from HR systems often have them.
GENDER_VALUES = {"female": "female", "f": "female", "male": "male", "m": "male",
                 "other": "other"}
DELIMITERS = (",", ";", "\t")
_COHORT_COLUMN = re.compile(r"^cohort(\d+)$")
MAX_NAME = 120
MAX_INSTITUTION = 200


@dataclass(frozen=True)
class Problem:
    """Something wrong with the file; ``line`` is None for the file as a whole."""

    line: int | None
    message: str


class FileRejected(Exception):
    """The file cannot be read at all; ``problems`` says why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Record:
    """One data line of the file, values stripped, keyed by lower-case column name."""

    line: int
    values: dict[str, str]
    cohort_codes: tuple[str, ...]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass(frozen=True)
class CohortInfo:
    """What validation needs to know about one cohort."""

    id: int
    code: str
    language: str
    capacity: int | None
    seats_taken: int
    manageable: bool


@dataclass
class ImportContext:
    """The database's answers to the questions a file asks, gathered by the service."""

    # Cohorts keyed by exact code and by lower-cased code.
    cohorts: dict[str, CohortInfo]
    # Lower-cased emails of the users that exist already.
    existing_emails: set[str]
    # (cohort id, lower-cased email) of enrolments that already hold a seat.
    seated: set[tuple[int, str]]
    countries: frozenset[str]
    default_cohort: CohortInfo | None = None

    def cohort(self, code: str) -> CohortInfo | None:
        return self.cohorts.get(code) or self.cohorts.get(code.lower())


@dataclass(frozen=True)
class ImportRow:
    """A checked line, ready to write."""

    line: int
    email: str
    full_name: str
    country: str | None
    language: str
    institution: str | None
    cohorts: tuple[CohortInfo, ...]
    existing_user: bool
    # "female", "male", "other" or None (not stated); only new accounts take it.
    gender: str | None = None


@dataclass
class Checked:
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# ---------------------------------------------------------------- reading the file

def read_upload(data: bytes, filename: str | None, max_bytes: int) -> list[Record]:
    """Decode and split the file into records, or raise ``FileRejected``."""
    name = (filename or "").lower()
    if not name.endswith(".csv"):
        raise FileRejected([Problem(None, _(
            "Choose a .csv file (in your spreadsheet: Save as, CSV UTF-8)."))])
    if len(data) > max_bytes:
        raise FileRejected([Problem(None, _(
            "The file is larger than %(size)s kB; split it into smaller files.",
            size=max_bytes // 1024))])
    if b"\x00" in data:
        raise FileRejected([Problem(None, _(
            "This is not a CSV text file (in your spreadsheet: Save as, CSV UTF-8)."))])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRejected([Problem(None, _(
            "The file is not UTF-8 text (in your spreadsheet: Save as, CSV UTF-8)."))]) from None
    return parse(text)


def detect_delimiter(header_line: str) -> str:
    """Comma, semicolon or tab: whichever the header uses most (comma on a tie)."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: (counts[delimiter], delimiter == ","))
    return best if counts[best] else ","


def parse(text: str) -> list[Record]:
    """Split CSV text into records; a missing required column rejects the file."""
    if not text.strip():
        raise FileRejected([Problem(None, _("The file is empty."))])
    header_line = text.splitlines()[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(header_line))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise FileRejected([Problem(reader.line_num, _(
            "The file could not be read as CSV: %(reason)s", reason=str(exc)))]) from None
    header = [column.strip().lower() for column in rows[0]]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise FileRejected([Problem(1, _("there is no %(column)s column.", column=column))
                            for column in missing])
    cohort_columns = sorted(
        (int(match.group(1)), index) for index, column in enumerate(header)
        if (match := _COHORT_COLUMN.match(column)))
    records = []
    # Spreadsheet numbering: the header is line 1, so the first data line is 2. A blank
    # line still counts, as it does in a spreadsheet, but holds nothing to import.
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values: dict[str, str] = {}
        for index, column in enumerate(header):
            if column and column not in values:
                values[column] = cells[index].strip() if index < len(cells) else ""
        codes = tuple(cells[index].strip() for _n, index in cohort_columns
                      if index < len(cells) and cells[index].strip())
        records.append(Record(line, values, codes))
    if not records:
        raise FileRejected([Problem(None, _("The file has a header line but nobody under it."))])
    return records


def emails_and_codes(records: list[Record]) -> tuple[set[str], set[str]]:
    """The (valid, normalised) emails and the cohort codes a file names, to look up at once."""
    emails = {email for r in records if r.get("email") and (email := normal_email(r.get("email")))}
    codes = {code for r in records for code in r.cohort_codes}
    return emails, codes


# ---------------------------------------------------------------- checking each line

def normal_email(value: str) -> str | None:
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def validate(records: list[Record], context: ImportContext) -> Checked:
    """Check every record; every problem is listed, in line order."""
    checked = Checked()
    first_line_of: dict[str, int] = {}
    # Lines that would take a new seat, per cohort id, in file order.
    new_seats: dict[int, list[int]] = {}
    for record in records:
        row = _check_record(record, context, first_line_of)
        if isinstance(row, list):
            checked.problems.extend(Problem(record.line, message) for message in row)
            continue
        checked.rows.append(row)
        for info in row.cohorts:
            if (info.id, row.email) not in context.seated:
                new_seats.setdefault(info.id, []).append(row.line)
    checked.problems.extend(_capacity_problems(checked.rows, new_seats))
    checked.problems.sort(key=lambda p: p.line or 0)
    return checked


def _check_record(record: Record, context: ImportContext,
                  first_line_of: dict[str, int]) -> ImportRow | list[str]:
    """The checked row, or the messages saying what is wrong with the line."""
    problems: list[str] = []
    raw_email = record.get("email")
    email = normal_email(raw_email) if raw_email else None
    if not raw_email:
        problems.append(_("the email address is missing."))
    elif email is None:
        problems.append(_("'%(value)s' is not a valid email address.", value=raw_email))
    elif email in first_line_of:
        problems.append(_("%(email)s is already on line %(line)s.", email=email,
                          line=first_line_of[email]))
    else:
        first_line_of[email] = record.line
    existing = email is not None and email in context.existing_emails

    first, last = record.get("firstname"), record.get("lastname")
    full_name = f"{first} {last}"
    if not first or not last:
        problems.append(_("both firstname and lastname are required."))
    elif len(full_name) > MAX_NAME:
        problems.append(_("the name is longer than %(max)s characters.", max=MAX_NAME))
    elif not existing:  # an existing account keeps its name: the file's is not used
        full_name, refusal = _checked(_full_name, full_name)
        if refusal:
            problems.append(refusal)

    country = record.get("country").upper() or None
    if country is None:
        if not existing:
            problems.append(_("the country is required for a new account."))
    elif country not in context.countries:
        problems.append(_("'%(value)s' is not a country code (two letters, such as MX or BR).",
                          value=record.get("country")))

    cohorts: list[CohortInfo] = []
    if not record.cohort_codes:
        if context.default_cohort is None:
            problems.append(_("no cohort: fill the cohort1 column or choose a default cohort."))
        else:
            cohorts.append(context.default_cohort)
    for code in record.cohort_codes:
        info = context.cohort(code)
        if info is None:
            problems.append(_("there is no cohort with the code '%(code)s'.", code=code))
        elif not info.manageable:
            problems.append(_("you may not enrol trainees in the cohort '%(code)s'.",
                              code=code))
        elif info not in cohorts:
            cohorts.append(info)

    raw_lang = record.get("lang")
    language = normalise_language(raw_lang) if raw_lang else (
        cohorts[0].language if cohorts else DEFAULT_LOCALE)
    if language is None:
        problems.append(_("'%(value)s' is not a supported language (%(languages)s).",
                          value=raw_lang, languages=", ".join(LANGUAGES)))

    institution = record.get("institution") or None
    if institution and len(institution) > MAX_INSTITUTION:
        problems.append(_("the institution's name is longer than %(max)s characters.",
                          max=MAX_INSTITUTION))
    elif institution and not existing:  # only new accounts are given an institution
        institution, refusal = _checked(_institution_name, institution)
        if refusal:
            problems.append(refusal)
    raw_gender = record.get("gender").strip().casefold()
    gender = GENDER_VALUES.get(raw_gender) if raw_gender else None
    if raw_gender and gender is None:
        problems.append(_("'%(value)s' is not a gender: write female, male or other, or leave "
                          "it empty.", value=record.get("gender")))
    if problems:
        return problems
    return ImportRow(line=record.line, email=email or "", full_name=full_name,
                     country=country, language=language or DEFAULT_LOCALE,
                     institution=institution, cohorts=tuple(cohorts), existing_user=existing,
                     gender=gender)


def _full_name(value: str) -> str:
    # The one rule for people's names, whichever way they enter the system.
    return validate_full_name(value)


def _institution_name(value: str) -> str:
    return clean_name(value, "institution", MAX_INSTITUTION)


def _checked(rule, value: str) -> tuple[str, str | None]:
    """``rule(value)`` and no problem, or ``value`` and the rule's refusal, quoting it."""
    try:
        return rule(value), None
    except DomainError as error:
        return value, _("“%(value)s”: %(reason)s", value=value, reason=error.message)


def _capacity_problems(rows: list[ImportRow], new_seats: dict[int, list[int]]) -> list[Problem]:
    """One problem per cohort the file would overfill, on the first line past capacity."""
    cohorts = {info.id: info for row in rows for info in row.cohorts}
    problems = []
    for cohort_id, lines in new_seats.items():
        info = cohorts[cohort_id]
        if info.capacity is None or info.seats_taken + len(lines) <= info.capacity:
            continue
        first_over = lines[max(info.capacity - info.seats_taken, 0)]
        problems.append(Problem(first_over, _(
            "the cohort '%(code)s' would be over capacity (capacity: %(capacity)s, taken: "
            "%(taken)s, added by this file: %(added)s).", code=info.code,
            capacity=info.capacity, taken=info.seats_taken, added=len(lines))))
    return problems

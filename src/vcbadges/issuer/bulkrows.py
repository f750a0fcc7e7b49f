"""The rows of bulk jobs: what goes in, what comes out, and the checks of one row.

A row is checked on its own, and a row that cannot be issued (or revoked) as given fails
alone, with a message for the result (:class:`RowError`): a value no database column takes
(a NUL, a lone surrogate) or one too long, a recipient that is neither a DID nor an e-mail
address, a ``valid_until`` that is not a future date. What a result reports of a row is
storable and bounded (:func:`shown`), and what a result CSV holds is never run as a
spreadsheet formula (:func:`spreadsheet_safe`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time as day_time
from typing import Final, Literal, TypeAlias

from vcbadges.primitives.dates import format_datetime, parse_datetime

__all__ = [
    "ISSUED", "SKIPPED", "FAILED", "REVOKED", "SKIPPED_REVOKED", "IssueStatus", "RevokeStatus",
    "ProgressCallback", "ISSUE_COLUMNS", "REVOKE_COLUMNS", "RESULT_COLUMNS",
    "REVOKE_RESULT_COLUMNS", "MAX_ROW_ID", "MAX_JOB_KEY", "DID", "EMAIL", "BulkRow",
    "BulkRowResult", "BulkResult", "RevokeRow", "RevokeRowResult", "BulkRevokeResult",
    "RowError", "storable", "unstorable_reason", "shown", "spreadsheet_safe", "checked_text",
    "valid_until_of",
]

#: Row outcomes of bulk issuance, as written in the result CSV.
ISSUED: Final = "issued"
SKIPPED: Final = "skipped-already-issued"
FAILED: Final = "failed"
#: Row outcomes of bulk revocation (and :data:`FAILED`).
REVOKED: Final = "revoked"
SKIPPED_REVOKED: Final = "skipped-already-revoked"

IssueStatus: TypeAlias = Literal["issued", "skipped-already-issued", "failed"]
RevokeStatus: TypeAlias = Literal["revoked", "skipped-already-revoked", "failed"]

#: ``(rows done, rows in all)``, called after every batch; ``rows in all`` is 0 when unknown.
ProgressCallback: TypeAlias = Callable[[int, int], None]

#: Columns of an issuance CSV: ``row_id`` and ``recipient`` are required.
ISSUE_COLUMNS: Final = ("row_id", "recipient", "name", "narrative", "valid_until")
#: Columns of a revocation CSV: ``credential_id`` is required.
REVOKE_COLUMNS: Final = ("credential_id", "reason")
#: Columns of the issuance result CSV.
RESULT_COLUMNS: Final = ("row_id", "credential_id", "status", "error")
#: Columns of the revocation result CSV.
REVOKE_RESULT_COLUMNS: Final = ("credential_id", "status", "error")

#: The longest row id and job key (the lengths of bulk_rows.row_id and job_key).
MAX_ROW_ID = 200
MAX_JOB_KEY = 200
_MAX_TEXT = 10_000  # Names and narratives: generous, but a bounded document.

#: A DID, as a recipient column may hold one.
DID = re.compile(r"^did:[a-z0-9]+:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2}|:)*"
                 r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})$")
#: An e-mail address, as a recipient column may hold one.
EMAIL = re.compile(r"^[^@\s\"<>,;:()\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?"
                   r"\.[A-Za-z]{2,63}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# What no database column takes: NUL (PostgreSQL text refuses it) and lone surrogates (no
# UTF-8 encoding exists; a CSV file's bytes that are not UTF-8 are read as such surrogates).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_MAX_SHOWN = 1000  # The length of bulk_job_rows.row_id and credential_id.
# Cells a spreadsheet program reads as a formula (OWASP, "CSV Injection").
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, kw_only=True)
class BulkRow:
    """One badge to issue.

    ``row_id`` is the row's idempotency key within its job (at most 200 characters).
    ``recipient`` is a DID (the credential subject's ``id``) or an e-mail address (in the
    credential as a salted SHA-256 ``IdentityObject``, never in clear; the issuer keeps it
    sealed with its record). ``name`` (at most 200 characters) is added as an
    ``identifier`` of type ``name`` (in clear), ``narrative`` as the subject's narrative, and
    ``valid_until`` (an RFC 3339 date-time with offset, or a date meaning the end of that day
    in UTC) as the credential's ``validUntil``.
    """

    row_id: str
    recipient: str
    name: str | None = None
    narrative: str | None = None
    valid_until: str | None = None


@dataclass(frozen=True)
class BulkRowResult:
    """What happened to one row: ``credential_id`` is set for issued and skipped rows."""

    row_id: str
    credential_id: str | None
    status: IssueStatus
    error: str | None = None


@dataclass(frozen=True)
class BulkResult:
    """The counts of one run of a bulk issuance job."""

    job: str
    issued: int
    skipped: int
    failed: int
    seconds: float

    @property
    def rows(self) -> int:
        return self.issued + self.skipped + self.failed


@dataclass(frozen=True, kw_only=True)
class RevokeRow:
    """One credential to revoke, with an optional reason of its own."""

    credential_id: str
    reason: str | None = None


@dataclass(frozen=True)
class RevokeRowResult:
    credential_id: str
    status: RevokeStatus
    error: str | None = None


@dataclass(frozen=True)
class BulkRevokeResult:
    revoked: int
    skipped: int
    failed: int
    seconds: float

    @property
    def rows(self) -> int:
        return self.revoked + self.skipped + self.failed


class RowError(Exception):
    """A row that cannot be issued as given; the message goes to the result."""


def storable(value: str) -> bool:
    """Whether the text can be stored and encoded as UTF-8: no NUL, no lone surrogate.

    JSON may escape a lone surrogate (``"\\ud800"``) and a CSV file may hold bytes that are
    not UTF-8; such a value reaching a query or ``str.encode`` raises there, far from the row
    it came from, and takes the whole batch (or a job's progress) down with it.
    """
    return _UNSTORABLE.search(value) is None


def unstorable_reason(value: str | None, what: str) -> str | None:
    """Why the field cannot be stored, for the row's outcome; None when it can."""
    found = None if value is None else _UNSTORABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return f"{what} holds a NUL character"
    return (f"{what} is not valid text: it holds the lone surrogate U+{ord(found.group()):04X}"
            " (in a CSV file: bytes that are not UTF-8)")


def shown(value: str) -> str:
    """A value as a result reports it: storable, and no longer than its column, so that the
    outcome of a row refused for its id can be recorded and read like any other."""
    value = _UNSTORABLE.sub("\ufffd", value)
    return value if len(value) <= _MAX_SHOWN else value[:_MAX_SHOWN - 1] + "\u2026"


def spreadsheet_safe(value: str | None) -> str:
    """A result CSV cell that a spreadsheet program shows as text, never runs as a formula.

    Row ids, names in error messages and credential ids come from whoever wrote the input:
    a cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading
    single quote, as OWASP recommends (the CSV writer still quotes the cell as needed). Jobs
    resume from the rows recorded in the database, never from a result CSV, so the quote
    changes nothing but what a spreadsheet shows.
    """
    if value is None:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def checked_text(value: str | None, what: str) -> str | None:
    """Free text of a row, stripped (None when empty); ``RowError`` when too long."""
    if value is None:
        return None
    value = value.strip()
    if len(value) > _MAX_TEXT:
        raise RowError(f"{what} is longer than {_MAX_TEXT} characters")
    return value or None


def valid_until_of(value: str | None, start: datetime) -> str | None:
    """A row's ``valid_until`` as the credential's ``validUntil`` (a date is the end of that
    day in UTC); ``RowError`` for anything else or a moment not after ``start``."""
    text = checked_text(value, "valid_until")
    if text is None:
        return None
    try:
        if _DATE.match(text):
            day = datetime.fromisoformat(text).date()
            moment = datetime.combine(day, day_time(23, 59, 59), tzinfo=UTC)
        else:
            moment = parse_datetime(text)
    except ValueError:
        raise RowError("valid_until must be a date (YYYY-MM-DD) or a date-time with a "
                        "timezone (2027-06-30T00:00:00Z)") from None
    if moment <= start:
        raise RowError("valid_until is not in the future")
    return format_datetime(moment)

"""The CSV files of bulk jobs: reading the input (with its header checked) and writing
results.

A misspelt or unknown column is an error before any row is issued (a misspelt
``valid_until`` must not silently issue badges that never expire). Files are read as UTF-8
with a byte order mark allowed; bytes that are not UTF-8 become lone surrogates, which fail
their row (see :mod:`vcbadges.issuer.bulkrows`), not the whole file. Result files are
flushed after every batch, so an interrupted run leaves the results it had.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from vcbadges.issuer.bulkrows import (
    ISSUE_COLUMNS,
    MAX_JOB_KEY,
    REVOKE_COLUMNS,
    BulkRow,
    RevokeRow,
    spreadsheet_safe,
)

__all__ = [
    "check_paths", "count_csv_rows", "read_issue_csv", "read_revoke_csv", "parse_issue_csv",
    "parse_revoke_csv", "default_job_key", "ResultWriter",
]


def _open_csv(path: Path) -> IO[str]:
    # utf-8-sig: spreadsheet programs put a byte order mark before the header. Bytes that are
    # not UTF-8 are read as lone surrogates, which fail their row, not the whole file.
    return path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="")


def _header(reader: csv.DictReader[str], name: str | Path, allowed: Sequence[str],
            required: Sequence[str]) -> None:
    names = reader.fieldnames
    if not names:
        raise ValueError(f"{name} is empty: it needs a header line")
    stripped = [n.strip() for n in names]
    unknown = [n for n in stripped if n not in allowed]
    if unknown:
        raise ValueError(f"{name}: unknown column {unknown[0]!r} (columns: "
                         f"{', '.join(allowed)})")
    missing = [n for n in required if n not in stripped]
    if missing:
        raise ValueError(f"{name}: the column {missing[0]!r} is missing")
    if len(set(stripped)) != len(stripped):
        raise ValueError(f"{name}: a column appears twice")
    reader.fieldnames = stripped


def check_paths(source: Path, result: str | Path | None) -> None:
    """``ValueError`` when the result CSV would overwrite the input."""
    if result is not None and Path(result).resolve() == source.resolve():
        raise ValueError(f"the result CSV would overwrite the input {source}")


def count_csv_rows(path: Path, allowed: Sequence[str], required: Sequence[str]) -> int:
    """Check the header of a CSV file; return the number of records after it."""
    with _open_csv(path) as handle:
        _header(csv.DictReader(handle), path, allowed, required)
    with _open_csv(path) as handle:
        return max(0, sum(1 for _ in csv.reader(handle)) - 1)


def _issue_rows(reader: csv.DictReader[str]) -> Iterator[BulkRow]:
    for record in reader:
        yield BulkRow(row_id=record.get("row_id") or "", recipient=record.get("recipient") or "",
                      name=record.get("name"), narrative=record.get("narrative"),
                      valid_until=record.get("valid_until"))


def _revoke_rows(reader: csv.DictReader[str]) -> Iterator[RevokeRow]:
    for record in reader:
        yield RevokeRow(credential_id=(record.get("credential_id") or "").strip(),
                        reason=(record.get("reason") or "").strip() or None)


def read_issue_csv(path: str | Path) -> Iterator[BulkRow]:
    """The rows of an issuance CSV file (columns :data:`ISSUE_COLUMNS`, header first).

    Raises ``ValueError`` for a missing or unknown column (a misspelt ``valid_until`` must
    not silently issue badges that never expire) and ``OSError`` if the file cannot be read.
    """
    file = Path(path)
    with _open_csv(file) as handle:
        reader = csv.DictReader(handle)
        _header(reader, file, ISSUE_COLUMNS, ("row_id", "recipient"))
        yield from _issue_rows(reader)


def read_revoke_csv(path: str | Path) -> Iterator[RevokeRow]:
    """The rows of a revocation CSV: a ``credential_id`` column and an optional ``reason``."""
    file = Path(path)
    with _open_csv(file) as handle:
        reader = csv.DictReader(handle)
        _header(reader, file, REVOKE_COLUMNS, ("credential_id",))
        yield from _revoke_rows(reader)


def parse_issue_csv(text: str, *, name: str = "the CSV") -> list[BulkRow]:
    """The rows of issuance CSV text (an upload, say), checked as :func:`read_issue_csv`
    checks a file; ``ValueError`` (also for malformed CSV) before any row is returned."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        _header(reader, name, ISSUE_COLUMNS, ("row_id", "recipient"))
        return list(_issue_rows(reader))
    except csv.Error as exc:
        raise ValueError(f"{name} is not valid CSV: {exc}") from None


def parse_revoke_csv(text: str, *, name: str = "the CSV") -> list[RevokeRow]:
    """The rows of revocation CSV text, as :func:`parse_issue_csv`."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        _header(reader, name, REVOKE_COLUMNS, ("credential_id",))
        return list(_revoke_rows(reader))
    except csv.Error as exc:
        raise ValueError(f"{name} is not valid CSV: {exc}") from None


def default_job_key(achievement: str, csv_path: str | Path) -> str:
    """The job key of a CSV run: the achievement (slug or id) and the file's name.

    Rerunning the same file for the same achievement resumes the job; a file with another
    name is another job (pass an explicit key to resume after renaming a file).
    """
    key = f"{achievement}:{Path(csv_path).name}"
    if len(key) > MAX_JOB_KEY:
        key = f"{key[:MAX_JOB_KEY - 17]}~{hashlib.sha256(key.encode()).hexdigest()[:16]}"
    return key


class ResultWriter:
    """A result CSV, flushed after every batch so an interrupted run leaves its results."""

    def __init__(self, path: Path | None, columns: Sequence[str]) -> None:
        self._handle: IO[str] | None = None
        if path is not None:
            self._handle = path.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._handle)
            self._writer.writerow(columns)

    def write(self, values: Sequence[str | None]) -> None:
        if self._handle is not None:
            self._writer.writerow([spreadsheet_safe(v) for v in values])

    def flush(self) -> None:
        if self._handle is not None:
            self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

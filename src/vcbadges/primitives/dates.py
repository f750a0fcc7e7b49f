"""XML Schema dateTime values as the VC specs use them, always timezone-aware in UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime

__all__ = ["format_datetime", "parse_datetime", "utcnow"]

# xsd:dateTimeStamp-like: a date, a time with optional fraction, and a required offset.
# VCDM 2.0 requires the offset; a value without one is ambiguous and refused.
_DATETIME = re.compile(
    r"^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)


def utcnow() -> datetime:
    """The current time in UTC, truncated to whole seconds as our documents carry it."""
    return datetime.now(UTC).replace(microsecond=0)


def format_datetime(value: datetime) -> str:
    """Format an aware datetime as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC."""
    if value.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(text: object) -> datetime:
    """Parse an xsd:dateTime with a timezone; raise ``ValueError`` for anything else."""
    if not isinstance(text, str):
        raise ValueError("date-time must be a string")
    match = _DATETIME.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a date-time with a timezone")
    fraction = (match.group(7) or ".0")[1:7].ljust(6, "0")
    offset = match.group(8)
    iso = (f"{match.group(1)}-{match.group(2)}-{match.group(3)}T{match.group(4)}:"
           f"{match.group(5)}:{match.group(6)}.{fraction}"
           f"{'+00:00' if offset == 'Z' else offset}")
    return datetime.fromisoformat(iso).astimezone(UTC)

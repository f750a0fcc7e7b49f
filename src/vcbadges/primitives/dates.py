"""XML Schema dateTime values as the VC specs use them, always timezone-aware in UTC.

Python's datetime covers years 1 to 9999. A legal value at either end can leave that range
once converted to UTC (``0001-01-01T00:00:00+01:00``) or once a clock skew is added to it
(``9999-12-31T23:59:59Z`` plus five minutes), where datetime raises ``OverflowError``.
:func:`parse_datetime` therefore clamps to the first or last representable instant, which
keeps every comparison with a real clock as it was: such an instant is before, or after,
any time a verifier runs. Skew comparisons go through :func:`is_after` and
:func:`is_before`, which subtract instants (a difference of two datetimes always fits in a
timedelta) rather than add the skew to one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

__all__ = ["EARLIEST", "LATEST", "format_datetime", "is_after", "is_before", "parse_datetime",
           "utcnow"]

EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)

# xsd:dateTimeStamp-like: a date, a time with optional fraction, and a required offset.
# VCDM 2.0 requires the offset; a value without one is ambiguous and refused.
_DATETIME = re.compile(
    r"^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)


def utcnow() -> datetime:
    """The current time in UTC, truncated to whole seconds as our documents carry it."""
    return datetime.now(UTC).replace(microsecond=0)


def format_datetime(value: datetime) -> str:
    """Format an aware datetime as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC.

    Not strftime: its ``%Y`` drops the leading zeros of years before 1000 on glibc, which
    would make :data:`EARLIEST` unreadable by :func:`parse_datetime`.
    """
    if value.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    utc = value.astimezone(UTC)
    return (f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
            f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z")


def parse_datetime(text: object) -> datetime:
    """Parse an xsd:dateTime with a timezone; raise ``ValueError`` for anything else.

    Years 1 to 9999 are accepted; an instant that falls just outside them in UTC is clamped
    to :data:`EARLIEST` or :data:`LATEST` (see the module docstring). Never raises
    ``OverflowError``.
    """
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
    local = datetime.fromisoformat(iso)
    try:
        return local.astimezone(UTC)
    except OverflowError:
        # Only year 1 ahead of UTC or year 9999 behind it gets here: the instant lies just
        # outside datetime's range, on the side its offset points to.
        ahead = local.utcoffset()
        return EARLIEST if ahead is not None and ahead > timedelta(0) else LATEST


def is_after(moment: datetime, reference: datetime, skew: timedelta = timedelta(0)) -> bool:
    """True when ``moment`` is later than ``reference`` by more than ``skew``.

    "Expired" is ``is_after(now, valid_until, skew)``. Written as a difference, because
    ``reference + skew`` raises ``OverflowError`` for a reference near year 9999.
    """
    return moment - reference > skew


def is_before(moment: datetime, reference: datetime, skew: timedelta = timedelta(0)) -> bool:
    """True when ``moment`` is earlier than ``reference`` by more than ``skew``.

    "Not yet valid" is ``is_before(now, valid_from, skew)``; "created in the future" is
    ``is_before(now, created, skew)``. Never overflows, as for :func:`is_after`.
    """
    return reference - moment > skew

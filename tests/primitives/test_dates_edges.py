"""Dates at the ends of datetime's range: parsed without OverflowError, compared with a skew
without OverflowError, and never letting something expired pass."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vcbadges.primitives.dates import (
    EARLIEST,
    LATEST,
    format_datetime,
    is_after,
    is_before,
    parse_datetime,
)
from vcbadges.status.bitstring import new_list, status_entry, status_list_credential
from vcbadges.status.check import ListVerification, check_status

SKEW = timedelta(minutes=5)
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("0001-01-01T00:00:00+01:00", EARLIEST),
    ("0001-01-01T00:59:59.999+01:00", EARLIEST),
    ("0001-01-01T00:00:00+23:59", EARLIEST),
    ("9999-12-31T23:59:59-01:00", LATEST),
    ("9999-12-31T23:00:00-23:59", LATEST),
    ("0001-01-01T01:00:00+01:00", EARLIEST),
    ("0001-01-01T00:00:00Z", EARLIEST),
    ("0001-01-01T00:00:00-14:00", datetime(1, 1, 1, 14, tzinfo=UTC)),
    ("9999-12-31T23:59:59Z", datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ("9999-12-31T13:59:59+10:00", datetime(9999, 12, 31, 3, 59, 59, tzinfo=UTC)),
])
def test_edge_dates_parse_or_clamp(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected


def test_clamping_keeps_the_instant_on_its_side_of_every_real_clock() -> None:
    early = parse_datetime("0001-01-01T00:00:00+01:00")
    late = parse_datetime("9999-12-31T23:59:59-01:00")
    assert early < NOW < late
    assert is_after(NOW, early, SKEW)  # a validUntil this early has expired
    assert is_before(NOW, late, SKEW)  # a validFrom this late is not yet valid


@pytest.mark.parametrize("text", ["10000-01-01T00:00:00Z", "0000-01-01T00:00:00Z",
                                  "-0001-01-01T00:00:00Z", "9999-12-31T24:00:00Z",
                                  "2024-01-01T00:00:00", "2024-01-01T00:00:00+24:00"])
def test_dates_outside_the_calendar_are_value_errors(text: str) -> None:
    with pytest.raises(ValueError):
        parse_datetime(text)


def test_the_ends_format_as_readable_dates() -> None:
    assert format_datetime(EARLIEST) == "0001-01-01T00:00:00Z"
    assert format_datetime(LATEST) == "9999-12-31T23:59:59Z"
    assert parse_datetime(format_datetime(EARLIEST)) == EARLIEST
    assert format_datetime(datetime(999, 3, 4, 5, 6, 7, tzinfo=UTC)) == "0999-03-04T05:06:07Z"


def test_skew_comparisons_never_overflow() -> None:
    for moment in (EARLIEST, LATEST, NOW):
        for reference in (EARLIEST, LATEST, NOW):
            for skew in (timedelta(0), SKEW, timedelta.max):
                assert is_after(moment, reference, skew) == (
                    moment > reference and moment - reference > skew)
                assert is_before(moment, reference, skew) == (
                    moment < reference and reference - moment > skew)
    assert not is_after(LATEST, EARLIEST, timedelta.max)


def test_skew_comparisons_match_the_arithmetic_they_replace() -> None:
    rng = random.Random(7)
    for _ in range(1000):
        now = NOW + timedelta(seconds=rng.randint(-10**6, 10**6))
        instant = NOW + timedelta(seconds=rng.randint(-10**6, 10**6))
        skew = timedelta(seconds=rng.randint(0, 10**5))
        assert is_after(now, instant, skew) == (now - skew > instant)
        assert is_before(now, instant, skew) == (now + skew < instant)


# --- status list credentials at the edges ---------------------------------------------------

ISSUER = "did:example:issuer"
LIST = "https://issuer.example/status/1"


async def _check_list(now: datetime = NOW, **dates: str) -> tuple[str, str, Any]:
    listed = status_list_credential(list_id=LIST, issuer=ISSUER, purpose="revocation",
                                    bits=new_list(131072), valid_from=NOW - timedelta(days=1))
    listed.update(dates)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "credentialSubject": {"id": "did:example:holder"},
        "credentialStatus": status_entry(list_credential=LIST, index=7, purpose="revocation"),
    }

    async def fetch(url: str) -> Any:
        return listed

    async def verify(document: dict[str, Any]) -> ListVerification:
        return ListVerification(True, ISSUER)

    (check,) = await check_status(credential, issuer=ISSUER, fetch_list=fetch,
                                  verify_list=verify, now=now, skew=SKEW)
    return check.outcome.value, check.code, (check.detail or {}).get("reason")


@pytest.mark.parametrize("dates", [
    {"validUntil": "9999-12-31T23:59:59Z"},
    {"validUntil": "9999-12-31T23:59:59-01:00"},
    {"validFrom": "0001-01-01T00:00:00+01:00", "validUntil": "9999-12-31T23:59:59Z"},
    {"validFrom": "0001-01-01T00:00:00Z"},
])
async def test_status_lists_valid_to_the_end_of_time_are_read(dates: dict[str, str]) -> None:
    assert await _check_list(**dates) == ("passed", "not_revoked", None)


async def test_status_lists_at_the_edges_of_time_are_not_trusted_when_out_of_date() -> None:
    assert await _check_list(validUntil="0001-01-01T00:00:00+01:00") == (
        "error", "status_list_unverified", "expired")
    assert await _check_list(validFrom="9999-12-31T23:59:59-01:00") == (
        "error", "status_list_unverified", "not_yet_valid")


async def test_a_clock_at_the_end_of_time_does_not_overflow() -> None:
    assert await _check_list(now=LATEST, validUntil="9999-12-31T23:59:59Z") == (
        "passed", "not_revoked", None)
    assert await _check_list(now=EARLIEST, validFrom="0001-01-01T00:00:00Z") == (
        "passed", "not_revoked", None)

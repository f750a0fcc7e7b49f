"""Dates at the edges of what a datetime holds never crash JWT verification.

NumericDates huge, negative, NaN or infinite, and credential dates at the years 1 and 9999
(some of which leave the datetime range once moved to UTC) give a ``VCBadgesError`` with a
code, or verify when they are legitimately fine: never ``OverflowError`` or ``ValueError``.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vcbadges import verify
from vcbadges.credentials.sample import sample_badge
from vcbadges.dids.resolver import default_resolver
from vcbadges.errors import VCBadgesError
from vcbadges.oid4vp import verify_presentation_jwt
from vcbadges.primitives.keys import Ed25519SigningKey, P256SigningKey
from vcbadges.proofs.jose import verify_jwt_credential, verify_jwt_presentation

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
ISSUED = NOW - timedelta(days=30)
SKEW = timedelta(minutes=5)
ISSUER = Ed25519SigningKey.from_seed(bytes(range(32)))
HOLDER = P256SigningKey.from_scalar(bytes(range(2, 34)))
LAST_SECOND = 253402300799  # 9999-12-31T23:59:59Z
FIRST_SECOND = -62135596800  # 0001-01-01T00:00:00Z
EDGES = [1e308, -1e308, 10**30, -(10**30), LAST_SECOND + 1, FIRST_SECOND - 1, float("nan"),
         float("inf"), float("-inf"), LAST_SECOND, FIRST_SECOND, 0, -1, 0.5]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def hand_token(header: dict[str, Any], claims: dict[str, Any], key) -> str:
    # json.dumps writes NaN and Infinity as their JavaScript spellings, as a careless
    # or hostile encoder would.
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(key.sign(signing_input.encode('ascii')))}"


def vc_jwt(**changes: Any) -> str:
    credential = sample_badge(issuer=ISSUER.controller, subject=HOLDER.controller,
                              valid_from=ISSUED).to_json()
    claims: dict[str, Any] = {"iss": ISSUER.controller, "jti": credential["id"],
                              "nbf": int(ISSUED.timestamp()), "vc": credential}
    for name, value in changes.items():
        if name in ("exp", "nbf", "iat"):
            claims[name] = value
        elif value is None:
            del credential[name]
        else:
            credential[name] = value
    return hand_token({"alg": "EdDSA", "kid": ISSUER.verification_method}, claims, ISSUER)


def vc_jose(**claims: Any) -> str:
    credential = sample_badge(issuer=ISSUER.controller, subject=HOLDER.controller,
                              valid_from=ISSUED).to_json()
    header = {"alg": "EdDSA", "kid": ISSUER.verification_method, "typ": "vc+jwt"}
    return hand_token(header, credential | claims, ISSUER)


async def outcome(token: str, skew: timedelta = SKEW) -> str:
    """``ok`` or the code of the ``VCBadgesError`` raised; anything else propagates."""
    try:
        await verify_jwt_credential(token, resolver=default_resolver(), now=NOW, skew=skew)
    except VCBadgesError as exc:
        return exc.code
    return "ok"


@pytest.mark.parametrize("value", EDGES)
@pytest.mark.parametrize("name", ["exp", "nbf", "iat"])
async def test_numeric_dates_at_the_edges(name, value):
    for token in (vc_jwt(validFrom=None, **{name: value}), vc_jose(**{name: value})):
        code = await outcome(token)
        assert code in ("ok", "malformed_jwt", "jwt_claims_mismatch", "proof_expired",
                        "proof_created_in_future")
        if value != value or value in (float("inf"), float("-inf")) or abs(value) > 1e12:
            assert code == "malformed_jwt"
        report = await verify(token, now=NOW)
        assert report.checks


async def test_the_first_second_fills_valid_from_with_a_four_digit_year():
    token = vc_jwt(validFrom=None, nbf=FIRST_SECOND)
    result = await verify_jwt_credential(token, resolver=default_resolver(), now=NOW, skew=SKEW)
    assert result.credential["validFrom"] == "0001-01-01T00:00:00Z"


@pytest.mark.parametrize(("changes", "codes"), [
    # Legal, but outside the datetime range once in UTC: a mismatch, or equal to a claim at
    # the edge of the range, never a crash.
    ({"validFrom": "0001-01-01T00:00:00+01:00"}, {"jwt_claims_mismatch"}),
    ({"validFrom": "0001-01-01T00:00:00+01:00", "nbf": FIRST_SECOND},
     {"ok", "jwt_claims_mismatch"}),
    ({"validUntil": "9999-12-31T23:59:59-01:00", "exp": LAST_SECOND},
     {"ok", "jwt_claims_mismatch"}),
    ({"validFrom": "not a date"}, {"jwt_claims_mismatch"}),
    ({"validFrom": 20260501}, {"jwt_claims_mismatch"}),
    ({"validFrom": "9999-12-31T23:59:59Z", "nbf": LAST_SECOND}, {"ok"}),
    ({"validUntil": "9999-12-31T23:59:59Z", "exp": LAST_SECOND}, {"ok"}),
    ({"validFrom": "0001-01-01T00:00:00Z", "nbf": FIRST_SECOND}, {"ok"}),
])
async def test_credential_dates_at_the_edges(changes, codes):
    token = vc_jwt(**changes)
    assert await outcome(token) in codes
    assert (await verify(token, now=NOW)).checks


async def test_a_credential_valid_until_the_last_second_verifies():
    token = vc_jwt(validUntil="9999-12-31T23:59:59Z", exp=LAST_SECOND)
    report = await verify(token, now=NOW)
    assert report.verified, report.to_json()
    token = vc_jose(exp=LAST_SECOND)
    assert (await verify(token, now=NOW, skew=timedelta(days=3650))).verified


@pytest.mark.parametrize("skew", [timedelta(0), timedelta(days=999_999_999)])
async def test_extreme_skews(skew):
    assert await outcome(vc_jose(exp=LAST_SECOND, iat=FIRST_SECOND), skew) == "ok"


@pytest.mark.parametrize("value", EDGES)
@pytest.mark.parametrize("name", ["exp", "nbf", "iat"])
async def test_presentation_dates_at_the_edges(name, value):
    vp = {"@context": ["https://www.w3.org/2018/credentials/v1"],
          "type": ["VerifiablePresentation"], "holder": HOLDER.controller,
          "verifiableCredential": [vc_jwt()]}
    claims = {"iss": HOLDER.controller, "aud": "https://verifier.example", "nonce": "n",
              "vp": vp, name: value}
    token = hand_token({"alg": "ES256", "kid": HOLDER.verification_method}, claims, HOLDER)
    try:
        await verify_jwt_presentation(token, resolver=default_resolver(), now=NOW, skew=SKEW)
    except VCBadgesError as exc:
        assert exc.code in ("malformed_jwt", "proof_expired", "proof_created_in_future")

    async def verify_one(document):
        return await verify(document, now=NOW)

    report = await verify_presentation_jwt(
        token, nonce="n", audience="https://verifier.example", resolver=default_resolver(),
        verify_credential=verify_one, now=NOW, skew=timedelta(days=999_999_999))
    assert report.checks

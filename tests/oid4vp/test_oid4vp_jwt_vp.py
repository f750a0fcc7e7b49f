"""VP-JWTs (jwt_vc_json presentations): the report checks, one failure at a time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from protocol_support import START
from vcbadges import verify
from vcbadges.dids.resolver import default_resolver
from vcbadges.oid4vp import sign_presentation_jwt, verify_presentation_jwt
from vcbadges.primitives.keys import P256SigningKey
from vcbadges.proofs import _jws

NONCE = "n-0S6_WzA2Mj"
AUD = "redirect_uri:https://employer.example.com/verifier/response"


def outcomes(report):
    return {c.id: (c.outcome.value, c.code) for c in report.checks}


async def check(token, **kwargs):
    async def verify_one(document):
        return await verify(document, now=START)

    args = {"nonce": NONCE, "audience": AUD, "resolver": default_resolver(),
            "verify_credential": verify_one, "now": START, **kwargs}
    return await verify_presentation_jwt(token, **args)


def resign(token, key, *, header=None, claims=None):
    parsed = _jws.parse_compact(token)
    return _jws.sign_compact({**parsed.header, **(header or {})},
                             {**parsed.claims, **(claims or {})}, key)


async def test_good_vp_jwt(holder_key, jwt_credential):
    token = sign_presentation_jwt([jwt_credential], key=holder_key, nonce=NONCE, audience=AUD,
                                  now=START)
    report = await check(token)
    assert report.verified, report.to_json()
    claims = _jws.parse_compact(token).claims
    assert claims["iss"] == holder_key.controller and claims["aud"] == AUD
    assert claims["vp"]["verifiableCredential"] == [jwt_credential]


async def test_signed_with_someone_elses_key(holder_key, other_holder_key, jwt_credential):
    token = sign_presentation_jwt([jwt_credential], key=holder_key, nonce=NONCE, audience=AUD,
                                  now=START)
    forged = resign(token, other_holder_key, header={"alg": other_holder_key.jose_alg})
    report = await check(forged)
    assert outcomes(report)["presentation_proof"][0] == "failed"
    assert outcomes(report)["challenge"] == ("skipped", "blocked_by_earlier_failure")
    # Same algorithm, another P-256 key, the holder's kid: the signature does not verify.
    same_alg = resign(token, P256SigningKey.from_scalar(bytes(range(5, 37))))
    assert outcomes(await check(same_alg))["presentation_proof"] == (
        "failed", "invalid_signature")


async def test_expired_and_future_vp_jwt(holder_key, jwt_credential):
    old = sign_presentation_jwt([jwt_credential], key=holder_key, nonce=NONCE, audience=AUD,
                                now=START - timedelta(hours=1))
    assert outcomes(await check(old))["presentation_proof"] == ("failed", "proof_expired")
    future = sign_presentation_jwt([jwt_credential], key=holder_key, nonce=NONCE,
                                   audience=AUD, now=START + timedelta(hours=1))
    assert outcomes(await check(future))["presentation_proof"] == (
        "failed", "proof_created_in_future")


async def test_wrong_nonce_and_iss(holder_key, jwt_credential):
    token = sign_presentation_jwt([jwt_credential], key=holder_key, nonce="other", audience=AUD,
                                  now=START)
    assert outcomes(await check(token))["challenge"] == ("failed", "challenge_mismatch")
    lying = resign(token, holder_key, claims={"nonce": NONCE, "iss": "did:key:z6MkSomeoneElse"})
    assert outcomes(await check(lying))["holder"] == ("failed", "holder_mismatch")


@pytest.mark.parametrize("claims, header, code", [
    ({"vp": None}, {}, "malformed_presentation"),
    ({"vp": {"type": ["VerifiablePresentation"]}}, {}, "malformed_presentation"),
    ({"vp": {"type": ["X"], "verifiableCredential": ["a"]}}, {}, "missing_type"),
    ({}, {"typ": "vc+jwt"}, "jwt_wrong_type"),
])
async def test_malformed_vp_jwts(holder_key, jwt_credential, claims, header, code):
    token = sign_presentation_jwt([jwt_credential], key=holder_key, nonce=NONCE, audience=AUD,
                                  now=START)
    report = await check(resign(token, holder_key, header=header, claims=claims))
    assert outcomes(report)["document"] == ("failed", code)
    assert not report.verified


async def test_not_a_jwt():
    report = await check("garbage")
    assert outcomes(report)["document"] == ("failed", "malformed_jwt")


async def test_verify_takes_a_vp_jwt_with_the_same_rules(holder_key, other_holder_key,
                                                         jwt_credential):
    token = sign_presentation_jwt([jwt_credential], key=holder_key, nonce=NONCE, audience=AUD,
                                  now=START)
    report = await verify(token, challenge=NONCE, domain=AUD, now=START)
    assert report.verified, report.to_json()
    assert report.holder == holder_key.controller
    assert outcomes(await verify(token, challenge="other", domain=AUD, now=START))[
        "challenge"] == ("failed", "challenge_mismatch")
    assert outcomes(await verify(token, challenge=NONCE, domain="https://else.example",
                                 now=START))["domain"] == ("failed", "domain_mismatch")
    # The badge names the holder; presented by someone else it fails the holder rule.
    stolen = sign_presentation_jwt([jwt_credential], key=other_holder_key, nonce=NONCE,
                                   audience=AUD, now=START)
    report = await verify(stolen, challenge=NONCE, domain=AUD, now=START)
    assert outcomes(report)["holder"] == ("failed", "holder_not_subject")
    assert (await verify(stolen, challenge=NONCE, domain=AUD, now=START,
                         holder_must_be_subject=False)).verified


async def test_a_credential_written_as_json_text_inside_a_presentation_is_refused(
        holder_key, jwt_credential):
    token = sign_presentation_jwt(['{"type": ["VerifiableCredential"]}'], key=holder_key,
                                  nonce=NONCE, audience=AUD, now=START)
    report = await verify(token, challenge=NONCE, domain=AUD, now=START)
    assert not report.verified
    assert report.credentials[0].check("document").code == "not_an_object"

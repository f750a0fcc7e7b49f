"""verify_jwt_presentation: VP-JWT and vp+jwt, the key bound to the holder, and each refusal."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vcbadges.dids.jwk import did_jwk_from_public_key
from vcbadges.dids.resolver import default_resolver
from vcbadges.errors import InvalidProof, VCBadgesError
from vcbadges.oid4vp import sign_presentation_jwt
from vcbadges.primitives.jwk import public_key_to_jwk
from vcbadges.primitives.keys import Ed25519SigningKey, P256SigningKey
from vcbadges.proofs import _jws
from vcbadges.proofs.jose import (
    VerifiedJWTPresentation,
    read_jwt_presentation,
    verify_jwt_presentation,
)

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
SKEW = timedelta(minutes=5)
HOLDER = P256SigningKey.from_scalar(bytes(range(2, 34)))
OTHER = Ed25519SigningKey.from_seed(bytes(range(60, 92)))
NONCE = "n-0S6_WzA2Mj"
AUD = "redirect_uri:https://employer.example.com/verifier/response"
CREDENTIAL = "eyJhbGciOiJFZERTQSJ9.e30.c2ln"  # only carried, never verified here
VC_V2 = "https://www.w3.org/ns/credentials/v2"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def hand_token(header: dict[str, Any], claims: dict[str, Any], key) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(key.sign(signing_input.encode('ascii')))}"


def vp_claims(holder: str | None = HOLDER.controller, **extra: Any) -> dict[str, Any]:
    vp: dict[str, Any] = {"@context": ["https://www.w3.org/2018/credentials/v1"],
                          "type": ["VerifiablePresentation"], "verifiableCredential": [CREDENTIAL]}
    if holder is not None:
        vp["holder"] = holder
    claims = {"aud": AUD, "nonce": NONCE, "iat": int(NOW.timestamp()), "vp": vp}
    if holder is not None:
        claims["iss"] = holder
    return claims | extra


def vp_jose_payload(**extra: Any) -> dict[str, Any]:
    return {"@context": [VC_V2], "type": ["VerifiablePresentation"], "holder": HOLDER.controller,
            "verifiableCredential": [{"@context": VC_V2, "type": "EnvelopedVerifiableCredential",
                                      "id": "data:application/vc+jwt," + CREDENTIAL}],
            "nonce": NONCE, "aud": [AUD, "https://other.example"],
            "iat": int(NOW.timestamp())} | extra


async def verify(token: str) -> VerifiedJWTPresentation:
    return await verify_jwt_presentation(token, resolver=default_resolver(), now=NOW, skew=SKEW)


async def refused(token: str, code: str) -> VCBadgesError:
    with pytest.raises(VCBadgesError) as info:
        await verify(token)
    assert info.value.code == code, info.value.message
    return info.value


async def test_a_vp_jwt_from_sign_presentation_jwt():
    token = sign_presentation_jwt([CREDENTIAL], key=HOLDER, nonce=NONCE, audience=AUD, now=NOW)
    result = await verify(token)
    claims = _jws.parse_compact(token).claims
    assert result.format == "vp-jwt"
    assert result.holder == HOLDER.controller
    assert result.verification_method == HOLDER.verification_method
    assert (result.nonce, result.aud) == (NONCE, (AUD,))
    assert result.presentation == claims["vp"] | {"id": claims["jti"]}
    assert result.header == {"alg": "ES256", "typ": "JWT", "kid": HOLDER.verification_method}
    assert read_jwt_presentation(token) == result.presentation


async def test_a_vp_jose_presentation():
    header = {"alg": "ES256", "typ": "vp+jwt", "cty": "vp", "kid": HOLDER.verification_method}
    result = await verify(hand_token(header, vp_jose_payload(), HOLDER))
    assert result.format == "vp+jwt"
    assert result.aud == (AUD, "https://other.example")
    assert set(result.presentation) == {"@context", "type", "holder", "verifiableCredential"}


async def test_holder_completed_from_iss():
    claims = vp_claims()
    del claims["vp"]["holder"]
    header = {"alg": "ES256", "jwk": public_key_to_jwk(HOLDER.public_key)}
    result = await verify(hand_token(header, claims, HOLDER))
    assert result.presentation["holder"] == HOLDER.controller
    assert result.verification_method == HOLDER.verification_method


async def test_a_presentation_naming_no_holder_is_presented_by_its_key():
    header = {"alg": "EdDSA", "jwk": public_key_to_jwk(OTHER.public_key)}
    result = await verify(hand_token(header, vp_claims(holder=None), OTHER))
    assert result.holder == did_jwk_from_public_key(OTHER.public_key)
    assert "holder" not in result.presentation


@pytest.mark.parametrize("change", [
    {"iss": "did:example:someone-else"},
    {"vp": vp_claims()["vp"] | {"holder": {"id": "did:example:someone-else"}}},
], ids=["iss", "holder"])
async def test_iss_and_holder_must_agree(change):
    header = {"alg": "ES256", "kid": HOLDER.verification_method}
    await refused(hand_token(header, vp_claims() | change, HOLDER), "holder_mismatch")


@pytest.mark.parametrize(("header", "code"), [
    ({"alg": "EdDSA", "kid": OTHER.verification_method}, "holder_mismatch"),
    ({"alg": "EdDSA", "jwk": public_key_to_jwk(OTHER.public_key)}, "holder_mismatch"),
    # A relative kid is read against the holder's DID, whose document has no such method.
    ({"alg": "EdDSA", "kid": "#" + OTHER.verification_method.split("#")[1]},
     "verification_method_not_found"),
], ids=["kid", "jwk", "relative-kid"])
async def test_a_key_that_is_not_the_holders(header, code):
    await refused(hand_token(header, vp_claims(), OTHER), code)


async def test_the_signature_is_checked():
    header = {"alg": "ES256", "kid": HOLDER.verification_method}
    token = hand_token(header, vp_claims(), P256SigningKey.from_scalar(bytes(range(5, 37))))
    assert isinstance(await refused(token, "invalid_signature"), InvalidProof)


@pytest.mark.parametrize(("change", "code"), [
    ({"iat": int((NOW + timedelta(hours=1)).timestamp())}, "proof_created_in_future"),
    ({"nbf": int((NOW + timedelta(hours=1)).timestamp())}, "proof_created_in_future"),
    ({"exp": int((NOW - timedelta(hours=1)).timestamp())}, "proof_expired"),
    ({"exp": 1e400}, "malformed_jwt"),
    ({"nonce": 7}, "malformed_jwt"),
    ({"aud": [AUD, 7]}, "malformed_jwt"),
    ({"vp": []}, "malformed_jwt"),
])
async def test_refusals(change, code):
    header = {"alg": "ES256", "kid": HOLDER.verification_method}
    await refused(hand_token(header, vp_claims() | change, HOLDER), code)


async def test_times_within_the_skew_pass():
    within = int((NOW + timedelta(minutes=4)).timestamp())
    header = {"alg": "ES256", "kid": HOLDER.verification_method}
    await verify(hand_token(header, vp_claims(iat=within, nbf=within,
                                              exp=int(NOW.timestamp()) - 240), HOLDER))


@pytest.mark.parametrize(("header", "payload", "code"), [
    ({"typ": "vc+jwt"}, vp_claims(), "jwt_wrong_type"),
    ({"typ": "vp+jwt", "cty": "vc"}, vp_jose_payload(), "jwt_wrong_type"),
    ({"typ": "vp+jwt"}, vp_claims(), "malformed_jwt"),
    ({}, {"iss": HOLDER.controller, "vc": {}}, "malformed_jwt"),
    ({}, vp_jose_payload(type=["VerifiableCredential"]), "malformed_jwt"),
], ids=["vc+jwt", "vp+jwt-cty-vc", "vp+jwt-with-vp-claim", "a-credential", "untyped-not-vp"])
async def test_tokens_that_are_not_presentations(header, payload, code):
    head = {"alg": "ES256", "kid": HOLDER.verification_method} | header
    await refused(hand_token(head, payload, HOLDER), code)

"""A JWT verifies only with a key bound to the issuer it claims: the forgeries and the keys
that pass.

A VC-JWT that carries its own key in the ``jwk`` header proves only that whoever holds that
key signed; these tests forge such tokens with a fresh RSA key, for a did:key issuer, in
every shape (RS256 and PS256, ``JWT`` and ``vc+jwt``, with and without ``kid``), and check
that they fail with ``issuer_mismatch`` directly, through ``vcbadges.verify`` (with and
without a trust list naming the issuer) and inside a presentation. Tokens are built by hand,
so the verifier is checked against an encoder it does not share.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from vcbadges import verify
from vcbadges.credentials.sample import sample_badge
from vcbadges.dids.jwk import did_jwk_from_public_key
from vcbadges.dids.resolver import default_resolver
from vcbadges.errors import ProofError, VCBadgesError
from vcbadges.oid4vp import sign_presentation_jwt, verify_presentation_jwt
from vcbadges.primitives.jwk import public_key_to_jwk
from vcbadges.primitives.keys import Ed25519SigningKey, P256SigningKey
from vcbadges.proofs.jose import VerifiedJWT, sign_vc_jwt, verify_jwt_credential
from vcbadges.report import Outcome
from vcbadges.verifier.trust import parse_trust_list

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
ISSUED = NOW - timedelta(days=30)
SKEW = timedelta(minutes=5)
ISSUER = Ed25519SigningKey.from_seed(bytes(range(32)))
OTHER = Ed25519SigningKey.from_seed(bytes(range(1, 33)))
HOLDER = P256SigningKey.from_scalar(bytes(range(2, 34)))
NONCE = "n-0S6_WzA2Mj"
AUD = "redirect_uri:https://employer.example.com/verifier/response"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def hand_token(header: dict[str, Any], claims: dict[str, Any], sign) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode('ascii')))}"


def rsa_signer(private: rsa.RSAPrivateKey, alg: str):
    if alg == "RS256":
        return lambda data: private.sign(data, padding.PKCS1v15(), hashes.SHA256())
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    return lambda data: private.sign(data, pss, hashes.SHA256())


def rsa_jwk(private: rsa.RSAPrivateKey) -> dict[str, str]:
    numbers = private.public_key().public_numbers()
    return {"kty": "RSA", "n": b64(numbers.n.to_bytes(256, "big")), "e": "AQAB"}


def badge(issuer: str) -> dict[str, Any]:
    return sample_badge(issuer=issuer, subject=HOLDER.controller, valid_from=ISSUED).to_json()


def claims_for(credential: dict[str, Any], typ: str) -> dict[str, Any]:
    """The payload of a VC-JWT (``typ`` JWT) or of a ``vc+jwt`` for ``credential``."""
    if typ == "vc+jwt":
        return {**credential, "iat": int(ISSUED.timestamp())}
    return {"iss": credential["issuer"]["id"], "sub": HOLDER.controller, "jti": credential["id"],
            "nbf": int(ISSUED.timestamp()), "iat": int(ISSUED.timestamp()), "vc": credential}


@pytest.fixture(scope="module")
def attacker() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def attacker_did(attacker: rsa.RSAPrivateKey) -> str:
    return "did:jwk:" + b64(json.dumps(rsa_jwk(attacker), separators=(",", ":")).encode())


# kid beside the attacker's jwk: none, a bare hint, the issuer's own method, the attacker's DID.
KIDS = ["none", "hint", "issuer", "attacker"]


def forged(attacker: rsa.RSAPrivateKey, alg: str, typ: str, kid: str) -> str:
    header: dict[str, Any] = {"alg": alg, "typ": typ, "jwk": rsa_jwk(attacker)}
    if kid != "none":
        header["kid"] = {"hint": "key-1", "issuer": ISSUER.verification_method,
                         "attacker": attacker_did(attacker) + "#0"}[kid]
    return hand_token(header, claims_for(badge(ISSUER.controller), typ),
                      rsa_signer(attacker, alg))


async def verify_jwt(token: str) -> VerifiedJWT:
    return await verify_jwt_credential(token, resolver=default_resolver(), now=NOW, skew=SKEW)


async def refused(token: str, code: str = "issuer_mismatch") -> None:
    with pytest.raises(VCBadgesError) as info:
        await verify_jwt(token)
    assert info.value.code == code, info.value.message


def failed_codes(report) -> set[str]:
    return {c.code for c in report.checks if c.outcome in (Outcome.FAILED, Outcome.ERROR)}


# --- the forgery ----------------------------------------------------------------------------


@pytest.mark.parametrize("kid", KIDS)
@pytest.mark.parametrize("typ", ["JWT", "vc+jwt"])
@pytest.mark.parametrize("alg", ["RS256", "PS256"])
async def test_an_attackers_rsa_jwk_does_not_speak_for_a_did_key_issuer(attacker, alg, typ, kid):
    token = forged(attacker, alg, typ, kid)
    with pytest.raises(ProofError) as info:
        await verify_jwt(token)
    assert info.value.code == "issuer_mismatch", info.value.message


@pytest.mark.parametrize("kid", KIDS)
@pytest.mark.parametrize("typ", ["JWT", "vc+jwt"])
@pytest.mark.parametrize("alg", ["RS256", "PS256"])
async def test_the_forgery_is_not_verified_even_for_a_trusted_issuer(attacker, alg, typ, kid):
    token = forged(attacker, alg, typ, kid)
    trusted = parse_trust_list([{"did": ISSUER.controller, "name": "Example University"}])
    for report in (await verify(token, now=NOW),
                   await verify(token, now=NOW, trusted_issuers=trusted)):
        assert not report.verified, report.to_json()
        assert "issuer_mismatch" in failed_codes(report)
        assert report.credential["achievement"]  # the badge is still shown, as not verified


@pytest.mark.parametrize("typ", ["JWT", "vc+jwt"])
async def test_the_forgery_inside_a_presentation_is_not_verified(attacker, typ):
    token = forged(attacker, "RS256", typ, "none")
    vp = sign_presentation_jwt([token], key=HOLDER, nonce=NONCE, audience=AUD, now=NOW)

    async def verify_one(document):
        return await verify(document, now=NOW)

    report = await verify_presentation_jwt(vp, nonce=NONCE, audience=AUD,
                                           resolver=default_resolver(),
                                           verify_credential=verify_one, now=NOW)
    assert report.check("presentation_proof").outcome is Outcome.PASSED
    assert not report.verified
    assert not report.credentials[0].verified
    assert "issuer_mismatch" in failed_codes(report.credentials[0])


@pytest.mark.parametrize("kid", ["none", "holder"])
@pytest.mark.parametrize("alg", ["RS256", "PS256"])
async def test_an_attackers_jwk_does_not_speak_for_the_holder(attacker, alg, kid):
    honest = sign_vc_jwt(badge(ISSUER.controller), key=ISSUER, now=ISSUED)
    claims = {"iss": HOLDER.controller, "aud": AUD, "nonce": NONCE, "iat": int(NOW.timestamp()),
              "vp": {"@context": ["https://www.w3.org/2018/credentials/v1"],
                     "type": ["VerifiablePresentation"], "holder": HOLDER.controller,
                     "verifiableCredential": [honest]}}
    header: dict[str, Any] = {"alg": alg, "typ": "JWT", "jwk": rsa_jwk(attacker)}
    if kid == "holder":
        header["kid"] = HOLDER.verification_method
    vp = hand_token(header, claims, rsa_signer(attacker, alg))

    async def verify_one(document):
        return await verify(document, now=NOW)

    report = await verify_presentation_jwt(vp, nonce=NONCE, audience=AUD,
                                           resolver=default_resolver(),
                                           verify_credential=verify_one, now=NOW)
    assert not report.verified
    assert report.check("presentation_proof").code == "holder_mismatch"
    assert report.check("holder").code == "holder_mismatch"
    assert report.holder is None


# --- keys bound to the issuer ---------------------------------------------------------------


@pytest.mark.parametrize("form", ["kid", "jwk", "kid+jwk"])
@pytest.mark.parametrize("alg", ["RS256", "PS256"])
async def test_an_rsa_did_jwk_issuer_verifies(attacker, alg, form):
    # The "attacker" key is honest here: it is the key its own did:jwk issuer encodes.
    issuer = attacker_did(attacker)
    header: dict[str, Any] = {"alg": alg, "typ": "JWT"}
    if "kid" in form:
        header["kid"] = issuer + "#0"
    if "jwk" in form:
        header["jwk"] = rsa_jwk(attacker)
    token = hand_token(header, claims_for(badge(issuer), "JWT"), rsa_signer(attacker, alg))
    result = await verify_jwt(token)
    assert (result.controller, result.verification_method) == (issuer, issuer + "#0")
    report = await verify(token, now=NOW)
    assert report.verified, report.to_json()


@pytest.mark.parametrize("key", [ISSUER, HOLDER], ids=["Ed25519", "P-256"])
@pytest.mark.parametrize("with_kid", [False, True])
async def test_a_jwk_header_holding_the_issuers_did_key_passes(key, with_kid):
    header: dict[str, Any] = {"alg": key.jose_alg, "typ": "JWT",
                              "jwk": public_key_to_jwk(key.public_key)}
    if with_kid:
        header["kid"] = key.verification_method
    token = hand_token(header, claims_for(badge(key.controller), "JWT"), key.sign)
    result = await verify_jwt(token)
    assert result.controller == key.controller
    assert result.verification_method == key.verification_method
    report = await verify(token, now=NOW)
    assert report.verified, report.to_json()


async def test_a_jwk_header_holding_another_did_key_fails():
    header = {"alg": "EdDSA", "typ": "JWT", "jwk": public_key_to_jwk(OTHER.public_key)}
    await refused(hand_token(header, claims_for(badge(ISSUER.controller), "JWT"), OTHER.sign))


async def test_a_jwk_header_beside_the_issuers_kid_must_be_that_key():
    header = {"alg": "EdDSA", "kid": ISSUER.verification_method,
              "jwk": public_key_to_jwk(OTHER.public_key)}
    await refused(hand_token(header, claims_for(badge(ISSUER.controller), "JWT"), ISSUER.sign))


@pytest.mark.parametrize("kid", [OTHER.verification_method, did_jwk_from_public_key(
    OTHER.public_key) + "#0", "did:key:" + OTHER.public_key.to_multikey()])
async def test_a_kid_of_another_did_fails(kid):
    header = {"alg": "EdDSA", "kid": kid}
    await refused(hand_token(header, claims_for(badge(ISSUER.controller), "JWT"), OTHER.sign))


async def test_a_credential_without_an_issuer_binds_no_key():
    claims = claims_for(badge(ISSUER.controller), "JWT")
    del claims["iss"], claims["vc"]["issuer"]
    header = {"alg": "EdDSA", "kid": ISSUER.verification_method}
    await refused(hand_token(header, claims, ISSUER.sign))


async def test_an_issuer_that_is_no_did_binds_no_key():
    issuer = "urn:uuid:8c4f2f7e-6b0a-4f5e-9d7c-3b2a1f0e9d8c"
    header = {"alg": "EdDSA", "jwk": public_key_to_jwk(ISSUER.public_key)}
    await refused(hand_token(header, claims_for(badge(issuer), "JWT"), ISSUER.sign))

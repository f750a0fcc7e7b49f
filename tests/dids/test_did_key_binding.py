"""One key, one identifier: minimal multicodec varints for did:key, and RSA keys in did:jwk
and DID documents."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from vcbadges import verify
from vcbadges.credentials.sample import sample_badge
from vcbadges.dids.jwk import did_jwk_document, did_jwk_from_public_key
from vcbadges.dids.key import did_key_document, public_key_from_did_key
from vcbadges.dids.resolver import StaticResolver, default_resolver, resolve_verification_method
from vcbadges.errors import DIDResolutionError, KeyFormatError, VCBadgesError
from vcbadges.primitives import multibase, multicodec
from vcbadges.primitives.keys import Ed25519SigningKey, RSAPublicKey
from vcbadges.proofs import _jws
from vcbadges.proofs.jose import sign_vc_jwt, verify_jwt_credential

KEY = Ed25519SigningKey.from_seed(bytes(range(32)))
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def non_minimal_did_key() -> str:
    # 0xed as "ed 81 00": the same code with a needless zero continuation byte.
    return "did:key:" + multibase.encode(b"\xed\x81\x00" + KEY.public_key.raw)


@pytest.fixture(scope="module")
def rsa_public() -> RSAPublicKey:
    numbers = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key(
    ).public_numbers()
    return RSAPublicKey(numbers.n, numbers.e)


def test_the_minimal_varint_is_the_only_one():
    assert multicodec.split_prefix(b"\xed\x01" + KEY.public_key.raw)[0] == multicodec.ED25519_PUB
    for header in (b"\xed\x81\x00", b"\xed\x81\x80\x00", b"\x80\x00"):
        with pytest.raises(KeyFormatError) as info:
            multicodec.split_prefix(header + KEY.public_key.raw)
        assert info.value.code == "invalid_multicodec"


async def test_a_non_minimal_did_key_is_refused():
    did = non_minimal_did_key()
    assert did != KEY.controller
    for decode in (public_key_from_did_key, did_key_document):
        with pytest.raises(DIDResolutionError) as info:
            decode(did)
        assert info.value.code == "invalid_did"
    with pytest.raises(DIDResolutionError):
        await default_resolver().resolve(did)


async def test_a_credential_from_a_non_minimal_did_key_does_not_verify():
    did = non_minimal_did_key()
    key = KEY.with_verification_method(f"{did}#{did.removeprefix('did:key:')}")
    credential = sample_badge(issuer=did, subject="did:example:learner",
                              valid_from=NOW - timedelta(days=1)).to_json()
    token = sign_vc_jwt(credential, key=key, now=NOW)
    with pytest.raises(VCBadgesError) as info:
        await verify_jwt_credential(token, resolver=default_resolver(), now=NOW,
                                    skew=timedelta(minutes=5))
    assert info.value.code == "invalid_did"
    assert not (await verify(token, now=NOW)).verified


async def test_an_rsa_did_jwk_resolves(rsa_public):
    did = did_jwk_from_public_key(rsa_public)
    jwk = json.loads(base64.urlsafe_b64decode(did.removeprefix("did:jwk:") + "=="))
    assert jwk == {"kty": "RSA", "n": jwk["n"], "e": "AQAB"}
    method = await resolve_verification_method(default_resolver(), f"{did}#0",
                                               purpose="assertionMethod")
    assert method.public_key == rsa_public
    assert did_jwk_document(did).raw["verificationMethod"][0]["publicKeyJwk"] == jwk


def _did_jwk(jwk: dict) -> str:
    return "did:jwk:" + b64(json.dumps(jwk).encode())


def _n(key: RSAPublicKey, bits: int = 2048) -> str:
    shortened = key.n >> (2048 - bits)
    return b64(shortened.to_bytes(bits // 8, "big"))


@pytest.mark.parametrize("make", [
    lambda key: {"kty": "RSA", "n": _n(key, 1024), "e": "AQAB"},
    lambda key: {"kty": "RSA", "n": _n(key), "e": "AQAB", "d": "AQAB"},
    lambda key: {"kty": "RSA", "n": _n(key) + "=", "e": "AQAB"},
    lambda key: {"kty": "RSA", "n": _n(key), "e": b64(b"\x01" * 8)},
    lambda key: {"kty": "RSA", "n": _n(key)},
], ids=["weak", "private", "padded", "huge-exponent", "no-exponent"])
def test_unusable_rsa_did_jwks_do_not_resolve(rsa_public, make):
    with pytest.raises(DIDResolutionError) as info:
        did_jwk_document(_did_jwk(make(rsa_public)))
    assert info.value.code == "invalid_did"


async def test_rsa_verification_methods_in_a_did_document(rsa_public):
    did = "did:web:rsa.example"
    jwk = {"kty": "RSA", "n": _n(rsa_public), "e": "AQAB"}
    ec_key = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    ec_jwk = {"kty": "EC", "crv": "P-256", "x": b64(ec_key.x.to_bytes(32, "big")),
              "y": b64(ec_key.y.to_bytes(32, "big"))}
    methods = [{"id": f"{did}#{name}", "type": kind, "controller": did, "publicKeyJwk": key}
               for name, kind, key in (("jwk", "JsonWebKey2020", jwk),
                                       ("2018", "RsaVerificationKey2018", jwk),
                                       ("not-rsa", "RsaVerificationKey2018", ec_jwk))]
    resolver = StaticResolver({did: {"id": did, "verificationMethod": methods,
                                     "assertionMethod": [m["id"] for m in methods]}})
    for name in ("jwk", "2018"):
        method = await resolve_verification_method(resolver, f"{did}#{name}",
                                                   purpose="assertionMethod")
        assert method.public_key == rsa_public
    with pytest.raises(KeyFormatError) as info:
        await resolve_verification_method(resolver, f"{did}#not-rsa", purpose="assertionMethod")
    assert info.value.code == "invalid_verification_method"


def test_the_jose_core_names_a_weak_rsa_key(rsa_public):
    jwk = {"kty": "RSA", "n": _n(rsa_public, 1024), "e": "AQAB"}
    with pytest.raises(VCBadgesError) as info:
        _jws.embedded_public_key(jwk)
    assert info.value.code == "jwt_weak_rsa_key"

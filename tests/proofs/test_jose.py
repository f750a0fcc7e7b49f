"""VC-JWT (Open Badges 3.0) and vc+jwt (VC-JOSE-COSE): sign, verify, and every refusal code.

Tokens for the negative cases are built by hand here (base64url, JSON and our keys' raw
signatures, or ``cryptography`` for RSA), not with jwcrypto, so the verifier is checked
against an encoder it does not share.
"""

from __future__ import annotations

import base64
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from vcbadges.credentials.sample import sample_badge
from vcbadges.dids.jwk import did_jwk_from_public_key
from vcbadges.dids.resolver import StaticResolver, default_resolver
from vcbadges.errors import (
    CredentialError,
    DIDResolutionError,
    InvalidProof,
    ProofError,
    VCBadgesError,
)
from vcbadges.primitives.jwk import public_key_to_jwk
from vcbadges.primitives.keys import Ed25519SigningKey, P256SigningKey
from vcbadges.proofs import _jws
from vcbadges.proofs.jose import (
    VerifiedJWT,
    enveloped_credential,
    sign_vc_jose,
    sign_vc_jwt,
    token_from_envelope,
    verify_jwt_credential,
)

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
ISSUED = NOW - timedelta(days=1)
SKEW = timedelta(minutes=5)
SUBJECT = "did:example:learner-17"
ED = Ed25519SigningKey.from_seed(bytes(range(32)))
P256 = P256SigningKey.from_scalar(bytes(range(2, 34)))
RSA_DID = "did:web:rsa.example"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64json(value: Any) -> str:
    return b64(json.dumps(value).encode("utf-8"))


def hand_token(header: dict[str, Any], claims: Any, sign) -> str:
    """A compact JWS whose signature comes from ``sign(signing_input) -> bytes``."""
    signing_input = f"{b64json(header)}.{b64json(claims)}"
    return f"{signing_input}.{b64(sign(signing_input.encode('ascii')))}"


def badge(issuer: str, **extra: Any) -> dict[str, Any]:
    credential = sample_badge(issuer=issuer, subject=SUBJECT, valid_from=ISSUED).to_json()
    credential.update(extra)
    return credential


def registered_claims(credential: dict[str, Any]) -> dict[str, Any]:
    return {"iss": credential["issuer"]["id"], "sub": SUBJECT, "nbf": int(ISSUED.timestamp()),
            "jti": credential["id"], "iat": int(NOW.timestamp())}


def vc_jwt_claims(credential: dict[str, Any]) -> dict[str, Any]:
    """The VCDM 1.1 form: the credential in the vc claim."""
    return registered_claims(credential) | {"vc": credential}


def ob_jwt_claims(credential: dict[str, Any]) -> dict[str, Any]:
    """The form OB 3.0 gives for VCDM 2.0: the credential is the payload."""
    return credential | registered_claims(credential)


def vcdm11(credential: dict[str, Any]) -> dict[str, Any]:
    """``credential`` as a VCDM 1.1 document (v1 context, issuanceDate)."""
    v1 = dict(credential)
    v1["@context"] = ["https://www.w3.org/2018/credentials/v1",
                      "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    v1["issuanceDate"] = v1.pop("validFrom")
    return v1


async def verify(token: str, resolver: Any = None) -> VerifiedJWT:
    return await verify_jwt_credential(token, resolver=resolver or default_resolver(),
                                       now=NOW, skew=SKEW)


async def refused(token: str, code: str, resolver: Any = None) -> VCBadgesError:
    with pytest.raises(VCBadgesError) as info:
        await verify(token, resolver)
    assert info.value.code == code, info.value.message
    return info.value


# --- round trips --------------------------------------------------------------------------


@pytest.mark.parametrize("key", [ED, P256], ids=["Ed25519", "P-256"])
async def test_vc_jwt_round_trip(key):
    """A VCDM 2.0 credential is the payload, beside the registered claims (OB 3.0 as revised
    for VCDM 2.0)."""
    credential = badge(key.controller)
    token = sign_vc_jwt(credential, key=key, now=NOW)
    result = await verify(token)
    assert result.format == "ob-jwt"
    assert result.credential == credential
    assert result.header == {"alg": key.jose_alg, "typ": "JWT", "kid": key.verification_method}
    assert result.claims == ob_jwt_claims(credential)
    assert result.verification_method == key.verification_method
    assert result.controller == key.controller


@pytest.mark.parametrize("key", [ED, P256], ids=["Ed25519", "P-256"])
async def test_vcdm_1_1_vc_jwt_round_trip(key):
    """A VCDM 1.1 credential keeps the vc claim."""
    credential = vcdm11(badge(key.controller))
    result = await verify(sign_vc_jwt(credential, key=key, now=NOW))
    assert result.format == "vc-jwt"
    assert result.credential == credential
    assert result.claims == vc_jwt_claims(credential)


async def test_a_vcdm2_credential_in_the_vc_claim_still_verifies():
    """Tokens of the earlier text's form (a VCDM 2.0 credential in vc) are read as before."""
    credential = badge(ED.controller)
    header = {"alg": "EdDSA", "typ": "JWT", "kid": ED.verification_method}
    result = await verify(hand_token(header, vc_jwt_claims(credential), ED.sign))
    assert (result.format, result.credential) == ("vc-jwt", credential)


@pytest.mark.parametrize("key", [ED, P256], ids=["Ed25519", "P-256"])
async def test_vc_jose_round_trip(key):
    credential = badge(key.controller)
    token = sign_vc_jose(credential, key=key, now=NOW)
    result = await verify(token)
    assert result.format == "vc+jwt"
    assert result.header == {"alg": key.jose_alg, "kid": key.verification_method,
                             "typ": "vc+jwt", "cty": "vc"}
    assert result.claims == {**credential, "iat": int(NOW.timestamp())}
    assert result.credential == credential  # iat is a JWT claim, not part of the credential
    assert result.controller == key.controller


@pytest.mark.parametrize("key", [ED, P256], ids=["Ed25519", "P-256"])
def test_signed_tokens_verify_with_another_implementation(key):
    from jwcrypto import jwk, jws

    for token in (sign_vc_jwt(badge(key.controller), key=key, now=NOW),
                  sign_vc_jose(badge(key.controller), key=key, now=NOW)):
        checked = jws.JWS()
        checked.deserialize(token)
        checked.verify(jwk.JWK(**public_key_to_jwk(key.public_key)), alg=key.jose_alg)
        assert json.loads(checked.payload)["iat"] == int(NOW.timestamp())


def test_signing_refuses_a_header_naming_another_algorithm():
    with pytest.raises(ValueError):
        _jws.sign_compact({"alg": "ES256"}, {}, ED)


async def test_signing_leaves_out_an_embedded_proof_and_maps_valid_until():
    until = NOW + timedelta(days=365)
    credential = badge(ED.controller, validUntil=until.strftime("%Y-%m-%dT%H:%M:%SZ"),
                       proof={"type": "DataIntegrityProof"})
    result = await verify(sign_vc_jwt(credential, key=ED, now=NOW))
    assert "proof" not in result.claims and "proof" not in result.credential
    assert result.claims["exp"] == int(until.timestamp())
    assert result.credential["validUntil"] == credential["validUntil"]
    assert "proof" in credential  # the input is not mutated


async def test_vcdm_1_1_dates_map_to_nbf_and_exp():
    credential = vcdm11(badge(ED.controller))
    credential["issuanceDate"] = "2024-01-01T00:00:00Z"
    credential["expirationDate"] = "2030-01-01T00:00:00Z"
    result = await verify(sign_vc_jwt(credential, key=ED, now=NOW))
    assert result.format == "vc-jwt"
    assert result.claims["nbf"] == int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
    assert result.claims["exp"] == int(datetime(2030, 1, 1, tzinfo=UTC).timestamp())


async def test_claims_fill_what_the_vc_leaves_out():
    credential = badge(ED.controller)
    vc = {k: v for k, v in credential.items() if k not in ("validFrom", "id", "issuer")}
    vc["credentialSubject"] = {k: v for k, v in credential["credentialSubject"].items()
                               if k != "id"}
    claims = vc_jwt_claims(credential) | {"vc": vc}
    header = {"alg": "EdDSA", "typ": "JWT", "kid": ED.verification_method}
    result = await verify(hand_token(header, claims, ED.sign))
    assert result.credential["validFrom"] == credential["validFrom"]
    assert result.credential["issuer"] == ED.controller
    assert result.credential["id"] == credential["id"]
    assert result.credential["credentialSubject"]["id"] == SUBJECT
    assert result.claims["vc"] == vc  # the claims stay as signed


async def test_kid_relative_to_the_issuer_did():
    credential = badge(ED.controller)
    header = {"alg": "EdDSA", "kid": "#" + ED.verification_method.split("#")[1]}
    result = await verify(hand_token(header, vc_jwt_claims(credential), ED.sign))
    assert result.verification_method == ED.verification_method
    assert result.controller == ED.controller


# --- RSA (RS256 is the Open Badges 3.0 minimum) ---------------------------------------------


def rsa_resolver(public: rsa.RSAPublicKey, *, authorized: bool = True,
                 **jwk_extra: str) -> StaticResolver:
    numbers = public.public_numbers()
    jwk = {"kty": "RSA", "n": b64(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
           "e": b64(numbers.e.to_bytes(3, "big")), **jwk_extra}
    vm = {"id": f"{RSA_DID}#rsa-1", "type": "JsonWebKey2020", "controller": RSA_DID,
          "publicKeyJwk": jwk}
    doc: dict[str, Any] = {"id": RSA_DID, "verificationMethod": [vm]}
    if authorized:
        doc["assertionMethod"] = [vm["id"]]
    return StaticResolver({RSA_DID: doc})


@pytest.fixture(scope="module")
def rsa2048() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def rs256(private: rsa.RSAPrivateKey):
    return lambda data: private.sign(data, padding.PKCS1v15(), hashes.SHA256())


def ps256(private: rsa.RSAPrivateKey):
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    return lambda data: private.sign(data, pss, hashes.SHA256())


@pytest.mark.parametrize("alg", ["RS256", "PS256"])
async def test_rsa_key_from_a_did_document(rsa2048, alg):
    credential = badge(RSA_DID)
    header = {"alg": alg, "typ": "JWT", "kid": f"{RSA_DID}#rsa-1"}
    sign = rs256(rsa2048) if alg == "RS256" else ps256(rsa2048)
    token = hand_token(header, vc_jwt_claims(credential), sign)
    result = await verify(token, rsa_resolver(rsa2048.public_key()))
    assert result.credential == credential
    assert result.controller == RSA_DID
    assert result.verification_method == f"{RSA_DID}#rsa-1"


async def test_rsa_signature_checked(rsa2048):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    header = {"alg": "RS256", "kid": f"{RSA_DID}#rsa-1"}
    token = hand_token(header, vc_jwt_claims(badge(RSA_DID)), rs256(other))
    await refused(token, "invalid_signature", rsa_resolver(rsa2048.public_key()))


async def test_rsa_key_under_2048_bits_is_refused():
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    header = {"alg": "RS256", "kid": f"{RSA_DID}#rsa-1"}
    token = hand_token(header, vc_jwt_claims(badge(RSA_DID)), rs256(weak))
    await refused(token, "jwt_weak_rsa_key", rsa_resolver(weak.public_key()))


async def test_rsa_key_must_be_an_assertion_method(rsa2048):
    header = {"alg": "RS256", "kid": f"{RSA_DID}#rsa-1"}
    token = hand_token(header, vc_jwt_claims(badge(RSA_DID)), rs256(rsa2048))
    error = await refused(token, "verification_method_not_authorized",
                          rsa_resolver(rsa2048.public_key(), authorized=False))
    assert isinstance(error, DIDResolutionError)


async def test_rsa_key_published_for_another_alg(rsa2048):
    header = {"alg": "RS256", "kid": f"{RSA_DID}#rsa-1"}
    token = hand_token(header, vc_jwt_claims(badge(RSA_DID)), rs256(rsa2048))
    await refused(token, "jwt_alg_key_mismatch", rsa_resolver(rsa2048.public_key(), alg="PS256"))


# --- algorithms and keys --------------------------------------------------------------------


async def test_alg_none_is_refused():
    claims = vc_jwt_claims(badge(ED.controller))
    token = f"{b64json({'alg': 'none', 'typ': 'JWT'})}.{b64json(claims)}."
    error = await refused(token, "jwt_alg_none")
    assert type(error) is ProofError


@pytest.mark.parametrize("alg", ["HS256", "ES384", "RS512", "Ed25519", ""])
async def test_algorithms_outside_the_allow_list(alg):
    header = {"alg": alg, "kid": ED.verification_method}
    token = hand_token(header, vc_jwt_claims(badge(ED.controller)), ED.sign)
    await refused(token, "jwt_alg_unsupported")


@pytest.mark.parametrize(("alg", "key"), [("EdDSA", P256), ("ES256", ED), ("RS256", P256)])
async def test_alg_must_fit_the_key_type(alg, key):
    header = {"alg": alg, "kid": key.verification_method}
    token = hand_token(header, vc_jwt_claims(badge(key.controller)), key.sign)
    await refused(token, "jwt_alg_key_mismatch")


async def test_no_key_named():
    claims = vc_jwt_claims(badge(ED.controller))
    await refused(hand_token({"alg": "EdDSA"}, claims, ED.sign), "jwt_no_key")
    await refused(hand_token({"alg": "EdDSA", "kid": "key-1"}, claims, ED.sign), "jwt_no_key")


async def test_embedded_jwk_header():
    did = did_jwk_from_public_key(ED.public_key)
    credential = badge(did)
    header = {"alg": "EdDSA", "typ": "JWT", "jwk": public_key_to_jwk(ED.public_key)}
    result = await verify(hand_token(header, vc_jwt_claims(credential), ED.sign))
    assert result.controller == did
    assert result.verification_method == f"{did}#0"


async def test_embedded_jwk_controller_follows_the_issuers_did_jwk_spelling():
    # The same key, its JWK members in another order: a different did:jwk string.
    jwk = public_key_to_jwk(P256.public_key)
    reordered = {name: jwk[name] for name in ("y", "x", "crv", "kty")}
    did = "did:jwk:" + b64(json.dumps(reordered, separators=(",", ":")).encode())
    assert did != did_jwk_from_public_key(P256.public_key)
    header = {"alg": "ES256", "jwk": jwk}
    result = await verify(hand_token(header, vc_jwt_claims(badge(did)), P256.sign))
    assert result.controller == did


def rsa_jwk(private: rsa.RSAPrivateKey) -> dict[str, str]:
    numbers = private.public_key().public_numbers()
    return {"kty": "RSA", "n": b64(numbers.n.to_bytes(256, "big")), "e": "AQAB"}


async def test_embedded_rsa_jwk_the_issuer_lists(rsa2048):
    header = {"alg": "RS256", "jwk": rsa_jwk(rsa2048)}
    token = hand_token(header, vc_jwt_claims(badge(RSA_DID)), rs256(rsa2048))
    result = await verify(token, rsa_resolver(rsa2048.public_key()))
    assert result.controller == RSA_DID
    assert result.verification_method == f"{RSA_DID}#rsa-1"


async def test_embedded_rsa_jwk_the_issuer_does_not_list(rsa2048):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    header = {"alg": "RS256", "jwk": rsa_jwk(other)}
    token = hand_token(header, vc_jwt_claims(badge(RSA_DID)), rs256(other))
    await refused(token, "issuer_mismatch", rsa_resolver(rsa2048.public_key()))
    # Listed, but not for assertionMethod: not a key the issuer asserts with.
    token = hand_token(header | {"jwk": rsa_jwk(rsa2048)}, vc_jwt_claims(badge(RSA_DID)),
                       rs256(rsa2048))
    await refused(token, "issuer_mismatch", rsa_resolver(rsa2048.public_key(), authorized=False))


async def test_embedded_private_jwk_is_refused():
    jwk = public_key_to_jwk(ED.public_key) | {"d": b64(ED.private_bytes())}
    token = hand_token({"alg": "EdDSA", "jwk": jwk}, vc_jwt_claims(badge(ED.controller)), ED.sign)
    await refused(token, "malformed_jwt")


@pytest.mark.parametrize("signer", ["other", "issuer"])
async def test_a_kid_from_another_did_is_not_the_issuers_key(signer):
    other = Ed25519SigningKey.from_seed(bytes(range(1, 33)))
    header = {"alg": "EdDSA", "kid": other.verification_method}
    key = other if signer == "other" else ED
    token = hand_token(header, vc_jwt_claims(badge(ED.controller)), key.sign)
    error = await refused(token, "issuer_mismatch")
    assert type(error) is ProofError


# --- signatures -----------------------------------------------------------------------------


async def test_tampered_payload():
    token = sign_vc_jwt(badge(ED.controller), key=ED, now=NOW)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["result"][0]["value"] = "A+"
    error = await refused(f"{header}.{b64json(claims)}.{signature}", "invalid_signature")
    assert isinstance(error, InvalidProof)


@pytest.mark.parametrize("key", [ED, P256], ids=["Ed25519", "P-256"])
async def test_tampered_signature(key):
    token = sign_vc_jose(badge(key.controller), key=key, now=NOW)
    head, _, signature = token.rpartition(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[5] ^= 1
    await refused(head + "." + b64(bytes(raw)), "invalid_signature")
    await refused(head + "." + b64(bytes(raw) + bytes(1)), "invalid_signature")


# --- claims against the credential ----------------------------------------------------------


@pytest.mark.parametrize("change", [
    {"iss": "did:example:someone-else"},
    {"jti": "urn:uuid:00000000-0000-0000-0000-000000000000"},
    {"sub": "did:example:another-learner"},
    {"nbf": int(ISSUED.timestamp()) + 3600},
], ids=["iss", "jti", "sub", "nbf"])
async def test_claims_must_match_the_credential(change):
    claims = vc_jwt_claims(badge(ED.controller)) | change
    token = hand_token({"alg": "EdDSA", "kid": ED.verification_method}, claims, ED.sign)
    await refused(token, "jwt_claims_mismatch")


@pytest.mark.parametrize("change", [
    {"iss": "did:example:someone-else"},
    {"jti": "urn:uuid:00000000-0000-0000-0000-000000000000"},
    {"sub": "did:example:another-learner"},
    {"nbf": int(ISSUED.timestamp()) + 3600},
    {"exp": int(datetime(2031, 1, 1, tzinfo=UTC).timestamp())},
], ids=["iss", "jti", "sub", "nbf", "exp-without-validUntil"])
async def test_payload_form_claims_must_match_the_credential(change):
    claims = ob_jwt_claims(badge(ED.controller)) | change
    token = hand_token({"alg": "EdDSA", "typ": "JWT", "kid": ED.verification_method},
                       claims, ED.sign)
    await refused(token, "jwt_claims_mismatch")


@pytest.mark.parametrize("drop", [
    ("id",), ("validFrom",), ("credentialSubject", "id"),
], ids=["jti-without-id", "nbf-without-validFrom", "sub-without-subject-id"])
async def test_payload_form_claims_must_name_a_member_the_credential_has(drop):
    """A claim is never taken in place of a member the credential lacks: a JWT reader and a
    credential reader must see the same credential."""
    credential = badge(ED.controller)
    claims = ob_jwt_claims(credential)
    if len(drop) == 1:
        del claims[drop[0]]
    else:
        claims[drop[0]] = {k: v for k, v in claims[drop[0]].items() if k != drop[1]}
    token = hand_token({"alg": "EdDSA", "typ": "JWT", "kid": ED.verification_method},
                       claims, ED.sign)
    await refused(token, "jwt_claims_mismatch")


async def test_payload_form_valid_until_and_exp_agree():
    credential = badge(ED.controller, validUntil="2030-01-01T00:00:00Z")
    result = await verify(sign_vc_jwt(credential, key=ED, now=NOW))
    assert result.claims["exp"] == int(datetime(2030, 1, 1, tzinfo=UTC).timestamp())
    claims = result.claims | {"exp": int(datetime(2031, 1, 1, tzinfo=UTC).timestamp())}
    token = hand_token({"alg": "EdDSA", "typ": "JWT", "kid": ED.verification_method},
                       claims, ED.sign)
    await refused(token, "jwt_claims_mismatch")


@pytest.mark.parametrize("vc", [{}, "elsewhere", None], ids=["object", "string", "null"])
async def test_a_payload_credential_beside_a_vc_claim_is_refused(vc):
    """Two credentials in one token: which one a reader takes would be up to the reader."""
    credential = badge(ED.controller)
    other = badge(ED.controller, name="Something else")
    claims = ob_jwt_claims(credential) | {"vc": other if vc == {} else vc}
    token = hand_token({"alg": "EdDSA", "typ": "JWT", "kid": ED.verification_method},
                       claims, ED.sign)
    await refused(token, "jwt_two_credentials")


def test_signing_refuses_a_vcdm2_credential_with_members_named_like_claims():
    for name in ("iss", "nbf", "vc"):
        with pytest.raises(CredentialError):
            sign_vc_jwt(badge(ED.controller, **{name: "x"}), key=ED, now=NOW)


async def test_exp_must_match_valid_until():
    credential = badge(ED.controller, validUntil="2030-01-01T00:00:00Z")
    claims = vc_jwt_claims(credential) | {"exp": int(datetime(2031, 1, 1, tzinfo=UTC).timestamp())}
    token = hand_token({"alg": "EdDSA", "kid": ED.verification_method}, claims, ED.sign)
    await refused(token, "jwt_claims_mismatch")


async def test_vc_jose_iss_must_match_the_issuer():
    claims = badge(ED.controller) | {"iss": "did:example:someone-else"}
    token = hand_token({"alg": "EdDSA", "kid": ED.verification_method, "typ": "vc+jwt"},
                       claims, ED.sign)
    await refused(token, "jwt_claims_mismatch")


async def test_an_expired_vc_jwt_is_left_to_the_validity_check():
    credential = badge(ED.controller, validUntil="2025-02-01T00:00:00Z")
    result = await verify(sign_vc_jwt(credential, key=ED, now=NOW))
    assert result.claims["exp"] < NOW.timestamp()


async def test_signature_times():
    header = {"alg": "EdDSA", "kid": ED.verification_method, "typ": "vc+jwt"}
    later = int((NOW + timedelta(hours=1)).timestamp())
    earlier = int((NOW - timedelta(hours=1)).timestamp())
    credential = badge(ED.controller)
    await refused(hand_token(header, credential | {"iat": later}, ED.sign),
                  "proof_created_in_future")
    await refused(hand_token(header, credential | {"exp": earlier}, ED.sign), "proof_expired")
    within_skew = int((NOW + timedelta(minutes=4)).timestamp())
    await verify(hand_token(header, credential | {"iat": within_skew}, ED.sign))
    last_second = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())
    await verify(hand_token(header, credential | {"exp": last_second}, ED.sign))


# --- malformed and foreign tokens -----------------------------------------------------------


DUPLICATE_ALG = b'{"alg":"EdDSA","alg":"none"}'


def _good() -> str:
    return sign_vc_jwt(badge(ED.controller), key=ED, now=NOW)


@pytest.mark.parametrize("make", [
    lambda: ".".join(_good().split(".")[:2]),
    lambda: _good() + ".x.y",
    lambda: "eyJ!" + _good()[4:],
    lambda: " " + _good(),
    lambda: _good().replace(".", "=.", 1),
    lambda: hand_token({"alg": "EdDSA", "kid": ED.verification_method}, [1, 2], ED.sign),
    lambda: hand_token({"alg": "EdDSA", "kid": ED.verification_method}, "vc", ED.sign),
    lambda: f"{b64(b'not json')}.{_good().split('.', 1)[1]}",
    lambda: f"{b64(b'[1]')}.{_good().split('.', 1)[1]}",
    lambda: b64(DUPLICATE_ALG) + "." + _good().split(".", 1)[1],
    lambda: json.dumps({"payload": "e30", "protected": "e30", "signature": ""}),
    lambda: "",
    lambda: "a.b.c.d",
    lambda: b64json({"alg": "EdDSA"}) + "." + b64(b'{"a":' * 100_000 + b"1" + b"}" * 100_000)
    + ".AAAA",
], ids=["two-parts", "jwe-five-parts", "bad-base64", "whitespace", "padding", "array-payload",
        "string-payload", "header-not-json", "header-array", "duplicate-member",
        "json-serialization", "empty", "four-parts", "deeply-nested"])
async def test_malformed_tokens(make):
    await refused(make(), "malformed_jwt")


async def test_non_canonical_base64url_is_refused():
    token = _good()
    head, _, signature = token.rpartition(".")
    # 64 bytes leave 4 unused bits in the last character; set one of them.
    last = signature[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twisted = signature[:-1] + alphabet[alphabet.index(last) | 1]
    assert twisted != signature
    await refused(f"{head}.{twisted}", "malformed_jwt")


async def test_claims_of_the_wrong_json_type():
    claims = vc_jwt_claims(badge(ED.controller))
    header = {"alg": "EdDSA", "kid": ED.verification_method}
    for change in ({"nbf": "2025-01-01"}, {"nbf": True}, {"iat": 1e300}, {"iat": 10**400},
                   {"exp": -10**12}, {"vc": []}, {"iss": 7}):
        await refused(hand_token(header, claims | change, ED.sign), "malformed_jwt")
    await refused("not a token", "malformed_jwt")
    await refused(b"a.b.c", "malformed_jwt")  # type: ignore[arg-type]


@pytest.mark.parametrize("typ", ["vp+jwt", "openid4vci-proof+jwt", "dc+sd-jwt", "kb+jwt"])
async def test_other_jwt_types_are_not_credentials(typ):
    header = {"alg": "EdDSA", "kid": ED.verification_method, "typ": typ}
    token = hand_token(header, vc_jwt_claims(badge(ED.controller)), ED.sign)
    await refused(token, "jwt_wrong_type")


async def test_vc_jose_refuses_a_vc_claim_and_a_foreign_cty():
    credential = badge(ED.controller)
    header = {"alg": "EdDSA", "kid": ED.verification_method, "typ": "vc+jwt"}
    await refused(hand_token(header, credential | {"vc": {}}, ED.sign), "malformed_jwt")
    await refused(hand_token(header | {"cty": "vp"}, credential, ED.sign), "jwt_wrong_type")
    typed = header | {"typ": "application/VC+JWT", "cty": "application/vc"}
    assert (await verify(hand_token(typed, credential, ED.sign))).format == "vc+jwt"


async def test_critical_extensions_and_unencoded_payloads_are_refused():
    claims = vc_jwt_claims(badge(ED.controller))
    header = {"alg": "EdDSA", "kid": ED.verification_method}
    await refused(hand_token(header | {"crit": ["exp"], "exp": 1}, claims, ED.sign),
                  "jwt_crit_unsupported")
    await refused(hand_token(header | {"b64": False}, claims, ED.sign), "malformed_jwt")


async def test_random_corruption_raises_only_vcbadges_errors():
    token = sign_vc_jwt(badge(P256.controller), key=P256, now=NOW)
    rng = random.Random(20250301)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ {}\""
    for _ in range(400):
        chars = list(token)
        for _ in range(rng.randint(1, 4)):
            chars[rng.randrange(len(chars))] = rng.choice(alphabet)
        corrupted = "".join(chars)
        if corrupted == token:
            continue
        with pytest.raises(VCBadgesError):
            await verify(corrupted)


# --- envelopes ------------------------------------------------------------------------------


def test_envelope_round_trip():
    token = _good()
    envelope = enveloped_credential(token)
    assert envelope == {"@context": "https://www.w3.org/ns/credentials/v2",
                        "id": "data:application/vc+jwt," + token,
                        "type": "EnvelopedVerifiableCredential"}
    assert token_from_envelope(envelope) == token
    generic = envelope | {"id": "data:application/jwt," + token,
                          "type": ["EnvelopedVerifiableCredential"]}
    assert token_from_envelope(generic) == token


@pytest.mark.parametrize("obj", [
    None, "data:application/vc+jwt,abc", {"id": "data:application/vc+jwt,abc"},
    {"type": "EnvelopedVerifiableCredential", "id": "data:application/vc+sd-jwt,abc"},
    {"type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt,"},
    {"type": "EnvelopedVerifiableCredential", "id": 7},
    {"type": "VerifiableCredential", "id": "data:application/vc+jwt,abc"},
])
def test_not_a_jwt_envelope(obj):
    assert token_from_envelope(obj) is None

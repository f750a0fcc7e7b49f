"""OpenID4VCI key proofs follow the key binding rule of every JWT: the key is the holder's."""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from oid4vci_support import BASE

from vcbadges.dids.resolver import default_resolver
from vcbadges.errors import ProtocolError
from vcbadges.oid4vci import OPEN_BADGE_LDP_VC, create_nonce, verify_key_proof
from vcbadges.oid4vci.credential import KeyProof
from vcbadges.primitives.jwk import public_key_to_jwk
from vcbadges.primitives.keys import RSAPublicKey

RSA_CONFIGURATION = dataclasses.replace(OPEN_BADGE_LDP_VC,
                                        proof_signing_algs=("EdDSA", "ES256", "RS256", "PS256"))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def hand_proof(header, claims, sign) -> str:
    head = {"typ": "openid4vci-proof+jwt"} | header
    signing_input = f"{b64(json.dumps(head).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode('ascii')))}"


async def claims(issuer, **extra):
    nonce = (await create_nonce(issuer.store, now=issuer.clock.now))["c_nonce"]
    return {"aud": BASE, "iat": int(issuer.clock.now.timestamp()), "nonce": nonce} | extra


async def check(issuer, proof, configuration=OPEN_BADGE_LDP_VC) -> KeyProof:
    return await verify_key_proof(proof, store=issuer.store, credential_issuer=BASE,
                                  configuration=configuration, resolver=default_resolver(),
                                  now=issuer.clock.now)


async def invalid(issuer, proof, configuration=OPEN_BADGE_LDP_VC) -> str:
    with pytest.raises(ProtocolError) as caught:
        await check(issuer, proof, configuration)
    assert caught.value.error == "invalid_proof"
    return caught.value.message


async def test_a_jwk_beside_a_kid_of_another_key_is_refused(issuer, holder_key, other_key):
    header = {"alg": "EdDSA", "kid": holder_key.verification_method,
              "jwk": public_key_to_jwk(other_key.public_key)}
    await invalid(issuer, hand_proof(header, await claims(issuer), holder_key.sign))
    await invalid(issuer, hand_proof(header, await claims(issuer), other_key.sign))


async def test_a_kid_naming_a_method_its_did_does_not_list(issuer, holder_key, other_key):
    kid = holder_key.controller + "#" + other_key.public_key.to_multikey()
    description = await invalid(issuer, hand_proof({"alg": "EdDSA", "kid": kid},
                                                   await claims(issuer), other_key.sign))
    assert "not in the DID document" in description


@pytest.mark.parametrize("alg", ["RS256", "PS256"])
async def test_an_rsa_jwk_binds_the_holder_to_its_did_jwk(issuer, alg):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = private.public_key().public_numbers()
    jwk = {"kty": "RSA", "n": b64(numbers.n.to_bytes(256, "big")), "e": "AQAB"}
    pad = padding.PKCS1v15() if alg == "RS256" else padding.PSS(
        mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    proof = hand_proof({"alg": alg, "jwk": jwk}, await claims(issuer),
                       lambda data: private.sign(data, pad, hashes.SHA256()))
    result = await check(issuer, proof, RSA_CONFIGURATION)
    assert result.holder.startswith("did:jwk:")
    assert result.verification_method == result.holder + "#0"
    assert result.public_key == RSAPublicKey(numbers.n, numbers.e)


@pytest.mark.parametrize("iat", [1e308, -1e308, 10**30, -(10**30), 253402300800, float("nan"),
                                 float("inf"), "1700000000", True, None])
async def test_iat_at_the_edges_is_invalid_proof_never_a_crash(issuer, holder_key, iat):
    body = await claims(issuer, iat=iat)
    if iat is None:
        del body["iat"]
    header = {"alg": "EdDSA", "kid": holder_key.verification_method}
    await invalid(issuer, hand_proof(header, body, holder_key.sign))


async def test_iat_at_the_last_second_of_9999_is_only_in_the_future(issuer, holder_key):
    body = await claims(issuer, iat=253402300799)
    header = {"alg": "EdDSA", "kid": holder_key.verification_method}
    assert "future" in await invalid(issuer, hand_proof(header, body, holder_key.sign))
    body = await claims(issuer, iat=int((issuer.clock.now - timedelta(seconds=30)).timestamp()))
    assert (await check(issuer, hand_proof(header, body, holder_key.sign))).holder == (
        holder_key.controller)

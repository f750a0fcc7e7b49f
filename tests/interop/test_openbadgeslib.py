"""Open Badges 3.0 VC-JWTs against openbadgeslib (PyPI), which reads the JWT Proof Format as
revised for VCDM 2.0: the payload is the credential, beside ``iss``/``jti``/``nbf``/``sub``.

Each direction runs real crypto: our tokens verified by its verifier (the issuer's did:key
resolved by it), and its tokens (the key in a ``jwk`` header) verified by ours.
"""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vcbadges import issue_jwt, verify
from vcbadges.credentials.sample import sample_badge
from vcbadges.primitives.keys import Ed25519SigningKey
from vcbadges.proofs.jose import sign_vc_jwt

ob3 = pytest.importorskip("openbadgeslib.ob3")

LEARNER = "did:example:learner-17"


@pytest.fixture
def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _our_key(private_key: Ed25519PrivateKey) -> Ed25519SigningKey:
    raw = private_key.private_bytes(serialization.Encoding.Raw,
                                    serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
    return Ed25519SigningKey.from_seed(raw)


def _payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


async def test_openbadgeslib_reads_our_vc_jwt(private_key):
    key = _our_key(private_key)
    unsigned = sample_badge(issuer=key.controller, subject=LEARNER).to_json()
    token = await issue_jwt(unsigned, key=key)
    assert "vc" not in _payload(token)
    read = ob3.OB3Verifier.for_issuer_did(key.controller).verify(token)
    assert (read.issuer.id, read.recipient_id) == (key.controller, LEARNER)
    assert read.achievement.name == unsigned["credentialSubject"]["achievement"]["name"]
    assert read.id == _payload(token)["jti"]


async def test_openbadgeslib_refuses_our_vc_jwt_signed_by_another_key(private_key):
    key = _our_key(private_key)
    other = _our_key(Ed25519PrivateKey.generate())
    unsigned = sample_badge(issuer=key.controller, subject=LEARNER).to_json()
    token = sign_vc_jwt(unsigned, key=other)  # issue_jwt would refuse the wrong key
    with pytest.raises(ob3.OB3VerificationError):
        ob3.OB3Verifier.for_issuer_did(key.controller).verify(token)


async def test_we_verify_an_openbadgeslib_vc_jwt(private_key):
    key = _our_key(private_key)
    pem = private_key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    credential = ob3.OpenBadgeCredential(
        issuer=ob3.Issuer(id=key.controller, name="Riverside College"), recipient_id=LEARNER,
        achievement=ob3.Achievement(id="https://example.edu/achievements/1", name="Welding",
                                    description="Welds safely.", criteria_narrative="Passed."))
    token = ob3.OB3Signer(pem, algorithm="EdDSA").sign(credential)
    report = await verify(token)
    assert report.verified, report.to_json()
    assert report.check("proof").code == "ok"
    assert report.subjects == (LEARNER,)

    # Its signature covers the payload: a changed achievement name is refused.
    header, payload, signature = token.split(".")
    changed = _payload(token)
    changed["credentialSubject"]["achievement"]["name"] = "Brain surgery"
    encoded = base64.urlsafe_b64encode(json.dumps(changed).encode()).rstrip(b"=").decode()
    report = await verify(f"{header}.{encoded}.{signature}")
    assert report.check("proof").code == "invalid_signature"

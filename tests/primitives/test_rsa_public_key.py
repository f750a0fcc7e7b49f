"""RSAPublicKey: RS256 and PS256 verification, and the encodings that give the same key."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from vcbadges.errors import InvalidProof, KeyFormatError
from vcbadges.primitives.jwk import public_key_from_jwk, public_key_to_jwk, signing_key_from_jwk
from vcbadges.primitives.keys import RSAPublicKey

MESSAGE = b"header.payload"
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


@pytest.fixture(scope="module")
def private() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def public(private) -> RSAPublicKey:
    numbers = private.public_key().public_numbers()
    return RSAPublicKey(numbers.n, numbers.e)


def test_rs256_and_ps256(private, public):
    rs256 = private.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA256())
    ps256 = private.sign(MESSAGE, PSS, hashes.SHA256())
    public.verify(rs256, MESSAGE)
    public.verify(rs256, MESSAGE, scheme="RS256")
    public.verify(ps256, MESSAGE, scheme="PS256")
    for signature, scheme in ((rs256, "PS256"), (ps256, "RS256"), (rs256[:-1], "RS256"),
                              (b"", "RS256"), (bytes(256), "PS256")):
        with pytest.raises(InvalidProof):
            public.verify(signature, MESSAGE, scheme=scheme)
    with pytest.raises(InvalidProof):
        public.verify(rs256, MESSAGE + b".")


def test_a_pss_salt_of_another_length_is_refused(private, public):
    other_salt = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=20)
    with pytest.raises(InvalidProof):
        public.verify(private.sign(MESSAGE, other_salt, hashes.SHA256()), MESSAGE,
                      scheme="PS256")


def test_jwk_and_pem_give_the_same_key(private, public):
    jwk = public_key_to_jwk(public)
    assert jwk["kty"] == "RSA" and jwk["e"] == "AQAB" and set(jwk) == {"kty", "n", "e"}
    assert public_key_from_jwk(jwk) == public
    pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    assert RSAPublicKey.from_pem(pem) == public
    assert hash(RSAPublicKey.from_pem(pem)) == hash(public)
    assert "2048 bits" in repr(public)


def test_an_rsa_jwk_cannot_sign(public):
    with pytest.raises(KeyFormatError) as info:
        signing_key_from_jwk(public_key_to_jwk(public) | {"d": "AQAB"})
    assert info.value.code == "unsupported_key_type"


@pytest.mark.parametrize(("n_bits", "e", "code"), [
    (1024, 65537, "weak_rsa_key"),
    (2047, 65537, "weak_rsa_key"),
    (8200, 65537, "invalid_key"),
    (2048, 2**40 + 1, "invalid_key"),
    (2048, 1, "invalid_key"),
])
def test_keys_out_of_bounds(n_bits, e, code):
    n = (1 << (n_bits - 1)) | 1
    with pytest.raises(KeyFormatError) as info:
        RSAPublicKey(n, e)
    assert info.value.code == code


def test_pems_that_hold_no_rsa_public_key():
    ec_pem = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(KeyFormatError) as info:
        RSAPublicKey.from_pem(ec_pem)
    assert info.value.code == "unsupported_key_type"
    with pytest.raises(KeyFormatError) as info:
        RSAPublicKey.from_pem(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    assert info.value.code == "invalid_key"

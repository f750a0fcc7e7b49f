"""JSON Web Key (RFC 7517/7518/8037) import and export for our key types.

Export never includes the private part unless asked for explicitly with ``private=True``.
RSA keys are read and written as public keys only (RFC 7518 §6.3.1): nothing here signs
with RSA.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from vcbadges.errors import KeyFormatError
from vcbadges.primitives.keys import (
    Ed25519PublicKey,
    Ed25519SigningKey,
    P256PublicKey,
    P256SigningKey,
    PublicKey,
    RSAPublicKey,
    SigningKey,
)
from vcbadges.primitives.multibase import b64url_decode, b64url_encode

__all__ = ["public_key_to_jwk", "signing_key_to_jwk", "public_key_from_jwk", "signing_key_from_jwk"]


def _uint_to_b64url(value: int) -> str:
    # RFC 7518 §6.3.1: a Base64urlUInt uses the minimum number of octets.
    return b64url_encode(value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def public_key_to_jwk(key: PublicKey) -> dict[str, str]:
    """Return the public JWK of ``key`` (OKP/Ed25519, EC/P-256 or RSA)."""
    if isinstance(key, Ed25519PublicKey):
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(key.raw)}
    if isinstance(key, RSAPublicKey):
        return {"kty": "RSA", "n": _uint_to_b64url(key.n), "e": _uint_to_b64url(key.e)}
    numbers = key.numbers
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(32, "big")),
        "y": b64url_encode(numbers.y.to_bytes(32, "big")),
    }


def signing_key_to_jwk(key: SigningKey, *, private: bool = False) -> dict[str, str]:
    """Return the JWK of ``key``; the ``d`` member is included only with ``private=True``."""
    jwk = public_key_to_jwk(key.public_key)
    if private:
        jwk["d"] = b64url_encode(key.private_bytes())
    return jwk


def _member(jwk: dict[str, Any], name: str, size: int) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise KeyFormatError(f"JWK member {name!r} is missing", code="invalid_jwk")
    raw = b64url_decode(value)
    if len(raw) != size:
        raise KeyFormatError(f"JWK member {name!r} must be {size} bytes", code="invalid_jwk")
    return raw


def _uint_member(jwk: dict[str, Any], name: str) -> int:
    """A Base64urlUInt member, decoded strictly: a key has one spelling of each member."""
    value = jwk.get(name)
    if not isinstance(value, str) or not value:
        raise KeyFormatError(f"JWK member {name!r} is missing", code="invalid_jwk")
    raw = b64url_decode(value)
    # The lenient decoder skips foreign characters and padding; encoding back catches them.
    if b64url_encode(raw) != value:
        raise KeyFormatError(f"JWK member {name!r} is not canonical base64url",
                             code="invalid_jwk")
    return int.from_bytes(raw, "big")


def public_key_from_jwk(jwk: Any) -> PublicKey:
    """Decode a public JWK; raise ``KeyFormatError`` for other key types or bad members.

    An RSA key under 2048 bits raises ``KeyFormatError`` with code ``weak_rsa_key``.
    """
    if not isinstance(jwk, dict):
        raise KeyFormatError("JWK must be a JSON object", code="invalid_jwk")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "RSA":
        return RSAPublicKey(_uint_member(jwk, "n"), _uint_member(jwk, "e"))
    if kty == "OKP" and crv == "Ed25519":
        return Ed25519PublicKey(_member(jwk, "x", 32))
    if kty == "EC" and crv == "P-256":
        x = int.from_bytes(_member(jwk, "x", 32), "big")
        y = int.from_bytes(_member(jwk, "y", 32), "big")
        try:
            point = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
        except ValueError as exc:
            raise KeyFormatError("JWK point is not on P-256", code="invalid_jwk") from exc

        return P256PublicKey(
            point.public_bytes(serialization.Encoding.X962,
                               serialization.PublicFormat.CompressedPoint)
        )
    raise KeyFormatError(f"unsupported JWK key type {kty!r}/{crv!r}", code="unsupported_key_type")


def signing_key_from_jwk(jwk: Any, *, verification_method: str | None = None) -> SigningKey:
    """Decode a private JWK and check that its public members belong to it."""
    public = public_key_from_jwk(jwk)
    key: SigningKey
    if isinstance(public, RSAPublicKey):
        raise KeyFormatError("RSA keys are for verification only", code="unsupported_key_type")
    if isinstance(public, Ed25519PublicKey):
        key = Ed25519SigningKey.from_seed(_member(jwk, "d", 32),
                                          verification_method=verification_method)
    else:
        key = P256SigningKey.from_scalar(_member(jwk, "d", 32),
                                         verification_method=verification_method)
    if key.public_key != public:
        raise KeyFormatError("JWK private part does not match its public part", code="invalid_jwk")
    return key

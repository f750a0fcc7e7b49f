"""Hazardous materials: the JOSE core every JWT of this package goes through.

VC-JWT and ``vc+jwt`` credentials, VP-JWT presentations, OpenID4VCI key proofs and Open
Badges 2.0 signed assertions are all compact JWSs; reading them by one set of rules keeps a
token from being accepted in one place that another refuses. Everything a token says is
untrusted until its signature verifies, so tokens are read strictly and in a fixed order: the
compact form and its base64url and JSON first (``malformed_jwt``), then the header's ``alg``
against a small allow-list (``jwt_alg_none``, ``jwt_alg_unsupported``,
``jwt_crit_unsupported``), then the key, whose type must fit ``alg`` (``jwt_alg_key_mismatch``,
``jwt_weak_rsa_key``), and only then the signature (``invalid_signature``), which the typed
keys of :mod:`vcbadges.primitives.keys` check. Which key may verify a token is decided by
:mod:`vcbadges.proofs._binding`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from vcbadges.errors import InvalidProof, JSONInputError, KeyFormatError, ProofError
from vcbadges.primitives.jsonlimits import loads_strict
from vcbadges.primitives.jwk import public_key_from_jwk
from vcbadges.primitives.keys import (
    WEAK_RSA_KEY,
    Ed25519PublicKey,
    P256PublicKey,
    PublicKey,
    RSAPublicKey,
    RSAScheme,
    SigningKey,
)

__all__ = [
    "ALGORITHMS",
    "MALFORMED_JWT",
    "JWT_ALG_NONE",
    "JWT_ALG_UNSUPPORTED",
    "JWT_ALG_KEY_MISMATCH",
    "JWT_NO_KEY",
    "JWT_WEAK_RSA_KEY",
    "JWT_CRIT_UNSUPPORTED",
    "JWT_WRONG_TYPE",
    "PROOF_CREATED_IN_FUTURE",
    "PROOF_EXPIRED",
    "CompactJWS",
    "parse_compact",
    "check_alg",
    "check_key_fits",
    "check_published_restrictions",
    "embedded_public_key",
    "weak_rsa_as_proof_error",
    "media_type",
    "numeric_date",
    "verify_signature",
    "sign_compact",
    "b64url_decode_strict",
]

MALFORMED_JWT = "malformed_jwt"
JWT_ALG_NONE = "jwt_alg_none"
JWT_ALG_UNSUPPORTED = "jwt_alg_unsupported"
JWT_ALG_KEY_MISMATCH = "jwt_alg_key_mismatch"
JWT_NO_KEY = "jwt_no_key"
JWT_WEAK_RSA_KEY = "jwt_weak_rsa_key"
JWT_CRIT_UNSUPPORTED = "jwt_crit_unsupported"
JWT_WRONG_TYPE = "jwt_wrong_type"
# The same codes Data Integrity proofs use for a signature made in the future or expired.
PROOF_CREATED_IN_FUTURE = "proof_created_in_future"
PROOF_EXPIRED = "proof_expired"

# The algorithms a JWT may use, each with the one key type it needs. RS256 is the Open Badges
# 3.0 minimum; PS256 comes free with the same RSA keys. HMAC algorithms are absent on
# purpose: a public key used as an HMAC secret is the classic JWT forgery.
ALGORITHMS: dict[str, type[Ed25519PublicKey] | type[P256PublicKey] | type[RSAPublicKey]] = {
    "EdDSA": Ed25519PublicKey,
    "ES256": P256PublicKey,
    "RS256": RSAPublicKey,
    "PS256": RSAPublicKey,
}

# Members that only a private JWK has: an embedded ``jwk`` header carrying one is refused.
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_B64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _malformed(message: str) -> ProofError:
    return ProofError(message, code=MALFORMED_JWT)


def b64url_decode_strict(text: str, what: str) -> bytes:
    """Decode unpadded base64url, refusing padding, whitespace, foreign characters and
    non-zero trailing bits.

    ``base64.urlsafe_b64decode`` silently skips characters outside the alphabet; a token that
    needs that leniency is not the token that was signed, so it is refused up front.
    """
    tail = len(text) % 4
    if tail == 1 or not _B64URL.fullmatch(text):
        raise _malformed(f"JWT {what} is not valid base64url")
    # The unused low bits of a partial last group must be zero, so that each byte string
    # has exactly one spelling (2 characters carry 8 bits of 12, 3 carry 16 of 18).
    if tail and _B64URL_ALPHABET.index(text[-1]) & (0b1111 if tail == 2 else 0b11):
        raise _malformed(f"JWT {what} is not canonical base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise _malformed(f"JWT {what} is not valid base64url") from exc


# JOSE JSON is read by the project's one strict parser: duplicate member names (RFC 7515
# §5.2: two parsers could read different headers or claims out of the same signed bytes),
# NaN and Infinity (not JSON, and as NumericDates they compare with nothing) are refused.
MAX_JWT_JSON_BYTES = 1 << 20
MAX_JWT_JSON_DEPTH = 64


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = loads_strict(raw, max_bytes=MAX_JWT_JSON_BYTES, max_depth=MAX_JWT_JSON_DEPTH)
    except JSONInputError as exc:
        raise _malformed(f"JWT {what} is not a JSON object: {exc.message}") from exc
    if not isinstance(value, dict):
        raise _malformed(f"JWT {what} is not a JSON object")
    return value


@dataclass(frozen=True)
class CompactJWS:
    """A compact JWS split and decoded, not yet verified."""

    token: str
    header: dict[str, Any]
    claims: dict[str, Any]
    signature: bytes


def parse_compact(token: Any) -> CompactJWS:
    """Split a compact JWS and decode its header and payload as JSON objects.

    Raises ``ProofError`` (``malformed_jwt``) for anything else: a JWE (five parts), the JSON
    serialization, bad base64url or JSON, a payload that is not an object.
    """
    if not isinstance(token, str):
        raise _malformed("a JWT must be a string")
    if token.lstrip().startswith("{"):
        raise _malformed("JWS JSON serialization is not accepted, only the compact form")
    parts = token.split(".")
    if len(parts) == 5:
        raise _malformed("the token is a JWE (five parts); only signed JWTs are accepted")
    if len(parts) != 3:
        raise _malformed(f"a compact JWS has three parts, this token has {len(parts)}")
    header_b64, payload_b64, signature_b64 = parts
    if not header_b64 or not payload_b64:
        raise _malformed("JWT header and payload must not be empty")
    header = _json_object(b64url_decode_strict(header_b64, "header"), "header")
    claims = _json_object(b64url_decode_strict(payload_b64, "payload"), "payload")
    signature = b64url_decode_strict(signature_b64, "signature")
    return CompactJWS(token=token, header=header, claims=claims, signature=signature)


def check_alg(header: Mapping[str, Any]) -> str:
    """Return the header's ``alg`` if it is allowed; refuse ``none`` and unknown algorithms.

    Also refuses ``crit`` (no extension is understood here, so RFC 7515 §4.1.11 requires
    rejection) and an unencoded payload (``b64: false``), which changes what was signed.
    """
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise _malformed("JWT header has no alg")
    if alg.lower() == "none":
        raise ProofError("JWT is unsecured (alg none)", code=JWT_ALG_NONE)
    if alg not in ALGORITHMS:
        raise ProofError(f"JWT algorithm {alg!r} is not supported", code=JWT_ALG_UNSUPPORTED)
    if "crit" in header:
        raise ProofError("JWT header names critical extensions, none are supported",
                         code=JWT_CRIT_UNSUPPORTED)
    if header.get("b64", True) is not True:
        raise _malformed("JWS with an unencoded payload (b64) is not accepted")
    return alg


def media_type(value: Any, name: str) -> str | None:
    """A ``typ`` or ``cty`` header normalised as RFC 7515 §4.1.9 compares it: lower case,
    ``application/`` optional. None when absent; ``malformed_jwt`` when not a string."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _malformed(f"JWT {name} must be a string")
    return value.lower().removeprefix("application/")


def check_key_fits(key: PublicKey, alg: str) -> None:
    """Refuse a key whose type is not the one ``alg`` needs (``jwt_alg_key_mismatch``)."""
    if not isinstance(key, ALGORITHMS[alg]):
        raise ProofError(f"alg {alg} cannot be used with a {key.algorithm} key",
                         code=JWT_ALG_KEY_MISMATCH)


def check_published_restrictions(jwk: Any, alg: str) -> None:
    """Honour a JWK's own ``alg`` and ``use`` members (RFC 7517 §4.2, §4.4)."""
    if not isinstance(jwk, dict):
        return
    if "alg" in jwk and jwk["alg"] != alg:
        raise ProofError(f"the key is published for {jwk['alg']!r}, the JWT uses {alg}",
                         code=JWT_ALG_KEY_MISMATCH)
    if "use" in jwk and jwk["use"] != "sig":
        raise ProofError("the key is published for encryption, not signatures",
                         code=JWT_ALG_KEY_MISMATCH)


def weak_rsa_as_proof_error(exc: KeyFormatError) -> ProofError | KeyFormatError:
    """The error to raise for a key that could not be decoded: ``jwt_weak_rsa_key`` for an
    RSA key under 2048 bits, so the report says why; any other key error unchanged."""
    if exc.code == WEAK_RSA_KEY:
        return ProofError(exc.message, code=JWT_WEAK_RSA_KEY)
    return exc


def embedded_public_key(jwk: Any) -> PublicKey:
    """Decode a ``jwk`` header: a public JWK of a supported type, never private members.

    The key is only what the token claims; it says nothing about who controls it.
    """
    if not isinstance(jwk, dict):
        raise _malformed("the jwk header is not a JSON object")
    if _PRIVATE_MEMBERS & jwk.keys():
        raise _malformed("the jwk header carries private key material")
    try:
        return public_key_from_jwk(jwk)
    except KeyFormatError as exc:
        raise weak_rsa_as_proof_error(exc) from exc


def numeric_date(claims: Mapping[str, Any], name: str) -> float | None:
    """A NumericDate claim (RFC 7519 §2) as a float, None when absent.

    Anything but a JSON number that names an instant between the years 1 and 9999 is
    ``malformed_jwt``, so callers can turn it into a ``datetime`` and compare it freely.
    """
    if name not in claims:
        return None
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _malformed(f"JWT claim {name} is not a NumericDate")
    try:
        stamp = float(value)
        datetime.fromtimestamp(stamp, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise _malformed(f"JWT claim {name} is out of range") from exc
    return stamp


def verify_signature(parsed: CompactJWS, alg: str, key: PublicKey) -> None:
    """Check the signature with ``key``; raise ``InvalidProof`` when it does not verify.

    The signing input is the token's own text up to the last dot (RFC 7515 §5.2), so the
    bytes checked are the bytes that were signed, not a re-serialization.
    """
    check_key_fits(key, alg)
    signing_input = parsed.token[: parsed.token.rindex(".")].encode("ascii")
    try:
        if isinstance(key, RSAPublicKey):
            key.verify(parsed.signature, signing_input, scheme=cast(RSAScheme, alg))
        else:
            # EdDSA signatures are R||S and ES256 ones r||s of 32 bytes each (RFC 8037 §3.1,
            # RFC 7518 §3.4): exactly what the raw verifiers take, and nothing padded.
            key.verify(parsed.signature, signing_input)
    except InvalidProof as exc:
        raise InvalidProof("JWT signature does not verify") from exc


def _b64json(value: Mapping[str, Any]) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return base64.urlsafe_b64encode(text.encode("utf-8")).rstrip(b"=").decode("ascii")


def sign_compact(header: dict[str, Any], claims: dict[str, Any], key: SigningKey) -> str:
    """Serialize ``header`` and ``claims`` as compact JSON and sign them with ``key``.

    ``header["alg"]`` must be the key's JOSE algorithm: a token that names one algorithm and
    carries another's signature is a programming error, raised as ``ValueError``.
    """
    if header.get("alg") != key.jose_alg:
        raise ValueError(f"a {key.algorithm} key signs {key.jose_alg}, not {header.get('alg')}")
    signing_input = f"{_b64json(header)}.{_b64json(claims)}"
    signature = key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode('ascii')}"

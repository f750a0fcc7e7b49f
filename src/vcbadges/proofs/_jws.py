"""Hazardous materials: compact JWS parsing, key selection and jwcrypto glue for VC-JWT.

Everything a token says is untrusted until its signature verifies, so this module reads
tokens strictly and in a fixed order: the compact form and its base64url and JSON first
(``malformed_jwt``), then the header's ``alg`` against a small allow-list (``jwt_alg_none``,
``jwt_alg_unsupported``), then the key, whose type must fit ``alg`` (``jwt_alg_key_mismatch``,
``jwt_weak_rsa_key``), and only then the signature, which jwcrypto checks
(``invalid_signature``). jwcrypto supplies the JWK objects and the per-algorithm signature
engines; its exceptions are caught here and never reach callers.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.common import JWException
from jwcrypto.jwa import JWA
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWSCore

from vcbadges.dids.base import DIDDocument, split_did_url
from vcbadges.dids.jwk import did_jwk_document, did_jwk_from_public_key
from vcbadges.errors import (
    DIDResolutionError,
    InvalidProof,
    KeyFormatError,
    ProofError,
    VCBadgesError,
)
from vcbadges.primitives.jwk import public_key_from_jwk, public_key_to_jwk, signing_key_to_jwk
from vcbadges.primitives.keys import SigningKey

__all__ = [
    "ALGORITHMS",
    "MALFORMED_JWT",
    "JWT_ALG_NONE",
    "JWT_ALG_UNSUPPORTED",
    "JWT_ALG_KEY_MISMATCH",
    "JWT_NO_KEY",
    "JWT_WEAK_RSA_KEY",
    "JWT_CRIT_UNSUPPORTED",
    "CompactJWS",
    "JWTKey",
    "parse_compact",
    "check_alg",
    "key_for",
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

# The algorithms a credential JWT may use, each with the one key type it needs. RS256 is the
# Open Badges 3.0 minimum; PS256 comes free with the same RSA keys. HMAC algorithms are
# absent on purpose: a public key used as an HMAC secret is the classic JWT forgery.
ALGORITHMS: dict[str, tuple[str, str | None]] = {
    "EdDSA": ("OKP", "Ed25519"),
    "ES256": ("EC", "P-256"),
    "RS256": ("RSA", None),
    "PS256": ("RSA", None),
}

# jwcrypto's algorithm engines are stateless; build each once.
_ENGINES = {alg: JWA.signing_alg(alg) for alg in ALGORITHMS}

# OB 3.0 requires RSA keys of at least 2048 bits. The upper bound only limits the work an
# attacker-chosen key can cause; real keys stop at 4096 bits.
MIN_RSA_BITS = 2048
MAX_RSA_BITS = 8192

# Members that only a private JWK has: an embedded ``jwk`` header carrying one is refused.
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_B64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_RSA_METHOD_TYPES = frozenset({"JsonWebKey2020", "JsonWebKey", "RsaVerificationKey2018"})
PURPOSE = "assertionMethod"


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


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # RFC 7515 §5.2 lets a parser reject duplicate member names; accepting them would let
    # two parsers read different headers or claims out of the same signed bytes.
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate member name")
    return result


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _malformed(f"JWT {what} is not a JSON object: {exc}") from exc
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
    serialization, bad base64url or JSON, a payload that is not an object, an empty signature.
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


def check_alg(header: dict[str, Any]) -> str:
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


@dataclass(frozen=True)
class JWTKey:
    """The public key a token is checked with, and who controls it (None when unknown)."""

    jwk: dict[str, str]
    verification_method: str | None
    controller: str | None


def _rsa_members(jwk: dict[str, Any]) -> dict[str, str]:
    """Validate a public RSA JWK and return only ``kty``, ``n`` and ``e``."""
    n_text, e_text = jwk.get("n"), jwk.get("e")
    if not isinstance(n_text, str) or not isinstance(e_text, str):
        raise KeyFormatError("RSA JWK needs string members n and e", code="invalid_jwk")
    try:
        n = int.from_bytes(b64url_decode_strict(n_text, "jwk n"), "big")
        e = int.from_bytes(b64url_decode_strict(e_text, "jwk e"), "big")
    except ProofError as exc:
        raise KeyFormatError("RSA JWK members are not base64url", code="invalid_jwk") from exc
    bits = n.bit_length()
    if bits < MIN_RSA_BITS:
        raise ProofError(f"RSA key has {bits} bits, at least {MIN_RSA_BITS} are required",
                         code=JWT_WEAK_RSA_KEY)
    if bits > MAX_RSA_BITS:
        raise KeyFormatError(f"RSA key has {bits} bits, more than {MAX_RSA_BITS}",
                             code="invalid_jwk")
    try:
        rsa.RSAPublicNumbers(e, n).public_key()
    except ValueError as exc:
        raise KeyFormatError("RSA JWK is not a valid public key", code="invalid_jwk") from exc
    return {"kty": "RSA", "n": n_text, "e": e_text}


def _check_restrictions(jwk: Any, alg: str) -> None:
    """Honour a published JWK's own ``alg`` and ``use`` members (RFC 7517 §4.2, §4.4)."""
    if not isinstance(jwk, dict):
        return
    if "alg" in jwk and jwk["alg"] != alg:
        raise ProofError(f"the key is published for {jwk['alg']!r}, the JWT uses {alg}",
                         code=JWT_ALG_KEY_MISMATCH)
    if "use" in jwk and jwk["use"] != "sig":
        raise ProofError("the key is published for encryption, not signatures",
                         code=JWT_ALG_KEY_MISMATCH)


def _check_fit(members: dict[str, str], alg: str) -> None:
    kty, crv = ALGORITHMS[alg]
    if members.get("kty") != kty or (crv is not None and members.get("crv") != crv):
        found = members.get("crv") or members.get("kty")
        raise ProofError(f"alg {alg} cannot be used with a {found} key", code=JWT_ALG_KEY_MISMATCH)


def _authorize_raw(doc: DIDDocument, method: dict[str, Any], vm_url: str) -> None:
    """The checks ``DIDDocument.verification_method`` makes, for methods it cannot decode.

    ``dids`` models Ed25519 and P-256 keys only, so for an RSA ``publicKeyJwk`` that method
    ends in ``KeyFormatError``, which does not say which of its steps failed; RSA methods are
    therefore authorized again here, with the same rules and codes, and their type checked.
    """
    if method.get("controller") != doc.id:
        raise DIDResolutionError(f"{vm_url} is not controlled by {doc.id}",
                                 code="verification_method_not_authorized")
    if not doc.is_authorized(vm_url, PURPOSE):
        raise DIDResolutionError(f"{vm_url} is not authorized for {PURPOSE} by {doc.id}",
                                 code="verification_method_not_authorized")
    if method.get("type") not in _RSA_METHOD_TYPES:
        raise KeyFormatError(f"verification method type {method.get('type')!r} cannot hold an "
                             "RSA publicKeyJwk", code="unsupported_verification_method")


async def _key_from_did_url(resolver: Any, vm_url: str, alg: str) -> JWTKey:
    did, fragment = split_did_url(vm_url)
    if fragment is None:
        raise DIDResolutionError(f"kid {vm_url} names no verification method (no fragment)",
                                 code="invalid_did_url")
    doc: DIDDocument = await resolver.resolve(did)
    try:
        method = doc.verification_method(vm_url, purpose=PURPOSE)
    except KeyFormatError:
        raw = doc.find_method(vm_url)
        published = raw.get("publicKeyJwk") if raw is not None else None
        if raw is None or not isinstance(published, dict) or published.get("kty") != "RSA":
            raise
        _authorize_raw(doc, raw, vm_url)
        members = _rsa_members(published)
    else:
        published = method.document.get("publicKeyJwk")
        members = public_key_to_jwk(method.public_key)
    _check_fit(members, alg)
    _check_restrictions(published, alg)
    return JWTKey(jwk=members, verification_method=vm_url, controller=doc.id)


def _key_from_header_jwk(jwk: Any, alg: str, issuer_id: str | None) -> JWTKey:
    """Use an embedded ``jwk``; its controller is the did:jwk of the key, when we can name it.

    did:jwk identifiers depend on how the JWK was serialized, so when the credential's issuer
    is a did:jwk that encodes this very key, that spelling is returned as the controller.
    """
    if not isinstance(jwk, dict):
        raise _malformed("the jwk header is not a JSON object")
    if _PRIVATE_MEMBERS & jwk.keys():
        raise _malformed("the jwk header carries private key material")
    if jwk.get("kty") == "RSA":
        members = _rsa_members(jwk)
        _check_fit(members, alg)
        _check_restrictions(jwk, alg)
        return JWTKey(jwk=members, verification_method=None, controller=None)
    public = public_key_from_jwk(jwk)
    members = public_key_to_jwk(public)
    _check_fit(members, alg)
    _check_restrictions(jwk, alg)
    did = did_jwk_from_public_key(public)
    if issuer_id is not None and issuer_id.startswith("did:jwk:") and issuer_id != did:
        try:
            issuer_doc = did_jwk_document(issuer_id)
            issuer_vm = issuer_doc.verification_method(f"{issuer_id}#0", purpose=PURPOSE)
        except VCBadgesError:
            issuer_vm = None
        if issuer_vm is not None and issuer_vm.public_key == public:
            did = issuer_id
    return JWTKey(jwk=members, verification_method=f"{did}#0", controller=did)


async def key_for(
    header: dict[str, Any], alg: str, *, resolver: Any, issuer_id: str | None
) -> JWTKey:
    """Find the key a token names: a ``kid`` DID URL first, else an embedded ``jwk``.

    A ``kid`` of the form ``#fragment`` is taken relative to the issuer's DID, as VC-JWT
    issuers commonly write it. A ``kid`` that is not a DID URL is only a hint and needs a
    ``jwk`` beside it. When both are present the resolved ``kid`` wins and the ``jwk`` is
    ignored: the DID document, not the token, says which key the issuer controls.
    Raises ``ProofError`` (``jwt_no_key``, ``jwt_alg_key_mismatch``, ``jwt_weak_rsa_key``),
    ``DIDResolutionError`` and ``KeyFormatError``.
    """
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise _malformed("the kid header is not a string")
    if isinstance(kid, str) and kid.startswith("#") and issuer_id and issuer_id.startswith("did:"):
        kid = issuer_id.split("#", 1)[0] + kid
    if isinstance(kid, str) and kid.startswith("did:"):
        return await _key_from_did_url(resolver, kid, alg)
    if "jwk" in header:
        return _key_from_header_jwk(header["jwk"], alg, issuer_id)
    if kid is not None:
        raise ProofError(f"kid {kid!r} is not a DID URL and the JWT embeds no jwk",
                         code=JWT_NO_KEY)
    raise ProofError("the JWT names no key (neither kid nor jwk)", code=JWT_NO_KEY)


@lru_cache(maxsize=256)
def _verifier_jwk(members: tuple[tuple[str, str], ...]) -> Any:
    """Build (and keep) the jwcrypto JWK of a public key.

    Importing a JWK costs about as much as the signature check itself; public keys are
    immutable values, so the built objects are memoised by their members, like ``re`` keeps
    compiled patterns. Nothing secret is cached.
    """
    try:
        jwk = JWK(**dict(members))
        jwk.get_op_key("verify")
    except (JWException, ValueError, TypeError) as exc:
        raise KeyFormatError("the key cannot be used to verify a JWS", code="invalid_jwk") from exc
    return jwk


def verify_signature(parsed: CompactJWS, alg: str, key: JWTKey) -> None:
    """Check the signature with jwcrypto; raise ``InvalidProof`` when it does not verify.

    The signing input is the token's own text up to the last dot (RFC 7515 §5.2), handed to
    jwcrypto's algorithm engine. jwcrypto's ``JWS`` object is not used: the checks it adds
    (``crit``, ``b64``, algorithm allow-list) are made above, stricter, and ``JWS()``
    deep-copies its header registry on every call, which costs more than an Ed25519
    verification.
    """
    jwk = _verifier_jwk(tuple(sorted(key.jwk.items())))
    if alg == "ES256" and len(parsed.signature) != 64:
        # RFC 7518 §3.4: exactly r||s, 32 bytes each; padded variants would be malleable.
        raise InvalidProof("an ES256 signature must be 64 bytes")
    signing_input = parsed.token[: parsed.token.rindex(".")].encode("ascii")
    try:
        _ENGINES[alg].verify(jwk, signing_input, parsed.signature)
    except (InvalidSignature, JWException, ValueError, TypeError) as exc:
        raise InvalidProof("JWT signature does not verify") from exc


def sign_compact(header: dict[str, Any], claims: dict[str, Any], key: SigningKey) -> str:
    """Serialize ``header`` and ``claims`` as compact JSON and sign them with jwcrypto."""
    protected = json.dumps(header, separators=(",", ":"), ensure_ascii=False)
    payload = json.dumps(claims, separators=(",", ":"), ensure_ascii=False,
                         allow_nan=False).encode("utf-8")
    # Built from our own JWK export: ``JWK.from_pyca`` also computes a thumbprint, a third
    # of the cost of signing. The private JWK lives only for this call.
    jwk = JWK(**signing_key_to_jwk(key, private=True))
    signed = JWSCore(header["alg"], jwk, protected, payload, [header["alg"]]).sign()
    return f"{signed['protected']}.{signed['payload'].decode('ascii')}.{signed['signature']}"

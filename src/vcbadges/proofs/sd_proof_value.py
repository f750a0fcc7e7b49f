"""The CBOR ``proofValue`` of ecdsa-sd-2023 proofs (VC DI ECDSA §3.5.2-3.5.7).

A proof value is multibase base64url (``u``) of three header bytes and a CBOR array:

- base proof, header ``d9 5d 00``: [baseSignature, publicKey, hmacKey, signatures,
  mandatoryPointers], made by the issuer for the holder only;
- derived proof, header ``d9 5d 01``: [baseSignature, publicKey, signatures,
  compressedLabelMap, mandatoryIndexes], made by the holder for a verifier.

``publicKey`` is the proof-scoped P-256 key as a multikey (``80 24`` + 33 compressed bytes);
each signature is 64 bytes (r||s); the compressed label map takes ``c14nN`` to the integer N
and ``u<base64url>`` to its bytes. Parsing is strict: exact header, one CBOR item and nothing
after it, every member of the expected type and size. Anything else is ``InvalidProof``
with code ``malformed_proof_value``, so a verifier never works on half-read input. Byte
strings tagged 64 (a typed array, as some encoders write them) are read as byte strings.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Final

import cbor2

from vcbadges.errors import InvalidProof, KeyFormatError
from vcbadges.primitives import multibase, multicodec

__all__ = [
    "BASE_HEADER",
    "DERIVED_HEADER",
    "BaseProofValue",
    "DerivedProofValue",
    "is_base_proof_value",
    "parse_base",
    "parse_derived",
    "serialize_base",
    "serialize_derived",
]

BASE_HEADER: Final = b"\xd9\x5d\x00"
DERIVED_HEADER: Final = b"\xd9\x5d\x01"
_MALFORMED = "malformed_proof_value"
# Limits well above any credential (one signature per non-mandatory statement), so a hostile
# proof value cannot make the verifier allocate or loop without bound.
MAX_ITEMS: Final = 20_000
_CBOR_MAX_DEPTH: Final = 4


@dataclass(frozen=True)
class BaseProofValue:
    base_signature: bytes
    public_key: bytes
    hmac_key: bytes
    signatures: list[bytes]
    mandatory_pointers: list[str]


@dataclass(frozen=True)
class DerivedProofValue:
    base_signature: bytes
    public_key: bytes
    signatures: list[bytes]
    label_map: dict[str, str]
    """Verifier's canonical label (``c14nN``) -> HMAC label (``u...``)."""
    mandatory_indexes: list[int]


def _bad(message: str) -> InvalidProof:
    return InvalidProof(f"ecdsa-sd-2023 proofValue: {message}", code=_MALFORMED)


def _encode(header: bytes, items: list[Any]) -> str:
    return multibase.encode(header + cbor2.dumps(items), "u")


def serialize_base(value: BaseProofValue) -> str:
    return _encode(BASE_HEADER, [value.base_signature, value.public_key, value.hmac_key,
                                 value.signatures, value.mandatory_pointers])


def serialize_derived(value: DerivedProofValue) -> str:
    compressed = {int(label[4:]): multibase.b64url_decode(name[1:])
                  for label, name in value.label_map.items()}
    return _encode(DERIVED_HEADER, [value.base_signature, value.public_key, value.signatures,
                                    compressed, value.mandatory_indexes])


def _raw(proof_value: Any) -> bytes:
    if not isinstance(proof_value, str) or not proof_value.startswith("u"):
        raise _bad("must be a multibase base64url string ('u' prefix)")
    try:
        return multibase.decode(proof_value)
    except KeyFormatError as exc:
        raise _bad("not valid base64url") from exc


def is_base_proof_value(proof_value: Any) -> bool:
    """Whether ``proof_value`` carries the base proof header (for the holder, not a verifier)."""
    return _raw(proof_value)[:3] == BASE_HEADER


def _untag(value: Any) -> Any:
    if isinstance(value, cbor2.CBORTag) and value.tag == 64 and isinstance(value.value, bytes):
        return value.value
    return value


def _items(proof_value: Any, header: bytes, count: int) -> list[Any]:
    raw = _raw(proof_value)
    if raw[:3] != header:
        raise _bad(f"header bytes are {raw[:3].hex()}, expected {header.hex()}")
    stream = io.BytesIO(raw[3:])
    try:
        decoded = cbor2.CBORDecoder(stream, max_depth=_CBOR_MAX_DEPTH,
                                    allow_duplicate_keys=False).decode()
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise _bad(f"not valid CBOR ({exc})") from exc
    if stream.tell() != len(raw) - 3:
        raise _bad("data follows the CBOR item")
    if not isinstance(decoded, list) or len(decoded) != count:
        raise _bad(f"must be a CBOR array of {count} items")
    return [_untag(item) for item in decoded]


def _bytes(value: Any, name: str, size: int | None) -> bytes:
    value = _untag(value)
    if not isinstance(value, bytes) or (size is not None and len(value) != size):
        raise _bad(f"{name} must be {size} bytes" if size else f"{name} must be bytes")
    return value


def _public_key(value: Any) -> bytes:
    raw = _bytes(value, "publicKey", 35)
    try:
        code, _ = multicodec.split_prefix(raw)
    except KeyFormatError as exc:
        raise _bad("publicKey is not a P-256 multikey") from exc
    if code != multicodec.P256_PUB:
        raise _bad("publicKey is not a P-256 multikey")
    return raw


def _signatures(value: Any) -> list[bytes]:
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise _bad("signatures must be an array")
    return [_bytes(s, "each signature", 64) for s in value]


def parse_base(proof_value: Any) -> BaseProofValue:
    sig, key, hmac_key, signatures, pointers = _items(proof_value, BASE_HEADER, 5)
    if not isinstance(pointers, list) or not all(isinstance(p, str) for p in pointers):
        raise _bad("mandatoryPointers must be an array of strings")
    return BaseProofValue(_bytes(sig, "baseSignature", 64), _public_key(key),
                          _bytes(hmac_key, "hmacKey", 32), _signatures(signatures), pointers)


def parse_derived(proof_value: Any) -> DerivedProofValue:
    sig, key, signatures, compressed, indexes = _items(proof_value, DERIVED_HEADER, 5)
    if not isinstance(compressed, dict) or len(compressed) > MAX_ITEMS:
        raise _bad("the label map must be a CBOR map")
    labels: dict[str, str] = {}
    for number, name in compressed.items():
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            raise _bad("label map keys must be non-negative integers")
        labels[f"c14n{number}"] = "u" + multibase.b64url_encode(_bytes(name, "a label", None))
    if (not isinstance(indexes, list) or len(indexes) > MAX_ITEMS
            or not all(isinstance(i, int) and not isinstance(i, bool) for i in indexes)):
        raise _bad("mandatoryIndexes must be an array of integers")
    return DerivedProofValue(_bytes(sig, "baseSignature", 64), _public_key(key),
                             _signatures(signatures), labels, indexes)

"""Multicodec headers for the key types we use (unsigned-varint code + raw key bytes)."""

from __future__ import annotations

from vcbadges.errors import KeyFormatError

__all__ = [
    "ED25519_PUB",
    "ED25519_PRIV",
    "P256_PUB",
    "P256_PRIV",
    "X25519_PUB",
    "encode_varint",
    "add_prefix",
    "split_prefix",
]

ED25519_PUB = 0xED
ED25519_PRIV = 0x1300
P256_PUB = 0x1200
P256_PRIV = 0x1306
X25519_PUB = 0xEC

# Expected raw lengths, so a truncated or padded key is rejected here, not deep in a library.
_LENGTHS = {ED25519_PUB: 32, ED25519_PRIV: 32, P256_PUB: 33, P256_PRIV: 32, X25519_PUB: 32}


def encode_varint(value: int) -> bytes:
    """Encode a non-negative integer as an unsigned LEB128 varint."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _decode_varint(data: bytes) -> tuple[int, int]:
    """Decode a minimal unsigned varint of at most four bytes.

    A last byte of zero after a continuation adds nothing but another spelling of the same
    code (``ed 81 00`` for ``ed 01``); refusing it keeps one encoding, and so one did:key,
    per key, as the unsigned-varint spec requires.
    """
    value = 0
    for i, byte in enumerate(data[:4]):
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            if i and not byte:
                raise KeyFormatError("multicodec header is not a minimal varint",
                                     code="invalid_multicodec")
            return value, i + 1
    raise KeyFormatError("multicodec header is not a valid varint", code="invalid_multicodec")


def add_prefix(code: int, raw: bytes) -> bytes:
    """Prefix raw key bytes with the multicodec header for ``code``."""
    return encode_varint(code) + raw


def split_prefix(data: bytes) -> tuple[int, bytes]:
    """Return ``(code, raw)``; raise ``KeyFormatError`` for unknown codes or wrong lengths."""
    code, used = _decode_varint(data)
    raw = data[used:]
    expected = _LENGTHS.get(code)
    if expected is None:
        raise KeyFormatError(f"unsupported multicodec key type 0x{code:x}", code="invalid_multicodec")
    if len(raw) != expected:
        raise KeyFormatError(
            f"key for multicodec 0x{code:x} has {len(raw)} bytes, expected {expected}",
            code="invalid_key_length",
        )
    return code, raw

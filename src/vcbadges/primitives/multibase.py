"""Multibase strings: the one-character base prefix that Multikey and Data Integrity use.

Only the bases the specs we implement require are supported: ``z`` (base58btc), ``u``
(base64url without padding) and ``f`` (lower-case hex). Anything else is a
:class:`~vcbadges.errors.KeyFormatError`, so a malformed value never decodes to garbage.
"""

from __future__ import annotations

import base64
import binascii

import base58

from vcbadges.errors import KeyFormatError

__all__ = ["encode", "decode", "b64url_encode", "b64url_decode"]


def b64url_encode(data: bytes) -> str:
    """Return unpadded base64url text (RFC 4648 §5), as JOSE and multibase ``u`` use it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded (or padded) base64url; raise ``KeyFormatError`` on bad input."""
    try:
        raw = text.encode("ascii")
        return base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise KeyFormatError("value is not valid base64url", code="invalid_encoding") from exc


def encode(data: bytes, base: str = "z") -> str:
    """Encode ``data`` as a multibase string with the given base prefix."""
    if base == "z":
        return "z" + base58.b58encode(data).decode("ascii")
    if base == "u":
        return "u" + b64url_encode(data)
    if base == "f":
        return "f" + data.hex()
    raise ValueError(f"unsupported multibase prefix {base!r}")


def decode(text: str) -> bytes:
    """Decode a multibase string; raise ``KeyFormatError`` for an unknown prefix or bad digits."""
    if not isinstance(text, str) or len(text) < 2:
        raise KeyFormatError("multibase value is empty or not a string", code="invalid_multibase")
    prefix, body = text[0], text[1:]
    if prefix == "z":
        try:
            return base58.b58decode(body.encode("ascii"))
        except (UnicodeEncodeError, ValueError) as exc:
            raise KeyFormatError("multibase base58btc value has invalid digits",
                                 code="invalid_multibase") from exc
    if prefix == "u":
        try:
            return b64url_decode(body)
        except KeyFormatError as exc:
            raise KeyFormatError("multibase base64url value is invalid",
                                 code="invalid_multibase") from exc
    if prefix == "f":
        try:
            return bytes.fromhex(body)
        except ValueError as exc:
            raise KeyFormatError("multibase hex value is invalid", code="invalid_multibase") from exc
    raise KeyFormatError(f"unsupported multibase prefix {prefix!r}", code="invalid_multibase")

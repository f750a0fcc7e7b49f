"""Bitstring status lists: encode, decode, read and write entries, and build list credentials.

Pure and synchronous: nothing here does I/O. The format is the one W3C Bitstring Status List
v1.0 defines (and StatusList2021 before it):

- A list is a bitstring. Entry ``i`` of a list with ``statusSize`` ``n`` occupies bits
  ``i*n … i*n+n-1``, and bit 0 is the left-most (most significant) bit of byte 0, so a status is
  read most significant bit first.
- ``encodedList`` is GZIP (RFC 1952) of those bytes, base64url without padding, with the
  multibase prefix ``u`` for Bitstring Status List. StatusList2021 lists carry the same
  payload without the prefix.
- The spec's minimum list length is 131,072 entries (16 KiB at one bit per entry), so that one
  index reveals little about who holds it ("herd privacy").

GZIP output is not canonical (header bytes differ between zlib builds), so compare decoded
bits, never ``encodedList`` strings.

Decoding is where an attacker gets to choose the input: a few hundred bytes of GZIP can
expand to gigabytes. :func:`decode_list` therefore inflates incrementally with a cap on the
*decompressed* size and refuses a list that would pass it, before allocating the rest.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from datetime import datetime
from typing import Any

from vcbadges.errors import StatusError
from vcbadges.primitives.dates import format_datetime

__all__ = [
    "MIN_LIST_ENTRIES",
    "MIN_LIST_BYTES",
    "DEFAULT_MAX_LIST_BYTES",
    "STATUS_LIST_MALFORMED",
    "STATUS_LIST_TOO_LARGE",
    "STATUS_LIST_TOO_SHORT",
    "STATUS_INDEX_OUT_OF_RANGE",
    "encode_list",
    "decode_list",
    "check_length",
    "get_status",
    "set_status",
    "new_list",
    "status_list_credential",
    "status_entry",
    "STATUS_CONTEXT_V1",
    "with_status_context",
]

# The spec's minimum number of entries in a list (Bitstring Status List v1.0, 3.2 Validate
# Algorithm, "minimumNumberOfEntries"); an ecosystem specification may set a lower bound.
MIN_LIST_ENTRIES = 131_072
# "The uncompressed bitstring MUST be at least 16KB in size" (2.2, encodedList).
MIN_LIST_BYTES = MIN_LIST_ENTRIES // 8
# 16 MiB of bits is 134 million one-bit entries, far above any list seen in practice, and
# small enough that a hostile list costs at most this much memory.
DEFAULT_MAX_LIST_BYTES = 16 * 1024 * 1024

# Report codes of the StatusError instances raised here.
STATUS_LIST_MALFORMED = "status_list_malformed"
STATUS_LIST_TOO_LARGE = "status_list_too_large"
STATUS_LIST_TOO_SHORT = "status_list_too_short"
STATUS_INDEX_OUT_OF_RANGE = "status_index_out_of_range"

# Bitstring Status List requires base64url without padding; StatusList2021 said only
# "base-64 encoded [RFC4648]" (its example is base64url), so the unprefixed form also accepts
# the standard alphabet and padding that some StatusList2021 issuers emit.
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_B64_ANY = re.compile(r"[A-Za-z0-9_+/-]*={0,2}")
# wbits 16 + 15: a GZIP wrapper only (not raw deflate or zlib), as both specs require.
_GZIP_WBITS = 16 + zlib.MAX_WBITS

_CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2"
_CONTEXT_VC_V1 = "https://www.w3.org/2018/credentials/v1"
#: The context that defines the Bitstring Status List terms for VCDM 1.1 documents (Bitstring
#: Status List v1.0, "JSON-LD Context"); VCDM 2.0 documents have them from their base context.
STATUS_CONTEXT_V1 = "https://www.w3.org/ns/credentials/status/v1"
_ISSUABLE_PURPOSES = ("revocation", "suspension")


def encode_list(bits: bytes | bytearray) -> str:
    """Return the ``encodedList`` for ``bits``: ``u`` + base64url(GZIP(bits)), no padding.

    The GZIP header carries no timestamp, so the same bits always encode to the same string
    with this function (other implementations may still produce different strings).
    """
    if not isinstance(bits, (bytes, bytearray)):
        raise TypeError("bits must be bytes or bytearray")
    # Level 6 (zlib's default): on a 1%-revoked 16 KiB list level 9 is about 15 times slower
    # for an output only about 13% smaller, and issuers re-encode on every status change.
    compressed = gzip.compress(bytes(bits), compresslevel=6, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def _base64_payload(encoded: str) -> bytes:
    """Strip the multibase prefix if present and base64-decode, refusing stray characters."""
    if encoded.startswith("u"):
        body = encoded[1:]
        if _B64URL.fullmatch(body) is None:
            raise StatusError("encodedList is not multibase base64url (no padding)",
                              code=STATUS_LIST_MALFORMED)
    else:
        body = encoded.rstrip("=")
        if _B64_ANY.fullmatch(encoded) is None:
            raise StatusError("encodedList is not base64 text", code=STATUS_LIST_MALFORMED)
        body = body.replace("+", "-").replace("/", "_")
    if len(body) % 4 == 1:
        raise StatusError("encodedList has an impossible base64 length",
                          code=STATUS_LIST_MALFORMED)
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise StatusError("encodedList is not valid base64url", code=STATUS_LIST_MALFORMED) from exc


def decode_list(
    encoded: str,
    *,
    max_bytes: int = DEFAULT_MAX_LIST_BYTES,
    min_bytes: int = MIN_LIST_BYTES,
) -> bytes:
    """Decode an ``encodedList`` into the raw bitstring bytes.

    Accepts the Bitstring Status List form (``u`` + base64url) and the unprefixed
    StatusList2021 form. The GZIP stream is inflated at most ``max_bytes`` bytes at a time,
    so a compression bomb is refused without being expanded.

    Raises :class:`StatusError` with code ``status_list_malformed`` (not base64, not a single
    complete GZIP member, bad CRC), ``status_list_too_large`` (more than ``max_bytes`` once
    decompressed) or ``status_list_too_short`` (fewer than ``min_bytes``, by default the
    spec's 16 KiB minimum; pass ``min_bytes=0`` and use :func:`check_length` to apply an
    entry-based or ecosystem-specific minimum instead).
    """
    if not isinstance(encoded, str) or not encoded:
        raise StatusError("encodedList must be a non-empty string", code=STATUS_LIST_MALFORMED)
    if max_bytes < 0 or min_bytes < 0:
        raise ValueError("max_bytes and min_bytes must not be negative")
    compressed = _base64_payload(encoded)
    inflater = zlib.decompressobj(wbits=_GZIP_WBITS)
    try:
        # One byte over the cap tells "exactly at the cap" apart from "over it" without
        # inflating anything further.
        bits = inflater.decompress(compressed, max_bytes + 1)
    except zlib.error as exc:
        raise StatusError("encodedList is not valid GZIP data", code=STATUS_LIST_MALFORMED) from exc
    if len(bits) > max_bytes:
        raise StatusError(f"the status list expands to more than {max_bytes} bytes",
                          code=STATUS_LIST_TOO_LARGE)
    if not inflater.eof:
        raise StatusError("the GZIP data of encodedList is truncated", code=STATUS_LIST_MALFORMED)
    if inflater.unused_data:
        # A second GZIP member or trailing bytes: neither spec allows them, and accepting
        # them would let two decoders disagree about the list.
        raise StatusError("encodedList has data after its GZIP member",
                          code=STATUS_LIST_MALFORMED)
    if len(bits) < min_bytes:
        raise StatusError(
            f"the status list has {len(bits)} bytes; the minimum is {min_bytes}",
            code=STATUS_LIST_TOO_SHORT)
    return bits


def check_length(
    bits: bytes | bytearray, *, size: int = 1, min_entries: int = MIN_LIST_ENTRIES
) -> None:
    """Raise ``StatusError`` (``status_list_too_short``) if the list holds too few entries.

    This is the spec's STATUS_LIST_LENGTH_ERROR test: the bit length divided by
    ``statusSize`` must reach ``min_entries`` (131,072 unless an ecosystem sets a lower
    bound), so a list of two-bit entries needs 32 KiB, not 16.
    """
    _check_size(size)
    entries = len(bits) * 8 // size
    if entries < min_entries:
        raise StatusError(
            f"the status list holds {entries} entries of {size} bit(s); "
            f"the minimum is {min_entries}",
            code=STATUS_LIST_TOO_SHORT)


def _check_size(size: int) -> None:
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError("size (statusSize) must be a positive integer")


def _bit_span(bits: bytes | bytearray, index: int, size: int) -> int:
    """The bit offset of entry ``index``; ``StatusError`` if it does not fit in ``bits``."""
    if isinstance(index, bool) or not isinstance(index, int):
        raise TypeError("index must be an int")
    _check_size(size)
    offset = index * size
    if index < 0 or offset + size > len(bits) * 8:
        raise StatusError(
            f"status index {index} is outside a list of {len(bits) * 8 // size} entries",
            code=STATUS_INDEX_OUT_OF_RANGE)
    return offset


def get_status(bits: bytes | bytearray, index: int, *, size: int = 1) -> int:
    """Return the ``size``-bit status value of entry ``index`` (most significant bit first).

    Raises ``StatusError`` (``status_index_out_of_range``) when the entry lies outside the
    list, including a negative index.
    """
    offset = _bit_span(bits, index, size)
    if size == 1:
        return (bits[offset >> 3] >> (7 - (offset & 7))) & 1
    first, last = offset >> 3, (offset + size - 1) >> 3
    window = int.from_bytes(bits[first:last + 1], "big")
    shift = (last + 1) * 8 - (offset + size)
    return (window >> shift) & ((1 << size) - 1)


def set_status(bits: bytearray, index: int, value: int, *, size: int = 1) -> None:
    """Write ``value`` into entry ``index`` of ``bits`` in place.

    Raises ``ValueError`` if ``value`` does not fit in ``size`` bits and ``StatusError``
    (``status_index_out_of_range``) when the entry lies outside the list.
    """
    if not isinstance(bits, bytearray):
        raise TypeError("bits must be a bytearray (it is changed in place)")
    offset = _bit_span(bits, index, size)
    if isinstance(value, bool):
        value = int(value)
    if not isinstance(value, int) or not 0 <= value < (1 << size):
        raise ValueError(f"status value must be an integer in [0, {(1 << size) - 1}]")
    first, last = offset >> 3, (offset + size - 1) >> 3
    width = (last - first + 1) * 8
    shift = width - (offset - first * 8) - size
    mask = ((1 << size) - 1) << shift
    window = int.from_bytes(bits[first:last + 1], "big")
    window = (window & ~mask) | (value << shift)
    bits[first:last + 1] = window.to_bytes(last - first + 1, "big")


def new_list(entries: int = MIN_LIST_ENTRIES, *, size: int = 1) -> bytearray:
    """Return an all-zero list of ``entries`` entries of ``size`` bits each.

    Refuses (``ValueError``) fewer entries than the spec's minimum of 131,072, since a
    verifier following the spec would reject the list.
    """
    _check_size(size)
    if isinstance(entries, bool) or not isinstance(entries, int):
        raise TypeError("entries must be an int")
    if entries < MIN_LIST_ENTRIES:
        raise ValueError(f"a status list needs at least {MIN_LIST_ENTRIES} entries")
    return bytearray(-(-entries * size // 8))


def status_list_credential(
    *,
    list_id: str,
    issuer: str,
    purpose: str,
    bits: bytes | bytearray,
    valid_from: datetime,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """Build an unsigned VCDM 2.0 ``BitstringStatusListCredential`` (the caller signs it).

    ``list_id`` is the URL the list is served at, which every entry's
    ``statusListCredential`` names. Only the one-bit purposes ``revocation`` and
    ``suspension`` are issued: the ``message`` purpose needs list-level ``statusSize`` and
    ``statusMessages``, which the VC 2.0 context does not define, so such a list would fail
    safe-mode JSON-LD. Raises ``ValueError`` for another purpose or a list below 16 KiB.
    """
    if purpose not in _ISSUABLE_PURPOSES:
        raise ValueError(f"purpose must be one of {', '.join(_ISSUABLE_PURPOSES)}")
    if len(bits) < MIN_LIST_BYTES:
        raise ValueError(f"a status list needs at least {MIN_LIST_BYTES} bytes")
    credential: dict[str, Any] = {
        "@context": [_CONTEXT_V2],
        "id": list_id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": format_datetime(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = format_datetime(valid_until)
    credential["credentialSubject"] = {
        "id": f"{list_id}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": encode_list(bits),
    }
    return credential


def with_status_context(credential: dict[str, Any]) -> dict[str, Any]:
    """``credential`` (a copy) with the context its ``BitstringStatusListEntry`` needs.

    A VCDM 1.1 document (first context the credentials v1 one) gets :data:`STATUS_CONTEXT_V1`
    appended unless it has it: the v1 context does not define the entry's terms, and
    safe-mode JSON-LD would refuse to sign ``statusListCredential``. Bitstring Status List is
    the W3C Recommendation for both data models (StatusList2021 was its draft), and its list
    credential, served as VCDM 2.0, is read the same way whatever the entry's data model.
    A VCDM 2.0 document is returned as it is.
    """
    document = dict(credential)
    context = document.get("@context")
    if (isinstance(context, list) and context and context[0] == _CONTEXT_VC_V1
            and STATUS_CONTEXT_V1 not in context):
        document["@context"] = [*context, STATUS_CONTEXT_V1]
    return document


def status_entry(*, list_credential: str, index: int, purpose: str) -> dict[str, Any]:
    """Build a ``BitstringStatusListEntry`` pointing at entry ``index`` of a list.

    The entry's own ``id`` is the list URL with the index as fragment: the spec forbids the
    bare list URL as entry id, and a fragment keeps it unique per credential.
    """
    if purpose not in _ISSUABLE_PURPOSES:
        raise ValueError(f"purpose must be one of {', '.join(_ISSUABLE_PURPOSES)}")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError("index must be a non-negative int")
    return {
        "id": f"{list_credential}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_credential,
    }

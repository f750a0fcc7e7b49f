"""CBOR-LD: JSON-LD credentials as compact CBOR, the payload of a VP-QR code.

CBOR-LD compresses a JSON-LD document with what its contexts already say: every key becomes
a small integer derived from the contexts, and typed values (URLs, did:key URLs, multibase
proof values, dates) become their binary forms; prose stays text. A signed Open Badge
shrinks to about 60% of its compact JSON (1,700 bytes for a text-heavy sample), small enough
for one QR code when its image is a hosted URL.

This implements the form that ``@digitalcredentials/cborld`` 4.3 writes and reads (tag
``0x0501``, the "legacy" registry of :mod:`.registry`), because that is what the Learner
Credential Wallet and VerifierPlus decode through ``@digitalcredentials/vpqr``; newer
``@digitalbazaar/cborld`` releases still decode it. :func:`encode` and :func:`decode`
round-trip any document whose terms are all defined by bundled contexts, string for string,
so a Data Integrity proof still verifies after the trip.

Decoding is offline and bounded (see :mod:`.wire`): contexts come from vcbadges' bundled
set only, and a payload that breaks a limit or the format raises :class:`CborldError` with a
specific ``code``.
"""

from __future__ import annotations

from typing import Any

from vcbadges.credentials.cborld import wire
from vcbadges.credentials.cborld.contexts import ContextLoader
from vcbadges.credentials.cborld.errors import CborldError
from vcbadges.credentials.cborld.registry import COMPRESSED
from vcbadges.credentials.cborld.transform import Compressor, Decompressor, plain_json
from vcbadges.jsonld.contexts import context_document

__all__ = ["CborldError", "encode", "decode"]


def encode(document: dict[str, Any], *, load: ContextLoader = context_document) -> bytes:
    """The compressed CBOR-LD bytes of a JSON-LD object whose contexts ``load`` serves."""
    if not isinstance(document, dict):
        raise CborldError("a CBOR-LD document is a JSON object", code="cborld_bad_value")
    return wire.frame(COMPRESSED, wire.dump(Compressor(load).compress(document)))


def decode(data: bytes, *, load: ContextLoader = context_document) -> dict[str, Any]:
    """The JSON-LD object of CBOR-LD bytes (compressed or not), refusing anything else."""
    mode, body = wire.unframe(data)
    value = wire.load(body)
    if mode != COMPRESSED:
        if not isinstance(value, dict):
            raise CborldError("an uncompressed CBOR-LD document is a JSON object")
        document: dict[str, Any] = plain_json(value)
        return document
    return Decompressor(load).decompress(value)

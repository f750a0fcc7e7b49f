"""Bake Open Badges credentials into PNG and SVG images, and read them back out.

"Baking" (OB 3.0, "Open Badges Document Formats", section "Baked Badge") stores exactly one
credential inside the badge image, so the image can travel on its own:

* PNG: one ``iTXt`` chunk with keyword ``openbadgecredential``, no compression; its text is
  the compact JWS (VC-JWT) or the JSON credential (embedded proof).
* SVG: ``xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`` on the root ``<svg>`` and,
  directly after it opens, one ``<openbadges:credential>`` element: empty with
  ``verify="<compact JWS>"``, or holding the JSON credential in a CDATA section.

Open Badges 2.0 images are read too (``version="ob2"``): PNG text chunk keyword
``openbadges`` and SVG ``<openbadges:assertion>`` in namespace ``http://openbadges.org``,
whose payload may also be the URL of a hosted assertion. vcbadges never bakes OB 2.0.

Everything here is pure and synchronous: no I/O, no network, and every input is bounded
(image size, baked text size, decompressed size) before any work proportional to it is done.
A baked payload is only *extracted* here; proofs, signatures and the credential's shape are
judged by the verifier, so this module checks only that the payload is a JSON object, a
compact JWS or (OB 2.0) an http(s) URL.

Decisions worth knowing:

* The credential chunk goes right after ``IHDR``. The spec does not fix a position (the PNG
  spec allows ``iTXt`` anywhere between ``IHDR`` and ``IEND``), and the spec's extraction
  rule ("parse until the first ``iTXt`` ... the rest of the stream can be discarded") is
  served best when the chunk comes first. Bytes after ``IEND`` are dropped.
* When *reading*, a compressed ``iTXt``, a ``zTXt`` or a ``tEXt`` with a credential keyword
  is accepted, decompressed with a hard output cap. This deviates from "Compression MUST
  NOT be used", on purpose: the payload carries its own proof, so how the text was stored
  does not change what a verifier can trust, while image tools that re-save text chunks
  compressed would otherwise make genuine badges unreadable. The cap makes a zlib bomb cost
  at most ``max_text_bytes`` of output. When *baking*, compression is never used.
* At most one credential chunk or element may be present (the spec's MUST NOT): two are an
  error (``baked_duplicate``), never "take the first", so two readers cannot disagree about
  which credential an image holds.
* SVG is parsed twice, both times without entities or DTD loading: first by defusedxml
  (which refuses entity declarations and external references), then, only if that
  succeeded, by plain expat to learn byte offsets and the DOCTYPE. A DOCTYPE is allowed
  only without an internal subset and only when it names a W3C SVG DTD (as the official
  fixtures do); any other external DTD is refused even though it would never be fetched
  here, because baked images are passed on to other XML tools that might fetch it.
* Baking an SVG splices text into the original bytes instead of re-serializing a parsed
  tree, so the rest of the image (whitespace, comments, attribute order, DOCTYPE) stays
  byte-for-byte as it was. Existing OB 3.0 credential elements are cut out first.
* Cost is linear in the input. The pathological worst case at the default 5 MiB cap
  (hundreds of thousands of empty PNG chunks or SVG elements) takes around a second of
  CPU, so async code that unbakes untrusted uploads should call these functions through
  ``asyncio.to_thread`` or pass a smaller ``max_image_bytes``.

All failures raise :class:`~vcbadges.errors.CredentialError` with one of the ``code`` values
defined below; a wrong argument type raises ``TypeError``.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import json
import re
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError
from xml.parsers import expat

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml import ElementTree as SafeElementTree

from vcbadges.errors import CredentialError, JSONInputError
from vcbadges.primitives.jsonlimits import loads_strict

__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_BAKED_TEXT_BYTES",
    "OB3_PNG_KEYWORD",
    "OB2_PNG_KEYWORD",
    "OB3_SVG_NAMESPACE",
    "OB2_SVG_NAMESPACE",
    "IMAGE_TOO_LARGE",
    "IMAGE_MALFORMED",
    "IMAGE_UNSUPPORTED",
    "NO_BAKED_CREDENTIAL",
    "BAKED_DUPLICATE",
    "BAKED_TEXT_TOO_LARGE",
    "BAKED_PAYLOAD_MALFORMED",
    "Unbaked",
    "bake_png",
    "bake_svg",
    "unbake",
    "unbake_png",
    "unbake_svg",
]

MAX_IMAGE_BYTES = 5 * 1024 * 1024
"""Default cap on an image given to any function here (5 MiB)."""

MAX_BAKED_TEXT_BYTES = 1024 * 1024
"""Default cap on the baked text, in UTF-8 bytes, after any decompression (1 MiB)."""

OB3_PNG_KEYWORD = "openbadgecredential"
OB2_PNG_KEYWORD = "openbadges"
OB3_SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
OB2_SVG_NAMESPACE = "http://openbadges.org"

IMAGE_TOO_LARGE = "image_too_large"
"""The image is larger than ``max_image_bytes``."""
IMAGE_MALFORMED = "image_malformed"
"""Not a well-formed PNG (signature, chunk lengths, CRCs, IHDR/IEND) or SVG (XML syntax,
entities, DTDs other than the W3C SVG ones)."""
IMAGE_UNSUPPORTED = "image_unsupported"
"""Neither PNG nor SVG, an XML document whose root is not ``<svg>``, or (baking only) an
SVG in UTF-16/UTF-32, into which text cannot be spliced byte-wise."""
NO_BAKED_CREDENTIAL = "no_baked_credential"
"""A well-formed image without an OB 3.0 or OB 2.0 baked payload."""
BAKED_DUPLICATE = "baked_duplicate"
"""More than one credential chunk (PNG) or element (SVG) of the same version."""
BAKED_TEXT_TOO_LARGE = "baked_text_too_large"
"""The baked text (after decompression) is larger than ``max_text_bytes``."""
BAKED_PAYLOAD_MALFORMED = "baked_payload_malformed"
"""The baked text is not a JSON object, a compact JWS or (OB 2.0 only) an http(s) URL."""

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_MAX_CHUNK_LENGTH = 2**31 - 1  # PNG spec: a chunk length is at most 2^31 - 1.
_PNG_TEXT_CHUNKS = frozenset({b"tEXt", b"zTXt", b"iTXt"})
_PNG_VERSIONS: tuple[tuple[Literal["ob3", "ob2"], str], ...] = (
    ("ob3", OB3_PNG_KEYWORD),
    ("ob2", OB2_PNG_KEYWORD),
)

_SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_SVG_ROOT_TAGS = frozenset({f"{{{_SVG_NAMESPACE}}}svg", "svg"})
_SVG_ELEMENTS: tuple[tuple[Literal["ob3", "ob2"], str], ...] = (
    ("ob3", f"{{{OB3_SVG_NAMESPACE}}}credential"),
    ("ob2", f"{{{OB2_SVG_NAMESPACE}}}assertion"),
)
# Element names as plain expat reports them with namespace_separator=" ".
_EXPAT_OB3_CREDENTIAL = f"{OB3_SVG_NAMESPACE} credential"

# The W3C's published SVG DTDs: the only external subsets a baked SVG may name. They are
# never fetched here; the allowlist keeps other URLs (file:, attacker hosts) out of images
# that other XML tools will read.
_SVG_DTD_SYSTEM_IDS = frozenset(
    f"{scheme}://www.w3.org/{path}"
    for scheme in ("http", "https")
    for path in (
        "Graphics/SVG/1.1/DTD/svg11.dtd",
        "Graphics/SVG/1.1/DTD/svg11-basic.dtd",
        "Graphics/SVG/1.1/DTD/svg11-tiny.dtd",
        "TR/2001/REC-SVG-20010904/DTD/svg10.dtd",
    )
)

_UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"

# A compact JWS: three base64url segments, none empty (an unsecured "alg": "none" token
# with an empty signature is not a credential anyone should bake).
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f]")
_JSON_WHITESPACE = " \t\r\n"

# Characters that json.dumps(ensure_ascii=False) leaves raw but that cannot be stored:
# lone surrogates cannot be encoded as UTF-8, and XML 1.0 forbids U+FFFE and U+FFFF.
# They only ever occur inside JSON strings, where a \\u escape means the same thing.
_NOT_UTF8 = re.compile("[\ud800-\udfff]")
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
_NOT_ASCII = re.compile("[^\x00-\x7f]")

# A start tag and an end tag, matched at offsets that expat reported for a document it
# has already accepted as well-formed, so these patterns need not reject bad markup.
_START_TAG = re.compile(rb"<([^\s/>]+)(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*\s*(/?)>")
_END_TAG = re.compile(rb"</[^\s>]+\s*>")
_LINE_INDENT = re.compile(rb"(?:\r?\n)?[ \t]*\Z")


@dataclass(frozen=True)
class Unbaked:
    """What :func:`unbake` found in an image.

    ``payload`` is the parsed JSON object, or the compact JWS (or, for OB 2.0 only, the
    hosted assertion URL) exactly as stored, minus surrounding whitespace. It has not been
    verified: pass it to the verifier.
    """

    format: Literal["png", "svg"]
    version: Literal["ob3", "ob2"]
    payload: dict[str, Any] | str


# --------------------------------------------------------------------------- public API


def bake_png(
    image: bytes,
    credential: dict[str, Any] | str,
    *,
    max_image_bytes: int = MAX_IMAGE_BYTES,
    max_text_bytes: int = MAX_BAKED_TEXT_BYTES,
) -> bytes:
    """Return ``image`` with ``credential`` baked in as an OB 3.0 ``iTXt`` chunk.

    ``credential`` is a credential object (serialized as compact UTF-8 JSON), a compact JWS,
    or JSON text, which is stored as given so that a credential kept "exactly as received"
    is not re-serialized. Any ``openbadgecredential`` text chunk already in the image is
    removed first, so re-baking replaces the credential; OB 2.0 ``openbadges`` chunks are
    left alone. The new chunk is uncompressed and placed right after ``IHDR``; every other
    chunk is copied byte for byte and anything after ``IEND`` is dropped.

    Raises ``CredentialError`` with code ``image_too_large``, ``image_malformed`` (bad
    signature, CRC, length, missing ``IHDR``/``IEND``), ``baked_text_too_large`` or
    ``baked_payload_malformed`` (a string that is neither a compact JWS nor a JSON object).
    """
    data = _image_bytes(image, max_image_bytes)
    text, _ = _credential_text(credential)
    raw = _NOT_UTF8.sub(_json_unicode_escape, text).encode("utf-8")
    _check_text_size(len(raw), max_text_bytes)
    chunks = _read_png(data)
    out = [_PNG_SIGNATURE, data[chunks[0].start : chunks[0].end]]
    # keyword, NUL, compression flag 0, compression method 0, empty language tag + NUL,
    # empty translated keyword + NUL, then the text.
    body = OB3_PNG_KEYWORD.encode("latin-1") + b"\x00\x00\x00\x00\x00" + raw
    out.append(_png_chunk(b"iTXt", body))
    for chunk in chunks[1:]:
        if chunk.type in _PNG_TEXT_CHUNKS and _chunk_keyword(data, chunk) == OB3_PNG_KEYWORD:
            continue
        out.append(data[chunk.start : chunk.end])
    return b"".join(out)


def bake_svg(
    svg: bytes,
    credential: dict[str, Any] | str,
    *,
    max_image_bytes: int = MAX_IMAGE_BYTES,
    max_text_bytes: int = MAX_BAKED_TEXT_BYTES,
) -> bytes:
    """Return ``svg`` with ``credential`` baked in as an OB 3.0 ``<openbadges:credential>``.

    ``credential`` is taken as in :func:`bake_png`. A JWS goes into the ``verify``
    attribute of an empty element; JSON goes into a CDATA section (split around any ``]]>``
    so the text cannot end the section early). The element is inserted directly after the
    root start tag, which gains ``xmlns:openbadges`` unless it already binds that prefix;
    if the root binds ``openbadges`` to another namespace (an OB 2.0 badge being upgraded),
    the element declares the prefix itself so the old binding keeps working. Every existing
    OB 3.0 credential element is cut out first, with its line's indentation. Nothing else
    in the document changes. If the document declares an encoding other than UTF-8, non-ASCII
    characters in the JSON are written as ``\\u`` escapes, which JSON reads identically.

    Raises ``CredentialError`` with code ``image_too_large``, ``image_malformed`` (not
    well-formed, entity declarations, a DTD other than the W3C SVG DTDs),
    ``image_unsupported`` (root not ``<svg>``, UTF-16/UTF-32 document),
    ``baked_text_too_large`` or ``baked_payload_malformed``.
    """
    data = _image_bytes(svg, max_image_bytes)
    text, kind = _credential_text(credential)
    root = _parse_svg(data)
    _check_svg_root(root)
    has_credential = next(root.iter(_SVG_ELEMENTS[0][1]), None) is not None
    layout = _svg_layout(data, find_credentials=has_credential)
    utf8 = _svg_is_utf8(data, layout.encoding)

    if kind == "json":
        text = (_NOT_XML if utf8 else _NOT_ASCII).sub(_json_unicode_escape, text)
    _check_text_size(len(text.encode("utf-8")), max_text_bytes)

    bound = layout.root_namespaces.get("openbadges")
    own_declaration = "" if bound in (None, OB3_SVG_NAMESPACE) else _OB3_XMLNS
    if kind == "jws":
        element = (
            f'<openbadges:credential{own_declaration} verify="{text}"></openbadges:credential>'
        )
    else:
        cdata = text.replace("]]>", "]]]]><![CDATA[>")
        element = (
            f"<openbadges:credential{own_declaration}><![CDATA[{cdata}]]></openbadges:credential>"
        )
    element_bytes = element.encode("utf-8")  # Pure ASCII unless the document is UTF-8.

    start_tag = _START_TAG.match(data, layout.root_start)
    if start_tag is None:  # pragma: no cover - expat accepted this start tag.
        raise CredentialError("The SVG root start tag could not be located.", code=IMAGE_MALFORMED)
    tag_end = start_tag.end()
    self_closing = start_tag.group(2) == b"/"
    root_declaration = _OB3_XMLNS.encode("ascii") if bound is None else b""
    close_at = tag_end - (2 if self_closing else 1)

    head = data[:close_at] + root_declaration + b">" + element_bytes
    if self_closing:
        head += b"</" + start_tag.group(1) + b">"
    ranges = [
        (start, _element_end(data, start, event)) for start, event in layout.credential_events
    ]
    return head + _cut(data, tag_end, ranges)


def unbake(
    data: bytes,
    *,
    max_image_bytes: int = MAX_IMAGE_BYTES,
    max_text_bytes: int = MAX_BAKED_TEXT_BYTES,
) -> Unbaked:
    """Return the credential baked into a PNG or SVG image, whichever ``data`` is.

    PNG is recognised by its signature (a damaged signature still counts as PNG, and fails
    as ``image_malformed``), SVG by starting with ``<`` after an optional byte-order mark
    and whitespace. Raises ``CredentialError`` with code ``image_unsupported`` for anything
    else, or any code of :func:`unbake_png` / :func:`unbake_svg`.
    """
    raw = _image_bytes(data, max_image_bytes)
    if raw[:4] == _PNG_SIGNATURE[:4]:
        return unbake_png(raw, max_image_bytes=max_image_bytes, max_text_bytes=max_text_bytes)
    if _looks_like_xml(raw):
        return unbake_svg(raw, max_image_bytes=max_image_bytes, max_text_bytes=max_text_bytes)
    raise CredentialError("The image is neither a PNG nor an SVG.", code=IMAGE_UNSUPPORTED)


def unbake_png(
    data: bytes,
    *,
    max_image_bytes: int = MAX_IMAGE_BYTES,
    max_text_bytes: int = MAX_BAKED_TEXT_BYTES,
) -> Unbaked:
    """Return the credential baked into a PNG.

    The whole image is validated first (signature, chunk lengths, every CRC, ``IHDR`` first,
    ``IEND`` present), so a damaged file is reported as such rather than half-read. An OB 3.0
    ``openbadgecredential`` chunk wins over an OB 2.0 ``openbadges`` one.

    Raises ``CredentialError`` with code ``image_too_large``, ``image_malformed``,
    ``no_baked_credential``, ``baked_duplicate`` (two chunks with the same keyword),
    ``baked_text_too_large`` (also for a compressed text that inflates past the cap) or
    ``baked_payload_malformed``.
    """
    raw = _image_bytes(data, max_image_bytes)
    chunks = _read_png(raw)
    found: dict[str, list[_Chunk]] = {OB3_PNG_KEYWORD: [], OB2_PNG_KEYWORD: []}
    for chunk in chunks:
        if chunk.type in _PNG_TEXT_CHUNKS:
            hits = found.get(_chunk_keyword(raw, chunk))
            if hits is not None:
                hits.append(chunk)
    for version, keyword in _PNG_VERSIONS:
        hits = found[keyword]
        if len(hits) > 1:
            raise CredentialError(
                f"The PNG holds {len(hits)} {keyword!r} text chunks; at most one is allowed.",
                code=BAKED_DUPLICATE,
            )
        if hits:
            text = _png_chunk_text(raw, hits[0], max_text_bytes)
            return Unbaked("png", version, _payload(text, version))
    raise CredentialError("The PNG holds no baked credential.", code=NO_BAKED_CREDENTIAL)


def unbake_svg(
    data: bytes,
    *,
    max_image_bytes: int = MAX_IMAGE_BYTES,
    max_text_bytes: int = MAX_BAKED_TEXT_BYTES,
) -> Unbaked:
    """Return the credential baked into an SVG.

    The element is looked for anywhere in the document (not only directly after ``<svg>``),
    and an OB 3.0 ``<openbadges:credential>`` wins over an OB 2.0 ``<openbadges:assertion>``.
    JSON content wins over a ``verify`` attribute only for OB 2.0 hosted assertions, where
    ``verify`` is the assertion URL; an OB 3.0 element with both is ambiguous and refused.

    Raises ``CredentialError`` with code ``image_too_large``, ``image_malformed`` (not
    well-formed, entity declarations, a DTD other than the W3C SVG DTDs),
    ``image_unsupported`` (root not ``<svg>``), ``no_baked_credential``, ``baked_duplicate``,
    ``baked_text_too_large`` or ``baked_payload_malformed``.
    """
    raw = _image_bytes(data, max_image_bytes)
    root = _parse_svg(raw)
    _check_svg_root(root)
    _svg_layout(raw, find_credentials=False)  # Applies the DOCTYPE policy.
    for version, tag in _SVG_ELEMENTS:
        elements = list(root.iter(tag))
        if len(elements) > 1:
            raise CredentialError(
                f"The SVG holds {len(elements)} {tag} elements; at most one is allowed.",
                code=BAKED_DUPLICATE,
            )
        if elements:
            text = _svg_element_text(elements[0], version, max_text_bytes)
            return Unbaked("svg", version, _payload(text, version))
    raise CredentialError("The SVG holds no baked credential.", code=NO_BAKED_CREDENTIAL)


# ------------------------------------------------------------------ shared input handling

_OB3_XMLNS = f' xmlns:openbadges="{OB3_SVG_NAMESPACE}"'


def _image_bytes(data: bytes, max_image_bytes: int) -> bytes:
    """Check the type and size of an image before any work proportional to it is done."""
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"image data must be bytes, not {type(data).__name__}")
    if len(data) > max_image_bytes:
        raise CredentialError(
            f"The image is {len(data)} bytes; the limit is {max_image_bytes}.",
            code=IMAGE_TOO_LARGE,
        )
    return bytes(data)


def _check_text_size(size: int, max_text_bytes: int) -> None:
    if size > max_text_bytes:
        raise CredentialError(
            f"The baked text is {size} bytes; the limit is {max_text_bytes}.",
            code=BAKED_TEXT_TOO_LARGE,
        )


def _credential_text(credential: dict[str, Any] | str) -> tuple[str, Literal["json", "jws"]]:
    """The text to bake, and whether it is JSON or a compact JWS.

    A JSON string is checked and kept as written (only trimmed), so credentials stored as
    received are not re-serialized on their way into an image.
    """
    if isinstance(credential, dict):
        text = json.dumps(credential, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return text, "json"
    if not isinstance(credential, str):
        raise TypeError(f"credential must be a dict or a string, not {type(credential).__name__}")
    text = credential.strip(_JSON_WHITESPACE)
    if _is_compact_jws(text):
        return text, "jws"
    if text.startswith("{"):
        _json_object(text)
        return text, "json"
    raise CredentialError(
        "The credential string is neither a compact JWS nor a JSON object.",
        code=BAKED_PAYLOAD_MALFORMED,
    )


def _json_unicode_escape(match: re.Match[str]) -> str:
    """``\\uXXXX`` escape(s) for one character, as JSON spells it (UTF-16 code units)."""
    code = ord(match.group())
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def _payload(text: str, version: Literal["ob3", "ob2"]) -> dict[str, Any] | str:
    """Classify baked text: a JSON object (parsed), a compact JWS, or an OB 2.0 URL."""
    value = text.strip(_JSON_WHITESPACE)
    if not value:
        raise CredentialError("The baked payload is empty.", code=BAKED_PAYLOAD_MALFORMED)
    if value.startswith("{"):
        return _json_object(value)
    if _is_compact_jws(value):
        return value
    if version == "ob2" and _is_http_url(value):
        return value
    expected = "a JSON object or a compact JWS" + (" or a URL" if version == "ob2" else "")
    raise CredentialError(f"The baked payload is not {expected}.", code=BAKED_PAYLOAD_MALFORMED)


def _json_object(text: str) -> dict[str, Any]:
    """Parse strict JSON (no NaN/Infinity, no duplicate names) that must be an object."""
    try:
        value = loads_strict(text)
    except JSONInputError as exc:
        raise CredentialError(
            f"The baked JSON does not parse: {exc.message}", code=BAKED_PAYLOAD_MALFORMED
        ) from exc
    if not isinstance(value, dict):
        raise CredentialError("The baked JSON is not an object.", code=BAKED_PAYLOAD_MALFORMED)
    return value


def _is_compact_jws(text: str) -> bool:
    """Three non-empty base64url segments whose first decodes to a JSON header with "alg".

    The signature itself is the verifier's business; this only tells a JWS from noise.
    """
    if _COMPACT_JWS.fullmatch(text) is None:
        return False
    segment = text.split(".", 1)[0]
    try:
        header = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        value = loads_strict(header)
    except (binascii.Error, ValueError, JSONInputError):
        return False
    return isinstance(value, dict) and isinstance(value.get("alg"), str)


def _is_http_url(text: str) -> bool:
    if _URL_FORBIDDEN.search(text):
        return False
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(host)


# -------------------------------------------------------------------------------- PNG


class _Chunk(NamedTuple):
    """One PNG chunk: ``start`` is the offset of its length field, ``end`` is past its CRC.

    A tuple rather than a dataclass because a 5 MiB image may hold ~400,000 empty chunks,
    and building each must stay cheap.
    """

    type: bytes
    start: int
    end: int

    @property
    def data_start(self) -> int:
        return self.start + 8

    @property
    def data_end(self) -> int:
        return self.end - 4


_CHUNK_HEADER = struct.Struct(">I4s")
_CHUNK_CRC = struct.Struct(">I")


def _png_malformed(message: str) -> CredentialError:
    return CredentialError(message, code=IMAGE_MALFORMED)


def _read_png(data: bytes) -> list[_Chunk]:
    """Validate the PNG structure and list its chunks up to and including ``IEND``.

    Every length is checked against the bytes that remain before anything is sliced, so a
    length of 2^31-1 in a tiny file costs nothing; every CRC is checked, so a damaged file
    is never silently re-emitted by :func:`bake_png` with a fresh, "valid" CRC.
    """
    if data[:8] != _PNG_SIGNATURE:
        raise _png_malformed("The PNG signature is wrong (not a PNG, or damaged in transfer).")
    view = memoryview(data)
    size = len(data)
    read_header, read_crc, crc32 = _CHUNK_HEADER.unpack_from, _CHUNK_CRC.unpack_from, zlib.crc32
    chunks: list[_Chunk] = []
    pos = len(_PNG_SIGNATURE)
    while True:
        if size - pos < 12:
            raise _png_malformed("The PNG ends before its IEND chunk.")
        length, chunk_type = read_header(data, pos)
        end = pos + 12 + length
        if length > _PNG_MAX_CHUNK_LENGTH or end > size:
            raise _png_malformed(
                f"A PNG chunk declares {length} bytes; the data ends or the length is invalid."
            )
        if not chunk_type.isalpha():  # bytes.isalpha() accepts ASCII letters only.
            raise _png_malformed(f"A PNG chunk has an invalid type {chunk_type!r}.")
        if crc32(view[pos + 4 : end - 4]) != read_crc(data, end - 4)[0]:
            raise _png_malformed(f"The PNG chunk {chunk_type.decode('ascii')} has a bad CRC.")
        if not chunks and (chunk_type != b"IHDR" or length != 13):
            raise _png_malformed("The PNG does not start with a 13-byte IHDR chunk.")
        chunks.append(_Chunk(chunk_type, pos, end))
        pos = end
        if chunk_type == b"IEND":
            return chunks


def _png_chunk(chunk_type: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body))
        + chunk_type
        + body
        + struct.pack(">I", zlib.crc32(chunk_type + body))
    )


def _chunk_keyword(data: bytes, chunk: _Chunk) -> str:
    """The keyword of a text chunk (1-79 Latin-1 bytes then NUL), or "" if it has none."""
    nul = data.find(b"\x00", chunk.data_start, min(chunk.data_end, chunk.data_start + 80))
    if nul <= chunk.data_start:
        return ""
    return data[chunk.data_start : nul].decode("latin-1")


def _png_chunk_text(data: bytes, chunk: _Chunk, max_text_bytes: int) -> str:
    """The text of a credential chunk: ``iTXt`` is UTF-8, ``tEXt``/``zTXt`` Latin-1.

    Compressed text is accepted here although OB 3.0 forbids compression (see the module
    docstring); it is inflated with an output cap, so its size is bounded like stored text.
    """
    body = data[chunk.data_start : chunk.data_end]
    rest = body[body.index(b"\x00") + 1 :]
    if chunk.type == b"tEXt":
        _check_text_size(len(rest), max_text_bytes)
        return rest.decode("latin-1")
    if chunk.type == b"zTXt":
        if not rest or rest[0] != 0:
            raise _png_malformed("A zTXt credential chunk names an unknown compression method.")
        return _inflate(rest[1:], max_text_bytes).decode("latin-1")
    # iTXt: compression flag, compression method, language tag NUL, translated keyword NUL.
    if len(rest) < 2 or rest[0] not in (0, 1):
        raise _png_malformed("An iTXt credential chunk has an invalid compression flag.")
    compressed, method = rest[0] == 1, rest[1]
    language_end = rest.find(b"\x00", 2)
    translated_end = rest.find(b"\x00", language_end + 1) if language_end >= 0 else -1
    if translated_end < 0:
        raise _png_malformed("An iTXt credential chunk is truncated.")
    raw = rest[translated_end + 1 :]
    if compressed:
        if method != 0:
            raise _png_malformed("An iTXt credential chunk names an unknown compression method.")
        raw = _inflate(raw, max_text_bytes)
    else:
        _check_text_size(len(raw), max_text_bytes)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CredentialError(
            "The baked iTXt text is not valid UTF-8.", code=BAKED_PAYLOAD_MALFORMED
        ) from exc


def _inflate(compressed: bytes, max_text_bytes: int) -> bytes:
    """Decompress a zlib stream, producing at most ``max_text_bytes + 1`` bytes.

    ``max_length`` stops zlib once the cap is passed, so a bomb never allocates more than
    the cap whatever its ratio.
    """
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(compressed, max_text_bytes + 1)
    except zlib.error as exc:
        raise _png_malformed(f"A compressed credential chunk does not inflate: {exc}") from exc
    _check_text_size(len(out), max_text_bytes)
    if not inflater.eof or inflater.unused_data:
        raise _png_malformed("A compressed credential chunk is truncated or has trailing data.")
    return out


# -------------------------------------------------------------------------------- SVG


def _svg_malformed(message: str) -> CredentialError:
    return CredentialError(message, code=IMAGE_MALFORMED)


def _parse_svg(data: bytes) -> Element:
    """Parse with defusedxml: entity declarations and external references are refused.

    A DOCTYPE itself is let through here (``forbid_dtd=False``) because the official baked
    SVG fixtures carry the standard SVG 1.1 DOCTYPE; :func:`_svg_layout` then restricts it.
    """
    try:
        root: Element = SafeElementTree.fromstring(
            data, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise _svg_malformed(f"The SVG uses a forbidden XML feature: {exc!r}") from exc
    except (ParseError, expat.ExpatError, ValueError) as exc:
        raise _svg_malformed(f"The SVG is not well-formed XML: {exc}") from exc
    return root


def _check_svg_root(root: Element) -> None:
    if root.tag not in _SVG_ROOT_TAGS:
        raise CredentialError(
            f"The XML document's root is {root.tag!r}, not an SVG <svg> element.",
            code=IMAGE_UNSUPPORTED,
        )


@dataclass
class _SVGLayout:
    """Byte offsets and declarations that baking needs and a parsed tree does not keep."""

    encoding: str | None = None
    root_start: int = -1
    root_namespaces: dict[str, str] = field(default_factory=dict)
    # (start of the start tag, offset of expat's end event) per OB 3.0 credential element;
    # see _element_end for turning the second into the element's end.
    credential_events: list[tuple[int, int]] = field(default_factory=list)


class _StopParsing(Exception):
    """Raised from an expat handler once :func:`_svg_layout` has learnt what it needs."""


def _svg_layout(data: bytes, *, find_credentials: bool) -> _SVGLayout:
    """Second, offset-recording parse with plain expat, run only after :func:`_parse_svg`.

    It applies the DOCTYPE policy and records the declared encoding, the root start tag's
    offset and the root's namespace declarations; all of these precede the root element,
    so parsing stops there unless ``find_credentials`` asks for the byte range of every
    OB 3.0 credential element too (baking over an existing credential). It refuses
    entities on its own as well, so it is never less strict than the defusedxml pass.
    """
    layout = _SVGLayout()
    parser = expat.ParserCreate(namespace_separator=" ")
    open_credentials: list[int] = []

    def xml_declaration(version: str, encoding: str | None, standalone: int) -> None:
        layout.encoding = encoding

    def doctype(name: str, system_id: str | None, public_id: str | None, internal: int) -> None:
        if internal:
            raise _svg_malformed("The SVG has an internal DTD subset.")
        if system_id is not None and system_id not in _SVG_DTD_SYSTEM_IDS:
            raise _svg_malformed(
                f"The SVG names an external DTD that is not an SVG DTD: {system_id!r}."
            )

    def refuse_entity(*args: object) -> None:
        raise _svg_malformed("The SVG declares an entity.")

    def refuse_external(*args: object) -> int:
        raise _svg_malformed("The SVG references an external entity.")

    def namespace(prefix: str | None, uri: str) -> None:
        if layout.root_start < 0:  # Declarations reported before the root opens are its own.
            layout.root_namespaces[prefix or ""] = uri

    def start(name: str, attributes: dict[str, str]) -> None:
        if layout.root_start < 0:
            layout.root_start = parser.CurrentByteIndex
            if not find_credentials:
                raise _StopParsing
        if name == _EXPAT_OB3_CREDENTIAL:
            open_credentials.append(parser.CurrentByteIndex)

    def end(name: str) -> None:
        if name == _EXPAT_OB3_CREDENTIAL:
            layout.credential_events.append((open_credentials.pop(), parser.CurrentByteIndex))

    parser.XmlDeclHandler = xml_declaration
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = refuse_entity
    parser.UnparsedEntityDeclHandler = refuse_entity
    parser.ExternalEntityRefHandler = refuse_external
    parser.StartNamespaceDeclHandler = namespace
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except _StopParsing:
        pass
    except expat.ExpatError as exc:  # pragma: no cover - defusedxml parsed it already.
        raise _svg_malformed(f"The SVG is not well-formed XML: {exc}") from exc
    return layout


def _element_end(data: bytes, start: int, end_event: int) -> int:
    """Offset just past an element, from where it starts and where expat saw it end.

    For ``<x>...</x>`` expat reports the end at the ``</``; for an empty-element tag
    ``<x/>`` it reports the offset *after* the tag, which may itself be a parent's ``</``,
    so the start tag is looked at to tell the two apart.
    """
    start_tag = _START_TAG.match(data, start)
    if start_tag is None:  # pragma: no cover - expat accepted this start tag.
        raise _svg_malformed("An SVG start tag could not be located.")
    if start_tag.group(2) == b"/":
        return start_tag.end()
    end_tag = _END_TAG.match(data, end_event)
    if end_tag is None:  # pragma: no cover - expat accepted this end tag.
        raise _svg_malformed("An SVG end tag could not be located.")
    return end_tag.end()


def _cut(data: bytes, begin: int, ranges: list[tuple[int, int]]) -> bytes:
    """``data[begin:]`` without the given byte ranges (and the indentation before each)."""
    pieces: list[bytes] = []
    pos = begin
    for start, stop in sorted(ranges):
        if start < pos:  # Nested inside a range already cut.
            continue
        kept = data[pos:start]
        indent = _LINE_INDENT.search(kept)
        # Drop the element's own line (newline plus indentation) only when it sits alone
        # at the start of a line, so re-baking does not leave blank lines behind.
        if indent is not None and indent.group().startswith((b"\n", b"\r")):
            kept = kept[: indent.start()]
        pieces.append(kept)
        pos = stop
    pieces.append(data[pos:])
    return b"".join(pieces)


def _svg_is_utf8(data: bytes, declared: str | None) -> bool:
    """Whether the document is UTF-8; refuse encodings that byte splicing would break.

    Expat reads only UTF-8, UTF-16 and single-byte encodings, so anything that is not
    UTF-16/32 is ASCII-compatible and safe to splice ASCII markup into.
    """
    try:
        name = codecs.lookup(declared).name if declared else "utf-8"
    except LookupError:  # pragma: no cover - expat refuses unknown encodings first.
        name = "unknown"
    if (
        data.startswith(_UTF16_32_BOMS)
        or b"\x00" in data[:4]
        or name.startswith(("utf-16", "utf-32"))
    ):
        raise CredentialError(
            "Only ASCII-compatible SVG encodings (such as UTF-8) can be baked.",
            code=IMAGE_UNSUPPORTED,
        )
    return name == "utf-8"


def _looks_like_xml(data: bytes) -> bool:
    if data.startswith(_UTF16_32_BOMS):
        return True
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    return data.lstrip(b" \t\r\n").startswith(b"<")


def _svg_element_text(element: Element, version: Literal["ob3", "ob2"], max_text_bytes: int) -> str:
    """The payload text of a credential element: its CDATA/text content or ``verify``."""
    if len(element):
        raise CredentialError(
            "The baked credential element contains child elements.",
            code=BAKED_PAYLOAD_MALFORMED,
        )
    content = element.text or ""
    verify = element.get("verify") or ""
    _check_text_size(max(len(content.encode("utf-8")), len(verify.encode("utf-8"))), max_text_bytes)
    has_content = bool(content.strip(_JSON_WHITESPACE))
    has_verify = bool(verify.strip(_JSON_WHITESPACE))
    if has_content and has_verify and version == "ob3":
        raise CredentialError(
            "The baked credential element has both a verify attribute and content.",
            code=BAKED_PAYLOAD_MALFORMED,
        )
    return content if has_content else verify

"""Value codecs: how one JSON string becomes a smaller CBOR value and back.

Each codec is chosen by the term's type in the active context (``@id``, ``@vocab``,
``sec:multibase``, ``xsd:date``, ``xsd:dateTime``). Encoding only compresses a value that
decodes back to the very same string (a UUID in canonical lower case, a base58 string that
round-trips, a date in the one form the decoder writes); any other value stays a string,
which every decoder passes through. Decoding is strict: a compressed value that does not fit
its codec is a :class:`CborldError` (``cborld_bad_value``), never a guess.

The forms, from the CBOR-LD 1.0 drafts as ``@digitalcredentials/cborld`` 4.3 writes them:

- URLs: ``[1, rest]`` for ``http://rest``, ``[2, rest]`` for ``https://rest`` (only when no
  other colon follows the scheme), ``[3, 16 bytes]`` for ``urn:uuid:``, and
  ``[1025, key, fragment?]`` for ``did:key:`` (``[1024, …]`` for ``did:v1:nym:``), where a
  base58btc ``z…`` part becomes its bytes;
- multibase: the base58btc (``z``) or base64pad (``M``) value as bytes after its prefix byte;
- ``xsd:dateTime``: seconds since the epoch, or ``[seconds, milliseconds]``;
  ``xsd:date``: seconds since the epoch of its midnight UTC;
- vocabulary terms (``@type`` values and ``@vocab``-typed values): the term's id.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import base58

from vcbadges.credentials.cborld.errors import CborldError
from vcbadges.credentials.cborld.registry import URL_SCHEME_IDS

__all__ = [
    "ID", "VOCAB", "MULTIBASE", "XSD_DATE", "XSD_DATETIME",
    "NOT_COMPRESSED", "encode_url", "decode_url", "encode_vocab", "decode_vocab",
    "encode_typed", "decode_typed",
]

ID: Final = "@id"
VOCAB: Final = "@vocab"
MULTIBASE: Final = "https://w3id.org/security#multibase"
XSD_DATE: Final = "http://www.w3.org/2001/XMLSchema#date"
XSD_DATETIME: Final = "http://www.w3.org/2001/XMLSchema#dateTime"

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_DATETIME = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{3}))?Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
# Years 1 to 9999, the range both sides write with four digits.
_MIN_SECONDS: Final = -62135596800
_MAX_SECONDS: Final = 253402300799
_DID_SCHEMES: Final = ("did:v1:nym:", "did:key:")


def _bad(message: str) -> CborldError:
    return CborldError(message, code="cborld_bad_value")


# --- URLs ---------------------------------------------------------------------------------

def _base58_part(text: str) -> str | bytes:
    """A ``z…`` base58btc part as its bytes when that round-trips, else the text."""
    if text.startswith("z") and len(text) > 1:
        try:
            raw = base58.b58decode(text[1:])
        except ValueError:
            return text
        if "z" + base58.b58encode(raw).decode("ascii") == text:
            return raw
    return text


def encode_url(value: str) -> Any:
    """The compressed form of a URL, or ``None`` when no codec applies."""
    for prefix in ("https://", "http://"):
        if value.startswith(prefix):
            rest = value[len(prefix):]
            # A colon after the scheme (a port, a colon in the path) keeps the URL whole, as
            # the reference encoder does.
            return None if ":" in rest else [URL_SCHEME_IDS[prefix], rest]
    if value.startswith("urn:uuid:"):
        rest = value[len("urn:uuid:"):]
        if _UUID.fullmatch(rest):
            return [URL_SCHEME_IDS["urn:uuid:"], uuid.UUID(rest).bytes]
        return None
    for prefix in _DID_SCHEMES:
        if value.startswith(prefix):
            rest = value[len(prefix):]
            if ":" in rest or rest.count("#") > 1:
                return None
            authority, _, fragment = rest.partition("#")
            out: list[Any] = [URL_SCHEME_IDS[prefix], _base58_part(authority)]
            if "#" in rest:
                out.append(_base58_part(fragment))
            return out
    return None


def _text_or_base58(part: Any) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, bytes):
        return "z" + base58.b58encode(part).decode("ascii")
    raise _bad("a compressed DID part is a string or bytes")


def decode_url(value: list[Any]) -> str:
    """The URL a compressed ``[scheme id, …]`` array stands for."""
    scheme = value[0] if value else None
    if scheme in (1, 2) and len(value) == 2 and isinstance(value[1], str):
        return ("http://" if scheme == 1 else "https://") + value[1]
    if scheme == 3 and len(value) == 2:
        if isinstance(value[1], str):
            return "urn:uuid:" + value[1]
        if isinstance(value[1], bytes) and len(value[1]) == 16:
            return "urn:uuid:" + str(uuid.UUID(bytes=value[1]))
        raise _bad("a compressed urn:uuid holds 16 bytes")
    if scheme in (1024, 1025) and len(value) in (2, 3):
        prefix = "did:v1:nym:" if scheme == 1024 else "did:key:"
        url = prefix + _text_or_base58(value[1])
        if len(value) == 3:
            url += "#" + _text_or_base58(value[2])
        return url
    raise _bad(f"no URL codec for the compressed value {str(value)[:80]}")


# --- vocabulary terms ---------------------------------------------------------------------

def encode_vocab(value: str, term_ids: Mapping[str, int]) -> Any:
    """A term's id when the value is a known term, else the URL codec's form, else None."""
    term_id = term_ids.get(value)
    return term_id if term_id is not None else encode_url(value)


def decode_vocab(value: Any, terms: Mapping[int, str]) -> Any:
    """The term or URL a compressed vocabulary value stands for (strings pass through)."""
    if isinstance(value, bool):
        raise _bad("a vocabulary value is a term id, a URL or a string")
    if isinstance(value, int):
        term = terms.get(value)
        if term is None:
            raise CborldError(f"unknown term id {value}", code="cborld_unknown_term")
        return term
    if isinstance(value, list):
        return decode_url(value)
    if isinstance(value, str):
        return value
    raise _bad("a vocabulary value is a term id, a URL or a string")


# --- multibase ----------------------------------------------------------------------------

def _encode_multibase(value: str) -> bytes | None:
    if value.startswith("z"):
        part = _base58_part(value)
        return b"z" + part if isinstance(part, bytes) else None
    if value.startswith("M"):
        try:
            raw = base64.b64decode(value[1:], validate=True)
        except (binascii.Error, ValueError):
            return None
        return b"M" + raw if "M" + base64.b64encode(raw).decode("ascii") == value else None
    return None


def _decode_multibase(value: bytes) -> str:
    if value[:1] == b"z":
        return "z" + base58.b58encode(value[1:]).decode("ascii")
    if value[:1] == b"M":
        return "M" + base64.b64encode(value[1:]).decode("ascii")
    raise _bad("a compressed multibase value starts with 'z' or 'M'")


# --- dates --------------------------------------------------------------------------------

def _seconds(text: str, fmt: str) -> int | None:
    try:
        moment = datetime.strptime(text, fmt).replace(tzinfo=UTC)
    except ValueError:
        return None
    return (moment - _EPOCH) // timedelta(seconds=1)


def _moment(seconds: Any, milliseconds: Any = 0) -> datetime:
    if (isinstance(seconds, bool) or not isinstance(seconds, int)
            or not _MIN_SECONDS <= seconds <= _MAX_SECONDS
            or isinstance(milliseconds, bool) or not isinstance(milliseconds, int)
            or not 0 <= milliseconds <= 999):
        raise _bad("a compressed date is whole seconds (and milliseconds) within years 1-9999")
    return _EPOCH + timedelta(seconds=seconds, milliseconds=milliseconds)


def _iso(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}"


def _encode_datetime(value: str) -> Any:
    found = _DATETIME.fullmatch(value)
    if found is None:
        return None
    seconds = _seconds(found.group(1), "%Y-%m-%dT%H:%M:%S")
    # Negative numbers are not written: the reference encoder writes seconds as unsigned.
    if seconds is None or seconds < 0:
        return None
    return seconds if found.group(2) is None else [seconds, int(found.group(2))]


def _decode_datetime(value: Any) -> str:
    if isinstance(value, list):
        if len(value) != 2:
            raise _bad("a compressed dateTime is seconds or [seconds, milliseconds]")
        moment = _moment(value[0], value[1])
        return f"{_iso(moment)}.{moment.microsecond // 1000:03d}Z"
    return _iso(_moment(value)) + "Z"


def _encode_date(value: str) -> int | None:
    if not _DATE.fullmatch(value):
        return None
    seconds = _seconds(value, "%Y-%m-%d")
    return seconds if seconds is not None and seconds >= 0 else None


def _decode_date(value: Any) -> str:
    return _iso(_moment(value))[:10]


# --- by term type -------------------------------------------------------------------------

def encode_typed(term_type: str | None, value: Any, term_ids: Mapping[str, int]) -> Any:
    """The compressed form of ``value`` for a term of type ``term_type``, or ``None``."""
    if not isinstance(value, str):
        return None
    if term_type == ID:
        return encode_url(value)
    if term_type == VOCAB:
        return encode_vocab(value, term_ids)
    if term_type == MULTIBASE:
        return _encode_multibase(value)
    if term_type == XSD_DATETIME and "T" in value:
        return _encode_datetime(value)
    if term_type == XSD_DATE and "T" not in value:
        return _encode_date(value)
    return None


#: What :func:`decode_typed` answers for a value that is not in a compressed form.
NOT_COMPRESSED: Final = object()


def decode_typed(term_type: str | None, value: Any, terms: Mapping[int, str]) -> Any:
    """The string a compressed value of a term of type ``term_type`` stands for, or
    :data:`NOT_COMPRESSED` when ``value`` is not in a compressed form of that type (a plain
    string, an object to walk into)."""
    if isinstance(value, (str, dict)) or value is None:
        return NOT_COMPRESSED
    if term_type == ID and isinstance(value, list):
        return decode_url(value)
    if term_type == VOCAB and (isinstance(value, (int, list)) and not isinstance(value, bool)):
        return decode_vocab(value, terms)
    if term_type == MULTIBASE and isinstance(value, bytes):
        return _decode_multibase(value)
    if term_type == XSD_DATETIME and (isinstance(value, (int, list))
                                      and not isinstance(value, bool)):
        return _decode_datetime(value)
    if term_type == XSD_DATE and isinstance(value, int) and not isinstance(value, bool):
        return _decode_date(value)
    return NOT_COMPRESSED

"""CBOR-LD framing and bounded CBOR reading (cbor2 underneath).

A payload is ``d9 05 MM`` (a 16-bit CBOR tag, MM the compression mode) followed by ONE CBOR
item: the compressed term map (mode 1) or the plain JSON document (mode 0). Reading is bounded
because the bytes come from a stranger's QR code: the whole payload is at most
:data:`MAX_BYTES`, nesting at most :data:`MAX_DEPTH`, and the decoded item at most
:data:`MAX_ITEMS` values once shared references are followed. Only the CBOR that has a JSON
meaning is accepted: integers, strings, byte strings, floats, booleans, null, arrays and maps
with integer or string keys. Any tag inside the item (dates, bignums, shared references,
sets) is refused, as are ``undefined``, duplicate map keys, indefinite lengths and bytes after
the item.
"""

from __future__ import annotations

import io
import math
from typing import Any, Final

import cbor2

from vcbadges.credentials.cborld.errors import CborldError
from vcbadges.credentials.cborld.registry import CBORLD_TAG_HIGH, COMPRESSED, UNCOMPRESSED

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_ITEMS", "frame", "unframe", "dump", "load"]

#: 4,296 alphanumeric characters (the most a QR code holds) carry 2,680 base32 bytes; a
#: payload needs no more than that, and 4 KiB leaves room for payloads read from elsewhere.
MAX_BYTES: Final = 4096
#: A badge nests about eight levels (presentation, credential, subject, achievement, …).
MAX_DEPTH: Final = 32
#: Values in the decoded item, counting every use of a shared one.
MAX_ITEMS: Final = 20_000


def frame(mode: int, body: bytes) -> bytes:
    """The payload: the CBOR-LD tag header for ``mode``, then ``body``."""
    return bytes((0xD9, CBORLD_TAG_HIGH, mode)) + body


def unframe(data: bytes) -> tuple[int, bytes]:
    """Split a payload into its compression mode and body, refusing anything else."""
    if len(data) > MAX_BYTES:
        raise CborldError(f"a CBOR-LD payload is at most {MAX_BYTES} bytes; this one has "
                          f"{len(data)}", code="cborld_too_large")
    if len(data) < 4 or data[0] != 0xD9 or data[1] != CBORLD_TAG_HIGH:
        raise CborldError("not CBOR-LD: it must start with the CBOR tag 0x0500 or 0x0501")
    mode = data[2]
    if mode not in (UNCOMPRESSED, COMPRESSED):
        raise CborldError(f"unsupported CBOR-LD compression mode {mode} (tag 0x05{mode:02x}); "
                          "modes 0 and 1 are read")
    return mode, data[3:]


def dump(value: Any) -> bytes:
    """Deterministic CBOR (map keys sorted, shortest forms), as cborg writes it."""
    return cbor2.dumps(value, canonical=True)


def _refuse_tag(decoder: Any, tag: Any) -> Any:
    raise CborldError(f"CBOR tag {tag.tag} inside a CBOR-LD payload")


def load(body: bytes) -> Any:
    """Decode exactly one CBOR item from ``body`` within the limits above."""
    stream = io.BytesIO(body)
    try:
        decoder = cbor2.CBORDecoder(stream, tag_hook=_refuse_tag, max_depth=MAX_DEPTH,
                                    allow_indefinite=False, allow_duplicate_keys=False)
        value = decoder.decode()
    except CborldError:
        raise
    except cbor2.CBORDecodeError as exc:
        if "depth" in str(exc):
            raise CborldError(f"CBOR nested deeper than {MAX_DEPTH} levels",
                              code="cborld_too_large") from None
        raise CborldError(f"bad CBOR: {exc}") from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise CborldError(f"bad CBOR: {exc}") from None
    if stream.tell() != len(body):
        raise CborldError(f"{len(body) - stream.tell()} bytes after the CBOR item")
    _check(value)
    return value


def _check(value: Any) -> None:
    """Walk the item without recursion: JSON-like types only, within the depth and item
    limits (shared references could otherwise make a small payload a huge tree)."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    seen = 0
    while pending:
        item, depth = pending.pop()
        seen += 1
        if seen > MAX_ITEMS:
            raise CborldError(f"more than {MAX_ITEMS} values in a CBOR-LD payload",
                              code="cborld_too_large")
        if depth > MAX_DEPTH:
            raise CborldError(f"CBOR nested deeper than {MAX_DEPTH} levels",
                              code="cborld_too_large")
        if isinstance(item, float) and not math.isfinite(item):
            raise CborldError("a CBOR-LD number is finite")
        if item is None or isinstance(item, (bool, int, float, str, bytes)):
            continue
        if isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, bool) or not isinstance(key, (int, str)):
                    raise CborldError("a CBOR-LD map key is an integer or a string")
                pending.append((child, depth + 1))
        else:
            raise CborldError(f"a CBOR {type(item).__name__} has no JSON meaning")

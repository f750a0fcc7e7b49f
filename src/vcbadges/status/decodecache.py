"""Remembering the bitstrings of recently decoded status lists.

Decoding inflates a list's GZIP payload, about 50 µs for the spec's minimum 16 KiB list,
and a verifier pays it for every status entry of every credential, although a busy one sees
the same few lists over and over. :func:`~vcbadges.status.bitstring.decode_list` is a pure
function of the ``encodedList`` text, so its results for the texts seen last are kept and
handed out again: the bits are immutable ``bytes``, and a changed list is a different text.
Only successes are kept; a text that fails to decode is decoded, and refused, every time.

The memory held is bounded by ``max_bytes``, counting each text and its bits; a list larger
than that on its own (only a hostile one can be) is never kept. One instance serves every
verification of a process (:mod:`vcbadges.status.check` keeps it), so it takes a lock:
verifications may run in several threads, each with its own event loop.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from vcbadges.status.bitstring import MIN_LIST_BYTES, decode_list

__all__ = ["DEFAULT_MAX_BYTES", "DecodeCache"]

#: Room for 256 lists of the spec's minimum length, texts included.
DEFAULT_MAX_BYTES = 256 * 2 * MIN_LIST_BYTES


class DecodeCache:
    """A bounded memory of ``encodedList`` texts and their decoded bits, least recently
    used dropped first."""

    def __init__(self, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if max_bytes < 0:
            raise ValueError("max_bytes must not be negative")
        self._max_bytes = max_bytes
        self._held = 0
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def decode(self, encoded: str, *, max_bytes: int) -> bytes:
        """``decode_list(encoded, max_bytes=max_bytes, min_bytes=0)``, from memory when
        ``encoded`` was decoded before; raises what :func:`decode_list` raises."""
        with self._lock:
            bits = self._entries.get(encoded)
            if bits is not None:
                self._entries.move_to_end(encoded)
        if bits is not None and len(bits) <= max_bytes:
            return bits
        # Not held, or larger than this caller allows: decode_list decides (and refuses).
        bits = decode_list(encoded, max_bytes=max_bytes, min_bytes=0)
        size = len(encoded) + len(bits)
        if size > self._max_bytes:
            return bits
        with self._lock:
            if encoded not in self._entries:
                self._entries[encoded] = bits
                self._held += size
                while self._held > self._max_bytes:
                    text, dropped = self._entries.popitem(last=False)
                    self._held -= len(text) + len(dropped)
        return bits

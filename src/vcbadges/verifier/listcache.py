"""Remembering status list credentials that already verified.

A service verifies the same few status lists over and over; checking a list's proof costs as
much as checking the badge's. A list is remembered by a digest of its exact JSON, so any
change to it (a newly revoked index, a new signature) is a new entry and is verified afresh;
entries also expire, so a key rotation or a revoked issuer key is noticed within ``max_age``.
Only successful verifications are remembered: a failure is always checked again.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from vcbadges.status.check import ListVerification

__all__ = ["VerifiedListCache"]


class VerifiedListCache:
    """A bounded, time-limited memory of verified status list credentials (one per process)."""

    def __init__(self, *, max_entries: int = 256, max_age: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[str, tuple[float, ListVerification]] = OrderedDict()
        self._max_entries = max_entries
        self._max_age = max_age
        self._clock = clock

    @staticmethod
    def _key(document: Any) -> str:
        text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get(self, document: Any) -> ListVerification | None:
        key = self._key(document)
        hit = self._entries.get(key)
        if hit is None:
            return None
        stored_at, result = hit
        if self._clock() - stored_at > self._max_age:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return result

    def put(self, document: Any, result: ListVerification) -> None:
        if not result.verified:
            return
        key = self._key(document)
        self._entries[key] = (self._clock(), result)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

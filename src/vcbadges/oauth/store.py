"""Where both OpenID4VC protocols keep their short-lived state: single-use, expiring JSON
entries by ``(kind, key)``.

Offers, pre-authorized codes, transaction-code attempts, access tokens, ``c_nonce`` values
(OpenID4VCI) and pending presentation requests, states and results (OpenID4VP) are all the
same kind of thing: a JSON payload under a key that expires and can be used once.
:class:`ProtocolStore` is that and nothing more, so that one SQL table implements it for
both::

    kind        text      part of the primary key, e.g. "offer", "vp_state"
    key         text      part of the primary key (secrets are stored as their SHA-256)
    payload     json
    expires_at  timestamp with time zone
    used_at     timestamp with time zone, null until consumed

``consume`` is the one operation that must be atomic: ``UPDATE ... SET used_at = :now WHERE
kind = :kind AND key = :key AND used_at IS NULL AND expires_at > :now RETURNING payload``
(SQLite 3.35 and PostgreSQL both have ``RETURNING``). Two concurrent consumers of the same
entry must never both get the payload; that is what makes codes, tokens, nonces and
presentation responses single-use across several processes.

Every method takes ``now``: the store never reads the clock. An entry is usable while
``now < expires_at``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from vcbadges.errors import StorageError

__all__ = ["ProtocolStore", "MemoryStore"]


class ProtocolStore(Protocol):
    """Single-use, expiring JSON entries, by ``(kind, key)``."""

    async def save(
        self, kind: str, key: str, payload: Mapping[str, Any], *, expires_at: datetime
    ) -> None:
        """Store a new entry; raise ``StorageError`` if ``(kind, key)`` already exists.

        ``payload`` is JSON-serializable (strings, numbers, booleans, null, lists, objects).
        """
        ...

    async def get(self, kind: str, key: str, *, now: datetime) -> dict[str, Any] | None:
        """The payload of an entry that is neither used nor expired at ``now``, else None."""
        ...

    async def consume(self, kind: str, key: str, *, now: datetime) -> dict[str, Any] | None:
        """Atomically mark an unused, unexpired entry used at ``now`` and return its payload;
        None when it does not exist, has expired, or was already consumed."""
        ...

    async def purge(self, *, now: datetime) -> int:
        """Delete entries that expired before ``now``; return how many were deleted."""
        ...


@dataclass
class _Entry:
    payload: str
    expires_at: datetime
    used_at: datetime | None = None


class MemoryStore:
    """An in-process :class:`ProtocolStore` for tests and single-process demos.

    Payloads are kept as JSON text, as a database would keep them, so a test catches a
    payload that would not survive the round trip. Each method runs without awaiting in the
    middle, which makes it atomic on one event loop.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    async def save(
        self, kind: str, key: str, payload: Mapping[str, Any], *, expires_at: datetime
    ) -> None:
        if (kind, key) in self._entries:
            raise StorageError(f"a {kind} entry with this key already exists",
                               code="duplicate_key")
        text = json.dumps(payload, separators=(",", ":"), allow_nan=False)
        self._entries[(kind, key)] = _Entry(payload=text, expires_at=expires_at)

    def _usable(self, kind: str, key: str, now: datetime) -> _Entry | None:
        entry = self._entries.get((kind, key))
        if entry is None or entry.used_at is not None or now >= entry.expires_at:
            return None
        return entry

    async def get(self, kind: str, key: str, *, now: datetime) -> dict[str, Any] | None:
        entry = self._usable(kind, key, now)
        return None if entry is None else dict(json.loads(entry.payload))

    async def consume(self, kind: str, key: str, *, now: datetime) -> dict[str, Any] | None:
        entry = self._usable(kind, key, now)
        if entry is None:
            return None
        entry.used_at = now
        return dict(json.loads(entry.payload))

    async def purge(self, *, now: datetime) -> int:
        expired = [k for k, e in self._entries.items() if e.expires_at <= now]
        for k in expired:
            del self._entries[k]
        return len(expired)

    def snapshot(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Every entry with its state, for tests that look inside the store."""
        return {k: {"payload": json.loads(e.payload), "expires_at": e.expires_at,
                    "used_at": e.used_at} for k, e in copy.deepcopy(self._entries).items()}

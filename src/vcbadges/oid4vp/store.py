"""Where the verifier side of OpenID4VP keeps its pending requests.

The same contract as :class:`vcbadges.oid4vci.store.OID4VCIStore` (single-use, expiring JSON
entries by ``(kind, key)``), declared again here so that the two protocol packages do not
depend on each other; one SQL class over one table ``(kind, key, payload, expires_at,
used_at)`` satisfies both protocols. The kinds written here are ``vp_request`` (by request
id, read while the request is pending), ``vp_state`` (by ``state``, consumed by the one
response a request may get) and ``vp_result`` (by the request's secret ``transaction_id``,
read by the verifier page).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from vcbadges.errors import StorageError

__all__ = ["OID4VPStore", "MemoryStore", "VP_REQUEST", "VP_STATE", "VP_RESULT"]

VP_REQUEST = "vp_request"
VP_STATE = "vp_state"
VP_RESULT = "vp_result"


class OID4VPStore(Protocol):
    """Single-use, expiring JSON entries, by ``(kind, key)``; see the module docstring."""

    async def save(
        self, kind: str, key: str, payload: Mapping[str, Any], *, expires_at: datetime
    ) -> None:
        """Store a new entry; raise ``StorageError`` if ``(kind, key)`` already exists."""
        ...

    async def get(self, kind: str, key: str, *, now: datetime) -> dict[str, Any] | None:
        """The payload of an entry that is neither used nor expired at ``now``, else None."""
        ...

    async def consume(self, kind: str, key: str, *, now: datetime) -> dict[str, Any] | None:
        """Atomically mark an unused, unexpired entry used and return its payload, else None."""
        ...

    async def purge(self, *, now: datetime) -> int:
        """Delete entries that expired before ``now``; return how many."""
        ...


@dataclass
class _Entry:
    payload: str
    expires_at: datetime
    used_at: datetime | None = None


class MemoryStore:
    """An in-process :class:`OID4VPStore` for tests and single-process demos (payloads are
    kept as JSON text, as a database would keep them)."""

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

"""The SQL store of the OpenID4VC protocol cores: single-use, expiring JSON entries.

:class:`SQLProtocolStore` implements, structurally,
:class:`vcbadges.oauth.store.ProtocolStore`, the store of both protocols (this package sits
below the protocol packages, so it does not import it), on one table, ``protocol_state``::

    kind        text      part of the primary key
    key         text      part of the primary key (secrets as their SHA-256)
    payload     json      (JSONB on PostgreSQL)
    expires_at  timestamp with time zone
    used_at     timestamp with time zone, null until consumed

``consume`` is one conditional ``UPDATE … WHERE used_at IS NULL AND expires_at > :now
RETURNING payload``: of two consumers of one entry, in one process or several, exactly one
gets the payload. That is what keeps pre-authorized codes, access tokens, nonces and
presentation ``state`` values single-use when the service runs as several processes.

Each method runs its own short transaction, as :class:`vcbadges.wallet.SQLWalletStore`
does; the store never reads the clock (every method takes ``now``).

PostgreSQL text and JSONB cannot hold the NUL character, and kinds, keys and payloads often
come from the network (a ``state``, a request id, a presentation's contents). So that both
databases behave alike: a kind or key with a NUL names no entry (``get`` and ``consume``
answer None, ``save`` raises ``ValueError``), and NULs in payload strings are stored as
U+FFFD.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from vcbadges.errors import StorageError
from vcbadges.storage import queries
from vcbadges.storage.db import DatabaseConfig

__all__ = ["SQLProtocolStore"]


def _aware(when: datetime, name: str) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return when


def _storable(*names: str) -> bool:
    """False for a kind or key no entry can have (one with a NUL character)."""
    return all("\x00" not in name for name in names)


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


def _document(payload: Mapping[str, Any]) -> dict[str, Any]:
    """``payload`` as the JSON the database will keep (checked, NULs replaced)."""
    try:
        text = json.dumps(dict(payload), allow_nan=False)
        document: dict[str, Any] = json.loads(text)
        return _without_nul(document) if "\\u0000" in text else document
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValueError("the payload must be JSON-serializable") from exc


class SQLProtocolStore:
    """A ``ProtocolStore`` (OpenID4VCI and OpenID4VP) on the vcbadges database."""

    def __init__(self, db: DatabaseConfig) -> None:
        self._db = db

    def __repr__(self) -> str:
        return f"SQLProtocolStore({self._db!r})"

    async def save(
        self, kind: str, key: str, payload: Mapping[str, Any], *, expires_at: datetime
    ) -> None:
        """Store a new entry; ``StorageError`` (``duplicate_key``) if ``(kind, key)`` exists.

        ``payload`` must be JSON (it is checked here, so that SQLite and PostgreSQL refuse
        the same values: no NaN, no non-string keys).
        """
        _aware(expires_at, "expires_at")
        if not _storable(kind, key):
            raise ValueError("a kind or key must not contain NUL characters")
        document = _document(payload)
        async with self._db.sessionmaker()() as session, session.begin():
            saved = await queries.save_protocol_state(session, kind, key, document, expires_at)
        if not saved:
            raise StorageError(f"a {kind} entry with this key already exists",
                               code="duplicate_key")

    async def get(self, kind: str, key: str, *, now: datetime) -> dict[str, Any] | None:
        """The payload of an entry neither used nor expired at ``now``, else None."""
        _aware(now, "now")
        if not _storable(kind, key):
            return None
        async with self._db.sessionmaker(write=False)() as session, session.begin():
            return await queries.get_protocol_state(session, kind, key, now)

    async def consume(self, kind: str, key: str, *, now: datetime) -> dict[str, Any] | None:
        """Atomically mark an unused, unexpired entry used at ``now`` and return its
        payload; None when it does not exist, has expired or was consumed before."""
        _aware(now, "now")
        if not _storable(kind, key):
            return None
        async with self._db.sessionmaker()() as session, session.begin():
            return await queries.consume_protocol_state(session, kind, key, now)

    async def purge(self, *, now: datetime) -> int:
        """Delete the entries expired at ``now``; return how many."""
        _aware(now, "now")
        async with self._db.sessionmaker()() as session, session.begin():
            return await queries.purge_protocol_state(session, now)

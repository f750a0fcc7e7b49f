"""Publishing status lists: the signed ``BitstringStatusListCredential`` of each list.

A list credential is signed by the tenant that owns the list, when first asked for and
again after every change: :func:`vcbadges.issuer.status.set_status` bumps the list's
``version``, and :class:`StatusListPublisher` keeps one signed document per list for the
version it was signed at. Signing costs a few milliseconds and every verifier of every
credential fetches the list, so the cache is what keeps a busy list cheap to serve.

The document is signed as of the list's last change (``validFrom`` and the proof's
``created`` are the list's ``updated_at``), so that it depends only on the list's content:
processes that sign the same version of a list produce the same credential (byte for byte
with an Ed25519 key, whose signatures are deterministic). ``version`` makes a weak ETag.

The service's own verifier reads its lists through :meth:`StatusListPublisher.current`,
once per status entry of every badge it verifies. A database session per read would make
verifying such a badge several times slower than verifying one without status, so
``current`` answers from memory while the database confirmed the list's version less than
``max_staleness`` seconds ago, and a list in use is read again in the background once half
that time has passed (so that under steady use no verification waits for the database):

- A change made in this process is seen by the very next read: whatever changes a status
  calls :meth:`StatusListPublisher.invalidate` once its transaction has committed, and a
  read that was already under way then counts for nothing.
- A change the publisher is not told of (made by another ``vcbadges serve`` worker on the
  same database, by ``vcbadges status``, or by code here that does not call
  ``invalidate``) is seen by every read that starts more than ``max_staleness`` seconds
  after its commit. The service sets ``max_staleness`` to the smaller of
  :data:`MAX_STALENESS` (one second) and its ``status_list_max_age``, so its own verifier
  never lags more than the verifiers it lets cache the lists for that long.
- A read that fails raises; nothing remembered is served in its place.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from vcbadges._api import issue
from vcbadges.issuer.keystore import KeyStore
from vcbadges.issuer.status import status_list_url
from vcbadges.issuer.tenants import signing_key
from vcbadges.jsonld.loader import DocumentLoader
from vcbadges.status.bitstring import status_list_credential
from vcbadges.storage import DatabaseConfig, queries
from vcbadges.storage.db import Session

__all__ = ["MAX_STALENESS", "SignedStatusList", "StatusListPublisher"]

#: The longest (seconds) :meth:`StatusListPublisher.current` may go without asking the
#: database whether another process changed a list.
MAX_STALENESS = 1.0


@dataclass(frozen=True)
class SignedStatusList:
    """One signed version of a list: ``document`` is the JSON text to serve."""

    list_id: uuid.UUID
    version: int
    document: bytes
    updated_at: datetime

    @property
    def etag(self) -> str:
        """A weak entity tag: the same version signed twice is the same list, though the
        bytes may differ (ECDSA signatures are randomized)."""
        return f'W/"{self.version}"'


# A read of one list from the database, under way or done.
_Reading = asyncio.Task[SignedStatusList | None]


@dataclass(frozen=True)
class _Read:
    """A database read of one list under way: begun at ``started_at``, after the
    ``generation``-th invalidate()."""

    task: _Reading
    generation: int
    started_at: float


@dataclass
class _Held:
    """A signed list, and when a database read found its version current: the publisher's
    clock when that read began, under the invalidation count of the time."""

    signed: SignedStatusList
    confirmed_at: float | None = None
    generation: int = 0


class StatusListPublisher:
    """Signs status list credentials on demand and keeps the latest version of each.

    Holds at most ``max_lists`` lists (least recently served dropped first). One instance
    per process; it holds no secrets, only signed public documents. ``max_staleness``
    (seconds, at most :data:`MAX_STALENESS` in the service) bounds how old a confirmation
    :meth:`current` relies on may be; ``clock`` measures it.
    """

    def __init__(
        self,
        *,
        keystore: KeyStore,
        base_url: str,
        loader: DocumentLoader | None = None,
        max_lists: int = 1024,
        max_staleness: float = MAX_STALENESS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_staleness < 0:
            raise ValueError("max_staleness must not be negative")
        self._keystore = keystore
        self._base_url = base_url.rstrip("/")
        self._loader = loader
        self._max = max_lists
        self._max_staleness = max_staleness
        self._clock = clock
        self._cache: OrderedDict[uuid.UUID, _Held] = OrderedDict()
        # The newest read of each list under way (which later readers may join), and
        # every read under way (which close() cancels).
        self._pending: dict[uuid.UUID, _Read] = {}
        self._running: set[_Reading] = set()
        # Counts invalidate() calls: a confirmation made under an older count is void.
        self._generation = 0

    async def get(self, session: Session, list_id: uuid.UUID) -> SignedStatusList | None:
        """The current signed credential of list ``list_id``, or None if there is no such
        list. Status lists are public: any list of any tenant is served."""
        row = await queries.get_status_list(session, list_id)
        if row is None:
            return None
        held = self._cache.get(list_id)
        if held is not None and held.signed.version == row.version:
            self._cache.move_to_end(list_id)
            return held.signed
        tenant = await queries.get_tenant(session, row.tenant_id)
        if tenant is None:  # The foreign key makes this impossible; keep the types honest.
            return None
        key = await signing_key(session, tenant, self._keystore)
        unsigned = status_list_credential(
            list_id=status_list_url(self._base_url, list_id), issuer=tenant.did,
            purpose=row.purpose, bits=row.bits, valid_from=row.updated_at)
        signed = await issue(unsigned, key=key, loader=self._loader, now=row.updated_at)
        text = json.dumps(signed, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        published = SignedStatusList(list_id=list_id, version=row.version, document=text,
                                     updated_at=row.updated_at)
        # Another reader may have stored this version, or a newer one, while this one was
        # signing: then all readers of this version share the first one's document.
        held = self._cache.get(list_id)
        if held is not None and held.signed.version == row.version:
            return held.signed
        if held is None or held.signed.version < row.version:
            self._cache[list_id] = _Held(published)
            self._cache.move_to_end(list_id)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return published

    async def serve(self, db: DatabaseConfig, list_id: uuid.UUID) -> SignedStatusList | None:
        """:meth:`get` in a read-only session of ``db``: the list as the database holds it
        now (its version is read on every call), for the list's HTTP endpoint."""
        async with db.sessionmaker(write=False)() as session, session.begin():
            return await self.get(session, list_id)

    async def current(self, db: DatabaseConfig, list_id: uuid.UUID) -> SignedStatusList | None:
        """The signed credential of list ``list_id`` as the database held it less than
        ``max_staleness`` seconds ago (see the module docstring), or None if there is no
        such list. Raises whatever reading the database (in a read-only session of ``db``)
        raises.

        A list confirmed more than half ``max_staleness`` ago is read again in the
        background while the held version is served, so that under steady use no caller
        waits for the database; readers that do wait share one read.
        """
        held = self._cache.get(list_id)
        if held is not None and held.confirmed_at is not None \
                and held.generation == self._generation:
            age = self._clock() - held.confirmed_at
            if age < self._max_staleness:
                if age >= self._max_staleness / 2:
                    self._read(db, list_id)
                self._cache.move_to_end(list_id)
                return held.signed
        return await asyncio.shield(self._read(db, list_id))

    def _read(self, db: DatabaseConfig, list_id: uuid.UUID) -> _Reading:
        """A read of the list that began less than ``max_staleness`` ago and after the
        last invalidate(), started now if there is none."""
        pending = self._pending.get(list_id)
        if pending is not None and pending.generation == self._generation \
                and self._clock() - pending.started_at < self._max_staleness:
            return pending.task
        started_at = self._clock()
        task = asyncio.create_task(self._confirm(db, list_id, self._generation, started_at))
        self._pending[list_id] = _Read(task, self._generation, started_at)
        self._running.add(task)
        task.add_done_callback(functools.partial(self._read_done, list_id))
        return task

    def _read_done(self, list_id: uuid.UUID, task: _Reading) -> None:
        self._running.discard(task)
        pending = self._pending.get(list_id)
        if pending is not None and pending.task is task:
            del self._pending[list_id]
        if not task.cancelled():
            # Marks the error as seen: callers who waited got it, and a background read's
            # error is met again by the first caller that has to wait.
            task.exception()

    async def _confirm(self, db: DatabaseConfig, list_id: uuid.UUID, generation: int,
                       started_at: float) -> SignedStatusList | None:
        async with db.sessionmaker(write=False)() as session, session.begin():
            signed = await self.get(session, list_id)
        held = self._cache.get(list_id)
        # Only a read that found the held version, with no invalidate() since it began,
        # confirms it.
        if held is not None and held.signed is signed and generation == self._generation:
            held.confirmed_at, held.generation = started_at, generation
        return signed

    def invalidate(self) -> None:
        """Forget every confirmation, so that each list is read from the database again
        before :meth:`current` serves it, by a read that begins after this call. Call it
        after committing any status change in this process: the next verification here
        then sees the change."""
        self._generation += 1

    async def close(self) -> None:
        """Cancel the reads under way (call it before closing the database)."""
        tasks = list(self._running)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

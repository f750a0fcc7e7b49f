"""The status-index allocator of single and bulk issuance: candidates drawn before signing.

A credential's status entries are part of what is signed, so its indexes must be chosen
before the signature, and signing (a few milliseconds of CPU) must not happen while the
database's write lock is held. :class:`IndexAllocator` therefore hands out *candidate*
indexes: drawn at random, without replacement, among the indexes of the tenant's current
list that were free when the list was last read (and that this allocator has not handed
out already). A candidate becomes the credential's only when the transaction that stores
the credential claims it (``INSERT … ON CONFLICT DO NOTHING`` on the primary key
``(status_list_id, status_index)``): the database's unique constraint, never this
process, decides. A candidate that another process claimed first is reported back with
:meth:`IndexAllocator.settle` as a collision, and the credential is signed again with new
candidates.

Collisions make the allocator read the list again rather than keep drawing indexes another
process took (each collision costs a signature); a list with nothing left is marked full
and the next one opened. A partial unique index allows one open list per tenant and
purpose, so processes that find the list full at the same moment all move on to the same
new list (see :mod:`vcbadges.issuer.status`).

Random indexes, as the Bitstring Status List spec recommends: an index says nothing about
when or to whom a credential was issued.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime

from vcbadges.errors import StorageError
from vcbadges.issuer.status import StatusPurpose, status_list_url
from vcbadges.storage import DatabaseConfig, queries

__all__ = ["Candidate", "IndexAllocator"]

#: A candidate index: ``(status list id, index)``.
Candidate = tuple[uuid.UUID, int]


class IndexAllocator:
    """Candidate indexes in one tenant's current list of one ``purpose``.

    ``size`` is the number of entries of a list opened here (existing lists keep theirs).
    Safe to share between the tasks of one event loop: draws are serialized.
    """

    def __init__(self, db: DatabaseConfig, tenant_id: uuid.UUID, purpose: StatusPurpose,
                 size: int, base_url: str) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0 or size % 8:
            raise ValueError("a status list size must be a positive multiple of 8")
        self._db = db
        self._tenant_id = tenant_id
        self.purpose: StatusPurpose = purpose
        self._size = size
        self._base_url = base_url
        self._list_id: uuid.UUID | None = None
        self._free: list[int] = []
        self._drawn: dict[uuid.UUID, set[int]] = {}
        self._claimed = 0
        self._collided = 0
        self._lock = asyncio.Lock()

    def url(self, list_id: uuid.UUID) -> str:
        """The URL of the list's credential, for the status entry."""
        return status_list_url(self._base_url, list_id)

    async def draw(self, count: int, when: datetime) -> list[Candidate]:
        """``count`` distinct candidates, each to be settled later with :meth:`settle`."""
        async with self._lock:
            out: list[Candidate] = []
            for _ in range(count + 16):  # A bound against a broken database.
                if len(out) == count:
                    return out
                if self._list_id is None or not self._free:
                    await self._refresh(when)
                    if not self._free:
                        await self._roll_over(when)
                        continue
                assert self._list_id is not None
                drawn = self._drawn.setdefault(self._list_id, set())
                free = self._free
                for _ in range(min(count - len(out), len(free))):
                    # Swap a random element to the end and pop it: uniform, O(1) per draw.
                    j = secrets.randbelow(len(free))
                    free[j], free[-1] = free[-1], free[j]
                    index = free.pop()
                    drawn.add(index)
                    out.append((self._list_id, index))
            raise StorageError("could not allocate status list indexes",
                               code="allocation_failed")

    def settle(self, pairs: Iterable[Candidate], *, collided: int = 0, claimed: int = 0) -> None:
        """Forget drawn candidates (claimed, lost or unused); note how many collided."""
        for list_id, index in pairs:
            drawn = self._drawn.get(list_id)
            if drawn is not None:
                drawn.discard(index)
                if not drawn:
                    del self._drawn[list_id]
        self._claimed += claimed
        self._collided += collided
        # Another process is allocating from the same list: read it again rather than keep
        # drawing indexes it took (each collision costs a signature).
        if self._collided >= 3 and self._collided * 50 > self._claimed + self._collided:
            self._free = []

    async def _refresh(self, when: datetime) -> None:
        tenant_id = self._tenant_id
        async with self._db.sessionmaker(write=False)() as session:
            current = await queries.current_status_list(session, tenant_id, self.purpose)
        if current is None:
            async with self._db.sessionmaker()() as session, session.begin():
                await queries.open_status_list(session, tenant_id, self.purpose, self._size,
                                               when)
                current = await queries.current_status_list(session, tenant_id, self.purpose)
            if current is None:
                raise StorageError("could not open a status list", code="allocation_failed")
        list_id, size = current.id, current.size
        async with self._db.sessionmaker(write=False)() as session:
            taken = await queries.allocated_indexes(session, list_id)
        taken |= self._drawn.get(list_id, set())
        self._list_id = list_id
        self._free = [i for i in range(size) if i not in taken]
        self._claimed = self._collided = 0

    async def _roll_over(self, when: datetime) -> None:
        assert self._list_id is not None
        async with self._db.sessionmaker()() as session, session.begin():
            await queries.mark_full(session, self._list_id, when)
            await queries.open_status_list(session, self._tenant_id, self.purpose,
                                           self._size, when)
        self._list_id = None

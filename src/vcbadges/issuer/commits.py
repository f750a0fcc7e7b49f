"""Commit coalescing: credentials that arrive while a commit runs share the next one.

Issuance signs outside any transaction and then stores the signed credential through
:class:`CommitCoalescer`. The first credential of an idle coalescer is written at once;
those that arrive while that transaction runs wait, and the next transaction stores all of
them (up to ``max_batch``). One commit per batch instead of per credential is what lets a
single SQLite writer keep up with many concurrent requests; on PostgreSQL it saves a round
trip per credential.

Each credential still gets its own outcome (see :func:`vcbadges.storage.issued.store_signed`):
an index taken or an id already issued concerns that credential only. Should a batch's
transaction fail as a whole (a value the database refuses, a lost connection), each of its
credentials is written again on its own, so that one bad credential fails alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from vcbadges.storage import DatabaseConfig
from vcbadges.storage.issued import SignedCredential, StoreOutcome, store_signed

__all__ = ["CommitCoalescer"]

_Waiting = tuple[SignedCredential, "asyncio.Future[StoreOutcome]"]


class CommitCoalescer:
    """One writer task per process and database: batches what arrives during a commit."""

    def __init__(self, db: DatabaseConfig, *, max_batch: int = 256) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be positive")
        self._db = db
        self._max_batch = max_batch
        self._waiting: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    async def quiet(self) -> None:
        """Return once no transaction of this coalescer is under way.

        Signing holds the event loop for milliseconds at a time, and every statement of a
        transaction needs a turn of the loop to go on (the database driver answers through
        it), so a commit running beside busy signers takes many times its own length, and
        every credential of its batch waits for it. Callers about to sign wait here first:
        the commit then runs in a few quick turns, and signing resumes right after it.
        """
        await self._idle.wait()

    async def store(self, item: SignedCredential) -> StoreOutcome:
        """Store ``item`` in the next transaction; its outcome once that has committed."""
        future: asyncio.Future[StoreOutcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        self._idle.clear()
        try:
            await self._drain_waiting()
        finally:
            self._idle.set()

    async def _drain_waiting(self) -> None:
        while self._waiting:
            batch = self._waiting[:self._max_batch]
            del self._waiting[:self._max_batch]
            try:
                await self._write(batch)
            except BaseException as exc:
                # Cancelled (the service stops): nobody waits in vain.
                for _, future in self._waiting:
                    if not future.done():
                        future.set_exception(exc)
                self._waiting.clear()
                raise

    async def _write(self, batch: Sequence[_Waiting]) -> None:
        try:
            outcomes = await store_signed(self._db, [item for item, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][1], exc)
                return
            for one in batch:
                await self._write([one])
            return
        except BaseException as exc:
            for _, future in batch:
                _settle(future, exc)
            raise
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if not future.done():
                future.set_result(outcome)

    async def close(self) -> None:
        """Wait for the writes under way (call it before closing the database)."""
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)


def _settle(future: asyncio.Future[StoreOutcome], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)

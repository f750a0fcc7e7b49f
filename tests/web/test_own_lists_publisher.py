"""StatusListPublisher.current: how fresh the service's own verifier's status lists are.

A list is read from the database at most once per ``max_staleness`` while nothing in this
process changed it; ``invalidate()`` makes the next read see a change at once; a change the
publisher was not told about (another process) shows once ``max_staleness`` has passed; a
failed read is never covered by a remembered list. The clock is a fake one, and the database
is wrapped to count, hold up or fail the reads.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from storage.dbtesting import fresh_database
from vcbadges.credentials.sample import sample_badge
from vcbadges.issuer import MasterKeyStore, create_tenant, issue_for_tenant, revoke, suspend
from vcbadges.issuer.publish import StatusListPublisher
from vcbadges.status.bitstring import decode_list, get_status
from vcbadges.storage import DatabaseConfig
from vcbadges.storage.models import Tenant

BASE_URL = "https://badges.example.edu"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
KEYSTORE = MasterKeyStore(bytes(range(32)))
LEARNER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Database:
    """Stands in for the DatabaseConfig given to ``current``: counts the read sessions it
    opens, and can hold them up (until ``release``) or fail them."""

    def __init__(self, db: DatabaseConfig) -> None:
        self.db = db
        self.reads = 0
        self.held: asyncio.Event | None = None
        self.failing = False

    def hold(self) -> None:
        self.held = asyncio.Event()

    def release(self) -> None:
        assert self.held is not None
        self.held.set()
        self.held = None

    def sessionmaker(self, *, write: bool = True) -> Callable[[], Any]:
        return lambda: self._session(write)

    @asynccontextmanager
    async def _session(self, write: bool) -> AsyncIterator[Any]:
        self.reads += 1
        if self.held is not None:
            await self.held.wait()
        if self.failing:
            raise OSError("the database is unreachable")
        async with self.db.sessionmaker(write=write)() as session:
            yield session


class Setup:
    def __init__(self, db: DatabaseConfig, tenant: Tenant, credential_id: str,
                 lists: dict[str, tuple[uuid.UUID, int]]) -> None:
        self.db = db
        self.tenant = tenant
        self.credential_id = credential_id
        self.lists = lists  # purpose -> (list id, index)

    async def change(self, action: Any) -> None:
        """Change the credential's status directly in the database, as another process
        would: the publisher is not told."""
        async with self.db.sessionmaker()() as session, session.begin():
            await action(session, self.tenant, self.credential_id, actor="elsewhere", now=NOW)


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    async with fresh_database(tmp_path) as db:
        async with db.sessionmaker()() as session, session.begin():
            tenant, _ = await create_tenant(session, "acme", keystore=KEYSTORE, now=NOW)
        unsigned = sample_badge(issuer=tenant.did, subject=LEARNER, valid_from=NOW).to_json()
        async with db.sessionmaker()() as session, session.begin():
            stored = await issue_for_tenant(session, tenant, unsigned, keystore=KEYSTORE,
                                            base_url=BASE_URL, now=NOW,
                                            purposes=("revocation", "suspension"))
        lists = {}
        for entry in stored.json()["credentialStatus"]:
            list_id = uuid.UUID(entry["statusListCredential"].rsplit("/", 1)[1])
            lists[entry["statusPurpose"]] = (list_id, int(entry["statusListIndex"]))
        yield Setup(db, tenant, stored.id, lists)


def _publisher(clock: Clock, max_staleness: float = 1.0) -> StatusListPublisher:
    return StatusListPublisher(keystore=KEYSTORE, base_url=BASE_URL,
                               max_staleness=max_staleness, clock=clock)


def _bit(signed: Any, index: int) -> int:
    """The status bit at ``index`` of a signed list credential."""
    subject = json.loads(signed.document)["credentialSubject"]
    return get_status(decode_list(subject["encodedList"]), index)


async def test_a_list_is_read_from_the_database_once_per_max_staleness(setup: Setup):
    clock, db = Clock(), Database(setup.db)
    publisher = _publisher(clock)
    list_id, index = setup.lists["revocation"]
    first = await publisher.current(db, list_id)
    assert first is not None and _bit(first, index) == 0
    clock.now += 0.4
    assert await publisher.current(db, list_id) is first
    assert db.reads == 1
    clock.now += 0.7  # 1.1 s since the read: read again.
    again = await publisher.current(db, list_id)
    assert again is first and db.reads == 2


async def test_a_change_the_publisher_is_not_told_of_shows_after_max_staleness(setup: Setup):
    clock, db = Clock(), Database(setup.db)
    publisher = _publisher(clock)
    list_id, index = setup.lists["revocation"]
    await publisher.current(db, list_id)
    await setup.change(revoke)
    clock.now += 0.4  # Within the bound, the list held may be served...
    held = await publisher.current(db, list_id)
    assert held is not None and _bit(held, index) == 0
    clock.now += 0.6  # ...but not once max_staleness has passed since it was read.
    seen = await publisher.current(db, list_id)
    assert seen is not None and _bit(seen, index) == 1
    assert seen.version == held.version + 1


async def test_invalidate_makes_the_very_next_read_see_a_change(setup: Setup):
    clock, db = Clock(), Database(setup.db)
    publisher = _publisher(clock)
    list_id, index = setup.lists["suspension"]
    await publisher.current(db, list_id)
    await setup.change(suspend)
    publisher.invalidate()
    seen = await publisher.current(db, list_id)
    assert seen is not None and _bit(seen, index) == 1
    assert db.reads == 2
    # The read after invalidate() confirms the new version for the usual time.
    assert await publisher.current(db, list_id) is seen
    assert db.reads == 2


async def test_a_read_begun_before_invalidate_neither_confirms_nor_is_joined(setup: Setup):
    clock, db = Clock(), Database(setup.db)
    publisher = _publisher(clock)
    list_id, _ = setup.lists["revocation"]
    db.hold()
    before = asyncio.create_task(publisher.current(db, list_id))
    await asyncio.sleep(0.01)
    assert db.reads == 1
    publisher.invalidate()
    after = asyncio.create_task(publisher.current(db, list_id))
    await asyncio.sleep(0.01)
    assert db.reads == 2  # A read of its own, not the one begun before invalidate().
    db.release()
    await asyncio.gather(before, after)
    assert await publisher.current(db, list_id) is not None
    assert db.reads == 2  # Confirmed by the second read only.


async def test_readers_that_must_wait_share_one_read(setup: Setup):
    clock, db = Clock(), Database(setup.db)
    publisher = _publisher(clock)
    list_id, _ = setup.lists["revocation"]
    db.hold()
    readers = [asyncio.create_task(publisher.current(db, list_id))
               for _ in range(5)]
    await asyncio.sleep(0.01)
    db.release()
    results = await asyncio.gather(*readers)
    assert db.reads == 1 and all(r is results[0] for r in results)


async def test_past_half_max_staleness_the_list_is_read_again_without_waiting(setup: Setup):
    clock, db = Clock(), Database(setup.db)
    publisher = _publisher(clock)
    list_id, index = setup.lists["revocation"]
    first = await publisher.current(db, list_id)
    await setup.change(revoke)
    db.hold()
    clock.now += 0.6
    # The database is held up, yet the caller gets the list held at once.
    assert await asyncio.wait_for(publisher.current(db, list_id), 1) is first
    await asyncio.sleep(0.01)
    assert db.reads == 2
    db.release()
    clock.now += 0.5  # 1.1 s after the first read, 0.5 s after the one in the background.
    seen = await publisher.current(db, list_id)
    assert seen is not None and _bit(seen, index) == 1
    assert db.reads == 2


async def test_a_failed_read_raises_instead_of_serving_the_list_held(setup: Setup):
    clock, db = Clock(), Database(setup.db)
    publisher = _publisher(clock)
    list_id, _ = setup.lists["revocation"]
    await publisher.current(db, list_id)
    db.failing = True
    clock.now += 0.6  # The read in the background fails quietly...
    assert await publisher.current(db, list_id) is not None
    await asyncio.sleep(0.01)
    clock.now += 0.5  # ...and past max_staleness the caller gets the failure.
    with pytest.raises(OSError):
        await publisher.current(db, list_id)
    publisher.invalidate()
    with pytest.raises(OSError):
        await publisher.current(db, list_id)


async def test_max_staleness_zero_reads_every_time(setup: Setup):
    clock, db = Clock(), Database(setup.db)
    publisher = _publisher(clock, max_staleness=0)
    list_id, _ = setup.lists["revocation"]
    for _ in range(3):
        assert await publisher.current(db, list_id) is not None
    assert db.reads == 3


async def test_an_unknown_list_is_none_and_never_held(setup: Setup):
    clock, db = Clock(), Database(setup.db)
    publisher = _publisher(clock)
    unknown = uuid.uuid4()
    assert await publisher.current(db, unknown) is None
    assert await publisher.current(db, unknown) is None
    assert db.reads == 2


async def test_close_cancels_the_reads_under_way(setup: Setup):
    clock, db = Clock(), Database(setup.db)
    publisher = _publisher(clock)
    list_id, _ = setup.lists["revocation"]
    db.hold()
    reader = asyncio.create_task(publisher.current(db, list_id))
    await asyncio.sleep(0.01)
    await publisher.close()
    with pytest.raises(asyncio.CancelledError):
        await reader


def test_max_staleness_must_not_be_negative():
    with pytest.raises(ValueError):
        StatusListPublisher(keystore=KEYSTORE, base_url=BASE_URL, max_staleness=-1)

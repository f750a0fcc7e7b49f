"""Status list indexes: random, never shared (across sessions and processes), rolled over
to a new list when full; status changes flip the right bit and are recorded."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections import Counter

import pytest
from issuer_support import BASE_URL, NOW, badge, issue, plain_credential
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storage.dbtesting import postgres_url, schema_of
from vcbadges.errors import StatusError, StorageError
from vcbadges.issuer import (
    allocate_index,
    credential_status,
    issue_for_tenant,
    revoke,
    set_status,
    status_events,
    suspend,
    unsuspend,
)
from vcbadges.storage.models import StatusAllocation, StatusList


async def _allocate(db, tenant, purpose="revocation", **options):
    async with db.sessionmaker()() as session, session.begin():
        status_list, index = await allocate_index(session, tenant, purpose, now=NOW, **options)
        return status_list.id, index


async def _lists(db) -> list[StatusList]:
    async with db.sessionmaker(write=False)() as session:
        return list((await session.execute(
            select(StatusList).order_by(StatusList.created_at, StatusList.id))).scalars())


async def _allocation_count(db) -> int:
    async with db.sessionmaker(write=False)() as session:
        return int((await session.execute(
            select(func.count()).select_from(StatusAllocation))).scalar_one())


async def test_a_first_allocation_opens_a_list_of_the_spec_size(db, new_tenant):
    tenant, _ = await new_tenant("acme")
    list_id, index = await _allocate(db, tenant, "suspension")
    [status_list] = await _lists(db)
    assert status_list.id == list_id and status_list.tenant_id == tenant.id
    assert (status_list.purpose, status_list.size, status_list.version) == ("suspension",
                                                                          131072, 1)
    assert status_list.bits == bytes(16384) and not status_list.full
    assert 0 <= index < 131072


async def test_hundreds_of_concurrent_allocations_never_share_an_index(db, new_tenant):
    tenant, _ = await new_tenant("acme")
    results = await asyncio.gather(*(_allocate(db, tenant) for _ in range(300)))
    assert len(set(results)) == 300
    assert len({list_id for list_id, _ in results}) == 1
    assert await _allocation_count(db) == 300


async def test_concurrent_allocations_on_tiny_lists_roll_over_without_sharing(db, new_tenant):
    tenant, _ = await new_tenant("acme")
    results = await asyncio.gather(*(_allocate(db, tenant, size=16) for _ in range(100)))
    assert len(set(results)) == 100
    per_list = Counter(list_id for list_id, _ in results)
    assert all(count <= 16 for count in per_list.values())
    assert all(0 <= index < 16 for _, index in results)
    # One open list at a time: the lists fill up one after another.
    assert sorted(per_list.values()) == [4] + [16] * 6


async def test_a_full_list_rolls_over_to_a_new_one(db, new_tenant):
    tenant, _ = await new_tenant("acme")
    results = [await _allocate(db, tenant, size=16) for _ in range(40)]
    # The pinned clock gives every list the same created_at: order them by fullness.
    first, second, third = sorted(await _lists(db), key=lambda lst: not lst.full)
    assert first.full and second.full and not third.full
    for status_list, expected in [(first, 16), (second, 16), (third, 8)]:
        indexes = [index for list_id, index in results if list_id == status_list.id]
        assert len(indexes) == len(set(indexes)) == expected
        assert status_list.size == 16
    # The order inside a list is random, not sequential.
    assert [index for _, index in results[:16]] != list(range(16))


async def test_lists_are_per_tenant_and_per_purpose(db, new_tenant):
    acme, _ = await new_tenant("acme")
    globex, _ = await new_tenant("globex")
    a_revocation, _ = await _allocate(db, acme, "revocation")
    a_suspension, _ = await _allocate(db, acme, "suspension")
    b_revocation, _ = await _allocate(db, globex, "revocation")
    assert len({a_revocation, a_suspension, b_revocation}) == 3


async def test_a_rolled_back_allocation_frees_its_index(db, new_tenant):
    tenant, _ = await new_tenant("acme")
    async with db.sessionmaker()() as session:
        async with session.begin():
            await allocate_index(session, tenant, "revocation", size=16, now=NOW)
            await session.rollback()
    assert await _allocation_count(db) == 0


async def test_an_index_claimed_for_a_credential_never_stored_cannot_commit(db, new_tenant):
    # Issuance names the credential when it claims the index and stores the credential
    # later in the same transaction; the deferred foreign key checks it at commit.
    tenant, _ = await new_tenant("acme")
    async with db.sessionmaker()() as session:
        with pytest.raises(IntegrityError):
            async with session.begin():
                await allocate_index(session, tenant, "revocation", size=16, now=NOW,
                                     credential_id="urn:uuid:never-stored")
    assert await _allocation_count(db) == 0


async def test_bad_arguments_are_refused(db, new_tenant):
    tenant, _ = await new_tenant("acme")
    async with db.sessionmaker()() as session:
        for purpose, size in [("refresh", 16), ("revocation", 12), ("revocation", 0)]:
            with pytest.raises(ValueError):
                await allocate_index(session, tenant, purpose, size=size, now=NOW)


_WORKER = textwrap.dedent("""
    import asyncio, sys, uuid
    from vcbadges.issuer.status import allocate_index
    from vcbadges.storage import PostgresConfig, database_config, queries

    async def main(url, schema, tenant_id, count, size):
        db = PostgresConfig(url, schema=schema) if schema else database_config(url)
        sessions = db.sessionmaker()

        async def one():
            async with sessions() as session, session.begin():
                tenant = await queries.get_tenant(session, uuid.UUID(tenant_id))
                status_list, index = await allocate_index(session, tenant, "revocation",
                                                          size=size)
                return f"{status_list.id} {index}"

        try:
            print("\\n".join(await asyncio.gather(*(one() for _ in range(count)))))
        finally:
            await db.dispose()

    url, schema, tenant_id, count, size = sys.argv[1:]
    asyncio.run(main(url, schema or None, tenant_id, int(count), int(size)))
""")


async def test_processes_allocating_together_never_share_an_index(db, new_tenant):
    tenant, _ = await new_tenant("acme")
    url = postgres_url() or db.url.render_as_string(hide_password=False)
    args = [url, schema_of(db) or "", str(tenant.id), "80", "64"]
    processes = [
        await asyncio.create_subprocess_exec(sys.executable, "-c", _WORKER, *args,
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    results = []
    for process in processes:
        out, err = await process.communicate()
        assert process.returncode == 0, err.decode()
        results.extend(tuple(line.split()) for line in out.decode().splitlines())
    assert len(results) == 240 == len(set(results))
    per_list = Counter(list_id for list_id, _ in results)
    assert all(count <= 64 for count in per_list.values())
    assert await _allocation_count(db) == 240


def _bit(bits: bytes, index: int) -> int:
    # Bitstring Status List order: index 0 is the most significant bit of byte 0.
    return (bits[index // 8] >> (7 - index % 8)) & 1


async def _list_and_index(db, credential_id, purpose):
    async with db.sessionmaker(write=False)() as session:
        row = (await session.execute(
            select(StatusAllocation, StatusList)
            .join(StatusList, StatusList.id == StatusAllocation.status_list_id)
            .where(StatusAllocation.credential_id == credential_id,
                   StatusList.purpose == purpose))).one()
        return row[1], row[0].status_index


async def test_revoking_sets_the_bit_bumps_the_version_and_records_an_event(
        db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme")
    stored = await issue(db, tenant, keystore, list_size=64, purposes=("revocation", "suspension"))
    async with db.sessionmaker()() as session, session.begin():
        change = await revoke(session, tenant, stored.id, actor="vcb_abcdefghijkl",
                              reason="issued in error", now=NOW)
    assert change.changed and change.value and change.purpose == "revocation"
    status_list, index = await _list_and_index(db, stored.id, "revocation")
    assert change.index == index and change.status_list.id == status_list.id
    assert _bit(status_list.bits, index) == 1
    assert sum(bin(b).count("1") for b in status_list.bits) == 1
    assert status_list.version == 2 and status_list.updated_at == NOW
    async with db.sessionmaker(write=False)() as session:
        [event] = await status_events(session, tenant, stored.id)
        assert await credential_status(session, tenant, stored.id) == {
            "revocation": True, "suspension": False}
    assert (event.action, event.purpose, event.actor, event.reason, event.at) == (
        "revoke", "revocation", "vcb_abcdefghijkl", "issued in error", NOW)


async def test_revoking_twice_changes_nothing_more(db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme")
    stored = await issue(db, tenant, keystore, list_size=64)
    for _ in range(2):
        async with db.sessionmaker()() as session, session.begin():
            change = await revoke(session, tenant, stored.id, actor="cli", now=NOW)
    assert not change.changed
    status_list, _ = await _list_and_index(db, stored.id, "revocation")
    assert status_list.version == 2
    async with db.sessionmaker(write=False)() as session:
        assert len(await status_events(session, tenant, stored.id)) == 1


async def test_a_revocation_is_permanent(db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme")
    stored = await issue(db, tenant, keystore, list_size=64)
    async with db.sessionmaker()() as session:
        with pytest.raises(StatusError) as caught:
            await set_status(session, tenant, stored.id, purpose="revocation", value=False,
                             actor="cli")
    assert caught.value.code == "revocation_is_permanent"


async def test_suspension_can_be_lifted(db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme")
    stored = await issue(db, tenant, keystore, plain_credential(), list_size=64,
                         purposes=("revocation", "suspension"))
    async with db.sessionmaker()() as session, session.begin():
        await suspend(session, tenant, stored.id, actor="cli", reason="under review", now=NOW)
    status_list, index = await _list_and_index(db, stored.id, "suspension")
    assert _bit(status_list.bits, index) == 1
    async with db.sessionmaker()() as session, session.begin():
        await unsuspend(session, tenant, stored.id, actor="cli", reason="cleared", now=NOW)
    status_list, index = await _list_and_index(db, stored.id, "suspension")
    assert _bit(status_list.bits, index) == 0 and status_list.version == 3
    revocation_list, _ = await _list_and_index(db, stored.id, "revocation")
    assert revocation_list.version == 1
    async with db.sessionmaker(write=False)() as session:
        events = await status_events(session, tenant, stored.id)
    assert [(e.action, e.reason) for e in events] == [("suspend", "under review"),
                                                       ("unsuspend", "cleared")]


async def test_a_purpose_the_credential_was_not_issued_with(db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme")
    stored = await issue(db, tenant, keystore, list_size=64)
    async with db.sessionmaker()() as session:
        with pytest.raises(StatusError) as caught:
            await suspend(session, tenant, stored.id, actor="cli")
    assert caught.value.code == "no_status_entry"


async def test_an_unknown_credential_is_not_found(db, new_tenant):
    tenant, _ = await new_tenant("acme")
    async with db.sessionmaker()() as session:
        with pytest.raises(StorageError) as caught:
            await revoke(session, tenant, "urn:uuid:nothing", actor="cli")
        assert caught.value.code == "not_found"
        assert await credential_status(session, tenant, "urn:uuid:nothing") is None


async def test_concurrent_changes_to_one_list_lose_no_bit(db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme")
    async with db.sessionmaker()() as session, session.begin():
        stored = [await issue_for_tenant(session, tenant, badge(tenant), keystore=keystore,
                                         base_url=BASE_URL, now=NOW, purposes=("revocation",))
                  for _ in range(20)]

    async def revoke_one(credential_id: str) -> None:
        async with db.sessionmaker()() as session, session.begin():
            await revoke(session, tenant, credential_id, actor="cli", now=NOW)

    await asyncio.gather(*(revoke_one(s.id) for s in stored))
    [status_list] = await _lists(db)
    assert sum(bin(b).count("1") for b in status_list.bits) == 20
    assert status_list.version == 21

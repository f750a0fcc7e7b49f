"""The issuer service: signed before its transaction, committed in shared batches, with an
outcome per credential; on SQLite and PostgreSQL (VCBADGES_TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from issuer_support import BASE_URL, badge

from vcbadges.errors import StorageError
from vcbadges.issuer import MasterKeyStore
from vcbadges.issuer.achievements import Recipient, create_achievement
from vcbadges.issuer.service import IssuerService, OfferedAward
from vcbadges.issuer.status import status_list_url
from vcbadges.storage import DatabaseConfig, queries
from vcbadges.storage.models import Credential, StatusAllocation, StatusList

NewTenant = Callable[..., Awaitable[tuple[Any, str]]]
LIST_SIZE = 64  # Small lists, so that concurrent issuers fill them and open new ones.


def service(db: DatabaseConfig, keystore: MasterKeyStore, **options: Any) -> IssuerService:
    return IssuerService(db, keystore, base_url=BASE_URL, list_size=LIST_SIZE, **options)


#: Both status purposes, so that each credential claims an index in two lists.
BOTH = ("revocation", "suspension")


async def _everything(db: DatabaseConfig) -> tuple[list[Credential], list[StatusAllocation],
                                                    list[StatusList]]:
    from sqlalchemy import select

    async with db.sessionmaker(write=False)() as session, session.begin():
        credentials = list((await session.execute(select(Credential))).scalars())
        allocations = list((await session.execute(select(StatusAllocation))).scalars())
        lists = list((await session.execute(select(StatusList))).scalars())
    return credentials, allocations, lists


def _entries(document: str) -> list[dict[str, Any]]:
    status = json.loads(document)["credentialStatus"]
    return status if isinstance(status, list) else [status]


async def test_two_issuers_at_once_lose_and_duplicate_nothing(
    db: DatabaseConfig, keystore: MasterKeyStore, new_tenant: NewTenant
) -> None:
    """Two services (as two processes: each its own allocator and commits) issue 80
    credentials at once into 64-entry lists: their candidates collide, lists fill up and
    roll over; every credential is stored once, with exactly the indexes it was signed
    with, and no index is used twice."""
    tenant, _ = await new_tenant("acme")
    first, second = service(db, keystore), service(db, keystore)
    issued = await asyncio.gather(*(
        (first if i % 2 else second).issue(tenant, badge(tenant), purposes=BOTH)
        for i in range(80)))
    await first.close()
    await second.close()
    credentials, allocations, lists = await _everything(db)
    assert sorted(c.id for c in credentials) == sorted(s.id for s in issued)
    assert len(allocations) == 2 * 80
    assert all(a.credential_id is not None for a in allocations)
    by_credential: dict[str, set[tuple[str, int]]] = {}
    for a in allocations:
        by_credential.setdefault(str(a.credential_id), set()).add(
            (status_list_url(BASE_URL, a.status_list_id), a.status_index))
    for stored in credentials:
        signed = {(e["statusListCredential"], int(e["statusListIndex"]))
                  for e in _entries(stored.document)}
        assert signed == by_credential[stored.id]
    assert len(lists) >= 4  # 80 credentials per purpose do not fit in one 64-entry list.
    assert Counter(lst.purpose for lst in lists if not lst.full) == {
        "revocation": 1, "suspension": 1}


async def test_a_duplicate_id_fails_alone(
    db: DatabaseConfig, keystore: MasterKeyStore, new_tenant: NewTenant
) -> None:
    """Ten requests for one explicit id and ten without, all at once, through one service:
    one of the ten gets the id, nine get a conflict, the other ten are stored; nothing of
    the refused ones is kept."""
    tenant, _ = await new_tenant("acme")
    issuer = service(db, keystore)

    def named() -> dict[str, Any]:
        return {**badge(tenant), "id": "urn:example:one"}

    results = await asyncio.gather(
        *(issuer.issue(tenant, named(), purposes=BOTH) for _ in range(10)),
        *(issuer.issue(tenant, badge(tenant), purposes=BOTH) for _ in range(10)),
        return_exceptions=True)
    await issuer.close()
    named_results, others = results[:10], results[10:]
    assert sum(not isinstance(r, BaseException) for r in named_results) == 1
    conflicts = [r for r in named_results if isinstance(r, StorageError)]
    assert len(conflicts) == 9 and all(r.code == "conflict" for r in conflicts)
    assert not any(isinstance(r, BaseException) for r in others)
    credentials, allocations, _ = await _everything(db)
    assert len(credentials) == 11 and len(allocations) == 22


async def test_an_id_issued_earlier_is_a_conflict(
    db: DatabaseConfig, keystore: MasterKeyStore, new_tenant: NewTenant
) -> None:
    tenant, _ = await new_tenant("acme")
    issuer = service(db, keystore)
    await issuer.issue(tenant, {**badge(tenant), "id": "urn:example:one"}, purposes=BOTH)
    with pytest.raises(StorageError) as caught:
        await issuer.issue(tenant, {**badge(tenant), "id": "urn:example:one"})
    assert caught.value.code == "conflict"
    await issuer.close()
    _, allocations, _ = await _everything(db)
    assert len(allocations) == 2


async def test_status_change_commits_then_tells_the_publisher(
    db: DatabaseConfig, keystore: MasterKeyStore, new_tenant: NewTenant
) -> None:
    tenant, _ = await new_tenant("acme")
    told: list[bool] = []

    class Publisher:
        def invalidate(self) -> None:
            # Told after the commit: a fresh session already sees the change.
            told.append(True)

    issuer = service(db, keystore, publisher=Publisher())  # type: ignore[arg-type]
    stored = await issuer.issue(tenant, badge(tenant), purposes=BOTH)
    done = await issuer.set_statuses(tenant, stored.id, [("suspension", True)], actor="cli")
    assert done[0].changed and told == [True]
    again = await issuer.set_statuses(tenant, stored.id, [("suspension", True)], actor="cli")
    assert not again[0].changed and told == [True]  # Nothing changed, nobody told.
    await issuer.close()


async def test_revoked_api_key_stops_at_once_here(
    db: DatabaseConfig, keystore: MasterKeyStore, new_tenant: NewTenant
) -> None:
    tenant, api_key = await new_tenant("acme")
    issuer = service(db, keystore)
    caller = await issuer.authenticate(api_key)
    assert caller is not None and caller.tenant.id == tenant.id
    assert await issuer.authenticate(api_key[:-1] + ("A" if api_key[-1] != "A" else "B")) is None
    prefix = api_key[:16]
    assert await issuer.revoke_api_key(tenant, prefix)
    assert await issuer.authenticate(api_key) is None


async def test_an_offer_award_is_built_by_the_core(
    db: DatabaseConfig, keystore: MasterKeyStore, new_tenant: NewTenant
) -> None:
    tenant, _ = await new_tenant("acme")
    achievement = badge(tenant)["credentialSubject"]["achievement"]
    async with db.sessionmaker()() as session, session.begin():
        await create_achievement(session, tenant, "explorer", achievement)
    issuer = service(db, keystore)
    holder = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    offered = OfferedAward(achievement="explorer", credential_id="urn:uuid:offer-1",
                           recipient_name="Ada", evidence=({"name": "Essay",
                                                            "narrative": "Good"},))
    stored = await issuer.award_offer(tenant, offered, holder, format="di")
    assert stored is not None
    document = stored.json()
    assert document["id"] == "urn:uuid:offer-1"
    assert document["credentialSubject"]["id"] == holder
    assert document["credentialSubject"]["identifier"][0]["identityHash"] == "Ada"
    assert document["evidence"] == [{"type": ["Evidence"], "name": "Essay",
                                     "narrative": "Good"}]
    assert await issuer.award_offer(tenant, OfferedAward(achievement="gone"), holder,
                                    format="di") is None
    award = await issuer.award(tenant, "explorer", Recipient(email="ada@example.org"))
    assert award.recipient_email_sealed is not None
    async with db.sessionmaker(write=False)() as session, session.begin():
        assert await queries.get_credential(session, tenant.id, award.id) is not None
    await issuer.close()

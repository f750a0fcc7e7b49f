"""One tenant can never read, list, revoke, suspend or sign for another.

Reads of another tenant's credential give None, and status changes give StorageError
``not_found``: the same answers as for an id that was never issued, so nothing is learnt.
"""

from __future__ import annotations

import pytest
from issuer_support import NOW, badge, issue, plain_credential
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from vcbadges.errors import CredentialError, StorageError
from vcbadges.issuer import (
    authenticate,
    credential_status,
    get_credential,
    list_credentials,
    revoke,
    signing_key,
    status_events,
    suspend,
    unsuspend,
)
from vcbadges.storage.models import SigningKeyRecord, StatusAllocation, StatusList


@pytest.fixture
async def two_tenants(db, new_tenant, keystore):
    acme, acme_key = await new_tenant("acme")
    globex, globex_key = await new_tenant("globex")
    credential = await issue(db, acme, keystore, plain_credential(), list_size=64,
                             purposes=("revocation", "suspension"))
    return acme, acme_key, globex, globex_key, credential


async def test_another_tenant_cannot_read_or_list_the_credential(db, two_tenants):
    acme, _, globex, _, credential = two_tenants
    async with db.sessionmaker(write=False)() as session:
        assert await get_credential(session, globex, credential.id) is None
        assert await list_credentials(session, globex) == []
        assert await credential_status(session, globex, credential.id) is None
        assert await status_events(session, globex, credential.id) == []
        assert [c.id for c in await list_credentials(session, acme)] == [credential.id]


@pytest.mark.parametrize("change", [revoke, suspend, unsuspend])
async def test_another_tenant_cannot_change_its_status(db, two_tenants, change):
    acme, _, globex, _, credential = two_tenants
    async with db.sessionmaker()() as session:
        with pytest.raises(StorageError) as caught:
            await change(session, globex, credential.id, actor="vcb_globexglobex", now=NOW)
    assert caught.value.code == "not_found"
    async with db.sessionmaker(write=False)() as session:
        assert await credential_status(session, acme, credential.id) == {
            "revocation": False, "suspension": False}
        assert await status_events(session, acme, credential.id) == []


async def test_each_api_key_opens_only_its_own_tenant(db, two_tenants):
    acme, acme_key, globex, globex_key, _ = two_tenants
    async with db.sessionmaker(write=False)() as session:
        assert (await authenticate(session, acme_key)).id == acme.id
        assert (await authenticate(session, globex_key)).id == globex.id


async def test_a_tenant_cannot_sign_as_another(db, two_tenants, keystore):
    acme, _, globex, _, _ = two_tenants
    with pytest.raises(CredentialError) as caught:
        await issue(db, globex, keystore, badge(acme))
    assert caught.value.code == "issuer_mismatch"


async def test_a_signing_key_blob_moved_to_another_tenant_does_not_unwrap(
        db, two_tenants, keystore):
    acme, _, globex, _, _ = two_tenants
    async with db.sessionmaker()() as session, session.begin():
        rows = {r.tenant_id: r for r in (await session.execute(select(SigningKeyRecord))).scalars()}
        rows[globex.id].encrypted_private_key = rows[acme.id].encrypted_private_key
    async with db.sessionmaker(write=False)() as session:
        with pytest.raises(StorageError) as caught:
            await signing_key(session, globex, keystore)
    assert caught.value.code == "key_unwrap_failed"


async def test_the_database_refuses_a_credential_in_another_tenants_list(db, two_tenants):
    acme, _, globex, _, credential = two_tenants
    async with db.sessionmaker()() as session:
        acme_list = (await session.execute(
            select(StatusList).where(StatusList.tenant_id == acme.id))).scalars().first()
        session.add(StatusAllocation(status_list_id=acme_list.id, status_index=63,
                                     tenant_id=globex.id, credential_id=None, allocated_at=NOW))
        with pytest.raises(IntegrityError):
            await session.flush()


async def test_the_same_credential_id_in_two_tenants_stays_apart(db, two_tenants, keystore):
    acme, _, globex, _, credential = two_tenants
    theirs = await issue(db, globex, keystore, plain_credential() | {"id": credential.id},
                         list_size=64)
    async with db.sessionmaker()() as session, session.begin():
        await revoke(session, globex, theirs.id, actor="cli", now=NOW)
    async with db.sessionmaker(write=False)() as session:
        assert (await get_credential(session, acme, credential.id)).document == \
            credential.document
        assert (await get_credential(session, globex, credential.id)).document == \
            theirs.document
        assert (await credential_status(session, acme, credential.id))["revocation"] is False
        assert (await credential_status(session, globex, credential.id))["revocation"] is True

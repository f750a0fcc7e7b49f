"""issue_for_tenant: status entries, the tenant's signature, the exact text stored, and one
transaction for all of it."""

from __future__ import annotations

import json
import uuid

import pytest
from issuer_support import BASE_URL, LEARNER, NOW, badge, issue, plain_credential
from sqlalchemy import func, select

from vcbadges import verify
from vcbadges.errors import CredentialError, StorageError
from vcbadges.issuer import (
    get_credential,
    issue_for_tenant,
    list_credentials,
    status_list_url,
)
from vcbadges.storage.models import Credential, StatusAllocation, StatusList


async def _allocations(db) -> list[tuple[StatusAllocation, StatusList]]:
    async with db.sessionmaker(write=False)() as session:
        result = await session.execute(
            select(StatusAllocation, StatusList)
            .join(StatusList, StatusList.id == StatusAllocation.status_list_id))
        return [(row[0], row[1]) for row in result.all()]


async def test_an_open_badge_gets_status_entries_and_the_tenants_proof(
        db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme")
    stored = await issue(db, tenant, keystore, purposes=("revocation", "suspension"))
    document = stored.json()
    assert document["issuer"]["id"] == tenant.did
    assert document["proof"]["verificationMethod"].startswith(tenant.did + "#")
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    allocations = sorted(await _allocations(db), key=lambda pair: pair[1].purpose)
    assert [lst.purpose for _, lst in allocations] == ["revocation", "suspension"]
    expected = []
    for allocation, status_list in allocations:
        assert allocation.credential_id == stored.id == document["id"]
        assert allocation.tenant_id == status_list.tenant_id == tenant.id
        assert status_list.size == 131072 and len(status_list.bits) == 16384
        url = f"{BASE_URL}/issuer/status/{status_list.id}"
        assert status_list_url(BASE_URL + "/", status_list.id) == url
        expected.append({
            "id": f"{url}#{allocation.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": status_list.purpose,
            "statusListIndex": str(allocation.status_index),
            "statusListCredential": url,
        })
    assert document["credentialStatus"] == expected
    report = await verify(document, now=NOW)
    assert report.check("proof").outcome.value == "passed", report.to_json()
    assert report.check("schema").outcome.value == "passed", report.to_json()


async def test_by_default_one_revocation_entry_object(db, new_tenant, keystore):
    # The strict OB 3.0 JSON schema allows one credentialStatus object, not an array.
    tenant, _ = await new_tenant("acme")
    stored = await issue(db, tenant, keystore)
    entry = stored.json()["credentialStatus"]
    assert isinstance(entry, dict) and entry["statusPurpose"] == "revocation"
    [(allocation, status_list)] = await _allocations(db)
    assert entry["statusListIndex"] == str(allocation.status_index)
    assert status_list.purpose == "revocation"


async def test_other_credentials_get_status_entries_too(db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme")
    stored = await issue(db, tenant, keystore, plain_credential(), purposes=("revocation", "suspension"))
    entries = stored.json()["credentialStatus"]
    assert [e["statusPurpose"] for e in entries] == ["revocation", "suspension"]
    allocations = await _allocations(db)
    assert {a.credential_id for a, _ in allocations} == {stored.id}
    report = await verify(stored.json(), now=NOW)
    assert report.check("proof").outcome.value == "passed", report.to_json()


async def test_the_stored_text_is_exactly_what_was_issued(db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme")
    stored = await issue(db, tenant, keystore, plain_credential(subject="did:example:ü"))
    async with db.sessionmaker(write=False)() as session:
        again = await get_credential(session, tenant, stored.id)
        row = await session.get(Credential, (tenant.id, stored.id))
    assert again == stored
    assert row is not None and row.document == stored.document
    assert "ü" in stored.document  # UTF-8 text, not \\u escapes.
    assert stored.subject == "did:example:ü"
    assert stored.format == "di" and stored.issued_at == NOW


async def test_a_p256_tenant_signs_with_ecdsa(db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme", algorithm="P-256", did_web_host="badges.example.edu")
    stored = await issue(db, tenant, keystore)
    proof = stored.json()["proof"]
    assert proof["cryptosuite"] == "ecdsa-rdfc-2019"
    assert proof["verificationMethod"] == "did:web:badges.example.edu:acme#key-1"


async def test_the_caller_may_choose_the_suite(db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme")
    stored = await issue(db, tenant, keystore, suite="eddsa-jcs-2022")
    assert stored.json()["proof"]["cryptosuite"] == "eddsa-jcs-2022"


async def test_the_input_is_not_modified(db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme")
    unsigned = badge(tenant)
    before = json.dumps(unsigned, sort_keys=True)
    await issue(db, tenant, keystore, unsigned)
    assert json.dumps(unsigned, sort_keys=True) == before


async def test_credential_status_from_the_caller_is_refused(db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme")
    unsigned = badge(tenant) | {"credentialStatus": {"id": "https://x/1#1", "type": "X"}}
    with pytest.raises(CredentialError) as caught:
        await issue(db, tenant, keystore, unsigned)
    assert caught.value.code == "credential_status_not_allowed"


async def test_a_failed_issue_keeps_nothing(db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme")
    other, _ = await new_tenant("globex")
    # Signing fails (the issuer is another tenant) after the indexes were taken: the
    # rollback must give them back.
    with pytest.raises(CredentialError) as caught:
        await issue(db, tenant, keystore, badge(other))
    assert caught.value.code == "issuer_mismatch"
    assert await _allocations(db) == []
    async with db.sessionmaker(write=False)() as session:
        assert (await session.execute(select(func.count()).select_from(Credential))
                ).scalar_one() == 0


async def test_a_failed_issue_leaves_the_transaction_usable(db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme")
    other, _ = await new_tenant("globex")
    async with db.sessionmaker()() as session, session.begin():
        first = await issue_for_tenant(session, tenant, badge(tenant), keystore=keystore,
                                       base_url=BASE_URL, now=NOW)
        with pytest.raises(CredentialError):
            await issue_for_tenant(session, tenant, badge(other), keystore=keystore,
                                   base_url=BASE_URL, now=NOW)
        last = await issue_for_tenant(session, tenant, badge(tenant), keystore=keystore,
                                      base_url=BASE_URL, now=NOW)
    allocations = await _allocations(db)
    assert len(allocations) == 2
    assert {a.credential_id for a, _ in allocations} == {first.id, last.id}


async def test_a_purpose_may_appear_once(db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme")
    with pytest.raises(ValueError):
        await issue(db, tenant, keystore, purposes=("revocation", "revocation"))


async def test_an_id_is_issued_once_per_tenant(db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme")
    other, _ = await new_tenant("globex")
    unsigned = badge(tenant) | {"id": "urn:uuid:" + str(uuid.uuid4())}
    await issue(db, tenant, keystore, unsigned)
    with pytest.raises(StorageError) as caught:
        await issue(db, tenant, keystore, unsigned)
    assert caught.value.code == "conflict"
    # Another tenant may use the same id without learning anything about the first.
    again = await issue(db, other, keystore, badge(other) | {"id": unsigned["id"]})
    assert again.tenant_id == other.id


async def test_credentials_can_be_issued_without_status(db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme")
    stored = await issue(db, tenant, keystore, purposes=())
    assert "credentialStatus" not in stored.json()
    assert await _allocations(db) == []


async def test_many_credentials_in_one_transaction(db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme")
    async with db.sessionmaker()() as session, session.begin():
        for _ in range(5):
            await issue_for_tenant(session, tenant, badge(tenant), keystore=keystore,
                                   base_url=BASE_URL, now=NOW)
    async with db.sessionmaker(write=False)() as session:
        page = await list_credentials(session, tenant, limit=3)
        rest = await list_credentials(session, tenant, limit=3, offset=3)
    assert len(page) == 3 and len(rest) == 2
    assert len({c.id for c in page + rest}) == 5
    assert all(c.subject == LEARNER for c in page + rest)
    allocations = await _allocations(db)
    assert len(allocations) == 5
    assert len({(a.status_list_id, a.status_index) for a, _ in allocations}) == 5

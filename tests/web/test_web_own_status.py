"""A credential that brings its own ``credentialStatus`` (its issuer runs a status service of
its own, as VC-API callers may): signed with that entry exactly, and given none of this
service's lists."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientSession
from web_support import Service, badge, bearer, issue, problem_of

from vcbadges.storage.models import StatusAllocation

ENTRY = {
    "id": "https://status.example/lists/7#42",
    "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation",
    "statusListIndex": "42",
    "statusListCredential": "https://status.example/lists/7",
}


async def _allocations(service: Service) -> int:
    from sqlalchemy import func, select

    async with service.db.sessionmaker(write=False)() as session, session.begin():
        return int((await session.execute(
            select(func.count()).select_from(StatusAllocation))).scalar_one())


async def test_its_own_status_entry_is_signed_as_given(service: Service,
                                                       client: ClientSession):
    tenant, api_key = await service.tenant("acme")
    signed = (await issue(client, service, api_key, {
        "credential": {**badge(tenant.did), "credentialStatus": ENTRY}}))["verifiableCredential"]
    assert signed["credentialStatus"] == ENTRY
    assert "proof" in signed
    assert await _allocations(service) == 0
    # Nothing of this service's lists to change for it.
    async with client.post(service.url + "/issuer/credentials/status", headers=bearer(api_key),
                           json={"credentialId": signed["id"], "credentialStatus": [
                               {"type": "BitstringStatusListCredential",
                                "status": "revoked"}]}) as response:
        body = await problem_of(response, 409, "no-status-entry")
    assert body["code"] == "no_status_entry"


async def test_its_own_status_and_chosen_purposes_are_refused_together(
        service: Service, client: ClientSession):
    tenant, api_key = await service.tenant("acme")
    async with client.post(service.url + "/issuer/credentials/issue", headers=bearer(api_key),
                           json={"credential": {**badge(tenant.did), "credentialStatus": ENTRY},
                                 "options": {"statusPurposes": ["revocation"]}}) as response:
        body = await problem_of(response, 400, "invalid-credential")
    assert body["code"] == "credential_status_conflict"
    assert await _allocations(service) == 0


async def test_an_untyped_status_entry_is_refused(service: Service, client: ClientSession):
    tenant, api_key = await service.tenant("acme")
    untyped: dict[str, Any] = {k: v for k, v in ENTRY.items() if k != "type"}
    async with client.post(service.url + "/issuer/credentials/issue", headers=bearer(api_key),
                           json={"credential": {**badge(tenant.did),
                                                "credentialStatus": untyped}}) as response:
        body = await problem_of(response, 400, "invalid-credential")
    assert body["code"] == "missing_type"

"""API keys and tenant isolation over HTTP: no key, a bad key, and every way tenant B could
try to sign as, read, change or list tenant A's data."""

from __future__ import annotations

import pytest
from aiohttp import ClientSession
from web_support import LEARNER, SUSPENDABLE, Service, badge, bearer, issue, problem_of, verify

from vcbadges.issuer import revoke_api_key

SECURED = [
    ("POST", "/issuer/credentials/issue"),
    ("POST", "/issuer/credentials/status"),
    ("GET", "/issuer/credentials"),
    ("GET", "/issuer/credentials/urn:uuid:1"),
    ("POST", "/issuer/achievements"),
    ("GET", "/issuer/achievements"),
    ("GET", "/issuer/achievements/explorer"),
    ("POST", "/issuer/bulk/issue"),
    ("POST", "/issuer/bulk/revoke"),
    ("GET", "/issuer/bulk/jobs"),
    ("GET", "/issuer/bulk/jobs/6f1c1a52-8a1c-4c3e-9a59-3d35a1b0e9a1"),
    ("DELETE", "/issuer/bulk/jobs/6f1c1a52-8a1c-4c3e-9a59-3d35a1b0e9a1"),
    ("GET", "/issuer/bulk/jobs/6f1c1a52-8a1c-4c3e-9a59-3d35a1b0e9a1/results"),
    ("GET", "/issuer/bulk/jobs/6f1c1a52-8a1c-4c3e-9a59-3d35a1b0e9a1/results.csv"),
]

BAD_HEADERS = [
    pytest.param({}, id="missing"),
    pytest.param({"Authorization": "Basic dXNlcjpwYXNz"}, id="wrong-scheme"),
    pytest.param({"Authorization": "Bearer"}, id="empty"),
    pytest.param({"Authorization": "Bearer not-a-key"}, id="malformed"),
    pytest.param({"Authorization": "Bearer vcb_" + "A" * 43}, id="unknown"),
]


@pytest.mark.parametrize("headers", BAD_HEADERS)
async def test_secured_routes_need_a_valid_api_key(service: Service, client: ClientSession,
                                                   headers):
    for method, path in SECURED:
        async with client.request(method, service.url + path, headers=headers,
                                  json={}) as response:
            await problem_of(response, 401, "unauthorized")
            assert response.headers["WWW-Authenticate"].startswith("Bearer ")


async def test_a_revoked_api_key_is_refused(service: Service, client: ClientSession):
    tenant, api_key = await service.tenant("acme")
    async with service.db.sessionmaker()() as session, session.begin():
        assert await revoke_api_key(session, tenant, api_key[:16])
    async with client.get(service.url + "/issuer/credentials", headers=bearer(api_key)) as r:
        await problem_of(r, 401, "unauthorized")


async def test_one_tenant_cannot_touch_another_tenants_data(service: Service,
                                                            client: ClientSession):
    a, key_a = await service.tenant("tenant-a")
    _, key_b = await service.tenant("tenant-b")
    credential = (await issue(client, service, key_a, {
        "credential": badge(a.did), "options": SUSPENDABLE}))["verifiableCredential"]
    async with client.post(service.url + "/issuer/achievements", headers=bearer(key_a), json={
            "slug": "secret", "achievement": {"name": "A's", "description": "A's badge",
                                              "criteria": {"narrative": "Be A."}}}) as r:
        assert r.status == 201

    # Read A's credential or template: not found, exactly like an unknown id.
    async with client.get(service.url + "/issuer/credentials/" + credential["id"],
                          headers=bearer(key_b)) as response:
        await problem_of(response, 404, "not-found")
    async with client.get(service.url + "/issuer/achievements/secret",
                          headers=bearer(key_b)) as response:
        await problem_of(response, 404, "not-found")

    # List: B sees nothing of A's.
    async with client.get(service.url + "/issuer/credentials", headers=bearer(key_b)) as r:
        assert (await r.json())["credentials"] == []
    async with client.get(service.url + "/issuer/achievements", headers=bearer(key_b)) as r:
        assert (await r.json())["achievements"] == []

    # Revoke or suspend A's credential, in either request form: not found.
    for body in (
        {"credentialId": credential["id"], "status": True,
         "credentialStatus": {"type": "BitstringStatusListEntry",
                              "statusPurpose": "revocation"}},
        {"credentialId": credential["id"],
         "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "suspended"}]},
    ):
        async with client.post(service.url + "/issuer/credentials/status", json=body,
                               headers=bearer(key_b)) as response:
            await problem_of(response, 404, "not-found")

    # Sign as A: an issuer that is not B's own DID is refused.
    async with client.post(service.url + "/issuer/credentials/issue", headers=bearer(key_b),
                           json={"credential": badge(a.did)}) as response:
        refused = await problem_of(response, 400, "invalid-credential")
    assert refused["code"] == "issuer_mismatch"

    # Award A's template: unknown to B.
    async with client.post(service.url + "/issuer/credentials/issue", headers=bearer(key_b),
                           json={"award": {"achievement": "secret",
                                           "recipient": {"id": LEARNER}}}) as response:
        await problem_of(response, 400, "unknown-achievement")

    # And nothing B did changed A's credential.
    status, report = await verify(client, service, credential)
    assert (status, report["verified"]) == (200, True), report
    async with client.get(service.url + "/issuer/credentials/" + credential["id"],
                          headers=bearer(key_a)) as response:
        record = await response.json()
    assert record["credentialStatus"] == {"revocation": False, "suspension": False}
    assert record["statusEvents"] == []


async def test_two_tenants_may_issue_the_same_credential_id(service: Service,
                                                            client: ClientSession):
    a, key_a = await service.tenant("tenant-a")
    b, key_b = await service.tenant("tenant-b")
    for tenant, key in ((a, key_a), (b, key_b)):
        await issue(client, service, key,
                    {"credential": {**badge(tenant.did), "id": "urn:uuid:same"}})
    async with client.post(service.url + "/issuer/credentials/issue", headers=bearer(key_a),
                           json={"credential": {**badge(a.did), "id": "urn:uuid:same"}}) as r:
        await problem_of(r, 409, "conflict")

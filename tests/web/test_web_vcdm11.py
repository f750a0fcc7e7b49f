"""VCDM 1.1 badges from the service: their Bitstring status entries are defined by the status
context the issuer adds, they verify, and revocation and suspension reach them."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientSession
from web_support import Service, badge, bearer, check, issue, verify

V1 = "https://www.w3.org/2018/credentials/v1"
STATUS_V1 = "https://www.w3.org/ns/credentials/status/v1"


def badge_v1(did: str) -> dict[str, Any]:
    """The service's sample badge as a VCDM 1.1 document (the service fills issuanceDate)."""
    unsigned = badge(did)
    unsigned["@context"] = [V1, *unsigned["@context"][1:]]
    return unsigned


async def _status(client: ClientSession, service: Service, api_key: str, credential_id: str,
                  wanted: str) -> None:
    async with client.post(service.url + "/issuer/credentials/status", headers=bearer(api_key),
                           json={"credentialId": credential_id, "credentialStatus": [
                               {"type": "BitstringStatusListEntry", "status": wanted}]}) as r:
        assert r.status == 200, await r.text()


async def test_a_vcdm_1_1_badge_gets_the_status_context_and_verifies(
        service: Service, client: ClientSession):
    tenant, api_key = await service.tenant("acme")
    answer = await issue(client, service, api_key, {"credential": badge_v1(tenant.did)})
    credential = answer["verifiableCredential"]
    assert credential["@context"][0] == V1 and STATUS_V1 in credential["@context"]
    assert "issuanceDate" in credential and "validFrom" not in credential
    entry = credential["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "revocation"
    status, report = await verify(client, service, credential)
    assert (status, report["verified"]) == (200, True), report
    assert check(report, "document") == ("passed", "ok")
    assert check(report, "status_revocation") == ("passed", "not_revoked")

    await _status(client, service, api_key, credential["id"], "revoked")
    status, report = await verify(client, service, credential)
    assert report["verified"] is False
    assert check(report, "status_revocation") == ("failed", "revoked")


async def test_a_vcdm_1_1_badge_can_be_suspended_and_unsuspended(
        service: Service, client: ClientSession):
    tenant, api_key = await service.tenant("acme")
    unsigned = {**badge_v1(tenant.did), "@context": [*badge_v1(tenant.did)["@context"],
                                                     STATUS_V1]}
    credential = (await issue(client, service, api_key, {
        "credential": unsigned,
        "options": {"statusPurposes": ["revocation", "suspension"]}}))["verifiableCredential"]
    # A context the caller already listed is not added twice.
    assert credential["@context"].count(STATUS_V1) == 1
    assert [e["statusPurpose"] for e in credential["credentialStatus"]] == [
        "revocation", "suspension"]
    for wanted, outcome in (("suspended", ("failed", "suspended")),
                            ("unsuspended", ("passed", "not_suspended"))):
        await _status(client, service, api_key, credential["id"], wanted)
        _, report = await verify(client, service, credential)
        assert check(report, "status_suspension") == outcome, report
        assert report["verified"] is (wanted == "unsuspended")

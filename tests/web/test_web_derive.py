"""Selective disclosure over HTTP: a P-256 tenant issues ecdsa-sd-2023, the VC-API holder
route derives, the verifier accepts the derivation and refuses the base proof."""

from __future__ import annotations

from web_support import badge, check, issue, problem_of, verify

DERIVE = "/holder/credentials/derive"


async def test_issue_derive_verify_over_http(service, client):
    tenant, api_key = await service.tenant("sdschool", algorithm="P-256")
    unsigned = badge(tenant.did)
    unsigned["credentialSubject"]["name"] = "Ada Lovelace"
    answer = await issue(client, service, api_key, {
        "credential": unsigned, "options": {"cryptosuite": "ecdsa-sd-2023"}})
    base = answer["verifiableCredential"]
    assert base["proof"]["cryptosuite"] == "ecdsa-sd-2023"

    status, report = await verify(client, service, base)
    assert status == 400 and check(report, "proof") == ("failed", "base_proof_presented")

    async with client.post(service.url + DERIVE, json={
            "verifiableCredential": base, "options": {"selectivePointers": []}}) as response:
        assert response.status == 201
        derived = (await response.json())["verifiableCredential"]
    assert "name" not in derived["credentialSubject"]
    assert derived["credentialSubject"]["achievement"] == base["credentialSubject"]["achievement"]
    status, report = await verify(client, service, derived)
    assert status == 200, report
    assert check(report, "proof") == ("passed", "ok")

    async with client.post(service.url + DERIVE, json={
            "verifiableCredential": base,
            "options": {"selectivePointers": ["/credentialSubject/name"]}}) as response:
        named = (await response.json())["verifiableCredential"]
    assert named["credentialSubject"]["name"] == "Ada Lovelace"
    named["credentialSubject"]["name"] = "Mallory"
    status, report = await verify(client, service, named)
    assert status == 400 and check(report, "proof") == ("failed", "invalid_signature")


async def test_derive_refusals_are_problems(service, client):
    tenant, api_key = await service.tenant("plainschool", algorithm="P-256")
    plain = (await issue(client, service, api_key, {"credential": badge(tenant.did)})
             )["verifiableCredential"]
    cases = [
        ({"verifiableCredential": plain}, "no-base-proof"),
        ({"verifiableCredential": "text"}, "invalid-request"),
        ({"verifiableCredential": plain, "options": {"selectivePointers": "/a"}},
         "invalid-request"),
        ({"verifiableCredential": plain, "options": {"mandatoryPointers": []}},
         "invalid-request"),
    ]
    for body, kind in cases:
        async with client.post(service.url + DERIVE, json=body) as response:
            await problem_of(response, 400, kind)
    base = (await issue(client, service, api_key, {
        "credential": badge(tenant.did), "options": {"cryptosuite": "ecdsa-sd-2023"}})
    )["verifiableCredential"]
    async with client.post(service.url + DERIVE, json={
            "verifiableCredential": base,
            "options": {"selectivePointers": ["/credentialSubject/nickname"]}}) as response:
        body = await problem_of(response, 400, "pointer-mismatch")
        assert body["code"] == "pointer_mismatch"


async def test_an_ed25519_tenant_cannot_issue_ecdsa_sd(service, client):
    tenant, api_key = await service.tenant("edschool")
    async with client.post(service.url + "/issuer/credentials/issue", json={
            "credential": badge(tenant.did), "options": {"cryptosuite": "ecdsa-sd-2023"}},
            headers={"Authorization": f"Bearer {api_key}"}) as response:
        assert response.status == 400

"""``options.mandatoryPointers`` over HTTP: an ecdsa-sd-2023 issuer names claims every
disclosure must show, beside the issuer, validity and status, which always are; every
other suite, and every pointer that is not one, is refused with its own problem."""

from __future__ import annotations

import pytest
from web_support import badge, bearer, check, issue, problem_of, verify

ISSUE = "/issuer/credentials/issue"
DERIVE = "/holder/credentials/derive"
SD = "ecdsa-sd-2023"


async def derive(client, service, base, selective):
    async with client.post(service.url + DERIVE, json={
            "verifiableCredential": base,
            "options": {"selectivePointers": selective}}) as response:
        body = await response.json()
        assert response.status == 201, body
        return body["verifiableCredential"]


async def test_mandatory_claims_are_in_every_derivation_and_verify(service, client):
    tenant, api_key = await service.tenant("sdmandatory", algorithm="P-256")
    unsigned = badge(tenant.did)
    unsigned["credentialSubject"]["name"] = "Ada Lovelace"
    unsigned["description"] = "kept back unless asked for"
    base = (await issue(client, service, api_key, {"credential": unsigned, "options": {
        "cryptosuite": SD, "mandatoryPointers": ["/credentialSubject/name"]}})
    )["verifiableCredential"]
    assert base["proof"]["cryptosuite"] == SD

    for selective in ([], ["/description"]):
        derived = await derive(client, service, base, selective)
        subject = derived["credentialSubject"]
        assert subject["name"] == "Ada Lovelace"
        # The defaults stay mandatory: no holder can leave out issuer, validity or status.
        for member in ("issuer", "validFrom", "credentialStatus"):
            assert derived[member] == base[member]
        assert subject["achievement"] == base["credentialSubject"]["achievement"]
        assert ("description" in derived) == bool(selective)
        status, report = await verify(client, service, derived)
        assert status == 200, report
        assert check(report, "proof") == ("passed", "ok")

    derived = await derive(client, service, base, [])
    derived["credentialSubject"]["name"] = "Mallory"
    status, report = await verify(client, service, derived)
    assert status == 400 and check(report, "proof") == ("failed", "invalid_signature")
    # The mandatory claim cannot be dropped from a derivation either.
    derived = await derive(client, service, base, [])
    del derived["credentialSubject"]["name"]
    status, report = await verify(client, service, derived)
    assert status == 400 and check(report, "proof")[0] == "failed"


async def test_without_mandatory_pointers_the_name_stays_the_holders(service, client):
    tenant, api_key = await service.tenant("sddefaults", algorithm="P-256")
    unsigned = badge(tenant.did)
    unsigned["credentialSubject"]["name"] = "Ada Lovelace"
    base = (await issue(client, service, api_key, {"credential": unsigned,
                                                   "options": {"cryptosuite": SD}})
            )["verifiableCredential"]
    assert "name" not in (await derive(client, service, base, []))["credentialSubject"]


@pytest.mark.parametrize(("options", "code"), [
    ({"mandatoryPointers": ["/credentialSubject/name"]}, "mandatory_pointers_need_sd"),
    ({"cryptosuite": "ecdsa-rdfc-2019", "mandatoryPointers": []},
     "mandatory_pointers_need_sd"),
    ({"format": "jwt", "mandatoryPointers": ["/issuer"]}, "mandatory_pointers_need_sd"),
    ({"cryptosuite": SD, "mandatoryPointers": "/issuer"}, None),
    ({"cryptosuite": SD, "mandatoryPointers": [3]}, None),
    ({"cryptosuite": SD, "mandatoryPointers": [""]}, None),
    ({"cryptosuite": SD, "mandatoryPointers": ["/" + "a" * 1000]}, None),
    ({"cryptosuite": SD, "mandatoryPointers": ["/issuer"] * 101}, None),
    ({"cryptosuite": SD, "mandatoryPointers": ["issuer"]}, "invalid_pointer"),
    ({"cryptosuite": SD, "mandatoryPointers": ["/credentialSubject/a~2b"]}, "invalid_pointer"),
])
async def test_refused_mandatory_pointers(service, client, options, code):
    tenant, api_key = await service.tenant("sdrefusals", algorithm="P-256")
    async with client.post(service.url + ISSUE, headers=bearer(api_key), json={
            "credential": badge(tenant.did), "options": options}) as response:
        body = await problem_of(response, 400, "invalid-options")
    assert body.get("code") == code
    assert "mandatoryPointers" in body["detail"]


async def test_a_pointer_the_credential_lacks_is_refused_and_nothing_is_stored(service,
                                                                               client):
    tenant, api_key = await service.tenant("sdmismatch", algorithm="P-256")
    async with client.post(service.url + ISSUE, headers=bearer(api_key), json={
            "credential": badge(tenant.did),
            "options": {"cryptosuite": SD,
                        "mandatoryPointers": ["/credentialSubject/nickname"]}}) as response:
        body = await problem_of(response, 400, "invalid-credential")
    assert body["code"] == "pointer_mismatch"
    async with client.get(service.url + "/issuer/credentials",
                          headers=bearer(api_key)) as response:
        assert (await response.json())["credentials"] == []


async def test_an_ed25519_tenant_cannot_ask_for_mandatory_pointers(service, client):
    tenant, api_key = await service.tenant("sdeddsa")
    async with client.post(service.url + ISSUE, headers=bearer(api_key), json={
            "credential": badge(tenant.did),
            "options": {"cryptosuite": SD, "mandatoryPointers": ["/issuer"]}}) as response:
        body = await problem_of(response, 400, "unsupported-cryptosuite")
    assert body["code"] == "unsupported_cryptosuite"

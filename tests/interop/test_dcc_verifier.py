"""The Digital Credentials Consortium's verifier (@digitalcredentials/verifier-core, driven by
tests/interop/dccverify.mjs) verifies badges a running vcbadges service issues, with the
issuer looked up in a local DCC registry document and no network (the harness refuses every
URL but the service's own, on loopback).

verifier-core 1.0.0-beta.11 verifies eddsa-rdfc-2022 and Ed25519Signature2020 only; its
suite list has no ecdsa-rdfc-2019, so the service's P-256 badges are not tried here.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from web_support import Service, badge, bearer, issue, running_service

from vcbadges import generate_key

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "dccverify.mjs"


async def dcc_verify(credential: dict[str, Any], registry: dict[str, Any]) -> dict[str, Any]:
    exe = shutil.which("node")
    assert exe is not None, "node is needed for the interop tests"
    assert (HERE / "node_modules").is_dir(), "run `npm ci --prefix tests/interop` first"
    process = await asyncio.create_subprocess_exec(
        exe, str(SCRIPT), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    payload = json.dumps({"credential": credential, "registry": registry}).encode()
    out, err = await asyncio.wait_for(process.communicate(payload), 120)
    # verifier-core logs to stdout (console.log) ahead of the harness's one JSON line.
    lines = out.decode().strip().splitlines()
    assert lines, err.decode()
    answer: dict[str, Any] = json.loads(lines[-1])
    assert process.returncode == 0, answer.get("error") or err.decode()
    return answer


def registry_of(*dids: str) -> dict[str, Any]:
    return {"meta": {"created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z"},
            "registry": {did: {"name": "Acme College", "url": "https://acme.example",
                               "location": "Springfield"} for did in dids}}


def steps(result: dict[str, Any]) -> dict[str, Any]:
    return {step["id"]: step for step in result.get("log", [])}


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    async with running_service(tmp_path) as running:
        yield running


@pytest.fixture
async def client() -> AsyncIterator[ClientSession]:
    async with ClientSession() as session:
        yield session


async def issued(service: Service, client: ClientSession
                 ) -> tuple[str, dict[str, Any], str]:
    tenant, api_key = await service.tenant("acme")
    holder = generate_key("Ed25519")
    answer = await issue(client, service, api_key,
                         {"credential": badge(tenant.did, holder.controller)})
    return tenant.did, answer["verifiableCredential"], api_key


async def test_dcc_verifies_an_eddsa_badge_of_a_registered_issuer(service: Service,
                                                                  client: ClientSession):
    did, credential, _ = await issued(service, client)
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    result = await dcc_verify(credential, registry_of(did))
    assert not result.get("errors"), result
    log = steps(result)
    assert log["valid_signature"]["valid"] is True, result
    assert log["revocation_status"]["valid"] is True, result
    assert log["registered_issuer"]["valid"] is True, result
    assert log["registered_issuer"]["matchingIssuers"][0]["issuer"]["federation_entity"][
        "organization_name"] == "Acme College"


async def test_dcc_finds_an_unregistered_issuer(service: Service, client: ClientSession):
    _, credential, _ = await issued(service, client)
    result = await dcc_verify(credential, registry_of("did:key:z6MkOtherIssuer"))
    assert steps(result)["valid_signature"]["valid"] is True, result
    assert steps(result)["registered_issuer"]["valid"] is False, result


async def test_dcc_refuses_a_tampered_badge(service: Service, client: ClientSession):
    did, credential, _ = await issued(service, client)
    credential["credentialSubject"]["achievement"]["name"] = "Doctor of Medicine"
    result = await dcc_verify(credential, registry_of(did))
    assert result.get("errors") or steps(result)["valid_signature"]["valid"] is False, result


async def test_dcc_sees_a_revoked_badge(service: Service, client: ClientSession):
    did, credential, api_key = await issued(service, client)
    async with client.post(service.url + "/issuer/credentials/status", json={
            "credentialId": credential["id"], "reason": "issued in error",
            "credentialStatus": {"type": "BitstringStatusListEntry",
                                 "statusPurpose": "revocation"},
            "status": True}, headers=bearer(api_key)) as response:
        assert response.status == 200, await response.text()
    result = await dcc_verify(credential, registry_of(did))
    assert steps(result)["valid_signature"]["valid"] is True, result
    assert steps(result)["revocation_status"]["valid"] is False, result

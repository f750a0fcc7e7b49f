"""Every kind of badge the service and the CLI issue passes the official OB 3.0 JSON Schema
(1EdTech ``achievementcredential.json``, run with jsonschema): Data Integrity with
eddsa-rdfc-2022 and ecdsa-rdfc-2019, OB 3.0 VC-JWT and VC-JOSE, VCDM 1.1, awards from a
template, bulk jobs, OpenID4VCI and ``vcbadges issue``.

Only the deviations ``vcbadges.credentials.schema`` documents are accounted for (through
``schema_view`` of the schema tests: a single proof object, and the VCDM 1.1 names). A badge
with a suspension entry as well carries a ``credentialStatus`` array, which the schema
refuses: that is DEVIATION 6, asked for explicitly, and checked here to fail for that reason
alone. Skipped when the reference data in ../shared is absent.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from test_wallet_http import Wallet, browser, issuer_with_template, make_offer
from web_support import SUSPENDABLE, VCBADGES, Service, badge, bearer, clean_env, issue

from credentials.test_schema import OB3, official, schema_view
from vcbadges.credentials.sample import sample_badge
from vcbadges.primitives.keyfile import write_key_file
from vcbadges.primitives.keys import generate_key
from vcbadges.primitives.multibase import b64url_decode

pytestmark = pytest.mark.skipif(not (OB3 / "schemas").is_dir(),
                                reason="reference data ../shared/ob3 is not available")

V1 = "https://www.w3.org/2018/credentials/v1"


def errors_of(credential: dict[str, Any]) -> list[str]:
    validator = official("achievementcredential")
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(schema_view(credential))]


def payload(token: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(b64url_decode(token.split(".")[1]))
    return value


def credential_of(issued: Any) -> dict[str, Any]:
    """The credential of an answer: the object, the ``vc`` claim of an OB 3.0 VC-JWT, or the
    payload of a VC-JOSE envelope."""
    if isinstance(issued, str):
        claims = payload(issued)
        return claims["vc"] if "vc" in claims else claims
    if issued.get("type") == "EnvelopedVerifiableCredential":
        return payload(issued["id"].split(",", 1)[1])
    return issued


async def test_every_kind_of_issued_badge_passes_the_official_schema(
        service: Service, client: ClientSession, tmp_path: Path):
    tenant, api_key = await issuer_with_template(service, client)
    p256, p256_key = await service.tenant("p256", algorithm="P-256")
    v1 = badge(tenant.did)
    v1["@context"] = [V1, *v1["@context"][1:]]
    bodies = {
        "di eddsa-rdfc-2022": (api_key, {"credential": badge(tenant.did)}),
        "di ecdsa-rdfc-2019": (p256_key, {"credential": badge(p256.did)}),
        "ob 3.0 vc-jwt": (api_key, {"credential": badge(tenant.did),
                                    "options": {"format": "jwt"}}),
        "vc-jose": (api_key, {"credential": badge(tenant.did), "options": {"format": "vc+jwt"}}),
        "vcdm 1.1": (api_key, {"credential": v1}),
        "award": (api_key, {"award": {"achievement": "explorer",
                                      "recipient": {"email": "ada@example.org"}}}),
    }
    issued: dict[str, dict[str, Any]] = {}
    for name, (key, body) in bodies.items():
        answer = await issue(client, service, key, body)
        issued[name] = credential_of(answer["verifiableCredential"])

    # A bulk job, through the HTTP API.
    async with client.post(service.url + "/issuer/bulk/issue", headers=bearer(api_key), json={
            "achievement": "explorer", "rows": [{"rowId": "1", "recipient": "b@example.org"}]
    }) as response:
        job = await response.json()
        assert response.status == 202, job
    for _ in range(1200):
        async with client.get(service.url + f"/issuer/bulk/jobs/{job['id']}",
                              headers=bearer(api_key)) as response:
            job = await response.json()
        if job["state"] != "running":
            break
        await asyncio.sleep(0.05)
    async with client.get(service.url + f"/issuer/bulk/jobs/{job['id']}/results",
                          headers=bearer(api_key)) as response:
        [row] = (await response.json())["results"]
    async with client.get(service.url + f"/issuer/credentials/{row['credentialId']}",
                          headers=bearer(api_key)) as response:
        issued["bulk"] = (await response.json())["verifiableCredential"]

    # OpenID4VCI, into the service's own wallet.
    offer = await make_offer(service, client, api_key, pin=True)
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("ada")
        scanned = await wallet.scan(offer["offerUri"])
        added = await wallet.ok("POST", f"/offers/{scanned['handle']}/accept", 201,
                                json_body={"txCode": offer["txCode"]})
        held = await wallet.ok("GET", f"/credentials/{added['credential']['id']}")
    issued["openid4vci"] = credential_of(held["credential"])

    # vcbadges issue, the command line.
    key = generate_key("Ed25519")
    key_file, unsigned = tmp_path / "issuer.key", tmp_path / "badge.json"
    write_key_file(key_file, key, passphrase=None, unencrypted=True)
    unsigned.write_text(json.dumps(sample_badge(issuer=key.controller,
                                                subject="did:example:x").to_json()))
    done = subprocess.run([VCBADGES, "issue", str(unsigned), "--key", str(key_file)],
                          capture_output=True, text=True, env=clean_env(), timeout=120)
    assert done.returncode == 0, done.stderr
    issued["cli"] = json.loads(done.stdout)

    for name, credential in issued.items():
        assert errors_of(credential) == [], (name, credential)
        if name != "cli":
            assert isinstance(credential["credentialStatus"], dict), name


async def test_a_suspendable_badge_fails_the_schema_only_for_its_status_array(
        service: Service, client: ClientSession):
    tenant, api_key = await service.tenant("acme")
    answer = await issue(client, service, api_key, {"credential": badge(tenant.did),
                                                    "options": SUSPENDABLE})
    credential = answer["verifiableCredential"]
    errors = errors_of(credential)
    assert errors and all(e.startswith("credentialStatus") for e in errors), errors
    assert errors_of({**credential, "credentialStatus": credential["credentialStatus"][0]}) == []

"""No API key, private key or master key in any response or log line, whatever happens: a
whole flow with successes and failures runs with every logger at DEBUG, and every response
(headers and body) and every log record is searched for every form of every secret. No
response names a key by its lookup prefix (its first characters) either: the audit trail
names it by its id."""

from __future__ import annotations

import base64
import logging
from typing import Any

import base58
import pytest
from aiohttp import ClientSession
from web_support import LEARNER, MASTER_KEY, MASTER_KEY_TEXT, Service, badge, bearer

from vcbadges.issuer import MasterKeyStore, signing_key


def _forms(secret: bytes) -> set[str]:
    """The ways a secret could be written down."""
    return {secret.hex(), base64.b64encode(secret).decode().rstrip("="),
            base64.urlsafe_b64encode(secret).decode().rstrip("="),
            base58.b58encode(secret).decode()}


async def test_no_secret_in_any_response_or_log_line(service: Service, client: ClientSession,
                                                     caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    tenant, api_key = await service.tenant("acme")
    other, other_key = await service.tenant("other")
    async with service.db.sessionmaker()() as session:
        key = await signing_key(session, tenant, MasterKeyStore(MASTER_KEY))
    secrets = {api_key, other_key, MASTER_KEY_TEXT, key.to_secret_multikey(),
               *_forms(key.private_bytes()), *_forms(MASTER_KEY)}
    seen: list[str] = []

    async def call(method: str, path: str, **options: Any) -> Any:
        async with client.request(method, service.url + path, **options) as response:
            seen.append(str(dict(response.headers)))
            text = await response.text()
            seen.append(text)
            return response.status, text

    template = {"slug": "s", "achievement": {"name": "N", "description": "D",
                                             "criteria": {"narrative": "C"}}}
    await call("POST", "/issuer/achievements", json=template, headers=bearer(api_key))
    issued = []
    for body in ({"credential": badge(tenant.did)},
                 {"credential": badge(tenant.did), "options": {"format": "jwt"}},
                 {"award": {"achievement": "s", "recipient": {"id": LEARNER}},
                  "options": {"bake": "png"}}):
        status, text = await call("POST", "/issuer/credentials/issue", json=body,
                                  headers=bearer(api_key))
        assert status == 201
        issued.append(text)
    async with client.post(service.url + "/issuer/credentials/issue", headers=bearer(api_key),
                           json={"credential": badge(tenant.did)}) as response:
        credential = (await response.json())["verifiableCredential"]
    await call("GET", "/issuer/credentials", headers=bearer(api_key))
    await call("GET", "/issuer/credentials/" + credential["id"], headers=bearer(api_key))
    entry = credential["credentialStatus"]["statusListCredential"]
    await call("GET", entry.removeprefix(service.url))
    await call("POST", "/verifier/credentials/verify", json={"verifiableCredential": credential})
    await call("POST", "/issuer/credentials/status", headers=bearer(api_key), json={
        "credentialId": credential["id"], "status": True,
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}})
    status, text = await call("GET", "/issuer/credentials/" + credential["id"],
                              headers=bearer(api_key))
    assert status == 200 and '"actor": "key:' in text
    # Failures: a key of another tenant, a key with one character changed, a bad body.
    await call("GET", "/issuer/credentials/" + credential["id"], headers=bearer(other_key))
    await call("GET", "/issuer/credentials", headers=bearer(api_key[:-1] + "A"))
    await call("POST", "/issuer/credentials/issue", headers=bearer(api_key), data=b"{",
               skip_auto_headers=["Content-Type"])
    await call("POST", "/issuer/credentials/issue", headers=bearer(other_key),
               json={"credential": badge(tenant.did)})
    await call("GET", "/openapi.json")

    logged = [record.getMessage() for record in caplog.records]
    logged += [caplog.text]
    assert any("GET /issuer/credentials" in line for line in logged), logged[:5]
    assert logged and seen
    for secret in secrets:
        for text in seen + logged:
            assert secret not in text
    for prefix in (api_key[:16], other_key[:16]):
        for text in seen:
            assert prefix not in text

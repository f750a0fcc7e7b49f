"""A third-party wallet against a running vcbadges service: the OpenID Foundation's
oid4vc-ts (tests/interop/oid4vc.mjs) receives a badge by OpenID4VCI (pre-authorized code,
with and without a PIN) and answers an OpenID4VP request (signed Request Object, by
reference or by value, DCQL, direct_post), all over real HTTP.

The service runs in the test's event loop on a loopback port; its public URL names the host
``localhost``, the DNS name its self-signed verifier certificate (made here) carries for
``x509_san_dns``. The Node side's dependencies are pinned in the lockfile beside it
(`npm ci --prefix tests/interop`).
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from cryptography.hazmat.primitives import serialization
from test_wallet_http import issuer_with_template, make_offer
from web_support import Service, bearer, bound_socket, running_service

from x509_support import authority, leaf, pem_certs, pem_key

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "oid4vc.mjs"


async def wallet(command: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Run one command of the oid4vc-ts wallet without blocking the service's loop."""
    exe = shutil.which("node")
    assert exe is not None, "node is needed for the interop tests"
    assert (HERE / "node_modules").is_dir(), "run `npm ci --prefix tests/interop` first"
    process = await asyncio.create_subprocess_exec(
        exe, str(SCRIPT), command, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(json.dumps(payload).encode()), 120)
    answer: dict[str, Any] = json.loads(out)
    assert process.returncode == 0, answer.get("error") or err.decode()
    return answer


@pytest.fixture
def certificate(tmp_path: Path) -> dict[str, Any]:
    """A CA and the verifier certificate it issued for ``localhost``, as PEM files."""
    now = datetime.now(UTC)
    ca = authority(now - timedelta(hours=1))
    key, cert = leaf("localhost", ca=ca, not_before=now - timedelta(hours=1))
    (tmp_path / "verifier.pem").write_bytes(pem_certs(cert))
    (tmp_path / "verifier.key").write_bytes(pem_key(key))
    der = ca[1].public_bytes(serialization.Encoding.DER)
    return {"cert": str(tmp_path / "verifier.pem"), "key": str(tmp_path / "verifier.key"),
            "anchor": base64.b64encode(der).decode()}


@pytest.fixture
async def service(tmp_path: Path, certificate: dict[str, Any]) -> AsyncIterator[Service]:
    sock = bound_socket()
    port = sock.getsockname()[1]
    async with running_service(tmp_path, sock=sock, public_url=f"http://localhost:{port}",
                               verifier_cert_file=certificate["cert"],
                               verifier_key_file=certificate["key"]) as running:
        yield running


@pytest.fixture
async def client() -> AsyncIterator[ClientSession]:
    async with ClientSession() as session:
        yield session


async def received(service: Service, client: ClientSession, *, pin: bool,
                   api_key: str | None = None) -> tuple[dict[str, Any], str]:
    if api_key is None:
        _, api_key = await issuer_with_template(service, client)
    offer = await make_offer(service, client, api_key, pin=pin, format="jwt_vc_json")
    got = await wallet("receive", {"offerUri": offer["offerUri"],
                                   **({"txCode": offer["txCode"]} if pin else {})})
    return got, api_key


async def ask(service: Service, client: ClientSession, api_key: str | None = None,
              **options: Any) -> dict[str, Any]:
    headers = bearer(api_key) if api_key else {}
    async with client.post(service.url + "/verifier/requests", json=options,
                           headers=headers) as response:
        body: dict[str, Any] = await response.json()
        assert response.status == 201, body
    return body


async def result(service: Service, client: ClientSession, request: dict[str, Any]
                 ) -> dict[str, Any]:
    async with client.get(f"{service.url}/verifier/results/{request['transactionId']}") \
            as response:
        body: dict[str, Any] = await response.json()
    assert body["status"] == "done", body
    return body["result"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("pin", [False, True], ids=["no-pin", "pin"])
async def test_oid4vc_ts_receives_a_badge(service: Service, client: ClientSession, pin: bool):
    got, _ = await received(service, client, pin=pin)
    assert got["format"] == "jwt_vc_json"
    payload = got["credential"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["sub"] == got["holder"]["did"]
    assert claims["credentialSubject"]["id"] == got["holder"]["did"]


async def test_oid4vc_ts_answers_a_did_signed_request_by_reference(service: Service,
                                                                   client: ClientSession):
    got, api_key = await received(service, client, pin=False)
    request = await ask(service, client, api_key, clientIdPrefix="decentralized_identifier")
    assert "request_uri=" in request["qrPayload"]
    answer = await wallet("present", {"requestUri": request["qrPayload"],
                                      "credential": got["credential"],
                                      "holder": got["holder"]})
    assert answer["prefix"] == "decentralized_identifier", answer
    assert answer["clientId"] == request["clientId"]
    assert (answer["status"], answer["body"]) == (200, {})
    done = await result(service, client, request)
    assert done["verified"] is True, done


async def test_oid4vc_ts_answers_a_did_signed_request_by_value(service: Service,
                                                               client: ClientSession):
    got, api_key = await received(service, client, pin=True)
    request = await ask(service, client, api_key, clientIdPrefix="decentralized_identifier",
                        byValue=True)
    assert "request=" in request["qrPayload"] and "request_uri=" not in request["qrPayload"]
    answer = await wallet("present", {"requestUri": request["qrPayload"],
                                      "credential": got["credential"],
                                      "holder": got["holder"]})
    assert answer["status"] == 200, answer
    assert (await result(service, client, request))["verified"] is True


async def test_oid4vc_ts_answers_an_x509_signed_request(service: Service,
                                                        client: ClientSession,
                                                        certificate: dict[str, Any]):
    got, _ = await received(service, client, pin=False)
    request = await ask(service, client, clientIdPrefix="x509_san_dns")
    assert request["clientId"] == "x509_san_dns:localhost"
    answer = await wallet("present", {"requestUri": request["qrPayload"],
                                      "credential": got["credential"],
                                      "holder": got["holder"],
                                      "trustedCertificates": [certificate["anchor"]]})
    assert answer["prefix"] == "x509_san_dns", answer
    assert answer["status"] == 200, answer
    assert (await result(service, client, request))["verified"] is True


async def test_oid4vc_ts_refuses_an_untrusted_certificate(service: Service,
                                                          client: ClientSession):
    got, _ = await received(service, client, pin=False)
    request = await ask(service, client, clientIdPrefix="x509_san_dns")
    other = authority()[1].public_bytes(serialization.Encoding.DER)
    answer = await wallet("present", {"requestUri": request["qrPayload"],
                                      "credential": got["credential"], "holder": got["holder"],
                                      "trustedCertificates": [base64.b64encode(other).decode()]})
    assert "refused" in answer, answer
    async with client.get(f"{service.url}/verifier/results/{request['transactionId']}") \
            as response:
        assert (await response.json())["status"] == "pending"


async def test_oid4vc_ts_request_is_not_served_twice(service: Service, client: ClientSession):
    got, api_key = await received(service, client, pin=False)
    request = await ask(service, client, api_key, clientIdPrefix="decentralized_identifier")
    first = await wallet("present", {"requestUri": request["qrPayload"],
                                     "credential": got["credential"], "holder": got["holder"]})
    assert first["status"] == 200, first
    again = await wallet("present", {"requestUri": request["qrPayload"],
                                     "credential": got["credential"], "holder": got["holder"]})
    assert "refused" in again, again

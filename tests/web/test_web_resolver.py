"""The DID resolver endpoint (W3C DID Resolution, HTTP(S) binding) over real HTTP: did:key
against the Digital Bazaar vectors, did:jwk, did:web through the service's fetch policy,
each Accept form, and the error keywords and statuses the W3C suites check."""

from __future__ import annotations

import ipaddress
import json
import ssl
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import trustme
from aiohttp import ClientSession, web
from web_support import Service, bound_socket, running_service

from shared_data import VECTORS, need_shared
from vcbadges.dids.jwk import did_jwk_from_public_key
from vcbadges.primitives.keys import generate_key

RESULT = "application/did-resolution"
LD_RESULT = 'application/ld+json;profile="https://w3id.org/did-resolution"'
ERRORS = "https://www.w3.org/ns/did#"


def _vectors() -> list[dict[str, Any]]:
    path = need_shared(VECTORS / "did-key" / "did-key-multikey.json")
    return list(json.loads(path.read_text())["vectors"])


async def _get(client: ClientSession, service: Service, did: str,
               accept: str | None = RESULT) -> tuple[int, str, Any]:
    headers = {"Accept": accept} if accept is not None else {}
    async with client.get(f"{service.url}/1.0/identifiers/{did}", headers=headers) as r:
        return r.status, r.headers["Content-Type"], json.loads(await r.text())


async def test_did_key_resolution_result_matches_the_vectors(service, client):
    for vector in _vectors():
        did = vector["did"]
        for path in (did, quote(did, safe="")):
            status, content_type, result = await _get(client, service, path)
            assert (status, content_type) == (200, RESULT)
            assert result["didDocument"] == vector["didDocumentMultikey"]
            assert result["didResolutionMetadata"] == {"contentType": RESULT}
            assert result["didDocumentMetadata"] == {}
            assert result["@context"] == "https://w3id.org/did-resolution/v1"


async def test_accept_chooses_the_representation(service, client):
    vector = _vectors()[0]
    did, document = vector["did"], vector["didDocumentMultikey"]
    status, content_type, body = await _get(client, service, did, "application/did+ld+json")
    assert (status, content_type, body) == (200, "application/did+ld+json", document)
    status, content_type, body = await _get(client, service, did, "application/did+json")
    assert (status, content_type) == (200, "application/did+json")
    assert body == {k: v for k, v in document.items() if k != "@context"}
    status, content_type, body = await _get(client, service, did, "application/json")
    assert (status, content_type, body) == (200, "application/json", document)
    for accept in (None, "*/*", "text/html;q=0.9, */*;q=0.1"):
        status, content_type, body = await _get(client, service, did, accept)
        assert (status, content_type, body["didDocument"]) == (200, RESULT, document)
    status, content_type, body = await _get(client, service, did, LD_RESULT)
    assert (status, content_type, body["didDocument"]) == (200, LD_RESULT, document)
    # The preferred one of several, by q.
    status, content_type, _ = await _get(
        client, service, did, "application/did+json;q=0.5, application/did+ld+json")
    assert content_type == "application/did+ld+json"

    for accept in ("application/x-unsupported-did-representation-99999", "text/html",
                   "application/did+ld+json;q=0"):
        status, _, body = await _get(client, service, did, accept)
        assert status == 406
        assert body["didResolutionMetadata"]["error"]["type"] == (
            ERRORS + "REPRESENTATION_NOT_SUPPORTED")


@pytest.mark.parametrize(("did", "status", "keyword"), [
    ("not-a-did", 400, "invalidDid"),
    ("did:example", 400, "invalidDid"),
    ("notDid:key:z6MktKwz7Ge1Yxzr4JHavN33wiwa8y81QdcMRLXQsrH9T53b", 400, "invalidDid"),
    ("did:key:@", 400, "invalidDid"),
    ("did:key:-4:z6MktKwz7Ge1Yxzr4JHavN33wiwa8y81QdcMRLXQsrH9T53b", 400, "invalidDid"),
    ("did:key:6MktKwz7Ge1Yxzr4JHavN33wiwa8y81QdcMRLXQsrH9T53b", 400, "invalidDid"),
    ("did:key:zTjsVPtY", 400, "invalidPublicKeyLength"),
    ("did:experimental:z6MktKwz7Ge1Yxzr4JHavN33wiwa8y81QdcMRLXQsrH9T53b", 501,
     "methodNotSupported"),
    ("did:unsupported:123456789abcdefghi", 501, "methodNotSupported"),
    ("did:jwk:e30", 400, "invalidDid"),
    ("did:web:127.0.0.1", 400, "invalidDid"),
])
async def test_errors_in_both_forms(service, client, did, status, keyword):
    got, content_type, result = await _get(client, service, quote(did, safe=""))
    assert (got, content_type) == (status, RESULT)
    error = result["didResolutionMetadata"]["error"]
    upper = "".join("_" + c if c.isupper() else c.upper() for c in keyword)
    assert error["type"] == ERRORS + upper
    assert error["title"] == keyword and error["detail"]
    assert result["didDocument"] is None and result["didDocumentMetadata"] == {}

    got, content_type, result = await _get(client, service, quote(did, safe=""), LD_RESULT)
    assert (got, content_type) == (status, LD_RESULT)
    assert result["didResolutionMetadata"]["error"] == keyword
    assert "didDocument" in result and "@context" in result


async def test_dereferencing_a_fragment(service, client):
    vector = _vectors()[0]
    did = vector["did"]
    method = vector["verificationMethodMultikey"]
    url = quote(f"{did}#{did.removeprefix('did:key:')}", safe="")
    status, content_type, result = await _get(client, service, url,
                                              "application/did-url-dereferencing")
    assert (status, content_type) == (200, "application/did-url-dereferencing")
    assert result["contentStream"]["controller"] == did
    assert result["contentStream"]["publicKeyMultibase"] == method["publicKeyMultibase"]
    assert result["dereferencingMetadata"]["contentType"] == content_type
    assert result["contentMetadata"] == {}
    status, _, result = await _get(client, service, url, LD_RESULT)
    assert status == 200 and result["didDocument"]["controller"] == did
    assert "didDereferencingMetadata" in result
    status, _, body = await _get(client, service, url, "application/json")
    assert status == 200 and body["id"] == method["id"]

    status, _, result = await _get(client, service, quote(f"{did}#nothing", safe=""),
                                   "application/did-url-dereferencing")
    assert status == 404
    assert result["dereferencingMetadata"]["error"]["type"] == ERRORS + "NOT_FOUND"
    # The did:key suite's malformed DID URL, and a well-formed path we do not dereference.
    bad = quote(f"{did}/^bar^/?query=`#{did.removeprefix('did:key:')}", safe="")
    status, _, result = await _get(client, service, bad, LD_RESULT)
    assert status == 400
    assert result["didDereferencingMetadata"]["error"] == "invalidDidUrl"
    status, _, _ = await _get(client, service, quote(f"{did}/path", safe=""))
    assert status == 501


async def test_did_jwk(service, client):
    key = generate_key("P-256")
    did = did_jwk_from_public_key(key.public_key)
    status, _, result = await _get(client, service, did)
    assert status == 200
    assert result["didDocument"]["id"] == did
    assert result["didDocument"]["verificationMethod"][0]["publicKeyJwk"]["crv"] == "P-256"


async def test_did_web_on_loopback_is_refused_unless_configured(tmp_path: Path, client):
    """The default fetch policy never reads a loopback or private address."""
    async with running_service(tmp_path, fetch_allow_networks=(),
                               fetch_allow_http_hosts=frozenset()) as service:
        port = service.url.rsplit(":", 1)[1]
        tenant, _ = await service.tenant("registrar", did_web_host=f"localhost:{port}")
        status, _, result = await _get(client, service, quote(tenant.did, safe=""))
    assert status == 502
    assert result["didResolutionMetadata"]["error"]["type"] == ERRORS + "INTERNAL_ERROR"


async def test_did_web_resolved_over_https(tmp_path: Path):
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_context)
    client_context = ssl.create_default_context(cafile=str(ca_file))
    sock = bound_socket()
    port = sock.getsockname()[1]
    host = f"localhost:{port}"
    async with running_service(
            tmp_path, sock=sock, ssl_context=server_context, public_url=f"https://{host}",
            fetch_ca_file=str(ca_file), fetch_allow_http_hosts=frozenset(),
            fetch_allow_networks=(ipaddress.ip_network("127.0.0.1/32"),
                                  ipaddress.ip_network("::1/128"))) as service, \
            ClientSession() as client:
        tenant, _ = await service.tenant("registrar", did_web_host=host)
        base = f"https://127.0.0.1:{port}/1.0/identifiers/"
        async with client.get(base + quote(tenant.did, safe=""), ssl=client_context,
                              server_hostname="localhost",
                              headers={"Accept": RESULT}) as response:
            result = await response.json(content_type=None)
        assert response.status == 200, result
        assert result["didDocument"]["assertionMethod"] == [tenant.did + "#key-1"]

        # Another origin on loopback, which has no document for the DID: notFound.
        other = web.Application()
        runner = web.AppRunner(other)
        await runner.setup()
        other_sock = bound_socket()
        other_port = other_sock.getsockname()[1]
        try:
            await web.SockSite(runner, other_sock, ssl_context=server_context).start()
            missing = f"did:web:localhost%3A{other_port}:nobody"
            async with client.get(base + quote(missing, safe=""), ssl=client_context,
                                  server_hostname="localhost",
                                  headers={"Accept": RESULT}) as response:
                result = await response.json(content_type=None)
        finally:
            await runner.cleanup()
            other_sock.close()
        assert response.status == 404, result
        assert result["didResolutionMetadata"]["error"]["type"] == ERRORS + "NOT_FOUND"

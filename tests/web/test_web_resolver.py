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
from yarl import URL

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
               accept: str | None = RESULT, query: str = "") -> tuple[int, str, Any]:
    """GET the resolver with ``did`` as given: exactly these bytes go on the wire (no
    client-side requoting)."""
    headers = {"Accept": accept} if accept is not None else {}
    url = URL(f"{service.url}/1.0/identifiers/{did}{'?' + query if query else ''}",
              encoded=True)
    async with client.get(url, headers=headers) as r:
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
    # The earlier form writes the empty DID document of a failure as an empty map.
    assert result["didDocument"] == {} and "@context" in result


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
    status, _, result = await _get(client, service, quote(f"{did}/path", safe=""), LD_RESULT)
    assert status == 501
    assert result["didDereferencingMetadata"]["error"] == "featureNotSupported"
    # A malformed DID URL without a fragment is a DID URL all the same.
    status, _, result = await _get(client, service, quote(f"{did}/^bar^/", safe=""), LD_RESULT)
    assert status == 400
    assert result["didDereferencingMetadata"]["error"] == "invalidDidUrl"


CCG_DID = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
CCG_X25519 = "z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW"


async def test_did_key_options_are_query_parameters(service, client):
    did = quote(CCG_DID, safe="")
    # A publicKeyFormat this resolver does not know: unsupportedPublicKeyType, 501.
    status, content_type, result = await _get(client, service, did,
                                              query="publicKeyFormat=unknown")
    assert (status, content_type) == (501, RESULT)
    assert result["didResolutionMetadata"]["error"]["type"] == (
        ERRORS + "UNSUPPORTED_PUBLIC_KEY_TYPE")
    status, _, result = await _get(client, service, did, LD_RESULT, "publicKeyFormat=unknown")
    assert status == 501
    assert result["didResolutionMetadata"]["error"] == "unsupportedPublicKeyType"

    # An experimental format without enableExperimentalPublicKeyTypes, for a DID URL.
    vm_url = quote(f"{CCG_DID}#{CCG_X25519}", safe="")
    query = "publicKeyFormat=Ed25519VerificationKey2018&enableExperimentalPublicKeyTypes=false"
    status, _, result = await _get(client, service, vm_url, LD_RESULT, query)
    assert status == 400
    assert result["didDereferencingMetadata"]["error"] == "invalidPublicKeyType"

    # Allowed, with the key agreement key derived: the CCG vector's X25519 key.
    query = ("publicKeyFormat=Ed25519VerificationKey2018&enableExperimentalPublicKeyTypes=true"
             "&enableEncryptionKeyDerivation=true")
    status, content_type, result = await _get(client, service, vm_url,
                                              "application/did-url-dereferencing", query)
    assert (status, content_type) == (200, "application/did-url-dereferencing")
    method = result["contentStream"]
    assert method["type"] == "X25519KeyAgreementKey2019"
    assert method["publicKeyBase58"] == "7By6kV2t2d188odEM4ExAve1UithKT6dLva4dwsDT3ak"

    # JsonWebKey, several default contexts, and options after a DID sent as written.
    query = ("publicKeyFormat=JsonWebKey&defaultContext=https%3A%2F%2Fwww.w3.org%2Fns%2Fdid%2Fv1"
             "&defaultContext=https%3A%2F%2Fexample.com%2Fextra")
    for target in (did, CCG_DID):
        status, _, result = await _get(client, service, target, query=query)
        assert status == 200
        document = result["didDocument"]
        assert document["@context"] == ["https://www.w3.org/ns/did/v1",
                                        "https://example.com/extra",
                                        "https://w3id.org/security/jwk/v1"]
        assert document["verificationMethod"][0]["publicKeyJwk"]["crv"] == "Ed25519"
    # Without options, the same DID is the default (Multikey) document.
    status, _, result = await _get(client, service, did)
    assert result["didDocument"]["verificationMethod"][0]["type"] == "Multikey"


@pytest.mark.parametrize(("target", "query", "status", "keyword"), [
    (CCG_DID, "enableEncryptionKeyDerivation=maybe", 400, "invalidOptions"),
    (CCG_DID, "publicKeyFormat=Multikey&publicKeyFormat=JsonWebKey", 400, "invalidOptions"),
    (CCG_DID, "defaultContext=not-a-url", 400, "invalidOptions"),
    # Options did:key does not have, and any option for a method that has none here.
    (CCG_DID, "versionTime=2020-01-01T00:00:00Z", 501, "featureNotSupported"),
    (CCG_DID, "accept=application/did%2Bjson", 501, "featureNotSupported"),
    ("did:jwk:eyJrdHkiOiJPS1AiLCJjcnYiOiJFZDI1NTE5IiwieCI6IkxtX000MmNCM0hrVWlPRFFzWFJjd2VNNlR"
     "CeWZ6RUhHTzlORDI3NEpjT1kifQ", "publicKeyFormat=JsonWebKey", 501, "featureNotSupported"),
    # The identifier is checked before the options.
    ("did:key:6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "publicKeyFormat=unknown",
     400, "invalidDid"),
])
async def test_options_that_are_refused(service, client, target, query, status, keyword):
    got, _, result = await _get(client, service, quote(target, safe=""), LD_RESULT, query)
    assert (got, result["didResolutionMetadata"]["error"]) == (status, keyword)


async def test_the_did_is_taken_as_written_or_decoded_once(service, client):
    multibase = CCG_DID.removeprefix("did:key:")
    # Encoded whole, and as a client that turns %3A back into ":" sends it: %23 is kept.
    for target in (quote(f"{CCG_DID}#{multibase}", safe=""), f"{CCG_DID}%23{multibase}"):
        status, _, result = await _get(client, service, target, LD_RESULT)
        assert status == 200 and result["didDocument"]["id"] == f"{CCG_DID}#{multibase}"
    # A DID's own percent-encoding survives when it is sent as written (did:web below).
    status, _, result = await _get(client, service, "did%3Akey%3Az%FF", LD_RESULT)
    assert (status, result["didResolutionMetadata"]["error"]) == (400, "invalidDid")


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

        async def status_of(did: str) -> tuple[int, Any]:
            url = URL(base + did, encoded=True)
            async with client.get(url, ssl=client_context, server_hostname="localhost",
                                  headers={"Accept": RESULT}) as response:
                return response.status, await response.json(content_type=None)

        # The DID as written (its %3A is its own), and encoded whole.
        assert "%3A" in tenant.did
        status, result = await status_of(tenant.did)
        assert status == 200 and result["didDocument"]["id"] == tenant.did
        # A did:web of this host for a tenant that does not exist: notFound, as the
        # service's own /{tenant}/did.json answers 404.
        missing = f"did:web:localhost%3A{port}:no-such-tenant"
        for target in (missing, quote(missing, safe="")):
            status, result = await status_of(target)
            assert status == 404, result
            assert result["didResolutionMetadata"]["error"]["type"] == ERRORS + "NOT_FOUND"
            assert result["didDocument"] is None

        # Another origin on loopback, which has no document for the DID: notFound; and
        # one that fails: the gateway error.
        async def broken(request: web.Request) -> web.Response:
            return web.Response(status=500)

        other = web.Application()
        other.router.add_get("/broken/did.json", broken)
        runner = web.AppRunner(other)
        await runner.setup()
        other_sock = bound_socket()
        other_port = other_sock.getsockname()[1]
        try:
            await web.SockSite(runner, other_sock, ssl_context=server_context).start()
            status, result = await status_of(f"did:web:localhost%3A{other_port}:nobody")
            assert status == 404, result
            assert result["didResolutionMetadata"]["error"]["type"] == ERRORS + "NOT_FOUND"
            status, result = await status_of(f"did:web:localhost%3A{other_port}:broken")
            assert status == 502, result
            assert result["didResolutionMetadata"]["error"]["type"] == (
                ERRORS + "INTERNAL_ERROR")
        finally:
            await runner.cleanup()
            other_sock.close()

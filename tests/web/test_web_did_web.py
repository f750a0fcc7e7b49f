"""A did:web issuer that this service hosts, end to end over HTTPS: the DID document at
``/<tenant>/did.json``, a badge signed with the did:web key, its status lists, and the
verifier resolving the DID from the service itself."""

from __future__ import annotations

import ipaddress
import ssl
from pathlib import Path

import trustme
from aiohttp import ClientSession
from web_support import bearer, bound_socket, check, problem_of, running_service
from yarl import URL

from vcbadges.credentials.sample import sample_badge


async def test_did_web_tenant_issues_and_verifies_over_https(tmp_path: Path):
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
            tmp_path, sock=sock, ssl_context=server_context,
            public_url=f"https://{host}", fetch_ca_file=str(ca_file),
            fetch_allow_http_hosts=frozenset(),
            fetch_allow_networks=(ipaddress.ip_network("127.0.0.1/32"),
                                  ipaddress.ip_network("::1/128"))) as service, \
            ClientSession() as client:
        tenant, api_key = await service.tenant("registrar", did_web_host=host)
        assert tenant.did == f"did:web:localhost%3A{port}:registrar"
        url = f"https://127.0.0.1:{port}"
        async with client.get(url + "/registrar/did.json", ssl=client_context,
                              server_hostname="localhost") as response:
            assert response.status == 200
            assert response.content_type == "application/did+json"
            document = await response.json()
        assert document["id"] == tenant.did
        assert document["assertionMethod"] == [tenant.did + "#key-1"]

        unsigned = sample_badge(issuer=tenant.did, subject="did:example:learner").to_json()
        answer = await issue_over(client, url, client_context, api_key, unsigned)
        credential = answer["verifiableCredential"]
        assert credential["proof"]["verificationMethod"] == tenant.did + "#key-1"
        assert credential["credentialStatus"]["statusListCredential"].startswith(
            f"https://{host}/issuer/status/")
        async with client.post(url + "/verifier/credentials/verify", ssl=client_context,
                               server_hostname="localhost",
                               json={"verifiableCredential": credential}) as response:
            report = await response.json()
        assert (response.status, report["verified"]) == (200, True), report
        assert check(report, "issuer")[0] == "passed"
        assert check(report, "status_revocation") == ("passed", "not_revoked")


async def issue_over(client: ClientSession, url: str, context: ssl.SSLContext, api_key: str,
                     credential: dict[str, object]) -> dict[str, object]:
    async with client.post(url + "/issuer/credentials/issue", ssl=context,
                           server_hostname="localhost",
                           headers={"Authorization": f"Bearer {api_key}"},
                           json={"credential": credential}) as response:
        answer: dict[str, object] = await response.json()
        assert response.status == 201, answer
        return answer


async def test_did_key_tenants_and_unknown_names_have_no_did_document(service, client):
    await service.tenant("keyed")
    for path in ("/keyed/did.json", "/unknown/did.json", "/.well-known/did.json"):
        async with client.get(service.url + path) as response:
            assert response.status == 404


async def test_tenant_segments_that_are_no_tenant_name_are_not_found(tmp_path: Path):
    """``/<tenant>/did.json`` answers 404 for a segment that cannot be a tenant name, before
    any query (PostgreSQL refuses a NUL in a text parameter: that was a 500)."""
    async with running_service(tmp_path) as service, ClientSession() as client:
        _, api_key = await service.tenant("registrar")
        for path in ("/%00/did.json", "/a%00b/did.json", "/Registrar/did.json",
                     "/-registrar/did.json", "/" + "a" * 64 + "/did.json",
                     "/registrar/did.json"):
            async with client.get(URL(service.url + path, encoded=True)) as response:
                await problem_of(response, 404, "not-found")
        # The other path segments of the service that name a stored thing.
        for path in ("/issuer/achievements/%00", "/issuer/credentials/%00",
                     "/issuer/credentials/urn:uuid:%00", "/issuer/status/%00",
                     "/.well-known/oauth-authorization-server/oid4vci/%00",
                     "/oid4vci/%00/credential-offers/x", "/oid4vci/acme/credential-offers/%00"):
            async with client.get(URL(service.url + path, encoded=True),
                                  headers=bearer(api_key)) as response:
                assert response.status == 404, (path, await response.text())
        async with client.post(service.url + "/issuer/credentials/status",
                               headers=bearer(api_key), json={
                                   "credentialId": "urn:uuid:\x00",
                                   "credentialStatus": [{"type": "BitstringStatusListEntry",
                                                         "status": "revoked"}]}) as response:
            await problem_of(response, 404, "not-found")

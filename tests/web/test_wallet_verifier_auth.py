"""The service wallet authenticates verifiers with its own means, over real HTTP.

``x509_san_dns``: a request signed with a certificate that chains to one of the wallet's
trust anchors (``Settings.wallet_trust_anchors``) is answered; one chaining to another CA,
or any when the wallet trusts none (the default), is refused. ``decentralized_identifier``
with a did:web: the DID document is read under the wallet's fetch policy, not the
verification one: a verifier on a loopback address is refused by default even when
verification may read loopback, and is answered once the wallet may reach it.
"""

from __future__ import annotations

import ipaddress
import json
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiohttp import ClientSession, web
from cryptography import x509
from test_wallet_http import (
    Wallet,
    browser,
    issuer_with_template,
    make_request,
    receive_badge,
    result_of,
)
from web_support import Service, bound_socket, running_service

from vcbadges.oauth.store import MemoryStore
from vcbadges.oid4vp.request import AuthorizationRequest, RequestSigner, create_request
from vcbadges.primitives.dates import utcnow
from vcbadges.primitives.keys import Ed25519SigningKey
from vcbadges.web.exchanges import wallet_trust_anchors
from vcbadges.web.keys import RESOLVER, WALLET_RESOLVER, WALLET_TRUST_ANCHORS
from vcbadges.web.settings import Settings
from x509_support import authority, leaf, pem_certs, pem_key

LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128"))
Authority = tuple[Any, x509.Certificate]


async def _refused(wallet: Wallet, uri: str) -> dict[str, Any]:
    response, body = await wallet.call("POST", "/scan", json_body={"uri": uri})
    assert (response.status, body["type"].rsplit("/", 1)[1], body["error"]) == (
        422, "exchange-failed", "invalid_request"), body
    return body  # type: ignore[no-any-return]


async def _answer(wallet: Wallet, uri: str, credential_id: str) -> dict[str, Any]:
    asked = await wallet.scan(uri)
    assert asked["canAnswer"] is True, asked
    sent = await wallet.ok("POST", f"/requests/{asked['handle']}/respond",
                           json_body={"credentialIds": [credential_id]})
    assert sent == {"outcome": "sent"}
    return asked  # type: ignore[no-any-return]


# --- x509_san_dns ----------------------------------------------------------------------


@asynccontextmanager
async def _certified_service(tmp_path: Path, ca: Authority,
                             anchors: list[x509.Certificate] | None) -> AsyncIterator[Service]:
    """The service at ``http://localhost:<port>``, with a verifier certificate for
    ``localhost`` issued by ``ca``, and ``anchors`` as its wallet's trust anchors."""
    key, cert = leaf("localhost", ca=ca, not_before=utcnow())
    (tmp_path / "verifier.pem").write_bytes(pem_certs(cert, ca[1]))
    (tmp_path / "verifier.key").write_bytes(pem_key(key))
    changes: dict[str, Any] = {"verifier_cert_file": str(tmp_path / "verifier.pem"),
                               "verifier_key_file": str(tmp_path / "verifier.key")}
    if anchors is not None:
        (tmp_path / "anchors.pem").write_bytes(pem_certs(*anchors))
        changes["wallet_trust_anchors"] = str(tmp_path / "anchors.pem")
    sock = bound_socket()
    port = sock.getsockname()[1]
    async with running_service(tmp_path, sock=sock, public_url=f"http://localhost:{port}",
                               **changes) as service:
        yield service


async def test_an_x509_request_chaining_to_a_wallet_anchor_is_answered(
        tmp_path: Path, client: ClientSession):
    ca, other = authority(not_before=utcnow()), authority(not_before=utcnow())
    async with _certified_service(tmp_path, ca, [other[1], ca[1]]) as service, \
            browser() as http:
        assert service.app[WALLET_TRUST_ANCHORS] == (other[1], ca[1])
        _, api_key = await issuer_with_template(service, client)
        wallet = Wallet(service, http)
        await wallet.create("ada")
        added = await receive_badge(service, client, wallet, api_key)
        request = await make_request(service, client, clientIdPrefix="x509_san_dns")
        assert request["clientId"] == "x509_san_dns:localhost"
        asked = await _answer(wallet, request["qrPayload"], added["credential"]["id"])
        assert asked["verifier"]["clientId"] == "x509_san_dns:localhost"
        done = await result_of(service, client, request)
        assert done["status"] == "done" and done["result"]["verified"] is True, done


@pytest.mark.parametrize("anchored", ["another CA", "no anchor"])
async def test_an_x509_request_chaining_to_no_wallet_anchor_is_refused(
        tmp_path: Path, client: ClientSession, anchored: str):
    ca, other = authority(not_before=utcnow()), authority(not_before=utcnow())
    anchors = [other[1]] if anchored == "another CA" else None
    async with _certified_service(tmp_path, ca, anchors) as service, browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("ada")
        request = await make_request(service, client, clientIdPrefix="x509_san_dns")
        refused = await _refused(wallet, request["qrPayload"])
        expected = ("not trusted" if anchored == "another CA"
                    else "trusts no certificate authority")
        assert expected in refused["detail"], refused
        # Nothing reached the verifier: its request is still pending.
        assert (await result_of(service, client, request)) == {"status": "pending"}


def test_the_trust_anchors_file_is_read_at_start(tmp_path: Path):
    assert wallet_trust_anchors(Settings()) == ()
    ca = authority(not_before=utcnow())
    (tmp_path / "anchors.pem").write_bytes(pem_certs(ca[1]))
    assert wallet_trust_anchors(Settings(wallet_trust_anchors=str(tmp_path / "anchors.pem"))
                                ) == (ca[1],)
    (tmp_path / "empty.pem").write_text("no certificate here\n")
    with pytest.raises(ValueError, match="holds no PEM certificate"):
        wallet_trust_anchors(Settings(wallet_trust_anchors=str(tmp_path / "empty.pem")))
    with pytest.raises(OSError):
        wallet_trust_anchors(Settings(wallet_trust_anchors=str(tmp_path / "missing.pem")))
    assert Settings.from_env({"VCBADGES_WALLET_TRUST_ANCHORS": "/etc/anchors.pem"}
                             ).wallet_trust_anchors == "/etc/anchors.pem"


# --- decentralized_identifier with did:web ------------------------------------------------


@dataclass
class _DIDWebVerifier:
    """Another party's verifier at ``https://localhost:<port>``: its did:web document, and a
    Response URI that keeps what wallets post."""

    url: str
    did: str
    key: Ed25519SigningKey
    posted: list[dict[str, str]] = field(default_factory=list)
    store: MemoryStore = field(default_factory=MemoryStore)

    def document(self) -> dict[str, Any]:
        vm = self.did + "#key-1"
        return {"@context": ["https://www.w3.org/ns/did/v1",
                             "https://w3id.org/security/multikey/v1"],
                "id": self.did,
                "verificationMethod": [{"id": vm, "type": "Multikey", "controller": self.did,
                                        "publicKeyMultibase": self.key.public_key.to_multikey()}],
                "authentication": [vm]}

    async def request(self) -> AuthorizationRequest:
        """A signed request, by value: the only read the wallet makes is the DID document."""
        return await create_request(self.store, base_url=self.url + "/verifier",
                                    signer=RequestSigner.for_did(self.key), by_value=True)


@asynccontextmanager
async def _did_web_verifier(tmp_path: Path) -> AsyncIterator[tuple[_DIDWebVerifier, Path]]:
    ca = trustme.CA()
    ca_file = tmp_path / "verifier-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    sock = bound_socket()
    port = sock.getsockname()[1]
    did = f"did:web:localhost%3A{port}"
    verifier = _DIDWebVerifier(url=f"https://localhost:{port}", did=did,
                               key=Ed25519SigningKey.generate().with_verification_method(
                                   did + "#key-1"))

    async def did_document(request: web.Request) -> web.Response:
        return web.json_response(verifier.document(), content_type="application/did+json")

    async def response(request: web.Request) -> web.Response:
        verifier.posted.append({k: str(v) for k, v in (await request.post()).items()})
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/.well-known/did.json", did_document)
    app.router.add_post("/verifier/response", response)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.SockSite(runner, sock, ssl_context=context).start()
        yield verifier, ca_file
    finally:
        await runner.cleanup()
        sock.close()


async def test_a_did_web_verifier_is_resolved_under_the_wallets_fetch_policy(
        tmp_path: Path, client: ClientSession):
    async with _did_web_verifier(tmp_path) as (verifier, ca_file):
        # Verification may read loopback (and trusts the verifier's CA); the wallet may not.
        async with running_service(tmp_path / "strict", fetch_ca_file=str(ca_file),
                                   fetch_allow_networks=LOOPBACK,
                                   wallet_fetch_allow_http_hosts=frozenset(),
                                   wallet_fetch_allow_networks=()) as service, \
                browser() as http:
            assert service.app[WALLET_RESOLVER] is not service.app[RESOLVER]
            wallet = Wallet(service, http)
            await wallet.create("ada")
            refused = await _refused(wallet, (await verifier.request()).qr_payload())
            assert "signature cannot be accepted" in refused["detail"], refused
            # The verification resolver reads that DID: the wallet's policy refused it.
            document = await service.app[RESOLVER].resolve(verifier.did)
            assert document.raw["id"] == verifier.did
        assert verifier.posted == []

        # Once the wallet may reach loopback, the verifier is resolved and answered.
        async with running_service(tmp_path / "open", fetch_ca_file=str(ca_file),
                                   wallet_fetch_allow_http_hosts=frozenset(),
                                   wallet_fetch_allow_networks=LOOPBACK) as service, \
                browser() as http:
            _, api_key = await issuer_with_template(service, client)
            wallet = Wallet(service, http)
            await wallet.create("ada")
            added = await receive_badge(service, client, wallet, api_key)
            request = await verifier.request()
            asked = await _answer(wallet, request.qr_payload(), added["credential"]["id"])
            assert asked["verifier"] == {"clientId": request.client_id,
                                         "responseUri": request.response_uri}
    assert request.client_id == "decentralized_identifier:" + verifier.did
    (posted,) = verifier.posted
    assert posted["state"] == request.state
    (presentation,) = json.loads(posted["vp_token"])["openbadge_ldp_vc"]
    assert (presentation["proof"]["challenge"], presentation["proof"]["domain"]) == (
        request.nonce, request.client_id)

"""did:web: the DID-to-URL mapping, and resolution through SafeFetcher from a real HTTPS server."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from net import https_server as https
from net.https_server import HTTPSServer
from vcbadges.dids.jwk import JWKDriver
from vcbadges.dids.key import KeyDriver
from vcbadges.dids.resolver import MethodResolver, resolve_verification_method
from vcbadges.dids.web import WebDriver, did_web_to_url
from vcbadges.errors import DIDResolutionError
from vcbadges.net.fetcher import FetchPolicy, SafeFetcher
from vcbadges.primitives.keys import Ed25519SigningKey

# Fixtures, registered under the names the tests ask for.
https_server = https.https_server
https_fetcher = https.https_fetcher


def did_for(server: HTTPSServer, *path: str) -> str:
    return ":".join([f"did:web:localhost%3A{server.port}", *path])


def did_document(did: str, key: Ed25519SigningKey) -> dict[str, Any]:
    vm_id = f"{did}#key-1"
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [{
            "id": vm_id,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.public_key.to_multikey(),
        }],
        "assertionMethod": [vm_id],
    }


KEY = Ed25519SigningKey.from_seed(bytes(range(32)))


async def resolve_error(driver: WebDriver, did: str) -> DIDResolutionError:
    with pytest.raises(DIDResolutionError) as info:
        await driver.resolve(did)
    return info.value


@pytest.mark.parametrize(("did", "url"), [
    ("did:web:example.com", "https://example.com/.well-known/did.json"),
    ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
    ("did:web:example.com:user:alice", "https://example.com/user/alice/did.json"),
    ("did:web:localhost%3A8443", "https://localhost:8443/.well-known/did.json"),
    ("did:web:localhost%3a8443:u", "https://localhost:8443/u/did.json"),
    ("did:web:example.com:%7Ealice:a%20b", "https://example.com/~alice/a%20b/did.json"),
    ("did:web:example.com:issuers:caf%C3%A9", "https://example.com/issuers/caf%C3%A9/did.json"),
    ("did:web:example.com:a%3Ab", "https://example.com/a%3Ab/did.json"),
])
def test_did_to_url(did: str, url: str) -> None:
    assert did_web_to_url(did) == url


@pytest.mark.parametrize("did", [
    "did:web:",
    "did:web:example.com:",
    "did:web:example.com::alice",
    "did:web::example.com",
    "did:web:example.com:..",
    "did:web:example.com:.",
    "did:web:example.com:%2E%2E",
    "did:web:example.com:a%2Fb",
    "did:web:example.com:a%5Cb",
    "did:web:example.com:a%00b",
    "did:web:example.com:a/b",
    "did:web:example.com?service=x",
    "did:web:example.com#key-1",
    "did:web:example.com:%FF",
    "did:web:exa mple.com",
    "did:web:127.0.0.1",
    "did:web:%5B%3A%3A1%5D",
    "did:web:localhost%3A99999",
    "did:web:localhost%3A",
    "did:web:localhost%3Aabc",
    "did:web:user%40example.com",
    "did:web:example.com%2Fevil",
    "did:web:-example.com",
    "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    "web:example.com",
])
def test_malformed_did_web_is_refused(did: str) -> None:
    with pytest.raises(DIDResolutionError) as info:
        did_web_to_url(did)
    assert info.value.code == "invalid_did"


async def test_resolves_a_document_at_the_well_known_path(
    https_server: HTTPSServer, https_fetcher: SafeFetcher
) -> None:
    did = did_for(https_server)
    https_server.add_json("/.well-known/did.json", did_document(did, KEY))
    doc = await WebDriver(https_fetcher).resolve(did)
    assert doc.id == did
    assert doc.raw["verificationMethod"][0]["controller"] == did
    assert "application/did+json" in https_server.requests[-1].headers["accept"]


async def test_resolves_a_document_at_a_path(
    https_server: HTTPSServer, https_fetcher: SafeFetcher
) -> None:
    did = did_for(https_server, "user", "alice")
    https_server.add_json("/user/alice/did.json", did_document(did, KEY),
                          content_type="application/did+json")
    assert (await WebDriver(https_fetcher).resolve(did)).id == did


@pytest.mark.parametrize("body", [
    {"id": "did:web:evil.example"},
    [],
    "did",
])
async def test_a_document_for_another_did_is_invalid(
    body: Any, https_server: HTTPSServer, https_fetcher: SafeFetcher
) -> None:
    https_server.add_json("/.well-known/did.json", body)
    error = await resolve_error(WebDriver(https_fetcher), did_for(https_server))
    assert error.code == "invalid_did_document"


async def test_a_document_that_is_not_json_is_invalid(
    https_server: HTTPSServer, https_fetcher: SafeFetcher
) -> None:
    https_server.add_bytes("/.well-known/did.json", b"<html>hello</html>",
                           content_type="text/html")
    error = await resolve_error(WebDriver(https_fetcher), did_for(https_server))
    assert error.code == "invalid_did_document"
    assert "hello" not in error.message


@pytest.mark.parametrize("status", [404, 410])
async def test_a_missing_document_is_not_found(
    status: int, https_server: HTTPSServer, https_fetcher: SafeFetcher
) -> None:
    https_server.add_bytes("/.well-known/did.json", b"gone", status=status)
    error = await resolve_error(WebDriver(https_fetcher), did_for(https_server))
    assert error.code == "not_found"


async def test_server_errors_mean_could_not_decide(
    https_server: HTTPSServer, https_fetcher: SafeFetcher
) -> None:
    https_server.add_bytes("/.well-known/did.json", b"oops", status=500)
    error = await resolve_error(WebDriver(https_fetcher), did_for(https_server))
    assert error.code == "did_resolution_unavailable"


async def test_an_unreachable_host_means_could_not_decide(https_server: HTTPSServer) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    async with SafeFetcher(https_server.policy(timeout=1.0)) as fetcher:
        error = await resolve_error(WebDriver(fetcher), f"did:web:localhost%3A{closed_port}")
    assert error.code == "did_resolution_unavailable"


async def test_a_host_refused_by_policy_means_could_not_decide(https_server: HTTPSServer) -> None:
    did = did_for(https_server)
    https_server.add_json("/.well-known/did.json", did_document(did, KEY))
    async with SafeFetcher(FetchPolicy(ca_file=https_server.ca_file, timeout=1.0)) as fetcher:
        error = await resolve_error(WebDriver(fetcher), did)
    assert error.code == "did_resolution_unavailable"
    assert https_server.hits("/.well-known/did.json") == 0


async def test_a_verification_method_resolves_through_the_method_resolver(
    https_server: HTTPSServer, https_fetcher: SafeFetcher
) -> None:
    did = did_for(https_server, "issuers", "1")
    https_server.add_json("/issuers/1/did.json", did_document(did, KEY))
    resolver = MethodResolver([KeyDriver(), JWKDriver(), WebDriver(https_fetcher)])
    assert resolver.methods == {"key", "jwk", "web"}

    vm = await resolve_verification_method(resolver, f"{did}#key-1", purpose="assertionMethod")
    assert vm.public_key == KEY.public_key
    assert vm.controller == did

    with pytest.raises(DIDResolutionError) as info:
        await resolve_verification_method(resolver, f"{did}#key-1", purpose="authentication")
    assert info.value.code == "verification_method_not_authorized"

    # did:key still resolves offline through the same resolver.
    key_vm = await resolve_verification_method(resolver, KEY.verification_method,
                                               purpose="assertionMethod")
    assert key_vm.public_key == KEY.public_key
    assert https_server.hits("/issuers/1/did.json") == 1

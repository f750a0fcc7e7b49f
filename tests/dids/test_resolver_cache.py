"""The resolver's cache: did:key documents stay, documents read from the network expire, so
a key that its controller rotated out stops verifying."""

from __future__ import annotations

from typing import Any

import pytest

from vcbadges.dids.base import DIDDocument
from vcbadges.dids.key import KeyDriver
from vcbadges.dids.resolver import MethodResolver, resolve_verification_method
from vcbadges.errors import DIDResolutionError
from vcbadges.primitives.keys import generate_key

DID = "did:web:issuer.example"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class RotatingWeb:
    """A did:web whose controller publishes ``self.key``'s method; counts the reads."""

    method = "web"

    def __init__(self, key: Any) -> None:
        self.key = key
        self.reads = 0

    async def resolve(self, did: str) -> DIDDocument:
        self.reads += 1
        multikey = self.key.public_key.to_multikey()
        vm = {"id": f"{DID}#{multikey}", "type": "Multikey", "controller": DID,
              "publicKeyMultibase": multikey}
        return DIDDocument.from_json(DID, {"@context": "https://www.w3.org/ns/did/v1", "id": DID,
                                           "verificationMethod": [vm],
                                           "assertionMethod": [vm["id"]]})


async def test_network_documents_expire_and_a_rotated_key_stops_verifying():
    old, new = generate_key("Ed25519"), generate_key("Ed25519")
    web = RotatingWeb(old)
    clock = Clock()
    resolver = MethodResolver([KeyDriver(), web], network_ttl=60, clock=clock)
    old_vm = f"{DID}#{old.public_key.to_multikey()}"
    await resolve_verification_method(resolver, old_vm, purpose="assertionMethod")
    web.key = new  # The controller rotates its key.
    clock.now += 59
    await resolve_verification_method(resolver, old_vm, purpose="assertionMethod")
    assert web.reads == 1  # Within the TTL: the cached document.
    clock.now += 2
    with pytest.raises(DIDResolutionError):
        await resolve_verification_method(resolver, old_vm, purpose="assertionMethod")
    assert web.reads == 2
    await resolve_verification_method(resolver, f"{DID}#{new.public_key.to_multikey()}",
                                      purpose="assertionMethod")


async def test_did_key_documents_stay_cached():
    clock = Clock()
    resolver = MethodResolver([KeyDriver()], network_ttl=1, clock=clock)
    did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    first = await resolver.resolve(did)
    clock.now += 10_000
    assert await resolver.resolve(did) is first

"""Resolution by DID method, with a small cache, and verification-method dereferencing."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from vcbadges.dids.base import (
    DIDDocument,
    DIDMethodDriver,
    VerificationMethod,
    split_controller_url,
)
from vcbadges.dids.controller import ControllerDocumentDriver
from vcbadges.dids.jwk import JWKDriver
from vcbadges.dids.key import KeyDriver
from vcbadges.dids.web import WebDriver
from vcbadges.errors import DIDResolutionError
from vcbadges.net.fetcher import JSONFetcher

__all__ = [
    "MethodResolver",
    "StaticResolver",
    "default_resolver",
    "network_resolver",
    "resolve_verification_method",
]

# Methods whose document is derived from the DID alone: nothing to refresh.
_PURE_METHODS = frozenset({"key", "jwk"})


class MethodResolver:
    """Dispatch on the DID method to registered drivers; cache up to ``cache_size`` documents.

    Only offline drivers belong in the default set; network drivers (did:web) are added by the
    caller with the fetcher it trusts.

    A did:key or did:jwk document is a function of the DID, so it stays cached while it is
    used. A document read from the network is kept at most ``network_ttl`` seconds: a key
    its controller rotated out or removed stops verifying within that time (the fetcher's
    HTTP cache, bounded by the server's ``Cache-Control``, may add its own age).
    """

    def __init__(
        self, drivers: Iterable[DIDMethodDriver], *, cache_size: int = 512,
        network_ttl: float = 60.0, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._drivers = {d.method: d for d in drivers}
        self._cache: OrderedDict[str, tuple[DIDDocument, float]] = OrderedDict()
        self._cache_size = cache_size
        self._network_ttl = network_ttl
        self._clock = clock

    @property
    def methods(self) -> frozenset[str]:
        return frozenset(self._drivers)

    async def resolve(self, did: str) -> DIDDocument:
        """Resolve ``did``; raise ``DIDResolutionError`` (method_not_supported, invalid_did, ...)."""
        did, _ = split_controller_url(did)
        now = self._clock()
        cached = self._cache.get(did)
        if cached is not None and cached[1] > now:
            self._cache.move_to_end(did)
            return cached[0]
        method = "https" if did.startswith("https://") else did.split(":", 2)[1]
        driver = self._drivers.get(method)
        if driver is None:
            raise DIDResolutionError(f"DID method {method!r} is not supported",
                                     code="method_not_supported")
        doc = await driver.resolve(did)
        expires = math.inf if method in _PURE_METHODS else now + self._network_ttl
        self._cache[did] = (doc, expires)
        self._cache.move_to_end(did)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return doc


class StaticResolver:
    """Serve fixed documents (for tests and pinned configurations)."""

    def __init__(self, documents: Mapping[str, Mapping[str, Any]]) -> None:
        self._docs = {did: DIDDocument.from_json(did, dict(doc)) for did, doc in documents.items()}

    async def resolve(self, did: str) -> DIDDocument:
        did, _ = split_controller_url(did)
        try:
            return self._docs[did]
        except KeyError:
            raise DIDResolutionError(f"{did} is not known", code="not_found") from None


def network_resolver(fetcher: JSONFetcher) -> MethodResolver:
    """did:key, did:jwk, did:web and https controller documents, reading through ``fetcher``."""
    return MethodResolver([KeyDriver(), JWKDriver(), WebDriver(fetcher),
                           ControllerDocumentDriver(fetcher.get_json)])


def default_resolver() -> MethodResolver:
    """A resolver for did:key and did:jwk, which never touches the network."""
    return MethodResolver([KeyDriver(), JWKDriver()])


async def resolve_verification_method(
    resolver: Any, vm_url: str, *, purpose: str
) -> VerificationMethod:
    """Resolve the controller's DID document and dereference ``vm_url`` for ``purpose``.

    Raises ``DIDResolutionError`` when the DID cannot be resolved, the document lacks the
    method, or does not authorize it for ``purpose``; ``KeyFormatError`` for a bad key.
    """
    did, fragment = split_controller_url(vm_url)
    doc: DIDDocument = await resolver.resolve(did)
    if fragment is None:
        # A bare DID names a method only when its document authorizes exactly one for the
        # purpose (as a did:key always does); anything else would be a guess.
        entries = doc.raw.get(purpose)
        refs = entries if isinstance(entries, list) else []
        if len(refs) != 1:
            raise DIDResolutionError(f"{vm_url} names no single verification method",
                                     code="invalid_did_url")
        ref = refs[0].get("id") if isinstance(refs[0], dict) else refs[0]
        if not isinstance(ref, str):
            raise DIDResolutionError(f"{vm_url} names no single verification method",
                                     code="invalid_did_url")
        vm_url = did + ref if ref.startswith("#") else ref
    return doc.verification_method(vm_url, purpose=purpose)

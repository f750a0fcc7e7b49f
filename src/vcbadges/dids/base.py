"""DID documents, the resolver interface, and verification-method dereferencing.

A proof names a verification method by URL. Before its key is used, the DID document of the
method's controller must list the method under the relationship the proof claims
(``assertionMethod`` for credentials, ``authentication`` for presentations); a key that is
merely present in the document is not enough.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import base58

from vcbadges.errors import DIDResolutionError, KeyFormatError
from vcbadges.primitives import multibase, multicodec
from vcbadges.primitives.jwk import public_key_from_jwk
from vcbadges.primitives.keys import (
    Ed25519PublicKey,
    PublicKey,
    RSAPublicKey,
    public_key_from_multikey,
)

__all__ = [
    "DIDDocument",
    "DIDResolver",
    "DIDMethodDriver",
    "VerificationMethod",
    "split_did_url",
    "split_controller_url",
    "public_key_from_verification_method",
]

RELATIONSHIPS = frozenset(
    {"assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation",
     "keyAgreement"}
)


def split_did_url(url: str) -> tuple[str, str | None]:
    """Split ``did:method:id#fragment`` into the DID and the fragment (None when absent)."""
    if not isinstance(url, str) or not url.startswith("did:"):
        raise DIDResolutionError(f"{url!r} is not a DID URL", code="invalid_did")
    did, _, fragment = url.partition("#")
    did = did.split("?", 1)[0]
    parts = did.split(":", 2)
    if len(parts) != 3 or not parts[1] or not parts[2]:
        raise DIDResolutionError(f"{url!r} is not a DID URL", code="invalid_did")
    return did, (fragment or None)


def split_controller_url(url: str) -> tuple[str, str | None]:
    """Split a verification-method URL into its controller's id and the fragment.

    Controllers are DIDs, or (as VC Data Integrity allows, and Open Badges issuers commonly
    use) https URLs of controller documents.
    """
    if isinstance(url, str) and url.startswith("https://"):
        base, _, fragment = url.partition("#")
        if len(base) <= len("https://") or "?" in base:
            raise DIDResolutionError(f"{url!r} is not a controller document URL",
                                     code="invalid_did")
        return base, (fragment or None)
    return split_did_url(url)


@dataclass(frozen=True)
class VerificationMethod:
    """A dereferenced verification method with its decoded public key."""

    id: str
    type: str
    controller: str
    public_key: PublicKey
    document: dict[str, Any]


def public_key_from_verification_method(vm: dict[str, Any]) -> PublicKey:
    """Decode the key of a Multikey, Ed25519VerificationKey2020/2018, JsonWebKey(2020) or
    RsaVerificationKey2018 (``publicKeyJwk``) method."""
    vm_type = vm.get("type")
    try:
        if vm_type in ("Multikey", "Ed25519VerificationKey2020"):
            value = vm.get("publicKeyMultibase")
            if not isinstance(value, str):
                raise KeyFormatError("verification method has no publicKeyMultibase",
                                     code="invalid_verification_method")
            key = public_key_from_multikey(value)
            if vm_type == "Ed25519VerificationKey2020" and not isinstance(key, Ed25519PublicKey):
                raise KeyFormatError("Ed25519VerificationKey2020 holds a non-Ed25519 key",
                                     code="invalid_verification_method")
            return key
        if vm_type in ("JsonWebKey2020", "JsonWebKey"):
            return public_key_from_jwk(vm.get("publicKeyJwk"))
        if vm_type == "RsaVerificationKey2018":
            rsa_key = public_key_from_jwk(vm.get("publicKeyJwk"))
            if not isinstance(rsa_key, RSAPublicKey):
                raise KeyFormatError("RsaVerificationKey2018 holds a non-RSA key",
                                     code="invalid_verification_method")
            return rsa_key
        if vm_type == "Ed25519VerificationKey2018":
            value = vm.get("publicKeyBase58")
            if not isinstance(value, str):
                raise KeyFormatError("verification method has no publicKeyBase58",
                                     code="invalid_verification_method")
            return Ed25519PublicKey(base58.b58decode(value.encode("ascii")))
    except (ValueError, UnicodeEncodeError) as exc:
        raise KeyFormatError("verification method key is malformed",
                             code="invalid_verification_method") from exc
    raise KeyFormatError(f"unsupported verification method type {vm_type!r}",
                         code="unsupported_verification_method")


@dataclass(frozen=True)
class DIDDocument:
    """A resolved DID document. ``raw`` is the JSON as produced or received; never mutate it."""

    id: str
    raw: dict[str, Any]
    # Decoding a key costs as much as checking a signature; a cached document keeps its
    # dereferenced methods so repeated verifications do not decode them again.
    _dereferenced: dict[tuple[str, str], VerificationMethod] = field(
        default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, did: str, raw: Any) -> DIDDocument:
        """Wrap a document; its ``id`` must equal the DID that was resolved."""
        if not isinstance(raw, dict):
            raise DIDResolutionError(f"DID document for {did} is not a JSON object",
                                     code="invalid_did_document")
        if raw.get("id") != did:
            raise DIDResolutionError(f"DID document id does not match {did}",
                                     code="invalid_did_document")
        return cls(id=did, raw=raw)

    def _absolute(self, ref: str) -> str:
        return self.id + ref if ref.startswith("#") else ref

    def _methods(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for name in ("verificationMethod", *sorted(RELATIONSHIPS)):
            entries = self.raw.get(name, [])
            if isinstance(entries, dict):
                entries = [entries]
            if isinstance(entries, list):
                found.extend(e for e in entries if isinstance(e, dict))
        return found

    def find_method(self, vm_id: str) -> dict[str, Any] | None:
        """Return the verification method object with this (absolute) id, if the document has it."""
        for method in self._methods():
            ref = method.get("id")
            if isinstance(ref, str) and self._absolute(ref) == vm_id:
                return method
        return None

    def is_authorized(self, vm_id: str, purpose: str) -> bool:
        """True when the ``purpose`` relationship lists ``vm_id`` (by reference or embedded)."""
        entries = self.raw.get(purpose, [])
        if isinstance(entries, (str, dict)):
            entries = [entries]
        if not isinstance(entries, list):
            return False
        for entry in entries:
            ref = entry.get("id") if isinstance(entry, dict) else entry
            if isinstance(ref, str) and self._absolute(ref) == vm_id:
                return True
        return False

    def verification_method(self, vm_id: str, *, purpose: str) -> VerificationMethod:
        """Dereference ``vm_id`` and check that this document authorizes it for ``purpose``.

        Raises ``DIDResolutionError`` (``verification_method_not_found``) when the document
        lacks the method and ``verification_method_not_authorized`` when it is not listed
        under ``purpose``; ``KeyFormatError`` when its key cannot be decoded.
        """
        cached = self._dereferenced.get((vm_id, purpose))
        if cached is not None:
            return cached
        method = self.find_method(vm_id)
        if method is None:
            raise DIDResolutionError(f"{vm_id} is not in the DID document of {self.id}",
                                     code="verification_method_not_found")
        controller = method.get("controller")
        if controller != self.id:
            raise DIDResolutionError(f"{vm_id} is not controlled by {self.id}",
                                     code="verification_method_not_authorized")
        if not self.is_authorized(vm_id, purpose):
            raise DIDResolutionError(f"{vm_id} is not authorized for {purpose} by {self.id}",
                                     code="verification_method_not_authorized")
        found = VerificationMethod(
            id=vm_id,
            type=str(method.get("type")),
            controller=self.id,
            public_key=public_key_from_verification_method(method),
            document=method,
        )
        self._dereferenced[(vm_id, purpose)] = found
        return found


class DIDResolver(Protocol):
    """Anything that turns a DID into its document."""

    async def resolve(self, did: str) -> DIDDocument: ...


class DIDMethodDriver(DIDResolver, Protocol):
    """A resolver for one DID method, registered on a ``MethodResolver`` under ``method``."""

    method: str


def x25519_from_ed25519(public: Ed25519PublicKey) -> bytes:
    """Convert an Ed25519 public key to its X25519 (Montgomery) form, as legacy did:key does."""
    p = 2**255 - 19
    y = int.from_bytes(public.raw, "little") & ((1 << 255) - 1)
    u = (1 + y) * pow(1 - y, p - 2, p) % p
    return u.to_bytes(32, "little")


def x25519_multikey(public: Ed25519PublicKey) -> str:
    return multibase.encode(multicodec.add_prefix(multicodec.X25519_PUB, x25519_from_ed25519(public)))

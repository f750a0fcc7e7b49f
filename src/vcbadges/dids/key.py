"""did:key: a DID that is only an encoding of one public key, resolved offline.

By default documents use the Multikey form (did:key spec v0.9, ``Multikey`` with the
multikey/v1 context); ``legacy=True`` gives the Ed25519VerificationKey2020 form with its
derived X25519 key-agreement key, which older issuers and verifiers still expect.
"""

from __future__ import annotations

import functools
from typing import Any

from vcbadges.dids.base import DIDDocument, split_did_url, x25519_multikey
from vcbadges.errors import DIDResolutionError, KeyFormatError
from vcbadges.primitives.keys import (
    Ed25519PublicKey,
    SigningPublicKey,
    public_key_from_multikey,
)

__all__ = ["KeyDriver", "did_key_document", "public_key_from_did_key"]

_VERIFICATION = ("authentication", "assertionMethod", "capabilityDelegation", "capabilityInvocation")


#: How a key that cannot be decoded is reported, in the did:key spec's terms (its "Create"
#: algorithm: ``invalidPublicKeyLength``, ``invalidPublicKey``, ``invalidPublicKeyType``).
#: A multicodec prefix that is unknown or not minimal is an ``invalid_did``: the identifier
#: is then no did:key spelling of any key.
_KEY_ERRORS = {
    "invalid_key_length": "invalid_public_key_length",
    "invalid_key": "invalid_public_key",
    "unsupported_key_type": "invalid_public_key_type",
}


def public_key_from_did_key(did: str) -> SigningPublicKey:
    """Decode the key a did:key encodes; raise ``DIDResolutionError`` if it cannot.

    ``invalid_did`` for an identifier that is not a did:key's (no ``z`` multibase value,
    digits that are not base58btc, a version segment, an unknown or non-minimal multicodec
    prefix, not the canonical spelling), and the did:key spec's distinctions for a key of
    a known type that is not usable: ``invalid_public_key_length`` and
    ``invalid_public_key`` (not a point on the curve). Only the one
    canonical spelling of a key is a did:key of it: the identifier must be what the key
    encodes to, so no two DIDs (two issuers, to a trust list) share one key.
    """
    did, _ = split_did_url(did)
    method_id = did[len("did:key:"):]
    if not did.startswith("did:key:") or not method_id.startswith("z"):
        raise DIDResolutionError(f"{did} is not a did:key", code="invalid_did")
    try:
        key = public_key_from_multikey(method_id)
    except KeyFormatError as exc:
        raise DIDResolutionError(f"{did} does not encode a supported key: {exc.message}",
                                 code=_KEY_ERRORS.get(exc.code, "invalid_did")) from exc
    if key.to_multikey() != method_id:
        raise DIDResolutionError(f"{did} is not the canonical did:key of its key",
                                 code="invalid_did")
    return key


@functools.lru_cache(maxsize=1024)
def did_key_document(did: str, *, legacy: bool = False) -> DIDDocument:
    """Build the DID document of a did:key (Multikey form, or the legacy 2020 form).

    The document is a pure function of the DID, so it is cached: callers must not mutate it.
    """
    did, _ = split_did_url(did)
    key = public_key_from_did_key(did)
    multikey = did[len("did:key:"):]
    vm_id = f"{did}#{multikey}"
    raw: dict[str, Any]
    if legacy and isinstance(key, Ed25519PublicKey):
        x25519 = x25519_multikey(key)
        raw = {
            "@context": [
                "https://www.w3.org/ns/did/v1",
                "https://w3id.org/security/suites/ed25519-2020/v1",
                "https://w3id.org/security/suites/x25519-2020/v1",
            ],
            "id": did,
            "verificationMethod": [
                {"id": vm_id, "type": "Ed25519VerificationKey2020", "controller": did,
                 "publicKeyMultibase": multikey}
            ],
            **{rel: [vm_id] for rel in _VERIFICATION},
            "keyAgreement": [
                {"id": f"{did}#{x25519}", "type": "X25519KeyAgreementKey2020", "controller": did,
                 "publicKeyMultibase": x25519}
            ],
        }
    else:
        raw = {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": did,
            "verificationMethod": [
                {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": multikey}
            ],
            **{rel: [vm_id] for rel in _VERIFICATION},
        }
    return DIDDocument(id=did, raw=raw)


class KeyDriver:
    """did:key driver for ``MethodResolver``; needs no network."""

    method = "key"

    def __init__(self, *, legacy: bool = False) -> None:
        self._legacy = legacy

    async def resolve(self, did: str) -> DIDDocument:
        return did_key_document(did, legacy=self._legacy)

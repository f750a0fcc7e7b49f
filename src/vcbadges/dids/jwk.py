"""did:jwk: a DID that is a base64url-encoded public JWK, resolved offline.

Ed25519, P-256 and RSA (2048 bits or more) keys resolve; the JWK is kept in the document as
it was encoded, so its own ``alg`` and ``use`` members still restrict it.
"""

from __future__ import annotations

import json
from typing import Any

from vcbadges.dids.base import DIDDocument, split_did_url
from vcbadges.errors import DIDResolutionError, JSONInputError, KeyFormatError
from vcbadges.primitives.jsonlimits import loads_strict
from vcbadges.primitives.jwk import public_key_from_jwk, public_key_to_jwk
from vcbadges.primitives.keys import PublicKey
from vcbadges.primitives.multibase import b64url_decode, b64url_encode

__all__ = ["JWKDriver", "did_jwk_from_public_key", "did_jwk_document"]

# Members only a private JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4): a DID must not publish them.
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


def did_jwk_from_public_key(key: PublicKey) -> str:
    """Return the did:jwk for ``key`` (compact JSON of the public JWK, base64url)."""
    jwk = public_key_to_jwk(key)
    return "did:jwk:" + b64url_encode(json.dumps(jwk, separators=(",", ":")).encode("utf-8"))


def did_jwk_document(did: str) -> DIDDocument:
    """Build the DID document of a did:jwk; its one method is ``#0``."""
    did, _ = split_did_url(did)
    if not did.startswith("did:jwk:"):
        raise DIDResolutionError(f"{did} is not a did:jwk", code="invalid_did")
    try:
        jwk: Any = loads_strict(b64url_decode(did[len("did:jwk:"):]))
        public_key_from_jwk(jwk)
    except (KeyFormatError, ValueError, JSONInputError) as exc:
        raise DIDResolutionError(f"{did} does not encode a supported public JWK",
                                 code="invalid_did") from exc
    if _PRIVATE_MEMBERS & jwk.keys():
        raise DIDResolutionError(f"{did} encodes a private key", code="invalid_did")
    vm_id = f"{did}#0"
    raw: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk}
        ],
    }
    use = jwk.get("use")
    if use != "enc":
        for rel in ("assertionMethod", "authentication", "capabilityInvocation",
                    "capabilityDelegation"):
            raw[rel] = [vm_id]
    if use != "sig":
        raw["keyAgreement"] = [vm_id]
    return DIDDocument(id=did, raw=raw)


class JWKDriver:
    """did:jwk driver for ``MethodResolver``; needs no network."""

    method = "jwk"

    async def resolve(self, did: str) -> DIDDocument:
        return did_jwk_document(did)

"""Which key may verify a JWT: only one bound to the controller the token speaks for.

A JWT's header names its key (``kid``) or carries it (``jwk``), and a signature that verifies
proves only that the holder of that key signed. For the token to count as the word of its
issuer (a credential) or holder (a presentation, an OpenID4VCI key proof), the key must be
one that party controls, and every JWT here is held to the same rule:

* a ``kid`` is a DID URL (or ``#fragment``, relative to the controller) whose DID *is* the
  controller, naming a method the controller's document lists under the verification
  relationship of the token (``assertionMethod`` or ``authentication``);
* a ``jwk`` must be a key the controller's document lists under that relationship: for a
  did:key or did:jwk the key the DID encodes, for other DIDs a key of the resolved document;
  beside a ``kid``, it must be the very key the ``kid`` names.

Anything else is ``issuer_mismatch`` (``holder_mismatch`` for ``authentication``), raised
before any signature is checked, and the key returned always carries its controller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from vcbadges.dids.base import DIDDocument, VerificationMethod, split_controller_url
from vcbadges.dids.jwk import did_jwk_from_public_key
from vcbadges.errors import DIDResolutionError, KeyFormatError, ProofError, VCBadgesError
from vcbadges.primitives.keys import PublicKey
from vcbadges.proofs._jws import (
    JWT_NO_KEY,
    MALFORMED_JWT,
    check_key_fits,
    check_published_restrictions,
    embedded_public_key,
    weak_rsa_as_proof_error,
)

__all__ = [
    "ISSUER_MISMATCH",
    "HOLDER_MISMATCH",
    "Purpose",
    "BoundKey",
    "bound_key",
    "key_controller",
]

ISSUER_MISMATCH = "issuer_mismatch"
HOLDER_MISMATCH = "holder_mismatch"

Purpose = Literal["assertionMethod", "authentication"]
_MISMATCH: dict[str, str] = {"assertionMethod": ISSUER_MISMATCH,
                             "authentication": HOLDER_MISMATCH}


@dataclass(frozen=True)
class BoundKey:
    """The key a JWT verifies with, the method that lists it, and its controller."""

    public_key: PublicKey
    verification_method: str
    controller: str


def _mismatch(purpose: Purpose, message: str) -> ProofError:
    return ProofError(message, code=_MISMATCH[purpose])


def _kid(header: Mapping[str, Any]) -> str | None:
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise ProofError("the kid header is not a string", code=MALFORMED_JWT)
    return kid


def _method_url(kid: str | None, controller: str | None) -> str | None:
    """The verification-method URL a ``kid`` names; None for a kid that is only a hint."""
    if kid is None:
        return None
    if kid.startswith("#"):
        return controller + kid if controller is not None else None
    return kid if kid.startswith(("did:", "https://")) else None


def key_controller(header: Mapping[str, Any]) -> str:
    """The controller a JWT's key speaks for when the token itself names none.

    OpenID4VCI key proofs (and presentations without ``iss`` or ``holder``) identify their
    signer by the key: the DID of a DID URL ``kid``, else the did:jwk of the ``jwk``.
    :func:`bound_key` still checks the key against that controller's document.
    """
    url = _method_url(_kid(header), None)
    if url is not None:
        return split_controller_url(url)[0]
    if "jwk" in header:
        return did_jwk_from_public_key(embedded_public_key(header["jwk"]))
    raise ProofError("the JWT names no key that identifies its signer (a DID URL kid or a jwk)",
                     code=JWT_NO_KEY)


def _check_controller(controller: str, purpose: Purpose) -> None:
    try:
        base, fragment = split_controller_url(controller)
    except DIDResolutionError as exc:
        raise _mismatch(purpose, f"{controller!r} is neither a DID nor a controller document "
                        "URL: no key can be bound to it") from exc
    if base != controller or fragment is not None:
        raise _mismatch(purpose, f"{controller!r} is not a bare DID: no key can be bound to it")


def _dereference(doc: DIDDocument, vm_url: str, purpose: Purpose) -> VerificationMethod:
    try:
        return doc.verification_method(vm_url, purpose=purpose)
    except KeyFormatError as exc:
        raise weak_rsa_as_proof_error(exc) from exc


def _authorized_ids(doc: DIDDocument, purpose: Purpose) -> list[str]:
    """The absolute ids of the methods ``doc`` lists under ``purpose``, in document order."""
    entries = doc.raw.get(purpose, [])
    entries = entries if isinstance(entries, list) else [entries]
    ids = []
    for entry in entries:
        ref = entry.get("id") if isinstance(entry, dict) else entry
        if isinstance(ref, str):
            ids.append(doc.id + ref if ref.startswith("#") else ref)
    return ids


async def _named_method(resolver: Any, url: str, controller: str,
                        purpose: Purpose) -> VerificationMethod:
    did, fragment = split_controller_url(url)
    if did != controller:
        raise _mismatch(purpose, f"kid {url} names a key of {did}, not of {controller}")
    if fragment is None:
        raise DIDResolutionError(f"kid {url} names no verification method (no fragment)",
                                 code="invalid_did_url")
    doc: DIDDocument = await resolver.resolve(did)
    return _dereference(doc, url, purpose)


async def _listed_key(resolver: Any, key: PublicKey, controller: str, purpose: Purpose,
                      alg: str) -> BoundKey:
    doc: DIDDocument = await resolver.resolve(controller)
    for vm_id in _authorized_ids(doc, purpose):
        try:
            method = _dereference(doc, vm_id, purpose)
        except VCBadgesError:
            continue  # a method that cannot be decoded is not the key in the header
        if method.public_key == key:
            check_published_restrictions(method.document.get("publicKeyJwk"), alg)
            return BoundKey(public_key=key, verification_method=vm_id, controller=controller)
    raise _mismatch(purpose, f"the key in the jwk header is not one {controller} lists for "
                    f"{purpose}")


async def bound_key(
    header: Mapping[str, Any], alg: str, *, controller: str, purpose: Purpose, resolver: Any
) -> BoundKey:
    """Resolve the key a JWS header names and check that ``controller`` holds it.

    ``controller`` is the id the token must speak for: the credential's issuer for
    ``assertionMethod``, the holder for ``authentication``. ``alg`` must already have passed
    :func:`~vcbadges.proofs._jws.check_alg`. Raises ``ProofError`` (``issuer_mismatch`` or
    ``holder_mismatch``, ``jwt_no_key``, ``jwt_alg_key_mismatch``, ``jwt_weak_rsa_key``,
    ``malformed_jwt``), ``DIDResolutionError`` and ``KeyFormatError``.
    """
    kid = _kid(header)
    embedded = embedded_public_key(header["jwk"]) if "jwk" in header else None
    _check_controller(controller, purpose)
    url = _method_url(kid, controller)
    if url is not None:
        method = await _named_method(resolver, url, controller, purpose)
        if embedded is not None and embedded != method.public_key:
            raise _mismatch(purpose, f"the jwk header is not the key kid {url} names")
        check_key_fits(method.public_key, alg)
        check_published_restrictions(method.document.get("publicKeyJwk"), alg)
        check_published_restrictions(header.get("jwk"), alg)
        return BoundKey(public_key=method.public_key, verification_method=url,
                        controller=controller)
    if embedded is not None:
        check_key_fits(embedded, alg)
        check_published_restrictions(header["jwk"], alg)
        return await _listed_key(resolver, embedded, controller, purpose, alg)
    if kid is not None:
        raise ProofError(f"kid {kid!r} is not a DID URL and the JWT embeds no jwk",
                         code=JWT_NO_KEY)
    raise ProofError("the JWT names no key (neither kid nor jwk)", code=JWT_NO_KEY)

"""The wallet's check of who sent a Request Object (OpenID4VP 1.0, "Client Identifier Prefix
and Verifier Metadata Management", RFC 9101).

A Request Object names its sender in ``client_id``; the prefix of that identifier says how the
wallet can believe it, and nothing in the request is shown or used before that check passed:

=============================  ==============================================================
``redirect_uri:<URL>``         unsigned (``alg`` ``none``, empty signature), as the prefix
                               requires; the URL must be the ``response_uri`` (checked with
                               the other parameters, in :func:`~vcbadges.oid4vp.wallet.
                               validate_request`)
``decentralized_identifier:``  signed; ``kid`` is a DID URL whose DID is the client
``<DID>``                      identifier, naming a method the DID document lists for
                               ``authentication`` (the key rule of every JWT here,
                               :mod:`vcbadges.proofs._binding`), and the signature verifies
                               with that key
``x509_san_dns:<name>``        signed; the ``x5c`` chain leads to one of the wallet's trust
                               anchors, its leaf lists ``<name>`` as a ``dNSName``
                               (:mod:`vcbadges.oid4vp.x509`), and the signature verifies with
                               the leaf's key; the ``response_uri`` host must be ``<name>``
=============================  ==============================================================

Any other prefix, a signed ``redirect_uri:`` request, an unsigned request of the other two,
or a key named another way than the prefix says (a ``jwk`` header, an ``x5c`` beside a DID)
is refused with ``ProtocolError("invalid_request")``, before any signature is checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cryptography import x509

from vcbadges.errors import (
    DIDResolutionError,
    KeyFormatError,
    ProofError,
    ProtocolError,
    VCBadgesError,
)
from vcbadges.oauth.common import safe_text
from vcbadges.oid4vp.request import (
    CLIENT_ID_PREFIX,
    DID_PREFIX,
    REQUEST_OBJECT_TYP,
    X509_SAN_DNS_PREFIX,
)
from vcbadges.oid4vp.x509 import verified_leaf_key
from vcbadges.proofs import _jws
from vcbadges.proofs._binding import bound_key

__all__ = ["SIGNED_PREFIXES", "authenticate_request_object"]

#: The Client Identifier Prefixes whose Request Objects must be signed.
SIGNED_PREFIXES = (DID_PREFIX, X509_SAN_DNS_PREFIX)
# Header members that carry or name a key: each prefix allows exactly one way.
_KEY_MEMBERS = ("kid", "jwk", "x5c", "x5u", "jku", "x5t", "x5t#S256")


def _invalid(description: str) -> ProtocolError:
    return ProtocolError("invalid_request", safe_text(description))


def _only_key_member(header: dict[str, Any], allowed: str) -> None:
    others = [name for name in _KEY_MEMBERS if name in header and name != allowed]
    if others or allowed not in header:
        raise _invalid(f"this client identifier prefix names its key by {allowed} only")


async def _did_key(parsed: _jws.CompactJWS, alg: str, did: str, resolver: Any) -> Any:
    _only_key_member(parsed.header, "kid")
    if not did.startswith("did:"):
        raise _invalid("a decentralized_identifier client identifier must be a DID")
    kid = parsed.header["kid"]
    if not isinstance(kid, str) or not kid.startswith(did + "#"):
        raise _invalid(f"the kid must be a verification method of {did}")
    bound = await bound_key(parsed.header, alg, controller=did, purpose="authentication",
                            resolver=resolver)
    return bound.public_key


async def authenticate_request_object(
    token: Any,
    *,
    resolver: Any,
    trust_anchors: Sequence[x509.Certificate],
    now: datetime,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of a Request Object whose sender was authenticated as its
    ``client_id`` prefix requires (see the module docstring).

    ``resolver`` resolves DIDs (``decentralized_identifier``); ``trust_anchors`` are the
    certificates trusted for ``x509_san_dns`` (none: every such request is refused).
    Raises ``ProtocolError("invalid_request")``.
    """
    try:
        parsed = _jws.parse_compact(token.strip() if isinstance(token, str) else token)
    except VCBadgesError as exc:
        raise _invalid(f"the request object is not a JWT: {exc.message}") from exc
    typ = parsed.header.get("typ")
    if not isinstance(typ, str) or typ.lower().removeprefix("application/") != REQUEST_OBJECT_TYP:
        raise _invalid(f"the request object's typ must be {REQUEST_OBJECT_TYP}")
    client_id = parsed.claims.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise _invalid("the request object has no client_id")
    unsigned = parsed.header.get("alg") == "none" and not parsed.signature
    if client_id.startswith(CLIENT_ID_PREFIX):
        if not unsigned:
            raise _invalid("a request with the redirect_uri client identifier prefix must "
                           "not be signed")
        return parsed.header, parsed.claims
    prefix = next((p for p in SIGNED_PREFIXES if client_id.startswith(p)), None)
    if prefix is None:
        raise _invalid("the client identifier prefix is not supported by this wallet")
    if unsigned:
        raise _invalid(f"a request with the {prefix[:-1]} client identifier prefix must be "
                       "signed")
    value = client_id.removeprefix(prefix)
    try:
        alg = _jws.check_alg(parsed.header)
        if prefix == DID_PREFIX:
            key = await _did_key(parsed, alg, value, resolver)
        else:
            _only_key_member(parsed.header, "x5c")
            key = verified_leaf_key(parsed.header["x5c"], dns_name=value,
                                    trust_anchors=trust_anchors, now=now)
            _jws.check_key_fits(key, alg)
        _jws.verify_signature(parsed, alg, key)
    except (ProofError, DIDResolutionError, KeyFormatError) as exc:
        raise _invalid(f"the request object's signature cannot be accepted: "
                       f"{exc.message}") from exc
    return parsed.header, parsed.claims

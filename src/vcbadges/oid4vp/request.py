"""The verifier's Authorization Request (OpenID4VP 1.0), passed by reference for a QR code.

Choices, and where they come from:

- **Client Identifier Prefix** ``redirect_uri:`` followed by the Response URI ("Defined
  Client Identifier Prefixes"). It needs no key and no pre-registration; in exchange the
  request "cannot be signed", and the Wallet learns nothing about the Verifier beyond that
  URL, which it shows the holder. (``decentralized_identifier``, ``x509_san_dns`` and the
  others all require a signed Request Object.)
- **Request by reference**: the QR code holds ``openid4vp://?client_id=...&request_uri=...``
  ("Passing Authorization Request Across Devices" recommends ``direct_post`` with
  ``request_uri``). The Request Object behind ``request_uri`` is a JWT with ``typ``
  ``oauth-authz-req+jwt`` ("Authorization Request": wallets must refuse any other ``typ``);
  since the ``redirect_uri`` prefix forbids signing, it is an Unsecured JWT (RFC 7519 §6,
  ``"alg": "none"``), which is the only form such a request can take by reference. It is
  served with the media type ``application/oauth-authz-req+jwt``.
- **Response Mode** ``direct_post`` to ``response_uri`` ("Response Mode direct_post"),
  ``response_type`` ``vp_token``, a fresh ``nonce`` and ``state`` (128 bits each, URL-safe
  characters as "Existing Parameters" requires), a ``dcql_query``, and ``client_metadata``
  with ``vp_formats_supported`` (required when the Wallet cannot learn it otherwise), ``aud``
  ``https://self-issued.me/v2`` ("aud of a Request Object", static discovery).
- Besides the values sent to the wallet, each request gets a secret ``transaction_id`` the
  verifier page uses to fetch the result ("Protection of the Authorization Response Data":
  a second random value that only the Verifier's own components know).

The Response URI is ``{base}/response`` and the Request URI ``{base}/requests/{request_id}``
for the verifier base URL ``base``; the web layer routes both.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from vcbadges.errors import ProtocolError
from vcbadges.oauth.common import current, from_timestamp, new_secret, timestamp
from vcbadges.oid4vp.dcql import open_badge_query, validate_query
from vcbadges.oid4vp.store import VP_REQUEST, VP_STATE, OID4VPStore

__all__ = [
    "REQUEST_OBJECT_TYP",
    "REQUEST_OBJECT_MEDIA_TYPE",
    "CLIENT_ID_PREFIX",
    "STATIC_AUDIENCE",
    "DEFAULT_VP_FORMATS",
    "AuthorizationRequest",
    "response_uri",
    "request_uri",
    "client_id_for",
    "qr_payload",
    "unsigned_request_object",
    "create_request",
    "load_request",
    "request_object",
]

REQUEST_OBJECT_TYP = "oauth-authz-req+jwt"
REQUEST_OBJECT_MEDIA_TYPE = "application/oauth-authz-req+jwt"
CLIENT_ID_PREFIX = "redirect_uri:"
STATIC_AUDIENCE = "https://self-issued.me/v2"
RESPONSE_PATH = "/response"
REQUEST_PATH = "/requests/"
WALLET_SCHEME = "openid4vp://"
DEFAULT_LIFETIME = timedelta(minutes=10)
MAX_QR_PAYLOAD = 400

DEFAULT_VP_FORMATS: dict[str, Any] = {
    "ldp_vc": {"proof_type_values": ["DataIntegrityProof"],
               "cryptosuite_values": ["eddsa-rdfc-2022", "ecdsa-rdfc-2019", "eddsa-jcs-2022"]},
    "jwt_vc_json": {"alg_values": ["EdDSA", "ES256", "RS256", "PS256"]},
}
"""``vp_formats_supported`` ("Verifier Metadata"): what ``vcbadges.verify`` checks."""


def _base(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("the verifier base URL must be an absolute https URL")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("the verifier base URL must not have a query, fragment or credentials")
    return base_url.rstrip("/")


def response_uri(base_url: str) -> str:
    """Where wallets POST their responses: ``{base}/response``."""
    return _base(base_url) + RESPONSE_PATH


def request_uri(base_url: str, request_id: str) -> str:
    """Where wallets GET the Request Object: ``{base}/requests/{request_id}``."""
    return _base(base_url) + REQUEST_PATH + quote(request_id, safe="")


def client_id_for(response_uri: str) -> str:
    """The Client Identifier of a verifier known by its Response URI (``redirect_uri:``)."""
    return CLIENT_ID_PREFIX + response_uri


def qr_payload(client_id: str, request_uri: str) -> str:
    """``openid4vp://?client_id=...&request_uri=...``, what the QR code holds.

    Raises ``ValueError`` when it would be 400 characters or more (a QR code that dense is
    hard to scan from a screen); only a very long base URL causes that.
    """
    payload = WALLET_SCHEME + "?" + urlencode({"client_id": client_id,
                                               "request_uri": request_uri})
    if len(payload) >= MAX_QR_PAYLOAD:
        raise ValueError(f"the QR payload is {len(payload)} characters; use a shorter base URL")
    return payload


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unsigned_request_object(claims: Mapping[str, Any]) -> str:
    """An Unsecured JWT (``alg`` ``none``, empty signature) of typ ``oauth-authz-req+jwt``."""
    return f"{_b64({'alg': 'none', 'typ': REQUEST_OBJECT_TYP})}.{_b64(dict(claims))}."


@dataclass(frozen=True)
class AuthorizationRequest:
    """One pending presentation request, as created and stored by the verifier."""

    request_id: str
    transaction_id: str = field(repr=False)
    client_id: str
    response_uri: str
    request_uri: str
    nonce: str
    state: str
    dcql_query: dict[str, Any]
    client_metadata: dict[str, Any]
    issued_at: datetime
    expires_at: datetime

    def claims(self) -> dict[str, Any]:
        """The Request Object's claims: the Authorization Request parameters."""
        return {
            "client_id": self.client_id,
            "response_type": "vp_token",
            "response_mode": "direct_post",
            "response_uri": self.response_uri,
            "nonce": self.nonce,
            "state": self.state,
            "dcql_query": self.dcql_query,
            "client_metadata": self.client_metadata,
            "aud": STATIC_AUDIENCE,
            "iat": timestamp(self.issued_at),
            "exp": timestamp(self.expires_at),
        }

    def request_object(self) -> str:
        """The Request Object served at ``request_uri`` (an unsigned JWT, see above)."""
        return unsigned_request_object(self.claims())

    def qr_payload(self) -> str:
        return qr_payload(self.client_id, self.request_uri)

    def to_json(self) -> dict[str, Any]:
        """The stored form (secrets included: keep it server-side)."""
        return {
            "request_id": self.request_id, "transaction_id": self.transaction_id,
            "client_id": self.client_id, "response_uri": self.response_uri,
            "request_uri": self.request_uri, "nonce": self.nonce, "state": self.state,
            "dcql_query": self.dcql_query, "client_metadata": self.client_metadata,
            "issued_at": timestamp(self.issued_at), "expires_at": timestamp(self.expires_at),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AuthorizationRequest:
        return cls(**{**data, "issued_at": from_timestamp(data["issued_at"]),
                      "expires_at": from_timestamp(data["expires_at"])})


async def create_request(
    store: OID4VPStore,
    *,
    base_url: str,
    dcql_query: Mapping[str, Any] | None = None,
    client_metadata: Mapping[str, Any] | None = None,
    lifetime: timedelta = DEFAULT_LIFETIME,
    now: datetime | None = None,
) -> AuthorizationRequest:
    """Create and store a presentation request; show ``request.qr_payload()`` to the holder
    and keep ``request.transaction_id`` in the verifier page's session.

    ``dcql_query`` defaults to :func:`~vcbadges.oid4vp.dcql.open_badge_query` (any Open
    Badges 3.0 credential, ``ldp_vc`` or ``jwt_vc_json``); ``client_metadata`` defaults to
    ``{"vp_formats_supported": DEFAULT_VP_FORMATS}``. Raises ``ProtocolError`` for a malformed
    query and ``ValueError`` for a bad base URL or lifetime.
    """
    when = current(now)
    if lifetime <= timedelta(0):
        raise ValueError("lifetime must be positive")
    query = validate_query(dict(dcql_query) if dcql_query is not None else open_badge_query())
    response = response_uri(base_url)
    request_id = new_secret(16)
    request = AuthorizationRequest(
        request_id=request_id, transaction_id=new_secret(32),
        client_id=client_id_for(response), response_uri=response,
        request_uri=request_uri(base_url, request_id), nonce=new_secret(16),
        state=new_secret(16), dcql_query=query,
        client_metadata=dict(client_metadata) if client_metadata is not None else {
            "vp_formats_supported": DEFAULT_VP_FORMATS},
        issued_at=when, expires_at=when + lifetime)
    request.qr_payload()  # Fails early when the URLs are too long for a QR code.
    await store.save(VP_REQUEST, request_id, request.to_json(), expires_at=request.expires_at)
    await store.save(VP_STATE, request.state, {"request_id": request_id},
                     expires_at=request.expires_at)
    return request


async def load_request(
    store: OID4VPStore, request_id: str, *, now: datetime | None = None
) -> AuthorizationRequest | None:
    """The pending request ``request_id``, or None when unknown or expired."""
    data = await store.get(VP_REQUEST, request_id, now=current(now))
    return None if data is None else AuthorizationRequest.from_json(data)


async def request_object(
    store: OID4VPStore, request_id: str, *, now: datetime | None = None
) -> str:
    """The Request Object for the wallet's GET on ``request_uri``.

    Serve it with ``Content-Type: application/oauth-authz-req+jwt`` and ``Cache-Control:
    no-store``. Raises ``ProtocolError("invalid_request_uri", status=404)`` for an unknown,
    expired or answered request (RFC 9101 §6.1 names that error for an unusable
    ``request_uri``).
    """
    when = current(now)
    request = await load_request(store, request_id, now=when)
    # Once answered, a request is not handed out again.
    if request is None or await store.get(VP_STATE, request.state, now=when) is None:
        raise ProtocolError("invalid_request_uri", "this presentation request is unknown, "
                            "expired or already answered", status=404)
    return request.request_object()

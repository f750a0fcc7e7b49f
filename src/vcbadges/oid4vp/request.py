"""The verifier's Authorization Request (OpenID4VP 1.0), for a QR code or a link.

Choices, and where they come from:

- **Client Identifier Prefixes** ("Defined Client Identifier Prefixes"), one per request:

  * ``redirect_uri:`` followed by the Response URI. It needs no key and no pre-registration;
    in exchange the request "MUST NOT be signed", and the Wallet learns nothing about the
    Verifier beyond that URL, which it shows the holder. Its Request Object is an Unsecured
    JWT (RFC 7519 §6, ``"alg": "none"``). vcbadges's own wallet reads it; wallets that
    accept only signed Request Objects by reference (most others) do not.
  * ``decentralized_identifier:`` followed by a DID: the Request Object is signed with a key
    of that DID, named by a ``kid`` that is a DID URL of one of its verification methods,
    which the Wallet dereferences through DID Resolution (:meth:`RequestSigner.for_did`).
  * ``x509_san_dns:`` followed by a DNS name: the Request Object is signed with the key of
    an X.509 certificate whose ``subjectAltName`` lists that name as a ``dNSName``, the
    chain in the ``x5c`` header (:meth:`RequestSigner.for_certificate`). Wallets that do not
    trust the name otherwise require the Response URI's host to be that name, so the name
    must be the host of the verifier base URL.

  A signed Request Object is a JWS (RFC 9101, JAR) of ``typ`` ``oauth-authz-req+jwt``,
  which wallets must check ("Authorization Request"); the unsigned one has that ``typ`` too.
- **Request by reference** by default: the QR code holds
  ``openid4vp://?client_id=...&request_uri=...`` ("Passing Authorization Request Across
  Devices" recommends ``direct_post`` with ``request_uri``), and the Request Object is served
  with the media type ``application/oauth-authz-req+jwt`` to a GET (no
  ``request_uri_method``, which means ``get``, "request_uri_method"). **By value**
  (``by_value=True``) the link carries the Request Object itself
  (``openid4vp://?client_id=...&request=...``), one request fewer for the wallet, for
  requests short enough: a link of :data:`MAX_BY_VALUE_PAYLOAD` characters or more is
  refused with :class:`RequestTooLarge` (no QR code holds it; a request with a DCQL query
  and a signature fits, one with an ``x5c`` chain of two certificates does not).
- **Response Mode** ``direct_post`` to ``response_uri`` ("Response Mode direct_post"),
  ``response_type`` ``vp_token``, a fresh ``nonce`` and ``state`` (128 bits each, URL-safe
  characters as "Existing Parameters" requires), a ``dcql_query``, and ``client_metadata``
  with ``vp_formats_supported`` (required when the Wallet cannot learn it otherwise), ``aud``
  ``https://self-issued.me/v2`` ("aud of a Request Object", static discovery).
- The Request Object is made, and signed, once when the request is created and stored with
  it, so the same bytes go out by value and by reference.
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
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from cryptography import x509

from vcbadges.errors import ProtocolError
from vcbadges.oauth.common import current, from_timestamp, new_secret, timestamp
from vcbadges.oid4vp.dcql import open_badge_query, validate_query
from vcbadges.oid4vp.store import VP_REQUEST, VP_STATE, OID4VPStore
from vcbadges.oid4vp.x509 import check_key_matches, dns_names, x5c_header
from vcbadges.primitives.keys import SigningKey
from vcbadges.proofs._jws import sign_compact

__all__ = [
    "REQUEST_OBJECT_TYP",
    "REQUEST_OBJECT_MEDIA_TYPE",
    "CLIENT_ID_PREFIX",
    "DID_PREFIX",
    "X509_SAN_DNS_PREFIX",
    "MAX_BY_VALUE_PAYLOAD",
    "RequestSigner",
    "RequestTooLarge",
    "STATIC_AUDIENCE",
    "DEFAULT_VP_FORMATS",
    "AuthorizationRequest",
    "response_uri",
    "request_uri",
    "client_id_for",
    "qr_payload",
    "by_value_payload",
    "unsigned_request_object",
    "create_request",
    "load_request",
    "request_object",
]

REQUEST_OBJECT_TYP = "oauth-authz-req+jwt"
REQUEST_OBJECT_MEDIA_TYPE = "application/oauth-authz-req+jwt"
CLIENT_ID_PREFIX = "redirect_uri:"
DID_PREFIX = "decentralized_identifier:"
X509_SAN_DNS_PREFIX = "x509_san_dns:"
STATIC_AUDIENCE = "https://self-issued.me/v2"
RESPONSE_PATH = "/response"
REQUEST_PATH = "/requests/"
WALLET_SCHEME = "openid4vp://"
DEFAULT_LIFETIME = timedelta(minutes=10)
MAX_QR_PAYLOAD = 400
#: A by-value link this long or longer is refused: 2,331 bytes is all a QR code holds at
#: the error correction level M that :mod:`vcbadges.web.qr` uses (version 40).
MAX_BY_VALUE_PAYLOAD = 2332

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


class RequestTooLarge(ValueError):
    """A by-value request whose link would be :data:`MAX_BY_VALUE_PAYLOAD` characters or
    more; pass it by reference instead."""


def by_value_payload(client_id: str, request_object: str) -> str:
    """``openid4vp://?client_id=...&request=...``: the request itself in the link.

    Raises :class:`RequestTooLarge` when it would be :data:`MAX_BY_VALUE_PAYLOAD`
    characters or more.
    """
    payload = WALLET_SCHEME + "?" + urlencode({"client_id": client_id,
                                               "request": request_object})
    if len(payload) >= MAX_BY_VALUE_PAYLOAD:
        raise RequestTooLarge(f"the request is {len(payload)} characters by value (at most "
                              f"{MAX_BY_VALUE_PAYLOAD - 1}); pass it by reference")
    return payload


@dataclass(frozen=True)
class RequestSigner:
    """Who signs Request Objects: a key, the Client Identifier it authenticates, and what
    the JOSE header says of the key (``kid`` or ``x5c``). Make one with :meth:`for_did` or
    :meth:`for_certificate`."""

    client_id: str
    key: SigningKey = field(repr=False)
    header: dict[str, Any] = field(repr=False)

    @classmethod
    def for_did(cls, key: SigningKey) -> RequestSigner:
        """``decentralized_identifier:<DID>`` for the DID that controls ``key``; the ``kid``
        is the key's verification method, a DID URL of that DID."""
        return cls(client_id=DID_PREFIX + key.controller, key=key,
                   header={"kid": key.verification_method})

    @classmethod
    def for_certificate(cls, key: SigningKey, chain: list[x509.Certificate],
                        dns_name: str) -> RequestSigner:
        """``x509_san_dns:<dns_name>`` for the certificate ``chain`` (leaf first) of ``key``.

        Raises ``ValueError`` when ``key`` is not the leaf's key or the leaf does not list
        ``dns_name`` as a ``dNSName``.
        """
        check_key_matches(chain, key)
        name = dns_name.lower()
        if name not in dns_names(chain[0]):
            raise ValueError(f"the certificate does not name {name} in its subjectAltName")
        return cls(client_id=X509_SAN_DNS_PREFIX + name, key=key,
                   header={"x5c": x5c_header(chain)})

    def sign(self, claims: Mapping[str, Any]) -> str:
        """The signed Request Object (a JWS of typ ``oauth-authz-req+jwt``) of ``claims``."""
        header = {"alg": self.key.jose_alg, "typ": REQUEST_OBJECT_TYP, **self.header}
        return sign_compact(header, dict(claims), self.key)


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
    signed_request: str | None = None
    by_value: bool = False

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
        """The Request Object: the signed one made with the request, else an unsigned JWT
        (``redirect_uri:``)."""
        return self.signed_request or unsigned_request_object(self.claims())

    def qr_payload(self) -> str:
        """What the QR code holds: the request by value or by reference (see above)."""
        if self.by_value:
            return by_value_payload(self.client_id, self.request_object())
        return qr_payload(self.client_id, self.request_uri)

    def to_json(self) -> dict[str, Any]:
        """The stored form (secrets included: keep it server-side)."""
        return {
            "request_id": self.request_id, "transaction_id": self.transaction_id,
            "client_id": self.client_id, "response_uri": self.response_uri,
            "request_uri": self.request_uri, "nonce": self.nonce, "state": self.state,
            "dcql_query": self.dcql_query, "client_metadata": self.client_metadata,
            "issued_at": timestamp(self.issued_at), "expires_at": timestamp(self.expires_at),
            "signed_request": self.signed_request, "by_value": self.by_value,
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
    signer: RequestSigner | None = None,
    by_value: bool = False,
    lifetime: timedelta = DEFAULT_LIFETIME,
    now: datetime | None = None,
) -> AuthorizationRequest:
    """Create and store a presentation request; show ``request.qr_payload()`` to the holder
    and keep ``request.transaction_id`` in the verifier page's session.

    Without ``signer`` the Client Identifier is ``redirect_uri:`` and the Request Object is
    unsigned; with one, it is the signer's (``decentralized_identifier:`` or
    ``x509_san_dns:``, whose name must then be the base URL's host) and the Request Object is
    signed. ``by_value`` puts the Request Object in the link; :class:`RequestTooLarge` (a
    ``ValueError``) when that link would be too long.

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
    client_id = client_id_for(response) if signer is None else signer.client_id
    if client_id.startswith(X509_SAN_DNS_PREFIX) and \
            client_id.removeprefix(X509_SAN_DNS_PREFIX) != urlsplit(response).hostname:
        # Wallets hold the Response URI's host to the certificate's name.
        raise ValueError("the certificate's DNS name must be the verifier base URL's host")
    request_id = new_secret(16)
    request = AuthorizationRequest(
        request_id=request_id, transaction_id=new_secret(32),
        client_id=client_id, response_uri=response,
        request_uri=request_uri(base_url, request_id), nonce=new_secret(16),
        state=new_secret(16), dcql_query=query,
        client_metadata=dict(client_metadata) if client_metadata is not None else {
            "vp_formats_supported": DEFAULT_VP_FORMATS},
        issued_at=when, expires_at=when + lifetime, by_value=by_value)
    if signer is not None:
        request = replace(request, signed_request=signer.sign(request.claims()))
    request.qr_payload()  # Fails early when the link is too long for a QR code.
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

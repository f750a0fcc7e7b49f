"""The wallet side of OpenID4VCI 1.0: accept a pre-authorized Credential Offer.

::

    resolved = await resolve_offer(scanned_uri, fetch=fetcher.get)       # offer + metadata
    show(resolved.describe())                                            # who offers what
    issued = await accept_offer(resolved, key=holder_key, post=post, tx_code=pin)
    report = await vcbadges.verify(issued.credential, ...)               # the caller's job
    if report.verified and issued.bound_to(holder_key.controller): store(issued.credential)

All network access goes through the injected ``fetch`` (GET) and ``post`` callables (see
:class:`~vcbadges.oid4vci._util.Fetch` and :class:`~vcbadges.oid4vci._util.Post`); pass
``SafeFetcher.get`` as ``fetch`` so that every URL taken from an offer is read under the
SSRF policy. URLs the wallet *sends* data to (the token, nonce and credential endpoints) are
checked here too: https only, plain http only for ``allow_http_hosts`` (pass the fetcher
policy's ``allow_http_hosts``) and for the URLs ``http_allowed`` accepts (a wallet inside a
service passes one that accepts exactly that service's own origin, which it reaches without
loosening its fetch policy).

The offer is untrusted input ("Credential Offer" security considerations): its issuer is
checked against the metadata fetched from that issuer's own well-known URL, and nothing is
sent anywhere the metadata does not name. **The credential returned is not verified here**:
the caller must run :func:`vcbadges.verify` on it (and check that its subject is the
holder's DID) before storing it.

Errors are ``ProtocolError``: ``invalid_request`` for an unusable offer URI, offer or
metadata (and for a missing PIN); an issuer's own error code (``invalid_grant`` for a wrong
PIN, ``invalid_proof``, ...) when the issuer refuses; ``invalid_response`` (status 502) for
an issuer answer that is not what the spec says. ``FetchError`` from ``fetch`` propagates.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from vcbadges.errors import JSONInputError, ProtocolError
from vcbadges.oauth.common import (
    Fetch,
    HttpAllowed,
    HTTPResponse,
    Post,
    current,
    strict_json,
    timestamp,
    wallet_url,
)
from vcbadges.oid4vci.credential import PROOF_TYP, names_subject
from vcbadges.oid4vci.metadata import (
    PRE_AUTHORIZED_GRANT,
    authorization_server_metadata_url,
    credential_issuer_metadata_url,
)
from vcbadges.oid4vci.offers import CREDENTIAL_DISPLAY
from vcbadges.primitives.jsonlimits import loads_strict
from vcbadges.primitives.keys import SigningKey
from vcbadges.proofs import _jws

__all__ = [
    "OfferReference",
    "ResolvedOffer",
    "IssuedCredential",
    "parse_offer_uri",
    "resolve_offer",
    "request_token",
    "request_nonce",
    "build_key_proof",
    "request_credential",
    "accept_offer",
]

_SCHEMES = ("openid-credential-offer", "https", "http")

#: Says whether a URL may be used over plain http beyond ``allow_http_hosts``.


def _invalid(description: str) -> ProtocolError:
    return ProtocolError("invalid_request", description)


def _bad_response(description: str) -> ProtocolError:
    return ProtocolError("invalid_response", description, status=502)


@dataclass(frozen=True)
class OfferReference:
    """A scanned offer URI: the offer itself (by value) or the https URL to fetch it from."""

    offer: dict[str, Any] | None = None
    offer_uri: str | None = None


def parse_offer_uri(uri: str, *, allow_http_hosts: Collection[str] = (),
                    http_allowed: HttpAllowed | None = None) -> OfferReference:
    """Read an ``openid-credential-offer://`` URI (or an https link with the same query).

    Exactly one of ``credential_offer`` (the JSON, "Sending Credential Offer by Value") and
    ``credential_offer_uri`` (an https URL, "Sending Credential Offer by Reference") must be
    present. Raises ``ProtocolError("invalid_request")``.
    """
    if not isinstance(uri, str):
        raise _invalid("the offer URI must be a string")
    parts = urlsplit(uri.strip())
    if parts.scheme.lower() not in _SCHEMES:
        raise _invalid("not a credential offer URI")
    query = parse_qs(parts.query, keep_blank_values=True)
    by_value, by_reference = query.get("credential_offer"), query.get("credential_offer_uri")
    if bool(by_value) == bool(by_reference):
        raise _invalid("a credential offer URI needs exactly one of credential_offer and "
                       "credential_offer_uri")
    if by_value:
        if len(by_value) != 1:
            raise _invalid("credential_offer is repeated")
        offer = strict_json(by_value[0], error="invalid_request", what="credential_offer")
        if not isinstance(offer, dict):
            raise _invalid("credential_offer is not a JSON object")
        return OfferReference(offer=offer)
    assert by_reference is not None
    if len(by_reference) != 1:
        raise _invalid("credential_offer_uri is repeated")
    return OfferReference(offer_uri=wallet_url(by_reference[0], "credential_offer_uri",
                                         allow_http_hosts, http_allowed))


def _first_display(value: Any) -> dict[str, Any] | None:
    """The first display object of a ``display`` array (the wallet shows one language)."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return None


@dataclass(frozen=True)
class ResolvedOffer:
    """An offer checked against its issuer's metadata, ready to accept."""

    offer: dict[str, Any]
    credential_issuer: str
    issuer_metadata: dict[str, Any]
    token_endpoint: str
    credential_endpoint: str
    nonce_endpoint: str | None
    pre_authorized_code: str = field(repr=False)
    tx_code: dict[str, Any] | None
    configurations: dict[str, dict[str, Any]]

    def describe(self) -> dict[str, Any]:
        """What to show the holder: the issuer, the credentials offered, the PIN to ask for.

        A credential's ``name``, ``description`` and ``logo`` come from the offer's
        ``credential_display`` for its configuration (the one badge offered) when there is
        one, else from the configuration's ``credential_metadata.display`` in the issuer
        metadata (the kind of credential). Both are the issuer's word, not checked: the
        values are as received, for the caller to clean before showing them.
        """
        display = self.issuer_metadata.get("display")
        name = None
        if isinstance(display, list) and display and isinstance(display[0], dict):
            name = display[0].get("name")
        offered = self.offer.get(CREDENTIAL_DISPLAY)
        offered = offered if isinstance(offered, dict) else {}
        credentials = []
        for cid, config in self.configurations.items():
            meta = config.get("credential_metadata")
            first = _first_display(offered.get(cid)) or _first_display(
                meta.get("display") if isinstance(meta, dict) else None) or {}
            logo = first.get("logo")
            definition = config.get("credential_definition")
            credentials.append({
                "credential_configuration_id": cid,
                "format": config.get("format"),
                "name": first.get("name"),
                "description": first.get("description"),
                "logo": logo if isinstance(logo, dict) else None,
                "type": definition.get("type") if isinstance(definition, dict) else None,
            })
        return {
            "credential_issuer": self.credential_issuer,
            "issuer_name": name if isinstance(name, str) else None,
            "credentials": credentials,
            "tx_code": self.tx_code,
            "token_endpoint_host": urlsplit(self.token_endpoint).hostname,
        }


@dataclass(frozen=True)
class IssuedCredential:
    """A credential as the issuer returned it: **not verified**."""

    credential_issuer: str
    configuration_id: str
    format: str
    credential: dict[str, Any] | str

    def bound_to(self, holder: str) -> bool:
        """True when the credential (read without verifying) names ``holder`` as its subject:
        a cheap check to run beside :func:`vcbadges.verify`, not instead of it."""
        return names_subject(self.credential, holder)


def _json_of(response: HTTPResponse, what: str) -> Any:
    content_type = response.headers.get("content-type", "application/json")
    if "json" not in content_type.split(";", 1)[0].lower():
        raise _bad_response(f"{what} is not application/json")
    return strict_json(response.body, error="invalid_response", what=what, status=502)


async def _get_json(fetch: Fetch, url: str, what: str) -> Any:
    response = await fetch(url, accept="application/json")
    if not 200 <= response.status < 300:
        raise _bad_response(f"{what} could not be read (HTTP {response.status})")
    return _json_of(response, what)


def _string_list(value: Any) -> list[str] | None:
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return list(value)
    return None


def _check_offer(offer: Any, allow_http_hosts: Collection[str],
                 http_allowed: HttpAllowed | None) -> tuple[str, str, Any]:
    """The issuer, pre-authorized code and tx_code object of a Credential Offer object."""
    if not isinstance(offer, dict):
        raise _invalid("the credential offer is not a JSON object")
    issuer = wallet_url(offer.get("credential_issuer"), "credential_issuer", allow_http_hosts,
                  http_allowed)
    if urlsplit(issuer).query:
        raise _invalid("credential_issuer must not have a query")
    ids = _string_list(offer.get("credential_configuration_ids"))
    if ids is None or len(set(ids)) != len(ids):
        raise _invalid("credential_configuration_ids must be a non-empty array of unique "
                       "strings")
    grants = offer.get("grants")
    grant = grants.get(PRE_AUTHORIZED_GRANT) if isinstance(grants, dict) else None
    if not isinstance(grant, dict):
        raise _invalid("the offer has no pre-authorized code grant (the only one supported)")
    code = grant.get("pre-authorized_code")
    if not isinstance(code, str) or not code:
        raise _invalid("the offer's pre-authorized_code is missing")
    tx_code = grant.get("tx_code")
    if tx_code is not None and not isinstance(tx_code, dict):
        raise _invalid("tx_code must be an object")
    return issuer, code, tx_code


async def _token_endpoint(
    fetch: Fetch, metadata: dict[str, Any], issuer: str, grant: dict[str, Any],
    allow_http_hosts: Collection[str], http_allowed: HttpAllowed | None,
) -> str:
    """The token endpoint, from the metadata of the Authorization Server the issuer names."""
    servers = metadata.get("authorization_servers")
    if servers is None:
        server = issuer
    else:
        listed = _string_list(servers)
        if listed is None:
            raise _invalid("authorization_servers must be a non-empty array of strings")
        hint = grant.get("authorization_server")
        if hint is not None and hint not in listed:
            raise _invalid("the offer's authorization_server is not one the issuer lists")
        server = hint if isinstance(hint, str) else listed[0]
    server = wallet_url(server, "the authorization server", allow_http_hosts, http_allowed)
    as_metadata = await _get_json(fetch, authorization_server_metadata_url(server),
                                  "the authorization server metadata")
    if not isinstance(as_metadata, dict) or as_metadata.get("issuer") != server:
        raise _invalid("the authorization server metadata is not that of "
                       f"{server} (issuer differs)")
    grant_types = as_metadata.get("grant_types_supported")
    if isinstance(grant_types, list) and PRE_AUTHORIZED_GRANT not in grant_types:
        raise _invalid("the authorization server does not support the pre-authorized code "
                       "grant")
    return wallet_url(as_metadata.get("token_endpoint"), "token_endpoint", allow_http_hosts,
                http_allowed)


async def resolve_offer(
    uri: str, *, fetch: Fetch, allow_http_hosts: Collection[str] = (),
    http_allowed: HttpAllowed | None = None,
) -> ResolvedOffer:
    """Read the offer behind ``uri`` and its issuer's metadata, and check them.

    Fetches the offer (when by reference), the Credential Issuer Metadata at the issuer's
    well-known URL ("Credential Issuer Metadata Retrieval"; its ``credential_issuer`` must
    equal the offer's, compared as strings) and the Authorization Server metadata (RFC 8414).
    Every offered configuration must be in the metadata.
    """
    reference = parse_offer_uri(uri, allow_http_hosts=allow_http_hosts,
                                http_allowed=http_allowed)
    offer: Any = reference.offer
    if reference.offer_uri is not None:
        offer = await _get_json(fetch, reference.offer_uri, "the credential offer")
    issuer, code, tx_code = _check_offer(offer, allow_http_hosts, http_allowed)
    metadata = await _get_json(fetch, credential_issuer_metadata_url(issuer),
                               "the credential issuer metadata")
    if not isinstance(metadata, dict) or metadata.get("credential_issuer") != issuer:
        raise _invalid("the issuer metadata does not belong to the offer's credential_issuer")
    credential_endpoint = wallet_url(metadata.get("credential_endpoint"), "credential_endpoint",
                               allow_http_hosts, http_allowed)
    nonce_endpoint = metadata.get("nonce_endpoint")
    if nonce_endpoint is not None:
        nonce_endpoint = wallet_url(nonce_endpoint, "nonce_endpoint", allow_http_hosts,
                                    http_allowed)
    supported = metadata.get("credential_configurations_supported")
    if not isinstance(supported, dict):
        raise _invalid("the issuer metadata has no credential_configurations_supported")
    configurations: dict[str, dict[str, Any]] = {}
    for cid in offer["credential_configuration_ids"]:
        config = supported.get(cid)
        if not isinstance(config, dict):
            raise _invalid(f"the offered configuration {cid!r} is not in the issuer metadata")
        configurations[cid] = config
    grant = offer["grants"][PRE_AUTHORIZED_GRANT]
    token_url = await _token_endpoint(fetch, metadata, issuer, grant, allow_http_hosts,
                                      http_allowed)
    return ResolvedOffer(
        offer=offer, credential_issuer=issuer, issuer_metadata=metadata,
        token_endpoint=token_url, credential_endpoint=credential_endpoint,
        nonce_endpoint=nonce_endpoint, pre_authorized_code=code, tx_code=tx_code,
        configurations=configurations)


def _refused(response: HTTPResponse, what: str) -> ProtocolError:
    """The issuer's error response as a ``ProtocolError`` with the issuer's own code."""
    try:
        body = loads_strict(response.body)
    except JSONInputError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, str) or not error:
        return _bad_response(f"{what} failed (HTTP {response.status})")
    description = body.get("error_description") if isinstance(body, dict) else None
    message = f"{what} was refused: {error}"
    if isinstance(description, str) and description:
        message += f" ({description})"
    return ProtocolError(error, message, status=400 if response.status < 500 else 502)


async def request_token(
    resolved: ResolvedOffer, *, post: Post, tx_code: str | None = None
) -> dict[str, Any]:
    """Redeem the pre-authorized code at the token endpoint ("Token Request"); return the
    Token Response. A PIN is required exactly when the offer has a ``tx_code`` object."""
    if resolved.tx_code is not None and tx_code is None:
        raise _invalid("this offer needs the transaction code (PIN) the issuer sent you")
    form = {"grant_type": PRE_AUTHORIZED_GRANT,
            "pre-authorized_code": resolved.pre_authorized_code}
    if resolved.tx_code is not None and tx_code is not None:
        form["tx_code"] = tx_code
    response = await post(resolved.token_endpoint, form=form)
    if response.status != 200:
        raise _refused(response, "the token request")
    body = _json_of(response, "the token response")
    if (not isinstance(body, dict) or not isinstance(body.get("access_token"), str)
            or str(body.get("token_type", "")).lower() != "bearer"):
        raise _bad_response("the token response has no Bearer access_token")
    return body


async def request_nonce(resolved: ResolvedOffer, *, post: Post) -> str | None:
    """A fresh ``c_nonce`` from the Nonce Endpoint, or None when the issuer has none."""
    if resolved.nonce_endpoint is None:
        return None
    response = await post(resolved.nonce_endpoint)
    if response.status != 200:
        raise _refused(response, "the nonce request")
    body = _json_of(response, "the nonce response")
    nonce = body.get("c_nonce") if isinstance(body, dict) else None
    if not isinstance(nonce, str) or not nonce:
        raise _bad_response("the nonce response has no c_nonce")
    return nonce


def build_key_proof(
    *, key: SigningKey, audience: str, nonce: str | None, now: datetime | None = None
) -> str:
    """A ``jwt`` key proof ("jwt Proof Type") signed by the holder ``key``.

    Header ``{"alg", "typ": "openid4vci-proof+jwt", "kid": <the key's DID URL>}``; claims
    ``aud`` (the Credential Issuer Identifier), ``iat`` and, when given, ``nonce``. No
    ``iss``: the pre-authorized flow is anonymous.
    """
    if not key.verification_method.startswith("did:"):
        raise ValueError("the holder key must name a DID URL verification method")
    claims: dict[str, Any] = {"aud": audience, "iat": timestamp(current(now))}
    if nonce is not None:
        claims["nonce"] = nonce
    header = {"alg": key.jose_alg, "typ": PROOF_TYP, "kid": key.verification_method}
    return _jws.sign_compact(header, claims, key)


async def request_credential(
    resolved: ResolvedOffer,
    *,
    post: Post,
    access_token: str,
    configuration_id: str,
    proof: str,
) -> IssuedCredential:
    """Send the Credential Request ("Credential Request") and return the credential."""
    config = resolved.configurations.get(configuration_id)
    if config is None:
        raise ValueError(f"{configuration_id!r} is not one of the offered configurations")
    response = await post(
        resolved.credential_endpoint,
        json={"credential_configuration_id": configuration_id, "proofs": {"jwt": [proof]}},
        headers={"Authorization": f"Bearer {access_token}"})
    if response.status == 202:
        raise ProtocolError("issuance_pending", "the issuer deferred issuance, which this "
                            "wallet does not support", status=502)
    if response.status != 200:
        raise _refused(response, "the credential request")
    body = _json_of(response, "the credential response")
    credentials = body.get("credentials") if isinstance(body, dict) else None
    if not isinstance(credentials, list) or len(credentials) != 1 or not isinstance(
            credentials[0], dict):
        raise _bad_response("the credential response must hold exactly one credential")
    credential = credentials[0].get("credential")
    fmt = str(config.get("format"))
    if fmt == "ldp_vc" and not isinstance(credential, dict):
        raise _bad_response("an ldp_vc credential must be a JSON object")
    if fmt == "jwt_vc_json" and not isinstance(credential, str):
        raise _bad_response("a jwt_vc_json credential must be a JWT string")
    if not isinstance(credential, (dict, str)):
        raise _bad_response("the credential is neither a JSON object nor a string")
    return IssuedCredential(credential_issuer=resolved.credential_issuer,
                            configuration_id=configuration_id, format=fmt,
                            credential=credential)


async def accept_offer(
    resolved: ResolvedOffer,
    *,
    key: SigningKey,
    post: Post,
    tx_code: str | None = None,
    configuration_id: str | None = None,
    now: datetime | None = None,
) -> IssuedCredential:
    """Run the rest of the flow: token, ``c_nonce``, key proof, credential.

    ``configuration_id`` picks one of the offered configurations (default: the first). When
    the issuer answers ``invalid_nonce`` the wallet fetches a new ``c_nonce`` and retries
    once with the same access token, as "Credential Request Errors" suggests. The credential
    is returned unverified: verify it before storing it.
    """
    chosen = configuration_id or resolved.offer["credential_configuration_ids"][0]
    if chosen not in resolved.configurations:
        raise ValueError(f"{chosen!r} is not one of the offered configurations")
    token = await request_token(resolved, post=post, tx_code=tx_code)
    access_token = str(token["access_token"])
    for attempt in range(2):
        nonce = await request_nonce(resolved, post=post)
        proof = build_key_proof(key=key, audience=resolved.credential_issuer, nonce=nonce,
                                now=now)
        try:
            return await request_credential(resolved, post=post, access_token=access_token,
                                            configuration_id=chosen, proof=proof)
        except ProtocolError as exc:
            if exc.error != "invalid_nonce" or attempt == 1:
                raise
    raise AssertionError("unreachable")

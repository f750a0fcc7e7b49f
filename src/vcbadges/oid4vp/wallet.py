"""The wallet side of OpenID4VP 1.0: read a request, show it, answer or decline it.

::

    request = await resolve_request(scanned, fetch=fetcher.get,
                                    allow_http_hosts=fetcher.policy.allow_http_hosts)
    show(request.describe())                           # who asks, for what
    candidates = request.match(stored_credentials)     # DCQL, per Credential Query id
    vp_token = await sign_presentations(request, {"openbadge_ldp_vc": [chosen]}, key=holder)
    await respond(request, vp_token, post=post)        # or: await decline(request, post=post)

What is checked before anything is shown or sent ("Authorization Request", "Client
Identifier Prefix and Verifier Metadata Management", "Response Mode direct_post"):

- the Request Object's ``typ`` is ``oauth-authz-req+jwt`` and its sender is authenticated
  as its ``client_id`` prefix requires (:mod:`vcbadges.oid4vp.client_auth`): unsigned for
  ``redirect_uri:``; signed by a key of the DID for ``decentralized_identifier:`` (resolved
  with ``resolver``); signed by the key of a certificate chain to one of
  ``x509_trust_anchors`` naming the DNS name for ``x509_san_dns:``; every other prefix is
  refused (``invalid_request``), and so are plain (JWT-less) parameters with a prefix that
  needs a signature;
- the ``client_id`` in the QR code equals the Request Object's ("Request URI Response");
- ``response_type`` is ``vp_token``, ``response_mode`` is ``direct_post``, ``response_uri``
  is present (and ``redirect_uri`` is not), is https (plain http only for
  ``allow_http_hosts`` and for the URLs ``http_allowed`` accepts: a wallet inside a service
  passes one that accepts exactly that service's own origin), and is the URL the
  ``redirect_uri:`` Client Identifier names (for ``x509_san_dns:``, its host is the
  certificate's name), so the presentation can only go to the party the holder is shown;
- a Request Object by value (``request``) is at most :data:`MAX_REQUEST_BY_VALUE` characters;
- ``nonce`` is present (and ``nonce`` and ``state`` use URL-safe characters);
- ``dcql_query`` is present and well-formed, ``scope`` is not used, and ``transaction_data``
  (unsupported) is refused with ``invalid_transaction_data`` as the spec requires;
- ``exp``, when present, has not passed.

Presentations are bound to the request: ``challenge`` = ``nonce`` and ``domain`` =
``client_id`` for Data Integrity (``ldp_vc``), ``nonce`` and ``aud`` for a VP-JWT
(``jwt_vc_json``) ("Verifiable Presentations" under "Preventing Replay").
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509

from vcbadges._api import derive, present
from vcbadges.dids.resolver import default_resolver
from vcbadges.errors import JSONInputError, ProtocolError, VCBadgesError
from vcbadges.jsonld.loader import DocumentLoader
from vcbadges.oauth.common import (
    Fetch,
    HttpAllowed,
    HTTPResponse,
    Post,
    current,
    from_timestamp,
    strict_json,
    wallet_url,
)
from vcbadges.oid4vp.client_auth import SIGNED_PREFIXES, authenticate_request_object
from vcbadges.oid4vp.dcql import (
    Credential,
    claim_pointers,
    credential_view,
    match,
    satisfied,
    validate_query,
)
from vcbadges.oid4vp.jwt_vp import sign_presentation_jwt
from vcbadges.oid4vp.request import CLIENT_ID_PREFIX, X509_SAN_DNS_PREFIX
from vcbadges.primitives.jsonlimits import loads_strict
from vcbadges.primitives.keys import SigningKey
from vcbadges.proofs import _jws
from vcbadges.proofs.derive import base_proof_of
from vcbadges.proofs.jose import token_from_envelope

__all__ = [
    "PresentationRequest",
    "parse_request_uri",
    "MAX_REQUEST_BY_VALUE",
    "validate_request",
    "resolve_request",
    "build_vp_token",
    "sign_presentations",
    "respond",
    "decline",
]

_URL_SAFE = re.compile(r"[A-Za-z0-9._~-]+")
_SCHEMES = ("openid4vp", "https", "http")
_JSON_PARAMS = ("dcql_query", "client_metadata")
#: The longest Request Object read by value: far above what a QR code holds, far below what
#: would be costly to parse.
MAX_REQUEST_BY_VALUE = 16 * 1024

# Says whether a URL may be used over plain http beyond ``allow_http_hosts``.


def _invalid(description: str, error: str = "invalid_request") -> ProtocolError:
    return ProtocolError(error, description)


@dataclass(frozen=True)
class PresentationRequest:
    """A validated Authorization Request, ready to show the holder and to answer."""

    client_id: str
    response_uri: str
    nonce: str
    state: str | None
    dcql_query: dict[str, Any]
    client_metadata: dict[str, Any]
    request_uri: str | None = None

    @property
    def verifier_host(self) -> str:
        """The host the presentation goes to: what the holder should recognise."""
        return urlsplit(self.response_uri).hostname or ""

    def describe(self) -> dict[str, Any]:
        """Who asks for what, for the consent screen.

        ``verifier`` is identified by its Client Identifier: ``prefix`` says how it was
        authenticated (``redirect_uri``: only by its Response URI; ``decentralized_identifier``:
        by a signature of the DID ``identifier``; ``x509_san_dns``: by a certificate for the
        DNS name ``identifier``); ``credentials`` lists each Credential Query with its
        format, accepted types (expanded IRIs), claims and values, and whether several
        credentials may be sent; ``credential_sets`` lists the alternatives, if any.
        """
        prefix, _, identifier = self.client_id.partition(":")
        credentials = []
        for query in self.dcql_query["credentials"]:
            meta = query.get("meta") or {}
            credentials.append({
                "id": query["id"],
                "format": query["format"],
                "type_values": meta.get("type_values"),
                "claims": [{"path": c["path"], **({"values": c["values"]} if "values" in c
                                                  else {})}
                           for c in query.get("claims", [])],
                "multiple": bool(query.get("multiple", False)),
            })
        out: dict[str, Any] = {
            "verifier": {"client_id": self.client_id, "prefix": prefix,
                         "identifier": identifier, "response_uri": self.response_uri,
                         "host": self.verifier_host},
            "credentials": credentials,
        }
        if "credential_sets" in self.dcql_query:
            out["credential_sets"] = self.dcql_query["credential_sets"]
        return out

    def match(self, credentials: Iterable[Credential]) -> dict[str, list[Credential]]:
        """The stored credentials that satisfy each Credential Query (see ``dcql.match``)."""
        return match(self.dcql_query, credentials)

    def can_answer(self, matches: Mapping[str, Sequence[Any]]) -> bool:
        """True when the queries with at least one match satisfy the request."""
        return satisfied(self.dcql_query, [qid for qid, found in matches.items() if found])

    def presentation_options(self) -> dict[str, str]:
        """``challenge`` and ``domain`` for :func:`vcbadges.present`."""
        return {"challenge": self.nonce, "domain": self.client_id}


def parse_request_uri(uri: str) -> dict[str, str]:
    """The query parameters of an ``openid4vp://`` URI (or an https link carrying one).

    Raises ``ProtocolError("invalid_request")`` for another scheme or a repeated parameter.
    """
    if not isinstance(uri, str):
        raise _invalid("the request URI must be a string")
    parts = urlsplit(uri.strip())
    if parts.scheme.lower() not in _SCHEMES:
        raise _invalid("not an OpenID4VP request URI")
    params: dict[str, str] = {}
    for name, values in parse_qs(parts.query, keep_blank_values=True).items():
        if len(values) != 1:
            raise _invalid(f"the parameter {name} is repeated")
        params[name] = values[0]
    if not params:
        raise _invalid("the request URI carries no request")
    return params


def _params_from_query(params: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = dict(params)
    for name in _JSON_PARAMS:
        if name in out:
            out[name] = strict_json(out[name], error="invalid_request", what=name)
    return out


def validate_request(
    params: Mapping[str, Any],
    *,
    expected_client_id: str | None = None,
    allow_http_hosts: Collection[str] = (),
    http_allowed: HttpAllowed | None = None,
    request_uri: str | None = None,
    authenticated: bool = False,
    now: datetime | None = None,
) -> PresentationRequest:
    """Check Authorization Request parameters (see the module docstring) and return them.

    ``authenticated`` says the parameters come from a Request Object whose signature
    :func:`~vcbadges.oid4vp.client_auth.authenticate_request_object` accepted for a prefix
    that needs one; without it only ``redirect_uri:`` is accepted. Raises ``ProtocolError``
    with ``invalid_request``, ``invalid_transaction_data``, ``invalid_request_uri_method`` or
    ``vp_formats_not_supported``.
    """
    client_id = params.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise _invalid("client_id is missing")
    if expected_client_id is not None and client_id != expected_client_id:
        raise _invalid("the client_id of the request object differs from the one in the link")
    signed_prefix = client_id.startswith(SIGNED_PREFIXES)
    if not client_id.startswith(CLIENT_ID_PREFIX) and not (signed_prefix and authenticated):
        raise _invalid("the client identifier prefix is not supported unsigned: only "
                       "redirect_uri, or a signed request object")
    if params.get("response_type") != "vp_token":
        raise _invalid("response_type must be vp_token")
    if params.get("response_mode") != "direct_post":
        raise _invalid("response_mode must be direct_post")
    if "redirect_uri" in params:
        raise _invalid("redirect_uri must not be present with direct_post")
    response_uri = wallet_url(params.get("response_uri"), "response_uri", allow_http_hosts,
                        http_allowed)
    if client_id.startswith(CLIENT_ID_PREFIX) and client_id != CLIENT_ID_PREFIX + response_uri:
        raise _invalid("client_id does not name the response_uri (redirect_uri prefix)")
    if client_id.startswith(X509_SAN_DNS_PREFIX) and \
            client_id.removeprefix(X509_SAN_DNS_PREFIX) != urlsplit(response_uri).hostname:
        raise _invalid("the response_uri host is not the certificate's name (x509_san_dns)")
    nonce = params.get("nonce")
    if not isinstance(nonce, str) or not _URL_SAFE.fullmatch(nonce):
        raise _invalid("nonce is missing or has characters other than URL-safe ones")
    state = params.get("state")
    if state is not None and (not isinstance(state, str) or not _URL_SAFE.fullmatch(state)):
        raise _invalid("state has characters other than URL-safe ones")
    method = params.get("request_uri_method")
    if method is not None and method not in ("get", "post"):
        raise _invalid("request_uri_method must be get or post", "invalid_request_uri_method")
    if "transaction_data" in params:
        raise _invalid("transaction_data is not supported by this wallet",
                       "invalid_transaction_data")
    if "scope" in params and "dcql_query" in params:
        raise _invalid("dcql_query and scope must not both be present")
    if "dcql_query" not in params:
        raise _invalid("the request has no dcql_query (scope-based requests are not "
                       "supported)")
    query = validate_query(params["dcql_query"])
    metadata = params.get("client_metadata", {})
    if not isinstance(metadata, dict):
        raise _invalid("client_metadata must be a JSON object")
    formats = metadata.get("vp_formats_supported")
    if isinstance(formats, dict) and not {"ldp_vc", "jwt_vc_json"} & formats.keys():
        raise _invalid("the verifier accepts none of the formats this wallet presents",
                       "vp_formats_not_supported")
    exp = params.get("exp")
    if isinstance(exp, (int, float)) and not isinstance(exp, bool):
        if from_timestamp(exp) <= current(now):
            raise _invalid("the request has expired")
    return PresentationRequest(client_id=client_id, response_uri=response_uri, nonce=nonce,
                               state=state, dcql_query=query, client_metadata=metadata,
                               request_uri=request_uri)


async def resolve_request(
    uri: str,
    *,
    fetch: Fetch,
    allow_http_hosts: Collection[str] = (),
    http_allowed: HttpAllowed | None = None,
    resolver: Any = None,
    x509_trust_anchors: Sequence[x509.Certificate] = (),
    now: datetime | None = None,
) -> PresentationRequest:
    """Read the request an ``openid4vp://`` URI carries, by reference (``request_uri``,
    fetched with ``fetch``) or by value (``request`` or plain parameters), authenticate its
    sender and validate it.

    ``resolver`` resolves the DIDs of ``decentralized_identifier:`` verifiers (default:
    did:key and did:jwk, offline); ``x509_trust_anchors`` are the certificates trusted for
    ``x509_san_dns:`` verifiers (default none, so those requests are refused).

    ``request_uri`` is fetched with GET whatever ``request_uri_method`` says (a wallet that
    does not support ``post`` may do so, "New Parameters"). ``FetchError`` from ``fetch``
    propagates; an HTTP error from the Request URI ends processing ("Request URI Error
    Response").
    """
    outer = parse_request_uri(uri)
    when = current(now)

    async def validated(token: str, url: str | None) -> PresentationRequest:
        _, claims = await authenticate_request_object(
            token, resolver=resolver or default_resolver(), trust_anchors=x509_trust_anchors,
            now=when)
        return validate_request(claims, expected_client_id=expected,
                                allow_http_hosts=allow_http_hosts, http_allowed=http_allowed,
                                request_uri=url, now=when,
                                authenticated=not claims["client_id"].startswith(
                                    CLIENT_ID_PREFIX))

    expected = outer.get("client_id")
    reference = outer.get("request_uri")
    if (reference is not None or "request" in outer) and not expected:
        raise _invalid("client_id is missing beside the request object")
    if reference is not None:
        if "request" in outer:
            raise _invalid("request and request_uri must not both be present")
        url = wallet_url(reference, "request_uri", allow_http_hosts, http_allowed)
        response = await fetch(url, accept="application/oauth-authz-req+jwt")
        if not 200 <= response.status < 300:
            raise _invalid(f"the request object could not be read (HTTP {response.status})",
                           "invalid_request_uri")
        try:
            text = response.body.decode("ascii")
        except UnicodeDecodeError as exc:
            raise _invalid("the request object is not a JWT") from exc
        return await validated(text, url)
    if "request" in outer:
        if len(outer["request"]) > MAX_REQUEST_BY_VALUE:
            raise _invalid(f"the request object by value is longer than "
                           f"{MAX_REQUEST_BY_VALUE} characters")
        return await validated(outer["request"], None)
    return validate_request(_params_from_query(outer), allow_http_hosts=allow_http_hosts,
                            http_allowed=http_allowed, now=now)


def _check_binding(request: PresentationRequest, fmt: str, presentation: Any) -> None:
    """A presentation must be of the query's format and bound to this request."""
    if fmt == "ldp_vc":
        if not isinstance(presentation, dict):
            raise ValueError("an ldp_vc presentation is a JSON object")
        proofs = presentation.get("proof")
        for proof in proofs if isinstance(proofs, list) else [proofs]:
            if not isinstance(proof, dict) or proof.get("challenge") != request.nonce or \
                    proof.get("domain") != request.client_id:
                raise ValueError("the presentation's proof must have challenge = nonce and "
                                 "domain = client_id")
    elif fmt == "jwt_vc_json":
        if not isinstance(presentation, str):
            raise ValueError("a jwt_vc_json presentation is a VP-JWT string")
        try:
            claims = _jws.parse_compact(presentation).claims
        except VCBadgesError as exc:
            raise ValueError("a jwt_vc_json presentation is a VP-JWT string") from exc
        if claims.get("nonce") != request.nonce or claims.get("aud") != request.client_id:
            raise ValueError("the VP-JWT must have nonce = nonce and aud = client_id")
    else:
        raise ValueError(f"format {fmt!r} is not supported")


def build_vp_token(
    request: PresentationRequest, presentations: Mapping[str, Sequence[dict[str, Any] | str]]
) -> dict[str, list[dict[str, Any] | str]]:
    """The ``vp_token`` for signed ``presentations`` keyed by Credential Query id.

    Checks what the caller controls ("Response Parameters"): every id is one of the
    request's, one presentation per query unless ``multiple``, each presentation of the
    query's format and bound to this request, and the ids together satisfy the request.
    Raises ``ValueError`` otherwise.
    """
    queries = {q["id"]: q for q in request.dcql_query["credentials"]}
    token: dict[str, list[dict[str, Any] | str]] = {}
    for qid, items in presentations.items():
        query = queries.get(qid)
        if query is None:
            raise ValueError(f"{qid!r} is not a Credential Query of this request")
        if not items or (len(items) > 1 and not query.get("multiple", False)):
            raise ValueError(f"{qid}: one presentation (several only when multiple is true)")
        for item in items:
            _check_binding(request, query["format"], item)
        token[qid] = list(items)
    if not satisfied(request.dcql_query, token.keys()):
        raise ValueError("these presentations do not satisfy the request")
    return token


async def sign_presentations(
    request: PresentationRequest,
    selection: Mapping[str, Sequence[Credential]],
    *,
    key: SigningKey,
    loader: DocumentLoader | None = None,
    now: datetime | None = None,
) -> dict[str, list[dict[str, Any] | str]]:
    """Sign one presentation per Credential Query with the holder ``key`` and return the
    ``vp_token``: a Data Integrity presentation (:func:`vcbadges.present`, challenge = nonce,
    domain = client_id) for ``ldp_vc``, a VP-JWT (nonce, aud = client_id) for
    ``jwt_vc_json``. ``selection`` maps query ids to the stored credentials the holder chose.

    A credential with an ecdsa-sd-2023 base proof is never sent as it is: the presentation
    carries a derivation disclosing the issuer's mandatory claims and the claims the query
    asks for, nothing else (:func:`_disclosed`).
    """
    queries = {q["id"]: q for q in request.dcql_query["credentials"]}
    signed: dict[str, list[dict[str, Any] | str]] = {}
    for qid, chosen in selection.items():
        query = queries.get(qid)
        if query is None:
            raise ValueError(f"{qid!r} is not a Credential Query of this request")
        views = [credential_view(c) for c in chosen]
        if not chosen or any(v is None or v[0] != query["format"] for v in views):
            raise ValueError(f"{qid}: every credential must be of format {query['format']}")
        if query["format"] == "ldp_vc":
            documents = [await _disclosed(json.loads(c) if isinstance(c, str) else dict(c),
                                          query, loader)
                         for c in chosen]
            signed[qid] = [await present(documents, key=key, loader=loader, now=now,
                                         **request.presentation_options())]
        else:
            tokens = [c if isinstance(c, str) else token_from_envelope(c) or "" for c in chosen]
            signed[qid] = [sign_presentation_jwt(tokens, key=key, nonce=request.nonce,
                                                 audience=request.client_id, now=now)]
    return build_vp_token(request, signed)


async def _disclosed(
    document: dict[str, Any], query: Mapping[str, Any], loader: DocumentLoader | None
) -> dict[str, Any]:
    """What of ``document`` a verifier asking ``query`` gets: all of a credential with a plain
    proof; of a selectively disclosable one, its mandatory claims plus the claims asked for."""
    if base_proof_of(document) is None:
        return document
    return await derive(document, claim_pointers(document, query.get("claims", [])),
                        loader=loader)


def _verifier_reply(response: HTTPResponse) -> dict[str, Any]:
    if response.status != 200:
        error = None
        try:
            body = loads_strict(response.body)
            error = body.get("error") if isinstance(body, dict) else None
        except JSONInputError:
            pass
        raise ProtocolError(error if isinstance(error, str) and error else "invalid_response",
                            f"the verifier refused the response (HTTP {response.status})",
                            status=502)
    if not response.body.strip():
        return {}
    reply = strict_json(response.body, error="invalid_response", what="the verifier's reply",
                        status=502)
    return reply if isinstance(reply, dict) else {}


async def respond(
    request: PresentationRequest,
    vp_token: Mapping[str, Sequence[dict[str, Any] | str]],
    *,
    post: Post,
) -> dict[str, Any]:
    """POST ``vp_token`` and ``state`` to the Response URI (``direct_post``) and return the
    verifier's JSON reply; follow its ``redirect_uri``, if any, in the user agent."""
    form = {"vp_token": json.dumps(dict(vp_token), separators=(",", ":"))}
    if request.state is not None:
        form["state"] = request.state
    return _verifier_reply(await post(request.response_uri, form=form))


async def decline(
    request: PresentationRequest,
    *,
    post: Post,
    error: str = "access_denied",
    description: str | None = None,
) -> dict[str, Any]:
    """Tell the verifier the holder said no (or the wallet has nothing to show): an
    Authorization Error Response with ``error`` (``access_denied`` by default, "Error
    Response") posted to the Response URI."""
    form = {"error": error}
    if description:
        form["error_description"] = description
    if request.state is not None:
        form["state"] = request.state
    return _verifier_reply(await post(request.response_uri, form=form))

"""The verifier side of OpenID4VP 1.0 (DCQL, ``direct_post``): the employer page's API.

Routes on the ``/verifier`` sub-application (:func:`add_oid4vp_routes`):

=============================================  ==============================================
``POST /verifier/requests``                    ``{"achievement"?, "issuer"?,
                                               "clientIdPrefix"?, "byValue"?}`` →
                                               ``201 {"transactionId", "requestId",
                                               "clientId", "qrPayload", "qrSvg",
                                               "expiresAt"}``
``GET /verifier/requests/{request_id}/qr.svg`` the QR code of ``qrPayload``
``GET /verifier/oid4vp/requests/{request_id}`` the Request Object
                                               (``application/oauth-authz-req+jwt``)
``POST /verifier/oid4vp/response``             the wallet's ``direct_post`` (form) → ``200 {}``
``GET /verifier/results/{transaction_id}``     ``{"status": "pending"}`` or ``{"status":
                                               "done", "result": ...}``
=============================================  ==============================================

The verifier's base URL for the protocol core is ``{public}/verifier/oid4vp``: the Response
URI is ``{public}/verifier/oid4vp/response``. The Client Identifier depends on
``clientIdPrefix`` (see :mod:`vcbadges.oid4vp.request`):

- ``redirect_uri`` (the default; public): ``redirect_uri:{public}/verifier/oid4vp/response``,
  an unsigned Request Object, which vcbadges's own wallet reads;
- ``decentralized_identifier`` (needs a tenant's API key): the tenant's DID, the Request
  Object signed with the tenant's signing key, ``kid`` its verification method;
- ``x509_san_dns`` (public, when the service has a verifier certificate,
  ``VCBADGES_VERIFIER_CERT_FILE`` and ``VCBADGES_VERIFIER_KEY_FILE``): the host of the public
  URL, which the certificate must name, the Request Object signed with the certificate's key
  and the chain in ``x5c``; ``400 x509-not-configured`` without a certificate.

``byValue: true`` puts the Request Object in ``qrPayload`` instead of a ``request_uri``;
``400 request-too-large`` when that link would not fit a QR code. Request objects and
responses answer errors in the spec's shape with ``Cache-Control: no-store``.

``transactionId`` is the secret of the page that created the request (never in the QR code
or the request object); the result it reads is ``PresentationResult.to_json()``, where each
credential report whose issuer signed it carries a ``display`` block (name, issuer, image,
achievement, criteria, evidence; see :func:`~vcbadges.web.display.describe_credential`) for
the page to show without parsing credentials itself. Those blocks are made once the response
is verified, from the credentials verification checked, and stored with the result; a
response refused before that stores none. A credential that is revoked, suspended or expired
but whose signature verified (its ``proof`` and ``issuer`` checks passed) has its
``display`` too, so the page can say which badge that is; the verdict stays
``verified: false``.

Responses are verified as the verifier endpoints verify (:mod:`vcbadges.web.verifying`): in
a worker process, reads made here under the verification fetch policy, so that a large
presentation does not hold the event loop. A response whose verification did not run (its
worker took more than ``Settings.verify_timeout`` or died) is still answered ``200 {}``, the
request being used up, and its result is ``verified: false`` with the problem
``verification_too_costly`` or ``verification_unavailable``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from vcbadges.errors import ProtocolError
from vcbadges.issuer.tenants import signing_key
from vcbadges.oid4vp import (
    create_request,
    handle_response,
    load_request,
    load_result,
    request_object as make_request_object,
)
from vcbadges.oid4vp.dcql import open_badge_query
from vcbadges.oid4vp.request import (
    DEFAULT_VP_FORMATS,
    REQUEST_OBJECT_MEDIA_TYPE,
    RequestSigner,
    RequestTooLarge,
)
from vcbadges.oid4vp.response import Verify
from vcbadges.oid4vp.x509 import load_chain, load_signing_key
from vcbadges.primitives.dates import format_datetime
from vcbadges.report import PresentationReport, VerificationReport
from vcbadges.web.auth import reading, require_tenant
from vcbadges.web.bodies import one_of, read_form, read_object
from vcbadges.web.display import describe_credential
from vcbadges.web.keys import (
    CERTIFICATE_SIGNER,
    CLOCK,
    KEYSTORE,
    PROTOCOL_STORE,
    RESOLVER,
    SETTINGS,
)
from vcbadges.web.oid4vci import protocol_endpoint
from vcbadges.web.problems import ProblemError
from vcbadges.web.qr import svg_response
from vcbadges.web.settings import Settings
from vcbadges.web.verifying import verify_in_workers

__all__ = [
    "ABSOLUTE_IRI_PATTERN",
    "OID4VP_PREFIX",
    "verifier_base",
    "certificate_signer",
    "add_oid4vp_routes",
]

#: Where the protocol endpoints live inside the ``/verifier`` sub-application.
OID4VP_PREFIX = "/oid4vp"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_FORM = "application/x-www-form-urlencoded"
_MAX_IRI = 1000
_PREFIXES = ("redirect_uri", "decentralized_identifier", "x509_san_dns")
#: An absolute IRI: a scheme, a colon, and no whitespace or control characters. Spelled with
#: explicit ranges, which Python and the ECMA regexes of JSON Schema read alike (their ``\S``
#: differ), so that the OpenAPI document can state the very same pattern.
ABSOLUTE_IRI_PATTERN = (
    r"^[A-Za-z][A-Za-z0-9+.-]*:"
    r"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+$")
_ABSOLUTE_IRI = re.compile(ABSOLUTE_IRI_PATTERN)


def verifier_base(base_url: str) -> str:
    """The verifier base URL the OpenID4VP core builds its URIs from."""
    return f"{base_url.rstrip('/')}/verifier{OID4VP_PREFIX}"


def certificate_signer(settings: Settings) -> RequestSigner | None:
    """The ``x509_san_dns`` signer of the settings' verifier certificate, or None when none is
    configured. Read once at start, so a certificate that does not name the public URL's host
    or whose key is not the one given stops the service then (``ValueError``, ``OSError``)."""
    if settings.verifier_cert_file is None and settings.verifier_key_file is None:
        return None
    if settings.verifier_cert_file is None or settings.verifier_key_file is None:
        raise ValueError("a verifier certificate needs both its chain and its key file")
    chain = load_chain(Path(settings.verifier_cert_file).read_bytes())
    key = load_signing_key(Path(settings.verifier_key_file).read_bytes())
    return RequestSigner.for_certificate(key, chain, urlsplit(settings.base_url).hostname or "")


# --- handlers ------------------------------------------------------------------------------


def _invalid(detail: str) -> ProblemError:
    return ProblemError(400, "invalid-request", "The request is not valid", detail)


def _iri(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if (not isinstance(value, str) or len(value) > _MAX_IRI
            or not _ABSOLUTE_IRI.fullmatch(value)):
        raise _invalid(f"{name} is an absolute IRI of at most {_MAX_IRI} characters")
    return value


async def create_presentation_request(request: web.Request) -> web.Response:
    settings = request.config_dict[SETTINGS]
    body: dict[str, Any] = {}
    if request.can_read_body:
        body = await read_object(request, max_depth=settings.max_json_depth)
    unknown = sorted(set(body) - {"achievement", "issuer", "clientIdPrefix", "byValue"})
    if unknown:
        raise _invalid(f"unknown member {unknown[0]!r}")
    query = open_badge_query(achievement_id=_iri(body, "achievement"),
                             issuer=_iri(body, "issuer"))
    prefix = one_of(body.get("clientIdPrefix", "redirect_uri"), _PREFIXES,
                    "clientIdPrefix is redirect_uri, decentralized_identifier or x509_san_dns")
    by_value = body.get("byValue", False)
    if not isinstance(by_value, bool):
        raise _invalid("byValue is true or false")
    signer = await _signer(request, prefix)
    try:
        made = await create_request(
            request.config_dict[PROTOCOL_STORE], base_url=verifier_base(settings.base_url),
            dcql_query=query, client_metadata={"vp_formats_supported": DEFAULT_VP_FORMATS},
            signer=signer, by_value=by_value, now=request.config_dict[CLOCK].now())
    except RequestTooLarge as exc:
        raise ProblemError(400, "request-too-large", "Request refused", str(exc),
                           code="request_too_large") from None
    qr = request.app.router["request_qr"].url_for(request_id=made.request_id)
    return web.json_response({
        "transactionId": made.transaction_id,
        "requestId": made.request_id,
        "clientId": made.client_id,
        "qrPayload": made.qr_payload(),
        "qrSvg": str(qr),
        "expiresAt": format_datetime(made.expires_at),
    }, status=201, headers=_NO_STORE)


async def _signer(request: web.Request, prefix: str) -> RequestSigner | None:
    """Who signs the request for ``prefix``: nobody, the calling tenant, or the service's
    verifier certificate."""
    if prefix == "decentralized_identifier":
        caller = await require_tenant(request)
        async with reading(request) as session:
            key = await signing_key(session, caller.tenant, request.config_dict[KEYSTORE])
        return RequestSigner.for_did(key)
    if prefix == "x509_san_dns":
        signer = request.config_dict.get(CERTIFICATE_SIGNER)
        if signer is None:
            raise ProblemError(400, "x509-not-configured", "Request refused",
                               "this service has no verifier certificate for x509_san_dns",
                               code="x509_not_configured")
        return signer
    return None


async def request_qr(request: web.Request) -> web.Response:
    found = await load_request(request.config_dict[PROTOCOL_STORE],
                               request.match_info["request_id"],
                               now=request.config_dict[CLOCK].now())
    if found is None:
        raise ProblemError(404, "not-found", "Not found",
                           "there is no such presentation request (it may have expired)")
    return svg_response(found.qr_payload())


@protocol_endpoint
async def request_object(request: web.Request) -> web.Response:
    token = await make_request_object(request.config_dict[PROTOCOL_STORE],
                                      request.match_info["request_id"],
                                      now=request.config_dict[CLOCK].now())
    # A JWT is ASCII; the media type takes no charset parameter.
    return web.Response(body=token.encode("ascii"),
                        headers={**_NO_STORE, "Content-Type": REQUEST_OBJECT_MEDIA_TYPE})


def _verify_for(request: web.Request) -> Verify:
    """The service's verification (:func:`~vcbadges.web.verifying.verify_in_workers`: its
    fetcher, resolver, registries and status list memory, in a worker) as the protocol
    core's ``verify``."""

    async def run(document: Any, *, now: datetime, challenge: str | None = None,
                  domain: str | None = None, holder_must_be_subject: bool = True,
                  ) -> VerificationReport | PresentationReport:
        return await verify_in_workers(request, document, now=now, challenge=challenge,
                                       domain=domain,
                                       holder_must_be_subject=holder_must_be_subject)

    return run


@protocol_endpoint
async def presentation_response(request: web.Request) -> web.Response:
    if request.content_type != _FORM:
        raise ProtocolError("invalid_request", f"the response must be {_FORM}")
    form = await read_form(request)
    # RESOLVER checks the holder's signature of a VP-JWT here; every credential and Data
    # Integrity presentation is verified by the service's verification (see the docstring).
    await handle_response(
        request.config_dict[PROTOCOL_STORE], form, resolver=request.config_dict[RESOLVER],
        verify=_verify_for(request), describe=describe_credential,
        now=request.config_dict[CLOCK].now())
    return web.json_response({}, headers=_NO_STORE)


async def result(request: web.Request) -> web.Response:
    found = await load_result(request.config_dict[PROTOCOL_STORE],
                              request.match_info["transaction_id"],
                              now=request.config_dict[CLOCK].now())
    if found is None:
        return web.json_response({"status": "pending"}, headers=_NO_STORE)
    return web.json_response({"status": "done", "result": found}, headers=_NO_STORE)


def add_oid4vp_routes(app: web.Application) -> None:
    """The OpenID4VP routes of the ``/verifier`` sub-application."""
    app.router.add_post("/requests", create_presentation_request)
    app.router.add_get("/requests/{request_id}/qr.svg", request_qr, name="request_qr")
    app.router.add_get(f"{OID4VP_PREFIX}/requests/{{request_id}}", request_object)
    app.router.add_post(f"{OID4VP_PREFIX}/response", presentation_response)
    app.router.add_get("/results/{transaction_id}", result)

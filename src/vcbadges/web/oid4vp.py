"""The verifier side of OpenID4VP 1.0 (DCQL, ``direct_post``): the employer page's API.

Routes on the ``/verifier`` sub-application (:func:`add_oid4vp_routes`):

=============================================  ==============================================
``POST /verifier/requests``                    public; ``{"achievement"?, "issuer"?}`` →
                                               ``201 {"transactionId", "requestId",
                                               "qrPayload", "qrSvg", "expiresAt"}``
``GET /verifier/requests/{request_id}/qr.svg`` the QR code of ``qrPayload``
``GET /verifier/oid4vp/requests/{request_id}`` the Request Object
                                               (``application/oauth-authz-req+jwt``)
``POST /verifier/oid4vp/response``             the wallet's ``direct_post`` (form) → ``200 {}``
``GET /verifier/results/{transaction_id}``     ``{"status": "pending"}`` or ``{"status":
                                               "done", "result": ...}``
=============================================  ==============================================

The verifier's base URL for the protocol core is ``{public}/verifier/oid4vp``: the Response
URI is ``{public}/verifier/oid4vp/response`` and the Client Identifier
``redirect_uri:{public}/verifier/oid4vp/response``. Request objects and responses answer errors
in the spec's shape with ``Cache-Control: no-store``.

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
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from vcbadges.errors import ProtocolError
from vcbadges.oid4vp import (
    create_request,
    handle_response,
    load_request,
    load_result,
    request_object as make_request_object,
)
from vcbadges.oid4vp.dcql import open_badge_query
from vcbadges.oid4vp.request import DEFAULT_VP_FORMATS, REQUEST_OBJECT_MEDIA_TYPE
from vcbadges.primitives.dates import format_datetime
from vcbadges.web.bodies import read_form, read_object
from vcbadges.web.display import describe_credential
from vcbadges.web.keys import (
    CLOCK,
    DOCUMENTS,
    ISSUER_REGISTRIES,
    PROTOCOL_STORE,
    RESOLVER,
    SETTINGS,
    VERIFIED_LISTS,
)
from vcbadges.web.oid4vci import protocol_endpoint
from vcbadges.web.problems import ProblemError
from vcbadges.web.qr import svg_response

__all__ = [
    "ABSOLUTE_IRI_PATTERN",
    "OID4VP_PREFIX",
    "verifier_base",
    "add_oid4vp_routes",
]

#: Where the protocol endpoints live inside the ``/verifier`` sub-application.
OID4VP_PREFIX = "/oid4vp"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_FORM = "application/x-www-form-urlencoded"
_MAX_IRI = 1000
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
    unknown = sorted(set(body) - {"achievement", "issuer"})
    if unknown:
        raise _invalid(f"unknown member {unknown[0]!r}")
    query = open_badge_query(achievement_id=_iri(body, "achievement"),
                             issuer=_iri(body, "issuer"))
    made = await create_request(
        request.config_dict[PROTOCOL_STORE], base_url=verifier_base(settings.base_url),
        dcql_query=query, client_metadata={"vp_formats_supported": DEFAULT_VP_FORMATS},
        now=request.config_dict[CLOCK].now())
    qr = request.app.router["request_qr"].url_for(request_id=made.request_id)
    return web.json_response({
        "transactionId": made.transaction_id,
        "requestId": made.request_id,
        "qrPayload": made.qr_payload(),
        "qrSvg": str(qr),
        "expiresAt": format_datetime(made.expires_at),
    }, status=201, headers=_NO_STORE)


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


@protocol_endpoint
async def presentation_response(request: web.Request) -> web.Response:
    if request.content_type != _FORM:
        raise ProtocolError("invalid_request", f"the response must be {_FORM}")
    form = await read_form(request)
    # DOCUMENTS reads this service's own status lists and DID documents from its database
    # (the rest through the SafeFetcher, under its policy); VERIFIED_LISTS spares checking
    # the proof of a list this process verified a moment ago.
    await handle_response(
        request.config_dict[PROTOCOL_STORE], form, resolver=request.config_dict[RESOLVER],
        fetcher=request.config_dict[DOCUMENTS],
        verified_lists=request.config_dict[VERIFIED_LISTS],
        registries=request.config_dict[ISSUER_REGISTRIES], describe=describe_credential,
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

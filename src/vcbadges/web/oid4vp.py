"""The verifier side of OpenID4VP 1.0 (DCQL, ``direct_post``): the employer page's API.

Routes on the ``/verifier`` sub-application (:func:`add_oid4vp_routes`):

=============================================  ==============================================
``POST /verifier/requests``                    public; ``{"achievement"?, "issuer"?}`` →
                                               ``201 {"transaction_id", "request_id",
                                               "qr_payload", "qr_svg", "expires_at"}``
``GET /verifier/requests/{request_id}/qr.svg`` the QR code of ``qr_payload``
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

``transaction_id`` is the secret of the page that created the request (never in the QR code
or the request object); the result it reads is ``PresentationResult.to_json()`` with one
addition: each credential report whose signature verified carries a ``display`` block
(name, issuer, image, achievement, criteria, evidence; see
:func:`~vcbadges.web.display.credential_display`) for the page to show without parsing
credentials itself. Those blocks are read from the presented credentials when the response
arrives and are kept beside the result (kind ``vp_display``). A credential that is revoked,
suspended or expired but whose signature verified (its ``proof`` and ``issuer`` checks
passed) has its ``display`` too, so the page can say which badge that is; the verdict stays
``verified: false``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from vcbadges.errors import ProtocolError, StorageError, VCBadgesError
from vcbadges.oid4vp import (
    create_request,
    handle_response,
    load_request,
    load_result,
    request_object as make_request_object,
)
from vcbadges.oid4vp.dcql import open_badge_query
from vcbadges.oid4vp.request import DEFAULT_VP_FORMATS, REQUEST_OBJECT_MEDIA_TYPE
from vcbadges.oid4vp.response import parse_vp_token
from vcbadges.oid4vp.store import VP_STATE
from vcbadges.primitives.dates import format_datetime
from vcbadges.web.bodies import read_object
from vcbadges.web.display import credential_display
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
    "OID4VP_PREFIX",
    "VP_DISPLAY",
    "verifier_base",
    "credential_display",
    "add_oid4vp_routes",
]

#: Where the protocol endpoints live inside the ``/verifier`` sub-application.
OID4VP_PREFIX = "/oid4vp"
#: The store kind of the display blocks of a response, by the request's transaction id.
VP_DISPLAY = "vp_display"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_FORM = "application/x-www-form-urlencoded"
_MAX_IRI = 1000
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def verifier_base(base_url: str) -> str:
    """The verifier base URL the OpenID4VP core builds its URIs from."""
    return f"{base_url.rstrip('/')}/verifier{OID4VP_PREFIX}"


def _jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a compact JWT, read without verifying (the report verifies)."""
    try:
        payload = token.split(".")[1]
        value = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def _presented(presentation: Any) -> list[Any]:
    """The credentials inside a presentation (a Data Integrity VP or a VP-JWT)."""
    if isinstance(presentation, str):
        presentation = _jwt_claims(presentation).get("vp")
    if not isinstance(presentation, dict):
        return []
    items = presentation.get("verifiableCredential", [])
    return items if isinstance(items, list) else [items]


def _displays(vp_token: dict[str, list[Any]]) -> dict[str, list[list[dict[str, Any]]]]:
    """The display block of every presented credential, by query id and position."""
    return {qid: [[credential_display(c) for c in _presented(p)] for p in items]
            for qid, items in vp_token.items()}


def _signed_by_its_issuer(report: Mapping[str, Any]) -> bool:
    """True when a credential report's ``proof`` check passed and so did its ``issuer``
    check: the issuer it names signed it, and nothing changed since. Its content is then
    the issuer's word, worth showing even when the badge is revoked, suspended or expired
    (so the employer sees which badge it is), never when anyone could have written it (a
    valid signature by a key that is not the named issuer's)."""
    checks = report.get("checks")
    passed = {c.get("id") for c in checks if isinstance(c, dict)
              and c.get("outcome") == "passed"} if isinstance(checks, list) else set()
    return {"proof", "issuer"} <= passed


def _with_displays(result: dict[str, Any], displays: Mapping[str, Any]) -> dict[str, Any]:
    """``result`` with a ``display`` on each credential report whose signature verified
    (see :func:`_signed_by_its_issuer`), whatever its status and dates."""
    presentations = result.get("presentations")
    if not isinstance(presentations, dict):
        return result
    for qid, reports in presentations.items():
        shown = displays.get(qid) or []
        for index, report in enumerate(reports if isinstance(reports, list) else []):
            blocks = shown[index] if index < len(shown) else []
            for position, credential in enumerate(report.get("credentials") or []):
                if (isinstance(credential, dict) and _signed_by_its_issuer(credential)
                        and position < len(blocks)):
                    credential["display"] = blocks[position]
    return result


# --- handlers ------------------------------------------------------------------------------


def _invalid(detail: str) -> ProblemError:
    return ProblemError(400, "invalid-request", "The request is not valid", detail)


def _iri(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > _MAX_IRI or not _ABSOLUTE_IRI.match(value):
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
        "transaction_id": made.transaction_id,
        "request_id": made.request_id,
        "qr_payload": made.qr_payload(),
        "qr_svg": str(qr),
        "expires_at": format_datetime(made.expires_at),
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


async def _save_displays(request: web.Request, form: Mapping[str, Any]) -> None:
    """Keep the display blocks of a response under its request's transaction id, before the
    result is stored, so that a page never sees a result without them."""
    store, now = request.config_dict[PROTOCOL_STORE], request.config_dict[CLOCK].now()
    state, raw = form.get("state"), form.get("vp_token")
    if not isinstance(state, str) or not isinstance(raw, str) or "error" in form:
        return
    try:
        token = parse_vp_token(raw)
    except ProtocolError:
        return  # handle_response refuses it with the right error.
    pending = await store.get(VP_STATE, state, now=now)
    found = None if pending is None else await load_request(
        store, str(pending.get("request_id")), now=now)
    if found is None:
        return
    try:
        await store.save(VP_DISPLAY, found.transaction_id, _displays(token),
                         expires_at=found.expires_at + (found.expires_at - found.issued_at) * 3)
    except StorageError:
        pass  # A second response to the same request: it will be refused.


@protocol_endpoint
async def presentation_response(request: web.Request) -> web.Response:
    if request.content_type != _FORM:
        raise ProtocolError("invalid_request", f"the response must be {_FORM}")
    form = await request.post()
    await _save_displays(request, form)
    # DOCUMENTS reads this service's own status lists and DID documents from its database
    # (the rest through the SafeFetcher, under its policy); VERIFIED_LISTS spares checking
    # the proof of a list this process verified a moment ago.
    await handle_response(
        request.config_dict[PROTOCOL_STORE], form, resolver=request.config_dict[RESOLVER],
        fetcher=request.config_dict[DOCUMENTS],
        verified_lists=request.config_dict[VERIFIED_LISTS],
        registries=request.config_dict[ISSUER_REGISTRIES], now=request.config_dict[CLOCK].now())
    return web.json_response({}, headers=_NO_STORE)


async def result(request: web.Request) -> web.Response:
    store, now = request.config_dict[PROTOCOL_STORE], request.config_dict[CLOCK].now()
    transaction_id = request.match_info["transaction_id"]
    found = await load_result(store, transaction_id, now=now)
    if found is None:
        return web.json_response({"status": "pending"}, headers=_NO_STORE)
    displays = await store.get(VP_DISPLAY, transaction_id, now=now) or {}
    try:
        shown = _with_displays(found, displays)
    except (TypeError, AttributeError, VCBadgesError):
        shown = found
    return web.json_response({"status": "done", "result": shown}, headers=_NO_STORE)


def add_oid4vp_routes(app: web.Application) -> None:
    """The OpenID4VP routes of the ``/verifier`` sub-application."""
    app.router.add_post("/requests", create_presentation_request)
    app.router.add_get("/requests/{request_id}/qr.svg", request_qr, name="request_qr")
    app.router.add_get(f"{OID4VP_PREFIX}/requests/{{request_id}}", request_object)
    app.router.add_post(f"{OID4VP_PREFIX}/response", presentation_response)
    app.router.add_get("/results/{transaction_id}", result)

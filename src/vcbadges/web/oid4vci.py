"""The issuer side of OpenID4VCI 1.0 (pre-authorized code flow), one Credential Issuer per
tenant, and the issuer console's offer API.

The Credential Issuer Identifier of tenant ``t`` is ``{public}/oid4vci/t``. Its endpoints
(:func:`create_oid4vci_app`, mounted at ``/oid4vci``) and its two metadata documents (routes
of the root app, which owns ``/.well-known/``, added by :func:`add_well_known_routes`):

====================================================================  ======================
``GET /.well-known/openid-credential-issuer/oid4vci/{tenant}``        issuer metadata
``GET /.well-known/oauth-authorization-server/oid4vci/{tenant}``      RFC 8414 metadata
``GET /oid4vci/{tenant}/credential-offers/{offer_id}``                the offer (once)
``POST /oid4vci/{tenant}/token``                                      form; access token
``POST /oid4vci/{tenant}/nonce``                                      a ``c_nonce``
``POST /oid4vci/{tenant}/credential``                                 Bearer; the badge
====================================================================  ======================

These answer errors in the spec's shape, ``{"error", "error_description"}``, with
``Cache-Control: no-store`` (as offers, tokens, nonces and credentials themselves) and a
``WWW-Authenticate: Bearer`` challenge on 401 (RFC 6750 §3).

The console API (:func:`add_console_routes`, on the ``/issuer`` sub-app) needs the tenant's
API key: ``POST /issuer/offers`` ``{"achievement": slug, "pin": bool, "recipientName"?,
"format"?, "evidence"?}`` records an offer of the tenant's achievement template and answers
``201 {"offerId", "offerUri", "qrSvg", "txCode", "expiresAt"}``; ``GET
/issuer/offers/{offer_id}/qr.svg`` is public (the URI carries no secret) and answers 404 once
the offer was fetched or has expired. ``GET /issuer/offers/{offer_id}`` (API key) says what
became of the offer: ``{"id", "state", "expiresAt", "credentialId"?}``, ``state`` one of
``pending``, ``opened``, ``expired`` (:func:`~vcbadges.oid4vci.offers.offer_progress`) or
``delivered``, with ``credentialId``. The credential's id is chosen with the offer, so that
delivery is the credential's own row, stored by the transaction that issues it, rather than
a second record that could lag behind it or be lost. Another tenant's offer is not found, as
an unknown one.

The offer names the badge it offers: its ``credential_display`` (an additional Credential
Offer parameter, see :mod:`vcbadges.oid4vci.offers`) carries the achievement's name,
description and image, for the wallet's consent screen. The issuer metadata keeps one
generic display per configuration ("Open Badge"): it is the same for every offer, publicly
cached, and would otherwise grow with every template (and carry their images).

The credential issued at the end is an Open Badges 3.0 credential of the tenant (its
``issuer.name`` the tenant's display name) for the template, its ``credentialSubject.id``
the holder DID proved by the key proof, with the offer's ``evidence`` and the tenant's
status entries, so ``POST /issuer/credentials/status`` can revoke it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, Literal
from urllib.parse import urlsplit

from aiohttp import web

from vcbadges.errors import ProtocolError
from vcbadges.issuer.achievements import AchievementTemplate
from vcbadges.issuer.service import OfferedAward
from vcbadges.issuer.tenants import Tenant, display_name_of, is_tenant_name
from vcbadges.oauth.common import safe_text
from vcbadges.oid4vci import (
    DEFAULT_CONFIGURATIONS,
    OPEN_BADGE_JWT_VC_JSON,
    OPEN_BADGE_LDP_VC,
    CredentialConfiguration,
    authorization_server_metadata,
    configurations_for,
    create_nonce,
    create_offer,
    credential_issuer_metadata,
    handle_credential_request,
    handle_token_request,
    offer_uri,
    serve_offer,
)
from vcbadges.oid4vci.offers import offer_progress
from vcbadges.oid4vci.store import OFFER
from vcbadges.primitives.dates import format_datetime
from vcbadges.web.auth import caller_of
from vcbadges.web.bodies import one_of, read_form, read_object
from vcbadges.web.display import display_image, display_text
from vcbadges.web.keys import CLOCK, ISSUER, PROTOCOL_STORE, SETTINGS
from vcbadges.web.problems import ProblemError
from vcbadges.web.qr import svg_response

__all__ = [
    "OID4VCI_PREFIX",
    "credential_issuer_id",
    "create_oid4vci_app",
    "add_well_known_routes",
    "add_console_routes",
]

#: Where the per-tenant credential issuers live under the service's public URL.
OID4VCI_PREFIX = "/oid4vci"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_METADATA_CACHE = {"Cache-Control": "public, max-age=300"}
_FORM = "application/x-www-form-urlencoded"
_PIN_LENGTH = 6
_MAX_NAME = 200
#: Evidence given with an offer: at most this many items, and these lengths.
MAX_EVIDENCE = 10
_EVIDENCE_LIMITS = {"id": 1000, "name": 200, "narrative": 2000, "description": 2000}
_MAX_LOGO = 256 * 1024
_FORMATS: dict[str, CredentialConfiguration] = {
    "ldp_vc": OPEN_BADGE_LDP_VC, "jwt_vc_json": OPEN_BADGE_JWT_VC_JSON}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def credential_issuer_id(base_url: str, tenant: str) -> str:
    """The Credential Issuer Identifier of the tenant named ``tenant``."""
    return f"{base_url.rstrip('/')}{OID4VCI_PREFIX}/{tenant}"


def protocol_error(exc: ProtocolError) -> web.Response:
    """The spec's error response: ``{"error", "error_description"}``, never cached, with a
    Bearer challenge on every 401 and on the credential endpoint's 403 ``insufficient_scope``
    (RFC 6750 §3, §3.1)."""
    headers = dict(_NO_STORE)
    if exc.status == 401 or exc.error == "insufficient_scope":
        headers["WWW-Authenticate"] = (f'Bearer error="{exc.error}", '
                                       f'error_description="{safe_text(exc.message)}"')
    return web.json_response({"error": exc.error, "error_description": exc.message},
                             status=exc.status, headers=headers)


def protocol_endpoint(handler: Handler) -> Handler:
    """Answer the handler's ``ProtocolError`` in the spec's shape (see :func:`protocol_error`)."""

    @wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ProtocolError as exc:
            return protocol_error(exc)

    return wrapped


def _unknown_issuer() -> ProtocolError:
    return ProtocolError("not_found", "there is no such credential issuer", status=404)


async def _tenant(request: web.Request) -> tuple[Tenant, str]:
    """The tenant of the path and its Credential Issuer Identifier; 404 when unknown."""
    name = request.match_info["tenant"]
    if not is_tenant_name(name):
        # Tenant names are slugs; anything else names no issuer and is not looked up.
        raise _unknown_issuer()
    tenant = await request.config_dict[ISSUER].tenant_by_name(name)
    if tenant is None:
        raise _unknown_issuer()
    return tenant, credential_issuer_id(request.config_dict[SETTINGS].base_url, tenant.name)


# --- metadata (root app) -------------------------------------------------------------------


@protocol_endpoint
async def issuer_metadata(request: web.Request) -> web.Response:
    tenant, identifier = await _tenant(request)
    return web.json_response(
        credential_issuer_metadata(
            identifier,
            configurations_for(await request.config_dict[ISSUER].signing_algorithm(tenant),
                               DEFAULT_CONFIGURATIONS),
            display_name=display_name_of(tenant)),
        headers=_METADATA_CACHE)


@protocol_endpoint
async def server_metadata(request: web.Request) -> web.Response:
    _, identifier = await _tenant(request)
    return web.json_response(authorization_server_metadata(identifier), headers=_METADATA_CACHE)


# --- the credential issuer endpoints ---------------------------------------------------------


@protocol_endpoint
async def credential_offer(request: web.Request) -> web.Response:
    _, identifier = await _tenant(request)
    store, now = request.config_dict[PROTOCOL_STORE], request.config_dict[CLOCK].now()
    offer_id = request.match_info["offer_id"]
    # An offer id of another tenant is not found here (it is not consumed either).
    pending = await store.get(OFFER, offer_id, now=now)
    if pending is None or pending.get("credential_issuer") != identifier:
        raise ProtocolError("not_found", "this credential offer is unknown, expired or "
                            "already used", status=404)
    return web.json_response(await serve_offer(store, offer_id, now=now), headers=_NO_STORE)


@protocol_endpoint
async def token(request: web.Request) -> web.Response:
    _, identifier = await _tenant(request)
    if request.content_type != _FORM:
        raise ProtocolError("invalid_request", f"the token request must be {_FORM}")
    form = await read_form(request)
    answer = await handle_token_request(request.config_dict[PROTOCOL_STORE], form,
                                        credential_issuer=identifier,
                                        now=request.config_dict[CLOCK].now())
    return web.json_response(answer, headers=_NO_STORE)


@protocol_endpoint
async def nonce(request: web.Request) -> web.Response:
    await _tenant(request)
    answer = await create_nonce(request.config_dict[PROTOCOL_STORE],
                                now=request.config_dict[CLOCK].now())
    return web.json_response(answer, headers=_NO_STORE)


def _issue_function(request: web.Request, tenant: Tenant) -> Any:
    """The ``issue_fn`` of the credential endpoint: the issuer core awards the offer's
    template to the holder DID the key proof established, as the tenant."""

    async def issue(holder: str, configuration: CredentialConfiguration,
                    award: dict[str, Any]) -> dict[str, Any] | str:
        if award.get("tenant_id") != str(tenant.id):
            raise ProtocolError("invalid_token", "the access token belongs to another issuer",
                                status=401)
        fmt: Literal["di", "jwt"] = "di" if configuration.format == "ldp_vc" else "jwt"
        credential_id, name = award.get("credential_id"), award.get("recipient_name")
        evidence = award.get("evidence")
        offered = OfferedAward(
            achievement=str(award.get("achievement")),
            credential_id=credential_id if isinstance(credential_id, str) else None,
            recipient_name=name if isinstance(name, str) and name else None,
            evidence=tuple(item for item in evidence if isinstance(item, dict))
            if isinstance(evidence, list) else ())
        stored = await request.config_dict[ISSUER].award_offer(
            tenant, offered, holder, format=fmt, now=request.config_dict[CLOCK].now())
        if stored is None:
            # Deleted after the offer was made: the holder gets no credential.
            raise ProtocolError("credential_request_denied",
                                "the offered achievement is no longer available")
        return stored.json() if fmt == "di" else stored.document

    return issue


@protocol_endpoint
async def credential(request: web.Request) -> web.Response:
    tenant, identifier = await _tenant(request)
    if request.content_type != "application/json":
        raise ProtocolError("invalid_credential_request",
                            "the Credential Request must be application/json")
    body = await request.read()
    answer = await handle_credential_request(
        request.config_dict[PROTOCOL_STORE], authorization=request.headers.get("Authorization"),
        body=body, base_url=identifier, issue_fn=_issue_function(request, tenant),
        now=request.config_dict[CLOCK].now())
    return web.json_response(answer, headers=_NO_STORE)


def create_oid4vci_app() -> web.Application:
    """The ``/oid4vci`` sub-application: one credential issuer per tenant."""
    app = web.Application()
    app.router.add_get("/{tenant}/credential-offers/{offer_id}", credential_offer)
    app.router.add_post("/{tenant}/token", token)
    app.router.add_post("/{tenant}/nonce", nonce)
    app.router.add_post("/{tenant}/credential", credential)
    return app


def add_well_known_routes(app: web.Application) -> None:
    """The two metadata documents of every tenant's credential issuer, on the root app."""
    app.router.add_get(f"/.well-known/openid-credential-issuer{OID4VCI_PREFIX}/{{tenant}}",
                       issuer_metadata)
    app.router.add_get(f"/.well-known/oauth-authorization-server{OID4VCI_PREFIX}/{{tenant}}",
                       server_metadata)


# --- the issuer console's API ----------------------------------------------------------------


def _invalid(detail: str) -> ProblemError:
    return ProblemError(400, "invalid-request", "The request is not valid", detail)


def _evidence_text(value: Any, key: str) -> str:
    limit = _EVIDENCE_LIMITS[key]
    if not isinstance(value, str) or not 0 < len(value.strip()) <= limit:
        raise _invalid(f"evidence {key} is a string of 1 to {limit} characters")
    # Line breaks are fine in a narrative or description (Markdown); no other controls.
    if any(not (c.isprintable() or (key != "name" and c in "\n\r\t")) for c in value):
        raise _invalid(f"evidence {key} holds control characters")
    return value.strip()


def _https_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return False
    return (parts.scheme == "https" and bool(host) and parts.username is None
            and not any(c.isspace() for c in value))


def _evidence(value: Any) -> list[dict[str, str]]:
    """The offer's ``evidence``: at most 10 items of ``id`` (an https URL), ``name``,
    ``narrative`` and ``description``, each item with at least one of them."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_EVIDENCE:
        raise _invalid(f"evidence is a list of at most {MAX_EVIDENCE} items")
    items = []
    for entry in value:
        if not isinstance(entry, dict) or not entry:
            raise _invalid("each evidence item is an object with id, name, narrative or "
                           "description")
        unknown = sorted(set(entry) - set(_EVIDENCE_LIMITS))
        if unknown:
            raise _invalid(f"unknown evidence member {unknown[0]!r}")
        item = {key: _evidence_text(entry[key], key) for key in _EVIDENCE_LIMITS
                if key in entry}
        if "id" in item and not _https_url(item["id"]):
            raise _invalid("an evidence id is an https URL")
        items.append(item)
    return items


def _offer_display(template: AchievementTemplate) -> list[dict[str, Any]]:
    """The offer's display object of the achievement: what the wallet shows before the
    holder accepts (name, description, image as the logo)."""
    achievement = template.achievement
    shown: dict[str, Any] = {"name": display_text(achievement.get("name")) or template.slug}
    description = display_text(achievement.get("description"))
    if description is not None:
        shown["description"] = description
    image = achievement.get("image")
    uri = display_image(image)
    if uri is not None and len(uri) <= _MAX_LOGO:
        logo: dict[str, Any] = {"uri": uri}
        caption = display_text(image.get("caption")) if isinstance(image, dict) else None
        if caption is not None:
            logo["alt_text"] = caption
        shown["logo"] = logo
    return [shown]


async def create_offer_for_console(request: web.Request) -> web.Response:
    settings = request.config_dict[SETTINGS]
    caller = caller_of(request)
    body = await read_object(request, max_depth=settings.max_json_depth)
    unknown = sorted(set(body) - {"achievement", "pin", "recipientName", "format",
                                  "evidence"})
    if unknown:
        raise _invalid(f"unknown member {unknown[0]!r}")
    slug, pin = body.get("achievement"), body.get("pin", False)
    name, fmt = body.get("recipientName"), body.get("format", "ldp_vc")
    if not isinstance(slug, str):
        raise _invalid("achievement names one of the tenant's achievement templates by slug")
    if not isinstance(pin, bool):
        raise _invalid("pin is true or false")
    if name is not None and (not isinstance(name, str) or not name.isprintable()
                             or not 0 < len(name.strip()) <= _MAX_NAME):
        raise _invalid(f"recipientName is a string of 1 to {_MAX_NAME} characters")
    fmt = one_of(fmt, _FORMATS, "format is ldp_vc or jwt_vc_json")
    evidence = _evidence(body.get("evidence"))
    template = await request.config_dict[ISSUER].achievement(caller.tenant, slug)
    if template is None:
        raise ProblemError(400, "unknown-achievement", "Request refused",
                           f"there is no achievement template {slug!r}",
                           code="unknown_achievement")
    award: dict[str, Any] = {"tenant_id": str(caller.tenant.id), "achievement": slug,
                             "credential_id": f"urn:uuid:{uuid.uuid4()}"}
    if name is not None:
        award["recipient_name"] = name.strip()
    if evidence:
        award["evidence"] = evidence
    made = await create_offer(
        request.config_dict[PROTOCOL_STORE],
        base_url=credential_issuer_id(settings.base_url, caller.tenant.name), award=award,
        configuration_ids=[_FORMATS[fmt].id], tx_code_length=_PIN_LENGTH if pin else None,
        tx_code_description="The PIN shown by the issuer" if pin else None,
        display=_offer_display(template), now=request.config_dict[CLOCK].now())
    prefix = request.app.router["offer_qr"].url_for(offer_id=made.offer_id)
    return web.json_response({
        "offerId": made.offer_id,
        "offerUri": made.uri,
        "qrSvg": str(prefix),
        "txCode": made.tx_code,
        "expiresAt": format_datetime(made.expires_at),
    }, status=201, headers=_NO_STORE)


async def offer_qr(request: web.Request) -> web.Response:
    offer_id = request.match_info["offer_id"]
    pending = await request.config_dict[PROTOCOL_STORE].get(
        OFFER, offer_id, now=request.config_dict[CLOCK].now())
    if pending is None:
        raise ProblemError(404, "not-found", "Not found",
                           "there is no such offer (it may have been used or have expired)")
    return svg_response(offer_uri(str(pending["credential_issuer"]), offer_id))


async def offer_state(request: web.Request) -> web.Response:
    caller = caller_of(request)
    offer_id = request.match_info["offer_id"]
    progress = await offer_progress(request.config_dict[PROTOCOL_STORE], offer_id,
                                    now=request.config_dict[CLOCK].now())
    if progress is None or progress.award.get("tenant_id") != str(caller.tenant.id):
        raise ProblemError(404, "not-found", "Not found", "there is no such offer")
    answer: dict[str, Any] = {"id": offer_id, "state": progress.state,
                              "expiresAt": format_datetime(progress.expires_at)}
    credential_id = progress.award.get("credential_id")
    if progress.state != "pending" and isinstance(credential_id, str):
        delivered = await request.config_dict[ISSUER].credential(caller.tenant, credential_id)
        if delivered is not None:
            # Also past the expiry: a wallet may use its access token a little later.
            answer.update(state="delivered", credentialId=credential_id)
    return web.json_response(answer, headers=_NO_STORE)


def add_console_routes(app: web.Application) -> None:
    """The console's offer API, on the ``/issuer`` sub-application."""
    app.router.add_post("/offers", create_offer_for_console)
    app.router.add_get("/offers/{offer_id}", offer_state)
    app.router.add_get("/offers/{offer_id}/qr.svg", offer_qr, name="offer_qr")

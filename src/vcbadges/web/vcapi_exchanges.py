"""VC-API exchanges and the Learner Credential Wallet's deep link, over HTTP.

The protocol is :mod:`vcbadges.vcapi.exchanges`; these are its routes: the ``/exchanges``
sub-application (:func:`create_exchanges_app`), and the console's and the verifier page's
routes (:func:`add_issuer_exchange_routes`, :func:`add_verifier_exchange_routes`):

===================================================  ========================================
``POST /exchanges/{exchange_id}``                    the wallet's messages (``{}``, a
                                                     ``verifiablePresentation``, or the Learner
                                                     Credential Wallet's bare presentation)
``GET /exchanges/{exchange_id}/protocols?iuv=1``     the interaction URL: ``{"protocols"}``
                                                     as JSON, a page for people otherwise
``GET /exchanges/{exchange_id}/qr.svg?of=…``         QR code of the ``interaction`` URL or
                                                     the ``lcw`` deep link (public, while open)
``POST /issuer/exchanges``                           API key; an issue exchange, for
                                                     ``{"offerId"}`` or ``{"achievement",
                                                     "recipientName"?}`` → 201
``GET /issuer/exchanges/{exchange_id}``              API key; ``{"id", "state", "expiresAt",
                                                     "credentialId"?}``
``POST /verifier/exchanges``                         ``{"achievement"?, "issuer"?}`` → 201,
                                                     with the page's ``transactionId``
``GET /verifier/exchanges/results/{transaction_id}`` ``{"status": "pending"}`` or
                                                     ``{"status": "done", "result"}``
===================================================  ========================================

Errors are problems (RFC 9457) whose ``code`` is the protocol's, and a presentation that did
not verify comes back with its ``report``; answers are never cached.

**An issue exchange for an OpenID4VCI offer** (``{"offerId"}``) offers the same badge (the
same credential id, recipient name and evidence) to the wallets that take no OpenID4VCI: it
expires with the offer, and whichever channel a wallet uses first wins. Delivering through
the exchange consumes the offer (its QR code stops working), so ``GET /issuer/offers/{id}``
then says ``delivered``; an offer a wallet already opened can no longer be delivered here.
An offer with a PIN gets no exchange: these wallets have no way to enter it.

Issuing awards the tenant's achievement template to the holder DID the DID Authentication
proved through the :class:`~vcbadges.issuer.service.IssuerService`, as OpenID4VCI does (a
Data Integrity credential, which these wallets read, with the template's status purposes).

Presentations are verified in the service's verification workers
(:func:`~vcbadges.web.verifying.verify_in_workers`). A DID Authentication whose
verification did not run is answered ``422 verification-too-costly`` or ``503
verification-unavailable``, and its exchange stays open; a verify exchange, consumed by
then, records a failed result with that code as its problem.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from vcbadges.errors import StorageError
from vcbadges.issuer.achievements import issuer_profile
from vcbadges.issuer.service import OfferedAward
from vcbadges.issuer.tenants import Tenant
from vcbadges.oid4vci.offers import offer_progress, offer_uri
from vcbadges.oid4vci.store import OFFER
from vcbadges.primitives.dates import format_datetime
from vcbadges.report import PresentationReport
from vcbadges.vcapi import (
    DEFAULT_LIFETIME,
    Exchange,
    ExchangeError,
    PresentationVerifier,
    create_exchange,
    exchange_progress,
    exchange_url,
    interaction_url,
    lcw_deep_link,
    lcw_exchange_link,
    load_result,
    pending_exchange,
    protocols,
    read_message,
    receive_for_issue,
    receive_for_verification,
)
from vcbadges.web.auth import caller_of
from vcbadges.web.bodies import one_of, read_object
from vcbadges.web.display import describe_credential
from vcbadges.web.keys import CLOCK, ISSUER, PROTOCOL_STORE, SETTINGS
from vcbadges.web.oid4vp import ABSOLUTE_IRI_PATTERN
from vcbadges.web.problems import ProblemError
from vcbadges.web.qr import svg_response
from vcbadges.web.verifying import VerificationNotRun, verify_in_workers

__all__ = ["EXCHANGES_PREFIX", "MAX_DID_AUTH_BYTES", "create_exchanges_app",
           "add_issuer_exchange_routes", "add_verifier_exchange_routes"]

#: Where exchange URLs live under the service's public URL.
EXCHANGES_PREFIX = "/exchanges"
#: The largest message an issue exchange reads: a DID Authentication is a few kilobytes.
MAX_DID_AUTH_BYTES = 64 * 1024
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_MAX_NAME = 200
_MAX_IRI = 1000
_ABSOLUTE_IRI = re.compile(ABSOLUTE_IRI_PATTERN)


def _invalid(detail: str) -> ProblemError:
    return ProblemError(400, "invalid-request", "The request is not valid", detail)


def _problem(exc: ExchangeError) -> ProblemError:
    extra: dict[str, Any] = {"code": exc.error}
    if exc.report is not None:
        extra["report"] = exc.report.to_json()
    return ProblemError(exc.status, exc.error.replace("_", "-"), "Exchange refused",
                        exc.message, headers=_NO_STORE, **extra)


def _origin(base_url: str) -> str:
    """The domain holders' proofs bind: the scheme and authority of the public URL."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def _qr_path(exchange_id: str) -> str:
    """Where the QR codes of an exchange are (relative to the public URL)."""
    return f"{EXCHANGES_PREFIX}/{exchange_id}/qr.svg"


def _verifier(request: web.Request) -> PresentationVerifier:
    """The service's verification (:func:`~vcbadges.web.verifying.verify_in_workers`: its
    documents, resolver, registries and status list memory, in a worker), at its clock.
    It raises :class:`~vcbadges.web.verifying.VerificationNotRun` when the worker took too
    long or died."""
    config = request.config_dict

    async def verify(document: dict[str, Any], *, challenge: str,
                     domain: str | None) -> PresentationReport:
        report = await verify_in_workers(request, document, kind="presentation",
                                         now=config[CLOCK].now(), challenge=challenge,
                                         domain=domain)
        assert isinstance(report, PresentationReport)
        return report

    return verify


def _issue_function(request: web.Request) -> Any:
    """Issue the exchange's award to ``holder``: consume its OpenID4VCI offer first when it
    has one (so that only one channel delivers), then award it through the issuer service,
    as OpenID4VCI does (the template's status purposes, the tenant's shared index
    allocation and commits)."""
    config = request.config_dict

    async def issue(holder: str, exchange: Exchange) -> dict[str, Any]:
        award, now = exchange.award, config[CLOCK].now()
        offer_id = award.get("offer_id")
        if isinstance(offer_id, str) and await config[PROTOCOL_STORE].consume(
                OFFER, offer_id, now=now) is None:
            raise ExchangeError("offer_taken", "the badge was claimed through its OpenID4VCI "
                                "offer", status=409)
        service = config[ISSUER]
        tenant = await service.tenant_by_name(str(award.get("tenant")))
        name, evidence = award.get("recipient_name"), award.get("evidence")
        offered = OfferedAward(
            achievement=str(award.get("achievement")),
            credential_id=str(award["credential_id"]),
            recipient_name=name if isinstance(name, str) and name else None,
            evidence=tuple(item for item in evidence if isinstance(item, dict))
            if isinstance(evidence, list) else ())
        try:
            stored = None if tenant is None or str(tenant.id) != award.get("tenant_id") \
                else await service.award_offer(tenant, offered, holder, format="di", now=now)
        except StorageError as exc:
            if exc.code != "conflict":
                raise
            raise ExchangeError("already_issued", "this badge was delivered already",
                                status=409) from None
        if stored is None:
            raise ExchangeError("achievement_unavailable",
                                "the offered achievement is no longer available", status=409)
        return stored.json()

    return issue


# --- the wallet's side ---------------------------------------------------------------------


async def participate(request: web.Request) -> web.Response:
    config = request.config_dict
    store, now = config[PROTOCOL_STORE], config[CLOCK].now()
    exchange_id = request.match_info["exchange_id"]
    url = exchange_url(config[SETTINGS].base_url, exchange_id)
    try:
        exchange = await pending_exchange(store, exchange_id, now=now)
        if exchange.purpose == "issue" and (request.content_length or 0) > MAX_DID_AUTH_BYTES:
            raise ProblemError(413, "body-too-large", "Request body too large",
                               f"a DID Authentication is at most {MAX_DID_AUTH_BYTES} bytes")
        body: dict[str, Any] = {}
        if request.can_read_body:
            body = await read_object(request, max_depth=config[SETTINGS].max_json_depth)
        if exchange.purpose == "issue" and len(await request.read()) > MAX_DID_AUTH_BYTES:
            raise ProblemError(413, "body-too-large", "Request body too large",
                               f"a DID Authentication is at most {MAX_DID_AUTH_BYTES} bytes")
        message = read_message(body)
        if exchange.purpose == "issue":
            try:
                answer = await receive_for_issue(store, exchange, message, url=url,
                                                 verify=_verifier(request),
                                                 issue_fn=_issue_function(request), now=now)
            except VerificationNotRun as exc:
                # Verified before the exchange is consumed: it stays open for another try.
                refused = exc.problem()
                refused.headers.update(_NO_STORE)
                raise refused from None
        else:
            answer = await receive_for_verification(store, exchange, message, url=url,
                                                    verify=_verifier(request),
                                                    describe=describe_credential, now=now)
    except ExchangeError as exc:
        raise _problem(exc) from None
    return web.json_response(answer, headers=_NO_STORE)


async def _open_exchange(request: web.Request) -> Exchange:
    try:
        return await pending_exchange(request.config_dict[PROTOCOL_STORE],
                                      request.match_info["exchange_id"],
                                      now=request.config_dict[CLOCK].now())
    except ExchangeError as exc:
        raise _problem(exc) from None


async def _offer_link(request: web.Request, exchange: Exchange) -> dict[str, str]:
    """``{"OID4VCI": <offer URI>}`` while the exchange's OpenID4VCI offer is open."""
    offer_id = exchange.award.get("offer_id")
    if not isinstance(offer_id, str):
        return {}
    pending = await request.config_dict[PROTOCOL_STORE].get(
        OFFER, offer_id, now=request.config_dict[CLOCK].now())
    if pending is None:
        return {}
    return {"OID4VCI": offer_uri(str(pending["credential_issuer"]), offer_id)}


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Open this in your wallet</title></head>
<body><main><h1>Open this in your wallet</h1>
<p>This link is for a digital credential wallet, such as the Learner Credential Wallet:
scan its QR code with the wallet, or open the link in the wallet.</p>
<p>Wallet link: <code>{url}</code></p></main></body></html>
"""


async def interaction(request: web.Request) -> web.Response:
    exchange = await _open_exchange(request)
    url = exchange_url(request.config_dict[SETTINGS].base_url, exchange.exchange_id)
    if "application/json" not in request.headers.get("Accept", ""):
        # VCALM: any other Accept value gets a page telling a person what to do.
        response = web.Response(text=_PAGE.format(url=escape(str(request.url))),
                                content_type="text/html", headers=_NO_STORE)
        response.headers["Content-Security-Policy"] = "default-src 'none'"
        return response
    return web.json_response(protocols(url, **await _offer_link(request, exchange)),
                             headers=_NO_STORE)


async def exchange_qr(request: web.Request) -> web.Response:
    of = one_of(request.query.get("of", "interaction"), ("interaction", "lcw"),
                "of is interaction or lcw")
    exchange = await _open_exchange(request)
    base_url = request.config_dict[SETTINGS].base_url
    if of == "interaction":
        return svg_response(interaction_url(base_url, exchange.exchange_id))
    if exchange.purpose == "issue":
        return svg_response(lcw_deep_link(
            issuer=str(exchange.award.get("issuer")), challenge=exchange.challenge,
            exchange_url=exchange_url(base_url, exchange.exchange_id)))
    return svg_response(lcw_exchange_link(
        origin=_origin(base_url), exchange_url=exchange_url(base_url, exchange.exchange_id)))


# --- the issuer console ----------------------------------------------------------------------


async def _award_of_offer(request: web.Request, tenant: Tenant, offer_id: Any
                          ) -> tuple[dict[str, Any], datetime]:
    """The award of the tenant's open offer ``offer_id``, and when the offer expires."""
    store, now = request.config_dict[PROTOCOL_STORE], request.config_dict[CLOCK].now()
    if not isinstance(offer_id, str) or not offer_id:
        raise _invalid("offerId names one of the tenant's offers")
    progress = await offer_progress(store, offer_id, now=now)
    if progress is None or progress.award.get("tenant_id") != str(tenant.id):
        raise ProblemError(404, "not-found", "Not found", "there is no such offer")
    pending = await store.get(OFFER, offer_id, now=now)
    if progress.state != "pending" or pending is None:
        raise ProblemError(409, "offer-not-pending", "Request refused",
                           "the offer was opened already or has expired", code="offer_not_pending")
    if pending.get("tx_code") is not None:
        raise ProblemError(409, "offer-has-pin", "Request refused",
                           "an offer with a PIN cannot go to wallets that take no PIN",
                           code="offer_has_pin")
    return {**progress.award, "offer_id": offer_id}, progress.expires_at


async def create_issue_exchange(request: web.Request) -> web.Response:
    config = request.config_dict
    settings, now = config[SETTINGS], config[CLOCK].now()
    caller = caller_of(request)
    body = await read_object(request, max_depth=settings.max_json_depth)
    unknown = sorted(set(body) - {"offerId", "achievement", "recipientName"})
    if unknown:
        raise _invalid(f"unknown member {unknown[0]!r}")
    tenant = caller.tenant
    if "offerId" in body:
        if len(body) != 1:
            raise _invalid("give offerId alone, or achievement and recipientName")
        award, expires_at = await _award_of_offer(request, tenant, body["offerId"])
        lifetime = expires_at - now
    else:
        slug, name = body.get("achievement"), body.get("recipientName")
        if not isinstance(slug, str):
            raise _invalid("achievement names one of the tenant's achievement templates by slug")
        if name is not None and (not isinstance(name, str) or not name.isprintable()
                                 or not 0 < len(name.strip()) <= _MAX_NAME):
            raise _invalid(f"recipientName is a string of 1 to {_MAX_NAME} characters")
        template = await config[ISSUER].achievement(tenant, slug)
        if template is None:
            raise ProblemError(400, "unknown-achievement", "Request refused",
                               f"there is no achievement template {slug!r}",
                               code="unknown_achievement")
        award = {"tenant_id": str(tenant.id), "achievement": slug,
                 "credential_id": f"urn:uuid:{uuid.uuid4()}"}
        if name is not None:
            award["recipient_name"] = name.strip()
        lifetime = DEFAULT_LIFETIME
    issuer = issuer_profile(tenant)["id"]
    award.update(tenant=tenant.name, issuer=issuer)
    made = await create_exchange(config[PROTOCOL_STORE], domain=_origin(settings.base_url),
                                 purpose="issue", award=award, lifetime=lifetime, now=now)
    exchange = made.exchange
    url = exchange_url(settings.base_url, exchange.exchange_id)
    qr = _qr_path(exchange.exchange_id)
    return web.json_response({
        "exchangeId": exchange.exchange_id,
        "exchangeUrl": url,
        "interactionUrl": interaction_url(settings.base_url, exchange.exchange_id),
        "lcwDeepLink": lcw_deep_link(issuer=issuer, exchange_url=url,
                                     challenge=exchange.challenge),
        "lcwExchangeLink": lcw_exchange_link(origin=_origin(settings.base_url),
                                             exchange_url=url),
        "qrSvg": qr + "?of=interaction",
        "lcwQrSvg": qr + "?of=lcw",
        "expiresAt": format_datetime(exchange.expires_at),
    }, status=201, headers=_NO_STORE)


async def issue_exchange_state(request: web.Request) -> web.Response:
    caller = caller_of(request)
    exchange_id = request.match_info["exchange_id"]
    progress = await exchange_progress(request.config_dict[PROTOCOL_STORE], exchange_id,
                                       now=request.config_dict[CLOCK].now())
    if progress is None or progress.exchange.purpose != "issue" \
            or progress.exchange.award.get("tenant_id") != str(caller.tenant.id):
        raise ProblemError(404, "not-found", "Not found", "there is no such exchange")
    exchange = progress.exchange
    answer: dict[str, Any] = {"id": exchange_id, "state": progress.state,
                              "expiresAt": format_datetime(exchange.expires_at)}
    credential_id = str(exchange.award.get("credential_id"))
    if progress.state != "pending":
        delivered = await request.config_dict[ISSUER].credential(caller.tenant, credential_id)
        if delivered is not None:
            answer.update(state="delivered", credentialId=credential_id)
    return web.json_response(answer, headers=_NO_STORE)


# --- the verifier page -----------------------------------------------------------------------


def _iri(body: dict[str, Any], name: str) -> dict[str, str]:
    value = body.get(name)
    if value is None:
        return {}
    if (not isinstance(value, str) or len(value) > _MAX_IRI
            or not _ABSOLUTE_IRI.fullmatch(value)):
        raise _invalid(f"{name} is an absolute IRI of at most {_MAX_IRI} characters")
    return {name: value}


async def create_verify_exchange(request: web.Request) -> web.Response:
    config = request.config_dict
    settings = config[SETTINGS]
    body: dict[str, Any] = {}
    if request.can_read_body:
        body = await read_object(request, max_depth=settings.max_json_depth)
    unknown = sorted(set(body) - {"achievement", "issuer"})
    if unknown:
        raise _invalid(f"unknown member {unknown[0]!r}")
    query = {**_iri(body, "achievement"), **_iri(body, "issuer")}
    made = await create_exchange(config[PROTOCOL_STORE], domain=_origin(settings.base_url),
                                 purpose="verify", query=query, now=config[CLOCK].now())
    exchange = made.exchange
    url = exchange_url(settings.base_url, exchange.exchange_id)
    return web.json_response({
        "transactionId": made.transaction_id,
        "exchangeId": exchange.exchange_id,
        "exchangeUrl": url,
        "interactionUrl": interaction_url(settings.base_url, exchange.exchange_id),
        "lcwExchangeLink": lcw_exchange_link(origin=_origin(settings.base_url),
                                             exchange_url=url),
        "qrSvg": _qr_path(exchange.exchange_id) + "?of=interaction",
        "expiresAt": format_datetime(exchange.expires_at),
    }, status=201, headers=_NO_STORE)


async def verify_exchange_result(request: web.Request) -> web.Response:
    found = await load_result(request.config_dict[PROTOCOL_STORE],
                              request.match_info["transaction_id"],
                              now=request.config_dict[CLOCK].now())
    if found is None:
        return web.json_response({"status": "pending"}, headers=_NO_STORE)
    return web.json_response({"status": "done", "result": found}, headers=_NO_STORE)


def create_exchanges_app() -> web.Application:
    """The ``/exchanges`` sub-application: the wallets' side of every exchange."""
    app = web.Application()
    app.router.add_post("/{exchange_id}", participate)
    app.router.add_get("/{exchange_id}/protocols", interaction)
    app.router.add_get("/{exchange_id}/qr.svg", exchange_qr)
    return app


def add_issuer_exchange_routes(issuer: web.Application) -> None:
    """The console's exchange API, on the ``/issuer`` sub-application."""
    issuer.router.add_post("/exchanges", create_issue_exchange)
    issuer.router.add_get("/exchanges/{exchange_id}", issue_exchange_state)


def add_verifier_exchange_routes(verifier: web.Application) -> None:
    """The verifier page's exchange API, on the ``/verifier`` sub-application."""
    verifier.router.add_post("/exchanges", create_verify_exchange)
    verifier.router.add_get("/exchanges/results/{transaction_id}", verify_exchange_result)

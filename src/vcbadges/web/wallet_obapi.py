"""Wallet routes: the holder connects the wallet to another host's Open Badges 3.0 API, then
pushes badges to it or pulls badges from it (:mod:`vcbadges.obapi.connections`).

- ``POST /wallet/api/ob/connections`` ``{"hostUrl"}``: discovery and registration at the
  host, through the wallet's SafeFetcher under its policy (a loopback or private address, or
  plain http, is refused unless the settings allow it); answers ``{"authorizationUrl"}``,
  where the page sends the browser.
- ``GET /wallet/ob/callback``: where the host sends the browser back. The wallet's session
  cookie is ``SameSite=Strict``, so a browser coming back from another site does not send
  it here; this route therefore does nothing but hand the answer (``code`` and ``state``, or
  the host's ``error``) to the wallet page in the URL fragment (``#/ob-callback?…``, never
  sent to a server), and the page posts it back in its own session:
- ``POST /wallet/api/ob/callback`` ``{"state", "code"}`` (or ``{"state", "error",
  "errorDescription"}``): checks that this session started a connection with this
  ``state`` (``400 ob-state-invalid`` otherwise), exchanges the code (PKCE) and keeps the
  connection sealed under the wallet's data key; ``201 {"connection"}``.
- ``GET /wallet/api/ob/connections``: ``{"connections": [...]}`` (no token ever leaves).
- ``DELETE /wallet/api/ob/connections/{id}``: revokes the tokens at the host (RFC 7009) and
  deletes the connection; ``{"revoked": bool, "problem"?}``.
- ``POST /wallet/api/ob/connections/{id}/push`` ``{"credentialId"}``: ``{"outcome":
  "created" | "replaced"}``.
- ``POST /wallet/api/ob/connections/{id}/pull``: ``{"imported": [badge summaries],
  "duplicates": n, "refused": [{"index", "name", "check", "code", "reason"}]}``; every
  credential is verified as the service verifies all (signature, issuer, status, validity),
  as its holder (an ecdsa-sd-2023 base proof checked, see :func:`vcbadges.verify_held`),
  before the wallet keeps it.

Problems: ``ob-host-not-allowed`` (422: the URL, or an address the host's name leads to, is
refused by the wallet's fetch policy), ``ob-host-failed`` (502: the host could not be
reached, or answered what a client cannot use: ``error`` and ``code`` say how, e.g.
``invalid_response`` or ``fetch_too_large``), ``ob-refused`` (422: the host refused the
authorization or the request, with its ``error``), ``ob-connection-expired`` (409: the host
no longer accepts the connection's tokens; connect again), ``not-found`` (404).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from vcbadges._api import verify_held_credential_document
from vcbadges.errors import FetchError, ProtocolError, VCBadgesError
from vcbadges.obapi.connections import ConnectionNotFound, OBConnections
from vcbadges.obapi.discovery import Endpoints
from vcbadges.report import VerificationReport
from vcbadges.web.bodies import read_object
from vcbadges.web.keys import (
    CLOCK,
    DB,
    DOCUMENTS,
    ISSUER_REGISTRIES,
    PROTOCOL_STORE,
    RESOLVER,
    SETTINGS,
    VERIFIED_LISTS,
    WALLET_FETCHER,
)
from vcbadges.web.problems import ProblemError
from vcbadges.web.wallet.common import opened as _opened, summary as _summary

__all__ = ["add_wallet_obapi_routes", "CALLBACK_PATH"]

#: The redirect URI path under the service's public URL.
CALLBACK_PATH = "/wallet/ob/callback"
_NO_STORE = {"Cache-Control": "no-store"}
_MAX_URL = 2000
_MAX_PARAM = 1000
_CALLBACK_PARAMS = ("state", "code", "error", "error_description")
_POLICY_CODES = frozenset({"fetch_scheme_not_allowed", "fetch_blocked_address"})


def _connections(request: web.Request) -> OBConnections:
    config = request.config_dict
    return OBConnections(db=config[DB], states=config[PROTOCOL_STORE],
                         send=config[WALLET_FETCHER].send,
                         allow_http_hosts=config[SETTINGS].wallet_allow_http_hosts)


def _invalid(detail: str) -> ProblemError:
    return ProblemError(400, "invalid-request", "The request is not valid", detail)


def _host_problem(exc: VCBadgesError) -> ProblemError:
    """A failed exchange with the host, as the wallet page is told of it."""
    if isinstance(exc, FetchError):
        if exc.code in _POLICY_CODES:
            return ProblemError(422, "ob-host-not-allowed", "This host cannot be reached",
                                exc.message, code=exc.code)
        return ProblemError(502, "ob-host-failed", "The host did not answer as it should",
                            exc.message, error="unavailable", code=exc.code)
    if isinstance(exc, ProtocolError):
        if exc.error == "invalid_state":
            return ProblemError(400, "ob-state-invalid", "This connection cannot be completed",
                                exc.message, error=exc.error)
        if exc.error == "invalid_request" and exc.status == 400:
            # The URL given (or one the host named) is not one the wallet may use.
            return ProblemError(422, "ob-host-not-allowed", "This host cannot be reached",
                                exc.message, error=exc.error)
        if exc.error == "invalid_response":
            return ProblemError(502, "ob-host-failed", "The host did not answer as it should",
                                exc.message, error=exc.error)
        return ProblemError(422, "ob-refused", "The host refused", exc.message,
                            error=exc.error)
    return ProblemError(502, "ob-host-failed", "The host did not answer as it should",
                        exc.message, code=exc.code)


def _not_found(detail: str = "there is no such connection in this wallet") -> ProblemError:
    return ProblemError(404, "not-found", "Not found", detail)


def _connection_id(request: web.Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info["connection_id"])
    except ValueError:
        raise _not_found() from None


def _metadata(request: web.Request) -> dict[str, Any]:
    """This wallet's RFC 7591 registration, at every host (``redirect_uris`` and ``scope``
    are added per connection). Its terms and privacy policy are this service's Open Badges
    API policies page (RFC 7591 URLs carry no fragment)."""
    base = request.config_dict[SETTINGS].base_url.rstrip("/")
    policies = Endpoints(base).policies
    return {"client_name": "vcbadges wallet", "client_uri": base + "/wallet/",
            "logo_uri": base + "/wallet/icon.svg", "tos_uri": policies,
            "policy_uri": policies, "software_id": "vcbadges-wallet",
            "software_version": "1"}


async def start_connection(request: web.Request) -> web.Response:
    async with _opened(request) as opened:
        body = await read_object(request)
        unknown = sorted(set(body) - {"hostUrl"})
        if unknown:
            raise _invalid(f"unknown member {unknown[0][:40]!r}")
        host_url = body.get("hostUrl")
        if not isinstance(host_url, str) or not 0 < len(host_url.strip()) <= _MAX_URL:
            raise _invalid(f"hostUrl is the host's URL, at most {_MAX_URL} characters")
        base = request.config_dict[SETTINGS].base_url.rstrip("/")
        try:
            url = await _connections(request).start(
                opened.wallet, host_url=host_url.strip(), session_id=opened.id_hash,
                redirect_uri=base + CALLBACK_PATH, metadata=_metadata(request),
                now=request.config_dict[CLOCK].now())
        except (ProtocolError, FetchError) as exc:
            raise _host_problem(exc) from None
    return web.json_response({"authorizationUrl": url}, headers=_NO_STORE)


async def callback(request: web.Request) -> web.Response:
    """Hand the host's answer to the wallet page (see the module docstring)."""
    kept = {name: request.query[name][:_MAX_PARAM] for name in _CALLBACK_PARAMS
            if name in request.query}
    raise web.HTTPSeeOther("/wallet/#/ob-callback?" + urlencode(kept), headers={
        **_NO_STORE, "Referrer-Policy": "no-referrer"})


def _callback_of(body: Mapping[str, Any]) -> dict[str, str]:
    names = {"state": "state", "code": "code", "error": "error",
             "errorDescription": "error_description"}
    unknown = sorted(set(body) - set(names))
    if unknown:
        raise _invalid(f"unknown member {unknown[0][:40]!r}")
    query: dict[str, str] = {}
    for member, name in names.items():
        value = body.get(member)
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > _MAX_PARAM:
            raise _invalid(f"{member} is a string of at most {_MAX_PARAM} characters")
        query[name] = value
    if "state" not in query or ("code" not in query and "error" not in query):
        raise _invalid("send the state and the code (or the error) the host sent back")
    return query


async def finish_connection(request: web.Request) -> web.Response:
    async with _opened(request) as opened:
        query = _callback_of(await read_object(request))
        try:
            connection = await _connections(request).finish(
                opened.wallet, session_id=opened.id_hash, callback=query,
                now=request.config_dict[CLOCK].now())
        except (ProtocolError, FetchError) as exc:
            raise _host_problem(exc) from None
    return web.json_response({"connection": connection.to_json()}, status=201,
                             headers=_NO_STORE)


async def list_connections(request: web.Request) -> web.Response:
    async with _opened(request, csrf=False) as opened:
        found = await _connections(request).list(opened.wallet)
    return web.json_response({"connections": [c.to_json() for c in found]}, headers=_NO_STORE)


async def disconnect(request: web.Request) -> web.Response:
    connection_id = _connection_id(request)
    async with _opened(request) as opened:
        try:
            revocation = await _connections(request).disconnect(opened.wallet, connection_id)
        except ConnectionNotFound:
            raise _not_found() from None
    answer: dict[str, Any] = {"revoked": revocation.revoked}
    if revocation.problem is not None:
        answer["problem"] = revocation.problem
    return web.json_response(answer, headers=_NO_STORE)


def _expired(exc: ProtocolError) -> bool:
    return exc.error in ("invalid_grant", "invalid_token")


async def push(request: web.Request) -> web.Response:
    connection_id = _connection_id(request)
    async with _opened(request) as opened:
        body = await read_object(request)
        try:
            record_id = uuid.UUID(str(body.get("credentialId")))
        except ValueError:
            raise _invalid("credentialId is the id of a credential in this wallet") from None
        record = await opened.wallet.get_credential(record_id)
        try:
            replaced = await _connections(request).push(
                opened.wallet, connection_id, record, now=request.config_dict[CLOCK].now())
        except ConnectionNotFound:
            raise _not_found() from None
        except ProtocolError as exc:
            if _expired(exc):
                raise _expired_problem(exc) from None
            raise _host_problem(exc) from None
        except FetchError as exc:
            raise _host_problem(exc) from None
    return web.json_response({"outcome": "replaced" if replaced else "created"},
                             headers=_NO_STORE)


def _expired_problem(exc: ProtocolError) -> ProblemError:
    return ProblemError(409, "ob-connection-expired", "This connection no longer works",
                        f"{exc.message}; disconnect and connect again", error=exc.error)


async def pull(request: web.Request) -> web.Response:
    connection_id = _connection_id(request)
    config = request.config_dict

    async def verify(credential: str | dict[str, Any]) -> VerificationReport:
        return await verify_held_credential_document(
            credential, fetcher=config[DOCUMENTS], resolver=config[RESOLVER],
            verified_lists=config[VERIFIED_LISTS], registries=config[ISSUER_REGISTRIES],
            now=config[CLOCK].now())

    async with _opened(request) as opened:
        try:
            pulled = await _connections(request).pull(opened.wallet, connection_id,
                                                      verify=verify, now=config[CLOCK].now())
        except ConnectionNotFound:
            raise _not_found() from None
        except ProtocolError as exc:
            if _expired(exc):
                raise _expired_problem(exc) from None
            raise _host_problem(exc) from None
        except FetchError as exc:
            raise _host_problem(exc) from None
    return web.json_response({
        "imported": [_summary(record) for record in pulled.imported],
        "duplicates": pulled.duplicates,
        "refused": [item.to_json() for item in pulled.refused],
    }, headers=_NO_STORE)


def add_wallet_obapi_routes(app: web.Application) -> web.Application:
    """Add the connections' routes to the ``/wallet`` sub-application; returns it."""
    app.router.add_post("/api/ob/connections", start_connection)
    app.router.add_get("/api/ob/connections", list_connections)
    app.router.add_delete("/api/ob/connections/{connection_id}", disconnect)
    app.router.add_post("/api/ob/connections/{connection_id}/push", push)
    app.router.add_post("/api/ob/connections/{connection_id}/pull", pull)
    app.router.add_post("/api/ob/callback", finish_connection)
    app.router.add_get("/ob/callback", callback)
    return app

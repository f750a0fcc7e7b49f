"""The Open Badges 3.0 API (sub-application at ``/ims/ob/v3p0``): the wallet's holders
connect other badge hosts and applications to their wallet.

Routes, as section "Open Badges API" names them:

- ``GET /discovery``: the Service Description Document (:mod:`vcbadges.obapi.discovery`);
- ``POST /register``: dynamic client registration (RFC 7591);
- ``GET /authorize``: the consent page, where the holder signs in with their wallet
  passphrase and allows or refuses the client the scopes it asks for; ``POST /authorize``
  takes that decision and sends the browser back to the client (``303``);
- ``POST /token`` (authorization code and refresh) and ``POST /revoke`` (RFC 7009);
- ``GET /credentials`` (``getCredentials``), ``POST /credentials`` (``upsertCredential``),
  ``GET /profile`` (``getProfile``), ``PUT /profile`` (``putProfile``), under a Bearer access
  token with the scope each needs;
- ``GET /policies``: the terms of service and privacy policy the discovery document names.

The consent page asks for the passphrase rather than reading the wallet's session cookie:
that cookie is ``SameSite=Strict``, so a browser arriving from the client's site does not
send it, and only the passphrase opens the data key a grant must carry (see
:mod:`vcbadges.obapi.server`). Sign-ins there count against the same throttle as the
wallet's own. The page cannot be framed, runs no script, and its form posts only here.

Errors: the OAuth endpoints answer RFC 6749 / 7591 ``{"error", "error_description"}`` (401
with ``WWW-Authenticate: Basic`` for a client that did not authenticate); the resource
endpoints answer ``Imsx_StatusInfo`` (:mod:`vcbadges.obapi.status`), with
``WWW-Authenticate: Bearer`` on 401 and 403 (RFC 6750 §3). A credential sent to
``upsertCredential`` is verified as everywhere in the service (signature, issuer, status,
validity), as its holder verifies it (an ecdsa-sd-2023 base proof is checked, not refused:
see :func:`vcbadges.verify_held`), and refused with 400 ``invalid_data`` when it does not
pass; the wallet keeps only what it verified.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from html import escape
from urllib.parse import urlsplit

from aiohttp import web

from vcbadges._api import verify_held_credential_document
from vcbadges.errors import ProtocolError, StorageError
from vcbadges.oauth.common import strict_json
from vcbadges.obapi import credentials as ob_credentials
from vcbadges.obapi.discovery import API_PATH, Endpoints, service_description
from vcbadges.obapi.profile import ProfileStore
from vcbadges.obapi.scopes import (
    CREDENTIAL_READONLY,
    CREDENTIAL_UPSERT,
    PROFILE_READONLY,
    PROFILE_UPDATE,
    SCOPES,
)
from vcbadges.obapi.server import (
    AuthorizationRequest,
    Grant,
    OBAuthorizationServer,
    RedirectError,
    purge_tokens,
    token_key,
)
from vcbadges.obapi.status import ResourceError
from vcbadges.primitives.jsonlimits import loads_strict
from vcbadges.report import ADVISORY_CHECKS, Outcome
from vcbadges.wallet import WrongPassphrase
from vcbadges.wallet.throttle import SignInThrottle, TooManySignIns
from vcbadges.web.bodies import read_form, refuse_lone_surrogates
from vcbadges.web.keys import (
    CLOCK,
    DB,
    DOCUMENTS,
    ISSUER_REGISTRIES,
    PROTOCOL_STORE,
    RESOLVER,
    SETTINGS,
    VERIFIED_LISTS,
    WALLET_SESSION_KEY,
    WALLET_STORE,
    WALLET_UNLOCKS,
)

__all__ = ["add_ob_api", "create_obapi_app", "PURGE_INTERVAL"]

log = logging.getLogger("vcbadges.web.obapi")

#: How often expired tokens are deleted (seconds).
PURGE_INTERVAL = 300.0
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
             "form-action {form_action}; base-uri 'none'; frame-ancestors 'none'")
# An origin as a CSP source expression: nothing that could end or extend the directive.
_CSP_ORIGIN = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+")
_MAX_FIELD = 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _server(request: web.Request) -> OBAuthorizationServer:
    config = request.config_dict
    return OBAuthorizationServer(
        db=config[DB], states=config[PROTOCOL_STORE], wallets=config[WALLET_STORE],
        token_key=token_key(config[WALLET_SESSION_KEY]),
        allow_http_hosts=config[SETTINGS].fetch_allow_http_hosts)


def _oauth_error(exc: ProtocolError) -> web.Response:
    headers = dict(_NO_STORE)
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="ob"'
    return web.json_response({"error": exc.error, "error_description": exc.message},
                             status=exc.status, headers=headers)


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """``ResourceError`` as ``Imsx_StatusInfo``; OAuth errors in their shape, no-store."""
    try:
        return await handler(request)
    except ResourceError as exc:
        return web.json_response(exc.body(), status=exc.status,
                                 headers={**_NO_STORE, **exc.headers})
    except ProtocolError as exc:
        return _oauth_error(exc)


# --- discovery and registration ------------------------------------------------------


async def discovery(request: web.Request) -> web.Response:
    return web.json_response(service_description(request.config_dict[SETTINGS].base_url))


async def register(request: web.Request) -> web.Response:
    if request.content_type != "application/json":
        raise ProtocolError("invalid_client_metadata",
                            "send the client metadata as application/json")
    body = strict_json(await request.read(), error="invalid_client_metadata",
                       what="the registration request")
    refuse_lone_surrogates_as(body, "invalid_client_metadata")
    answer = await _server(request).register(body, now=request.config_dict[CLOCK].now())
    return web.json_response(answer, status=201, headers=_NO_STORE)


def refuse_lone_surrogates_as(value: object, error: str) -> None:
    """:func:`refuse_lone_surrogates` with the answer in OAuth shape."""
    try:
        refuse_lone_surrogates(value)
    except Exception:
        raise ProtocolError(error, "the body holds text that is not Unicode") from None


# --- consent -------------------------------------------------------------------------

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · vcbadges wallet</title>
<style>
body {{ font: 1rem/1.5 system-ui, sans-serif; margin: 0; color: #1b1f24; background: #f6f8fa; }}
main {{ max-width: 32rem; margin: 0 auto; padding: 2rem 1rem; }}
section {{ background: #fff; border: 1px solid #d0d7de; border-radius: .5rem; padding: 1rem; }}
label {{ display: block; margin-top: .75rem; font-weight: 600; }}
input {{ width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; }}
button {{ margin-top: 1rem; padding: .5rem 1rem; font: inherit; }}
p.error {{ color: #a40e26; font-weight: 600; }}
</style>
</head>
<body><main>{body}</main></body>
</html>
"""


def _page(title: str, body: str, *, status: int = 200,
          redirect_uri: str | None = None) -> web.Response:
    """An HTML page; its form posts only here, and when it answers with a redirect to the
    client's ``redirect_uri``, to that URI's origin too: browsers apply ``form-action`` to
    the redirects that follow a form submission."""
    response = web.Response(text=_PAGE.format(title=escape(title), body=body),
                            content_type="text/html", status=status, headers=_NO_STORE)
    form_action = "'self'"
    if redirect_uri is not None:
        parts = urlsplit(redirect_uri)
        origin = f"{parts.scheme}://{parts.netloc}"
        if _CSP_ORIGIN.fullmatch(origin):
            form_action += " " + origin
    response.headers["Content-Security-Policy"] = _PAGE_CSP.format(form_action=form_action)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _error_page(message: str, *, status: int = 400) -> web.Response:
    return _page("Cannot connect", f"<h1>This connection cannot go on</h1>"
                                   f"<section><p>{escape(message)}</p></section>",
                 status=status)


def _consent_page(request: AuthorizationRequest, handle: str, *, action: str,
                  error: str | None = None, status: int = 200) -> web.Response:
    scopes = "".join(f"<li>{escape(SCOPES[s])}</li>" for s in sorted(request.scopes))
    host = urlsplit(request.client_uri).hostname or request.client_uri
    notice = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = f"""<h1>Connect {escape(request.client_name)}?</h1>
<section>
<p><strong>{escape(request.client_name)}</strong> ({escape(host)}) asks to use your wallet.
If you allow it, it may:</p>
<ul>{scopes}</ul>
<p>It will be sent back to <code>{escape(request.redirect_uri)}</code>.</p>
{notice}
<form method="post" action="{escape(action)}">
<input type="hidden" name="handle" value="{escape(handle)}">
<label for="username">Wallet username</label>
<input id="username" name="username" autocomplete="username" required>
<label for="passphrase">Passphrase</label>
<input id="passphrase" name="passphrase" type="password" autocomplete="current-password"
 required>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</form>
</section>"""
    return _page(f"Connect {request.client_name}", body, status=status,
                 redirect_uri=request.redirect_uri)


def _action(request: web.Request) -> str:
    return Endpoints(request.config_dict[SETTINGS].base_url).authorization


async def authorize(request: web.Request) -> web.Response:
    server, now = _server(request), request.config_dict[CLOCK].now()
    try:
        handle, pending = await server.authorization_request(request.query, now=now)
    except RedirectError as exc:
        raise web.HTTPSeeOther(exc.location, headers=_NO_STORE) from None
    except ProtocolError as exc:
        return _error_page(exc.message)
    return _consent_page(pending, handle, action=_action(request))


def _field(form: object, name: str) -> str:
    value = form.get(name) if hasattr(form, "get") else None
    return value if isinstance(value, str) and len(value) <= _MAX_FIELD else ""


async def decide(request: web.Request) -> web.Response:
    server, now = _server(request), request.config_dict[CLOCK].now()
    form = await read_form(request)
    handle = _field(form, "handle")
    pending = await server.pending(handle, now=now) if handle else None
    if pending is None:
        return _error_page("This request has expired or was answered. Start again from the "
                           "application that sent you here.")
    decision = _field(form, "decision")
    if decision == "deny":
        raise web.HTTPSeeOther(await server.deny(handle, now=now), headers=_NO_STORE)
    if decision != "allow":
        return _consent_page(pending, handle, action=_action(request), status=400,
                             error="Choose Allow or Deny.")
    username, passphrase = _field(form, "username"), _field(form, "passphrase")
    if not username or not passphrase:
        return _consent_page(pending, handle, action=_action(request), status=400,
                             error="Enter your wallet username and passphrase.")
    throttle = SignInThrottle(request.config_dict[DB])
    try:
        async with throttle.attempt(username, now=now), request.config_dict[WALLET_UNLOCKS]:
            wallet = await request.config_dict[WALLET_STORE].unlock(username, passphrase)
    except TooManySignIns:
        return _consent_page(pending, handle, action=_action(request), status=429,
                             error="Too many failed sign-ins; wait before trying again.")
    except StorageError as exc:
        if isinstance(exc, WrongPassphrase) or exc.code == "account_not_found":
            return _consent_page(pending, handle, action=_action(request), status=401,
                                 error="The username or the passphrase is wrong.")
        raise
    try:
        location = await server.approve(handle, wallet, now=now)
    finally:
        wallet.lock()
    raise web.HTTPSeeOther(location, headers=_NO_STORE)


# --- tokens --------------------------------------------------------------------------


async def token(request: web.Request) -> web.Response:
    form = await read_form(request)
    answer = await _server(request).token(form, request.headers.get("Authorization"),
                                          now=request.config_dict[CLOCK].now())
    return web.json_response(answer, headers=_NO_STORE)


async def revoke(request: web.Request) -> web.Response:
    form = await read_form(request)
    await _server(request).revoke(form, request.headers.get("Authorization"),
                                  now=request.config_dict[CLOCK].now())
    return web.Response(status=200, headers=_NO_STORE)


# --- resources -----------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _granted(request: web.Request, scope: str) -> AsyncIterator[Grant]:
    """The request's grant, with ``scope``; its wallet is locked again afterwards."""
    grant = await _server(request).authenticate(request.headers.get("Authorization"),
                                                now=request.config_dict[CLOCK].now())
    try:
        grant.require(scope)
        yield grant
    finally:
        grant.wallet.lock()


async def get_credentials(request: web.Request) -> web.Response:
    paging = ob_credentials.read_paging(request.query)
    async with _granted(request, CREDENTIAL_READONLY) as grant:
        page = await ob_credentials.credentials_page(grant.wallet, paging)
    url = Endpoints(request.config_dict[SETTINGS].base_url).api + "/credentials"
    return web.json_response(page.body, headers={
        **_NO_STORE, "X-Total-Count": str(page.total),
        "Link": ob_credentials.link_header(url, paging, page.total, request.query)})


async def _body(request: web.Request) -> bytes:
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise ResourceError(413, "invalid_data", f"the body exceeds the limit of "
                                                 f"{request.client_max_size} bytes") from None


def _failure(report_json: dict[str, object]) -> str:
    for check in report_json.get("checks", []):  # type: ignore[attr-defined]
        if check["id"] not in ADVISORY_CHECKS and check["outcome"] in (
                Outcome.FAILED.value, Outcome.ERROR.value):
            return f"the credential did not verify ({check['id']}: {check['code']})"
    return "the credential did not verify"


async def upsert_credential(request: web.Request) -> web.Response:
    async with _granted(request, CREDENTIAL_UPSERT) as grant:
        received = ob_credentials.read_credential(request.content_type, await _body(request))
        report = await verify_held_credential_document(
            received.verifiable, fetcher=request.config_dict[DOCUMENTS],
            resolver=request.config_dict[RESOLVER],
            verified_lists=request.config_dict[VERIFIED_LISTS],
            registries=request.config_dict[ISSUER_REGISTRIES],
            now=request.config_dict[CLOCK].now())
        if not report.verified:
            raise ResourceError(400, "invalid_data", _failure(report.to_json()))
        upserted = await ob_credentials.upsert(grant.wallet, received,
                                               now=request.config_dict[CLOCK].now())
    status = 200 if upserted.replaced else 201
    if isinstance(received.verifiable, str):
        return web.Response(text=received.text, status=status, content_type="text/plain",
                            headers=_NO_STORE)
    return web.json_response(received.document, status=status, headers=_NO_STORE)


async def get_profile(request: web.Request) -> web.Response:
    async with _granted(request, PROFILE_READONLY) as grant:
        profile = await ProfileStore(request.config_dict[DB]).get(grant.wallet)
    return web.json_response(profile, headers=_NO_STORE)


async def put_profile(request: web.Request) -> web.Response:
    async with _granted(request, PROFILE_UPDATE) as grant:
        if request.content_type != "application/json":
            raise ResourceError(415, "not_acceptable", "send the profile as application/json")
        raw = await _body(request)
        try:
            body = loads_strict(raw, max_bytes=len(raw) or 1)
            refuse_lone_surrogates(body)
        except Exception:
            raise ResourceError(400, "invalid_data", "the body is not valid JSON") from None
        kept = await ProfileStore(request.config_dict[DB]).put(
            grant.wallet, body, now=request.config_dict[CLOCK].now())
    return web.json_response(kept, headers=_NO_STORE)


# --- policies ------------------------------------------------------------------------


async def policies(request: web.Request) -> web.Response:
    body = """<h1>Open Badges API: terms and privacy</h1>
<section id="terms"><h2>Terms of service</h2>
<p>Applications you connect act on your behalf, within the permissions you allowed, until
you revoke them or their access expires. This service gives no warranty.</p></section>
<section id="privacy"><h2>Privacy policy</h2>
<p>Your badges and profile stay encrypted under your wallet passphrase. A connected
application's access carries the key to your wallet in a form only its own tokens and this
service together can open; only hashes of those tokens are stored. Nothing is shared with
anyone you did not connect.</p></section>"""
    return _page("Terms and privacy", body)


# --- the application -----------------------------------------------------------------


def create_obapi_app() -> web.Application:
    """The ``/ims/ob/v3p0`` sub-application; shared state comes from the root app."""
    app = web.Application(middlewares=[_errors])
    router = app.router
    router.add_get("/discovery", discovery)
    router.add_post("/register", register)
    router.add_get("/authorize", authorize)
    router.add_post("/authorize", decide)
    router.add_post("/token", token)
    router.add_post("/revoke", revoke)
    router.add_get("/credentials", get_credentials)
    router.add_post("/credentials", upsert_credential)
    router.add_get("/profile", get_profile)
    router.add_put("/profile", put_profile)
    router.add_get("/policies", policies)
    return app


async def _sweep(app: web.Application) -> None:
    while True:
        await asyncio.sleep(PURGE_INTERVAL)
        try:
            await purge_tokens(app[DB], now=app[CLOCK].now())
        except Exception:  # The next round tries again; the service goes on.
            log.exception("purging expired Open Badges API tokens failed")


async def _token_sweeper_ctx(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_sweep(app))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def add_ob_api(app: web.Application) -> None:
    """Mount the API at ``/ims/ob/v3p0`` on the root ``app``, with its token sweeper (after
    the database and wallet stores it uses)."""
    app.cleanup_ctx.append(_token_sweeper_ctx)
    app.add_subapp(API_PATH, create_obapi_app())



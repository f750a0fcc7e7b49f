"""The service application: ``create_app(settings)``, and ``init_func`` for
``python -m aiohttp.web vcbadges.web.app:init_func``.

The root application owns the shared resources, each set up and torn down by one
``cleanup_ctx`` entry (in order: the key store, the database, the issuing service, the
outbound fetcher, the issuer registries, the OpenID4VC and wallet stores, the sweeper of
expired protocol state and sessions, the bulk jobs), the landing page, ``/openapi.json``,
the did:web documents of its tenants and the OpenID4VCI metadata under ``/.well-known/``.
The issuer (with its console), verifier (with the employer page), wallet and per-tenant
OpenID4VCI APIs are sub-applications at ``/issuer``, ``/verifier``, ``/wallet`` and ``/oid4vci``.

On first start with ``settings.demo_tenant``, a demo issuer tenant is created and its API
key is printed once to standard output (never logged; only its hash is stored).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from html import escape
from urllib.parse import urlsplit

from aiohttp import web

from vcbadges.dids.resolver import network_resolver
from vcbadges.errors import StorageError
from vcbadges.issuer.hosting import (
    DEMO_TENANT,
    create_demo_tenant,
    host_did_document,
    tenant_did_document,
)
from vcbadges.issuer.keystore import MasterKeyStore, load_or_create_master_key
from vcbadges.issuer.publish import MAX_STALENESS, StatusListPublisher
from vcbadges.issuer.service import IssuerService
from vcbadges.issuer.tenants import is_tenant_name
from vcbadges.net.fetcher import FetchPolicy, SafeFetcher
from vcbadges.primitives.dates import utcnow
from vcbadges.storage import DatabaseConfig, database_config, record_public_url, upgrade
from vcbadges.storage.protocol_state import SQLProtocolStore
from vcbadges.verifier.listcache import VerifiedListCache
from vcbadges.verifier.registry import IssuerRegistries
from vcbadges.wallet import SQLWalletStore
from vcbadges.wallet.sessions import WalletSessions, session_key
from vcbadges.web.auth import reading
from vcbadges.web.bulk import add_bulk_routes, bulk_jobs_ctx
from vcbadges.web.documents import OwnDocumentsFirst
from vcbadges.web.exchanges import (
    WALLET_EXCHANGES,
    WalletExchanges,
    own_origin_policy,
    wallet_trust_anchors,
)
from vcbadges.web.holder import create_holder_app
from vcbadges.web.issuer import PREFIX as ISSUER_PREFIX, create_issuer_app
from vcbadges.web.keys import (
    BULK_JOBS,
    CERTIFICATE_SIGNER,
    CLOCK,
    DB,
    DOCUMENTS,
    FETCHER,
    ISSUER,
    ISSUER_REGISTRIES,
    KEYSTORE,
    PROTOCOL_STORE,
    RESOLVER,
    SETTINGS,
    STATUS_LISTS,
    VERIFIED_LISTS,
    WALLET_FETCHER,
    WALLET_RESOLVER,
    WALLET_SESSION_KEY,
    WALLET_SESSIONS,
    WALLET_STORE,
    WALLET_TRUST_ANCHORS,
    WALLET_UNLOCKS,
    Clock,
)
from vcbadges.web.limits import concurrency_limits
from vcbadges.web.middlewares import error_middleware, security_headers
from vcbadges.web.obapi import add_ob_api
from vcbadges.web.oid4vci import add_console_routes, add_well_known_routes, create_oid4vci_app
from vcbadges.web.oid4vp import add_oid4vp_routes, certificate_signer
from vcbadges.web.openapi import openapi_document
from vcbadges.web.problems import ProblemError
from vcbadges.web.public_badge import add_public_badge_routes
from vcbadges.web.resolver import add_resolver_routes
from vcbadges.web.serving import body_deadline
from vcbadges.web.settings import Settings
from vcbadges.web.vcapi_exchanges import (
    add_issuer_exchange_routes,
    add_verifier_exchange_routes,
    create_exchanges_app,
)
from vcbadges.web.verifier import create_verifier_app
from vcbadges.web.verifying import verify_pool_ctx
from vcbadges.web.vpqr import add_verifier_vpqr_routes, add_wallet_vpqr_routes
from vcbadges.web.wallet import add_wallet_redirect, create_wallet_app, purge_expired
from vcbadges.web.wallet.pages import static_files, static_page
from vcbadges.web.wallet_obapi import add_wallet_obapi_routes
from vcbadges.web.wallet_publish import add_wallet_publish_routes

__all__ = ["create_app", "init_func", "database_for", "keystore_for"]

log = logging.getLogger("vcbadges.web")

_DID_JSON = "application/did+json"


async def keystore_ctx(app: web.Application) -> AsyncIterator[None]:
    """The master key (from settings, or the key file, created on first start) and what
    uses it: the key store and the status list publisher."""
    settings = app[SETTINGS]
    keystore = keystore_for(settings)
    app[KEYSTORE] = keystore
    app[STATUS_LISTS] = StatusListPublisher(
        keystore=keystore, base_url=settings.base_url,
        max_staleness=min(MAX_STALENESS, settings.status_list_max_age))
    yield


async def _demo_tenant(app: web.Application) -> None:
    db = app[DB]
    try:
        async with db.sessionmaker()() as session, session.begin():
            api_key = await create_demo_tenant(session, keystore=app[KEYSTORE])
    except StorageError as exc:
        if exc.code != "conflict":
            raise
        return  # Another process starting at the same moment created it.
    if api_key is not None:
        # Standard output only, never a logger: log lines are collected and kept.
        sys.stdout.write(
            f"vcbadges: created the demo issuer tenant {DEMO_TENANT!r}.\n"
            f"vcbadges: its API key, shown only this once: {api_key}\n")
        sys.stdout.flush()


def database_for(settings: Settings) -> DatabaseConfig:
    """The database the settings name (not yet connected); ``ValueError`` for a bad URL."""
    options = {}
    if settings.database_schema:
        if not settings.database.startswith("postgres"):
            raise ValueError("a database schema applies to PostgreSQL only")
        options["schema"] = settings.database_schema
    return database_config(settings.database, **options)


def keystore_for(settings: Settings) -> MasterKeyStore:
    """The key store under the master key of the settings, or of the key file in the data
    folder (created, mode 0600, when missing)."""
    return MasterKeyStore(load_or_create_master_key(settings.master_key_path,
                                                    env_value=settings.master_key))


async def _record_public_url(db: DatabaseConfig, base_url: str) -> None:
    """Record the public URL the service starts under (see :mod:`vcbadges.web.documents`
    for why), and say so when it is not the one the service used last."""
    async with db.sessionmaker()() as session, session.begin():
        earlier = await record_public_url(session, base_url, utcnow())
    if earlier is not None:
        log.info("the public URL changed from %s to %s; badges issued under the earlier "
                 "public URLs are still read as this service's own", earlier, base_url)


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    """The database: migrated to the newest schema at start (and told the public URL),
    disposed at cleanup."""
    db = database_for(app[SETTINGS])
    try:
        await upgrade(db)
        await _record_public_url(db, app[SETTINGS].base_url)
        app[DB] = db
        if app[SETTINGS].demo_tenant:
            await _demo_tenant(app)
        yield
    finally:
        await db.dispose()


async def issuer_ctx(app: web.Application) -> AsyncIterator[None]:
    """The issuing service, which tells the status list publisher of each status change it
    commits; its commits under way end before the database closes."""
    service = IssuerService(app[DB], app[KEYSTORE], base_url=app[SETTINGS].base_url,
                            publisher=app[STATUS_LISTS])
    app[ISSUER] = service
    yield
    await service.close()


async def fetcher_ctx(app: web.Application) -> AsyncIterator[None]:
    """The SafeFetcher of verification and the DID resolver that reads through it (this
    service's own documents from its database first), the wallet's SafeFetcher and DID
    resolver (the same ones unless the wallet's fetch policy differs), and the wallet's
    exchanges: that fetcher, and one for this service's own origin only."""
    settings = app[SETTINGS]
    policy = FetchPolicy(allow_http_hosts=settings.fetch_allow_http_hosts,
                         allow_networks=settings.fetch_allow_networks,
                         ca_file=settings.fetch_ca_file)
    wallet_policy = replace(policy, allow_http_hosts=settings.wallet_allow_http_hosts,
                            allow_networks=settings.wallet_allow_networks)
    async with contextlib.AsyncExitStack() as stack:
        fetcher = await stack.enter_async_context(SafeFetcher(policy))
        app[FETCHER] = fetcher
        app[WALLET_FETCHER] = fetcher if wallet_policy == policy else (
            await stack.enter_async_context(SafeFetcher(wallet_policy)))
        own = await stack.enter_async_context(
            SafeFetcher(own_origin_policy(settings.base_url, wallet_policy)))
        app[WALLET_EXCHANGES] = WalletExchanges(base_url=settings.base_url, own=own,
                                                others=app[WALLET_FETCHER])
        documents = OwnDocumentsFirst(base_url=settings.base_url, db=app[DB],
                                      publisher=app[STATUS_LISTS], remote=fetcher)
        await documents.refresh()
        app[DOCUMENTS] = documents
        app[RESOLVER] = network_resolver(documents)
        if app[WALLET_FETCHER] is fetcher:
            app[WALLET_RESOLVER] = app[RESOLVER]
        else:
            wallet_documents = OwnDocumentsFirst(
                base_url=settings.base_url, db=app[DB], publisher=app[STATUS_LISTS],
                remote=app[WALLET_FETCHER])
            await wallet_documents.refresh()
            app[WALLET_RESOLVER] = network_resolver(wallet_documents)
        app[VERIFIED_LISTS] = VerifiedListCache()
        yield
        await app[STATUS_LISTS].close()  # Its reads under way end before the database closes.


async def registries_ctx(app: web.Application) -> AsyncIterator[None]:
    """The issuer registries of the settings, read once at start so that one that cannot be
    read is logged now (verifications skip it, and say so, until it can be read)."""
    registries = IssuerRegistries.from_locations(app[SETTINGS].issuer_registries,
                                                 fetcher=app[FETCHER])
    app[ISSUER_REGISTRIES] = registries
    for problem in await registries.preload():
        log.warning("issuer registry %s: %s", problem.registry, problem.message)
    yield


#: How often expired protocol state and wallet sessions are deleted (seconds).
PURGE_INTERVAL = 300.0


async def wallet_ctx(app: web.Application) -> AsyncIterator[None]:
    """The OpenID4VC state store, the wallet store, the cap on concurrent passphrase
    derivations and the key of wallet sessions (derived from the master key)."""
    settings = app[SETTINGS]
    app[PROTOCOL_STORE] = SQLProtocolStore(app[DB])
    app[WALLET_STORE] = SQLWalletStore(app[DB])
    app[WALLET_UNLOCKS] = asyncio.Semaphore(max(1, min(4, os.cpu_count() or 1)))
    master = load_or_create_master_key(settings.master_key_path, env_value=settings.master_key)
    app[WALLET_SESSION_KEY] = session_key(master)
    app[WALLET_SESSIONS] = WalletSessions(app[DB], app[WALLET_STORE], app[WALLET_SESSION_KEY])
    yield


async def _sweep(app: web.Application) -> None:
    while True:
        await asyncio.sleep(PURGE_INTERVAL)
        try:
            await purge_expired(app)
            await app[BULK_JOBS].purge()
        except Exception:  # The next round tries again; the service goes on.
            log.exception("purging expired protocol state, sessions or bulk jobs failed")


async def sweeper_ctx(app: web.Application) -> AsyncIterator[None]:
    """A background task deleting expired protocol state and wallet sessions, and bulk
    jobs past their retention."""
    task = asyncio.create_task(_sweep(app))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


_LANDING = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vcbadges</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<style>
body {{ font: 1rem/1.5 system-ui, sans-serif; margin: 0; color: #1b1f24; background: #f6f8fa; }}
main {{ max-width: 40rem; margin: 0 auto; padding: 2rem 1rem; }}
h1 {{ font-size: 1.75rem; margin-bottom: .25rem; }}
ul {{ list-style: none; padding: 0; }}
li {{ margin: .75rem 0; padding: 1rem; background: #fff; border: 1px solid #d0d7de;
      border-radius: .5rem; }}
a {{ color: #0b5cad; font-weight: 600; font-size: 1.125rem; }}
a:focus-visible {{ outline: 3px solid #0b5cad; outline-offset: 2px; }}
p.role {{ margin: .25rem 0 0; color: #57606a; }}
footer {{ margin-top: 2rem; color: #57606a; font-size: .875rem; }}
</style>
</head>
<body>
<main>
<h1>vcbadges</h1>
<p>Open Badges 3.0 as W3C Verifiable Credentials: issue, hold and verify.</p>
<nav aria-label="Applications">
<ul>
<li><a href="/issuer/console">Issuer console</a>
<p class="role">For schools and training providers: award badges, revoke or suspend them.</p></li>
<li><a href="/wallet/">Wallet</a>
<p class="role">For learners: receive badges, keep them, and share them.</p></li>
<li><a href="/verifier/">Employer verifier</a>
<p class="role">For employers: ask for a badge and check it.</p></li>
</ul>
</nav>
<footer>API: <a href="/openapi.json">OpenAPI document</a> · {base_url}</footer>
</main>
</body>
</html>
"""


async def landing(request: web.Request) -> web.Response:
    base_url = escape(request.config_dict[SETTINGS].base_url)
    response = web.Response(text=_LANDING.format(base_url=base_url), content_type="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'")
    return response


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document(request.config_dict[SETTINGS]))


def _not_found(what: str) -> ProblemError:
    return ProblemError(404, "not-found", "Not found", f"there is no such {what}")


async def well_known_did(request: web.Request) -> web.Response:
    host = urlsplit(request.config_dict[SETTINGS].base_url).netloc
    async with reading(request) as session:
        document = await host_did_document(session, host)
    if document is None:
        raise _not_found("DID document")
    return web.json_response(document, content_type=_DID_JSON)


async def tenant_did(request: web.Request) -> web.Response:
    name = request.match_info["tenant"]
    if not is_tenant_name(name):
        # Not even looked up: it names no tenant (and a NUL cannot go to PostgreSQL).
        raise _not_found("DID document")
    async with reading(request) as session:
        document = await tenant_did_document(session, name)
    if document is None:
        raise _not_found("DID document")
    return web.json_response(document, content_type=_DID_JSON)


def create_app(settings: Settings) -> web.Application:
    """The whole service for ``settings``; resources open when the app starts."""
    app = web.Application(middlewares=[security_headers, error_middleware, concurrency_limits(),
                                       body_deadline],
                          client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app[CLOCK] = Clock()
    signer = certificate_signer(settings)
    if signer is not None:
        app[CERTIFICATE_SIGNER] = signer
    app[WALLET_TRUST_ANCHORS] = wallet_trust_anchors(settings)
    app.cleanup_ctx.extend([keystore_ctx, database_ctx, issuer_ctx, fetcher_ctx, registries_ctx,
                            wallet_ctx, sweeper_ctx, bulk_jobs_ctx, verify_pool_ctx])
    app.router.add_get("/", landing)
    app.router.add_get("/openapi.json", openapi)
    app.router.add_get("/.well-known/did.json", well_known_did)
    add_resolver_routes(app)
    add_well_known_routes(app)
    issuer = create_issuer_app()
    add_console_routes(issuer)
    add_bulk_routes(issuer)
    add_issuer_exchange_routes(issuer)
    static_page(issuer, "/console", ("web", "static", "console"))
    app.add_subapp(ISSUER_PREFIX, issuer)
    verifier = create_verifier_app()
    add_oid4vp_routes(verifier)
    add_verifier_vpqr_routes(verifier)
    add_verifier_exchange_routes(verifier)
    static_page(verifier, "", ("web", "static", "verifier"))
    app.add_subapp("/verifier", verifier)
    app.add_subapp("/oid4vci", create_oid4vci_app())
    app.add_subapp("/holder", create_holder_app())
    app.add_subapp("/exchanges", create_exchanges_app())
    add_wallet_redirect(app)
    wallet = add_wallet_obapi_routes(
        add_wallet_publish_routes(add_wallet_vpqr_routes(create_wallet_app())))
    app.add_subapp("/wallet", wallet)
    add_public_badge_routes(app)
    add_ob_api(app)
    static_files(app, "/static", ("web", "static", "common"))
    app.router.add_get("/{tenant}/did.json", tenant_did)
    return app


def init_func(argv: Sequence[str] | None = None) -> web.Application:
    """For ``python -m aiohttp.web -H HOST -P PORT vcbadges.web.app:init_func``: the app
    configured from ``VCBADGES_*`` environment variables (``argv`` is not used)."""
    return create_app(Settings.from_env(os.environ))

"""Every key under which the service keeps state on its applications; no string keys.

The root application owns these; sub-applications read them through
``request.config_dict[KEY]``. Each resource is set up and torn down by one ``cleanup_ctx``
entry of :func:`vcbadges.web.app.create_app`.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from aiohttp import web
from cryptography import x509

from vcbadges.dids.resolver import MethodResolver
from vcbadges.issuer.jobs import BulkJobs
from vcbadges.issuer.keystore import KeyStore
from vcbadges.issuer.publish import StatusListPublisher
from vcbadges.issuer.service import IssuerService
from vcbadges.net.fetcher import JSONFetcher, SafeFetcher
from vcbadges.oid4vp.request import RequestSigner
from vcbadges.primitives.dates import utcnow
from vcbadges.primitives.workers import WorkerPool
from vcbadges.storage import DatabaseConfig
from vcbadges.storage.protocol_state import SQLProtocolStore
from vcbadges.verifier.listcache import VerifiedListCache
from vcbadges.verifier.registry import IssuerRegistries
from vcbadges.wallet import SQLWalletStore
from vcbadges.wallet.sessions import WalletSessions
from vcbadges.web.settings import Settings

__all__ = ["SETTINGS", "DB", "KEYSTORE", "FETCHER", "WALLET_FETCHER", "RESOLVER",
           "WALLET_RESOLVER", "WALLET_TRUST_ANCHORS", "STATUS_LISTS",
           "VERIFIED_LISTS", "ISSUER_REGISTRIES", "DOCUMENTS", "Clock", "CLOCK", "PROTOCOL_STORE",
           "WALLET_STORE", "WALLET_UNLOCKS", "WALLET_SESSIONS", "WALLET_SESSION_KEY", "BULK_JOBS",
           "VERIFY_POOL", "ISSUER"]


class Clock:
    """The service's "now" for the OpenID4VC flows and wallet sessions: the wall clock,
    moved by ``offset`` (tests move it to expire offers and sessions without waiting)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


#: The settings the application was created with.
SETTINGS = web.AppKey("settings", Settings)
#: The database (engine and session factories), migrated at start.
DB = web.AppKey("db", DatabaseConfig)
#: Wraps and unwraps the tenants' signing keys (under the service master key).
KEYSTORE = web.AppKey("keystore", KeyStore)
#: The outbound HTTP client of verification (status lists, did:web), policy-bound.
FETCHER = web.AppKey("fetcher", SafeFetcher)
#: The outbound HTTP client of the wallet's OpenID4VC exchanges, under the wallet's policy
#: (``FETCHER`` itself when both policies are the same).
WALLET_FETCHER = web.AppKey("wallet_fetcher", SafeFetcher)
#: DID resolution for verification, reading did:web through ``FETCHER``.
RESOLVER = web.AppKey("resolver", MethodResolver)
#: DID resolution for the wallet (the DIDs of ``decentralized_identifier`` verifiers),
#: reading did:web through ``WALLET_FETCHER`` (``RESOLVER`` itself when both fetchers are one).
WALLET_RESOLVER = web.AppKey("wallet_resolver", MethodResolver)
#: The certificates the wallet trusts for ``x509_san_dns`` verifiers (``Settings.
#: wallet_trust_anchors``); empty by default, so every such request is refused.
WALLET_TRUST_ANCHORS: web.AppKey[tuple[x509.Certificate, ...]] = web.AppKey(
    "wallet_trust_anchors")
#: Signed status list credentials, re-signed when a list changes.
STATUS_LISTS = web.AppKey("status_lists", StatusListPublisher)
#: What verification reads: this service's own documents locally, the rest via ``FETCHER``.
DOCUMENTS = web.AppKey("documents", JSONFetcher)
#: Status list credentials this process has verified recently (skips re-checking their proofs).
VERIFIED_LISTS = web.AppKey("verified_lists", VerifiedListCache)
#: The issuer registries every verification of the service looks issuers up in (read through
#: ``FETCHER``); empty unless the settings name some.
ISSUER_REGISTRIES = web.AppKey("issuer_registries", IssuerRegistries)
#: The ``x509_san_dns`` signer of the service's verifier certificate; absent without one.
CERTIFICATE_SIGNER = web.AppKey("certificate_signer", RequestSigner)
#: The clock of the OpenID4VC flows and wallet sessions.
CLOCK = web.AppKey("clock", Clock)
#: Single-use OpenID4VC state (offers, codes, tokens, nonces, requests, results, handles).
PROTOCOL_STORE = web.AppKey("protocol_store", SQLProtocolStore)
#: Holder wallets and their encrypted credentials.
WALLET_STORE = web.AppKey("wallet_store", SQLWalletStore)
#: Caps the Argon2id derivations (about 64 MiB and 200 ms each) running at once.
WALLET_UNLOCKS = web.AppKey("wallet_unlocks", asyncio.Semaphore)
#: Signed-in wallet sessions (their key derived from the master key).
WALLET_SESSIONS = web.AppKey("wallet_sessions", WalletSessions)
#: The key wallet sessions are sealed under (derived from the master key); the Open Badges
#: API derives its token key from it too.
WALLET_SESSION_KEY = web.AppKey("wallet_session_key", bytes)
#: The bulk issuance and revocation jobs this process runs, and the reports of all jobs.
BULK_JOBS = web.AppKey("bulk_jobs", BulkJobs)
#: The worker processes verification runs in (None: in this process).
VERIFY_POOL: web.AppKey[WorkerPool | None] = web.AppKey("verify_pool")
#: Issuance, status changes and API-key authentication, with their caches and commits.
ISSUER = web.AppKey("issuer", IssuerService)

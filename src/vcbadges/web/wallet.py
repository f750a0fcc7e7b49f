"""The wallet sub-application (mounted at ``/wallet``): the holder's API and pages.

``/wallet/`` serves the ``wallet_demo/`` single-page app shipped in the package; everything
else is the JSON API under ``/wallet/api`` (the contract is ``docs/wallet-api.md``).

Sessions. Signing in (``POST /api/accounts``, ``POST /api/session``, ``POST /api/restore``)
derives the account's data key from the passphrase (Argon2id, about 200 ms and 64 MiB, so
at most ``unlock_slots`` run at once) and starts a session: a random cookie value
(``vcbadges_wallet``: ``HttpOnly``, ``SameSite=Strict``, ``Path=/wallet``, ``Secure`` over
https) whose SHA-256 names a ``wallet_sessions`` row holding the data key wrapped under a
key derived from the service master key, so any process of the service can serve the
session and nothing in the database opens a wallet by itself. Each request re-opens the
wallet from that row (:meth:`SQLWalletStore.resume`, no key derivation) and locks it again
when the response is ready.

CSRF. Every ``POST`` and ``DELETE`` with a session must carry the session's token in the
``X-CSRF-Token`` header (an HMAC of the cookie value under a master-derived key; the row keeps
its SHA-256); it is returned by every session answer. A missing or wrong token is ``403
csrf-token-invalid`` (no session at all is ``401``). Creating an account, signing in and
restoring need no token: there is no session yet.

OpenID4VC. The wallet talks to issuers and verifiers through
:class:`~vcbadges.web.exchanges.WalletExchanges` (``get`` and ``post`` are the cores' ``fetch``
and ``post``): this service's own origin (scheme, host and port of its public URL) exactly,
so that it works with no settings, and every other URL an offer or a request names under the
SSRF policy of the wallet's :class:`~vcbadges.net.fetcher.SafeFetcher`, the wallet's fetch
policy (``Settings.wallet_fetch_allow_*``), which may differ from the one of verification.
Credentials are verified as everywhere else in the service: through ``DOCUMENTS`` (this
service's own status lists and DID documents from the database, the rest under the
verification policy) with the process's ``VERIFIED_LISTS``. A scanned offer or request is
kept server side under a random ``handle`` (in ``protocol_state``, sealed under
the account's data key, so only that account can use it, for 10 minutes). An offered
credential is verified (signature, issuer, status, and that it names this wallet's DID)
before it is stored; one that does not pass is not stored (``422 credential-not-verified``
with the report).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import io
import json
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from vcbadges._api import verify
from vcbadges.credentials.baking import unbake
from vcbadges.errors import (
    CredentialError,
    FetchError,
    JSONInputError,
    ProtocolError,
    StorageError,
    VCBadgesError,
)
from vcbadges.net.fetcher import FetchStatusError
from vcbadges.oid4vci import ResolvedOffer, accept_offer, resolve_offer
from vcbadges.oid4vp import (
    PresentationRequest,
    decline,
    resolve_request,
    respond,
    sign_presentations as sign_vp_token,
)
from vcbadges.oid4vp.dcql import OPEN_BADGE_TYPE, credential_view
from vcbadges.primitives.jsonlimits import loads_strict
from vcbadges.primitives.keys import Algorithm
from vcbadges.proofs.jose import looks_like_jwt
from vcbadges.report import (
    ADVISORY_CHECKS,
    ISSUER_TRUST,
    Outcome,
    PresentationReport,
    VerificationReport,
)
from vcbadges.storage import queries
from vcbadges.wallet import (
    CredentialRecord,
    UnlockedWallet,
    WrongPassphrase,
    crypto as wallet_crypto,
)
from vcbadges.wallet.throttle import SignInThrottle, TooManySignIns
from vcbadges.web.auth import ascii_header, reading, writing
from vcbadges.web.bodies import one_of, read_object, refuse_lone_surrogates
from vcbadges.web.display import credential_display, display_image, display_text
from vcbadges.web.exchanges import WALLET_EXCHANGES
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
from vcbadges.web.problems import ProblemError

__all__ = [
    "COOKIE",
    "CSRF_HEADER",
    "SESSION_LIFETIME",
    "HANDLE_LIFETIME",
    "MAX_UPLOAD",
    "create_wallet_app",
    "add_wallet_redirect",
    "purge_expired",
    "static_page",
    "static_files",
    "session_key",
    "csrf_token_for",
]

COOKIE = "vcbadges_wallet"
CSRF_HEADER = "X-CSRF-Token"
#: How long a session lasts after signing in (not extended by use).
SESSION_LIFETIME = timedelta(hours=8)
#: How long a scanned offer or request stays ready to accept or answer.
HANDLE_LIFETIME = timedelta(minutes=10)
#: The largest upload: an image to decode, a badge to import, a backup to restore.
MAX_UPLOAD = 2 * 1024 * 1024
#: The most pixels an image to decode may have (a 4000 × 3000 photo).
MAX_PIXELS = 12_000_000
MIN_PASSPHRASE = 8
_MAX_PASSPHRASE = 1024
_MAX_URI = 4000
_MAX_IDS = 20
_SESSION_PURPOSE = "wallet-session:"
_PENDING_OFFER = "wallet_offer"
_PENDING_REQUEST = "wallet_request"
_NO_STORE = {"Cache-Control": "no-store"}
_KEY_TYPES: dict[str, Algorithm] = {"ed25519": "Ed25519", "p256": "P-256"}
_QR_TYPES = frozenset({"image/png", "image/jpeg"})
_OFFER_SCHEME = "openid-credential-offer"
_REQUEST_SCHEME = "openid4vp"


# --- problems --------------------------------------------------------------------------


def _invalid(detail: str) -> ProblemError:
    return ProblemError(400, "invalid-request", "The request is not valid", detail)


def _unauthorized(detail: str = "sign in to the wallet first") -> ProblemError:
    return ProblemError(401, "unauthorized", "Authentication required", detail)


def _exchange_problem(exc: VCBadgesError) -> ProblemError:
    """A failed exchange with an issuer or a verifier, as the wallet page is told of it.

    ``error`` is the OAuth / OpenID4VC code (``invalid_grant`` for a wrong or spent PIN,
    ``invalid_request`` for an unusable offer or request, the other party's own code when it
    refused) or ``unavailable`` when the other party no longer has the offer or request.
    """
    if isinstance(exc, ProtocolError):
        return ProblemError(422, "exchange-failed", "The exchange failed", exc.message,
                            error=exc.error)
    if isinstance(exc, FetchStatusError) and 400 <= exc.status < 500:
        return ProblemError(422, "exchange-failed", "The exchange failed",
                            f"the offer or request is no longer available (HTTP {exc.status})",
                            error="unavailable", code=exc.code)
    if isinstance(exc, FetchError) and exc.code in ("fetch_scheme_not_allowed",
                                                    "fetch_blocked_address"):
        return ProblemError(422, "exchange-failed", "The exchange failed", exc.message,
                            error="invalid_request", code=exc.code)
    return ProblemError(502, "fetch-failed", "The other party could not be reached",
                        exc.message, code=exc.code)


def _not_verified(report: VerificationReport | PresentationReport, detail: str) -> ProblemError:
    return ProblemError(422, "credential-not-verified", "The credential did not verify", detail,
                        report=report.to_json())


# --- static pages ----------------------------------------------------------------------

_MEDIA_TYPES = {
    ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript",
    ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
    ".ico": "image/x-icon", ".json": "application/json", ".txt": "text/plain",
    ".webmanifest": "application/manifest+json", ".woff2": "font/woff2",
    ".wasm": "application/wasm",
}
# A static file: path segments without a leading dot (so no "..", no hidden files), and a
# known extension, so that a static route never shadows an API route of another method.
_STATIC_PATH = (r"(?:[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}/){0,3}[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}"
                r"\.(?:" + "|".join(sorted(s.lstrip(".") for s in _MEDIA_TYPES)) + ")")
# 'wasm-unsafe-eval': the wallet compiles its vendored QR code reader (wallet_demo/vendor/,
# zxing-wasm) so that camera frames are read in the page, never uploaded. It admits
# WebAssembly compilation only, not eval(), new Function() or inline script: the pages still
# run only this origin's scripts. (The console and verifier pages share this policy.)
_PAGE_CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
             "style-src 'self' 'unsafe-inline'; "
             "img-src 'self' data: https: blob:; media-src 'self' blob: mediastream:; "
             "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
             "frame-ancestors 'none'")


def _folder(parts: Sequence[str]) -> Traversable:
    return resources.files("vcbadges").joinpath(*parts)


def _read_static(folder: Traversable, path: str) -> bytes | None:
    node = folder
    for part in path.split("/"):
        node = node.joinpath(part)
    try:
        return node.read_bytes() if node.is_file() else None
    except OSError:
        return None


def static_page(app: web.Application, path: str, parts: Sequence[str]) -> None:
    """Serve the folder ``vcbadges/<parts…>`` of the installed package on ``app``:
    ``index.html`` at ``{path}`` and ``{path}/``, other files at ``{path}/<file>`` (known
    types only, no hidden files). Files are read on each request, never cached here."""
    serve = _static_handler(tuple(parts))
    if path:
        app.router.add_get(path, serve)
    app.router.add_get(path + "/", serve)
    app.router.add_get(path + "/{file:" + _STATIC_PATH + "}", serve)


def static_files(app: web.Application, path: str, parts: Sequence[str]) -> None:
    """Serve the files of the folder ``vcbadges/<parts…>`` at ``{path}/<file>``, as
    :func:`static_page` does, without a page of its own (scripts the pages share)."""
    app.router.add_get(path + "/{file:" + _STATIC_PATH + "}", _static_handler(tuple(parts)))


def _static_handler(
    folder_parts: tuple[str, ...],
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def serve(request: web.Request) -> web.Response:
        name = request.match_info.get("file", "index.html")
        suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        media = _MEDIA_TYPES.get(suffix)
        body = None if media is None else await asyncio.to_thread(
            _read_static, _folder(folder_parts), name)
        if body is None or media is None:
            raise ProblemError(404, "not-found", "Not found", "there is no such page")
        headers = {"Cache-Control": "no-cache"}
        if media == "text/html":
            headers.update({"Content-Security-Policy": _PAGE_CSP,
                            "Permissions-Policy": "camera=(self)"})
        return web.Response(body=body, content_type=media, headers=headers)

    return serve


# --- sessions --------------------------------------------------------------------------


def session_key(master_key: bytes) -> bytes:
    """The key that wraps session data keys and makes CSRF tokens, derived from the service
    master key (HMAC-SHA256 as a one-step KDF with a fixed label)."""
    return hmac.new(master_key, b"vcbadges wallet sessions v1", hashlib.sha256).digest()


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def csrf_token_for(key: bytes, cookie_value: str) -> str:
    """The CSRF token of the session whose cookie holds ``cookie_value``."""
    mac = hmac.new(key, b"csrf\x00" + cookie_value.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class _Session:
    wallet: UnlockedWallet
    id_hash: str
    csrf_token: str


def _session_json(wallet: UnlockedWallet, csrf_token: str) -> dict[str, str]:
    return {"username": wallet.account.username, "did": wallet.did, "csrfToken": csrf_token}


def _secure(request: web.Request) -> bool:
    return request.secure or request.config_dict[SETTINGS].base_url.startswith("https://")


async def _start_session(
    request: web.Request, wallet: UnlockedWallet, *, status: int
) -> web.Response:
    """Record a new session for ``wallet`` and answer with its cookie and CSRF token."""
    key, now = request.config_dict[WALLET_SESSION_KEY], request.config_dict[CLOCK].now()
    cookie_value = secrets.token_urlsafe(32)
    id_hash = _digest(cookie_value)
    csrf = csrf_token_for(key, cookie_value)
    wrapped = wallet_crypto.wrap_key(key, wallet.data_key, account_id=wallet.account.id,
                                     purpose=_SESSION_PURPOSE + id_hash)
    async with writing(request) as session:
        await queries.insert_wallet_session(
            session, id_hash=id_hash, account_id=wallet.account.id, wrapped_data_key=wrapped,
            csrf_hash=_digest(csrf), created_at=now, expires_at=now + SESSION_LIFETIME)
    response = web.json_response(_session_json(wallet, csrf), status=status, headers=_NO_STORE)
    response.set_cookie(COOKIE, cookie_value, httponly=True, samesite="Strict", path="/wallet",
                        secure=_secure(request),
                        max_age=int(SESSION_LIFETIME.total_seconds()))
    wallet.lock()
    return response


@asynccontextmanager
async def _opened(request: web.Request, *, csrf: bool = True) -> AsyncIterator[_Session]:
    """The request's session with its wallet open; the wallet is locked again afterwards.

    Raises ``401`` without a live session and ``403`` when ``csrf`` is asked for and the
    ``X-CSRF-Token`` header does not carry the session's token.
    """
    cookie_value = request.cookies.get(COOKIE)
    if not cookie_value or len(cookie_value) > 200 or not cookie_value.isascii():
        raise _unauthorized()
    id_hash = _digest(cookie_value)
    async with reading(request) as session:
        row = await queries.wallet_session(session, id_hash, request.config_dict[CLOCK].now())
    if row is None:
        raise _unauthorized("the session has ended; sign in again")
    key = request.config_dict[WALLET_SESSION_KEY]
    token = csrf_token_for(key, cookie_value)
    if csrf:
        sent = ascii_header(request, CSRF_HEADER)
        if not hmac.compare_digest(_digest(sent), row.csrf_hash):
            raise ProblemError(403, "csrf-token-invalid", "Forbidden",
                               f"send the session's CSRF token in the {CSRF_HEADER} header")
    try:
        data_key = wallet_crypto.unwrap_key(key, row.wrapped_data_key,
                                            account_id=row.account_id,
                                            purpose=_SESSION_PURPOSE + id_hash)
        wallet = await request.config_dict[WALLET_STORE].resume(row.account_id, data_key)
    except StorageError:
        # The master key changed, or the account is gone: the session is over.
        raise _unauthorized("the session has ended; sign in again") from None
    try:
        yield _Session(wallet=wallet, id_hash=id_hash, csrf_token=token)
    finally:
        wallet.lock()


def _passphrase(value: Any, name: str, *, new: bool) -> str:
    minimum = MIN_PASSPHRASE if new else 1
    if not isinstance(value, str) or not minimum <= len(value) <= _MAX_PASSPHRASE:
        if new and isinstance(value, str) and 0 < len(value) < MIN_PASSPHRASE:
            raise ProblemError(400, "weak-passphrase", "The passphrase is too short",
                               f"{name} needs at least {MIN_PASSPHRASE} characters")
        raise _invalid(f"{name} is a string of {minimum} to {_MAX_PASSPHRASE} characters")
    return value


def _username(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > 100:
        raise _invalid("username is a string of 1 to 100 characters")
    return value


async def create_account(request: web.Request) -> web.Response:
    body = await read_object(request)
    unknown = sorted(set(body) - {"username", "passphrase", "keyType"})
    if unknown:
        raise _invalid(f"unknown member {unknown[0]!r}")
    username = _username(body.get("username"))
    passphrase = _passphrase(body.get("passphrase"), "passphrase", new=True)
    key_type = one_of(body.get("keyType", "ed25519"), _KEY_TYPES, "keyType is ed25519 or p256")
    try:
        async with request.config_dict[WALLET_UNLOCKS]:
            wallet = await request.config_dict[WALLET_STORE].create_account(
                username, passphrase, algorithm=_KEY_TYPES[key_type],
                now=request.config_dict[CLOCK].now())
    except ValueError as exc:
        raise _invalid(str(exc)) from None
    except StorageError as exc:
        if exc.code == "conflict":
            raise ProblemError(409, "conflict", "Conflict", "that username is taken") from None
        raise
    return await _start_session(request, wallet, status=201)


async def sign_in(request: web.Request) -> web.Response:
    body = await read_object(request)
    username, passphrase = body.get("username"), body.get("passphrase")
    if not isinstance(username, str) or not isinstance(passphrase, str) or not passphrase \
            or len(passphrase) > _MAX_PASSPHRASE or len(username) > 1000:
        raise _invalid("send username and passphrase")
    throttle, now = SignInThrottle(request.config_dict[DB]), request.config_dict[CLOCK].now()
    try:
        # The attempt is counted before the passphrase is tried, and stays counted unless
        # it succeeds (see vcbadges.wallet.throttle).
        async with throttle.attempt(username, now=now), request.config_dict[WALLET_UNLOCKS]:
            wallet = await request.config_dict[WALLET_STORE].unlock(username, passphrase)
    except TooManySignIns as exc:
        raise ProblemError(429, "too-many-attempts", "Too many failed sign-ins",
                           "wait before trying this name again", headers={
                               "Retry-After": str(exc.retry_after)}) from None
    except StorageError as exc:
        if isinstance(exc, WrongPassphrase) or exc.code == "account_not_found":
            # The same answer for both, so that it tells nothing about which names exist.
            raise _unauthorized("the username or the passphrase is wrong") from None
        raise
    return await _start_session(request, wallet, status=200)


async def current_session(request: web.Request) -> web.Response:
    async with _opened(request, csrf=False) as opened:
        return web.json_response(_session_json(opened.wallet, opened.csrf_token),
                                 headers=_NO_STORE)


async def sign_out(request: web.Request) -> web.Response:
    async with _opened(request) as opened:
        async with writing(request) as session:
            await queries.delete_wallet_session(session, opened.id_hash)
    response = web.Response(status=204, headers=_NO_STORE)
    response.del_cookie(COOKIE, path="/wallet", secure=_secure(request), httponly=True,
                        samesite="Strict")
    return response


# --- credentials -----------------------------------------------------------------------


def _format_of(record: CredentialRecord) -> str:
    """``ldp_vc`` (Data Integrity), ``jwt_vc_json`` (VC-JWT) or ``json`` (anything else
    JSON, such as an Open Badges 2.0 assertion)."""
    found = credential_view(record.credential)
    return found[0] if found is not None else record.format


def _summary(record: CredentialRecord) -> dict[str, Any]:
    display = credential_display(record.credential)
    out: dict[str, Any] = {
        "id": str(record.id),
        "name": record.name or display.get("name") or record.achievement,
        "issuerName": record.issuer_name or display.get("issuerName"),
        "achievement": record.achievement or display.get("achievement"),
        "addedAt": record.added_at.isoformat().replace("+00:00", "Z"),
        "format": _format_of(record),
    }
    if display.get("image") is not None:
        out["image"] = display["image"]
    return out


async def _verify(request: web.Request, document: Any) -> VerificationReport:
    report = await verify(
        document, fetcher=request.config_dict[DOCUMENTS], resolver=request.config_dict[RESOLVER],
        verified_lists=request.config_dict[VERIFIED_LISTS],
        registries=request.config_dict[ISSUER_REGISTRIES], now=request.config_dict[CLOCK].now())
    if isinstance(report, PresentationReport):
        raise ProblemError(422, "not-a-credential", "Not a credential",
                           "a presentation cannot be kept in the wallet; import its credentials")
    return report


async def list_credentials(request: web.Request) -> web.Response:
    async with _opened(request, csrf=False) as opened:
        records = await opened.wallet.list_credentials()
    return web.json_response({"credentials": [_summary(r) for r in records]},
                             headers=_NO_STORE)


def _record_id(request: web.Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info["credential_id"])
    except ValueError:
        raise ProblemError(404, "not-found", "Not found", "there is no such credential in "
                           "this wallet") from None


async def get_credential(request: web.Request) -> web.Response:
    record_id = _record_id(request)
    async with _opened(request, csrf=False) as opened:
        record = await opened.wallet.get_credential(record_id)
    document = record.document()
    report = await _verify(request, document)
    return web.json_response({
        **_summary(record),
        "credential": document,
        "display": credential_display(record.credential),
        "report": report.to_json(),
    }, headers=_NO_STORE)


async def delete_credential(request: web.Request) -> web.Response:
    record_id = _record_id(request)
    async with _opened(request) as opened:
        await opened.wallet.delete_credential(record_id)
    return web.Response(status=204)


# --- scanning: offers and requests kept under a handle -----------------------------------


def _kind_of(uri: str) -> Literal["offer", "request"]:
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if scheme == _OFFER_SCHEME:
        return "offer"
    if scheme == _REQUEST_SCHEME:
        return "request"
    if scheme in ("https", "http"):
        query = parse_qs(parts.query)
        if "credential_offer" in query or "credential_offer_uri" in query:
            return "offer"
        if "request_uri" in query or "client_id" in query or "request" in query:
            return "request"
    raise ProblemError(400, "unsupported-uri", "Not an offer or a request",
                       "scan an openid-credential-offer:// or openid4vp:// code")


async def _keep(request: web.Request, wallet: UnlockedWallet, kind: str,
                payload: Mapping[str, Any]) -> str:
    """Keep ``payload`` for this account under a new handle, sealed with its data key."""
    handle = uuid.uuid4()
    sealed = wallet_crypto.seal_record(
        wallet.data_key, json.dumps(payload, separators=(",", ":")).encode("utf-8"),
        account_id=wallet.account.id, record_id=handle, kind=kind)
    now = request.config_dict[CLOCK].now()
    await request.config_dict[PROTOCOL_STORE].save(
        kind, str(handle), {"sealed": base64.b64encode(sealed).decode("ascii")},
        expires_at=now + HANDLE_LIFETIME)
    return str(handle)


async def _kept(request: web.Request, wallet: UnlockedWallet, kind: str, *,
                consume: bool) -> dict[str, Any]:
    """The payload kept under the path's handle (used up when ``consume``); 404 when it is
    unknown, expired, used, or another account's."""
    try:
        handle = uuid.UUID(request.match_info["handle"])
    except ValueError:
        handle = None
    store, now = request.config_dict[PROTOCOL_STORE], request.config_dict[CLOCK].now()
    entry = None
    if handle is not None:
        read = store.consume if consume else store.get
        entry = await read(kind, str(handle), now=now)
    if entry is None or handle is None:
        raise ProblemError(404, "not-found", "Not found",
                           "this offer or request is unknown or has expired; scan it again")
    try:
        plaintext = wallet_crypto.open_record(
            wallet.data_key, base64.b64decode(str(entry.get("sealed"))),
            account_id=wallet.account.id, record_id=handle, kind=kind)
    except (StorageError, ValueError):
        raise ProblemError(404, "not-found", "Not found",
                           "this offer or request is unknown or has expired; scan it again"
                           ) from None
    value = json.loads(plaintext)
    return value if isinstance(value, dict) else {}


def _describe_offer(resolved: ResolvedOffer, handle: str) -> dict[str, Any]:
    described = resolved.describe()
    issuer: dict[str, Any] = {"id": resolved.credential_issuer}
    issuer_name = display_text(described.get("issuer_name"))
    if issuer_name is not None:
        issuer["name"] = issuer_name
    tx = resolved.tx_code
    tx_code = None
    if tx is not None:
        length = tx.get("length")
        tx_code = {"length": length if isinstance(length, int) else None}
        if isinstance(tx.get("description"), str):
            tx_code["description"] = tx["description"]
    return {
        "kind": "offer", "handle": handle, "issuer": issuer,
        "credentials": [_offered(c) for c in described["credentials"]],
        "txCode": tx_code,
    }


def _offered(described: Mapping[str, Any]) -> dict[str, Any]:
    """One offered credential as the consent screen shows it: the name, description and
    image the offer gives for the badge (else the issuer metadata's, for the kind of
    credential), cleaned as the verifier page's display blocks are."""
    fmt = described.get("format")
    out: dict[str, Any] = {"name": display_text(described.get("name")),
                           "format": fmt if isinstance(fmt, str) and len(fmt) <= 100 else None}
    description = display_text(described.get("description"))
    if description is not None:
        out["description"] = description
    logo = described.get("logo")
    image = display_image(logo.get("uri")) if isinstance(logo, dict) else None
    if image is not None:
        out["image"] = image
    return out


def _asks(found: PresentationRequest) -> list[str]:
    """The request in words, one line per different thing asked (formats merged)."""
    lines: list[str] = []
    for query in found.describe()["credentials"]:
        types = query.get("type_values") or []
        text = ("An Open Badge" if any(OPEN_BADGE_TYPE in option for option in types)
                else "A verifiable credential")
        for claim in query.get("claims", []):
            values = claim.get("values")
            if not values:
                continue
            path = claim.get("path")
            shown = ", ".join(str(v) for v in values)
            if path == ["credentialSubject", "achievement", "id"]:
                text += f" for the achievement {shown}"
            elif path in (["issuer"], ["issuer", "id"]):
                if " issued by " not in text:
                    text += f" issued by {shown}"
            else:
                text += f" with {'.'.join(str(p) for p in path or [])} = {shown}"
        if query.get("multiple"):
            text += " (one or more)"
        if text not in lines:
            lines.append(text)
    return lines


def _matches(found: PresentationRequest,
             records: Sequence[CredentialRecord]) -> dict[str, list[CredentialRecord]]:
    """The stored credentials matching each Credential Query."""
    pool = [record.document() for record in records]
    by_identity = {id(document): record for document, record in zip(pool, records, strict=True)}
    matched = found.match(pool)
    return {qid: [by_identity[id(doc)] for doc in docs] for qid, docs in matched.items()}


# What a badge's report says of it in one word, for the consent screen: the first reason a
# verifier would turn it down, as (check, code of its failure, word).
_STANDINGS = (("status_revocation", "revoked", "revoked"),
              ("status_suspension", "suspended", "suspended"),
              ("validity", "expired", "expired"))


def _standing(report: VerificationReport) -> str:
    """``valid``, ``revoked``, ``suspended``, ``expired``, ``invalid`` or ``unknown`` (a
    check could not be made, such as a status list that could not be read)."""
    if report.verified:
        return "valid"
    # Whether a registry lists the issuer is a verdict of its own, never the badge's standing.
    failures = {check.id: check.code for check in report.checks
                if check.outcome is Outcome.FAILED and check.id not in ADVISORY_CHECKS}
    for check_id, code, word in _STANDINGS:
        if failures.get(check_id) == code:
            return word
    return "invalid" if failures or report.errors else "unknown"


async def _describe_request(request: web.Request, found: PresentationRequest,
                            wallet: UnlockedWallet, handle: str) -> dict[str, Any]:
    matched = _matches(found, await wallet.list_credentials())
    seen: dict[str, dict[str, Any]] = {}
    for records in matched.values():
        for record in records:
            summary = _summary(record)
            if summary["id"] in seen:
                continue
            seen[summary["id"]] = {k: summary[k] for k in ("id", "name", "issuerName", "image")
                                   if k in summary}
            # Checked now, as the verifier will check it: a holder about to share a badge
            # its issuer revoked is told so before agreeing.
            report = await _verify(request, record.document())
            seen[summary["id"]]["standing"] = _standing(report)
            # Named as this service's registries name it, or shown as a claim.
            trust = next((c for c in report.checks if c.id == ISSUER_TRUST), None)
            if trust is not None:
                seen[summary["id"]]["issuerTrust"] = trust.to_json()
    return {
        "kind": "request", "handle": handle,
        "verifier": {"clientId": found.client_id, "responseUri": found.response_uri},
        "asks": _asks(found),
        "matches": list(seen.values()),
        "canAnswer": found.can_answer(matched),
    }


async def scan(request: web.Request) -> web.Response:
    exchanges = request.config_dict[WALLET_EXCHANGES]
    allow_http, own = exchanges.allow_http_hosts, exchanges.is_own
    async with _opened(request) as opened:
        body = await read_object(request)
        uri = body.get("uri")
        if not isinstance(uri, str) or not 0 < len(uri.strip()) <= _MAX_URI:
            raise _invalid(f"uri is the scanned text, at most {_MAX_URI} characters")
        uri = uri.strip()
        kind = _kind_of(uri)
        try:
            if kind == "offer":
                resolved = await resolve_offer(uri, fetch=exchanges.get,
                                               allow_http_hosts=allow_http, http_allowed=own)
                handle = await _keep(request, opened.wallet, _PENDING_OFFER, asdict(resolved))
                answer = _describe_offer(resolved, handle)
            else:
                found = await resolve_request(uri, fetch=exchanges.get, allow_http_hosts=allow_http,
                                              http_allowed=own,
                                              now=request.config_dict[CLOCK].now())
                handle = await _keep(request, opened.wallet, _PENDING_REQUEST, asdict(found))
                answer = await _describe_request(request, found, opened.wallet, handle)
        except (ProtocolError, FetchError) as exc:
            raise _exchange_problem(exc) from None
    return web.json_response(answer, headers=_NO_STORE)


async def accept(request: web.Request) -> web.Response:
    exchanges = request.config_dict[WALLET_EXCHANGES]
    async with _opened(request) as opened:
        wallet = opened.wallet
        body = await read_object(request)
        tx_code = body.get("txCode")
        if tx_code is not None and (not isinstance(tx_code, str)
                                    or not 0 < len(tx_code) <= 64):
            raise _invalid("txCode is the PIN, a string")
        resolved = ResolvedOffer(**await _kept(request, wallet, _PENDING_OFFER, consume=False))
        try:
            issued = await accept_offer(resolved, key=wallet.holder_key, post=exchanges.post,
                                        tx_code=tx_code, now=request.config_dict[CLOCK].now())
        except (ProtocolError, FetchError) as exc:
            raise _exchange_problem(exc) from None
        # The code is spent now, whatever happens next.
        await _kept(request, wallet, _PENDING_OFFER, consume=True)
        report = await _verify(request, issued.credential)
        if not report.verified:
            raise _not_verified(report, "the credential did not pass its checks; it was not "
                                        "added to the wallet")
        if not issued.bound_to(wallet.did):
            raise _not_verified(report, "the credential is not issued to this wallet's DID; it "
                                        "was not added to the wallet")
        try:
            record = await wallet.add_credential(issued.credential,
                                                 now=request.config_dict[CLOCK].now())
        except CredentialError as exc:
            raise _not_verified(report, exc.message) from None
    return web.json_response({"credential": _summary(record), "report": report.to_json()},
                             status=201, headers=_NO_STORE)


def _ids(body: Mapping[str, Any]) -> list[uuid.UUID]:
    ids = body.get("credentialIds")
    if not isinstance(ids, list) or not 0 < len(ids) <= _MAX_IDS:
        raise _invalid(f"credentialIds lists 1 to {_MAX_IDS} credential ids")
    try:
        chosen = [uuid.UUID(value) for value in ids]
    except (TypeError, ValueError, AttributeError):
        raise _invalid("credentialIds holds the ids of credentials in this wallet") from None
    if len(set(chosen)) != len(chosen):
        raise _invalid("a credential id is repeated")
    return chosen


async def respond_to_request(request: web.Request) -> web.Response:
    async with _opened(request) as opened:
        wallet = opened.wallet
        chosen = _ids(await read_object(request))
        found = PresentationRequest(**await _kept(request, wallet, _PENDING_REQUEST,
                                                  consume=False))
        records = [await wallet.get_credential(record_id) for record_id in chosen]
        matched = _matches(found, records)
        selection: dict[str, list[Any]] = {}
        for record in records:
            qid = next((q for q, found_records in matched.items() if record in found_records),
                       None)
            if qid is None:
                raise ProblemError(422, "cannot-answer", "These credentials do not answer "
                                   "the request", f"{record.name or record.id} is not what the "
                                   "verifier asked for")
            selection.setdefault(qid, []).append(record.document())
        try:
            vp_token = await sign_vp_token(found, selection, key=wallet.holder_key,
                                           now=request.config_dict[CLOCK].now())
        except (ValueError, VCBadgesError) as exc:
            raise ProblemError(422, "cannot-answer", "These credentials do not answer the "
                               "request", str(exc)) from None
        await _kept(request, wallet, _PENDING_REQUEST, consume=True)
        try:
            reply = await respond(found, vp_token,
                                  post=request.config_dict[WALLET_EXCHANGES].post)
        except (ProtocolError, FetchError) as exc:
            raise _exchange_problem(exc) from None
    answer: dict[str, Any] = {"outcome": "sent"}
    redirect = reply.get("redirect_uri")
    if isinstance(redirect, str) and redirect.startswith("https://"):
        answer["redirectUri"] = redirect
    return web.json_response(answer, headers=_NO_STORE)


async def decline_request(request: web.Request) -> web.Response:
    async with _opened(request) as opened:
        found = PresentationRequest(**await _kept(request, opened.wallet, _PENDING_REQUEST,
                                                  consume=True))
        try:
            await decline(found, post=request.config_dict[WALLET_EXCHANGES].post)
        except (ProtocolError, FetchError) as exc:
            raise _exchange_problem(exc) from None
    return web.json_response({"outcome": "declined"}, headers=_NO_STORE)


# --- uploads: QR pictures, badges, backups -----------------------------------------------


async def _upload(request: web.Request) -> bytes:
    """The raw body, at most :data:`MAX_UPLOAD` bytes (more than the JSON limit)."""
    if request.content_length is not None and request.content_length > MAX_UPLOAD:
        raise ProblemError(413, "body-too-large", "Request body too large",
                           f"the body exceeds the limit of {MAX_UPLOAD} bytes")
    try:
        return await request.clone(client_max_size=MAX_UPLOAD).read()
    except web.HTTPRequestEntityTooLarge:
        raise ProblemError(413, "body-too-large", "Request body too large",
                           f"the body exceeds the limit of {MAX_UPLOAD} bytes") from None


def _decode_qr(data: bytes) -> str | None:
    """The text of the first QR code in a PNG or JPEG picture, or None."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data), formats=("PNG", "JPEG")) as image:
            width, height = image.size
            if width * height > MAX_PIXELS or not width or not height:
                raise ProblemError(422, "image-too-large", "The picture is too large",
                                   f"at most {MAX_PIXELS} pixels")
            image.draft("L", (min(width, 2000), min(height, 2000)))
            gray = image.convert("L")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError,
            SyntaxError):
        raise ProblemError(422, "no-qr-code", "No QR code found",
                           "the picture could not be read") from None
    found = zxingcpp.read_barcodes(
        gray, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    texts = [code.text for code in found if code.valid and code.text]
    return texts[0] if texts else None


async def decode_qr(request: web.Request) -> web.Response:
    async with _opened(request):
        if request.content_type not in _QR_TYPES:
            raise ProblemError(415, "unsupported-media-type", "Expected a PNG or JPEG picture",
                               f"Content-Type was {request.content_type or 'missing'}")
        data = await _upload(request)
        text = await asyncio.to_thread(_decode_qr, data)
    if text is None:
        raise ProblemError(422, "no-qr-code", "No QR code found",
                           "no QR code could be read in the picture")
    return web.json_response({"text": text}, headers=_NO_STORE)


async def _importable(request: web.Request, data: bytes) -> tuple[str, Any]:
    """What to store (the JSON text or the JWT) and the document to verify, from a baked
    PNG/SVG, a JSON credential or OB 2.0 assertion, or a compact JWT."""
    stripped = data.lstrip()
    if data.startswith(b"\x89PNG") or stripped.startswith((b"<svg", b"<?xml", b"<!DOCTYPE")):
        try:
            baked = await asyncio.to_thread(unbake, data)
        except CredentialError as exc:
            raise ProblemError(422, "no-badge-found", "No badge in this file", exc.message,
                               code=exc.code) from None
        payload: Any = baked.payload
        if isinstance(payload, str) and payload.startswith("https://"):
            try:
                payload = await request.config_dict[DOCUMENTS].get_json(payload)
            except FetchError as exc:
                raise _exchange_problem(exc) from None
        if isinstance(payload, dict):
            return json.dumps(payload, ensure_ascii=False), payload
        if isinstance(payload, str) and looks_like_jwt(payload):
            return payload, payload
        raise ProblemError(422, "no-badge-found", "No badge in this file",
                           "the image holds no credential this wallet can keep")
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        text = ""
    if looks_like_jwt(text):
        return text, text
    try:
        document = loads_strict(text)
    except JSONInputError:
        document = None
    if not isinstance(document, dict):
        raise ProblemError(422, "no-badge-found", "No badge in this file", "send a baked PNG or "
                           "SVG badge, a credential as JSON or JWT, or an Open Badges 2.0 "
                           "assertion")
    # Kept as text in the wallet: it must be text that encodes.
    refuse_lone_surrogates(document)
    return text, document


async def import_credential(request: web.Request) -> web.Response:
    async with _opened(request) as opened:
        data = await _upload(request)
        text, document = await _importable(request, data)
        report = await _verify(request, document)
        if not report.verified:
            raise _not_verified(report, "the credential did not pass its checks; it was not "
                                        "added to the wallet")
        try:
            record = await opened.wallet.add_credential(text,
                                                        now=request.config_dict[CLOCK].now())
        except CredentialError as exc:
            raise ProblemError(422, "no-badge-found", "No badge in this file",
                               exc.message) from None
    return web.json_response({"credential": _summary(record), "report": report.to_json()},
                             status=201, headers=_NO_STORE)


async def backup(request: web.Request) -> web.Response:
    async with _opened(request) as opened:
        body = await read_object(request)
        backup_passphrase = _passphrase(body.get("backupPassphrase"), "backupPassphrase",
                                        new=True)
        async with request.config_dict[WALLET_UNLOCKS]:
            data = await opened.wallet.export_backup(backup_passphrase,
                                                     now=request.config_dict[CLOCK].now())
        name = "".join(c if c.isalnum() or c in "-_" else "-"
                       for c in opened.wallet.account.username)[:50] or "wallet"
    return web.Response(body=data, content_type="application/octet-stream", headers={
        **_NO_STORE,
        "Content-Disposition": f'attachment; filename="vcbadges-wallet-{name}.backup"'})


async def restore(request: web.Request) -> web.Response:
    if request.content_type != "multipart/form-data":
        raise ProblemError(415, "unsupported-media-type", "Expected multipart/form-data",
                           f"Content-Type was {request.content_type or 'missing'}")
    try:
        form = await request.clone(client_max_size=MAX_UPLOAD + 64 * 1024).post()
    except web.HTTPRequestEntityTooLarge:
        raise ProblemError(413, "body-too-large", "Request body too large",
                           f"the backup exceeds the limit of {MAX_UPLOAD} bytes") from None
    except (ValueError, HttpProcessingError):
        raise _invalid("the form could not be read") from None
    try:
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            raise _invalid("file is the backup file")
        data = upload.file.read(MAX_UPLOAD + 1)
    finally:
        # Uploaded parts are spooled to temporary files: close them all.
        for value in form.values():
            if isinstance(value, web.FileField):
                value.file.close()
    if len(data) > MAX_UPLOAD:
        raise ProblemError(413, "body-too-large", "Request body too large",
                           f"the backup exceeds the limit of {MAX_UPLOAD} bytes")
    backup_passphrase = _passphrase(form.get("backupPassphrase"), "backupPassphrase",
                                    new=False)
    username = _username(form.get("username"))
    passphrase = _passphrase(form.get("passphrase"), "passphrase", new=True)
    try:
        async with request.config_dict[WALLET_UNLOCKS]:
            wallet = await request.config_dict[WALLET_STORE].import_backup(
                data, backup_passphrase, username=username, passphrase=passphrase,
                now=request.config_dict[CLOCK].now())
    except ValueError as exc:
        raise _invalid(str(exc)) from None
    except StorageError as exc:
        if exc.code == "conflict":
            raise ProblemError(409, "conflict", "Conflict", "that username is taken") from None
        if isinstance(exc, WrongPassphrase) or exc.code in ("invalid_backup",
                                                             "unsupported_kdf"):
            raise ProblemError(422, "invalid-backup", "The backup cannot be restored",
                               "the backup passphrase does not open this file, or it is "
                               "not a vcbadges wallet backup") from None
        raise
    return await _start_session(request, wallet, status=201)


# --- the application -----------------------------------------------------------------


async def purge_expired(app: web.Application) -> tuple[int, int]:
    """Delete expired protocol state and wallet sessions; return how many of each."""
    now = app[CLOCK].now()
    entries = await app[PROTOCOL_STORE].purge(now=now)
    async with app[DB].sessionmaker()() as session, session.begin():
        sessions = await queries.purge_wallet_sessions(session, now)
    return entries, sessions


async def _redirect_to_wallet(request: web.Request) -> web.Response:
    raise web.HTTPPermanentRedirect("/wallet/")


def add_wallet_redirect(app: web.Application) -> None:
    """``GET /wallet`` (no slash) sends the browser to the wallet page, on the root app."""
    app.router.add_get("/wallet", _redirect_to_wallet)


def create_wallet_app() -> web.Application:
    """The ``/wallet`` sub-application; shared state comes from the root app."""
    app = web.Application()
    router = app.router
    router.add_post("/api/accounts", create_account)
    router.add_post("/api/session", sign_in)
    router.add_get("/api/session", current_session)
    router.add_delete("/api/session", sign_out)
    router.add_get("/api/credentials", list_credentials)
    router.add_get("/api/credentials/{credential_id}", get_credential)
    router.add_delete("/api/credentials/{credential_id}", delete_credential)
    router.add_post("/api/scan", scan)
    router.add_post("/api/offers/{handle}/accept", accept)
    router.add_post("/api/requests/{handle}/respond", respond_to_request)
    router.add_post("/api/requests/{handle}/decline", decline_request)
    router.add_post("/api/decode-qr", decode_qr)
    router.add_post("/api/import", import_credential)
    router.add_post("/api/backup", backup)
    router.add_post("/api/restore", restore)
    static_page(app, "", ("wallet_demo",))
    return app


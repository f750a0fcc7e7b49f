"""What the wallet's handlers share: the session cookie, the problems they answer with, a
credential's summary and its verification."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from vcbadges.errors import FetchError, ProtocolError, StorageError, VCBadgesError
from vcbadges.net.fetcher import FetchStatusError
from vcbadges.oid4vp.dcql import credential_view
from vcbadges.report import PresentationReport, VerificationReport
from vcbadges.wallet import CredentialRecord, UnlockedWallet
from vcbadges.wallet.sessions import OpenedSession
from vcbadges.web.auth import ascii_header
from vcbadges.web.display import credential_display
from vcbadges.web.keys import CLOCK, SETTINGS, WALLET_SESSIONS
from vcbadges.web.problems import ProblemError
from vcbadges.web.verifying import verify_offloaded

__all__ = ["COOKIE", "CSRF_HEADER", "NO_STORE", "invalid", "unauthorized", "exchange_problem",
           "not_verified", "opened", "start_session", "summary", "verify_credential"]

COOKIE = "vcbadges_wallet"
CSRF_HEADER = "X-CSRF-Token"
NO_STORE = {"Cache-Control": "no-store"}


def invalid(detail: str) -> ProblemError:
    return ProblemError(400, "invalid-request", "The request is not valid", detail)


def unauthorized(detail: str = "sign in to the wallet first") -> ProblemError:
    return ProblemError(401, "unauthorized", "Authentication required", detail)


def exchange_problem(exc: VCBadgesError) -> ProblemError:
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


def not_verified(report: VerificationReport | PresentationReport, detail: str) -> ProblemError:
    return ProblemError(422, "credential-not-verified", "The credential did not verify", detail,
                        report=report.to_json())


# --- sessions --------------------------------------------------------------------------


def session_json(wallet: UnlockedWallet, csrf_token: str) -> dict[str, str]:
    return {"username": wallet.account.username, "did": wallet.did, "csrfToken": csrf_token}


def secure(request: web.Request) -> bool:
    return request.secure or request.config_dict[SETTINGS].base_url.startswith("https://")


async def start_session(
    request: web.Request, wallet: UnlockedWallet, *, status: int
) -> web.Response:
    """Record a new session for ``wallet`` and answer with its cookie and CSRF token."""
    sessions = request.config_dict[WALLET_SESSIONS]
    started = await sessions.start(wallet, now=request.config_dict[CLOCK].now())
    response = web.json_response(session_json(wallet, started.csrf_token), status=status,
                                 headers=NO_STORE)
    response.set_cookie(COOKIE, started.cookie_value, httponly=True, samesite="Strict",
                        path="/wallet", secure=secure(request),
                        max_age=int(sessions.lifetime.total_seconds()))
    wallet.lock()
    return response


@asynccontextmanager
async def opened(request: web.Request, *, csrf: bool = True) -> AsyncIterator[OpenedSession]:
    """The request's session with its wallet open; the wallet is locked again afterwards.

    Raises ``401`` without a live session and ``403`` when ``csrf`` is asked for and the
    ``X-CSRF-Token`` header does not carry the session's token.
    """
    try:
        session = await request.config_dict[WALLET_SESSIONS].open(
            request.cookies.get(COOKIE), now=request.config_dict[CLOCK].now(),
            csrf_token=ascii_header(request, CSRF_HEADER) if csrf else None)
    except StorageError as exc:
        if exc.code == "csrf_token_invalid":
            raise ProblemError(403, "csrf-token-invalid", "Forbidden",
                               f"send the session's CSRF token in the {CSRF_HEADER} header"
                               ) from None
        if exc.code == "session_ended":
            raise unauthorized(exc.message) from None
        raise
    try:
        yield session
    finally:
        session.wallet.lock()



def record_id(request: web.Request) -> uuid.UUID:
    """The ``credential_id`` of the route as a wallet record id; 404 when it cannot be one."""
    try:
        return uuid.UUID(request.match_info["credential_id"])
    except ValueError:
        raise ProblemError(404, "not-found", "Not found", "there is no such credential in "
                           "this wallet") from None


# --- credentials -----------------------------------------------------------------------


def _format_of(record: CredentialRecord) -> str:
    """``ldp_vc`` (Data Integrity), ``jwt_vc_json`` (VC-JWT) or ``json`` (anything else
    JSON, such as an Open Badges 2.0 assertion)."""
    found = credential_view(record.credential)
    return found[0] if found is not None else record.format


def summary(record: CredentialRecord) -> dict[str, Any]:
    """A credential as the wallet's lists show it."""
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


async def verify_credential(request: web.Request, document: Any) -> VerificationReport:
    """Verify a credential as its holder: as the service's verifier does, but a badge with
    an ecdsa-sd-2023 base proof (which verifiers refuse) is checked the way its holder can,
    through a derivation disclosing every statement (:func:`vcbadges.verify_held`). A
    presentation is refused."""
    report = await verify_offloaded(request, document, kind="held",
                                    now=request.config_dict[CLOCK].now())
    if isinstance(report, PresentationReport):
        raise ProblemError(422, "not-a-credential", "Not a credential",
                           "a presentation cannot be kept in the wallet; import its credentials")
    return report

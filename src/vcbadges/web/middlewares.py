"""One error middleware and the security headers, for every sub-application."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from vcbadges.errors import (
    CredentialError,
    JSONLDError,
    KeyFormatError,
    LoaderError,
    ProofError,
    ProtocolError,
    StatusError,
    StorageError,
    VCBadgesError,
)
from vcbadges.storage.health import database_unavailable
from vcbadges.web.keys import SETTINGS
from vcbadges.web.problems import ProblemError, problem

__all__ = ["error_middleware", "security_headers"]

log = logging.getLogger("vcbadges.web")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# Errors about the document a caller sent: it cannot be issued as it is.
_DOCUMENT_ERRORS = (CredentialError, JSONLDError, LoaderError, ProofError, KeyFormatError)
# Codes that name their own problem type rather than the generic one of their class.
_OWN_KINDS = frozenset({"invalid_achievement", "invalid_recipient", "unknown_achievement",
                        "unsupported_cryptosuite"})


def _problem_of(request: web.Request, exc: VCBadgesError) -> web.Response:
    """The problem answering a library or storage error raised while handling a request."""
    if isinstance(exc, StorageError):
        if exc.code == "not_found":
            return problem(404, "not-found", "Not found", exc.message)
        if exc.code == "conflict":
            return problem(409, "conflict", "Conflict", exc.message)
        # Anything else is the service's own trouble (a key it cannot unwrap, a database
        # it cannot use), not the caller's: log the code and say no more.
        log.error("storage error on %s %s: %s", request.method, request.path, exc.code)
        return problem(500, "internal-error", "Internal error")
    if isinstance(exc, StatusError):
        return problem(409, exc.code.replace("_", "-"), "Status change refused", exc.message,
                       code=exc.code)
    if exc.code in _OWN_KINDS:
        return problem(400, exc.code.replace("_", "-"), "Request refused", exc.message,
                       code=exc.code)
    if isinstance(exc, _DOCUMENT_ERRORS):
        return problem(400, "invalid-credential", "The credential cannot be issued",
                       exc.message, code=exc.code)
    return problem(400, exc.code.replace("_", "-"), "Request refused", exc.message,
                   code=exc.code)


def _fixed_allow(app: web.Application, path: str) -> str | None:
    """The methods of the fixed route at exactly ``path`` (in ``app`` or a sub-application),
    for a ``405``'s ``Allow``; ``None`` when no fixed route names it.

    aiohttp's ``Allow`` adds the methods of every route whose template also matches, so that
    ``POST /issuer/credentials/issue`` would advertise the ``GET`` of
    ``/issuer/credentials/{credential_id}``, which only finds no credential called "issue".
    A fixed path names one resource, and lists its own methods.
    """
    for resource in app.router.resources():
        info = resource.get_info()
        subapp = info.get("app")
        if isinstance(subapp, web.Application):
            found = _fixed_allow(subapp, path)
            if found is not None:
                return found
        elif info.get("path") == path:
            return ",".join(sorted({route.method for route in resource}))
    return None


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every failure into a specific, short answer; never a stack trace.

    OpenID4VC protocol errors keep their spec shape (``error``/``error_description``); other
    errors are ``application/problem+json``. A database that cannot be reached is ``503
    database-unavailable`` with ``Retry-After``. Unexpected exceptions are logged (without
    request bodies, which may hold keys or credentials) and answered with a bare 500.
    """
    try:
        return await handler(request)
    except ProblemError as exc:
        return exc.response()
    except ProtocolError as exc:
        return web.json_response({"error": exc.error, "error_description": exc.message},
                                 status=exc.status)
    except VCBadgesError as exc:
        return _problem_of(request, exc)
    except web.HTTPRequestEntityTooLarge:
        return problem(413, "body-too-large", "Request body too large",
                       f"the body exceeds the limit of {request.client_max_size} bytes")
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        kind = {404: "not-found", 405: "method-not-allowed"}.get(exc.status, "http-error")
        allow = exc.headers.get("Allow")
        if exc.status == 405:
            allow = _fixed_allow(request.app, request.path) or allow
        return problem(exc.status, kind, exc.reason,
                       headers={"Allow": allow} if allow is not None else None)
    except Exception as exc:
        if database_unavailable(exc):
            log.warning("database unavailable on %s %s: %s", request.method, request.path,
                        type(exc).__name__)
            return problem(503, "database-unavailable", "Service unavailable",
                           "the service cannot reach its database; try again shortly",
                           headers={"Retry-After": str(request.config_dict[SETTINGS].retry_after)})
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem(500, "internal-error", "Internal error")


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Headers that cost nothing and close common browser attacks."""
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response

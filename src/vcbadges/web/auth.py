"""Who is calling: the tenant behind a bearer API key, checked by middleware.

:func:`tenant_auth` is the middleware of the ``/issuer`` sub-application: every route
there needs a tenant's API key except those it is told are public (status lists, offer QR
codes, the console's static page), and a handler reads the caller with :func:`caller_of`.
A route added later is therefore protected unless made public on purpose.

``Authorization: Bearer <api key>`` is the only place an API key is read from (never a
query string, which ends up in access logs). A missing, malformed, unknown or revoked key
gets the same ``401 unauthorized`` problem with a ``WWW-Authenticate`` challenge (RFC 6750),
so the answer tells nothing about which keys exist. The key itself is never logged and
never stored on the request. Audit records name the key by its row id (``key:<uuid>``):
not its lookup prefix, which is the first characters of the secret itself. The lookup goes
through :meth:`vcbadges.issuer.service.IssuerService.authenticate`, which keeps a key's
tenant in memory for a few seconds.

Database sessions for handlers that still compose their own transaction come from here
too: :func:`reading` for read-only work and :func:`writing` for one transaction that
commits when the block ends without an error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import asynccontextmanager

from aiohttp import web
from aiohttp.typedefs import Middleware

from vcbadges.issuer.service import Caller
from vcbadges.issuer.tenants import api_key_prefix
from vcbadges.storage import Session
from vcbadges.web.keys import DB, ISSUER
from vcbadges.web.problems import ProblemError

__all__ = ["Caller", "ascii_header", "caller_of", "require_tenant", "tenant_auth", "reading",
           "writing"]

_SCHEME = "bearer"
_CALLER = web.RequestKey("caller", Caller)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _unauthorized(detail: str, error: str | None = None) -> ProblemError:
    challenge = 'Bearer realm="vcbadges"'
    if error is not None:
        challenge += f', error="{error}"'
    return ProblemError(401, "unauthorized", "Authentication required", detail,
                        headers={"WWW-Authenticate": challenge})


def ascii_header(request: web.Request, name: str) -> str:
    """The header ``name`` when it is ASCII, else ``""``: as a missing header.

    aiohttp hands on header bytes that are not UTF-8 as lone surrogates, which no hash or
    comparison of tokens (all ASCII) can encode; such a header carries no token.
    """
    value = request.headers.get(name, "")
    return value if value.isascii() else ""


@asynccontextmanager
async def reading(request: web.Request) -> AsyncIterator[Session]:
    """A session for a read-only transaction."""
    async with request.config_dict[DB].sessionmaker(write=False)() as session, session.begin():
        yield session


@asynccontextmanager
async def writing(request: web.Request) -> AsyncIterator[Session]:
    """A session whose transaction commits when the block ends, or rolls back on error."""
    async with request.config_dict[DB].sessionmaker()() as session, session.begin():
        yield session


async def require_tenant(request: web.Request) -> Caller:
    """The caller behind the request's bearer API key; a ``401`` problem otherwise. The
    middleware's check, for the few routes outside ``/issuer`` that act for a tenant
    (signed OpenID4VP requests, issue exchanges)."""
    header = request.headers.get("Authorization")
    if header is None:
        raise _unauthorized("send the tenant's API key as Authorization: Bearer <key>")
    scheme, _, credentials = header.strip().partition(" ")
    api_key = credentials.strip()
    if scheme.lower() != _SCHEME or not api_key:
        raise _unauthorized("use the Bearer scheme with the tenant's API key", "invalid_request")
    if api_key_prefix(api_key) is None:
        raise _unauthorized("the API key is not valid", "invalid_token")
    caller = await request.config_dict[ISSUER].authenticate(api_key)
    if caller is None:
        raise _unauthorized("the API key is not valid", "invalid_token")
    return caller


def tenant_auth(
    *, public_paths: Collection[str] = (), public_prefixes: tuple[str, ...] = ()
) -> Middleware:
    """The middleware that authenticates every request of its application, except for
    routes whose path pattern (with the prefix the application is mounted at) is in
    ``public_paths`` or starts with one of ``public_prefixes``. A request that matches
    no route is left to the router's own 404 or 405."""
    public = frozenset(public_paths)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        match = request.match_info
        if match.http_exception is None:
            info = match.route.resource.get_info() if match.route.resource else {}
            pattern = str(info.get("formatter", info.get("path", "")))
            if not (pattern in public or pattern.startswith(public_prefixes)):
                request[_CALLER] = await require_tenant(request)
        return await handler(request)

    return middleware


def caller_of(request: web.Request) -> Caller:
    """The caller :func:`tenant_auth` authenticated for this request."""
    if _CALLER not in request:  # A public route asking for a caller: a programming error.
        raise RuntimeError("this route is public; it has no authenticated caller")
    return request[_CALLER]

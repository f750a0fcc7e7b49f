"""Who is calling: the tenant behind a bearer API key, looked up on every request.

``Authorization: Bearer <api key>`` is the only place an API key is read from (never a
query string, which ends up in access logs). A missing, malformed, unknown or revoked key
gets the same ``401 unauthorized`` problem with a ``WWW-Authenticate`` challenge (RFC 6750),
so the answer tells nothing about which keys exist. The key itself is never logged and
never stored on the request. Audit records name the key by its row id (``key:<uuid>``):
not its lookup prefix, which is the first characters of the secret itself.

Database sessions for handlers come from here too: :func:`reading` for read-only work and
:func:`writing` for one transaction that commits when the block ends without an error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from vcbadges.issuer.tenants import api_key_prefix, authenticate
from vcbadges.storage import Session, queries
from vcbadges.storage.models import Tenant
from vcbadges.web.keys import DB
from vcbadges.web.problems import ProblemError

__all__ = ["Caller", "ascii_header", "require_tenant", "reading", "writing"]

_SCHEME = "bearer"


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: the tenant, and the id of the key it used (``key:<uuid>``),
    which names the caller in audit records without revealing any of the key."""

    tenant: Tenant
    actor: str


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
    """The caller behind the request's bearer API key; a ``401`` problem otherwise."""
    header = request.headers.get("Authorization")
    if header is None:
        raise _unauthorized("send the tenant's API key as Authorization: Bearer <key>")
    scheme, _, credentials = header.strip().partition(" ")
    api_key = credentials.strip()
    if scheme.lower() != _SCHEME or not api_key:
        raise _unauthorized("use the Bearer scheme with the tenant's API key", "invalid_request")
    prefix = api_key_prefix(api_key)
    if prefix is None:
        raise _unauthorized("the API key is not valid", "invalid_token")
    async with reading(request) as session:
        tenant = await authenticate(session, api_key)
        record = (await queries.api_key_by_prefix(session, prefix)
                  if tenant is not None else None)
    if tenant is None or record is None:
        raise _unauthorized("the API key is not valid", "invalid_token")
    return Caller(tenant=tenant, actor=f"key:{record.id}")

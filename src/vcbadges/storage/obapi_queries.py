"""The statements of the Open Badges 3.0 API (:mod:`vcbadges.obapi`) on its tables
(:mod:`vcbadges.storage.obapi_models`).

Tokens are looked up and spent by the SHA-256 of their value. Spending a refresh token is one
conditional ``UPDATE … RETURNING`` (see :func:`spend_refresh_token`), so two concurrent
refreshes with the same token never both succeed, in any process.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from vcbadges.storage.db import Session
from vcbadges.storage.models import Base
from vcbadges.storage.obapi_models import OBClient, OBProfile, OBToken
from vcbadges.storage.queries import flush

__all__ = [
    "insert_client",
    "get_client",
    "insert_token",
    "live_token",
    "spend_refresh_token",
    "token_row",
    "revoke_grant",
    "revoke_token",
    "purge_tokens",
    "get_profile",
    "put_profile",
]

_TOKENS = Base.metadata.tables["ob_tokens"]


async def insert_client(
    session: Session, *, client_id: str, secret_hash: str, metadata: dict[str, Any],
    created_at: datetime,
) -> None:
    session.add(OBClient(client_id=client_id, secret_hash=secret_hash, metadata_=metadata,
                         created_at=created_at))
    await flush(session, conflict="the client id is taken")


async def get_client(session: Session, client_id: str) -> OBClient | None:
    return await session.get(OBClient, client_id)


async def insert_token(
    session: Session, *, token_hash: str, kind: str, grant_id: uuid.UUID, client_id: str,
    account_id: uuid.UUID, scope: str, wrapped_data_key: bytes, created_at: datetime,
    expires_at: datetime,
) -> None:
    session.add(OBToken(token_hash=token_hash, kind=kind, grant_id=grant_id,
                        client_id=client_id, account_id=account_id, scope=scope,
                        wrapped_data_key=wrapped_data_key, created_at=created_at,
                        expires_at=expires_at))
    await flush(session, conflict="the client or the wallet account is gone")


async def live_token(session: Session, token_hash: str, kind: str,
                     now: datetime) -> OBToken | None:
    """The token of this hash and kind, unless it has expired or was revoked."""
    result = await session.execute(
        select(OBToken).where(OBToken.token_hash == token_hash, OBToken.kind == kind,
                              OBToken.revoked_at.is_(None), OBToken.expires_at > now))
    return result.scalar_one_or_none()


async def token_row(session: Session, token_hash: str) -> OBToken | None:
    """The token of this hash whatever its state (to tell a replay from an unknown token)."""
    return await session.get(OBToken, token_hash)


async def spend_refresh_token(session: Session, token_hash: str, client_id: str,
                              now: datetime) -> OBToken | None:
    """Mark a live refresh token of ``client_id`` revoked at ``now`` and return it; None
    when there is none (unknown, another client's, expired, revoked or spent)."""
    table = _TOKENS
    result = await session.execute(
        update(table)
        .where(table.c.token_hash == token_hash, table.c.kind == "refresh",
               table.c.client_id == client_id, table.c.revoked_at.is_(None),
               table.c.expires_at > now)
        .values(revoked_at=now)
        .returning(*table.c))
    row = result.one_or_none()
    if row is None:
        return None
    return OBToken(**row._asdict())


async def revoke_grant(session: Session, grant_id: uuid.UUID, now: datetime) -> int:
    """Revoke every live token of the grant; return how many."""
    result = await session.execute(
        update(OBToken).where(OBToken.grant_id == grant_id, OBToken.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


async def revoke_token(session: Session, token_hash: str, now: datetime) -> None:
    await session.execute(
        update(OBToken).where(OBToken.token_hash == token_hash, OBToken.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False))


async def purge_tokens(session: Session, now: datetime) -> int:
    """Delete tokens that expired before ``now``; return how many."""
    result = await session.execute(
        delete(OBToken).where(OBToken.expires_at <= now)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


async def get_profile(session: Session, account_id: uuid.UUID) -> OBProfile | None:
    return await session.get(OBProfile, account_id)


async def put_profile(session: Session, *, account_id: uuid.UUID, record_id: uuid.UUID,
                      sealed: bytes, updated_at: datetime) -> None:
    """Insert or replace the account's sealed profile."""
    existing = await session.get(OBProfile, account_id, with_for_update=True)
    if existing is None:
        session.add(OBProfile(account_id=account_id, record_id=record_id, sealed=sealed,
                              updated_at=updated_at))
    else:
        existing.record_id, existing.sealed, existing.updated_at = record_id, sealed, updated_at
    await flush(session, conflict="the wallet account is gone")



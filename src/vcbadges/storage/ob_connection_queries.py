"""The statements on ``ob_connections`` (:mod:`vcbadges.storage.ob_connection_models`).

Every statement names the account as well as the row, so that one holder's session can
never reach another's connection even with its id. :func:`lock_connection` takes the row
for update: the wallet renews a connection's tokens while holding it, so two requests never
spend the same refresh token (a host ends the whole grant when one is replayed).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select

from vcbadges.storage.db import Session
from vcbadges.storage.ob_connection_models import OBConnection
from vcbadges.storage.queries import flush

__all__ = [
    "insert_connection",
    "connections",
    "get_connection",
    "lock_connection",
    "delete_connection",
]


async def insert_connection(session: Session, *, connection_id: uuid.UUID,
                            account_id: uuid.UUID, sealed: bytes, now: datetime) -> None:
    session.add(OBConnection(id=connection_id, account_id=account_id, sealed=sealed,
                             created_at=now, updated_at=now))
    await flush(session, conflict="the wallet account is gone")


async def connections(session: Session, account_id: uuid.UUID) -> Sequence[OBConnection]:
    """The account's connections, oldest first."""
    result = await session.execute(
        select(OBConnection).where(OBConnection.account_id == account_id)
        .order_by(OBConnection.created_at, OBConnection.id))
    return result.scalars().all()


async def get_connection(session: Session, account_id: uuid.UUID,
                         connection_id: uuid.UUID) -> OBConnection | None:
    result = await session.execute(
        select(OBConnection).where(OBConnection.id == connection_id,
                                   OBConnection.account_id == account_id))
    return result.scalar_one_or_none()


async def lock_connection(session: Session, account_id: uuid.UUID,
                          connection_id: uuid.UUID) -> OBConnection | None:
    """The row, locked until the transaction ends (``FOR UPDATE`` on PostgreSQL; on SQLite
    the write transaction's ``BEGIN IMMEDIATE`` already serializes writers). Change its
    ``sealed`` and ``updated_at`` and the commit writes them."""
    result = await session.execute(
        select(OBConnection).where(OBConnection.id == connection_id,
                                   OBConnection.account_id == account_id)
        .with_for_update())
    return result.scalar_one_or_none()


async def delete_connection(session: Session, account_id: uuid.UUID,
                            connection_id: uuid.UUID) -> bool:
    """Delete the row; False when there was none."""
    result = await session.execute(
        delete(OBConnection).where(OBConnection.id == connection_id,
                                   OBConnection.account_id == account_id)
        .execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0))

"""The wallet's SQL: accounts, sealed records, signed-in sessions and sign-in slots.

Each function runs one transaction of its own on the :class:`DatabaseConfig` it is given
and returns plain frozen dataclasses, so that the wallet service (``vcbadges.wallet``) and
its web pages never hold an ORM row or a database session: what the wallet reads is a
value, and when a function returns its transaction is over. Every record query takes the
account id and filters by it, as tenant queries do.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CursorResult, delete, insert, select, update

from vcbadges.storage import queries
from vcbadges.storage.db import DatabaseConfig, Session
from vcbadges.storage.models import Base, WalletAccount, WalletRecord, WalletSession

__all__ = [
    "StoredAccount",
    "StoredRecord",
    "StoredSession",
    "account_by_username",
    "account_with_first",
    "insert_account",
    "insert_record",
    "rewrap_account",
    "record",
    "records",
    "delete_record",
    "insert_session",
    "session_by_hash",
    "delete_session",
    "purge_sessions",
    "take_slot",
    "release_slot",
]

_WALLET_SESSIONS = Base.metadata.tables["wallet_sessions"]


@dataclass(frozen=True, slots=True)
class StoredAccount:
    """An account as stored: its clear facts, Argon2id parameters and wrapped data key."""

    id: uuid.UUID
    username: str
    did: str
    kdf: str
    kdf_salt: bytes
    wrapped_data_key: bytes
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A sealed record as stored: only its ids, kind and time are in clear."""

    account_id: uuid.UUID
    id: uuid.UUID
    kind: str
    sealed: bytes
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A signed-in session: the account, its data key wrapped under the sessions' key,
    and the SHA-256 of the session's CSRF token."""

    account_id: uuid.UUID
    wrapped_data_key: bytes
    csrf_hash: str


def _account(row: WalletAccount) -> StoredAccount:
    return StoredAccount(id=row.id, username=row.username, did=row.did, kdf=row.kdf,
                         kdf_salt=row.kdf_salt, wrapped_data_key=row.wrapped_data_key,
                         created_at=row.created_at)


def _record(row: WalletRecord) -> StoredRecord:
    return StoredRecord(account_id=row.account_id, id=row.id, kind=row.kind, sealed=row.sealed,
                        created_at=row.created_at)


def _row(record: StoredRecord) -> WalletRecord:
    return WalletRecord(account_id=record.account_id, id=record.id, kind=record.kind,
                        sealed=record.sealed, created_at=record.created_at)


async def _records(session: Session, account_id: uuid.UUID,
                   kind: str | None) -> list[StoredRecord]:
    statement = select(WalletRecord).where(WalletRecord.account_id == account_id)
    if kind is not None:
        statement = statement.where(WalletRecord.kind == kind)
    result = await session.execute(statement.order_by(WalletRecord.created_at, WalletRecord.id))
    return [_record(row) for row in result.scalars()]


# --- accounts ----------------------------------------------------------------------------


async def account_by_username(db: DatabaseConfig, username: str) -> StoredAccount | None:
    async with db.sessionmaker(write=False)() as session:
        result = await session.execute(
            select(WalletAccount).where(WalletAccount.username == username))
        row = result.scalar_one_or_none()
        return None if row is None else _account(row)


async def account_with_first(
    db: DatabaseConfig, kind: str, *, username: str | None = None,
    account_id: uuid.UUID | None = None,
) -> tuple[StoredAccount, StoredRecord | None] | None:
    """The account named ``username`` (or with ``account_id``) and its oldest record of
    ``kind``, read in one transaction; None without such an account."""
    async with db.sessionmaker(write=False)() as session:
        if account_id is not None:
            row = await session.get(WalletAccount, account_id)
        else:
            result = await session.execute(
                select(WalletAccount).where(WalletAccount.username == username))
            row = result.scalar_one_or_none()
        if row is None:
            return None
        found = await _records(session, row.id, kind)
        return _account(row), found[0] if found else None


async def insert_account(
    db: DatabaseConfig, account: StoredAccount, records: Sequence[StoredRecord], *,
    conflict: str,
) -> None:
    """Write an account and its records in one transaction; ``StorageError``
    (``conflict``, with that message) when the username is taken."""
    async with db.sessionmaker()() as session, session.begin():
        session.add(WalletAccount(id=account.id, username=account.username, did=account.did,
                                  kdf=account.kdf, kdf_salt=account.kdf_salt,
                                  wrapped_data_key=account.wrapped_data_key,
                                  created_at=account.created_at))
        # No relationship() orders the inserts: write the account before its records.
        await queries.flush(session, conflict=conflict)
        session.add_all([_row(r) for r in records])
        await queries.flush(session, conflict=conflict)


async def rewrap_account(
    db: DatabaseConfig, account_id: uuid.UUID, *, expected: bytes, kdf: str, kdf_salt: bytes,
    wrapped_data_key: bytes,
) -> bool:
    """Replace the wrapped data key (and its KDF parameters and salt) if it is still
    ``expected``; False when another change got there first (compare and swap)."""
    async with db.sessionmaker()() as session, session.begin():
        result = await session.execute(
            update(WalletAccount)
            .where(WalletAccount.id == account_id, WalletAccount.wrapped_data_key == expected)
            .values(kdf=kdf, kdf_salt=kdf_salt, wrapped_data_key=wrapped_data_key)
            .returning(WalletAccount.id))
        return result.scalar_one_or_none() is not None


# --- records -----------------------------------------------------------------------------


async def insert_record(db: DatabaseConfig, record: StoredRecord, *, conflict: str) -> None:
    """Write one record; ``StorageError`` (``conflict``) when its account is gone."""
    async with db.sessionmaker()() as session, session.begin():
        session.add(_row(record))
        await queries.flush(session, conflict=conflict)


async def record(
    db: DatabaseConfig, account_id: uuid.UUID, record_id: uuid.UUID, kind: str
) -> StoredRecord | None:
    async with db.sessionmaker(write=False)() as session:
        result = await session.execute(
            select(WalletRecord).where(WalletRecord.account_id == account_id,
                                       WalletRecord.id == record_id, WalletRecord.kind == kind))
        row = result.scalar_one_or_none()
        return None if row is None else _record(row)


async def records(
    db: DatabaseConfig, account_id: uuid.UUID, kind: str | None = None
) -> list[StoredRecord]:
    """The account's records (of one kind, if given), oldest first."""
    async with db.sessionmaker(write=False)() as session:
        return await _records(session, account_id, kind)


async def delete_record(
    db: DatabaseConfig, account_id: uuid.UUID, record_id: uuid.UUID, kind: str
) -> bool:
    """Delete one record; False when the account has no such record of this kind."""
    async with db.sessionmaker()() as session, session.begin():
        result = await session.execute(
            delete(WalletRecord)
            .where(WalletRecord.account_id == account_id, WalletRecord.id == record_id,
                   WalletRecord.kind == kind)
            .returning(WalletRecord.id))
        return result.scalar_one_or_none() is not None


# --- signed-in sessions (by the hash of the cookie value) --------------------------------


async def insert_session(
    db: DatabaseConfig, *, id_hash: str, session: StoredSession, created_at: datetime,
    expires_at: datetime,
) -> None:
    async with db.sessionmaker()() as db_session, db_session.begin():
        await db_session.execute(insert(_WALLET_SESSIONS).values(
            id_hash=id_hash, account_id=session.account_id,
            wrapped_data_key=session.wrapped_data_key, csrf_hash=session.csrf_hash,
            created_at=created_at, expires_at=expires_at))


async def session_by_hash(db: DatabaseConfig, id_hash: str, now: datetime) -> StoredSession | None:
    """The session with this cookie hash, unless it has expired at ``now``."""
    async with db.sessionmaker(write=False)() as db_session:
        result = await db_session.execute(
            select(WalletSession).where(WalletSession.id_hash == id_hash,
                                        WalletSession.expires_at > now))
        row = result.scalar_one_or_none()
        return None if row is None else StoredSession(
            account_id=row.account_id, wrapped_data_key=row.wrapped_data_key,
            csrf_hash=row.csrf_hash)


async def delete_session(db: DatabaseConfig, id_hash: str) -> bool:
    async with db.sessionmaker()() as db_session, db_session.begin():
        result = await db_session.execute(
            delete(_WALLET_SESSIONS).where(_WALLET_SESSIONS.c.id_hash == id_hash)
            .returning(_WALLET_SESSIONS.c.id_hash))
        return result.scalar_one_or_none() is not None


async def purge_sessions(db: DatabaseConfig, now: datetime) -> int:
    """Delete the sessions expired at ``now``; return how many."""
    async with db.sessionmaker()() as db_session, db_session.begin():
        result = await db_session.execute(
            delete(_WALLET_SESSIONS).where(_WALLET_SESSIONS.c.expires_at <= now))
        return int(result.rowcount) if isinstance(result, CursorResult) else 0


# --- sign-in slots (expiring protocol state entries) -------------------------------------


async def take_slot(
    db: DatabaseConfig, kind: str, prefix: str, count: int, *, now: datetime,
    expires_at: datetime,
) -> tuple[str | None, list[datetime]]:
    """Take the first of the ``count`` slots ``{prefix}0``, ``{prefix}1``, … that is free
    at ``now``, until ``expires_at``, in one transaction. Returns the key taken; or None and
    when each held slot frees up, soonest first."""
    async with db.sessionmaker()() as session, session.begin():
        for slot in range(count):
            key = f"{prefix}{slot}"
            if await queries.take_protocol_slot(session, kind, key, now=now,
                                                expires_at=expires_at):
                return key, []
        return None, await queries.protocol_state_expiries(session, kind, prefix, now)


async def release_slot(db: DatabaseConfig, kind: str, key: str, *, expires_at: datetime) -> None:
    """Give back the slot ``key`` taken until ``expires_at`` (see
    :func:`vcbadges.storage.queries.release_protocol_slot`)."""
    async with db.sessionmaker()() as session, session.begin():
        await queries.release_protocol_slot(session, kind, key, expires_at=expires_at)

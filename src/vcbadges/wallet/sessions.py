"""Signed-in wallet sessions: a random cookie value names a stored session that holds the
account's data key wrapped under the sessions' key.

The sessions' key is derived from the service master key (:func:`session_key`), so any
process of the service can serve a session and nothing in the database opens a wallet by
itself. A session is stored under the SHA-256 of its cookie value, with the SHA-256 of its
CSRF token (an HMAC of the cookie value under the sessions' key, :func:`csrf_token_for`).
Each request re-opens the wallet from the stored session (:meth:`SQLWalletStore.resume`, no
key derivation); callers lock it again when they are done.

Errors are ``StorageError`` with code ``session_ended`` (no live session for the cookie, or
one the current master key or account no longer opens) or ``csrf_token_invalid``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from vcbadges.errors import StorageError
from vcbadges.storage import wallet_queries as sql
from vcbadges.storage.db import DatabaseConfig
from vcbadges.storage.wallet_queries import StoredSession
from vcbadges.wallet import crypto
from vcbadges.wallet.store import SQLWalletStore, UnlockedWallet

__all__ = ["SESSION_LIFETIME", "StartedSession", "OpenedSession", "WalletSessions",
           "session_key", "csrf_token_for"]

#: How long a session lasts after signing in (not extended by use).
SESSION_LIFETIME = timedelta(hours=8)
_PURPOSE = "wallet-session:"
_MAX_COOKIE = 200


def session_key(master_key: bytes) -> bytes:
    """The key that wraps session data keys and makes CSRF tokens, derived from the service
    master key (HMAC-SHA256 as a one-step KDF with a fixed label)."""
    return hmac.new(master_key, b"vcbadges wallet sessions v1", hashlib.sha256).digest()


def csrf_token_for(key: bytes, cookie_value: str) -> str:
    """The CSRF token of the session whose cookie holds ``cookie_value``."""
    mac = hmac.new(key, b"csrf\x00" + cookie_value.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _ended(message: str = "the session has ended; sign in again") -> StorageError:
    return StorageError(message, code="session_ended")


@dataclass(frozen=True, slots=True)
class StartedSession:
    """A new session: the cookie value to set and the session's CSRF token."""

    cookie_value: str
    csrf_token: str


@dataclass(frozen=True, slots=True)
class OpenedSession:
    """A request's session with its wallet unlocked (the caller locks it when done)."""

    wallet: UnlockedWallet
    id_hash: str
    csrf_token: str


class WalletSessions:
    """Starts, opens and ends sessions of the wallets of ``store``."""

    def __init__(self, db: DatabaseConfig, store: SQLWalletStore, key: bytes, *,
                 lifetime: timedelta = SESSION_LIFETIME) -> None:
        self._db = db
        self._store = store
        self._key = key
        self.lifetime = lifetime

    async def start(self, wallet: UnlockedWallet, *, now: datetime) -> StartedSession:
        """Store a new session for ``wallet`` (which stays unlocked; lock it afterwards)."""
        cookie_value = secrets.token_urlsafe(32)
        id_hash = _digest(cookie_value)
        csrf = csrf_token_for(self._key, cookie_value)
        wrapped = crypto.wrap_key(self._key, wallet.data_key, account_id=wallet.account.id,
                                  purpose=_PURPOSE + id_hash)
        await sql.insert_session(
            self._db, id_hash=id_hash,
            session=StoredSession(account_id=wallet.account.id, wrapped_data_key=wrapped,
                                  csrf_hash=_digest(csrf)),
            created_at=now, expires_at=now + self.lifetime)
        return StartedSession(cookie_value=cookie_value, csrf_token=csrf)

    async def open(self, cookie_value: str | None, *, now: datetime,
                   csrf_token: str | None) -> OpenedSession:
        """The session of ``cookie_value`` with its wallet unlocked. ``csrf_token`` (when
        not None) must be the session's token; give None for reads that need none."""
        if not cookie_value or len(cookie_value) > _MAX_COOKIE or not cookie_value.isascii():
            raise _ended("sign in to the wallet first")
        id_hash = _digest(cookie_value)
        stored = await sql.session_by_hash(self._db, id_hash, now)
        if stored is None:
            raise _ended()
        if csrf_token is not None and not hmac.compare_digest(_digest(csrf_token),
                                                              stored.csrf_hash):
            raise StorageError("the CSRF token is not the session's", code="csrf_token_invalid")
        try:
            data_key = crypto.unwrap_key(self._key, stored.wrapped_data_key,
                                         account_id=stored.account_id,
                                         purpose=_PURPOSE + id_hash)
            wallet = await self._store.resume(stored.account_id, data_key)
        except StorageError:
            # The master key changed, or the account is gone: the session is over.
            raise _ended() from None
        return OpenedSession(wallet=wallet, id_hash=id_hash,
                             csrf_token=csrf_token_for(self._key, cookie_value))

    async def end(self, opened: OpenedSession) -> None:
        await sql.delete_session(self._db, opened.id_hash)

    async def purge(self, now: datetime) -> int:
        """Delete the sessions expired at ``now``; return how many."""
        return await sql.purge_sessions(self._db, now)

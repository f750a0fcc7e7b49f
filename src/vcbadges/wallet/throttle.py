"""Throttling sign-ins: a few wrong passphrases per account name, then a wait.

Argon2id makes each guess cost the service about 200 ms, but an attacker with time could
still try a dictionary against one account. After :data:`ATTEMPTS` failures for one name
within :data:`WINDOW`, further sign-ins for that name are refused, before any passphrase
is derived, until the oldest counted failure leaves the window. Failures are recorded in
the database (as expiring protocol state entries, keyed by a hash of the name and never the
name itself), so the limit holds across service processes, and for names that do not exist
too (the answer must not tell which names exist).

The price is that anyone can hold one account's sign-in off by failing on purpose; the
wait is bounded by the window, and a signed-in session is not affected.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime, timedelta
from typing import Final

from vcbadges.storage import queries
from vcbadges.storage.db import DatabaseConfig

__all__ = ["ATTEMPTS", "WINDOW", "SignInThrottle"]

#: Failed sign-ins allowed per account name within :data:`WINDOW`.
ATTEMPTS: Final = 5
WINDOW: Final = timedelta(minutes=15)
_KIND = "signin-failure"


def _prefix(username: str) -> str:
    return hashlib.sha256(username.casefold().encode("utf-8")).hexdigest() + ":"


class SignInThrottle:
    """Counts failed sign-ins per account name in the database."""

    def __init__(self, db: DatabaseConfig, *, attempts: int = ATTEMPTS,
                 window: timedelta = WINDOW) -> None:
        self._db = db
        self._attempts = attempts
        self._window = window

    async def wait_for(self, username: str, *, now: datetime) -> int | None:
        """Seconds before ``username`` may try again, or None when it may now."""
        async with self._db.sessionmaker(write=False)() as session, session.begin():
            expiries = await queries.protocol_state_expiries(session, _KIND, _prefix(username),
                                                             now)
        if len(expiries) < self._attempts:
            return None
        # The failure that must leave the window before one more attempt is allowed.
        frees_at = expiries[len(expiries) - self._attempts]
        return max(1, math.ceil((frees_at - now).total_seconds()))

    async def failed(self, username: str, *, now: datetime) -> None:
        """Count one failed sign-in for ``username``."""
        key = _prefix(username) + secrets.token_hex(16)
        async with self._db.sessionmaker()() as session, session.begin():
            await queries.save_protocol_state(session, _KIND, key, {}, now + self._window)

"""Throttling sign-ins: a few wrong passphrases per account name, then a wait.

Argon2id makes each guess cost the service about 200 ms, but an attacker with time could
still try a dictionary against one account. At most :data:`ATTEMPTS` sign-ins per name are
counted within :data:`WINDOW`; once they are all taken, further sign-ins for that name are
refused, before any passphrase is derived, until the oldest counted one leaves the window.

Counting after the passphrase was tried would let parallel requests all pass the count
before any of them had failed: forty guesses at once would all be tried. So an attempt is
counted first, atomically, and only then tried. Each name has :data:`ATTEMPTS` slots in the
database (expiring protocol state entries, keyed by a hash of the name, never the name
itself); an attempt takes a free one (absent or expired) with one conditional upsert, which
the database decides alone, across requests and service processes. A sign-in that succeeds
gives its slot back; any other outcome (a wrong passphrase, an unknown name, an error, a
request cut short) keeps it as a failure for the window. The limit holds for names that do
not exist too, since the answer must not tell which names exist.

The price is that anyone can hold one account's sign-in off by failing on purpose; the
wait is bounded by the window, and a signed-in session is not affected.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Final

from vcbadges.storage import wallet_queries
from vcbadges.storage.db import DatabaseConfig

__all__ = ["ATTEMPTS", "WINDOW", "SignInThrottle", "TooManySignIns"]

#: Sign-ins counted per account name within :data:`WINDOW` (successful ones are not).
ATTEMPTS: Final = 5
WINDOW: Final = timedelta(minutes=15)
_KIND = "signin-attempt"


class TooManySignIns(Exception):
    """Every attempt of a name is taken; ``retry_after`` is the wait in whole seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after


def _prefix(username: str) -> str:
    """The key prefix of a name's slots. Names the wallet treats as one account (the same
    after NFC) share it, and so do names differing in case or compatibility forms: a
    coarser count only ever holds more back."""
    folded = unicodedata.normalize("NFKC", username).casefold()
    return hashlib.sha256(folded.encode("utf-8")).hexdigest() + ":"


class SignInThrottle:
    """Counts sign-ins per account name in the database."""

    def __init__(self, db: DatabaseConfig, *, attempts: int = ATTEMPTS,
                 window: timedelta = WINDOW) -> None:
        self._db = db
        self._attempts = attempts
        self._window = window

    @asynccontextmanager
    async def attempt(self, username: str, *, now: datetime) -> AsyncIterator[None]:
        """Count one sign-in for ``username`` for the duration of the block: given back if
        the block ends normally, kept as a failure if it raises. Raises
        :class:`TooManySignIns`, before the block runs, when no attempt is left."""
        expires_at = now + self._window
        key, expiries = await wallet_queries.take_slot(
            self._db, _KIND, _prefix(username), self._attempts, now=now, expires_at=expires_at)
        if key is None:
            frees_at = expiries[0] if expiries else now
            raise TooManySignIns(max(1, math.ceil((frees_at - now).total_seconds())))
        yield
        # Only the slot this attempt took: once expired, another attempt may hold it.
        await wallet_queries.release_slot(self._db, _KIND, key, expires_at=expires_at)

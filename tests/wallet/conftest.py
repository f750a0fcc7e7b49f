"""Fixtures of the wallet tests: a fresh migrated database and a wallet store on it, with
cheap Argon2id parameters (SQLite by default, PostgreSQL with VCBADGES_TEST_DATABASE_URL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from wallet_support import CHEAP

from storage.dbtesting import fresh_database
from vcbadges.storage import DatabaseConfig
from vcbadges.wallet import SQLWalletStore


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[DatabaseConfig]:
    async with fresh_database(tmp_path) as database:
        yield database


@pytest.fixture
def store(db: DatabaseConfig) -> SQLWalletStore:
    return SQLWalletStore(db, kdf=CHEAP)

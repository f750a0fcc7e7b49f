"""Fixtures of the bulk tests: a fresh database (SQLite, or PostgreSQL when
``VCBADGES_TEST_DATABASE_URL`` is set), a key store and a tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from bulk_support import MASTER_KEY, NOW

from storage.dbtesting import fresh_database
from vcbadges.issuer import MasterKeyStore, create_tenant
from vcbadges.storage import DatabaseConfig
from vcbadges.storage.models import Tenant


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[DatabaseConfig]:
    async with fresh_database(tmp_path) as database:
        yield database


@pytest.fixture
def keystore() -> MasterKeyStore:
    return MasterKeyStore(MASTER_KEY)


@pytest.fixture
async def tenant(db: DatabaseConfig, keystore: MasterKeyStore) -> Tenant:
    async with db.sessionmaker()() as session, session.begin():
        created, _ = await create_tenant(session, "acme", keystore=keystore, now=NOW)
    return created

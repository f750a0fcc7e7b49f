"""Fixtures of the issuer tests: a fresh database, a key store, a pinned clock, tenants."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from issuer_support import MASTER_KEY, NOW

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


NewTenant = Callable[..., Awaitable[tuple[Tenant, str]]]


@pytest.fixture
def new_tenant(db: DatabaseConfig, keystore: MasterKeyStore) -> NewTenant:
    """Create and commit a tenant; returns (tenant, api key)."""

    async def make(name: str, **options: Any) -> tuple[Tenant, str]:
        async with db.sessionmaker()() as session, session.begin():
            return await create_tenant(session, name, keystore=keystore, now=NOW, **options)

    return make

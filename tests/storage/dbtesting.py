"""A fresh, migrated database per test: SQLite in tmp_path, or PostgreSQL when asked.

``VCBADGES_TEST_DATABASE_URL`` (e.g. ``postgresql+asyncpg://postgres@127.0.0.1:5432/test``)
selects PostgreSQL. Each test then gets a schema of its own with a random name, dropped
afterwards, so runs are repeatable and several runs (or engineers) can share one database.

Imported as ``storage.dbtesting`` by the conftest files of tests/storage and tests/issuer.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from vcbadges.storage import DatabaseConfig, PostgresConfig, database_config, upgrade

ENV = "VCBADGES_TEST_DATABASE_URL"


def postgres_url() -> str | None:
    """The PostgreSQL URL the tests run against, or None for SQLite."""
    return os.environ.get(ENV) or None


def config_for(tmp_path: Path, schema: str | None) -> DatabaseConfig:
    """A config of the test database (a second config of the same database, when called
    again with the same arguments: a separate pool, like another process)."""
    url = postgres_url()
    if url is not None:
        return PostgresConfig(url, schema=schema)
    return database_config(f"sqlite+aiosqlite:///{tmp_path / 'vcbadges.db'}")


@asynccontextmanager
async def fresh_database(tmp_path: Path, *, migrate: bool = True) -> AsyncIterator[DatabaseConfig]:
    schema = "vcbt_" + secrets.token_hex(6) if postgres_url() else None
    db = config_for(tmp_path, schema)
    try:
        if migrate:
            await upgrade(db)
        yield db
    finally:
        await db.dispose()
        if schema is not None:
            await drop_schema(schema)


async def drop_schema(schema: str) -> None:
    url = postgres_url()
    assert url is not None
    admin = PostgresConfig(url)
    try:
        async with admin.engine().begin() as connection:
            await connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await admin.dispose()


def schema_of(db: DatabaseConfig) -> str | None:
    return db.schema if isinstance(db, PostgresConfig) else None

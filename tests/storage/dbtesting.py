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

from sqlalchemy import select

from vcbadges.storage import DatabaseConfig, PostgresConfig, database_config, upgrade
from vcbadges.storage.db import SQLiteConfig
from vcbadges.storage.models import Base

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


async def database_bytes(db: DatabaseConfig) -> bytes:
    """Every value of every row of every table, as bytes (text in UTF-8), concatenated; on
    SQLite the database files too (the file and its WAL), read before and after the pool is
    closed, so that nothing written in any form escapes a scan for plaintext."""
    parts: list[bytes] = []
    async with db.sessionmaker(write=False)() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        parts.append(bytes(value))
                    else:
                        parts.append(str(value).encode("utf-8"))
    if isinstance(db, SQLiteConfig) and db.path is not None:
        parts.extend(_files(db.path))
        await db.dispose()
        parts.extend(_files(db.path))
    return b"\n".join(parts)


def _files(path: Path) -> list[bytes]:
    files = sorted(path.parent.glob(path.name + "*"))
    assert path in files
    return [p.read_bytes() for p in files]

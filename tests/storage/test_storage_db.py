"""Database configs: chosen by URL, SQLite set up for concurrent writers, portable types."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, OperationalError, StatementError

from storage.dbtesting import postgres_url
from vcbadges.storage import PostgresConfig, SQLiteConfig, database_config, queries
from vcbadges.storage.models import Achievement, StatusList, Tenant

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)

sqlite_only = pytest.mark.skipif(postgres_url() is not None, reason="SQLite behaviour")
postgres_only = pytest.mark.skipif(postgres_url() is None,
                                   reason="needs VCBADGES_TEST_DATABASE_URL (PostgreSQL)")


@pytest.mark.parametrize(("url", "kind", "driver"), [
    ("sqlite+aiosqlite:///data/x.db", SQLiteConfig, "sqlite+aiosqlite"),
    ("sqlite:///data/x.db", SQLiteConfig, "sqlite+aiosqlite"),
    ("postgresql+asyncpg://u@db/x", PostgresConfig, "postgresql+asyncpg"),
    ("postgresql://u@db/x", PostgresConfig, "postgresql+asyncpg"),
    ("postgres://u@db/x", PostgresConfig, "postgresql+asyncpg"),
])
def test_the_url_scheme_chooses_the_config(url, kind, driver):
    config = database_config(url)
    assert type(config) is kind
    assert config.url.drivername == driver


@pytest.mark.parametrize("url", ["mysql://u:secret@db/x", "not a url secret"])
def test_other_databases_are_refused_without_echoing_secrets(url):
    with pytest.raises(ValueError) as caught:
        database_config(url)
    assert "secret" not in str(caught.value)


def test_repr_hides_the_password():
    assert "hunter2" not in repr(database_config("postgresql://u:hunter2@db/x"))


def test_postgres_schema_names_are_checked():
    with pytest.raises(ValueError):
        PostgresConfig("postgresql://u@db/x", schema='x"; drop table y; --')


async def test_sqlite_creates_the_folder_of_its_file(tmp_path):
    config = database_config(f"sqlite+aiosqlite:///{tmp_path / 'a' / 'b' / 'x.db'}")
    try:
        async with config.engine().connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await config.dispose()
    assert (tmp_path / "a" / "b" / "x.db").exists()


@sqlite_only
async def test_sqlite_connections_get_their_pragmas(db):
    async with db.engine().connect() as connection:
        values = {name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                  for name in ("foreign_keys", "journal_mode", "busy_timeout", "synchronous")}
    assert values == {"foreign_keys": 1, "journal_mode": "wal", "busy_timeout": 30000,
                      "synchronous": 1}


@sqlite_only
async def test_sqlite_write_sessions_take_the_write_lock_at_begin(db):
    # Another config with a short busy timeout, as another process would have.
    impatient = SQLiteConfig(db.url, busy_timeout_ms=50)
    try:
        async with db.sessionmaker()() as writer, writer.begin():
            await writer.execute(select(1))  # Only a read, but BEGIN IMMEDIATE took the lock.
            with pytest.raises(OperationalError, match="locked"):
                async with impatient.sessionmaker()() as other, other.begin():
                    await other.execute(select(1))
            # A read-only session reads beside the writer.
            async with impatient.sessionmaker(write=False)() as reader, reader.begin():
                assert (await reader.execute(select(1))).scalar() == 1
    finally:
        await impatient.dispose()


async def _make_tenant_and_list(db) -> tuple[uuid.UUID, uuid.UUID]:
    tenant_id, list_id = uuid.uuid4(), uuid.uuid4()
    async with db.sessionmaker()() as session, session.begin():
        session.add(Tenant(id=tenant_id, name="acme", did="did:example:acme", created_at=NOW))
        await session.flush()
        session.add(StatusList(id=list_id, tenant_id=tenant_id, purpose="revocation", size=8,
                               bits=b"\x00", created_at=NOW, updated_at=NOW))
    return tenant_id, list_id


async def test_concurrent_writers_queue_instead_of_failing_or_losing_updates(db):
    tenant_id, list_id = await _make_tenant_and_list(db)
    sessions = db.sessionmaker()

    async def bump() -> None:
        async with sessions() as session, session.begin():
            status_list = await queries.lock_status_list(session, tenant_id, list_id)
            assert status_list is not None
            await asyncio.sleep(0)  # Let the other writers try to get in meanwhile.
            await queries.write_status_bits(session, list_id, status_list.bits,
                                            status_list.version + 1, NOW)

    await asyncio.gather(*(bump() for _ in range(40)))
    async with sessions() as session:
        status_list = await queries.get_status_list(session, list_id)
        assert status_list is not None and status_list.version == 41


@postgres_only
async def test_postgres_read_only_sessions_cannot_write(db):
    async with db.sessionmaker(write=False)() as session:
        with pytest.raises(DBAPIError, match="read-only"):
            async with session.begin():
                session.add(Tenant(name="acme", did="did:example:acme", created_at=NOW))


async def test_naive_datetimes_are_refused(db):
    async with db.sessionmaker()() as session:
        session.add(Tenant(name="acme", did="did:example:acme",
                           created_at=datetime(2026, 6, 1, 12, 0, 0)))
        with pytest.raises(StatementError, match="naive datetime"):
            await session.flush()


async def test_datetimes_come_back_aware_and_in_utc(db):
    paris = timezone(timedelta(hours=2))
    tenant_id = uuid.uuid4()
    async with db.sessionmaker()() as session, session.begin():
        session.add(Tenant(id=tenant_id, name="acme", did="did:example:acme",
                           created_at=datetime(2026, 6, 1, 14, 0, 0, 123456, tzinfo=paris)))
    async with db.sessionmaker()() as session:
        tenant = await session.get(Tenant, tenant_id)
        assert tenant is not None
        assert tenant.created_at == datetime(2026, 6, 1, 12, 0, 0, 123456, tzinfo=UTC)
        assert tenant.created_at.utcoffset() == timedelta(0)


async def test_json_documents_round_trip(db):
    tenant_id, _ = await _make_tenant_and_list(db)
    template = {"type": ["Achievement"], "name": "Data Literacy 101", "tag": ["data", "ü"],
                "nested": {"n": 1.5, "ok": True, "none": None}}
    async with db.sessionmaker()() as session, session.begin():
        session.add(Achievement(tenant_id=tenant_id, slug="data-101", document=template,
                                created_at=NOW, updated_at=NOW))
    async with db.sessionmaker()() as session:
        row = (await session.execute(select(Achievement))).scalar_one()
        assert row.document == template

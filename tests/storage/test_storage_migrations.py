"""The migration tree: one head, dated files, the schema the models describe, and a full
downgrade and upgrade with data in the tables, on SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, inspect, select

from storage.dbtesting import config_for, schema_of
from vcbadges.storage import DatabaseConfig, current_revision, downgrade, heads, upgrade
from vcbadges.storage.migrate import alembic_config
from vcbadges.storage.models import (
    ApiKey,
    Base,
    Credential,
    StatusAllocation,
    StatusEvent,
    StatusList,
    Tenant,
)

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
TABLES = {"tenants", "api_keys", "signing_keys", "achievements", "credentials",
          "status_lists", "status_allocations", "status_events", "challenges", "bulk_rows",
          "wallet_accounts", "wallet_records", "protocol_state", "wallet_sessions",
          "bulk_jobs", "bulk_job_rows", "public_urls", "ob_clients", "ob_tokens", "ob_profiles",
          "public_badges", "ob_connections"}


def test_the_migration_tree_has_a_single_head():
    assert len(heads()) == 1


def test_migration_files_are_dated_and_noted():
    script = ScriptDirectory.from_config(alembic_config())
    migrations = resources.files("vcbadges.storage") / "migrations"
    notes = (migrations / "MIGRATION-NOTES.md").read_text(encoding="utf-8")
    revisions = list(script.walk_revisions())
    assert revisions
    for revision in revisions:
        name = Path(revision.path).name
        assert re.fullmatch(rf"\d{{4}}_\d{{2}}_\d{{2}}_\d{{6}}_{revision.revision}_\w+\.py", name)
        assert revision.revision in notes


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def _table_names(db: DatabaseConfig) -> set[str]:
    async with db.engine().connect() as connection:
        return await connection.run_sync(_tables)


async def test_upgrade_creates_the_tables_of_the_models(bare_db):
    assert await current_revision(bare_db) is None
    await upgrade(bare_db)
    assert await current_revision(bare_db) == heads()[0]
    assert await _table_names(bare_db) == TABLES | {"alembic_version"}
    assert set(Base.metadata.tables) == TABLES


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrated_schema_matches_the_models(db):
    async with db.engine().connect() as connection:
        assert await connection.run_sync(_diff) == []


async def _add_data(db: DatabaseConfig) -> None:
    tenant_id, list_id = uuid.uuid4(), uuid.uuid4()
    async with db.sessionmaker()() as session, session.begin():
        session.add(Tenant(id=tenant_id, name="acme", did="did:web:example.com:acme",
                           did_web_host="example.com", created_at=NOW))
        # No relationship() ties the models together, so the unit of work does not order
        # the inserts by foreign key: flush the parent first.
        await session.flush()
        session.add(ApiKey(tenant_id=tenant_id, prefix="vcb_abcdefghijkl", hash=bytes(32),
                           created_at=NOW))
        session.add(StatusList(id=list_id, tenant_id=tenant_id, purpose="revocation", size=16,
                               bits=b"\x80\x00", created_at=NOW, updated_at=NOW))
        session.add(Credential(tenant_id=tenant_id, id="urn:uuid:1", format="di",
                               document="{}", issued_at=NOW))
        await session.flush()
        session.add(StatusAllocation(status_list_id=list_id, status_index=0,
                                     tenant_id=tenant_id, credential_id="urn:uuid:1",
                                     allocated_at=NOW))
        session.add(StatusEvent(tenant_id=tenant_id, credential_id="urn:uuid:1",
                                purpose="revocation", action="revoke", actor="cli", at=NOW))


async def _count(db: DatabaseConfig, model: Any) -> int:
    async with db.sessionmaker()() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_downgrade_to_base_and_upgrade_to_head_with_data(db):
    await _add_data(db)
    assert await _count(db, StatusEvent) == 1
    await downgrade(db, "base")
    assert await current_revision(db) is None
    assert await _table_names(db) <= {"alembic_version"}
    await upgrade(db)
    assert await current_revision(db) == heads()[0]
    assert await _count(db, Tenant) == 0
    # The schema works again, foreign keys and all.
    await _add_data(db)
    assert await _count(db, StatusAllocation) == 1


async def test_upgrade_twice_is_harmless(db):
    await upgrade(db)
    assert await current_revision(db) == heads()[0]


async def test_processes_starting_together_migrate_once(bare_db, tmp_path):
    # Separate configs (separate pools), as separate service processes would have. On
    # PostgreSQL the advisory lock orders them; on SQLite the BEGIN IMMEDIATE around the run.
    others = [config_for(tmp_path, schema_of(bare_db)) for _ in range(3)]
    try:
        await asyncio.gather(upgrade(bare_db), *(upgrade(other) for other in others))
    finally:
        for other in others:
            await other.dispose()
    assert await current_revision(bare_db) == heads()[0]
    assert await _table_names(bare_db) == TABLES | {"alembic_version"}

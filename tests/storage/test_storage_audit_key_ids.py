"""Migration 0010auditkeyids: audit actors that were API key prefixes (the first characters
of the secret) become the key's row id, or a neutral value when no key has that prefix;
every other actor is left alone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from vcbadges.storage import DatabaseConfig, upgrade

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
_TS = sa.DateTime(timezone=True)

# The tables as migration 0009publicurls left them, only the columns these rows need.
TENANTS = sa.table("tenants", sa.column("id", sa.Uuid()), sa.column("name", sa.String()),
                   sa.column("did", sa.String()), sa.column("created_at", _TS))
API_KEYS = sa.table("api_keys", sa.column("id", sa.Uuid()), sa.column("tenant_id", sa.Uuid()),
                    sa.column("prefix", sa.String()), sa.column("hash", sa.LargeBinary()),
                    sa.column("created_at", _TS))
CREDENTIALS = sa.table("credentials", sa.column("tenant_id", sa.Uuid()),
                       sa.column("id", sa.String()), sa.column("format", sa.String()),
                       sa.column("document", sa.Text()), sa.column("issued_at", _TS))
EVENTS = sa.table("status_events", sa.column("tenant_id", sa.Uuid()),
                  sa.column("credential_id", sa.String()), sa.column("purpose", sa.String()),
                  sa.column("action", sa.String()), sa.column("actor", sa.String()),
                  sa.column("at", _TS))
JOBS = sa.table("bulk_jobs", *(sa.column(name, sa.Uuid()) for name in ("id", "tenant_id")),
                *(sa.column(name, sa.String()) for name in ("kind", "job_key", "actor", "state")),
                *(sa.column(name, sa.Integer())
                  for name in ("total", "done", "succeeded", "skipped", "failed")),
                sa.column("cancel_requested", sa.Boolean()),
                *(sa.column(name, _TS) for name in ("created_at", "heartbeat_at")))


async def test_key_prefixes_become_key_ids(bare_db: DatabaseConfig):
    await upgrade(bare_db, "0009publicurls")
    tenant_id, key_id = uuid.uuid4(), uuid.uuid4()
    async with bare_db.engine().begin() as connection:
        await connection.execute(sa.insert(TENANTS).values(
            id=tenant_id, name="acme", did="did:example:acme", created_at=NOW))
        await connection.execute(sa.insert(API_KEYS).values(
            id=key_id, tenant_id=tenant_id, prefix="vcb_abcdefghijkl", hash=bytes(32),
            created_at=NOW))
        await connection.execute(sa.insert(CREDENTIALS).values(
            tenant_id=tenant_id, id="urn:uuid:1", format="di", document="{}", issued_at=NOW))
        await connection.execute(sa.insert(EVENTS), [
            {"tenant_id": tenant_id, "credential_id": "urn:uuid:1", "purpose": "suspension",
             "action": action, "actor": actor, "at": NOW}
            for action, actor in (("suspend", "vcb_abcdefghijkl"), ("unsuspend", "cli"),
                                  ("suspend", "vcb_deletedkey12"))])
        await connection.execute(sa.insert(JOBS), [
            {"id": uuid.uuid4(), "tenant_id": tenant_id, "kind": "revoke", "job_key": key,
             "actor": actor, "state": "done", "total": 0, "done": 0, "succeeded": 0,
             "skipped": 0, "failed": 0, "cancel_requested": False, "created_at": NOW,
             "heartbeat_at": NOW}
            for key, actor in (("a", "vcb_abcdefghijkl"), ("b", "vcb_deletedkey12"))])

    await upgrade(bare_db)

    async with bare_db.engine().connect() as connection:
        events = (await connection.execute(
            sa.select(EVENTS.c.action, EVENTS.c.actor).order_by(sa.text("id")))).all()
        jobs = (await connection.execute(
            sa.select(JOBS.c.job_key, JOBS.c.actor).order_by(JOBS.c.job_key))).all()
    assert [tuple(row) for row in events] == [
        ("suspend", f"key:{key_id}"), ("unsuspend", "cli"), ("suspend", "api-key")]
    assert [tuple(row) for row in jobs] == [("a", f"key:{key_id}"), ("b", "api-key")]

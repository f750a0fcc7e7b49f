"""Apply the schema migrations through Alembic's programmatic API.

The service calls :func:`upgrade` at start-up, the CLI and the tests call it too; there is no
``alembic.ini``: :func:`alembic_config` builds the configuration in code and points it at the
migration tree shipped inside the package (``vcbadges.storage:migrations``).

Two things happen around every run:

- On PostgreSQL a session-level advisory lock is held for the whole run, so that several
  service processes starting together migrate one after another; the second finds the
  schema at head and does nothing.
- On SQLite the whole run is one ``BEGIN IMMEDIATE`` transaction, so concurrent starters
  queue on the write lock and a failure rolls everything back. Foreign keys are switched off
  for the run, because batch migrations recreate a table (copy, drop, rename) and a dropped
  parent table would otherwise fail or cascade; ``PRAGMA foreign_key_check`` runs before the
  commit, and a violation is a ``StorageError`` that rolls the run back.

For developers, ``python -m vcbadges.storage revision -m "add x" --autogenerate``
writes a new dated migration (``VCBADGES_DATABASE_URL`` names the database to compare with).
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Callable
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from vcbadges.errors import StorageError
from vcbadges.storage.db import DatabaseConfig, PostgresConfig, database_config

__all__ = [
    "SCRIPT_LOCATION",
    "alembic_config",
    "upgrade",
    "downgrade",
    "current_revision",
    "heads",
    "run_with_connection",
]

SCRIPT_LOCATION = "vcbadges.storage:migrations"

# Migration files are named by date and time (UTC) and then revision, so that a directory
# listing reads in the order they were written.
_FILE_TEMPLATE = (
    "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d%%(second).2d"
    "_%%(rev)s_%%(slug)s"
)

# An arbitrary constant naming our advisory lock ("vcbadges" in ASCII, as a bigint).
_PG_LOCK_KEY = 0x7663626164676573


def alembic_config() -> Config:
    """The Alembic configuration of the shipped migration tree (no ini file involved)."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("file_template", _FILE_TEMPLATE)
    config.set_main_option("timezone", "UTC")
    config.set_main_option("path_separator", "os")
    return config


def heads() -> tuple[str, ...]:
    """The head revisions of the migration tree (one, unless someone forgot to merge)."""
    return tuple(ScriptDirectory.from_config(alembic_config()).get_heads())


def _config_of(target: str | DatabaseConfig) -> tuple[DatabaseConfig, bool]:
    if isinstance(target, DatabaseConfig):
        return target, False
    return database_config(target), True


def _prepare(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_LOCK_KEY})
        schema = connection.info.get("vcbadges_schema")
        if schema:
            # Under the lock: concurrent CREATE SCHEMA IF NOT EXISTS can still collide.
            # PostgresConfig checked the name: letters, digits and underscores only.
            connection.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        # The lock is held by the session and survives the commit; Alembic then runs each
        # migration in a transaction of its own.
        connection.commit()
    elif connection.dialect.name == "sqlite":
        _sqlite_pragma(connection, "PRAGMA foreign_keys = OFF")
        # One BEGIN IMMEDIATE around the whole run: a second process starting at the same
        # time waits for the write lock and then finds the schema at head, and a failed
        # run leaves nothing half done. (Alembic sees the open transaction and does not
        # begin its own per migration; SQLite's DDL is transactional.)
        connection.begin()


def _check(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        violations = _sqlite_pragma(connection, "PRAGMA foreign_key_check")
        if violations:
            raise StorageError(
                f"migration would leave {len(violations)} rows that break foreign keys "
                f"(first: {violations[0]!r})", code="migration_failed")


def _finish(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_KEY})
        connection.commit()
    elif connection.dialect.name == "sqlite":
        _sqlite_pragma(connection, "PRAGMA foreign_keys = ON")


def _sqlite_pragma(connection: Connection, statement: str) -> list[Any]:
    # Through the driver's cursor: a PRAGMA on foreign keys is ignored inside a transaction,
    # and executing through SQLAlchemy would begin one.
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(statement)
        return list(cursor.fetchall())
    finally:
        cursor.close()


async def run_with_connection(
    target: str | DatabaseConfig, fn: Callable[[Connection], None]
) -> None:
    """Run ``fn`` with a connection prepared for migrations (lock held, or foreign keys off).

    Used by :func:`upgrade` and :func:`downgrade`, and by ``env.py`` when Alembic runs
    without a connection handed to it.
    """
    db, owned = _config_of(target)
    try:
        async with db.engine().connect() as connection:
            if isinstance(db, PostgresConfig) and db.schema is not None:
                connection.info["vcbadges_schema"] = db.schema

            def run(sync_connection: Connection) -> None:
                _prepare(sync_connection)
                try:
                    fn(sync_connection)
                    _check(sync_connection)
                    if sync_connection.in_transaction():
                        sync_connection.commit()
                except BaseException:
                    if sync_connection.in_transaction():
                        sync_connection.rollback()
                    raise
                finally:
                    _finish(sync_connection)

            await connection.run_sync(run)
    finally:
        if owned:
            await db.dispose()


def _command(name: str, *args: Any, **kwargs: Any) -> Callable[[Connection], None]:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        getattr(command, name)(config, *args, **kwargs)

    return run


async def upgrade(target: str | DatabaseConfig, revision: str = "head") -> None:
    """Migrate the database at ``target`` (a URL or a config) up to ``revision``."""
    await run_with_connection(target, _command("upgrade", revision))


async def downgrade(target: str | DatabaseConfig, revision: str) -> None:
    """Migrate down to ``revision`` (``"base"`` removes every table)."""
    await run_with_connection(target, _command("downgrade", revision))


async def current_revision(target: str | DatabaseConfig) -> str | None:
    """The revision the database is at, or None before the first migration."""
    db, owned = _config_of(target)
    try:
        async with db.engine().connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision())
    finally:
        if owned:
            await db.dispose()


def main(argv: list[str] | None = None) -> None:
    """``python -m vcbadges.storage upgrade|downgrade|current|heads|revision``."""
    parser = argparse.ArgumentParser(prog="python -m vcbadges.storage")
    parser.add_argument("--url", default=os.environ.get("VCBADGES_DATABASE_URL"),
                        help="database URL (default: $VCBADGES_DATABASE_URL)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("upgrade").add_argument("revision", nargs="?", default="head")
    sub.add_parser("downgrade").add_argument("revision")
    sub.add_parser("current")
    sub.add_parser("heads")
    revision = sub.add_parser("revision")
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument("--autogenerate", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "heads":
        print("\n".join(heads()))
        return
    if args.url is None:
        parser.error("give --url or set VCBADGES_DATABASE_URL")
    if args.command == "upgrade":
        asyncio.run(upgrade(args.url, args.revision))
    elif args.command == "downgrade":
        asyncio.run(downgrade(args.url, args.revision))
    elif args.command == "current":
        print(asyncio.run(current_revision(args.url)) or "(none)")
    else:
        asyncio.run(run_with_connection(
            args.url, _command("revision", message=args.message,
                               autogenerate=args.autogenerate)))

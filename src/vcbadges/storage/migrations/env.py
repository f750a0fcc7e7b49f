"""Alembic environment of the vcbadges schema: async engines, one tree for both dialects.

Normally :mod:`vcbadges.storage.migrate` runs Alembic and hands this script a connection in
``config.attributes["connection"]`` (Alembic's "connection sharing" recipe, run through
``AsyncConnection.run_sync``). Without one, as when the ``alembic`` command line is pointed
at this tree, the URL comes from ``sqlalchemy.url`` or ``VCBADGES_DATABASE_URL`` and the
migration runs through the same helper, with the same locking.

SQLite cannot alter most of a table in place, so on SQLite operations are rendered in batch
mode (Alembic copies the table, changes the copy and renames it back). Each migration runs in
its own transaction, so a failure leaves the database at the last migration that worked.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import Connection

from vcbadges.storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("VCBADGES_DATABASE_URL")
    if not url:
        raise RuntimeError("no database: set sqlalchemy.url or VCBADGES_DATABASE_URL")
    return url


def run_migrations_offline() -> None:
    """Write the SQL to standard output instead of running it (``alembic upgrade --sql``)."""
    url = _url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    from vcbadges.storage.migrate import run_with_connection

    asyncio.run(run_with_connection(_url(), run_migrations))


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

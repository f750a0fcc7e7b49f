"""Database configuration: one class per dialect, chosen from the URL.

vcbadges runs on SQLite (aiosqlite) with no configuration and on PostgreSQL (asyncpg) when
several processes must share one database. The differences between the two stay here:

- :class:`SQLiteConfig` sets PRAGMAs on every new connection and takes over ``BEGIN`` from
  the ``sqlite3`` driver, so that write transactions start with ``BEGIN IMMEDIATE``. SQLite
  allows one writer at a time; a transaction that starts as a reader and later tries to write
  fails at once with "database is locked" when another writer got there first (waiting would
  not help: its snapshot is stale). Taking the write lock at ``BEGIN`` makes concurrent
  writers queue on ``busy_timeout`` instead of failing.
- :class:`PostgresConfig` uses asyncpg; read-only sessions run ``READ ONLY`` transactions.

Every config hands out one engine (created lazily, shared by its sessions) and
:class:`~sqlalchemy.ext.asyncio.async_sessionmaker` factories with ``expire_on_commit=False``,
so ORM objects stay readable after a commit without a lazy load, which async sessions cannot
do implicitly.
"""

from __future__ import annotations

import abc
import sqlite3
import time
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

__all__ = [
    "DatabaseConfig",
    "SQLiteConfig",
    "PostgresConfig",
    "database_config",
    "Session",
]

#: The session type every storage function takes. Callers own its transaction.
Session = AsyncSession

# The execution option that tells the SQLite ``begin`` hook which BEGIN to emit.
_BEGIN_OPTION = "vcbadges_sqlite_begin"


class DatabaseConfig(abc.ABC):
    """Connection settings for one database, and the engine and sessions built from them.

    Create one per process (it owns a connection pool) and call :meth:`dispose` when done.
    """

    #: The SQLAlchemy dialect name this config serves (``"sqlite"`` or ``"postgresql"``).
    dialect: ClassVar[str]

    def __init__(self, url: str | URL, *, echo: bool = False) -> None:
        self.url: URL = make_url(url)
        self.echo = echo
        self._engine: AsyncEngine | None = None

    def __repr__(self) -> str:
        # Never show a password that the URL may carry.
        return f"{type(self).__name__}({self.url.render_as_string(hide_password=True)!r})"

    def engine(self) -> AsyncEngine:
        """The engine of this config, created on first use and reused afterwards."""
        if self._engine is None:
            self._engine = self._create_engine()
        return self._engine

    def sessionmaker(self, *, write: bool = True) -> async_sessionmaker[AsyncSession]:
        """A session factory; ``write=False`` gives sessions for read-only transactions.

        Read-only sessions let readers run beside writers: on SQLite they begin with a plain
        (deferred) ``BEGIN`` instead of taking the write lock, and on PostgreSQL their
        transactions are ``READ ONLY``. A read-only session must not write: on SQLite its
        first write could fail at once with "database is locked" under concurrency.
        """
        return async_sessionmaker(self._bind(write=write), expire_on_commit=False)

    async def dispose(self) -> None:
        """Close every pooled connection. The config can be used again afterwards."""
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    @abc.abstractmethod
    def _create_engine(self) -> AsyncEngine: ...

    @abc.abstractmethod
    def _bind(self, *, write: bool) -> AsyncEngine: ...


class SQLiteConfig(DatabaseConfig):
    """SQLite through aiosqlite: the zero-configuration default, one writer at a time.

    Writes go through an engine with a single pooled connection, and reads through a second
    engine with an ordinary pool. SQLite admits one writer at a time anyway; queueing the
    writers of this process on the pool (an asyncio wait) instead of on SQLite's busy
    handler (which polls with sleeps of up to 100 ms) keeps write latency low under load.
    Writers in other processes still queue on ``busy_timeout``. One consequence: a task must
    not open a second write session while it holds one, since the second would wait for the
    connection the first holds (it would wait on SQLite's lock otherwise, with the same end).
    """

    dialect = "sqlite"

    def __init__(
        self, url: str | URL, *, echo: bool = False, busy_timeout_ms: int = 30_000
    ) -> None:
        super().__init__(url, echo=echo)
        if self.url.drivername in ("sqlite", "sqlite+pysqlite"):
            self.url = self.url.set(drivername="sqlite+aiosqlite")
        self.busy_timeout_ms = busy_timeout_ms
        self._read_engine: AsyncEngine | None = None

    @property
    def path(self) -> Path | None:
        """The database file, or None for an in-memory database."""
        database = self.url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        return Path(database)

    async def dispose(self) -> None:
        if self._read_engine is not None:
            await self._read_engine.dispose()
            self._read_engine = None
        await super().dispose()

    def _create_engine(self) -> AsyncEngine:
        path = self.path
        if path is None:
            # In memory: one shared connection (StaticPool), so no separate read engine.
            return self._sqlite_engine("IMMEDIATE")
        # The service starts with no configuration in ./vcbadges-data/: create the folder.
        path.parent.mkdir(parents=True, exist_ok=True)
        # A writer waits for the one connection as long as it would wait for the lock.
        return self._sqlite_engine("IMMEDIATE", pool_size=1, max_overflow=0,
                                   pool_timeout=self.busy_timeout_ms / 1000)

    def _sqlite_engine(self, default_begin: str, **pool: Any) -> AsyncEngine:
        # The driver's own timeout is the busy handler from the moment the file is opened;
        # waiting for the write lock instead of failing at once with "database is locked" is
        # what lets concurrent writers queue, which BEGIN IMMEDIATE relies on.
        engine = create_async_engine(
            self.url, echo=self.echo,
            connect_args={"timeout": self.busy_timeout_ms / 1000}, **pool)
        busy_timeout_ms = self.busy_timeout_ms

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
            # Take BEGIN away from the sqlite3 driver, which would begin lazily and only
            # before DML; the "begin" hook below emits the BEGIN we want instead.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            try:
                # First, so that every statement below waits for a lock too: switching a new
                # database to WAL needs it exclusively while another process may be migrating.
                cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
                # SQLite ignores foreign keys unless asked, per connection; we rely on them.
                cursor.execute("PRAGMA foreign_keys = ON")
                # WAL lets readers keep reading while one writer writes, and makes commits
                # cheaper (one append instead of a rollback-journal rewrite).
                _use_wal(cursor, busy_timeout_ms / 1000)
                # In WAL mode NORMAL is still crash-safe for the database file; only the last
                # commits before a power loss (not a process crash) can be lost. FULL would
                # fsync on every commit, which caps issuance at the disk's fsync rate.
                cursor.execute("PRAGMA synchronous = NORMAL")
            finally:
                cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(connection: Any) -> None:
            # IMMEDIATE takes the write lock now (waiting up to busy_timeout); DEFERRED, for
            # read-only sessions, takes a read snapshot on the first read.
            mode = connection.get_execution_options().get(_BEGIN_OPTION, default_begin)
            connection.exec_driver_sql(f"BEGIN {mode}")

        return engine

    def _bind(self, *, write: bool) -> AsyncEngine:
        if write:
            return self.engine()
        if self.path is None:
            return self.engine().execution_options(**{_BEGIN_OPTION: "DEFERRED"})
        if self._read_engine is None:
            self.engine()  # Creates the folder, and the write engine readers may wait on.
            self._read_engine = self._sqlite_engine("DEFERRED")
        return self._read_engine


def _use_wal(cursor: Any, timeout_s: float) -> None:
    """Put the database file in WAL mode, once for all connections (the mode is persistent).

    The switch needs the file to itself, and SQLite reports "database is locked" at once,
    without its busy handler, when connections of processes starting together try it at the
    same moment; so it is retried here for as long as any other lock would be waited for.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
        # The connect hook runs on the driver's own thread, so sleeping blocks no event loop.
        time.sleep(0.01)


class PostgresConfig(DatabaseConfig):
    """PostgreSQL through asyncpg: several service processes share one database.

    ``schema`` puts every table (and Alembic's version table) in that schema by setting the
    connection's ``search_path``; the tests use it to give each test a fresh, private schema.
    """

    dialect = "postgresql"

    def __init__(
        self,
        url: str | URL,
        *,
        echo: bool = False,
        schema: str | None = None,
        pool_size: int = 10,
        max_overflow: int = 10,
    ) -> None:
        super().__init__(url, echo=echo)
        if self.url.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
            self.url = self.url.set(drivername="postgresql+asyncpg")
        if schema is not None and not schema.replace("_", "").isalnum():
            raise ValueError(f"schema name {schema!r} must be letters, digits and underscores")
        self.schema = schema
        self.pool_size = pool_size
        self.max_overflow = max_overflow

    def _create_engine(self) -> AsyncEngine:
        connect_args: dict[str, Any] = {}
        if self.schema is not None:
            connect_args["server_settings"] = {"search_path": self.schema}
        return create_async_engine(
            self.url,
            echo=self.echo,
            connect_args=connect_args,
            pool_size=self.pool_size,
            max_overflow=self.max_overflow,
            # A connection dropped by a server restart or a load balancer is replaced
            # instead of failing the next request.
            pool_pre_ping=True,
        )

    def _bind(self, *, write: bool) -> AsyncEngine:
        if write:
            return self.engine()
        return self.engine().execution_options(postgresql_readonly=True)


def database_config(url: str | URL, **options: Any) -> DatabaseConfig:
    """Return the config for ``url``, chosen by its scheme.

    ``sqlite[+aiosqlite]:///path`` gives :class:`SQLiteConfig` and
    ``postgresql[+asyncpg]://…`` (or ``postgres://``) gives :class:`PostgresConfig`; a
    synchronous driver name is replaced by the async one. ``options`` go to the
    config's constructor. Raises ``ValueError`` for any other scheme.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        # The parser's message repeats the URL, password included: keep it out.
        raise ValueError("not a database URL") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return SQLiteConfig(parsed, **options)
    if backend in ("postgresql", "postgres"):
        return PostgresConfig(parsed, **options)
    raise ValueError(
        f"unsupported database {backend!r}: use sqlite+aiosqlite:// or postgresql+asyncpg://"
    )

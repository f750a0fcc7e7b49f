"""Persistence: SQLAlchemy 2 (async) on SQLite or PostgreSQL, with Alembic migrations.

This package is the only one in vcbadges that imports SQLAlchemy or Alembic. The service
cores (``vcbadges.issuer``) use its :data:`Session` type and the statements in
:mod:`vcbadges.storage.queries`, never SQL of their own; those statements take and return
the frozen values of :mod:`~vcbadges.storage.records`, so the ORM rows never leave storage.

- :mod:`~vcbadges.storage.db`: :func:`database_config` picks :class:`SQLiteConfig` or
  :class:`PostgresConfig` from the URL; each gives an engine and session factories.
- :mod:`~vcbadges.storage.models`: the tables and the portable column types.
- :mod:`~vcbadges.storage.records`: the values the queries hand out instead of rows.
- :mod:`~vcbadges.storage.migrate`: :func:`upgrade` / :func:`downgrade` through Alembic.
- :mod:`~vcbadges.storage.public_urls`: the public URLs the service has used (imported here so
  that its table is part of the models' metadata wherever they are used).
"""

from vcbadges.storage import (  # noqa: F401 - their tables in Base
    ob_connection_models as _ob_connection_models,
    obapi_models as _obapi_models,
    public_badge_models as _public_badge_models,
)
from vcbadges.storage.db import (
    DatabaseConfig,
    PostgresConfig,
    Session,
    SQLiteConfig,
    database_config,
)
from vcbadges.storage.migrate import current_revision, downgrade, heads, upgrade
from vcbadges.storage.public_urls import public_urls, record_public_url

__all__ = [
    "DatabaseConfig",
    "SQLiteConfig",
    "PostgresConfig",
    "Session",
    "database_config",
    "upgrade",
    "downgrade",
    "current_revision",
    "heads",
    "public_urls",
    "record_public_url",
]

"""Fixtures of the storage tests: ``db`` is a fresh migrated database (see dbtesting.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.dbtesting import fresh_database
from vcbadges.storage import DatabaseConfig


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[DatabaseConfig]:
    async with fresh_database(tmp_path) as database:
        yield database


@pytest.fixture
async def bare_db(tmp_path: Path) -> AsyncIterator[DatabaseConfig]:
    """The same, before any migration."""
    async with fresh_database(tmp_path, migrate=False) as database:
        yield database

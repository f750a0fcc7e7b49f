"""The pinned clock of the API tests: no test reads the wall clock."""

from datetime import UTC, datetime, timedelta

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
ISSUED = NOW - timedelta(days=30)

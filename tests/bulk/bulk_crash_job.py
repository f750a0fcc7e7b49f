"""One bulk issuance run from a CSV file, as its own process, for the crash test to kill.

    python bulk_crash_job.py URL SCHEMA CSV RESULT WORKERS

``SCHEMA`` is the PostgreSQL schema of the test, or ``-`` for SQLite.
"""

from __future__ import annotations

import asyncio
import sys

from bulk_support import BASE_URL, MASTER_KEY, NOW, achievement

from vcbadges.issuer import MasterKeyStore
from vcbadges.issuer.bulk import bulk_issue_csv
from vcbadges.storage import DatabaseConfig, PostgresConfig, database_config


async def run(db: DatabaseConfig, source: str, result: str, workers: int) -> None:
    summary = await bulk_issue_csv(
        db, "acme", source, result, achievement=achievement(),
        keystore=MasterKeyStore(MASTER_KEY), base_url=BASE_URL, workers=workers,
        batch_size=10, now=NOW)
    print(summary)


def main() -> None:
    url, schema, source, result, workers = sys.argv[1:6]
    db = database_config(url) if schema == "-" else PostgresConfig(url, schema=schema)
    asyncio.run(run(db, source, result, int(workers)))


if __name__ == "__main__":
    main()

"""Shared by the bulk tests: the pinned clock, the template, CSV helpers and database
checks that hold after any job, finished or killed."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from vcbadges.credentials.sample import sample_badge
from vcbadges.storage import DatabaseConfig
from vcbadges.storage.models import BulkRowRecord, Credential, StatusAllocation

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
BASE_URL = "https://badges.example.edu"
MASTER_KEY = bytes(range(32))
LEARNER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def achievement() -> dict[str, Any]:
    """The Achievement JSON of the sample badge: the template every test issues."""
    subject = sample_badge(issuer="did:example:issuer", subject=LEARNER).to_json()
    template: dict[str, Any] = subject["credentialSubject"]["achievement"]
    return template


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


async def count(db: DatabaseConfig, model: Any) -> int:
    async with db.sessionmaker(write=False)() as session:
        return int((await session.execute(select(func.count()).select_from(model)))
                   .scalar_one())


async def check_consistent(db: DatabaseConfig, *, purposes: int = 1
                           ) -> dict[tuple[str, str], str]:
    """Assert what must hold at any moment, even right after a kill -9: every recorded row
    names a stored credential, each credential belongs to exactly one row and holds one
    index per purpose (``purposes`` of them: by default revocation only), and no index is
    shared. Returns (job, row id) -> credential id."""
    async with db.sessionmaker(write=False)() as session:
        rows = (await session.execute(
            select(BulkRowRecord.job_key, BulkRowRecord.row_id,
                   BulkRowRecord.credential_id))).all()
        credentials = set((await session.execute(select(Credential.id))).scalars())
        allocations = (await session.execute(
            select(StatusAllocation.status_list_id, StatusAllocation.status_index,
                   StatusAllocation.credential_id))).all()
    by_row = {(job, row_id): credential_id for job, row_id, credential_id in rows}
    assert len(by_row) == len(rows)
    assert set(by_row.values()) == credentials, "a credential without its row, or the reverse"
    assert len(credentials) == len(rows), "a credential issued twice"
    per_credential = Counter(credential_id for _, _, credential_id in allocations)
    assert set(per_credential) == credentials, "an index without its credential"
    assert set(per_credential.values()) == ({purposes} if credentials else set())
    slots = [(list_id, index) for list_id, index, _ in allocations]
    assert len(set(slots)) == len(slots), "a status index shared"
    return by_row

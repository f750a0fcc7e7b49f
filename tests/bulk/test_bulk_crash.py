"""The crash test: kill -9 a bulk issuance process mid-job, twice, then resume it. Every row
is issued exactly once, no status index is shared, and nothing half-done is left."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bulk_support import (
    BASE_URL,
    LEARNER,
    MASTER_KEY,
    NOW,
    achievement,
    check_consistent,
    count,
    read_csv,
    write_csv,
)

from storage.dbtesting import postgres_url, schema_of
from vcbadges.issuer import MasterKeyStore
from vcbadges.issuer.bulk import bulk_issue_csv
from vcbadges.storage import DatabaseConfig, SQLiteConfig
from vcbadges.storage.models import BulkRowRecord

ROWS = 400
SCRIPT = Path(__file__).with_name("bulk_crash_job.py")


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``: with a forkserver, the workers are its grandchildren."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def _kill_after(db: DatabaseConfig, source: Path, tmp_path: Path, *, at_least: int,
                      workers: int) -> int:
    """Start the job in a process, SIGKILL it once ``at_least`` rows are committed; return
    how many rows were recorded then."""
    url = postgres_url() or f"sqlite+aiosqlite:///{db.path}"  # type: ignore[attr-defined]
    log = (tmp_path / "job.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), url, schema_of(db) or "-", str(source),
         str(tmp_path / "killed-result.csv"), str(workers)],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while await count(db, BulkRowRecord) < at_least:
            assert process.poll() is None, (tmp_path / "job.log").read_text()
            assert time.monotonic() < deadline, "the job never got going"
            await asyncio.sleep(0.01)
        workers_pids = _descendants(process.pid)
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        log.close()
        if process.poll() is None:
            process.kill()
            process.wait()
    # Workers notice that their parent is gone and leave; none keeps signing.
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers_pids):
        assert time.monotonic() < deadline, "a worker outlived its killed parent"
        await asyncio.sleep(0.05)
    return await count(db, BulkRowRecord)


async def test_killed_twice_then_resumed_every_row_is_issued_once(
        db, tenant, keystore, tmp_path):
    source = write_csv(tmp_path / "graduates.csv", ["row_id", "recipient"],
                       [[f"student-{i}", LEARNER if i % 3 else f"s{i}@example.org"]
                        for i in range(ROWS)])
    first = await _kill_after(db, source, tmp_path, at_least=20, workers=0)
    assert 20 <= first < ROWS
    await check_consistent(db)
    second = await _kill_after(db, source, tmp_path, at_least=first + 20, workers=1)
    assert first + 20 <= second < ROWS
    await check_consistent(db)

    result = tmp_path / "result.csv"
    summary = await bulk_issue_csv(
        db, "acme", source, result, achievement=achievement(),
        keystore=MasterKeyStore(MASTER_KEY), base_url=BASE_URL, workers=0, now=NOW)
    assert (summary.issued, summary.skipped, summary.failed) == (ROWS - second, second, 0)
    recorded = await check_consistent(db)
    assert sorted(row_id for _, row_id in recorded) == sorted(f"student-{i}"
                                                               for i in range(ROWS))
    lines = read_csv(result)
    assert len(lines) == ROWS
    assert {line["row_id"]: line["credential_id"] for line in lines} == {
        row_id: credential_id for (_, row_id), credential_id in recorded.items()}
    if isinstance(db, SQLiteConfig) and db.path is not None:
        # Nothing of the killed writers is left to recover.
        assert not os.path.exists(f"{db.path}-journal")

"""A bulk job over HTTP survives ``kill -9`` of the service: after a restart the job reads as
interrupted, the same upload resumes it, and every row is issued exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from web_support import bearer, free_port, serve_process as _serve, stop_process as _stop

from storage.dbtesting import postgres_url

ROWS = 1500

pytestmark = pytest.mark.skipif(
    postgres_url() is not None, reason="runs the default service, on SQLite in its data folder")


async def _job(http: ClientSession, base: str, key: str, job_id: str) -> dict[str, Any]:
    async with http.get(f"{base}/issuer/bulk/jobs/{job_id}", headers=bearer(key)) as r:
        body: dict[str, Any] = await r.json()
        assert r.status == 200, body
        return body


async def _until(http: ClientSession, base: str, key: str, job_id: str, done: Any,
                 seconds: float) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = await _job(http, base, key, job_id)
        if done(job):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id}: {job}")


async def test_kill_9_during_a_job_then_resume_issues_every_row_once(tmp_path: Path):
    rows = "row_id,recipient\n" + "".join(f"r{i},learner{i}@example.org\n" for i in range(ROWS))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process, lines = _serve(tmp_path, port)
    key = next(line.rsplit(" ", 1)[1].strip() for line in lines if "API key" in line)
    try:
        async with ClientSession() as http:
            async with http.post(base + "/issuer/bulk/issue", params={"achievement": "explorer"},
                                 data=rows.encode(), headers={
                                     **bearer(key), "Content-Type": "text/csv"}) as r:
                first = await r.json()
                assert r.status == 202, first
            await _until(http, base, key, first["id"], lambda j: j["done"] >= 250, 60)
            os.kill(process.pid, signal.SIGKILL)
            process.communicate(timeout=10)  # Reaps it and closes its pipes.

            process, _ = _serve(tmp_path, port)
            stopped = await _until(http, base, key, first["id"],
                                   lambda j: j["state"] != "running", 30)
            assert stopped["state"] == "interrupted" and stopped["done"] < ROWS

            async with http.post(base + "/issuer/bulk/issue", params={"achievement": "explorer"},
                                 data=rows.encode(), headers={
                                     **bearer(key), "Content-Type": "text/csv"}) as r:
                again = await r.json()
                assert r.status == 202, again
            assert again["job"] == first["job"]
            done = await _until(http, base, key, again["id"],
                                lambda j: j["state"] != "running", 120)
            assert done["state"] == "done", done
            counts = done["counts"]
            assert counts["failed"] == 0
            assert counts["issued"] + counts["skipped-already-issued"] == ROWS
            # Rows the killed process issued are skipped, not issued again.
            assert counts["skipped-already-issued"] >= stopped["done"]
    finally:
        _stop(process)
    with sqlite3.connect(tmp_path / "vcbadges-data" / "vcbadges.db") as db:
        credentials = db.execute("SELECT count(*) FROM credentials").fetchone()[0]
        recorded = db.execute("SELECT count(DISTINCT row_id), count(DISTINCT credential_id) "
                              "FROM bulk_rows").fetchone()
        indexes = db.execute("SELECT count(*), count(DISTINCT status_list_id || ':' || "
                             "status_index) FROM status_allocations").fetchone()
    assert credentials == ROWS
    assert recorded == (ROWS, ROWS)
    assert indexes[0] == indexes[1] == ROWS  # One revocation index per badge.

"""Bulk jobs over HTTP that one row cannot poison: a row holding a lone surrogate (JSON) or
bytes that are not UTF-8 (CSV) fails alone and the job completes with every outcome
recorded; result CSVs neutralise formulas; two service instances on one database never run
more jobs than the limit, nor the same upload twice."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, web
from sqlalchemy import select
from test_web_bulk import _finished, _many, _results, _submit, _tenant
from web_support import Service, bearer, bound_socket, settings_for

from vcbadges.storage.models import BulkJob
from vcbadges.web.app import create_app

ROWS = 300
BAD = 211


def _rows(member: str, value: str) -> list[dict[str, str]]:
    rows = [{"rowId": f"r{i}", "recipient": f"learner{i}@example.org"} for i in range(ROWS)]
    rows[BAD][member] = value
    return rows


@pytest.mark.parametrize(("member", "value", "reported"), [
    ("name", "Ada \ud800", f"r{BAD}"),
    ("narrative", "\udc00 did well", f"r{BAD}"),
    ("rowId", "r\ud800", "r\ufffd"),
])
async def test_a_poisoned_json_row_fails_alone(service: Service, client: ClientSession,
                                               member: str, value: str, reported: str):
    api_key = await _tenant(service, client)
    job = await _submit(client, service, api_key, "/issuer/bulk/issue",
                        json={"achievement": "literacy", "rows": _rows(member, value)})
    done = await _finished(client, service, api_key, job["id"])
    assert done["state"] == "done" and done["error"] is None and done["done"] == ROWS
    assert done["counts"] == {"issued": ROWS - 1, "skipped-already-issued": 0, "failed": 1}
    results = await _results(client, service, api_key, job["id"])
    assert len(results) == ROWS
    [failed] = [r for r in results if r["status"] == "failed"]
    field = {"rowId": "row_id"}.get(member, member)
    assert failed["rowId"] == reported
    assert failed["error"].startswith(f"{field} is not valid text: it holds the lone surrogate")


async def test_a_csv_upload_with_bytes_that_are_not_utf8(service: Service,
                                                         client: ClientSession):
    api_key = await _tenant(service, client)
    lines = [b"row_id,recipient,name"]
    lines += [f"r{i},learner{i}@example.org,Learner {i}".encode() for i in range(ROWS)]
    lines[1 + 5] = b"r5,learner5@example.org,Bad \xed\xa0\x80"  # An encoded lone surrogate.
    lines[1 + 6] = b"r\xed\xb0\x806,learner6@example.org,"  # One in the row id.
    job = await _submit(client, service, api_key, "/issuer/bulk/issue",
                        params={"achievement": "literacy"}, data=b"\n".join(lines),
                        headers={"Content-Type": "text/csv"})
    done = await _finished(client, service, api_key, job["id"])
    assert done["state"] == "done"
    assert done["counts"] == {"issued": ROWS - 2, "skipped-already-issued": 0, "failed": 2}
    failed = {r["rowId"]: r["error"] for r in await _results(client, service, api_key, job["id"])
              if r["status"] == "failed"}
    assert sorted(failed) == ["r5", "r\ufffd\ufffd\ufffd6"]
    assert failed["r5"].startswith("name is not valid text")


async def test_results_csv_neutralises_formulas(service: Service, client: ClientSession):
    api_key = await _tenant(service, client)
    ids = ["=HYPERLINK(\"http://evil\",\"x\")", "+1", "-2", "@SUM(A1)", "plain"]
    rows = [{"rowId": row_id, "recipient": f"l{i}@example.org"} for i, row_id in enumerate(ids)]
    rows.append({"rowId": "=bad", "recipient": "nobody"})
    body = {"achievement": "literacy", "rows": rows}
    job = await _submit(client, service, api_key, "/issuer/bulk/issue", json=body)
    await _finished(client, service, api_key, job["id"])
    async with client.get(f"{service.url}/issuer/bulk/jobs/{job['id']}/results.csv",
                          headers=bearer(api_key)) as response:
        text = await response.text()
    table = {row[0]: row for row in list(csv.reader(io.StringIO(text)))[1:]}
    assert sorted(table) == sorted(["'" + i for i in ids[:4]] + ["plain", "'=bad"])
    assert "'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"" in text  # Quoted as CSV requires.
    assert table["'=bad"][2:] == ["failed", "recipient must be a DID or an e-mail address"]
    # The JSON results keep the ids as given, and resuming keys on them, not on the CSV.
    assert {r["rowId"] for r in await _results(client, service, api_key, job["id"])} == {
        *ids, "=bad"}
    again = await _submit(client, service, api_key, "/issuer/bulk/issue", json=body)
    done = await _finished(client, service, api_key, again["id"])
    assert done["counts"] == {"issued": 0, "skipped-already-issued": 5, "failed": 1}


@asynccontextmanager
async def _second_instance(service: Service, tmp_path: Path) -> AsyncIterator[str]:
    """Another instance of the service on the same database, as another process would be."""
    sock = bound_socket()
    settings = settings_for(tmp_path, sock.getsockname()[1],
                            database_schema=service.settings.database_schema)
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    try:
        await web.SockSite(runner, sock).start()
        yield settings.base_url
    finally:
        await runner.cleanup()
        sock.close()


async def _post(client: ClientSession, url: str, api_key: str, body: dict[str, Any]) -> int:
    async with client.post(url + "/issuer/bulk/issue", headers=bearer(api_key),
                           json=body) as response:
        await response.read()
        return response.status


async def _stop_all(client: ClientSession, service: Service, api_key: str) -> None:
    async with service.db.sessionmaker(write=False)() as session:
        ids = (await session.execute(select(BulkJob.id))).scalars().all()
    for job_id in ids:
        async with client.delete(f"{service.url}/issuer/bulk/jobs/{job_id}",
                                 headers=bearer(api_key)) as response:
            assert response.status == 200
        await _finished(client, service, api_key, str(job_id))


async def test_two_instances_keep_the_limit_and_start_an_upload_once(
        service: Service, client: ClientSession, tmp_path: Path):
    api_key = await _tenant(service, client)
    async with _second_instance(service, tmp_path) as other:
        urls = [service.url, other] * 4
        # Eight different jobs at once, half to each instance: two start.
        statuses = await asyncio.gather(*(
            _post(client, url, api_key, {"achievement": "literacy", "rows": _many(400),
                                         "job": f"job-{i}"})
            for i, url in enumerate(urls)))
        assert sorted(statuses) == [202] * 2 + [429] * 6
        await _stop_all(client, service, api_key)
        # The same upload eight times at once: one job.
        statuses = await asyncio.gather(*(
            _post(client, url, api_key, {"achievement": "literacy", "rows": _many(400)})
            for url in urls))
        assert sorted(statuses) == [202] + [409] * 7
        async with service.db.sessionmaker(write=False)() as session:
            jobs = (await session.execute(select(BulkJob))).scalars().all()
        assert len(jobs) == 3
        await _stop_all(client, service, api_key)

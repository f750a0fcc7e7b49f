"""Bulk jobs over real HTTP: issue from JSON rows or a CSV upload, follow the progress, read
the results, resume, cancel, revoke in bulk; other tenants see none of it; bad uploads get
specific problems."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from web_support import Service, bearer, check, problem_of, running_service, verify

from vcbadges.issuer.jobs import JOB_RETENTION
from vcbadges.primitives.dates import utcnow
from vcbadges.storage.models import BulkJob, BulkJobRow, Credential
from vcbadges.web.keys import BULK_JOBS

ACHIEVEMENT = {
    "name": "Data Literacy",
    "description": "Reads, cleans and charts a data set.",
    "criteria": {"narrative": "Passed the data literacy assessment."},
}
ROWS = [
    {"rowId": "1", "recipient": "ada@example.org", "name": "Ada"},
    {"rowId": "2", "recipient": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"},
    {"rowId": "3", "recipient": "grace@example.org", "validUntil": "2099-12-31"},
    {"rowId": "4", "recipient": "not an address"},
    {"rowId": "1", "recipient": "again@example.org"},
]


async def _tenant(service: Service, client: ClientSession, name: str = "acme") -> str:
    _, api_key = await service.tenant(name)
    async with client.post(service.url + "/issuer/achievements", headers=bearer(api_key),
                           json={"slug": "literacy", "achievement": ACHIEVEMENT}) as response:
        assert response.status == 201, await response.text()
    return api_key


async def _submit(client: ClientSession, service: Service, api_key: str, path: str,
                  **request: Any) -> dict[str, Any]:
    headers = {**bearer(api_key), **request.pop("headers", {})}
    async with client.post(service.url + path, headers=headers, **request) as response:
        job: dict[str, Any] = await response.json()
        assert response.status == 202, job
        assert response.headers["Location"] == f"/issuer/bulk/jobs/{job['id']}"
    assert job["state"] == "running"
    return job


async def _finished(client: ClientSession, service: Service, api_key: str,
                    job_id: str) -> dict[str, Any]:
    for _ in range(1200):
        async with client.get(f"{service.url}/issuer/bulk/jobs/{job_id}",
                              headers=bearer(api_key)) as response:
            job: dict[str, Any] = await response.json()
            assert response.status == 200, job
        if job["state"] != "running":
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} still running")


async def _results(client: ClientSession, service: Service, api_key: str,
                   job_id: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = 0
    while True:
        async with client.get(f"{service.url}/issuer/bulk/jobs/{job_id}/results",
                              params={"after": after, "limit": 2},
                              headers=bearer(api_key)) as response:
            page = await response.json()
            assert response.status == 200, page
        out += page["results"]
        if page["next"] is None:
            return out
        after = page["next"]


async def _credential(client: ClientSession, service: Service, api_key: str,
                      credential_id: str) -> dict[str, Any]:
    async with client.get(f"{service.url}/issuer/credentials/{credential_id}",
                          headers=bearer(api_key)) as response:
        body: dict[str, Any] = await response.json()
        assert response.status == 200, body
    return body["verifiableCredential"]  # type: ignore[no-any-return]


async def test_json_job_issues_reports_and_resumes(service: Service, client: ClientSession):
    api_key = await _tenant(service, client)
    job = await _submit(client, service, api_key, "/issuer/bulk/issue",
                        json={"achievement": "literacy", "rows": ROWS})
    assert (job["kind"], job["total"], job["achievement"]) == ("issue", 5, "literacy")
    assert job["job"].startswith("sha256:")
    done = await _finished(client, service, api_key, job["id"])
    assert done["state"] == "done" and done["error"] is None and done["finishedAt"]
    assert done["done"] == 5
    assert done["counts"] == {"issued": 3, "skipped-already-issued": 0, "failed": 2}

    results = await _results(client, service, api_key, job["id"])
    assert [r["seq"] for r in results] == [1, 2, 3, 4, 5]
    issued = {r["rowId"]: r["credentialId"] for r in results if r["status"] == "issued"}
    assert sorted(issued) == ["1", "2", "3"]
    failures = sorted((r["rowId"], r["error"]) for r in results if r["status"] == "failed")
    assert [row for row, _ in failures] == ["1", "4"]
    assert all(error for _, error in failures)

    # Each issued badge verifies, with its status entries checked.
    credential = await _credential(client, service, api_key, issued["3"])
    assert credential["validUntil"] == "2099-12-31T23:59:59Z"
    status, report = await verify(client, service, credential)
    assert status == 200 and report["verified"] is True, report
    assert check(report, "status_revocation")[0] == "passed"

    # The same rows again: the same job, resumed; nothing is issued twice.
    again = await _submit(client, service, api_key, "/issuer/bulk/issue",
                          json={"achievement": "literacy", "rows": ROWS})
    assert again["id"] != job["id"] and again["job"] == job["job"]
    done = await _finished(client, service, api_key, again["id"])
    assert done["counts"] == {"issued": 0, "skipped-already-issued": 3, "failed": 2}
    skipped = {r["rowId"]: r["credentialId"]
               for r in await _results(client, service, api_key, again["id"])
               if r["status"] == "skipped-already-issued"}
    assert skipped == issued
    async with service.db.sessionmaker()() as session:
        assert len((await session.execute(
            Credential.__table__.select())).all()) == 3  # type: ignore[attr-defined]

    # Listed, newest first.
    async with client.get(service.url + "/issuer/bulk/jobs", headers=bearer(api_key)) as r:
        listed = await r.json()
    assert [j["id"] for j in listed["jobs"]] == [again["id"], job["id"]]


async def test_csv_upload_and_result_csv(service: Service, client: ClientSession):
    api_key = await _tenant(service, client)
    upload = "row_id,recipient,name\r\na,ada@example.org,Ada Lovelace\r\nb,bob@example.org,\r\n"
    job = await _submit(client, service, api_key, "/issuer/bulk/issue",
                        params={"achievement": "literacy", "job": "cohort-7"},
                        data=upload.encode(), headers={"Content-Type": "text/csv"})
    assert job["job"] == "cohort-7"
    done = await _finished(client, service, api_key, job["id"])
    assert done["counts"]["issued"] == 2

    async with client.get(f"{service.url}/issuer/bulk/jobs/{job['id']}/results.csv",
                          headers=bearer(api_key)) as response:
        assert response.status == 200
        assert response.content_type == "text/csv"
        table = list(csv.reader(io.StringIO(await response.text())))
    assert table[0] == ["row_id", "credential_id", "status", "error"]
    assert sorted((row[0], row[2]) for row in table[1:]) == [("a", "issued"), ("b", "issued")]
    assert all(row[1].startswith("urn:uuid:") for row in table[1:])
    credential = await _credential(client, service, api_key, table[1][1])
    # E-mail recipients are hashed, never in clear.
    assert "@example.org" not in str(credential)


async def test_bulk_revoke_shows_at_the_next_verification(service: Service,
                                                          client: ClientSession):
    api_key = await _tenant(service, client)
    job = await _submit(client, service, api_key, "/issuer/bulk/issue",
                        json={"achievement": "literacy", "rows": ROWS[:3]})
    await _finished(client, service, api_key, job["id"])
    ids = [r["credentialId"] for r in await _results(client, service, api_key, job["id"])]
    credential = await _credential(client, service, api_key, ids[0])
    status, report = await verify(client, service, credential)
    assert status == 200, report

    revoke = await _submit(client, service, api_key, "/issuer/bulk/revoke", json={
        "reason": "course withdrawn",
        "rows": [{"credentialId": ids[0]}, {"credentialId": ids[1], "reason": "fraud"},
                 {"credentialId": "urn:uuid:" + str(uuid.uuid4())}]})
    assert revoke["kind"] == "revoke"
    done = await _finished(client, service, api_key, revoke["id"])
    assert done["counts"] == {"revoked": 2, "skipped-already-revoked": 0, "failed": 1}

    status, report = await verify(client, service, credential)
    assert status == 400 and report["verified"] is False
    assert check(report, "status_revocation") == ("failed", "revoked")
    status, report = await verify(client, service,
                                  await _credential(client, service, api_key, ids[2]))
    assert status == 200, report

    # The audit records keep who and why.
    async with client.get(f"{service.url}/issuer/credentials/{ids[1]}",
                          headers=bearer(api_key)) as response:
        events = (await response.json())["statusEvents"]
    assert [(e["action"], e["reason"]) for e in events] == [("revoke", "fraud")]

    # A CSV of ids, again: already revoked, harmless.
    upload = f"credential_id\n{ids[0]}\n"
    again = await _submit(client, service, api_key, "/issuer/bulk/revoke",
                          data=upload.encode(), headers={"Content-Type": "text/csv"})
    done = await _finished(client, service, api_key, again["id"])
    assert done["counts"] == {"revoked": 0, "skipped-already-revoked": 1, "failed": 0}


async def test_bulk_revoke_shows_at_once_though_lists_are_cached(tmp_path: Path,
                                                                   client: ClientSession):
    # Lists may be cached a minute by others; this service's own verifier must still see
    # a bulk revocation at the very next verification.
    async with running_service(tmp_path, status_list_max_age=60) as service:
        api_key = await _tenant(service, client)
        job = await _submit(client, service, api_key, "/issuer/bulk/issue",
                            json={"achievement": "literacy", "rows": ROWS[:1]})
        await _finished(client, service, api_key, job["id"])
        (result,) = await _results(client, service, api_key, job["id"])
        credential = await _credential(client, service, api_key, result["credentialId"])
        status, report = await verify(client, service, credential)
        assert status == 200, report
        revoke = await _submit(client, service, api_key, "/issuer/bulk/revoke",
                               json={"rows": [{"credentialId": result["credentialId"]}]})
        await _finished(client, service, api_key, revoke["id"])
        status, report = await verify(client, service, credential)
        assert check(report, "status_revocation") == ("failed", "revoked")


async def test_other_tenants_see_nothing(service: Service, client: ClientSession):
    api_key = await _tenant(service, client)
    _, other = await service.tenant("globex")
    job = await _submit(client, service, api_key, "/issuer/bulk/issue",
                        json={"achievement": "literacy", "rows": ROWS[:2]})
    await _finished(client, service, api_key, job["id"])
    ids = [r["credentialId"] for r in await _results(client, service, api_key, job["id"])]
    base = f"{service.url}/issuer/bulk/jobs/{job['id']}"
    for method, url in (("GET", base), ("GET", base + "/results"),
                        ("GET", base + "/results.csv"), ("DELETE", base)):
        async with client.request(method, url, headers=bearer(other)) as response:
            await problem_of(response, 404, "not-found")
    async with client.get(service.url + "/issuer/bulk/jobs", headers=bearer(other)) as r:
        assert (await r.json())["jobs"] == []
    # Another tenant's template is not found, and its credentials cannot be revoked.
    async with client.post(service.url + "/issuer/bulk/issue", headers=bearer(other),
                           json={"achievement": "literacy", "rows": ROWS}) as response:
        await problem_of(response, 404, "not-found")
    revoke = await _submit(client, service, other, "/issuer/bulk/revoke",
                           json={"rows": [{"credentialId": i} for i in ids]})
    done = await _finished(client, service, other, revoke["id"])
    assert done["counts"]["failed"] == 2 and done["counts"]["revoked"] == 0
    status, report = await verify(client, service,
                                  await _credential(client, service, api_key, ids[0]))
    assert status == 200, report


@pytest.mark.parametrize("request_args, status, kind", [
    ({"json": {"achievement": "literacy", "rows": []}}, 400, "invalid-request"),
    ({"json": {"achievement": "literacy", "rows": [{"rowId": "1"}]}}, 400,
     "invalid-request"),
    ({"json": {"achievement": "literacy", "rows": [{"rowId": "1", "recipient": 7}]}}, 400,
     "invalid-request"),
    ({"json": {"achievement": "literacy", "rows": ROWS, "extra": 1}}, 400, "invalid-request"),
    ({"json": {"achievement": "literacy", "rows": [{**ROWS[0], "email": "x"}]}}, 400,
     "invalid-request"),
    ({"json": {"achievement": "literacy", "rows": ROWS, "job": ""}}, 400, "invalid-request"),
    ({"json": {"rows": ROWS}}, 400, "invalid-request"),
    ({"json": ["not", "an", "object"]}, 400, "not-an-object"),
    ({"json": {"achievement": "nope", "rows": ROWS}}, 404, "not-found"),
    ({"data": b"recipient\nada@example.org\n", "params": {"achievement": "literacy"},
      "headers": {"Content-Type": "text/csv"}}, 400, "invalid-csv"),
    ({"data": b"row_id,recipient\n", "params": {"achievement": "literacy"},
      "headers": {"Content-Type": "text/csv"}}, 400, "invalid-request"),
    # Bytes that are not UTF-8 fail their row alone (test_web_bulk_poison); in the header,
    # they name no known column.
    ({"data": b"row_id,recipient,n\xe9\n1,a@example.org,\n", "params": {"achievement": "literacy"},
      "headers": {"Content-Type": "text/csv"}}, 400, "invalid-csv"),
    ({"data": b"row_id,recipient\n1,a@example.org\n",
      "headers": {"Content-Type": "text/csv"}}, 400, "invalid-request"),
    ({"data": b"{,", "headers": {"Content-Type": "application/json"}}, 400, "malformed-json"),
    ({"data": b"row_id", "headers": {"Content-Type": "text/plain"}}, 415,
     "unsupported-media-type"),
])
async def test_bad_uploads_get_specific_problems(service: Service, client: ClientSession,
                                                 request_args, status, kind):
    api_key = await _tenant(service, client)
    args = dict(request_args)
    args["headers"] = {**bearer(api_key), **args.get("headers", {})}
    async with client.post(service.url + "/issuer/bulk/issue", **args) as response:
        await problem_of(response, status, kind)
    async with client.get(service.url + "/issuer/bulk/jobs", headers=bearer(api_key)) as r:
        assert (await r.json())["jobs"] == []


async def test_size_and_row_limits(tmp_path: Path, client: ClientSession,
                                   monkeypatch: pytest.MonkeyPatch):
    async with running_service(tmp_path, max_bulk_bytes=4096, max_body_bytes=1024) as service:
        api_key = await _tenant(service, client)
        # Bigger than ordinary bodies may be, within the bulk limit: taken.
        rows = [{"rowId": str(i), "recipient": f"learner{i}@example.org"} for i in range(40)]
        job = await _submit(client, service, api_key, "/issuer/bulk/issue",
                            json={"achievement": "literacy", "rows": rows})
        await _finished(client, service, api_key, job["id"])
        rows = [{"rowId": str(i), "recipient": f"learner{i}@example.org"} for i in range(200)]
        async with client.post(service.url + "/issuer/bulk/issue", headers=bearer(api_key),
                               json={"achievement": "literacy", "rows": rows}) as response:
            await problem_of(response, 413, "body-too-large")
        monkeypatch.setattr("vcbadges.web.bulk.MAX_ROWS", 3)
        async with client.post(service.url + "/issuer/bulk/revoke", headers=bearer(api_key),
                               json={"rows": [{"credentialId": f"urn:x:{i}"}
                                              for i in range(4)]}) as response:
            await problem_of(response, 413, "too-many-rows")


def _many(count: int) -> list[dict[str, str]]:
    return [{"rowId": f"r{i}", "recipient": f"learner{i}@example.org"} for i in range(count)]


async def test_cancel_then_resume_issues_every_row_once(service: Service,
                                                        client: ClientSession):
    api_key = await _tenant(service, client)
    rows = _many(600)
    job = await _submit(client, service, api_key, "/issuer/bulk/issue",
                        json={"achievement": "literacy", "rows": rows, "job": "big"})
    # The same job key while it runs: refused, naming the running job.
    async with client.post(service.url + "/issuer/bulk/issue", headers=bearer(api_key),
                           json={"achievement": "literacy", "rows": rows,
                                 "job": "big"}) as response:
        body = await problem_of(response, 409, "job-running")
        assert body["job"]["id"] == job["id"]
    async with client.delete(f"{service.url}/issuer/bulk/jobs/{job['id']}",
                             headers=bearer(api_key)) as response:
        cancelled = await response.json()
        assert response.status == 200, cancelled
    assert cancelled["state"] == "cancelled" and cancelled["cancelRequested"] is True
    assert cancelled["done"] < 600
    first = {r["rowId"]: r["credentialId"]
             for r in await _results(client, service, api_key, job["id"])}
    assert len(first) == cancelled["done"]

    resumed = await _submit(client, service, api_key, "/issuer/bulk/issue",
                            json={"achievement": "literacy", "rows": rows, "job": "big"})
    done = await _finished(client, service, api_key, resumed["id"])
    assert done["state"] == "done"
    assert done["counts"]["issued"] + done["counts"]["skipped-already-issued"] == 600
    assert done["counts"]["skipped-already-issued"] >= len(first)
    second = {r["rowId"]: r["credentialId"]
              for r in await _results(client, service, api_key, resumed["id"])}
    assert all(second[row] == credential for row, credential in first.items())
    async with service.db.sessionmaker()() as session:
        stored = (await session.execute(
            Credential.__table__.select())).all()  # type: ignore[attr-defined]
    assert len(stored) == 600 == len(set(second.values()))


async def test_running_jobs_are_capped_per_tenant(service: Service, client: ClientSession):
    api_key = await _tenant(service, client)
    _, other = await service.tenant("globex")
    jobs = [await _submit(client, service, api_key, "/issuer/bulk/issue",
                          json={"achievement": "literacy", "rows": _many(400),
                                "job": f"job-{i}"}) for i in range(2)]
    async with client.post(service.url + "/issuer/bulk/issue", headers=bearer(api_key),
                           json={"achievement": "literacy", "rows": _many(2),
                                 "job": "job-3"}) as response:
        await problem_of(response, 429, "too-many-jobs")
        assert response.headers["Retry-After"]
    # Another tenant is not held up by this one's jobs.
    revoke = await _submit(client, service, other, "/issuer/bulk/revoke",
                           json={"rows": [{"credentialId": "urn:x:1"}]})
    await _finished(client, service, other, revoke["id"])
    for job in jobs:
        async with client.delete(f"{service.url}/issuer/bulk/jobs/{job['id']}",
                                 headers=bearer(api_key)) as response:
            # Cancelled, or done already: stopped either way.
            assert (await response.json())["state"] in ("cancelled", "done")


async def test_a_stopping_service_interrupts_its_jobs(service: Service, client: ClientSession):
    api_key = await _tenant(service, client)
    job = await _submit(client, service, api_key, "/issuer/bulk/issue",
                        json={"achievement": "literacy", "rows": _many(400)})
    await service.app[BULK_JOBS].close()
    async with client.get(f"{service.url}/issuer/bulk/jobs/{job['id']}",
                          headers=bearer(api_key)) as response:
        stopped = await response.json()
    assert stopped["state"] == "interrupted" and stopped["finishedAt"]
    resumed = await _submit(client, service, api_key, "/issuer/bulk/issue",
                            json={"achievement": "literacy", "rows": _many(400)})
    assert resumed["job"] == job["job"]
    done = await _finished(client, service, api_key, resumed["id"])
    assert done["counts"]["issued"] + done["counts"]["skipped-already-issued"] == 400


async def test_a_job_whose_process_died_reads_interrupted(service: Service,
                                                          client: ClientSession):
    tenant_api_key = await _tenant(service, client)
    async with client.get(service.url + "/issuer/tenant",
                          headers=bearer(tenant_api_key)) as response:
        did = (await response.json())["did"]
    async with service.db.sessionmaker()() as session, session.begin():
        tenant_id = (await session.execute(
            Credential.metadata.tables["tenants"].select().where(
                Credential.metadata.tables["tenants"].c.did == did))).one().id
        long_ago = utcnow() - timedelta(minutes=5)
        session.add(BulkJob(id=uuid.uuid4(), tenant_id=tenant_id, kind="issue",
                            job_key="orphan", achievement="literacy", actor="test",
                            state="running", total=10, done=3, succeeded=3, skipped=0,
                            failed=0, cancel_requested=False, created_at=long_ago,
                            heartbeat_at=long_ago))
    async with client.get(service.url + "/issuer/bulk/jobs",
                          headers=bearer(tenant_api_key)) as response:
        (orphan,) = (await response.json())["jobs"]
    assert orphan["state"] == "interrupted" and orphan["done"] == 3
    # Its key can be submitted again: nothing runs it any more.
    job = await _submit(client, service, tenant_api_key, "/issuer/bulk/issue",
                        json={"achievement": "literacy", "rows": ROWS[:1], "job": "orphan"})
    assert (await _finished(client, service, tenant_api_key, job["id"]))["state"] == "done"


async def test_jobs_past_their_retention_are_purged(service: Service, client: ClientSession):
    api_key = await _tenant(service, client)
    recent = await _submit(client, service, api_key, "/issuer/bulk/issue",
                           json={"achievement": "literacy", "rows": ROWS[:1]})
    await _finished(client, service, api_key, recent["id"])
    old = await _submit(client, service, api_key, "/issuer/bulk/issue",
                        json={"achievement": "literacy", "rows": ROWS[1:2]})
    await _finished(client, service, api_key, old["id"])
    async with service.db.sessionmaker()() as session, session.begin():
        job = await session.get(BulkJob, uuid.UUID(old["id"]))
        assert job is not None
        job.heartbeat_at = utcnow() - JOB_RETENTION - timedelta(minutes=1)
    assert await service.app[BULK_JOBS].purge() == 1
    async with client.get(f"{service.url}/issuer/bulk/jobs/{old['id']}/results",
                          headers=bearer(api_key)) as response:
        await problem_of(response, 404, "not-found")
    async with service.db.sessionmaker()() as session:
        table = BulkJobRow.__table__
        left = (await session.execute(table.select())).all()  # type: ignore[attr-defined]
    assert {row.job_id for row in left} == {uuid.UUID(recent["id"])}
    # The credential it issued stays, and so does the record that makes a resend skip it.
    again = await _submit(client, service, api_key, "/issuer/bulk/issue",
                          json={"achievement": "literacy", "rows": ROWS[1:2]})
    done = await _finished(client, service, api_key, again["id"])
    assert done["counts"]["skipped-already-issued"] == 1


async def test_large_uploads_are_parsed_and_refused_like_small_ones(service: Service,
                                                                   client: ClientSession):
    # Past 256 KiB a JSON body is parsed off the event loop; the answers stay the same.
    api_key = await _tenant(service, client)
    rows = [{"rowId": str(i), "recipient": f"learner{i}@example.org", "name": "x" * 40}
            for i in range(4000)]
    body = json.dumps({"achievement": "literacy", "rows": [*rows, {"rowId": "z"}]}).encode()
    assert len(body) > 256 * 1024
    for data, kind in ((body, "invalid-request"), (body[:-2], "malformed-json"),
                       (b"[" * 300_000, "json-too-deep")):
        async with client.post(service.url + "/issuer/bulk/issue", data=data, headers={
                **bearer(api_key), "Content-Type": "application/json"}) as response:
            await problem_of(response, 400, kind)

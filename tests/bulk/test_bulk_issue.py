"""bulk_issue: every row issued once, reruns skip, bad rows fail alone, indexes never shared."""

from __future__ import annotations

import asyncio
import json

import pytest
from bulk_support import BASE_URL, LEARNER, NOW, achievement, check_consistent, count
from sqlalchemy import select

from storage.dbtesting import config_for, schema_of
from vcbadges import verify
from vcbadges.credentials.sample import sample_badge
from vcbadges.errors import CredentialError
from vcbadges.issuer import create_tenant, get_credential
from vcbadges.issuer.bulk import (
    FAILED,
    ISSUED,
    SKIPPED,
    BulkRow,
    BulkRowResult,
    bulk_issue,
)
from vcbadges.issuer.signing import Signer
from vcbadges.primitives.keys import Ed25519SigningKey
from vcbadges.storage.models import BulkRowRecord, Credential, StatusList

JOB = "spring-2026"


def rows(n: int, *, start: int = 0) -> list[BulkRow]:
    """Every other recipient a DID, the others e-mail addresses."""
    return [BulkRow(row_id=f"r{i}",
                    recipient=LEARNER if i % 2 == 0 else f"learner{i}@example.org")
            for i in range(start, start + n)]


async def run(db, tenant, keystore, items, **options):
    summary, results = await run_listed(db, tenant, keystore, items, **options)
    return summary, {r.row_id: r for r in results}


async def run_listed(db, tenant, keystore, items, **options):
    results: list[BulkRowResult] = []
    options.setdefault("job", JOB)
    options.setdefault("achievement", achievement())
    summary = await bulk_issue(db, tenant, items, keystore=keystore, base_url=BASE_URL,
                               now=NOW, on_result=results.append, **options)
    assert len(results) == summary.rows
    return summary, results


async def test_every_row_is_issued_signed_and_recorded(db, tenant, keystore):
    summary, results = await run(db, tenant, keystore, rows(30), batch_size=8)
    assert (summary.issued, summary.skipped, summary.failed) == (30, 0, 0)
    assert {r.status for r in results.values()} == {ISSUED}
    recorded = await check_consistent(db)
    assert recorded == {(JOB, r.row_id): r.credential_id for r in results.values()}
    async with db.sessionmaker(write=False)() as session:
        by_did = await get_credential(session, tenant, results["r0"].credential_id)
        by_email = await get_credential(session, tenant, results["r1"].credential_id)
    assert by_did is not None and by_email is not None
    document = by_did.json()
    assert document["issuer"] == {"id": tenant.did, "type": ["Profile"], "name": "acme"}
    assert document["credentialSubject"]["id"] == LEARNER == by_did.subject
    assert document["credentialSubject"]["achievement"] == achievement()
    # One revocation entry, a single object, as the OB 3.0 schema wants.
    assert document["credentialStatus"]["statusPurpose"] == "revocation"
    report = await verify(document, now=NOW)
    for check in ("document", "schema", "proof", "issuer", "validity"):
        assert report.check(check).outcome.value == "passed", report.to_json()
    # An e-mail recipient is a salted hash, never the address.
    [identity] = by_email.json()["credentialSubject"]["identifier"]
    assert identity["hashed"] is True and identity["identityType"] == "emailAddress"
    assert "learner1@example.org" not in by_email.document and by_email.subject is None
    report = await verify(by_email.json(), now=NOW, recipient="learner1@example.org")
    assert report.check("proof").outcome.value == "passed", report.to_json()


async def test_a_rerun_issues_nothing_twice(db, tenant, keystore):
    first, before = await run(db, tenant, keystore, rows(12), batch_size=5)
    assert first.issued == 12
    # More rows this time: the new ones are issued, the others skipped with their ids.
    second, after = await run(db, tenant, keystore, rows(15), batch_size=5)
    assert (second.issued, second.skipped, second.failed) == (3, 12, 0)
    for row_id, result in before.items():
        assert after[row_id] == BulkRowResult(row_id, result.credential_id, SKIPPED)
    assert {after[f"r{i}"].status for i in range(12, 15)} == {ISSUED}
    assert len(await check_consistent(db)) == await count(db, Credential) == 15
    # Another job key is another job: the same row ids are issued again there.
    third, _ = await run(db, tenant, keystore, rows(2), job="autumn-2026")
    assert third.issued == 2 and await count(db, BulkRowRecord) == 17


async def test_bad_rows_fail_alone_and_are_retried_by_a_rerun(db, tenant, keystore):
    items = [
        *rows(3),
        BulkRow(row_id="no-recipient", recipient="Ada Lovelace"),
        BulkRow(row_id="bad-date", recipient=LEARNER, valid_until="next year"),
        BulkRow(row_id="past", recipient=LEARNER, valid_until="2020-01-01"),
        BulkRow(row_id="", recipient=LEARNER),
        BulkRow(row_id="r1", recipient=LEARNER),  # r1 again
        *rows(2, start=3),
    ]
    summary, listed = await run_listed(db, tenant, keystore, items, batch_size=4)
    assert (summary.issued, summary.skipped, summary.failed) == (5, 0, 5)
    results = {r.row_id: r for r in listed}
    # The second r1 fails at once, the first is issued with its batch.
    twice = [r for r in listed if r.row_id == "r1"]
    assert [r.status for r in twice] == [FAILED, ISSUED]
    assert twice[0].error == "row_id appears more than once in the job"
    errors = {r.row_id: r.error for r in results.values() if r.status == FAILED}
    assert errors["no-recipient"] == "recipient must be a DID or an e-mail address"
    assert errors["bad-date"].startswith("valid_until must be a date")
    assert errors["past"] == "valid_until is not in the future"
    assert errors[""] == "row_id must be 1 to 200 characters"
    assert all(results[f"r{i}"].status == ISSUED for i in (0, 2, 3, 4))
    assert await count(db, Credential) == 5
    # The failed rows are not recorded: a corrected rerun issues them, and only them.
    fixed = [BulkRow(row_id="no-recipient", recipient="ada@example.org"),
             BulkRow(row_id="bad-date", recipient=LEARNER, valid_until="2030-01-01"), *rows(5)]
    again, results = await run(db, tenant, keystore, fixed)
    assert (again.issued, again.skipped, again.failed) == (2, 5, 0)
    assert len(await check_consistent(db)) == 7


async def test_row_fields_end_up_in_the_credential(db, tenant, keystore):
    item = BulkRow(row_id="1", recipient=" ada@example.org ", name="Ada Lovelace",
                   narrative="Wrote the first program.", valid_until="2030-06-30")
    _, results = await run(db, tenant, keystore, [item],
                           issuer_profile={"name": "Example University",
                                           "url": "https://example.edu"})
    async with db.sessionmaker(write=False)() as session:
        stored = await get_credential(session, tenant, results["1"].credential_id)
    assert stored is not None
    document = stored.json()
    assert document["validFrom"] == "2026-06-01T12:00:00Z"
    assert document["validUntil"] == "2030-06-30T23:59:59Z"
    assert document["name"] == achievement()["name"]
    assert document["issuer"] == {"id": tenant.did, "type": ["Profile"],
                                  "name": "Example University", "url": "https://example.edu"}
    subject = document["credentialSubject"]
    assert subject["narrative"] == "Wrote the first program."
    email, name = subject["identifier"]
    assert email["identityType"] == "emailAddress" and email["hashed"] is True
    assert name == {"type": "IdentityObject", "identityHash": "Ada Lovelace",
                    "identityType": "name", "hashed": False}
    report = await verify(document, now=NOW, recipient="ada@example.org")
    assert report.check("schema").outcome.value == "passed", report.to_json()
    assert report.check("proof").outcome.value == "passed", report.to_json()


async def test_a_p256_did_web_tenant_signs_with_ecdsa(db, keystore):
    async with db.sessionmaker()() as session, session.begin():
        tenant, _ = await create_tenant(session, "uni", keystore=keystore, algorithm="P-256",
                                        did_web_host="badges.example.edu", now=NOW)
    _, results = await run(db, tenant, keystore, rows(3))
    async with db.sessionmaker(write=False)() as session:
        stored = await get_credential(session, tenant, results["r0"].credential_id)
    assert stored is not None
    proof = stored.json()["proof"]
    assert proof["cryptosuite"] == "ecdsa-rdfc-2019"
    assert proof["verificationMethod"] == "did:web:badges.example.edu:uni#key-1"


async def test_a_changed_row_is_reported_not_reissued(db, tenant, keystore):
    await run(db, tenant, keystore, [BulkRow(row_id="1", recipient=LEARNER)])
    summary, results = await run(db, tenant, keystore,
                                 [BulkRow(row_id="1", recipient="other@example.org")])
    assert summary.skipped == 1
    assert results["1"].error == "the row changed since it was issued; it was not issued again"
    assert await count(db, Credential) == 1


async def test_status_lists_roll_over_and_no_index_is_shared(db, tenant, keystore):
    summary, _ = await run(db, tenant, keystore, rows(40), list_size=16, batch_size=7,
                           purposes=("revocation", "suspension"))
    assert summary.issued == 40
    await check_consistent(db, purposes=2)
    async with db.sessionmaker(write=False)() as session:
        lists = (await session.execute(select(StatusList))).scalars().all()
    for purpose in ("revocation", "suspension"):
        mine = [lst for lst in lists if lst.purpose == purpose]
        assert len(mine) == 3  # 16 + 16 + 8
        assert sum(1 for lst in mine if not lst.full) == 1


async def test_two_jobs_at_once_into_one_tenant_share_no_index(db, tenant, keystore, tmp_path):
    # Separate configs (separate pools, as separate processes would have) and lists so
    # small that the two jobs draw the same indexes and must sign some rows again.
    other = config_for(tmp_path, schema_of(db))
    try:
        (a, _), (b, _) = await asyncio.gather(
            run(db, tenant, keystore, rows(60), job="a", list_size=64, batch_size=10),
            run(other, tenant, keystore, rows(60, start=100), job="b", list_size=64,
                batch_size=10))
    finally:
        await other.dispose()
    # With lists this small a row can lose its index to the other job on every attempt and be
    # reported failed (never issued twice); a rerun, as after a crash, completes each job.
    assert (a.issued + a.failed, b.issued + b.failed) == (60, 60)
    again_a, _ = await run(db, tenant, keystore, rows(60), job="a", list_size=64)
    again_b, _ = await run(db, tenant, keystore, rows(60, start=100), job="b", list_size=64)
    assert again_a.issued == a.failed and again_b.issued == b.failed
    assert (again_a.skipped, again_b.skipped) == (a.issued, b.issued)
    assert len(await check_consistent(db)) == 120


async def test_progress_is_reported_after_every_batch(db, tenant, keystore):
    seen: list[tuple[int, int]] = []
    await run(db, tenant, keystore, rows(10), batch_size=3,
              on_progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (10, 10)
    assert all(total == 10 for _, total in seen)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


async def test_a_cancelled_job_keeps_its_committed_rows_and_resumes(db, tenant, keystore):
    going = asyncio.Event()

    def progress(done: int, _total: int) -> None:
        if done >= 20:
            going.set()

    job = asyncio.create_task(run(db, tenant, keystore, rows(200), batch_size=10,
                                  on_progress=progress))
    await going.wait()
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    kept = len(await check_consistent(db))
    assert 20 <= kept < 200
    summary, _ = await run(db, tenant, keystore, rows(200), batch_size=10)
    assert (summary.issued, summary.skipped) == (200 - kept, kept)
    assert len(await check_consistent(db)) == 200


async def test_a_template_the_signer_refuses_fails_before_any_row(db, tenant, keystore):
    template = {**achievement(), "undefinedTerm": "x"}
    with pytest.raises(CredentialError) as caught:
        await run(db, tenant, keystore, rows(3), achievement=template)
    assert caught.value.code == "invalid_template"
    assert await count(db, Credential) == 0
    with pytest.raises(CredentialError):
        await run(db, tenant, keystore, rows(3), achievement={"id": "urn:x", "type": "Thing"})


async def test_arguments_are_checked(db, tenant, keystore):
    with pytest.raises(ValueError):
        await run(db, tenant, keystore, rows(1), job="")
    with pytest.raises(ValueError):
        await run(db, tenant, keystore, rows(1), list_size=12)
    with pytest.raises(CredentialError):
        await run(db, tenant, keystore, rows(1), issuer_profile={"id": "did:example:other"})


async def test_a_job_with_worker_processes(db, tenant, keystore):
    # Until a worker is up the job signs in process, so this small job may never use the
    # pool; the next test makes sure the workers sign correctly.
    summary, results = await run(db, tenant, keystore, rows(24), workers=2, batch_size=10)
    assert summary.issued == 24
    await check_consistent(db)


async def test_worker_processes_sign_as_this_process_does():
    key = Ed25519SigningKey.generate()
    unsigned = sample_badge(issuer=key.controller, subject=LEARNER, valid_from=NOW).to_json()
    signer = Signer(key, None, 2)
    try:
        assert await asyncio.to_thread(signer._ready.wait, 60)
        results = await signer.sign([unsigned] * 5 + [{**unsigned, "issuer": "did:x:y"}], NOW)
    finally:
        signer.close()
    assert [ok for ok, _ in results] == [True] * 5 + [False]
    assert results[-1][1].startswith("issuer_mismatch: ")
    for _, text in results[:5]:
        report = await verify(json.loads(text), now=NOW)
        assert report.check("proof").outcome.value == "passed", report.to_json()

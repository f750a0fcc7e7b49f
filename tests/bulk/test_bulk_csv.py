"""The CSV front ends: the result CSV, reruns, templates by slug, refused files; revocation."""

from __future__ import annotations

import uuid

import pytest
from bulk_support import (
    BASE_URL,
    LEARNER,
    NOW,
    achievement,
    check_consistent,
    count,
    read_csv,
    write_csv,
)

from vcbadges.errors import StorageError
from vcbadges.issuer import credential_status, status_events
from vcbadges.issuer.bulk import (
    RESULT_COLUMNS,
    BulkRow,
    RevokeRow,
    bulk_issue_csv,
    bulk_revoke_csv,
    default_job_key,
    parse_issue_csv,
    parse_revoke_csv,
)
from vcbadges.storage.models import Achievement, Credential

HEADER = ["row_id", "recipient", "name", "narrative", "valid_until"]


def issue_csv(db, path, result, keystore, **options):
    options.setdefault("achievement", achievement())
    return bulk_issue_csv(db, "acme", path, result, keystore=keystore, base_url=BASE_URL,
                          now=NOW, **options)


async def test_the_result_csv_has_a_line_per_row(db, tenant, keystore, tmp_path):
    source = write_csv(tmp_path / "graduates.csv", HEADER, [
        ["s-1", LEARNER, "Ada Lovelace", "", ""],
        ["s-2", "grace@example.org", "", "Top of the class, with a comma", "2030-01-01"],
        ["s-3", "not a recipient", "", "", ""],
        ["s-4", "alan@example.org", "", "", "2030-01-01T00:00:00+02:00"],
    ])
    result = tmp_path / "result.csv"
    summary = await issue_csv(db, source, result, keystore)
    assert (summary.issued, summary.skipped, summary.failed) == (3, 0, 1)
    assert summary.job == default_job_key(achievement()["id"], source)
    lines = read_csv(result)
    assert list(lines[0]) == list(RESULT_COLUMNS)
    by_row = {line["row_id"]: line for line in lines}
    assert len(lines) == 4 and set(by_row) == {"s-1", "s-2", "s-3", "s-4"}
    assert by_row["s-3"] == {"row_id": "s-3", "credential_id": "", "status": "failed",
                             "error": "recipient must be a DID or an e-mail address"}
    for row_id in ("s-1", "s-2", "s-4"):
        assert by_row[row_id]["status"] == "issued" and by_row[row_id]["error"] == ""
        assert by_row[row_id]["credential_id"].startswith("urn:uuid:")
    issued = {row_id: line["credential_id"] for row_id, line in by_row.items()
              if line["status"] == "issued"}

    # The same command again: nothing is issued twice, and the result says so.
    again = await issue_csv(db, source, result, keystore)
    assert (again.issued, again.skipped, again.failed) == (0, 3, 1)
    by_row = {line["row_id"]: line for line in read_csv(result)}
    for row_id, credential_id in issued.items():
        assert by_row[row_id] == {"row_id": row_id, "credential_id": credential_id,
                                  "status": "skipped-already-issued", "error": ""}
    assert by_row["s-3"]["status"] == "failed"
    assert {v for k, v in (await check_consistent(db)).items()} == set(issued.values())


async def test_a_template_is_found_by_its_slug(db, tenant, keystore, tmp_path):
    async with db.sessionmaker()() as session, session.begin():
        session.add(Achievement(id=uuid.uuid4(), tenant_id=tenant.id, slug="data-101",
                                document=achievement(), created_at=NOW, updated_at=NOW))
    source = write_csv(tmp_path / "in.csv", ["recipient", "row_id"], [[LEARNER, "1"]])
    summary = await issue_csv(db, source, None, keystore, achievement="data-101", workers=0)
    assert summary.issued == 1 and summary.job == "data-101:in.csv"
    with pytest.raises(StorageError) as caught:
        await issue_csv(db, source, None, keystore, achievement="no-such-badge")
    assert caught.value.code == "not_found"
    with pytest.raises(StorageError):
        await bulk_issue_csv(db, "nobody", source, None, achievement=achievement(),
                             keystore=keystore, base_url=BASE_URL)


@pytest.mark.parametrize(("header", "message"), [
    (["row_id", "recipient", "valid_untill"], "unknown column 'valid_untill'"),
    (["row_id", "name"], "the column 'recipient' is missing"),
    (["row_id", "recipient", "row_id"], "a column appears twice"),
    ([], "empty"),
])
async def test_files_without_the_right_columns_are_refused(
        db, tenant, keystore, tmp_path, header, message):
    source = tmp_path / "in.csv"
    if header:
        write_csv(source, header, [["1"] * len(header)])
    else:
        source.write_text("", encoding="utf-8")
    result = tmp_path / "result.csv"
    with pytest.raises(ValueError, match=message):
        await issue_csv(db, source, result, keystore)
    assert not result.exists() and await count(db, Credential) == 0


async def test_the_result_never_overwrites_the_input(db, tenant, keystore, tmp_path):
    source = write_csv(tmp_path / "in.csv", ["row_id", "recipient"], [["1", LEARNER]])
    with pytest.raises(ValueError, match="would overwrite the input"):
        await issue_csv(db, source, tmp_path / "." / "in.csv", keystore)
    assert read_csv(source) == [{"row_id": "1", "recipient": LEARNER}]


async def test_a_byte_order_mark_and_padded_headers_are_fine(db, tenant, keystore, tmp_path):
    source = tmp_path / "excel.csv"
    source.write_text(f"\ufeffrow_id , recipient\r\n1,{LEARNER}\r\n", encoding="utf-8")
    assert (await issue_csv(db, source, None, keystore)).issued == 1


def test_csv_text_is_parsed_and_checked_like_a_file():
    # For uploads: a byte order mark, CRLF, and a quoted narrative over two lines.
    text = ('\ufeffrow_id,recipient,narrative\r\n1,ada@example.org,"Line one,\r\nline two"\r\n'
            f"2,{LEARNER},\r\n")
    assert parse_issue_csv(text) == [
        BulkRow(row_id="1", recipient="ada@example.org", narrative="Line one,\r\nline two"),
        BulkRow(row_id="2", recipient=LEARNER, narrative="")]
    with pytest.raises(ValueError, match="upload.csv: unknown column 'emial'"):
        parse_issue_csv("row_id,recipient,emial\n", name="upload.csv")
    assert parse_revoke_csv("credential_id,reason\nurn:x, gone \n") == [
        RevokeRow(credential_id="urn:x", reason="gone")]


async def test_bulk_revoke_records_actor_and_reason_and_reruns_safely(
        db, tenant, keystore, tmp_path):
    source = write_csv(tmp_path / "in.csv", ["row_id", "recipient"],
                       [[str(i), LEARNER] for i in range(4)])
    await issue_csv(db, source, tmp_path / "issued.csv", keystore)
    ids = [line["credential_id"] for line in read_csv(tmp_path / "issued.csv")]
    revocations = write_csv(tmp_path / "revoke.csv", ["credential_id", "reason"], [
        [ids[0], ""], [ids[1], "Plagiarism"], ["urn:uuid:unknown", ""], [ids[0], ""]])
    result = tmp_path / "revoked.csv"
    summary = await bulk_revoke_csv(db, "acme", revocations, result, actor="cli",
                                    reason="Issued in error", now=NOW)
    assert (summary.revoked, summary.skipped, summary.failed) == (2, 1, 1)
    lines = read_csv(result)
    assert [(line["credential_id"], line["status"]) for line in lines] == [
        (ids[0], "revoked"), (ids[1], "revoked"), ("urn:uuid:unknown", "failed"),
        (ids[0], "skipped-already-revoked")]
    assert lines[2]["error"] == "not_found: no such credential"
    async with db.sessionmaker(write=False)() as session:
        events = {i: await status_events(session, tenant, i) for i in ids}
        states = {i: await credential_status(session, tenant, i) for i in ids}
    assert [(e.action, e.actor, e.reason) for e in events[ids[0]]] == [
        ("revoke", "cli", "Issued in error")]
    assert [(e.action, e.actor, e.reason) for e in events[ids[1]]] == [
        ("revoke", "cli", "Plagiarism")]
    assert events[ids[2]] == [] and states[ids[2]] == {"revocation": False}
    assert states[ids[0]] == {"revocation": True}

    again = await bulk_revoke_csv(db, "acme", revocations, None, actor="cli", now=NOW)
    assert (again.revoked, again.skipped, again.failed) == (0, 3, 1)
    async with db.sessionmaker(write=False)() as session:
        assert len(await status_events(session, tenant, ids[0])) == 1
    with pytest.raises(ValueError, match="unknown column 'row_id'"):
        await bulk_revoke_csv(db, "acme", source, None, actor="cli")

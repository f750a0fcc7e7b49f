"""Rows that cannot be stored (a lone surrogate, bytes that are not UTF-8, NUL) fail alone,
each with its reason, in the library, the CSV reader and ``vcbadges bulk issue``; result
CSVs never hold a cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv

import pytest
from bulk_support import BASE_URL, LEARNER, NOW, achievement, check_consistent
from test_bulk_cli import parse, service  # noqa: F401 - the fixture of the CLI tests

from vcbadges.issuer.bulk import (
    FAILED,
    ISSUED,
    SKIPPED,
    BulkRow,
    BulkRowResult,
    RevokeRow,
    RevokeRowResult,
    bulk_issue,
    bulk_revoke,
    spreadsheet_safe,
)

ROWS = 300
BAD = 137  # The poisoned row.


def _rows(field: str, value: str) -> list[BulkRow]:
    rows = [BulkRow(row_id=f"r{i}", recipient=LEARNER if i % 2 else f"l{i}@example.org")
            for i in range(ROWS)]
    poisoned = {"row_id": f"r{BAD}", "recipient": LEARNER, field: value}
    rows[BAD] = BulkRow(**poisoned)
    return rows


async def _issue(db, tenant, keystore, rows) -> list[BulkRowResult]:
    results: list[BulkRowResult] = []
    await bulk_issue(db, tenant, rows, job="poison", achievement=achievement(),
                     keystore=keystore, base_url=BASE_URL, now=NOW, on_result=results.append,
                     batch_size=100)
    return results


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("name", "Ada \ud800 Lovelace", "name is not valid text: it holds the lone surrogate U+D800"),
    ("narrative", "\udfff", "narrative is not valid text: it holds the lone surrogate U+DFFF"),
    ("recipient", "a\ud800@example.org", "recipient is not valid text"),
    ("valid_until", "2099-01-01\ud800", "valid_until is not valid text"),
    ("name", "Ada\x00", "name holds a NUL character"),
])
async def test_a_poisoned_field_fails_its_row_alone(db, tenant, keystore, field, value, reason):
    results = await _issue(db, tenant, keystore, _rows(field, value))
    assert len(results) == ROWS
    [failed] = [r for r in results if r.status == FAILED]
    assert failed.row_id == f"r{BAD}" and failed.error is not None
    assert failed.error.startswith(reason)
    assert sum(r.status == ISSUED for r in results) == ROWS - 1
    assert len(await check_consistent(db)) == ROWS - 1


async def test_a_poisoned_row_id_is_reported_storably(db, tenant, keystore):
    rows = _rows("name", "fine")
    rows[BAD] = BulkRow(row_id="r\ud800" + "x" * 2000, recipient=LEARNER)
    results = await _issue(db, tenant, keystore, rows)
    [failed] = [r for r in results if r.status == FAILED]
    assert failed.row_id.startswith("r\ufffdxxx") and len(failed.row_id) == 1000
    failed.row_id.encode("utf-8")
    assert failed.error == ("row_id is not valid text: it holds the lone surrogate U+D800 "
                            "(in a CSV file: bytes that are not UTF-8)")
    assert sum(r.status == ISSUED for r in results) == ROWS - 1
    # A rerun skips every issued row and fails the poisoned one again.
    again = await _issue(db, tenant, keystore, rows)
    assert sorted({r.status for r in again}) == [FAILED, SKIPPED]


async def test_a_poisoned_revocation_row_fails_alone(db, tenant, keystore):
    issued = await _issue(db, tenant, keystore, _rows("name", "fine")[:3])
    results: list[RevokeRowResult] = []
    await bulk_revoke(db, tenant, [
        RevokeRow(credential_id="urn:uuid:\ud800"),
        RevokeRow(credential_id=issued[0].credential_id or "", reason="bad\x00reason"),
        RevokeRow(credential_id=issued[1].credential_id or ""),
    ], actor="test", on_result=results.append, now=NOW)
    assert [(r.credential_id, r.status) for r in results] == [
        ("urn:uuid:\ufffd", FAILED), (issued[0].credential_id, FAILED),
        (issued[1].credential_id, "revoked")]
    assert results[1].error == "reason holds a NUL character"


@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-1", "'-1"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("a=b", "a=b"), (None, ""),
])
def test_spreadsheet_formulas_are_neutralised(value, cell):
    assert spreadsheet_safe(value) == cell


async def test_the_cli_fails_bad_bytes_alone_and_writes_safe_cells(service, tmp_path,  # noqa: F811
                                                                   capsys):
    source = tmp_path / "cohort.csv"
    lines = [b"row_id,recipient,name,narrative"]
    lines += [f"r{i},l{i}@example.org,Name {i},".encode() for i in range(ROWS)]
    lines[1 + 10] = b"r10,l10@example.org,Bad \xed\xa0\x80 name,"  # An encoded surrogate.
    lines[1 + 20] = b"r20,l20@example.org,,latin-1 \xe9"  # Not UTF-8 at all.
    lines[1 + 30] = b"r\xff30,l30@example.org,,"  # In the row id.
    lines[1 + 40] = b"=1+1,l40@example.org,,"  # A formula for a row id.
    lines[1 + 50] = b"@cmd,l50@example.org,,"
    source.write_bytes(b"\r\n".join(lines) + b"\r\n")
    result = tmp_path / "out.csv"
    args = parse("bulk", "issue", str(source), "--achievement", "data-101", "--tenant", "acme",
                 "-o", str(result), "--quiet")
    assert await args.run(args) == 1
    assert f"issued {ROWS - 3}, skipped 0 (issued before), failed 3" in capsys.readouterr().err
    with result.open(encoding="utf-8", newline="") as handle:
        table = {row["row_id"]: row for row in csv.DictReader(handle)}
    assert len(table) == ROWS
    assert table["r10"]["error"].startswith("name is not valid text")
    assert table["r20"]["error"].startswith("narrative is not valid text")
    assert table["r\ufffd30"]["error"].startswith("row_id is not valid text")
    assert table["'=1+1"]["status"] == table["'@cmd"]["status"] == ISSUED
    # Resuming reads the rows recorded in the database: the quoted cells change nothing.
    args = parse("bulk", "issue", str(source), "--achievement", "data-101", "--tenant", "acme",
                 "-o", str(result), "--quiet")
    assert await args.run(args) == 1
    assert f"issued 0, skipped {ROWS - 3} (issued before), failed 3" in capsys.readouterr().err

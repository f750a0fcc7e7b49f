"""``vcbadges bulk issue|revoke`` (the commands bulkcli adds) and the progress bar."""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from bulk_support import BASE_URL, LEARNER, MASTER_KEY, NOW, achievement, read_csv, write_csv

from storage.dbtesting import drop_schema, postgres_url
from vcbadges.bulkcli import ProgressBar, add_bulk_commands
from vcbadges.issuer import create_tenant
from vcbadges.issuer.achievements import create_achievement
from vcbadges.issuer.keystore import encode_master_key
from vcbadges.storage import upgrade
from vcbadges.web.app import database_for, keystore_for
from vcbadges.web.settings import Settings


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="vcbadges")
    add_bulk_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


@pytest.fixture
async def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Settings]:
    """The settings a ``vcbadges serve`` would use, with a tenant 'acme' and a template."""
    monkeypatch.setenv("VCBADGES_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VCBADGES_PUBLIC_URL", BASE_URL)
    monkeypatch.setenv("VCBADGES_MASTER_KEY", encode_master_key(MASTER_KEY))
    schema = None
    if postgres_url():
        schema = "vcbt_" + secrets.token_hex(6)
        monkeypatch.setenv("VCBADGES_DATABASE_URL", postgres_url() or "")
        monkeypatch.setenv("VCBADGES_DATABASE_SCHEMA", schema)
    settings = Settings.from_env(os.environ)
    db = database_for(settings)
    try:
        await upgrade(db)
        keystore = keystore_for(settings)
        async with db.sessionmaker()() as session, session.begin():
            tenant, _ = await create_tenant(session, "acme", keystore=keystore, now=NOW)
            await create_achievement(session, tenant, "data-101", achievement(), now=NOW)
        yield settings
    finally:
        await db.dispose()
        if schema is not None:
            await drop_schema(schema)


async def test_bulk_issue_then_rerun_then_revoke(service, tmp_path, capsys):
    source = write_csv(tmp_path / "graduates.csv", ["row_id", "recipient"],
                       [["1", LEARNER], ["2", "grace@example.org"], ["3", "nobody"]])
    args = parse("bulk", "issue", str(source), "--achievement", "data-101", "--tenant", "acme")
    assert await args.run(args) == 1  # One row failed.
    err = capsys.readouterr().err
    result = tmp_path / "graduates.result.csv"
    assert f"job 'data-101:graduates.csv': results in {result}" in err
    assert "issuing [" in err and "3/3 100%" in err
    assert "issued 2, skipped 0 (issued before), failed 1" in err
    lines = {line["row_id"]: line for line in read_csv(result)}
    assert [lines[r]["status"] for r in "123"] == ["issued", "issued", "failed"]

    # Fixed, and run again: only the failed row is issued.
    write_csv(source, ["row_id", "recipient"],
              [["1", LEARNER], ["2", "grace@example.org"], ["3", "alan@example.org"]])
    out = tmp_path / "second.csv"
    args = parse("bulk", "issue", str(source), "--achievement", "data-101", "--tenant", "acme",
                 "-o", str(out), "--quiet")
    assert await args.run(args) == 0
    err = capsys.readouterr().err
    assert "issued 1, skipped 2 (issued before), failed 0" in err and "issuing [" not in err
    again = {line["row_id"]: line for line in read_csv(out)}
    assert again["1"]["credential_id"] == lines["1"]["credential_id"]
    assert [again[r]["status"] for r in "123"] == ["skipped-already-issued"] * 2 + ["issued"]

    revocations = write_csv(tmp_path / "revoke.csv", ["credential_id"],
                            [[again["1"]["credential_id"]], ["urn:uuid:nope"]])
    args = parse("bulk", "revoke", str(revocations), "--tenant", "acme", "--reason", "error")
    assert await args.run(args) == 1
    err = capsys.readouterr().err
    assert "revoked 1, skipped 0 (revoked before), failed 1" in err
    revoked = read_csv(tmp_path / "revoke.result.csv")
    assert [line["status"] for line in revoked] == ["revoked", "failed"]


async def test_an_achievement_json_file_and_usage_errors(service, tmp_path, capsys):
    template = tmp_path / "badge.json"
    template.write_text(json.dumps(achievement()), encoding="utf-8")
    source = write_csv(tmp_path / "in.csv", ["row_id", "recipient"], [["1", LEARNER]])
    args = parse("bulk", "issue", str(source), "--achievement", str(template), "--tenant",
                 "acme", "--workers", "0")
    assert await args.run(args) == 0
    capsys.readouterr()
    for argv, message in [
        (("--achievement", "nope", "--tenant", "acme"), "tenant 'acme' has no achievement"),
        (("--achievement", "data-101", "--tenant", "nobody"), "no tenant named 'nobody'"),
        (("--achievement", str(tmp_path / "missing.json"), "--tenant", "acme"),
         "No such file"),
    ]:
        args = parse("bulk", "issue", str(source), *argv)
        assert await args.run(args) == 2
        assert message in capsys.readouterr().err
    bad = write_csv(tmp_path / "bad.csv", ["row_id", "email"], [["1", "a@example.org"]])
    args = parse("bulk", "issue", str(bad), "--achievement", "data-101", "--tenant", "acme")
    assert await args.run(args) == 2
    assert "unknown column 'email'" in capsys.readouterr().err


def test_the_progress_bar_redraws_in_place_and_finishes():
    now = [0.0]
    stream = io.StringIO()
    bar = ProgressBar("issuing", stream=stream, width=10, clock=lambda: now[0],
                      interactive=True)
    bar(0, 2000)
    now[0] = 0.05
    bar(100, 2000)  # Too soon after the last drawing: skipped.
    now[0] = 2.0
    bar(1000, 2000)
    now[0] = 4.0
    bar(2000, 2000)
    bar.close()
    frames = stream.getvalue().split("\r")[1:]
    assert len(frames) == 3
    assert frames[1].rstrip() == "issuing [#####.....] 1,000/2,000  50%  500/s  ETA 0:00:02"
    # The shorter last frame blanks out the rest of the longer one before it.
    assert frames[2] == "issuing [##########] 2,000/2,000 100%  500/s" + " " * 13 + "\n"


def test_the_progress_bar_logs_lines_when_not_on_a_terminal():
    now = [0.0]
    stream = io.StringIO()
    bar = ProgressBar("revoking", stream=stream, clock=lambda: now[0], interactive=False)
    for done in range(0, 50, 10):
        now[0] += 3
        bar(done, 0)
    bar.close()
    assert stream.getvalue().splitlines() == ["revoking  0 rows  0/s",
                                              "revoking  40 rows  3/s"]

"""Usage errors of the command line: exit code 2 and one line on stderr, never a traceback;
the commands that work on a service's data say where it is and never start an empty one;
the human report says everything the JSON one says."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest

from vcbadges import generate_key
from vcbadges._api import _DEFAULT_LOADER
from vcbadges.cli import main
from vcbadges.credentials.sample import sample_badge
from vcbadges.proofs.di import add_proof

PASSPHRASE = "a long test passphrase"


@pytest.fixture(autouse=True)
def no_service_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run every command in an empty folder, with no VCBADGES_* settings but a passphrase."""
    for name in list(os.environ):
        if name.startswith("VCBADGES_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("VCBADGES_PASSPHRASE", PASSPHRASE)
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run a command that must fail as a usage error; return its one line."""
    code, _, err = run(capsys, *argv)
    assert code == 2, err
    assert err.startswith("vcbadges: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def write(path: Path, document: Any) -> str:
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


@pytest.fixture
def key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """An unencrypted Ed25519 key file and its DID."""
    path = tmp_path / "issuer.key"
    code, did, _ = run(capsys, "keys", "new", "--out", str(path), "--unencrypted")
    assert code == 0
    return str(path), did.strip()


def test_a_suite_that_does_not_fit_the_key(tmp_path, capsys, key):
    unsigned = write(tmp_path / "u.json", sample_badge(issuer=key[1], subject=key[1]).to_json())
    err = usage_error(capsys, "issue", unsigned, "--key", key[0], "--suite", "ecdsa-rdfc-2019")
    assert "ecdsa-rdfc-2019 needs a P-256 key" in err
    err = usage_error(capsys, "issue", unsigned, "--key", key[0], "--format", "jwt",
                      "--suite", "eddsa-rdfc-2022")
    assert "--suite applies to Data Integrity proofs" in err


def test_issue_refuses_a_signed_credential_and_bake_an_unsigned_one(tmp_path, capsys, key):
    badge = sample_badge(issuer=key[1], subject=key[1]).to_json()
    unsigned = write(tmp_path / "u.json", badge)
    code, out, _ = run(capsys, "issue", unsigned, "--key", key[0])
    assert code == 0
    signed = write(tmp_path / "s.json", out)
    assert "is signed already" in usage_error(capsys, "issue", signed, "--key", key[0])

    png = tmp_path / "badge.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 8)
    err = usage_error(capsys, "bake", str(png), unsigned, "-o", str(tmp_path / "o.png"))
    assert "is not signed" in err
    err = usage_error(capsys, "bake", str(png), write(tmp_path / "t.txt", "hello"), "-o",
                      str(tmp_path / "o.png"))
    assert "not valid JSON" in err
    jpeg = tmp_path / "photo.jpg"
    jpeg.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32)
    err = usage_error(capsys, "bake", str(jpeg), signed, "-o", str(tmp_path / "o.png"))
    assert err.startswith(f"vcbadges: cannot bake {jpeg}: ")
    assert not (tmp_path / "o.png").exists()


def test_a_new_key_file_needs_a_passphrase_of_eight_characters(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("VCBADGES_PASSPHRASE", "seven77")
    err = usage_error(capsys, "keys", "new", "--out", str(tmp_path / "k.key"))
    assert "at least 8 characters" in err
    assert not (tmp_path / "k.key").exists()


def test_bad_fetch_allowances_are_usage_errors(tmp_path, capsys, key):
    signed = tmp_path / "s.json"
    signed.write_text("{}")
    assert "not a network" in usage_error(capsys, "verify", str(signed),
                                          "--allow-network", "localhost")
    assert "is not HOST or HOST:PORT" in usage_error(capsys, "verify", str(signed),
                                                     "--allow-http-host", "h:99999")


def test_commands_on_a_service_refuse_a_missing_data_directory(tmp_path, capsys):
    data = tmp_path / "vcbadges-data"
    for argv in (("status", "revoke", "urn:uuid:1"), ("tenant", "create", "acme"),
                 ("bulk", "revoke", "ids.csv", "--tenant", "acme"),
                 ("bulk", "issue", "rows.csv", "--tenant", "acme", "--achievement", "x")):
        err = usage_error(capsys, *argv)
        assert f"there is no data directory {data}: " in err, err
        assert "--data-dir" in err
    assert "--create" in usage_error(capsys, "tenant", "create", "acme")
    assert not data.exists()

    # An empty folder is not a service's data either.
    empty = tmp_path / "empty"
    empty.mkdir()
    err = usage_error(capsys, "status", "revoke", "urn:uuid:1", "--data-dir", str(empty))
    assert f"the data directory {empty} holds no database" in err
    assert list(empty.iterdir()) == []


def test_tenant_and_status_on_a_new_data_directory(tmp_path, capsys):
    code, out, _ = run(capsys, "tenant", "create", "acme", "--create", "--data-dir", "here")
    assert code == 0
    assert f"stored in the data directory {tmp_path / 'here'}\n" in out
    assert (tmp_path / "here" / "vcbadges.db").is_file()
    assert (tmp_path / "here" / "master.key").is_file()

    err = usage_error(capsys, "tenant", "create", "acme", "--data-dir", "here")
    assert err == (f"vcbadges: there is already a tenant named 'acme' in the data directory "
                   f"{tmp_path / 'here'}\n")
    err = usage_error(capsys, "status", "revoke", "urn:uuid:unknown", "--tenant", "acme",
                      "--data-dir", "here")
    assert err == (f"vcbadges: tenant 'acme' has no credential 'urn:uuid:unknown' in the data "
                   f"directory {tmp_path / 'here'}\n")
    # Where the service keeps its data by default, the option is not needed.
    (tmp_path / "here").rename(tmp_path / "vcbadges-data")
    err = usage_error(capsys, "status", "suspend", "urn:uuid:unknown", "--tenant", "acme")
    assert "has no credential 'urn:uuid:unknown' in the data directory" in err


def _signed_without(*members: str) -> str:
    """A signed badge lacking ``members`` (issue() would fill them, so signed directly)."""
    key = generate_key("Ed25519")
    badge = sample_badge(issuer=key.controller, subject=key.controller).to_json()
    badge["id"] = "urn:uuid:7d4b1b1e-2f56-4c1a-9f0e-0a5f3c2b9d11"
    achievement = badge["credentialSubject"]["achievement"]
    for member in members:
        if member in badge:
            del badge[member]
        else:
            del achievement[member]
    return json.dumps(asyncio.run(add_proof(badge, key=key, loader=_DEFAULT_LOADER)))


def test_the_human_report_lists_every_schema_problem(tmp_path, capsys):
    path = write(tmp_path / "c.json", _signed_without("id", "criteria", "description"))
    code, out, _ = run(capsys, "verify", path)
    assert code == 1
    assert out.startswith("NOT VALID: credential (no id)\n")
    lines = out.splitlines()
    schema = next(i for i, line in enumerate(lines) if "] schema " in line)
    assert "schema_violation: 3 problems" in lines[schema]
    listed = [line.strip() for line in lines[schema + 1:schema + 4]]
    assert listed == ["id: is required", "credentialSubject.achievement.criteria: is required",
                      "credentialSubject.achievement.description: is required"]
    code, out, _ = run(capsys, "verify", path, "--json")
    issues = next(c for c in json.loads(out)["checks"] if c["id"] == "schema")["detail"]
    assert [f"{i['path']}: {i['message']}" for i in issues["issues"]] == listed


def test_the_human_report_says_when_valid_from_is_missing(tmp_path, capsys):
    path = write(tmp_path / "c.json", _signed_without("validFrom"))
    code, out, _ = run(capsys, "verify", path)
    assert code == 1
    validity = next(line for line in out.splitlines() if "] validity " in line)
    assert "no validFrom: the credential does not say from when it is valid" in validity
    assert "within its validity period" not in out


def test_a_valid_badge_still_reads_as_before(tmp_path, capsys, key):
    unsigned = write(tmp_path / "u.json", sample_badge(issuer=key[1], subject=key[1]).to_json())
    code, out, _ = run(capsys, "issue", unsigned, "--key", key[0])
    assert code == 0
    signed = json.loads(out)
    code, out, _ = run(capsys, "verify", write(tmp_path / "s.json", signed))
    assert code == 0
    assert out.startswith(f"VALID: credential {signed['id']}\n")
    assert "within its validity period" in out

"""The command line, in process and as the installed console script."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from vcbadges.cli import main
from vcbadges.credentials.sample import sample_badge


@pytest.fixture
def passphrase(monkeypatch):
    monkeypatch.setenv("VCBADGES_PASSPHRASE", "a long test passphrase")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_keys_issue_verify_present_round_trip(tmp_path, capsys, passphrase):
    key = tmp_path / "issuer.key"
    code, out, _ = run(capsys, "keys", "new", "--out", str(key))
    assert code == 0
    did = out.strip()
    assert did.startswith("did:key:z6Mk")
    assert "a long test passphrase" not in key.read_text()

    holder_key = tmp_path / "holder.key"
    code, holder, _ = run(capsys, "keys", "new", "--type", "p256", "--out", str(holder_key))
    assert code == 0 and holder.strip().startswith("did:key:zDna")

    unsigned = sample_badge(issuer=did, subject=holder.strip()).to_json()
    unsigned_path = tmp_path / "unsigned.json"
    unsigned_path.write_text(json.dumps(unsigned))
    code, out, _ = run(capsys, "issue", str(unsigned_path), "--key", str(key))
    assert code == 0
    signed = json.loads(out)
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    signed_path = tmp_path / "signed.json"
    signed_path.write_text(out)

    code, out, _ = run(capsys, "verify", str(signed_path))
    assert code == 0 and out.startswith("VALID")
    code, out, _ = run(capsys, "verify", str(signed_path), "--json")
    assert code == 0 and json.loads(out)["verified"] is True

    code, out, _ = run(capsys, "present", str(signed_path), "--key", str(holder_key),
                       "--challenge", "abc", "--domain", "https://employer.example")
    assert code == 0
    vp_path = tmp_path / "vp.json"
    vp_path.write_text(out)
    code, _, _ = run(capsys, "verify", str(vp_path), "--challenge", "abc",
                     "--domain", "https://employer.example")
    assert code == 0
    code, out, _ = run(capsys, "verify", str(vp_path), "--challenge", "replayed",
                       "--domain", "https://employer.example", "--json")
    assert code == 1
    assert {c["id"]: c["code"] for c in json.loads(out)["checks"]}["challenge"] == \
        "challenge_mismatch"


@pytest.mark.parametrize("suite", ["eddsa-jcs-2022", "ed25519-2020"])
def test_issue_with_a_chosen_suite(tmp_path, capsys, suite):
    key = tmp_path / "k.key"
    code, did, _ = run(capsys, "keys", "new", "--out", str(key), "--unencrypted")
    assert code == 0
    path = tmp_path / "u.json"
    path.write_text(json.dumps(sample_badge(issuer=did.strip(), subject=did.strip()).to_json()))
    code, out, _ = run(capsys, "issue", str(path), "--key", str(key), "--suite", suite)
    assert code == 0
    signed = tmp_path / "s.json"
    signed.write_text(out)
    assert run(capsys, "verify", str(signed))[0] == 0


def test_tampered_credential_exits_1(tmp_path, capsys):
    key = tmp_path / "k.key"
    _, did, _ = run(capsys, "keys", "new", "--out", str(key), "--unencrypted")
    path = tmp_path / "u.json"
    path.write_text(json.dumps(sample_badge(issuer=did.strip(), subject=did.strip()).to_json()))
    _, out, _ = run(capsys, "issue", str(path), "--key", str(key))
    doc = json.loads(out)
    doc["name"] = "Something else"
    path.write_text(json.dumps(doc))
    code, out, _ = run(capsys, "verify", str(path))
    assert code == 1
    assert "NOT VALID" in out and "invalid_signature" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["verify", "/nonexistent/file.json"], "cannot read"),
     (["issue", "/nonexistent.json", "--key", "k"], "cannot read"),
     (["frobnicate"], ""),
     (["keys", "new"], "")],
)
def test_usage_and_io_errors_exit_2_without_traceback(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "Traceback" not in err
    assert message in err


def test_malformed_json_is_an_invalid_document_not_a_crash(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text("{ nope")
    code, out, err = run(capsys, "verify", str(path), "--json")
    assert code == 1
    assert json.loads(out)["checks"][0]["code"] == "malformed_json"


def test_wrong_passphrase_is_a_clear_error(tmp_path, capsys, monkeypatch, passphrase):
    key = tmp_path / "k.key"
    run(capsys, "keys", "new", "--out", str(key))
    monkeypatch.setenv("VCBADGES_PASSPHRASE", "wrong")
    path = tmp_path / "u.json"
    path.write_text(json.dumps({"@context": ["https://www.w3.org/ns/credentials/v2"]}))
    code, _, err = run(capsys, "issue", str(path), "--key", str(key))
    assert code == 2
    assert "wrong_passphrase" in err


def test_keys_new_refuses_to_overwrite(tmp_path, capsys, passphrase):
    key = tmp_path / "k.key"
    key.write_text("precious")
    code, _, err = run(capsys, "keys", "new", "--out", str(key))
    assert code == 2 and key.read_text() == "precious"


def test_issue_refuses_undefined_terms(tmp_path, capsys):
    key = tmp_path / "k.key"
    _, did, _ = run(capsys, "keys", "new", "--out", str(key), "--unencrypted")
    doc = sample_badge(issuer=did.strip(), subject=did.strip()).to_json()
    doc["favouriteColour"] = "blue"
    path = tmp_path / "u.json"
    path.write_text(json.dumps(doc))
    code, out, err = run(capsys, "issue", str(path), "--key", str(key))
    assert code == 1 and out == ""
    assert "undefined_term" in err


def test_quickstart_console_script_issues_and_verifies():
    exe = shutil.which("vcbadges", path=os.path.dirname(sys.executable))
    assert exe is not None, "the vcbadges console script is installed"
    result = subprocess.run([exe, "quickstart"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "VALID: credential" in result.stdout
    assert "[     ok] proof" in result.stdout

"""``vcbadges verify`` names an issuer only as a registry names it, and binds holders."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from net.https_server import HTTPSServer
from vcbadges import issue, present
from vcbadges.cli import main
from vcbadges.credentials.sample import sample_badge
from vcbadges.primitives.keys import Ed25519SigningKey

ISSUER = Ed25519SigningKey.from_seed(bytes(range(32)))
HOLDER = Ed25519SigningKey.from_seed(bytes(range(1, 33)))
STRANGER = Ed25519SigningKey.from_seed(bytes(range(2, 34)))
CLAIMED = "Example University"  # What the sample badge calls its issuer.


def signed_badge() -> dict[str, Any]:
    unsigned = sample_badge(issuer=ISSUER.controller, subject=HOLDER.controller).to_json()
    return asyncio.run(issue(unsigned, key=ISSUER))


@pytest.fixture
def credential(tmp_path: Path) -> Path:
    path = tmp_path / "badge.json"
    path.write_text(json.dumps(signed_badge()))
    return path


def registry_file(tmp_path: Path, name: str, entries: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"meta": {"created": "2024-01-01T00:00:00+0000"},
                                "registry": entries}))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_listed_issuer_is_named_by_its_registry(tmp_path, capsys, credential) -> None:
    registry = registry_file(tmp_path, "members.json", {
        ISSUER.controller: {"name": "Example University (registered)",
                            "url": "https://example.edu"}})
    code, out, err = run(capsys, "verify", str(credential), "--registry", str(registry))
    assert code == 0, out + err
    assert "Issuer: Example University (registered) (listed in members.json)" in out
    assert err == ""


def test_an_unlisted_issuer_only_calls_itself_by_its_name(tmp_path, capsys, credential) -> None:
    registry = registry_file(tmp_path, "members.json",
                             {STRANGER.controller: {"name": "Someone Else"}})
    code, out, _ = run(capsys, "verify", str(credential), "--registry", str(registry))
    assert code == 0  # Authentic and intact all the same.
    assert f"Issuer: calls itself {CLAIMED}; not in your trusted issuers" in out
    assert "(listed in" not in out
    code, out, _ = run(capsys, "verify", str(credential), "--json")
    report = json.loads(out)
    assert report["verified"] is True and report["issuerTrusted"] is False


def test_registries_are_consulted_in_order_after_the_trust_list(
        tmp_path, capsys, credential) -> None:
    trust = tmp_path / "ours.json"
    trust.write_text(json.dumps([{"did": ISSUER.controller, "name": "Our Name For Them"}]))
    registry = registry_file(tmp_path, "members.json", {ISSUER.controller: {"name": "Theirs"}})
    missing = tmp_path / "missing.json"
    code, out, err = run(capsys, "verify", str(credential), "--registry", str(missing),
                         "--registry", str(registry), "--trust", str(trust))
    assert code == 0
    assert "Issuer: Our Name For Them (listed in ours.json)" in out
    code, out, err = run(capsys, "verify", str(credential), "--registry", str(missing),
                         "--registry", str(registry))
    assert "Issuer: Theirs (listed in members.json)" in out
    assert "registry missing.json: could not be read" in err


def test_an_unreadable_registry_is_reported_and_lists_nobody(tmp_path, capsys,
                                                             credential) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    code, out, err = run(capsys, "verify", str(credential), "--registry", str(bad))
    assert code == 0
    assert "not in your trusted issuers" in out
    assert "registry bad.json: could not be read" in err


async def test_a_loopback_registry_url_is_refused(tmp_path, capsys, credential,
                                                  https_server: HTTPSServer) -> None:
    https_server.add_json("/registry.json", {"registry": {ISSUER.controller: {"name": "X"}}})
    url = https_server.url("/registry.json", host="127.0.0.1")
    code = await asyncio.to_thread(main, ["verify", str(credential), "--registry", url])
    out, err = capsys.readouterr()
    assert code == 0
    assert "not in your trusted issuers" in out
    assert f"registry {url}: could not be read" in err and "refused" in err
    assert https_server.hits("/registry.json") == 0


def test_holder_binding_is_on_unless_turned_off(tmp_path, capsys) -> None:
    vp = asyncio.run(present([signed_badge()], key=STRANGER, challenge="c-1",
                             domain="verifier.example"))
    path = tmp_path / "vp.json"
    path.write_text(json.dumps(vp))
    argv = ["verify", str(path), "--challenge", "c-1", "--domain", "verifier.example"]
    code, out, _ = run(capsys, *argv)
    assert code == 1, out
    assert "holder" in out
    code, out, _ = run(capsys, *argv, "--no-holder-binding")
    assert code == 0, out

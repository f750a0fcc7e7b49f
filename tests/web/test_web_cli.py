"""The service's command line: ``vcbadges serve`` with no configuration at all,
``vcbadges tenant create`` and ``vcbadges status revoke|suspend|unsuspend``."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import stat
import subprocess
import urllib.request
from pathlib import Path

import pytest
from aiohttp import ClientSession
from web_support import (
    MASTER_KEY_TEXT,
    SUSPENDABLE,
    VCBADGES,
    Service,
    badge,
    bearer,
    check,
    clean_env as _clean_env,
    free_port,
    issue,
    serve_process as _serve,
    stop_process as _stop,
    verify,
)

from vcbadges.cli import main


def _get(url: str, api_key: str | None = None) -> int:
    request = urllib.request.Request(url, headers=bearer(api_key) if api_key else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def test_serve_with_no_configuration_prints_the_demo_key_once(tmp_path: Path):
    port = free_port()
    process, lines = _serve(tmp_path, port)
    try:
        keys = [line.rsplit(" ", 1)[1].strip() for line in lines if "API key" in line]
        assert len(keys) == 1 and keys[0].startswith("vcb_"), lines
        base = f"http://127.0.0.1:{port}"
        assert _get(base + "/") == 200
        assert _get(base + "/issuer/achievements/explorer", keys[0]) == 200
        # The demo tenant shows a display name, not its slug.
        with urllib.request.urlopen(
                base + "/.well-known/openid-credential-issuer/oid4vci/demo", timeout=10) as r:
            assert json.load(r)["display"] == [{"name": "vcbadges demo issuer"}]
    finally:
        err = _stop(process)
    assert keys[0] not in err  # The log lines never carry it.
    data = tmp_path / "vcbadges-data"
    assert (data / "vcbadges.db").is_file()
    assert stat.S_IMODE((data / "master.key").stat().st_mode) == 0o600

    process, lines = _serve(tmp_path, port)
    try:
        assert not [line for line in lines if "API key" in line], lines
        assert _get(f"http://127.0.0.1:{port}/issuer/credentials", keys[0]) == 200
    finally:
        _stop(process)


def test_serve_reports_a_port_in_use_in_one_line(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([VCBADGES, "serve", "--port", str(port)], cwd=tmp_path,
                                env=_clean_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith(f"vcbadges: cannot listen on 127.0.0.1:{port}: ")
    assert result.stderr.count("\n") == 1, result.stderr
    assert not (tmp_path / "vcbadges-data").exists()  # Nothing was set up.


@pytest.fixture
def service_env(service: Service, monkeypatch: pytest.MonkeyPatch) -> Service:
    """Point the command line at the running service's database and master key."""
    for name in list(os.environ):
        if name.startswith("VCBADGES_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("VCBADGES_DATABASE_URL", service.settings.database)
    if service.settings.database_schema:
        monkeypatch.setenv("VCBADGES_DATABASE_SCHEMA", service.settings.database_schema)
    monkeypatch.setenv("VCBADGES_MASTER_KEY", MASTER_KEY_TEXT)
    monkeypatch.setenv("VCBADGES_PUBLIC_URL", service.url)
    monkeypatch.setenv("VCBADGES_DATA_DIR", str(service.settings.data_dir))
    return service


async def _cli(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


async def test_tenant_create_and_status_commands(service_env: Service, client: ClientSession,
                                                 capsys: pytest.CaptureFixture[str]):
    service = service_env
    assert await _cli("tenant", "create", "registrar") == 0
    out = capsys.readouterr().out
    api_key = out.rsplit("API key (shown only this once): ", 1)[1].strip()
    did = out.split(": ", 1)[1].split("\n", 1)[0]
    assert did.startswith("did:key:")

    assert await _cli("tenant", "create", "registrar") == 2
    assert capsys.readouterr().err.startswith(
        "vcbadges: there is already a tenant named 'registrar' in ")
    assert await _cli("tenant", "create", "Not A Slug") == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert await _cli("tenant", "create", "webby", "--did-web", "badges.example.edu") == 0
    assert "did:web:badges.example.edu:webby" in capsys.readouterr().out

    credential = (await issue(client, service, api_key, {
        "credential": badge(did), "options": SUSPENDABLE}))["verifiableCredential"]
    assert await _cli("status", "suspend", credential["id"], "--tenant", "registrar") == 0
    assert capsys.readouterr().out.startswith("suspended ")
    assert check((await verify(client, service, credential))[1],
                 "status_suspension") == ("failed", "suspended")
    assert await _cli("status", "unsuspend", credential["id"], "--tenant", "registrar") == 0
    assert await _cli("status", "revoke", credential["id"], "--tenant", "registrar",
                      "--reason", "left the programme") == 0
    out = capsys.readouterr().out
    assert f"revoked {credential['id']} ({service.url}/issuer/status/" in out
    status, report = await verify(client, service, credential)
    assert (status, check(report, "status_revocation")) == (400, ("failed", "revoked"))
    async with client.get(service.url + "/issuer/credentials/" + credential["id"],
                          headers=bearer(api_key)) as response:
        events = (await response.json())["statusEvents"]
    assert [(e["action"], e["actor"]) for e in events] == [
        ("suspend", "cli"), ("unsuspend", "cli"), ("revoke", "cli")]
    assert events[-1]["reason"] == "left the programme"

    assert await _cli("status", "revoke", credential["id"], "--tenant", "registrar") == 0
    assert "was already revoked" in capsys.readouterr().out
    assert await _cli("status", "revoke", "urn:uuid:unknown", "--tenant", "registrar") == 2
    assert capsys.readouterr().err == ("vcbadges: tenant 'registrar' has no credential "
                                       "'urn:uuid:unknown' in the database of "
                                       "VCBADGES_DATABASE_URL\n")
    assert await _cli("status", "revoke", credential["id"], "--tenant", "nobody") == 2
    assert capsys.readouterr().err == ("vcbadges: there is no tenant named 'nobody' in the "
                                       "database of VCBADGES_DATABASE_URL\n")
    assert await _cli("status", "unrevoke", credential["id"]) == 2


async def test_tenant_create_with_a_display_name(service_env: Service, client: ClientSession,
                                                 capsys: pytest.CaptureFixture[str]):
    service = service_env
    assert await _cli("tenant", "create", "riverside", "--display-name",
                      " Riverside College ") == 0
    out = capsys.readouterr().out
    assert out.startswith("tenant riverside (Riverside College): did:key:"), out
    api_key = out.rsplit("API key (shown only this once): ", 1)[1].strip()
    assert await _cli("tenant", "create", "other", "--display-name", "a\tb") == 2
    assert "display name" in capsys.readouterr().err
    assert await _cli("tenant", "create", "other", "--display-name", "x" * 201) == 2
    capsys.readouterr()

    # Its badges name it so, and so does its OpenID4VCI metadata.
    async with client.post(service.url + "/issuer/achievements", headers=bearer(api_key),
                           json={"slug": "first", "achievement": {
                               "name": "First", "description": "d",
                               "criteria": {"narrative": "c"}}}) as response:
        assert response.status == 201
    answer = await issue(client, service, api_key, {"award": {
        "achievement": "first", "recipient": {"id": "did:example:learner"}}})
    assert answer["verifiableCredential"]["issuer"]["name"] == "Riverside College"
    async with client.get(service.url + "/.well-known/openid-credential-issuer/oid4vci/"
                          "riverside") as response:
        assert (await response.json())["display"] == [{"name": "Riverside College"}]
    async with client.get(service.url + "/issuer/tenant", headers=bearer(api_key)) as response:
        assert response.status == 200
        tenant = await response.json()
    assert tenant["name"] == "riverside" and tenant["displayName"] == "Riverside College"
    assert tenant["did"].startswith("did:key:")


async def test_tenant_create_with_a_p256_key(service_env: Service, client: ClientSession,
                                             capsys: pytest.CaptureFixture[str]):
    """A P-256 tenant signs ecdsa-rdfc-2019 proofs and ES256 JWTs, and both verify."""
    service = service_env
    assert await _cli("tenant", "create", "nist", "--key-type", "P-256") == 0
    out = capsys.readouterr().out
    did = out.split(": ", 1)[1].split("\n", 1)[0]
    assert did.startswith("did:key:zDn"), out  # The multicodec prefix of a P-256 key.
    api_key = out.rsplit("API key (shown only this once): ", 1)[1].strip()

    credential = (await issue(client, service, api_key,
                              {"credential": badge(did)}))["verifiableCredential"]
    assert credential["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    status, report = await verify(client, service, credential)
    assert (status, report["verified"]) == (200, True), report
    tampered = {**credential, "name": "Something else"}
    status, report = await verify(client, service, tampered)
    assert (status, check(report, "proof")) == (400, ("failed", "invalid_signature"))

    token = (await issue(client, service, api_key, {
        "credential": badge(did), "options": {"format": "jwt"}}))["verifiableCredential"]
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == "ES256"
    status, report = await verify(client, service, token)
    assert (status, report["verified"]) == (200, True), report

    assert await _cli("tenant", "create", "webnist", "--key-type", "P-256",
                      "--did-web", "badges.example.edu") == 0
    assert "did:web:badges.example.edu:webnist" in capsys.readouterr().out
    async with client.get(service.url + "/webnist/did.json") as response:
        method = (await response.json())["verificationMethod"][0]
    assert method["publicKeyMultibase"].startswith("zDn")


def test_tenant_create_refuses_an_unknown_key_type(capsys: pytest.CaptureFixture[str]):
    assert main(["tenant", "create", "acme", "--key-type", "RSA"]) == 2
    assert "--key-type: invalid choice: 'RSA'" in capsys.readouterr().err

async def test_a_status_change_by_the_cli_reaches_the_running_service(
        service_env: Service, client: ClientSession, capsys: pytest.CaptureFixture[str]):
    """The CLI is another process: nobody tells the service's publisher. The service's list
    endpoint still serves the new version at once (it compares each list's version with
    the database on every request), and its verifier, which held the list in memory,
    confirms it against the database within a second (MAX_STALENESS)."""
    service = service_env
    assert await _cli("tenant", "create", "registrar") == 0
    out = capsys.readouterr().out
    api_key = out.rsplit("API key (shown only this once): ", 1)[1].strip()
    did = out.split(": ", 1)[1].split("\n", 1)[0]
    credential = (await issue(client, service, api_key, {
        "credential": badge(did), "options": SUSPENDABLE}))["verifiableCredential"]
    entry = next(e for e in credential["credentialStatus"]
                 if e["statusPurpose"] == "suspension")
    # The verifier now holds the suspension list in memory, confirmed just now.
    assert check((await verify(client, service, credential))[1],
                 "status_suspension") == ("passed", "not_suspended")
    async with client.get(entry["statusListCredential"]) as response:
        before = response.headers["ETag"]

    assert await _cli("status", "suspend", credential["id"], "--tenant", "registrar") == 0
    async with client.get(entry["statusListCredential"],
                          headers={"If-None-Match": before}) as response:
        assert response.status == 200  # Not 304: a new version, served at once.
        assert response.headers["ETag"] != before
    outcome = None
    for _ in range(50):  # The verifier's memory is confirmed at most a second old.
        outcome = check((await verify(client, service, credential))[1], "status_suspension")
        if outcome == ("failed", "suspended"):
            break
        await asyncio.sleep(0.1)
    assert outcome == ("failed", "suspended")

"""Real ``vcbadges serve`` processes on one data directory: a badge issued under one public
URL still verifies, status included, after the service restarts on another port and under
another public URL (it reads its own earlier status lists from its database, and says at
start that the URL changed); ``vcbadges verify`` checks the status of a badge of a local
service only when asked to."""

from __future__ import annotations

import json
import select
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from web_support import SUSPENDABLE, VCBADGES, check, clean_env, free_port, stop_process


def serve(cwd: Path, port: int, **env: str) -> tuple[subprocess.Popen[str], list[str]]:
    """``vcbadges serve --port PORT`` in ``cwd`` with no settings but ``env``; its standard
    output up to the "serving on" line."""
    process = subprocess.Popen([VCBADGES, "serve", "--port", str(port)], cwd=cwd,
                               env={**clean_env(), **env}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if select.select([process.stdout], [], [], 0.5)[0]:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "serving on" in line:
                return process, lines
    process.kill()
    raise AssertionError(f"vcbadges serve did not start: {lines}")


def post(url: str, body: Any, api_key: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if api_key is not None:
        headers["Authorization"] = f"Bearer {api_key}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def verified_at(base: str, credential: Any) -> tuple[int, Any]:
    return post(base + "/verifier/credentials/verify", {"verifiableCredential": credential})


def cli_verify(path: Path, *options: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VCBADGES, "verify", str(path), *options], capture_output=True,
                          text=True, timeout=60, env={**clean_env(), **env})


def test_own_badges_verify_after_the_port_and_the_public_url_change(tmp_path: Path):
    first, second = free_port(), free_port()
    old = f"http://127.0.0.1:{first}"
    process, lines = serve(tmp_path, first)
    try:
        api_key = next(line for line in lines if "API key" in line).rsplit(" ", 1)[1].strip()
        status, issued = post(old + "/issuer/credentials/issue", {"award": {
            "achievement": "explorer", "recipient": {"email": "ada@example.com"}},
            "options": SUSPENDABLE}, api_key)
        assert status == 201, issued
        badge = issued["verifiableCredential"]
        lists = {entry["statusListCredential"] for entry in badge["credentialStatus"]}
        assert all(url.startswith(old + "/issuer/status/") for url in lists), lists
        status, report = verified_at(old, badge)
        assert status == 200 and report["verified"], report

        # The command line reads no plain http and no loopback address unless told to.
        path = tmp_path / "badge.json"
        path.write_text(json.dumps(badge))
        result = cli_verify(path)
        assert result.returncode == 1, result.stderr
        assert "status_list_unreachable" in result.stdout
        assert "--allow-http-host HOST[:PORT]" in result.stderr
        allowed = cli_verify(path, "--allow-http-host", f"127.0.0.1:{first}",
                             "--allow-network", "127.0.0.1/32")
        assert allowed.returncode == 0, allowed.stdout + allowed.stderr
        assert allowed.stdout.startswith("VALID: credential ") and allowed.stderr == ""
        elsewhere = cli_verify(path, "--allow-http-host", f"127.0.0.1:{second}",
                               "--allow-network", "127.0.0.1/32")
        assert elsewhere.returncode == 1 and "status_list_unreachable" in elsewhere.stdout
        assert cli_verify(path, "--allow-http-host", "127.0.0.1").returncode == 1
        by_settings = cli_verify(path, VCBADGES_FETCH_ALLOW_HTTP_HOSTS=f"127.0.0.1:{first}",
                                 VCBADGES_FETCH_ALLOW_NETWORKS="127.0.0.1/32")
        assert by_settings.returncode == 0, by_settings.stdout
    finally:
        err = stop_process(process)
    assert "public URL changed" not in err

    # Another port: the badge's status lists are still this service's own.
    new = f"http://127.0.0.1:{second}"
    process, _ = serve(tmp_path, second)
    try:
        status, report = verified_at(new, badge)
        assert status == 200 and report["verified"], report
        assert check(report, "status_revocation") == ("passed", "not_revoked")
        status, _ = post(new + "/issuer/credentials/status", {
            "credentialId": badge["id"], "credentialStatus": [
                {"type": "BitstringStatusListEntry", "status": "revoked"}]}, api_key)
        assert status == 200
        status, report = verified_at(new, badge)
        assert status == 400 and check(report, "status_revocation") == ("failed", "revoked")
    finally:
        err = stop_process(process)
    assert err.count(f"the public URL changed from {old} to {new};") == 1, err

    # Another public URL altogether (a name, behind a proxy say), reached here by address.
    named = f"http://badges.invalid:{second}"
    process, _ = serve(tmp_path, second, VCBADGES_PUBLIC_URL=named)
    try:
        status, report = verified_at(new, badge)
        assert status == 400 and check(report, "status_revocation") == ("failed", "revoked")
    finally:
        err = stop_process(process)
    assert err.count(f"the public URL changed from {new} to {named};") == 1, err

    # Back to the first port: nothing changed since, so the first start's log line is all.
    process, _ = serve(tmp_path, first)
    try:
        status, report = verified_at(old, badge)
        assert status == 400 and check(report, "status_revocation") == ("failed", "revoked")
    finally:
        err = stop_process(process)
    assert err.count("public URL changed") == 1

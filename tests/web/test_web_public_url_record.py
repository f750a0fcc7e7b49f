"""The record of the public URLs the service used (SQLite, or PostgreSQL when
``VCBADGES_TEST_DATABASE_URL`` is set): a start under a new URL says so once, and each
service reads as its own the status lists issued under any recorded URL, also those
recorded by another process after it started."""

from __future__ import annotations

import asyncio
import csv
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from aiohttp import ClientSession, web
from web_support import (
    LEARNER,
    MASTER_KEY_TEXT,
    badge,
    bearer,
    bound_socket,
    check,
    issue,
    running_service,
    verify,
)

from vcbadges.cli import main
from vcbadges.storage import public_urls, record_public_url
from vcbadges.web.app import create_app
from vcbadges.web.documents import OwnDocumentsFirst
from vcbadges.web.keys import DOCUMENTS

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
MOVED = "https://badges.example.test"


async def test_recording_says_when_the_url_changed(tmp_path: Path):
    async with running_service(tmp_path) as service:
        async with service.db.sessionmaker()() as session, session.begin():
            # The service recorded its own URL at start.
            assert [row.url for row in await public_urls(session)] == [service.url]
            assert await record_public_url(session, service.url, T0 + timedelta(days=1)) is None
            assert await record_public_url(session, MOVED, T0 + timedelta(days=2)) == service.url
            assert await record_public_url(session, MOVED, T0 + timedelta(days=3)) is None
            rows = await public_urls(session)
        assert [row.url for row in rows] == [MOVED, service.url]
        assert rows[0].first_used_at == T0 + timedelta(days=2)
        assert rows[0].last_used_at == T0 + timedelta(days=3)


async def test_two_services_on_one_database_read_each_others_lists_as_their_own(
        tmp_path: Path, client: ClientSession, caplog: pytest.LogCaptureFixture):
    async with running_service(tmp_path, fetch_allow_http_hosts=frozenset(),
                               fetch_allow_networks=()) as first:
        tenant, api_key = await first.tenant("acme")
        early = (await issue(client, first, api_key,
                             {"credential": badge(tenant.did, LEARNER)}))["verifiableCredential"]
        # A second process on the same database, under another public URL (behind a proxy).
        moved = replace(first.settings, public_url=MOVED)
        runner = web.AppRunner(create_app(moved))
        with caplog.at_level(logging.INFO, logger="vcbadges.web"):
            await runner.setup()
        sock = bound_socket()
        try:
            await web.SockSite(runner, sock).start()
            second = replace(first, url=f"http://127.0.0.1:{sock.getsockname()[1]}")
            changed = [r.getMessage() for r in caplog.records if "public URL changed" in r.message]
            assert changed == [f"the public URL changed from {first.url} to {MOVED}; badges "
                               "issued under the earlier public URLs are still read as this "
                               "service's own"]
            documents = runner.app[DOCUMENTS]
            assert isinstance(documents, OwnDocumentsFirst)
            assert documents.base_urls == (MOVED, first.url)

            status, report = await verify(client, second, early)
            assert status == 200, report
            assert check(report, "status_revocation") == ("passed", "not_revoked")
            answer = await issue(client, second, api_key,
                                 {"credential": badge(tenant.did, LEARNER)})
            late = answer["verifiableCredential"]
            assert late["credentialStatus"]["statusListCredential"].startswith(MOVED + "/")
            # The first process learns of the URL recorded after it started.
            status, report = await verify(client, first, late)
            assert status == 200, report
            assert check(report, "status_revocation") == ("passed", "not_revoked")
        finally:
            await runner.cleanup()
            sock.close()


async def test_a_bulk_job_under_another_url_records_it(tmp_path: Path, client: ClientSession,
                                                       monkeypatch: pytest.MonkeyPatch):
    elsewhere = "https://bulk.example.test"
    async with running_service(tmp_path, fetch_allow_http_hosts=frozenset(),
                               fetch_allow_networks=()) as service:
        _, api_key = await service.tenant("acme")
        async with client.post(service.url + "/issuer/achievements", headers=bearer(api_key),
                               json={"slug": "first", "achievement": {
                                   "name": "First", "description": "d",
                                   "criteria": {"narrative": "c"}}}) as response:
            assert response.status == 201
        for name in ("VCBADGES_DATABASE_URL", "VCBADGES_DATABASE_SCHEMA", "VCBADGES_PUBLIC_URL"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("VCBADGES_DATABASE_URL", service.settings.database)
        if service.settings.database_schema:
            monkeypatch.setenv("VCBADGES_DATABASE_SCHEMA", service.settings.database_schema)
        monkeypatch.setenv("VCBADGES_MASTER_KEY", MASTER_KEY_TEXT)
        rows = tmp_path / "rows.csv"
        rows.write_text(f"row_id,recipient\n1,{LEARNER}\n", encoding="utf-8")
        code = await asyncio.to_thread(main, [
            "bulk", "issue", str(rows), "--achievement", "first", "--tenant", "acme",
            "--base-url", elsewhere, "--workers", "0", "--quiet"])
        assert code == 0
        with (tmp_path / "rows.result.csv").open(encoding="utf-8") as handle:
            (row,) = csv.DictReader(handle)
        async with client.get(f"{service.url}/issuer/credentials/{quote(row['credential_id'])}",
                              headers=bearer(api_key)) as response:
            credential = (await response.json())["verifiableCredential"]
        assert credential["credentialStatus"]["statusListCredential"].startswith(elsewhere)
        status, report = await verify(client, service, credential)
        assert status == 200, report
        assert check(report, "status_revocation") == ("passed", "not_revoked")

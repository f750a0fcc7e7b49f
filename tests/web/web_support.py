"""The service on a real local port, for the web tests.

``running_service(tmp_path)`` starts ``create_app(settings)`` on 127.0.0.1 (on an already
bound socket, so the port is known before the settings are made and nobody can take it in
between), on a fresh database: SQLite in ``tmp_path``, or a private schema of the
PostgreSQL database named by ``VCBADGES_TEST_DATABASE_URL`` (see storage/dbtesting.py). The
verifier may read this very service's status lists over plain http on 127.0.0.1, and lists
are served with ``max-age=0``, so that a revocation shows at the next verification.

Tenants are made directly through the issuer core, on a second connection pool to the same
database, with the same master key the service uses.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import select
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from aiohttp import ClientResponse, ClientSession, web

from storage.dbtesting import fresh_database, postgres_url, schema_of
from vcbadges.credentials.sample import sample_badge
from vcbadges.issuer import MasterKeyStore, create_tenant
from vcbadges.storage import DatabaseConfig
from vcbadges.storage.models import Tenant
from vcbadges.web.app import create_app
from vcbadges.web.settings import Settings

MASTER_KEY = bytes(range(100, 132))
MASTER_KEY_TEXT = base64.urlsafe_b64encode(MASTER_KEY).rstrip(b"=").decode("ascii")
LEARNER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
PROBLEM = "application/problem+json"
VCBADGES = str(Path(sys.executable).with_name("vcbadges"))
TYPES = "https://vcbadges.dev/problems/"
#: Issue options for a badge that can be suspended as well as revoked.
SUSPENDABLE = {"statusPurposes": ["revocation", "suspension"]}


def bound_socket(host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    return sock


def free_port() -> int:
    with bound_socket() as sock:
        return int(sock.getsockname()[1])


def settings_for(tmp_path: Path, port: int, **changes: Any) -> Settings:
    url = postgres_url()
    base = Settings(
        host="127.0.0.1", port=port, data_dir=tmp_path / "data",
        database_url=url or f"sqlite+aiosqlite:///{tmp_path / 'vcbadges.db'}",
        master_key=MASTER_KEY_TEXT, demo_tenant=False,
        fetch_allow_http_hosts=frozenset({"127.0.0.1"}),
        fetch_allow_networks=(ipaddress.ip_network("127.0.0.1/32"),),
        status_list_max_age=0)
    return replace(base, **changes)


@dataclass
class Service:
    """A running service: its URL, settings, and a pool on its database for test setup."""

    url: str
    settings: Settings
    db: DatabaseConfig
    app: web.Application

    async def tenant(self, name: str, **options: Any) -> tuple[Tenant, str]:
        """Create and commit a tenant; return it and its API key."""
        async with self.db.sessionmaker()() as session, session.begin():
            return await create_tenant(session, name, keystore=MasterKeyStore(MASTER_KEY),
                                       **options)


@asynccontextmanager
async def running_service(
    tmp_path: Path, *, sock: socket.socket | None = None,
    ssl_context: ssl.SSLContext | None = None, **changes: Any,
) -> AsyncIterator[Service]:
    """The service on ``sock`` (a new socket on 127.0.0.1 by default); ``changes`` replace
    test settings."""
    sock = sock or bound_socket()
    try:
        async with fresh_database(tmp_path, migrate=False) as db:
            port = sock.getsockname()[1]
            settings = settings_for(tmp_path, port, database_schema=schema_of(db), **changes)
            app = create_app(settings)
            runner = web.AppRunner(app)
            await runner.setup()
            try:
                await web.SockSite(runner, sock, ssl_context=ssl_context).start()
                yield Service(url=settings.base_url, settings=settings, db=db, app=app)
            finally:
                await runner.cleanup()
    finally:
        sock.close()


def bearer(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


def badge(issuer: str, subject: str = LEARNER) -> dict[str, Any]:
    """An unsigned Open Badge (no validFrom: the service fills it)."""
    unsigned = sample_badge(issuer=issuer, subject=subject).to_json()
    unsigned.pop("validFrom", None)
    return unsigned


async def problem_of(response: ClientResponse, status: int, kind: str) -> dict[str, Any]:
    """Assert that ``response`` is the problem ``kind`` with ``status``; return its body."""
    body: dict[str, Any] = await response.json(content_type=None)
    assert (response.status, response.content_type, body.get("type")) == (
        status, PROBLEM, TYPES + kind), body
    return body


async def issue(client: ClientSession, service: Service, api_key: str,
                body: dict[str, Any]) -> dict[str, Any]:
    async with client.post(service.url + "/issuer/credentials/issue", json=body,
                           headers=bearer(api_key)) as response:
        answer: dict[str, Any] = await response.json()
        assert response.status == 201, answer
        return answer


async def verify(client: ClientSession, service: Service,
                 credential: Any) -> tuple[int, dict[str, Any]]:
    async with client.post(service.url + "/verifier/credentials/verify",
                           json={"verifiableCredential": credential}) as response:
        return response.status, await response.json()


def check(report: dict[str, Any], check_id: str) -> tuple[str, str]:
    found = [c for c in report["checks"] if c["id"] == check_id]
    assert len(found) == 1, report["checks"]
    return found[0]["outcome"], found[0]["code"]


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("VCBADGES_")}


def serve_process(cwd: Path, port: int) -> tuple[subprocess.Popen[str], list[str]]:
    """Start ``vcbadges serve`` and read its standard output up to the "serving on" line."""
    process = subprocess.Popen([VCBADGES, "serve", "--port", str(port)], cwd=cwd,
                               env=clean_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "serving on" in line:
                return process, lines
    process.kill()
    raise AssertionError(f"vcbadges serve did not start: {lines} {process.stderr.read()}")


def stop_process(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    return err

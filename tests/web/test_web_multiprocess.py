"""Two ``vcbadges serve`` processes on one PostgreSQL database, as behind a load balancer:
300 concurrent issue calls split between them all succeed, no status index is given twice,
and every credential is stored exactly once. PostgreSQL only (VCBADGES_TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, TCPConnector
from web_support import MASTER_KEY, MASTER_KEY_TEXT, SUSPENDABLE, badge, bearer, free_port

from storage.dbtesting import drop_schema, postgres_url
from vcbadges.issuer import MasterKeyStore, create_tenant, list_credentials
from vcbadges.storage import PostgresConfig

pytestmark = pytest.mark.skipif(postgres_url() is None,
                                reason="needs PostgreSQL: set VCBADGES_TEST_DATABASE_URL")

CALLS = 300
VCBADGES = str(Path(sys.executable).with_name("vcbadges"))


@pytest.fixture
def schema() -> Iterator[str]:
    name = "vcbt_" + secrets.token_hex(6)
    yield name
    asyncio.run(drop_schema(name))


async def _wait_until_up(client: ClientSession, url: str,
                         process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise AssertionError(f"vcbadges serve exited with {process.returncode}")
        try:
            async with client.get(url + "/openapi.json") as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("vcbadges serve did not come up")


async def test_two_processes_issue_concurrently_without_sharing_an_index(tmp_path: Path,
                                                                        schema: str):
    url = postgres_url()
    assert url is not None
    ports = [free_port(), free_port()]
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCBADGES_")}
    env.update(VCBADGES_DATABASE_URL=url, VCBADGES_DATABASE_SCHEMA=schema,
               VCBADGES_MASTER_KEY=MASTER_KEY_TEXT, VCBADGES_DEMO_TENANT="0",
               VCBADGES_DATA_DIR=str(tmp_path / "data"),
               # One public origin for both, as behind a load balancer.
               VCBADGES_PUBLIC_URL=f"http://127.0.0.1:{ports[0]}")
    processes = [subprocess.Popen([VCBADGES, "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for port in ports]
    db = PostgresConfig(url, schema=schema)
    try:
        async with ClientSession(connector=TCPConnector(limit=0)) as client:
            bases = [f"http://127.0.0.1:{port}" for port in ports]
            for base, process in zip(bases, processes, strict=True):
                await _wait_until_up(client, base, process)
            async with db.sessionmaker()() as session, session.begin():
                tenant, api_key = await create_tenant(session, "busy",
                                                      keystore=MasterKeyStore(MASTER_KEY))

            async def one(i: int) -> tuple[int, dict[str, Any]]:
                async with client.post(bases[i % 2] + "/issuer/credentials/issue",
                                       json={"credential": badge(tenant.did),
                                             "options": SUSPENDABLE},
                                       headers=bearer(api_key)) as response:
                    return response.status, await response.json()

            results = await asyncio.gather(*(one(i) for i in range(CALLS)))
        assert [status for status, _ in results] == [201] * CALLS, [
            body for status, body in results if status != 201][:3]
        credentials = [body["verifiableCredential"] for _, body in results]
        ids = [c["id"] for c in credentials]
        entries = [(e["statusListCredential"], e["statusListIndex"])
                   for c in credentials for e in c["credentialStatus"]]
        assert len(set(ids)) == CALLS
        assert len(entries) == 2 * CALLS and len(set(entries)) == 2 * CALLS
        async with db.sessionmaker(write=False)() as session:
            stored = await list_credentials(session, tenant, limit=1000)
        assert sorted(c.id for c in stored) == sorted(ids)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            assert process.wait(30) == 0
        await db.dispose()

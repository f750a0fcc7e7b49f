"""Load limits of the public endpoints: 429 with Retry-After per endpoint and per client,
X-Forwarded-For believed only behind configured proxies, verification that takes too
long refused, and 503 with Retry-After while the database cannot be reached."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession
from web_support import problem_of, running_service

from storage.dbtesting import postgres_url
from vcbadges.web.keys import DB

CHALLENGES = "/verifier/challenges"
VERIFY = "/verifier/credentials/verify"


@contextlib.asynccontextmanager
async def stalled_request(url: str, path: str, *,
                          headers: dict[str, str] | None = None) -> AsyncIterator[None]:
    """A POST whose body never finishes arriving: under way until the block ends."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    writer.write(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                 f"Content-Length: 100\r\n{extra}\r\n{{".encode())
    await writer.drain()
    await asyncio.sleep(0.2)  # The server has read the headers and counts the request.
    try:
        yield
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def settled(client: ClientSession, url: str) -> int:
    """POST a challenge until the limit has been given back (bounded)."""
    for _ in range(50):
        async with client.post(url + CHALLENGES) as response:
            if response.status != 429:
                return response.status
        await asyncio.sleep(0.1)
    return 429


async def test_an_endpoint_at_its_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    async with running_service(tmp_path, endpoint_concurrency=1, client_concurrency=10,
                               retry_after=7) as service, ClientSession() as client:
        async with stalled_request(service.url, VERIFY):
            async with client.post(service.url + VERIFY, json={}) as response:
                body = await problem_of(response, 429, "too-many-requests")
                assert response.headers["Retry-After"] == "7"
                assert "verify" in body["detail"]
            # Another endpoint has its own count.
            async with client.post(service.url + CHALLENGES) as response:
                assert response.status == 200
        assert await settled(client, service.url) == 200


async def test_one_client_is_bounded_across_endpoints(tmp_path: Path) -> None:
    async with running_service(tmp_path, client_concurrency=1) as service, \
            ClientSession() as client:
        async with stalled_request(service.url, VERIFY):
            # A forged X-Forwarded-For changes nothing when no proxy is trusted.
            async with client.post(service.url + CHALLENGES,
                                   headers={"X-Forwarded-For": "203.0.113.9"}) as response:
                await problem_of(response, 429, "too-many-requests")
                assert response.headers["Retry-After"] == "1"
            # Pages that are not limited are served meanwhile.
            async with client.get(service.url + "/openapi.json") as response:
                assert response.status == 200
        assert await settled(client, service.url) == 200


async def test_forwarded_for_names_the_client_behind_a_trusted_proxy(tmp_path: Path) -> None:
    async with running_service(tmp_path, client_concurrency=1, trusted_proxies=1) as service, \
            ClientSession() as client:
        async with stalled_request(service.url, VERIFY,
                                   headers={"X-Forwarded-For": "198.51.100.1"}):
            # Another client behind the same proxy is not held back by the first one...
            async with client.post(service.url + CHALLENGES,
                                   headers={"X-Forwarded-For": "198.51.100.2"}) as response:
                assert response.status == 200
            # ...but the same client is, whatever it writes further left.
            async with client.post(service.url + CHALLENGES, headers={
                    "X-Forwarded-For": "192.0.2.50, 198.51.100.1"}) as response:
                await problem_of(response, 429, "too-many-requests")


async def test_a_verification_past_its_deadline_is_refused(tmp_path: Path) -> None:
    async with running_service(tmp_path, verify_timeout=0.001) as service, \
            ClientSession() as client:
        async with client.post(service.url + VERIFY, json={"verifiableCredential": {
                "@context": ["https://www.w3.org/ns/credentials/v2"]}}) as response:
            body = await problem_of(response, 422, "verification-too-costly")
            assert "0.001" in body["detail"]


class _Proxy:
    """A TCP relay to PostgreSQL that can be cut off and brought back."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.server: asyncio.Server | None = None
        self.port = 0
        self.writers: set[asyncio.StreamWriter] = set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()
        await self.server.wait_closed()


async def _unavailable_then_back(client: ClientSession, url: str) -> None:
    async with client.post(url + CHALLENGES) as response:
        await problem_of(response, 503, "database-unavailable")
        assert response.headers["Retry-After"] == "1"


@pytest.mark.skipif(postgres_url() is None, reason="PostgreSQL only")
async def test_postgres_out_of_reach_is_503_until_it_is_back(tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    real = make_url(postgres_url() or "")
    proxy = _Proxy((real.host or "127.0.0.1", real.port or 5432))
    await proxy.start()
    through = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    try:
        async with running_service(tmp_path, database_url=through) as service, \
                ClientSession() as client:
            async with client.post(service.url + CHALLENGES) as response:
                assert response.status == 200
            await proxy.stop()
            await _unavailable_then_back(client, service.url)
            await proxy.start()
            async with client.post(service.url + CHALLENGES) as response:
                assert response.status == 200
    finally:
        if proxy.server is not None and proxy.server.is_serving():
            await proxy.stop()


@pytest.mark.skipif(postgres_url() is not None, reason="SQLite only")
async def test_sqlite_file_out_of_reach_is_503_until_it_is_back(tmp_path: Path) -> None:
    async with running_service(tmp_path) as service, ClientSession() as client:
        async with client.post(service.url + CHALLENGES) as response:
            assert response.status == 200
        path = tmp_path / "vcbadges.db"
        path.rename(tmp_path / "away.db")
        path.mkdir()  # Where the database was, nothing SQLite can open.
        await service.app[DB].dispose()  # Connections already open would go on reading.
        await _unavailable_then_back(client, service.url)
        shutil.rmtree(path)
        (tmp_path / "away.db").rename(path)
        async with client.post(service.url + CHALLENGES) as response:
            assert response.status == 200

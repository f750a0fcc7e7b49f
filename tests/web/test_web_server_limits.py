"""The HTTP server around the service, over real TCP: requests aiohttp cannot parse (a header
line over the limit, a bad request line, a malformed header) leave none of their bytes in
any log line, neither does the access log of a good request; a client sending its head or
its body a byte at a time is cut off within the configured bound; no response names the
software's versions, ``vcbadges serve`` included."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from web_support import bound_socket, free_port, serve_process, settings_for, stop_process

from storage.dbtesting import fresh_database, schema_of
from vcbadges.web import serving
from vcbadges.web.app import create_app

SECRET = "vcbw_TOPSECRETcookieValue0123456789"
HEAD_TIMEOUT = 1.0


@pytest.fixture
async def port(tmp_path: Path) -> AsyncIterator[int]:
    """The service as ``vcbadges serve`` runs it (with a short head timeout); its port."""
    sock = bound_socket()
    number = int(sock.getsockname()[1])
    async with fresh_database(tmp_path, migrate=False) as db:
        settings = settings_for(tmp_path, number, database_schema=schema_of(db))
        runner = serving.service_runner(create_app(settings), head_timeout=HEAD_TIMEOUT)
        await runner.setup()
        try:
            await web.SockSite(runner, sock).start()
            yield number
        finally:
            await runner.cleanup()
            sock.close()


async def _exchange(port: int, data: bytes) -> bytes:
    """Send ``data`` on a new connection and read until the server closes it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()


def _head(answer: bytes) -> str:
    return answer.partition(b"\r\n\r\n")[0].decode("latin-1") + "\r\n"


def _status(answer: bytes) -> int:
    """The status code (aiohttp answers a request it cannot parse in HTTP/1.0)."""
    version, status, _ = _head(answer).split(" ", 2)
    assert version in ("HTTP/1.0", "HTTP/1.1"), answer[:100]
    return int(status)


_UNPARSABLE = {
    "header line over the limit": (
        f"GET / HTTP/1.1\r\nHost: x\r\nCookie: vcbadges_session={SECRET}{'A' * 9000}\r\n\r\n"),
    "bad request line": f"GET /{SECRET} HTTP/1.1 trailing\r\nHost: x\r\n\r\n",
    "bad method": f"{SECRET}\x01 / HTTP/1.1\r\nHost: x\r\n\r\n",
    "header without a colon": f"GET / HTTP/1.1\r\nHost: x\r\nAuthorization Bearer {SECRET}\r\n\r\n",
    "control character in a header": (
        f"GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {SECRET}\x01\r\n\r\n"),
    "bad header name": f"GET / HTTP/1.1\r\nHost: x\r\nX-K\x7fey: {SECRET}\r\n\r\n",
}


async def test_no_header_value_or_query_in_any_log_line(port: int,
                                                        caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    for what, request in _UNPARSABLE.items():
        answer = await _exchange(port, request.encode("latin-1"))
        assert _status(answer) == 400, (what, answer[:200])
    # A request that parses: its headers, query and (unused) body are not logged either.
    answer = await _exchange(port, (
        f"GET /openapi.json?code={SECRET} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        f"Authorization: Bearer {SECRET}\r\nCookie: vcbadges_session={SECRET}\r\n"
        f"Referer: https://example.com/?{SECRET}\r\nUser-Agent: {SECRET}\r\n\r\n").encode())
    assert _status(answer) == 200

    logged = [record.getMessage() for record in caplog.records] + [caplog.text]
    assert any("GET /openapi.json" in line for line in logged), logged
    assert any("LineTooLong" in line for line in logged), logged
    assert sum("not logged" in line for line in logged) >= len(_UNPARSABLE) - 1, logged
    for line in logged:
        assert SECRET not in line


async def test_a_slow_head_is_cut_off(port: int):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    try:
        while time.monotonic() - started < 10:
            writer.write(b"a")
            await writer.drain()
            with_data = asyncio.ensure_future(reader.read(1024))
            done, _ = await asyncio.wait({with_data}, timeout=0.1)
            if done:
                assert with_data.result() == b""  # Closed without an answer.
                break
            with_data.cancel()
    except ConnectionError:
        pass
    finally:
        writer.close()
    elapsed = time.monotonic() - started
    assert HEAD_TIMEOUT - 0.1 < elapsed < HEAD_TIMEOUT + 1.5


async def test_a_slow_body_gets_408_and_the_connection_closes(
        port: int, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(serving, "BODY_TIMEOUT", 1.0)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    writer.write(b"POST /verifier/credentials/verify HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")

    async def trickle() -> None:
        try:
            while True:
                await asyncio.sleep(0.1)
                writer.write(b" ")
                await writer.drain()
        except ConnectionError:
            pass

    sender = asyncio.ensure_future(trickle())
    try:
        answer = await asyncio.wait_for(reader.read(), 10)
    finally:
        sender.cancel()
        writer.close()
    elapsed = time.monotonic() - started
    assert _status(answer) == 408, answer[:300]
    assert b"request-timeout" in answer
    assert 0.9 < elapsed < 3.0


async def test_no_response_names_the_software_versions(port: int):
    for request in (b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    b"GET /nothing-here HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    b"GARBAGE\r\n\r\n"):
        head = _head(await _exchange(port, request))
        assert "\r\nServer: vcbadges\r\n" in head, head
        assert "Python" not in head and "aiohttp" not in head, head


def test_vcbadges_serve_names_no_versions_and_logs_no_header(tmp_path: Path):
    port = free_port()
    process, _ = serve_process(tmp_path, port)
    try:
        answers = []
        for request in (b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                        _UNPARSABLE["header line over the limit"].encode()):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(request)
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
            answers.append(answer)
    finally:
        logged = stop_process(process)
    assert [_status(answer) for answer in answers] == [200, 400]
    heads = [_head(answer) for answer in answers]
    assert all("\r\nServer: vcbadges\r\n" in head for head in heads), heads
    assert '"GET /" 200' in logged and "LineTooLong" in logged, logged
    assert SECRET not in logged

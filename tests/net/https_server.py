"""A real HTTPS server on loopback for tests that fetch: did:web, status lists, OpenID4VC.

The server listens on 127.0.0.1 (and on ::1 at the same port when the machine has IPv6
loopback) with a certificate from a private ``trustme`` CA for ``localhost``, ``127.0.0.1``,
``::1``, ``rebind.test`` and ``*.vcbadges.test``. Routes can be added while it runs::

    from net import https_server as https
    from net.https_server import HTTPSServer

    https_server = https.https_server      # register the fixtures in the test module
    https_fetcher = https.https_fetcher

    async def test_reads_a_list(https_server: HTTPSServer, https_fetcher: SafeFetcher) -> None:
        https_server.add_json("/lists/1", {"id": "..."}, headers={"Cache-Control": "max-age=60"})
        assert (await https_fetcher.get_json(https_server.url("/lists/1")))["id"] == "..."
        assert https_server.hits("/lists/1") == 1

``https_server.policy(**changes)`` is a ``FetchPolicy`` that trusts the CA and allows
127.0.0.1/32 and ::1/128; ``https_fetcher`` is a ``SafeFetcher`` with that policy. Outside
pytest fixtures, ``async with serve_https() as server:`` does the same. ``connection_log``
records every outgoing connection attempt of the test's event loop and refuses any that is not
to loopback, so a broken address check can never reach another machine.

Every server stops when its test ends: handlers are cancelled when the client goes away and
the hostile handlers below are bounded in time and size.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import json
import socket
import ssl
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiohttp import web

from vcbadges.net.fetcher import FetchPolicy, SafeFetcher

__all__ = [
    "CERT_NAMES",
    "ConnectionLog",
    "HTTPSServer",
    "RecordedRequest",
    "connection_log",
    "endless_body",
    "https_fetcher",
    "https_server",
    "serve_https",
    "slow_body",
    "slow_headers",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CERT_NAMES = ("localhost", "127.0.0.1", "::1", "rebind.test", "*.vcbadges.test")
LOOPBACK_NETWORKS = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128"))


@cache
def _ca() -> tuple[trustme.CA, trustme.LeafCert]:
    """One CA and server certificate per test process (key generation is the slow part)."""
    ca = trustme.CA()
    return ca, ca.issue_cert(*CERT_NAMES)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query_string: str
    headers: Mapping[str, str]


@dataclass
class HTTPSServer:
    """A running server: add routes, read ``requests``, build URLs and fetch policies."""

    ca: trustme.CA
    ca_file: str
    port: int = 0
    ipv6: bool = False
    requests: list[RecordedRequest] = field(default_factory=list)
    sni_names: list[str | None] = field(default_factory=list)
    _routes: dict[str, Handler] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"https://localhost:{self.port}"

    def url(self, path: str = "/", *, host: str = "localhost") -> str:
        """``https://<host>:<port><path>``; IPv6 literals are bracketed."""
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"https://{host}:{self.port}{path}"

    def policy(self, **changes: Any) -> FetchPolicy:
        """A policy that trusts this server's CA and allows loopback, with ``changes`` applied."""
        base = FetchPolicy(allow_networks=LOOPBACK_NETWORKS, ca_file=self.ca_file)
        return dataclasses.replace(base, **changes)

    def add_route(self, path: str, handler: Handler) -> None:
        """Serve ``path`` (exact match on the decoded path, any method) with ``handler``."""
        self._routes[path] = handler

    def add_bytes(
        self,
        path: str,
        body: bytes,
        *,
        status: int = 200,
        content_type: str = "application/octet-stream",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        async def handler(request: web.Request) -> web.StreamResponse:
            return web.Response(body=body, status=status, content_type=content_type,
                                headers=dict(headers or {}))

        self.add_route(path, handler)

    def add_json(
        self,
        path: str,
        obj: Any,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        """Serve ``obj`` as JSON at ``path``; calling again replaces the route."""
        self.add_bytes(path, json.dumps(obj).encode(), status=status,
                       content_type=content_type, headers=headers)

    def add_redirect(self, path: str, location: str, *, status: int = 302) -> None:
        async def handler(request: web.Request) -> web.StreamResponse:
            return web.Response(status=status, headers={"Location": location})

        self.add_route(path, handler)

    def hits(self, path: str) -> int:
        """How many requests arrived for ``path``."""
        return sum(1 for r in self.requests if r.path == path)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(RecordedRequest(
            method=request.method,
            path=request.path,
            query_string=request.query_string,
            headers={k.lower(): v for k, v in request.headers.items()},
        ))
        handler = self._routes.get(request.path)
        if handler is None:
            return web.Response(status=404, text="not found")
        return await handler(request)


def _bind(host: str, port: int) -> socket.socket | None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        return None
    return sock


@asynccontextmanager
async def serve_https() -> AsyncIterator[HTTPSServer]:
    """Start a server on an ephemeral loopback port; stop it (and cancel handlers) on exit."""
    ca, leaf = _ca()
    with tempfile.TemporaryDirectory(prefix="vcbadges-ca-") as tmp:
        ca_file = str(Path(tmp) / "ca.pem")
        ca.cert_pem.write_to_path(ca_file)
        server = HTTPSServer(ca=ca, ca_file=ca_file)

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        leaf.configure_cert(context)

        def record_sni(_obj: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
            server.sni_names.append(name)

        context.sni_callback = record_sni

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", server._dispatch)
        runner = web.AppRunner(app, handle_signals=False, access_log=None,
                               shutdown_timeout=0.2, handler_cancellation=True)
        await runner.setup()
        try:
            v4 = _bind("127.0.0.1", 0)
            assert v4 is not None, "cannot bind 127.0.0.1"
            server.port = v4.getsockname()[1]
            sockets = [v4]
            v6 = _bind("::1", server.port)
            if v6 is not None:
                sockets.append(v6)
                server.ipv6 = True
            for sock in sockets:
                await web.SockSite(runner, sock, ssl_context=context).start()
            yield server
        finally:
            await runner.cleanup()


# Hostile handlers: each one is bounded so that no test can hang on it.

def endless_body(
    *, chunk: int = 64 * 1024, max_bytes: int = 64 * 1024 * 1024, max_seconds: float = 5.0
) -> Handler:
    """A chunked body with no end in sight: it stops only when the client leaves, or after
    ``max_bytes`` or ``max_seconds`` so that a broken client cannot hang the test."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_seconds
        sent = 0
        try:
            while sent < max_bytes and loop.time() < deadline:
                await response.write(b" " * chunk)
                sent += chunk
                # Yield, so that the loop can deliver the client's disconnect: writes into a
                # TLS transport whose peer is gone do not fail until it has been processed.
                await asyncio.sleep(0)
        except ConnectionError:
            pass
        return response

    return handler


def slow_body(*, delay: float, first: bytes = b'{"a": ', rest: bytes = b"1}") -> Handler:
    """Send the headers and ``first``, wait ``delay`` seconds, then send ``rest``."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = len(first) + len(rest)
        await response.prepare(request)
        await response.write(first)
        await asyncio.sleep(delay)
        await response.write(rest)
        return response

    return handler


def slow_headers(*, delay: float) -> Handler:
    """Wait ``delay`` seconds before answering at all."""

    async def handler(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(delay)
        return web.json_response({})

    return handler


@dataclass
class ConnectionLog:
    """The (address, port) of every connection attempt made by the test's event loop."""

    attempts: list[tuple[str, int]] = field(default_factory=list)


@pytest.fixture
async def connection_log(monkeypatch: pytest.MonkeyPatch) -> ConnectionLog:
    """Record connection attempts; refuse (OSError) any that is not to a loopback address."""
    loop = asyncio.get_running_loop()
    log = ConnectionLog()
    original = loop.sock_connect

    async def guarded(sock: socket.socket, address: Any) -> None:
        host, port = str(address[0]), int(address[1])
        log.attempts.append((host, port))
        if not ipaddress.ip_address(host.split("%", 1)[0]).is_loopback:
            raise OSError(f"test guard: refusing a connection to {host}")
        await original(sock, address)

    monkeypatch.setattr(loop, "sock_connect", guarded)
    return log


@pytest.fixture
async def https_server() -> AsyncIterator[HTTPSServer]:
    async with serve_https() as server:
        yield server


@pytest.fixture
async def https_fetcher(https_server: HTTPSServer) -> AsyncIterator[SafeFetcher]:
    async with SafeFetcher(https_server.policy()) as fetcher:
        yield fetcher

"""SafeFetcher.post: the OpenID4VC wallet's POST under the same SSRF policy as GET.

Error statuses come back as responses (the protocols put their ``error`` code in the body),
redirects are never followed, nothing is cached, and the address, scheme, size and time rules
of ``get`` hold unchanged.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import pytest
from aiohttp import web

from net import https_server as https
from net.https_server import ConnectionLog, HTTPSServer, endless_body, slow_headers
from vcbadges.errors import FetchError
from vcbadges.net.fetcher import FetchPolicy, SafeFetcher

https_server = https.https_server
https_fetcher = https.https_fetcher
connection_log = https.connection_log


class Received:
    """What the server saw of the requests to one echo route."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def handler(self, status: int = 200, body: Any = None) -> Any:
        async def handle(request: web.Request) -> web.StreamResponse:
            self.requests.append({"method": request.method,
                                  "content_type": request.headers.get("Content-Type"),
                                  "headers": dict(request.headers),
                                  "body": await request.read()})
            return web.json_response(body if body is not None else {"ok": True}, status=status)
        return handle


async def expect_code(awaitable: Any, code: str) -> FetchError:
    with pytest.raises(FetchError) as info:
        await awaitable
    assert info.value.code == code, info.value.message
    return info.value


async def test_a_form_is_sent_urlencoded(https_server: HTTPSServer, https_fetcher: SafeFetcher):
    seen = Received()
    https_server.add_route("/token", seen.handler(body={"access_token": "t"}))
    response = await https_fetcher.post(https_server.url("/token"), form={
        "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        "pre-authorized_code": "a b&c=d", "tx_code": "1234"})
    assert (response.status, response.json()) == (200, {"access_token": "t"})
    assert response.headers["content-type"].startswith("application/json")
    (request,) = seen.requests
    assert request["method"] == "POST"
    assert request["content_type"] == "application/x-www-form-urlencoded"
    assert request["body"] == (b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3A"
                               b"pre-authorized_code&pre-authorized_code=a+b%26c%3Dd"
                               b"&tx_code=1234")


async def test_json_and_headers_are_sent(https_server: HTTPSServer, https_fetcher: SafeFetcher):
    seen = Received()
    https_server.add_route("/credential", seen.handler())
    body = {"credential_configuration_id": "x", "proofs": {"jwt": ["é"]}}
    await https_fetcher.post(https_server.url("/credential"), json=body,
                             headers={"Authorization": "Bearer abc",
                                      "Content-Type": "text/plain", "Host": "evil.test"})
    (request,) = seen.requests
    assert request["content_type"] == "application/json"
    assert json.loads(request["body"]) == body
    assert request["headers"]["Authorization"] == "Bearer abc"
    # The caller cannot change the framing or the Host the policy checked.
    assert request["headers"]["Host"] == f"localhost:{https_server.port}"


async def test_an_empty_post(https_server: HTTPSServer, https_fetcher: SafeFetcher):
    seen = Received()
    https_server.add_route("/nonce", seen.handler(body={"c_nonce": "n"}))
    response = await https_fetcher.post(https_server.url("/nonce"))
    assert response.json() == {"c_nonce": "n"}
    assert seen.requests[0]["body"] == b""


@pytest.mark.parametrize("status", [400, 401, 403, 404, 500, 503])
async def test_error_statuses_are_returned_not_raised(
    status: int, https_server: HTTPSServer, https_fetcher: SafeFetcher
):
    error = {"error": "invalid_grant", "error_description": "wrong transaction code"}
    https_server.add_route("/token", Received().handler(status=status, body=error))
    response = await https_fetcher.post(https_server.url("/token"), form={"a": "b"})
    assert response.status == status
    assert response.json() == error


async def test_redirects_are_not_followed(https_server: HTTPSServer, https_fetcher: SafeFetcher):
    seen = Received()
    https_server.add_redirect("/response", https_server.url("/elsewhere"), status=307)
    https_server.add_route("/elsewhere", seen.handler())
    response = await https_fetcher.post(https_server.url("/response"), form={"vp_token": "x"})
    assert response.status == 307
    assert response.headers["location"] == https_server.url("/elsewhere")
    assert seen.requests == []


async def test_nothing_is_cached(https_server: HTTPSServer, https_fetcher: SafeFetcher):
    seen = Received()

    async def cacheable(request: web.Request) -> web.StreamResponse:
        await seen.handler()(request)
        return web.json_response({"n": len(seen.requests)},
                                 headers={"Cache-Control": "max-age=600"})

    https_server.add_route("/nonce", cacheable)
    first = await https_fetcher.post(https_server.url("/nonce"))
    second = await https_fetcher.post(https_server.url("/nonce"))
    assert (first.json(), second.json()) == ({"n": 1}, {"n": 2})


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/token",
    "https://[::1]/token",
    "https://169.254.169.254/latest/api/token",
    "https://10.0.0.1/token",
])
async def test_internal_addresses_are_refused_before_connecting(
    url: str, connection_log: ConnectionLog
):
    async with SafeFetcher(FetchPolicy(timeout=1.0)) as fetcher:
        await expect_code(fetcher.post(url, form={"a": "b"}), "fetch_blocked_address")
    assert connection_log.attempts == []


@pytest.mark.parametrize("url", [
    "http://example.com/response", "ftp://example.com/", "https://user:pw@example.com/",
    "/relative",
])
async def test_the_scheme_rules_apply(url: str, connection_log: ConnectionLog):
    async with SafeFetcher(FetchPolicy(timeout=1.0)) as fetcher:
        await expect_code(fetcher.post(url, json={}), "fetch_scheme_not_allowed")
    assert connection_log.attempts == []


async def test_plain_http_only_for_listed_hosts(connection_log: ConnectionLog):
    seen = Received()
    app = web.Application()
    app.router.add_post("/response", seen.handler(body={}))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        allowed = FetchPolicy(allow_http_hosts=frozenset({"127.0.0.1"}),
                              allow_networks=(ipaddress.ip_network("127.0.0.1/32"),))
        async with SafeFetcher(allowed) as fetcher:
            response = await fetcher.post(f"http://127.0.0.1:{port}/response", form={"a": "1"})
            assert response.status == 200
        refused = FetchPolicy(allow_networks=(ipaddress.ip_network("127.0.0.1/32"),))
        async with SafeFetcher(refused) as fetcher:
            await expect_code(fetcher.post(f"http://127.0.0.1:{port}/response", form={}),
                              "fetch_scheme_not_allowed")
    finally:
        await runner.cleanup()
    assert len(seen.requests) == 1


async def test_the_size_limit_applies_to_error_bodies_too(https_server: HTTPSServer):
    https_server.add_route("/token", endless_body(max_seconds=3.0))
    async with SafeFetcher(https_server.policy(max_bytes=1000)) as fetcher:
        await expect_code(fetcher.post(https_server.url("/token"), form={}), "fetch_too_large")


async def test_slow_servers_time_out(https_server: HTTPSServer):
    https_server.add_route("/token", slow_headers(delay=3.0))
    async with SafeFetcher(https_server.policy(timeout=0.3)) as fetcher:
        await expect_code(fetcher.post(https_server.url("/token"), form={}), "fetch_timeout")


async def test_misuse_is_a_programming_error(https_fetcher: SafeFetcher):
    with pytest.raises(ValueError):
        await https_fetcher.post("https://localhost/", form={}, json={})
    with pytest.raises(RuntimeError):
        await SafeFetcher().post("https://example.com/")

"""SafeFetcher against real loopback servers: the SSRF policy, limits, redirects and cache.

Hostile URLs are tried with ``connection_log`` active: it records every connection attempt
and refuses any outside loopback, and the tests assert that refused targets were never even
attempted (the address check runs before any connection).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from email.utils import formatdate
from typing import Any

import pytest
from aiohttp import web

from net import https_server as https
from net.https_server import ConnectionLog, HTTPSServer, endless_body, slow_body, slow_headers
from vcbadges.errors import FetchError
from vcbadges.net.addresses import embedded_ipv4, refusal_reason
from vcbadges.net.fetcher import FetchPolicy, FetchStatusError, SafeFetcher, parse_json

# Fixtures, registered under the names the tests ask for.
https_server = https.https_server
https_fetcher = https.https_fetcher
connection_log = https.connection_log

ONLY_127 = (ipaddress.ip_network("127.0.0.1/32"),)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def expect_code(awaitable: object, code: str) -> FetchError:
    with pytest.raises(FetchError) as info:
        await awaitable  # type: ignore[misc]
    assert info.value.code == code, info.value.message
    return info.value


# --- the address policy --------------------------------------------------------------------

@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.255.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
    "192.0.2.1", "198.18.0.1", "192.0.0.8",
    "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "100::1", "2001:db8::1",
    "2001::1", "3fff::1", "64:ff9b:1::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1",
    "::8.8.8.8", "64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1", "2002:7f00:1::1", "2002:a00:1::",
])
def test_special_purpose_addresses_are_refused(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", [
    "93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700::1111", "2a00:1450:4001::200e",
    "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
])
def test_public_addresses_are_permitted(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) is None


def test_embedded_ipv4_is_found_in_every_form() -> None:
    for form in ("::ffff:127.0.0.1", "::127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::5"):
        assert embedded_ipv4(ipaddress.IPv6Address(form)) == ipaddress.IPv4Address("127.0.0.1")
    assert embedded_ipv4(ipaddress.IPv6Address("::1")) is None
    assert embedded_ipv4(ipaddress.IPv6Address("2606:4700::1111")) is None


def test_the_allow_list_opens_exactly_what_it_names() -> None:
    ip = ipaddress.ip_address
    assert refusal_reason(ip("127.0.0.1"), ONLY_127) is None
    assert refusal_reason(ip("::ffff:127.0.0.1"), ONLY_127) is None  # the same socket peer
    assert refusal_reason(ip("127.0.0.2"), ONLY_127) == "loopback"
    assert refusal_reason(ip("::1"), ONLY_127) == "loopback"
    assert refusal_reason(ip("2002:7f00:1::1"), ONLY_127) is not None  # 6to4 is a relay
    assert refusal_reason(ip("::1"), (ipaddress.ip_network("::1/128"),)) is None


def test_policy_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError):
        FetchPolicy(max_bytes=0)
    with pytest.raises(ValueError):
        FetchPolicy(timeout=0)
    with pytest.raises(ValueError):
        FetchPolicy(max_redirects=-1)
    with pytest.raises(TypeError):
        FetchPolicy(allow_networks=("127.0.0.1/32",))  # type: ignore[arg-type]
    assert FetchPolicy(allow_http_hosts=frozenset({"LocalHost."})).allow_http_hosts == {"localhost"}


async def test_a_fetcher_must_be_opened_first() -> None:
    with pytest.raises(RuntimeError):
        await SafeFetcher().get("https://example.com/")


# --- hostile URLs, refused before any connection --------------------------------------------

@pytest.mark.parametrize("url", [
    "http://example.com/did.json",
    "ftp://example.com/did.json",
    "file:///etc/passwd",
    "data:application/json,{}",
    "//example.com/relative",
    "/just/a/path",
    "https://user:secret@example.com/",
])
async def test_urls_outside_the_scheme_rules_are_refused(
    url: str, connection_log: ConnectionLog
) -> None:
    async with SafeFetcher(FetchPolicy()) as fetcher:
        await expect_code(fetcher.get(url), "fetch_scheme_not_allowed")
    assert connection_log.attempts == []


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/",
    "https://localhost/",
    "https://[::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://10.0.0.1/",
    "https://169.254.169.254/latest/meta-data/",
    "https://100.64.0.1/",
    "https://0.0.0.0/",
    "https://224.0.0.1/",
    "https://[fe80::1]/",
    "https://[64:ff9b::a9fe:a9fe]/",
    "https://2130706433/",
    "https://127.1/",
    "https://0x7f000001/",
])
async def test_internal_addresses_are_refused_before_connecting(
    url: str, connection_log: ConnectionLog
) -> None:
    async with SafeFetcher(FetchPolicy(timeout=1.0)) as fetcher:
        error = await expect_code(fetcher.get(url), "fetch_blocked_address")
    assert connection_log.attempts == []
    assert "refused" in error.message


async def test_plain_http_to_an_allowed_host_still_passes_the_address_check(
    connection_log: ConnectionLog,
) -> None:
    policy = FetchPolicy(allow_http_hosts=frozenset({"localhost"}), timeout=1.0)
    async with SafeFetcher(policy) as fetcher:
        await expect_code(fetcher.get("http://localhost/"), "fetch_blocked_address")
    assert connection_log.attempts == []


async def test_a_name_with_one_internal_address_is_refused(connection_log: ConnectionLog) -> None:
    async def resolve(host: str, port: int) -> Sequence[str]:
        return ["127.0.0.1", "10.0.0.1"]

    policy = FetchPolicy(allow_networks=ONLY_127, timeout=1.0)
    async with SafeFetcher(policy, resolve_host=resolve) as fetcher:
        error = await expect_code(fetcher.get("https://mixed.vcbadges.test/"),
                                  "fetch_blocked_address")
    assert connection_log.attempts == []
    assert "10.0.0.1" not in error.message  # resolved addresses are not disclosed


async def test_dns_failures_have_their_own_code(connection_log: ConnectionLog) -> None:
    async def fails(host: str, port: int) -> Sequence[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    async def empty(host: str, port: int) -> Sequence[str]:
        return []

    for resolve in (fails, empty):
        async with SafeFetcher(FetchPolicy(timeout=1.0), resolve_host=resolve) as fetcher:
            await expect_code(fetcher.get("https://nowhere.vcbadges.test/"), "fetch_dns_failed")
    assert connection_log.attempts == []


# --- DNS rebinding -------------------------------------------------------------------------

async def test_the_connection_goes_to_the_address_that_was_checked(
    https_server: HTTPSServer, connection_log: ConnectionLog
) -> None:
    """A rebinding DNS answers 127.0.0.1 (allowed) first and 10.0.0.1 afterwards.

    The fetch resolves once, connects to the checked 127.0.0.1, and keeps the host name for
    TLS (SNI and certificate) and the Host header. The next fetch resolves again, sees the
    internal address and is refused without connecting.
    """
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])
    asked: list[str] = []

    async def rebinding(host: str, port: int) -> Sequence[str]:
        asked.append(host)
        return next(answers)

    https_server.add_json("/doc", {"ok": True})
    url = https_server.url("/doc", host="rebind.test")
    policy = https_server.policy(allow_networks=ONLY_127)
    async with SafeFetcher(policy, resolve_host=rebinding) as fetcher:
        assert await fetcher.get_json(url) == {"ok": True}
        assert asked == ["rebind.test"]
        assert connection_log.attempts == [("127.0.0.1", https_server.port)]
        assert https_server.sni_names == ["rebind.test"]
        assert https_server.requests[-1].headers["host"] == f"rebind.test:{https_server.port}"

        await expect_code(fetcher.get(url), "fetch_blocked_address")
        assert asked == ["rebind.test", "rebind.test"]
    assert connection_log.attempts == [("127.0.0.1", https_server.port)]
    assert https_server.hits("/doc") == 1


async def test_the_connector_never_resolves_names_itself() -> None:
    from vcbadges.net.fetcher import _PinnedResolver

    with pytest.raises(OSError):
        await _PinnedResolver().resolve("example.com", 443)


# --- redirects -----------------------------------------------------------------------------

@pytest.mark.parametrize("target", [
    "https://127.0.0.2:{port}/doc",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::ffff:10.0.0.1]/",
])
async def test_a_redirect_to_an_internal_address_is_refused(
    target: str, https_server: HTTPSServer, connection_log: ConnectionLog
) -> None:
    https_server.add_redirect("/go", target.format(port=https_server.port))
    async with SafeFetcher(https_server.policy(allow_networks=ONLY_127)) as fetcher:
        await expect_code(fetcher.get(https_server.url("/go", host="127.0.0.1")),
                          "fetch_blocked_address")
    assert {host for host, _ in connection_log.attempts} == {"127.0.0.1"}


async def test_a_redirect_to_plain_http_is_refused(
    https_server: HTTPSServer, https_fetcher: SafeFetcher
) -> None:
    https_server.add_redirect("/go", f"http://localhost:{https_server.port}/doc")
    await expect_code(https_fetcher.get(https_server.url("/go")), "fetch_scheme_not_allowed")


async def test_redirects_are_followed_up_to_the_limit(
    https_server: HTTPSServer, https_fetcher: SafeFetcher
) -> None:
    https_server.add_redirect("/r1", "/r2", status=301)
    https_server.add_redirect("/r2", https_server.url("/r3"), status=307)
    https_server.add_redirect("/r3", "final", status=308)
    https_server.add_json("/final", {"done": 1})
    response = await https_fetcher.get(https_server.url("/r1"))
    assert response.url == https_server.url("/final")
    assert response.json() == {"done": 1}


async def test_a_redirect_loop_ends_with_too_many_redirects(
    https_server: HTTPSServer, https_fetcher: SafeFetcher
) -> None:
    https_server.add_redirect("/loop", "/loop")
    await expect_code(https_fetcher.get(https_server.url("/loop")), "fetch_too_many_redirects")
    assert https_server.hits("/loop") == https_fetcher.policy.max_redirects + 1


# --- size and time -------------------------------------------------------------------------

async def test_an_endless_body_is_cut_off_with_an_error(https_server: HTTPSServer) -> None:
    https_server.add_route("/endless", endless_body())
    async with SafeFetcher(https_server.policy(max_bytes=256 * 1024)) as fetcher:
        await expect_code(fetcher.get(https_server.url("/endless")), "fetch_too_large")


async def test_a_huge_content_length_is_refused_before_reading(https_server: HTTPSServer) -> None:
    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_length = 10**12
        await response.prepare(request)
        await asyncio.sleep(5)  # no body ever comes: reading it would time out instead
        return response

    https_server.add_route("/huge", huge)
    async with SafeFetcher(https_server.policy(timeout=2.0)) as fetcher:
        started = time.monotonic()
        await expect_code(fetcher.get(https_server.url("/huge")), "fetch_too_large")
        assert time.monotonic() - started < 1.0


async def test_the_size_limit_is_exact(https_server: HTTPSServer) -> None:
    https_server.add_bytes("/fits", b"x" * 1000)
    https_server.add_bytes("/over", b"x" * 1001)

    async def chunked_over(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(11):
            await response.write(b"x" * 100)
        return response

    https_server.add_route("/chunked", chunked_over)
    async with SafeFetcher(https_server.policy(max_bytes=1000)) as fetcher:
        assert len((await fetcher.get(https_server.url("/fits"))).body) == 1000
        await expect_code(fetcher.get(https_server.url("/over")), "fetch_too_large")
        await expect_code(fetcher.get(https_server.url("/chunked")), "fetch_too_large")


async def test_a_compressed_body_is_refused(https_server: HTTPSServer,
                                            https_fetcher: SafeFetcher) -> None:
    https_server.add_bytes("/gz", b"\x1f\x8b", headers={"Content-Encoding": "gzip"})
    await expect_code(https_fetcher.get(https_server.url("/gz")), "fetch_failed")


@pytest.mark.parametrize("handler", [slow_body(delay=3.0), slow_headers(delay=3.0)],
                         ids=["slow_body", "slow_headers"])
async def test_slow_servers_time_out(https_server: HTTPSServer, handler: object) -> None:
    https_server.add_route("/slow", handler)  # type: ignore[arg-type]
    async with SafeFetcher(https_server.policy(timeout=0.3)) as fetcher:
        started = time.monotonic()
        await expect_code(fetcher.get(https_server.url("/slow")), "fetch_timeout")
        assert time.monotonic() - started < 1.5


async def test_the_time_limit_covers_the_whole_redirect_chain(https_server: HTTPSServer) -> None:
    async def slow_redirect(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(0.2)
        return web.Response(status=302, headers={"Location": "/again"})

    https_server.add_route("/again", slow_redirect)
    policy = https_server.policy(timeout=0.5, max_redirects=10)
    async with SafeFetcher(policy) as fetcher:
        await expect_code(fetcher.get(https_server.url("/again")), "fetch_timeout")
    assert https_server.hits("/again") <= 3


# --- status, JSON, TLS, plain http ---------------------------------------------------------

@pytest.mark.parametrize("status", [404, 500, 304, 418])
async def test_only_2xx_is_success(
    status: int, https_server: HTTPSServer, https_fetcher: SafeFetcher
) -> None:
    https_server.add_bytes("/status", b"secret-body-text", status=status)
    error = await expect_code(https_fetcher.get(https_server.url("/status")), "fetch_http_status")
    assert isinstance(error, FetchStatusError) and error.status == status
    assert str(status) in error.message and "localhost" in error.message
    assert "secret-body-text" not in error.message


async def test_an_empty_2xx_is_a_success(https_server: HTTPSServer,
                                         https_fetcher: SafeFetcher) -> None:
    https_server.add_bytes("/empty", b"", status=204)
    response = await https_fetcher.get(https_server.url("/empty"))
    assert (response.status, response.body) == (204, b"")


@pytest.mark.parametrize("body", [b"{not json", b'{"a": NaN}', b'{"a": 1, "a": 2}', b"\xff\xfe{",
                                  b"[" * 100_000])
async def test_invalid_json_is_refused(
    body: bytes, https_server: HTTPSServer, https_fetcher: SafeFetcher
) -> None:
    https_server.add_bytes("/bad", body, content_type="application/json")
    error = await expect_code(https_fetcher.get_json(https_server.url("/bad")), "fetch_bad_json")
    assert body[:8].decode("latin-1") not in error.message


def test_parse_json_accepts_plain_json() -> None:
    assert parse_json(b'{"a": [1, 2.5, null, true, "\\u00e9"]}', host="h") == {
        "a": [1, 2.5, None, True, "é"]}


async def test_an_untrusted_certificate_fails(https_server: HTTPSServer) -> None:
    https_server.add_json("/doc", {})
    async with SafeFetcher(https_server.policy(ca_file=None)) as fetcher:
        await expect_code(fetcher.get(https_server.url("/doc")), "fetch_failed")
    assert https_server.hits("/doc") == 0


async def test_a_certificate_for_another_name_fails(https_server: HTTPSServer) -> None:
    async def resolve(host: str, port: int) -> Sequence[str]:
        return ["127.0.0.1"]

    https_server.add_json("/doc", {})
    async with SafeFetcher(https_server.policy(), resolve_host=resolve) as fetcher:
        await expect_code(fetcher.get(https_server.url("/doc", host="other.example")),
                          "fetch_failed")
    assert https_server.hits("/doc") == 0


async def test_a_refused_connection_fails() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with SafeFetcher(FetchPolicy(allow_networks=ONLY_127, timeout=1.0)) as fetcher:
        await expect_code(fetcher.get(f"https://127.0.0.1:{port}/"), "fetch_failed")


@asynccontextmanager
async def plain_http_server(app: web.Application) -> AsyncIterator[int]:
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.2)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        yield int(sockets[0].getsockname()[1])
    finally:
        await runner.cleanup()


async def test_plain_http_works_for_a_listed_host_only() -> None:
    async def doc(request: web.Request) -> web.StreamResponse:
        return web.json_response({"plain": True})

    app = web.Application()
    app.router.add_get("/doc", doc)
    async with plain_http_server(app) as port:
        url = f"http://localhost:{port}/doc"
        listed = FetchPolicy(allow_http_hosts=frozenset({"localhost"}), allow_networks=(
            ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")), timeout=2.0)
        async with SafeFetcher(listed) as fetcher:
            assert await fetcher.get_json(url) == {"plain": True}
        async with SafeFetcher(FetchPolicy(allow_networks=listed.allow_networks)) as fetcher:
            await expect_code(fetcher.get(url), "fetch_scheme_not_allowed")


# --- the cache -----------------------------------------------------------------------------

async def test_max_age_is_honoured(https_server: HTTPSServer) -> None:
    clock = FakeClock()
    https_server.add_json("/doc", {"v": 1}, headers={"Cache-Control": "max-age=60"})
    async with SafeFetcher(https_server.policy(), clock=clock) as fetcher:
        first = await fetcher.get(https_server.url("/doc"))
        clock.now += 59
        assert await fetcher.get(https_server.url("/doc")) is first
        assert https_server.hits("/doc") == 1
        clock.now += 2
        await fetcher.get(https_server.url("/doc"))
        assert https_server.hits("/doc") == 2


@pytest.mark.parametrize("headers", [
    {"Cache-Control": "no-store, max-age=60"},
    {"Cache-Control": "no-cache"},
    {"Cache-Control": "max-age=oops"},
    {},
    {"Cache-Control": "max-age=60", "Age": "60"},
    {"Expires": "not a date"},
])
async def test_responses_without_freshness_are_fetched_again(
    headers: dict[str, str], https_server: HTTPSServer, https_fetcher: SafeFetcher
) -> None:
    https_server.add_json("/doc", {"v": 1}, headers=headers)
    await https_fetcher.get(https_server.url("/doc"))
    await https_fetcher.get(https_server.url("/doc"))
    assert https_server.hits("/doc") == 2


async def test_expires_is_honoured_relative_to_date(https_server: HTTPSServer) -> None:
    clock = FakeClock()
    now = time.time() - 3600  # the server's clock is an hour behind: only the difference counts
    https_server.add_json("/doc", {"v": 1}, headers={
        "Date": formatdate(now, usegmt=True), "Expires": formatdate(now + 30, usegmt=True)})
    async with SafeFetcher(https_server.policy(), clock=clock) as fetcher:
        await fetcher.get(https_server.url("/doc"))
        clock.now += 29
        await fetcher.get(https_server.url("/doc"))
        assert https_server.hits("/doc") == 1
        clock.now += 2
        await fetcher.get(https_server.url("/doc"))
        assert https_server.hits("/doc") == 2


async def test_cache_max_age_caps_a_long_max_age(https_server: HTTPSServer) -> None:
    clock = FakeClock()
    https_server.add_json("/doc", {"v": 1}, headers={"Cache-Control": "max-age=31536000"})
    async with SafeFetcher(https_server.policy(cache_max_age=10), clock=clock) as fetcher:
        await fetcher.get(https_server.url("/doc"))
        clock.now += 9
        await fetcher.get(https_server.url("/doc"))
        assert https_server.hits("/doc") == 1
        clock.now += 2
        await fetcher.get(https_server.url("/doc"))
        assert https_server.hits("/doc") == 2


async def test_cache_max_age_zero_disables_the_cache(https_server: HTTPSServer) -> None:
    https_server.add_json("/doc", {"v": 1}, headers={"Cache-Control": "max-age=60", "ETag": '"a"'})
    async with SafeFetcher(https_server.policy(cache_max_age=0)) as fetcher:
        await fetcher.get(https_server.url("/doc"))
        await fetcher.get(https_server.url("/doc"))
    assert https_server.hits("/doc") == 2
    assert "if-none-match" not in https_server.requests[-1].headers


async def test_etag_revalidation_uses_304(https_server: HTTPSServer,
                                          https_fetcher: SafeFetcher) -> None:
    version: dict[str, Any] = {"etag": '"v1"', "body": b'{"v": 1}'}

    async def doc(request: web.Request) -> web.StreamResponse:
        if request.headers.get("If-None-Match") == version["etag"]:
            return web.Response(status=304, headers={"ETag": version["etag"]})
        return web.Response(body=version["body"], content_type="application/json",
                            headers={"ETag": version["etag"], "Cache-Control": "no-cache"})

    https_server.add_route("/doc", doc)
    url = https_server.url("/doc")
    first = await https_fetcher.get(url)
    second = await https_fetcher.get(url)
    assert second.body == first.body == b'{"v": 1}'
    assert https_server.requests[-1].headers["if-none-match"] == '"v1"'
    version.update(etag='"v2"', body=b'{"v": 2}')
    assert await https_fetcher.get_json(url) == {"v": 2}
    assert await https_fetcher.get_json(url) == {"v": 2}
    assert https_server.hits("/doc") == 4


async def test_a_304_refreshes_the_freshness(https_server: HTTPSServer) -> None:
    clock = FakeClock()

    async def doc(request: web.Request) -> web.StreamResponse:
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers={"Cache-Control": "max-age=60"})
        return web.json_response({"v": 1}, headers={"ETag": '"v1"', "Cache-Control": "max-age=5"})

    https_server.add_route("/doc", doc)
    async with SafeFetcher(https_server.policy(), clock=clock) as fetcher:
        await fetcher.get(https_server.url("/doc"))
        clock.now += 6
        refreshed = await fetcher.get(https_server.url("/doc"))  # revalidated: 304
        assert refreshed.headers["cache-control"] == "max-age=60"
        clock.now += 59
        assert await fetcher.get_json(https_server.url("/doc")) == {"v": 1}
    assert https_server.hits("/doc") == 2


async def test_a_cached_success_is_served_within_max_age_even_if_the_server_now_fails(
    https_server: HTTPSServer, https_fetcher: SafeFetcher
) -> None:
    https_server.add_json("/list", {"v": 1}, headers={"Cache-Control": "max-age=60"})
    await https_fetcher.get(https_server.url("/list"))
    https_server.add_bytes("/list", b"down", status=503)
    assert await https_fetcher.get_json(https_server.url("/list")) == {"v": 1}
    assert https_server.hits("/list") == 1


async def test_failures_are_never_cached(https_server: HTTPSServer,
                                         https_fetcher: SafeFetcher) -> None:
    https_server.add_bytes("/list", b"down", status=503,
                           headers={"Cache-Control": "max-age=600"})
    await expect_code(https_fetcher.get(https_server.url("/list")), "fetch_http_status")
    https_server.add_json("/list", {"v": 1})
    assert await https_fetcher.get_json(https_server.url("/list")) == {"v": 1}
    assert https_server.hits("/list") == 2


@pytest.mark.parametrize("etag", [None, '"v1"'])
async def test_a_stale_entry_never_hides_a_failure(
    etag: str | None, https_server: HTTPSServer
) -> None:
    clock = FakeClock()
    headers = {"Cache-Control": "max-age=10"} | ({"ETag": etag} if etag else {})
    https_server.add_json("/list", {"v": 1}, headers=headers)
    async with SafeFetcher(https_server.policy(), clock=clock) as fetcher:
        await fetcher.get(https_server.url("/list"))
        https_server.add_bytes("/list", b"down", status=500)
        clock.now += 11
        await expect_code(fetcher.get(https_server.url("/list")), "fetch_http_status")
        await expect_code(fetcher.get(https_server.url("/list")), "fetch_http_status")
    assert https_server.hits("/list") == 3

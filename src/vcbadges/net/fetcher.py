"""The one outbound HTTP client of vcbadges, hardened against server-side request forgery.

did:web documents, status lists and OpenID4VC offers and requests are all fetched from URLs
that come from documents we are asked to verify or accept, so every such URL is hostile until
checked. :class:`SafeFetcher` enforces one :class:`FetchPolicy`:

- **Scheme.** ``https`` only; plain ``http`` only for host names listed in
  ``allow_http_hosts`` (local development). No credentials in URLs.
- **Addresses.** The host name is resolved once; every address it resolves to must pass
  :func:`vcbadges.net.addresses.refusal_reason` (no loopback, private, link-local,
  multicast, reserved, CGNAT, or IPv6 forms embedding those) unless listed in
  ``allow_networks``. The connection then goes to exactly those checked addresses: a custom
  aiohttp resolver hands the connector the pinned addresses and never asks DNS again, so a
  second, different DNS answer (DNS rebinding) is never used. TLS still verifies the
  certificate against the host name, and the ``Host`` header keeps it.
- **Redirects** are followed by hand, at most ``max_redirects``, and every target is checked
  again from the start (scheme, resolution, addresses).
- **Size and time.** Bodies are read in chunks up to ``max_bytes`` (a larger
  ``Content-Length`` is refused before reading; a longer body is an error, never silently
  truncated); the whole fetch, redirects included, must finish within ``timeout`` seconds.
- **Status.** Only 2xx is a success of ``get``. ``post`` (for the OpenID4VC wallet, whose
  endpoints answer errors in the body) returns every response, follows no redirect and
  caches nothing; the other rules apply to it unchanged.
- **Cache.** Successful responses are kept in memory as their cache headers allow, for at most
  ``cache_max_age`` seconds (see :mod:`vcbadges.net.cache`). Failures are never cached, and a
  stale entry is never served without a ``304`` from the server.

Every failure is a :class:`vcbadges.errors.FetchError` whose ``code`` says what happened::

    fetch_scheme_not_allowed  not absolute https (http only for listed hosts), or has user:password@
    fetch_blocked_address     the host is, or resolves to, an address the policy refuses
    fetch_dns_failed          the host name did not resolve
    fetch_too_many_redirects  more than max_redirects redirects
    fetch_too_large           the body is larger than max_bytes
    fetch_timeout             no complete response within timeout seconds
    fetch_http_status         a status other than 2xx (FetchStatusError, with .status)
    fetch_bad_json            get_json: the body is not strict JSON
    fetch_failed              connection refused or reset, TLS failure, malformed response

Messages name the host, never the response body, and never the addresses a name resolved to
(which would let a document probe internal DNS through verification reports).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import MappingProxyType, TracebackType
from typing import Any, Protocol
from urllib.parse import urlencode

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from vcbadges.errors import FetchError, JSONInputError
from vcbadges.net.addresses import IPAddress, IPNetwork, refusal_reason
from vcbadges.net.cache import HTTPCache
from vcbadges.primitives.jsonlimits import loads_strict

__all__ = [
    "FetchPolicy",
    "FetchResponse",
    "FetchStatusError",
    "HostResolver",
    "JSONFetcher",
    "MAX_JSON_DEPTH",
    "SafeFetcher",
    "parse_json",
]

HostResolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""Resolve ``(host, port)`` to IP address strings; injectable so tests can fake DNS."""

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
# Headers of a 304 that describe the (absent) body rather than the cached one.
_NOT_FROM_304 = frozenset(
    {"content-length", "content-encoding", "content-type", "content-range", "transfer-encoding"}
)
_USER_AGENT = "vcbadges"
# Nesting accepted in fetched JSON: DID documents, status lists and OB 2.0 documents are
# shallow, and this is the depth verify() accepts for the documents it is handed.
MAX_JSON_DEPTH = 64
# ``post`` has a parameter named ``json``; the serializer keeps another name.
_dumps = json.dumps
# Request headers a caller of ``post`` cannot set: the fetcher owns the framing.
_POST_FIXED_HEADERS = frozenset(
    {"content-type", "content-length", "host", "transfer-encoding", "accept-encoding"}
)


@dataclass(frozen=True)
class FetchPolicy:
    """What the fetcher may read, from where, and how much.

    ``allow_http_hosts`` lists host names that may be read over plain http;
    ``allow_networks`` lists address ranges that are otherwise refused but allowed here
    (e.g. ``ip_network("127.0.0.1/32")`` for local development and tests); ``ca_file``
    replaces the system trust store with one CA bundle (a private CA in tests).
    """

    allow_http_hosts: frozenset[str] = frozenset()
    allow_networks: tuple[IPNetwork, ...] = ()
    max_bytes: int = 1024 * 1024
    timeout: float = 5.0
    max_redirects: int = 3
    cache_max_age: float = 300.0
    ca_file: str | None = None

    def __post_init__(self) -> None:
        if self.max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        if self.timeout <= 0:
            raise ValueError("timeout must be positive")
        if self.max_redirects < 0:
            raise ValueError("max_redirects must not be negative")
        if self.cache_max_age < 0:
            raise ValueError("cache_max_age must not be negative")
        for network in self.allow_networks:
            if not isinstance(network, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
                raise TypeError("allow_networks holds ipaddress networks, "
                                "e.g. ip_network('127.0.0.1/32')")
        # Host names are compared in the form the URL parser produces: lower case, no final dot.
        object.__setattr__(
            self, "allow_http_hosts", frozenset(_normal_host(h) for h in self.allow_http_hosts)
        )
        object.__setattr__(self, "allow_networks", tuple(self.allow_networks))


@dataclass(frozen=True)
class FetchResponse:
    """A response: always 2xx from ``get``, any status from ``post``. ``url`` is the final
    URL after redirects; header names are lower case (repeated headers joined with ``", "``)."""

    url: str
    status: int
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)

    def json(self) -> Any:
        """Parse the body as strict JSON; raises ``FetchError`` (``fetch_bad_json``)."""
        return parse_json(self.body, host=URL(self.url).raw_host or "")


class FetchStatusError(FetchError):
    """The server answered with a status other than 2xx (``fetch_http_status``).

    ``status`` lets callers tell "not found" (404, 410) from "could not decide" (5xx, ...).
    """

    code = "fetch_http_status"

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


def parse_json(body: bytes, *, host: str) -> Any:
    """Parse ``body`` with :func:`~vcbadges.primitives.jsonlimits.loads_strict`: strict UTF-8
    JSON, no NaN/Infinity, no duplicate member names, at most :data:`MAX_JSON_DEPTH` levels.

    Raises ``FetchError`` (``fetch_bad_json``) with the reason, never the body.
    """
    try:
        # The policy's max_bytes has bounded the body already: its length is the cap here.
        return loads_strict(body, max_bytes=len(body), max_depth=MAX_JSON_DEPTH)
    except JSONInputError as exc:
        raise FetchError(f"{host}: the response is not valid JSON ({exc.code})",
                         code="fetch_bad_json") from exc


def _normal_host(host: str) -> str:
    return host.rstrip(".").lower()


# The addresses checked for the fetch running in the current task, by host name. The
# connector asks the resolver below for a host; the resolver answers only from here, so the
# connection can only go to an address that passed the policy.
_PINNED: ContextVar[Mapping[str, tuple[IPAddress, ...]]] = ContextVar("vcbadges_pinned_addresses")


class _PinnedResolver(AbstractResolver):
    """An aiohttp resolver that never performs DNS: it returns the pre-checked addresses."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = _PINNED.get({}).get(_normal_host(host), ())
        results: list[ResolveResult] = []
        for address in addresses:
            addr_family = socket.AF_INET if address.version == 4 else socket.AF_INET6
            if family not in (socket.AF_UNSPEC, addr_family):
                continue
            results.append(
                ResolveResult(
                    hostname=host,
                    host=str(address),
                    port=port,
                    family=addr_family,
                    proto=socket.IPPROTO_TCP,
                    flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
                )
            )
        if not results:
            # Never reached through SafeFetcher.get; fail closed if aiohttp ever asks for a
            # host that was not checked.
            raise OSError(f"{host} was not checked by the fetch policy")
        return results

    async def close(self) -> None:
        return None


async def _system_resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    found: list[str] = []
    for family, _, _, _, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6) and str(sockaddr[0]) not in found:
            found.append(str(sockaddr[0]))
    return found


class JSONFetcher(Protocol):
    """What readers of remote JSON need: ``SafeFetcher`` in production, a fake in unit tests."""

    async def get_json(self, url: str, *, accept: str = "application/json") -> Any: ...


class SafeFetcher:
    """Policy-bound HTTP GET (with a response cache) and POST; use as
    ``async with SafeFetcher(policy)``.

    One instance owns one aiohttp ``ClientSession`` (no cookies, no proxies from the
    environment, no automatic redirects or decompression). ``resolve_host`` replaces the
    system resolver and ``clock`` the monotonic clock of the cache, for tests.
    """

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        resolve_host: HostResolver | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._policy = policy or FetchPolicy()
        self._resolve_host: HostResolver = resolve_host or _system_resolve
        self._cache: HTTPCache[FetchResponse] = HTTPCache(
            max_age=self._policy.cache_max_age, clock=clock
        )
        self._session: aiohttp.ClientSession | None = None

    @property
    def policy(self) -> FetchPolicy:
        return self._policy

    async def __aenter__(self) -> SafeFetcher:
        if self._session is not None:
            raise RuntimeError("SafeFetcher is already open")
        if self._policy.ca_file is not None:
            context = ssl.create_default_context(cafile=self._policy.ca_file)
        else:
            context = ssl.create_default_context()
        connector = aiohttp.TCPConnector(
            resolver=_PinnedResolver(), use_dns_cache=False, ssl=context
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=self._policy.timeout),
            trust_env=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            headers={"User-Agent": _USER_AGENT},
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session; the fetcher cannot be used afterwards."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def clear_cache(self) -> None:
        self._cache.clear()

    async def get_json(self, url: str, *, accept: str = "application/json") -> Any:
        """GET ``url`` and parse it as strict JSON (see :func:`parse_json`)."""
        response = await self.get(url, accept=accept)
        return response.json()

    async def get(self, url: str, *, accept: str = "application/json") -> FetchResponse:
        """GET ``url`` under the policy and return the 2xx response, from the cache when fresh.

        Raises ``FetchError`` with one of the codes listed in the module docstring.
        """
        session = self._session
        if session is None:
            raise RuntimeError("use SafeFetcher as an async context manager")
        start = self._check_url(url)
        key = (str(start), accept)
        cached = self._cache.lookup(key)
        if cached is not None and self._cache.is_fresh(cached):
            return cached.value
        try:
            async with asyncio.timeout(self._policy.timeout):
                return await self._fetch(session, start, accept, key)
        except TimeoutError as exc:
            raise FetchError(
                f"{start.raw_host}: no complete response within {self._policy.timeout:g} s",
                code="fetch_timeout",
            ) from exc

    async def post(
        self,
        url: str,
        *,
        form: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> FetchResponse:
        """POST to ``url``: :meth:`send` with method ``POST``."""
        return await self.send("POST", url, form=form, json=json, headers=headers)

    async def send(
        self,
        method: str,
        url: str,
        *,
        form: Mapping[str, str] | None = None,
        json: Any = None,
        text: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> FetchResponse:
        """Send a ``method`` request to ``url`` under the same policy as :meth:`get`; return
        the response whatever its status. For requests :meth:`get` cannot make: another
        method, a body, or headers such as ``Authorization`` (whose answers must not be
        cached).

        The body is ``form`` (``application/x-www-form-urlencoded``), ``json`` (serialized
        here, ``application/json``), ``text`` (``text/plain``, UTF-8) or nothing; ``headers``
        are added (they cannot replace
        ``Content-Type``, ``Content-Length`` or ``Host``). Unlike :meth:`get`, a 4xx or 5xx
        answer is returned, not raised, because OpenID4VC endpoints put the protocol's
        ``error`` code in the body of their error responses. Redirects are never followed
        (a 3xx is returned as it is: a wallet must not resend credentials or proofs to
        another URL), and nothing is cached. The scheme, address, size and time rules of
        the policy apply as for ``get``; their failures raise ``FetchError`` with the same
        codes.
        """
        session = self._session
        if session is None:
            raise RuntimeError("use SafeFetcher as an async context manager")
        if sum(body is not None for body in (form, json, text)) > 1:
            raise ValueError("send one body at most: a form, JSON or text")
        target = self._check_url(url)
        data: bytes = b""
        content_type: str | None = None
        if form is not None:
            data = urlencode(list(form.items())).encode("ascii")
            content_type = "application/x-www-form-urlencoded"
        elif json is not None:
            data = _dumps(json, separators=(",", ":"), ensure_ascii=False,
                               allow_nan=False).encode("utf-8")
            content_type = "application/json"
        elif text is not None:
            data = text.encode("utf-8")
            content_type = "text/plain"
        sent = {k: v for k, v in (headers or {}).items()
                if k.lower() not in _POST_FIXED_HEADERS}
        sent.setdefault("Accept", "application/json")
        sent["Accept-Encoding"] = "identity"
        if content_type is not None:
            sent["Content-Type"] = content_type
        try:
            async with asyncio.timeout(self._policy.timeout):
                return await self._send(session, method, target, sent, data)
        except TimeoutError as exc:
            raise FetchError(
                f"{target.raw_host}: no complete response within {self._policy.timeout:g} s",
                code="fetch_timeout",
            ) from exc

    async def _send(
        self, session: aiohttp.ClientSession, method: str, target: URL,
        headers: dict[str, str], data: bytes,
    ) -> FetchResponse:
        host = target.raw_host or ""
        addresses = await self._checked_addresses(target)
        token = _PINNED.set({_normal_host(host): addresses})
        try:
            async with session.request(method, target, data=data, headers=headers,
                                       allow_redirects=False) as resp:
                try:
                    body = await self._read_body(resp, host)
                except BaseException:
                    _abandon(resp)
                    raise
                return FetchResponse(url=str(target), status=resp.status,
                                     headers=MappingProxyType(_header_dict(resp.headers)),
                                     body=body)
        except FetchError:
            raise
        except TimeoutError as exc:
            raise FetchError(f"{host}: timed out", code="fetch_timeout") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise FetchError(f"{host}: request failed ({type(exc).__name__})",
                             code="fetch_failed") from exc
        finally:
            _PINNED.reset(token)

    def _check_url(self, url: str | URL) -> URL:
        """Parse ``url`` and apply the scheme rules; the fragment is dropped."""
        try:
            parsed = url if isinstance(url, URL) else URL(url)
            host = parsed.raw_host
        except (ValueError, TypeError, UnicodeError) as exc:
            raise FetchError("not a valid URL", code="fetch_scheme_not_allowed") from exc
        if not parsed.is_absolute() or not host:
            raise FetchError("not an absolute URL with a host", code="fetch_scheme_not_allowed")
        if parsed.user is not None or parsed.password is not None:
            raise FetchError(f"{host}: URLs with credentials are refused",
                             code="fetch_scheme_not_allowed")
        scheme = parsed.scheme.lower()
        if scheme == "http":
            if _normal_host(host) not in self._policy.allow_http_hosts:
                raise FetchError(f"{host}: plain http is not allowed for this host",
                                 code="fetch_scheme_not_allowed")
        elif scheme != "https":
            raise FetchError(f"{host}: scheme {scheme!r} is not allowed",
                             code="fetch_scheme_not_allowed")
        return parsed.with_fragment(None)

    async def _checked_addresses(self, url: URL) -> tuple[IPAddress, ...]:
        """Resolve the URL's host once and check every address against the policy."""
        host = _normal_host(url.raw_host or "")
        allow = self._policy.allow_networks
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            reason = refusal_reason(literal, allow)
            if reason is not None:
                raise FetchError(f"{host} is a {reason} address, refused by the fetch policy",
                                 code="fetch_blocked_address")
            return (literal,)
        try:
            found = await self._resolve_host(host, url.port or 443)
            addresses = tuple(ipaddress.ip_address(a) for a in found)
        except (OSError, UnicodeError, ValueError) as exc:
            raise FetchError(f"{host} could not be resolved", code="fetch_dns_failed") from exc
        if not addresses:
            raise FetchError(f"{host} could not be resolved", code="fetch_dns_failed")
        # One refused address refuses the host: a name that points inside the network is
        # hostile even if it also points outside.
        if any(refusal_reason(address, allow) is not None for address in addresses):
            raise FetchError(f"{host} resolves to an address refused by the fetch policy",
                             code="fetch_blocked_address")
        return addresses

    async def _fetch(
        self, session: aiohttp.ClientSession, start: URL, accept: str, key: tuple[str, str]
    ) -> FetchResponse:
        current = start
        for hop in range(self._policy.max_redirects + 1):
            host = current.raw_host or ""
            addresses = await self._checked_addresses(current)
            cached = self._cache.lookup(key)
            etag = cached.etag if cached is not None and cached.value.url == str(current) else None
            headers = {"Accept": accept, "Accept-Encoding": "identity"}
            if etag is not None:
                headers["If-None-Match"] = etag
            token = _PINNED.set({_normal_host(host): addresses})
            try:
                async with session.get(current, headers=headers, allow_redirects=False) as resp:
                    try:
                        location = resp.headers.get("Location")
                        if resp.status in _REDIRECTS and location is not None:
                            if hop == self._policy.max_redirects:
                                raise FetchError(
                                    f"{start.raw_host}: more than "
                                    f"{self._policy.max_redirects} redirects",
                                    code="fetch_too_many_redirects",
                                )
                            current = self._check_url(self._redirect_target(current, location))
                            _abandon(resp)
                            continue
                        if resp.status == 304 and etag is not None and cached is not None:
                            return self._revalidated(key, cached.value, resp)
                        if not 200 <= resp.status < 300:
                            raise FetchStatusError(f"{host}: HTTP status {resp.status}",
                                                   status=resp.status)
                        body = await self._read_body(resp, host)
                        response = FetchResponse(
                            url=str(current),
                            status=resp.status,
                            headers=MappingProxyType(_header_dict(resp.headers)),
                            body=body,
                        )
                    except BaseException:
                        _abandon(resp)
                        raise
            except FetchError:
                raise
            except TimeoutError as exc:
                raise FetchError(f"{host}: timed out", code="fetch_timeout") from exc
            except (aiohttp.ClientError, OSError) as exc:
                raise FetchError(f"{host}: request failed ({type(exc).__name__})",
                                 code="fetch_failed") from exc
            finally:
                _PINNED.reset(token)
            if response.status == 200:
                self._cache.store(key, response, headers=response.headers,
                                  size=len(response.body), now=time.time())
            else:
                self._cache.discard(key)
            return response
        raise AssertionError("unreachable: the redirect loop always returns or raises")

    @staticmethod
    def _redirect_target(current: URL, location: str) -> URL:
        try:
            return current.join(URL(location))
        except (ValueError, TypeError, UnicodeError) as exc:
            raise FetchError(f"{current.raw_host}: malformed redirect location",
                             code="fetch_failed") from exc

    def _revalidated(
        self, key: tuple[str, str], stored: FetchResponse, resp: aiohttp.ClientResponse
    ) -> FetchResponse:
        """Refresh a stored response from a 304: its headers update the stored ones."""
        headers = {k: v for k, v in stored.headers.items() if k != "age"}
        for name, value in _header_dict(resp.headers).items():
            if name not in _NOT_FROM_304:
                headers[name] = value
        refreshed = FetchResponse(url=stored.url, status=stored.status,
                                  headers=MappingProxyType(headers), body=stored.body)
        self._cache.store(key, refreshed, headers=refreshed.headers,
                          size=len(refreshed.body), now=time.time())
        return refreshed

    async def _read_body(self, resp: aiohttp.ClientResponse, host: str) -> bytes:
        """Read at most ``max_bytes``; more is an error, never a silently truncated body."""
        limit = self._policy.max_bytes
        encoding = resp.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            # We asked for identity; decoding here would let a small compressed body expand
            # past the size limit before it could be counted.
            raise FetchError(f"{host}: content-encoding {encoding!r} was not requested",
                             code="fetch_failed")
        length = resp.content_length
        if length is not None and length > limit:
            raise FetchError(f"{host}: response of {length} bytes exceeds the {limit}-byte limit",
                             code="fetch_too_large")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = await resp.content.read(_CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise FetchError(f"{host}: response exceeds the {limit}-byte limit",
                                 code="fetch_too_large")
            chunks.append(chunk)
        return b"".join(chunks)


def _abandon(resp: aiohttp.ClientResponse) -> None:
    """Drop the connection of a response whose body we will not read to the end.

    A plain close would start a graceful TLS shutdown, which a hostile server can keep
    waiting by streaming data; aborting the transport frees the connection at once.
    """
    if resp.content.at_eof():
        return
    connection = resp.connection
    transport = connection.transport if connection is not None else None
    if transport is not None:
        transport.abort()


def _header_dict(headers: Mapping[str, str]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, value in headers.items():
        lower = name.lower()
        merged[lower] = f"{merged[lower]}, {value}" if lower in merged else value
    return merged

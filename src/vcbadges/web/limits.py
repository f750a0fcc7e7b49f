"""Bounding the work the public endpoints take on at once: ``429`` with ``Retry-After``.

Anyone may call the verifier, ask for challenges, try to sign in to a wallet, upload a
picture to decode or post an OpenID4VP response, and each of these costs the service real
work (proof checks, Argon2id, image decoding). :func:`concurrency_limits` counts the
requests under way, per endpoint (:data:`ENDPOINTS`) and per client across all of them;
a request beyond ``Settings.endpoint_concurrency`` for its endpoint, or beyond
``Settings.client_concurrency`` for its client, is answered at once with ``429
too-many-requests`` and ``Retry-After``, before its body is read. Nothing waits in a queue.

A client is its remote address. Behind reverse proxies, set ``Settings.trusted_proxies``
to how many there are: the client is then the address that many entries from the right
of ``X-Forwarded-For`` (the entries further left are whatever the client sent, so they are
never believed). By default the header is ignored: anybody could write it.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Middleware

from vcbadges.web.keys import SETTINGS
from vcbadges.web.oid4vp import OID4VP_PREFIX
from vcbadges.web.problems import ProblemError

__all__ = ["ENDPOINTS", "client_address", "concurrency_limits"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: The limited endpoints: (method, path) to the name of the endpoint they count under.
ENDPOINTS: Final[dict[tuple[str, str], str]] = {
    ("POST", "/verifier/credentials/verify"): "verify",
    ("POST", "/verifier/presentations/verify"): "verify",
    ("POST", "/verifier/challenges"): "challenges",
    ("POST", f"/verifier{OID4VP_PREFIX}/response"): "openid4vp-response",
    ("POST", "/wallet/api/session"): "wallet-sign-in",
    ("POST", "/wallet/api/accounts"): "wallet-sign-in",
    ("POST", "/wallet/api/restore"): "wallet-sign-in",
    ("POST", "/wallet/api/decode-qr"): "wallet-decode-qr",
    ("POST", "/wallet/api/import"): "wallet-import",
}


def client_address(request: web.Request, trusted_proxies: int) -> str:
    """The address the request comes from, believing ``trusted_proxies`` proxies."""
    remote = request.remote or "unknown"
    if trusted_proxies <= 0:
        return remote
    hops = [part.strip() for value in request.headers.getall("X-Forwarded-For", [])
            for part in value.split(",")]
    if len(hops) < trusted_proxies:
        return remote
    candidate = hops[-trusted_proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def _too_many(detail: str, retry_after: int) -> ProblemError:
    return ProblemError(429, "too-many-requests", "Too many requests", detail,
                        headers={"Retry-After": str(retry_after)})


def concurrency_limits() -> Middleware:
    """The middleware; its counters belong to the application it is installed on."""
    endpoints: Counter[str] = Counter()
    clients: Counter[str] = Counter()

    @web.middleware
    async def limit(request: web.Request, handler: Handler) -> web.StreamResponse:
        endpoint = ENDPOINTS.get((request.method, request.path))
        if endpoint is None:
            return await handler(request)
        settings = request.config_dict[SETTINGS]
        client = client_address(request, settings.trusted_proxies)
        if endpoints[endpoint] >= settings.endpoint_concurrency:
            raise _too_many(f"the {endpoint} endpoint is busy; try again shortly",
                            settings.retry_after)
        if clients[client] >= settings.client_concurrency:
            raise _too_many("too many of your requests are under way; wait for them",
                            settings.retry_after)
        endpoints[endpoint] += 1
        clients[client] += 1
        try:
            return await handler(request)
        finally:
            endpoints[endpoint] -= 1
            clients[client] -= 1
            if not clients[client]:
                del clients[client]

    return limit

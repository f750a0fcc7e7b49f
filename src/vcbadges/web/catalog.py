"""``GET /verifier/catalog`` (public): this service's issuers and achievements, by name.

``{"achievements": [{"id", "name", "issuer": {"id", "name"}}], "issuers": [{"id",
"name"}]}`` (see :mod:`vcbadges.issuer.catalog`): the employer page lets a person choose a
badge or an issuer by name, and sends the chosen ``id`` as ``achievement`` or ``issuer`` to
``POST /verifier/requests``, which takes exactly these ids.

The page asks for it on every visit and anyone may ask, so each process answers from one
copy for :data:`CATALOG_MAX_AGE` seconds (one query at most per period, however many ask at
once), and browsers and proxies may keep it as long: a new tenant or template shows within
that time.
"""

from __future__ import annotations

import asyncio
import json
import time

from aiohttp import web

from vcbadges.issuer.catalog import service_catalog
from vcbadges.web.auth import reading

__all__ = ["CATALOG_MAX_AGE", "add_catalog_route"]

CATALOG_MAX_AGE = 30


class _CatalogCache:
    """The catalog's JSON body, made at most once per :data:`CATALOG_MAX_AGE` seconds."""

    def __init__(self) -> None:
        self._body: bytes | None = None
        self._until = 0.0
        self._lock = asyncio.Lock()

    async def body(self, request: web.Request) -> bytes:
        async with self._lock:
            if self._body is None or time.monotonic() >= self._until:
                async with reading(request) as session:
                    catalog = await service_catalog(session)
                self._body = json.dumps(catalog.to_json(), ensure_ascii=False).encode("utf-8")
                self._until = time.monotonic() + CATALOG_MAX_AGE
            return self._body


_CACHE = web.AppKey("catalog_cache", _CatalogCache)


async def catalog(request: web.Request) -> web.Response:
    body = await request.app[_CACHE].body(request)
    return web.Response(body=body, content_type="application/json",
                        headers={"Cache-Control": f"public, max-age={CATALOG_MAX_AGE}"})


def add_catalog_route(app: web.Application) -> None:
    """``GET /catalog`` on the ``/verifier`` sub-application, with its cache."""
    app[_CACHE] = _CatalogCache()
    app.router.add_get("/catalog", catalog)

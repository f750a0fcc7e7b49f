"""Reading request bodies: size, media type, JSON syntax and depth, before any handler logic."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from vcbadges.errors import JSONInputError
from vcbadges.primitives.jsonlimits import loads_strict
from vcbadges.web.problems import ProblemError

__all__ = ["read_json", "read_object"]

# Bodies from this size on are parsed in a worker thread.
_OFF_LOOP_BYTES = 256 * 1024


async def read_json(request: web.Request, *, max_depth: int = 64) -> Any:
    """Parse the JSON body; answer 415/400/413 problems for anything else.

    The size limit is the application's ``client_max_size``, enforced by aiohttp while reading.
    """
    media = request.content_type
    if media != "application/json" and not media.endswith("+json"):
        raise ProblemError(415, "unsupported-media-type", "Expected a JSON body",
                           f"Content-Type was {media or 'missing'}")
    raw = await request.read()
    if len(raw) < _OFF_LOOP_BYTES:
        return _parse(raw, max_depth)
    # A large body (a bulk upload) takes tens of milliseconds or more to parse and walk:
    # not on the event loop, where every other request would wait for it.
    return await asyncio.to_thread(_parse, raw, max_depth)


def _parse(raw: bytes, max_depth: int) -> Any:
    try:
        # aiohttp has applied the size limit while reading, so the body's length is the cap.
        return loads_strict(raw, max_bytes=len(raw), max_depth=max_depth)
    except JSONInputError as exc:
        if exc.code == "document_too_deep":
            raise ProblemError(400, "json-too-deep", "The JSON nests too deeply",
                               f"at most {max_depth} levels are accepted") from exc
        raise ProblemError(400, "malformed-json", "The body is not valid JSON",
                           exc.message) from exc


async def read_object(request: web.Request, *, max_depth: int = 64) -> dict[str, Any]:
    """Like :func:`read_json`, and the body must be a JSON object."""
    value = await read_json(request, max_depth=max_depth)
    if not isinstance(value, dict):
        raise ProblemError(400, "not-an-object", "The body must be a JSON object")
    return value

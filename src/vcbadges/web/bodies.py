"""Reading request bodies: size, media type, JSON syntax and depth, and text that is Unicode,
before any handler logic; and the typed getters handlers read members with.

JSON may escape a lone surrogate (``"\\ud800"``), which no UTF-8 encoder, hash, key
derivation or database (SQLite, PostgreSQL) accepts: left in, it surfaces deep inside a
handler as a ``UnicodeEncodeError``, a 500. Object bodies are refused here instead, as
I-JSON (RFC 7493 §2.1) requires, so that no handler ever sees a member it cannot encode.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Collection, Iterator
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDictProxy

from vcbadges.errors import JSONInputError, ProtocolError
from vcbadges.primitives.jsonlimits import loads_strict
from vcbadges.web.problems import ProblemError

__all__ = ["read_json", "read_object", "read_form", "refuse_lone_surrogates", "one_of"]

# Bodies from this size on are parsed in a worker thread.
_OFF_LOOP_BYTES = 256 * 1024
# An escape of a high or low surrogate: only a body holding one can hold a lone surrogate,
# so only such a body is walked (a pair is one character once parsed, and passes).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


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
        value = loads_strict(raw, max_bytes=len(raw), max_depth=max_depth)
    except JSONInputError as exc:
        if exc.code == "document_too_deep":
            raise ProblemError(400, "json-too-deep", "The JSON nests too deeply",
                               f"at most {max_depth} levels are accepted") from exc
        raise ProblemError(400, "malformed-json", "The body is not valid JSON",
                           exc.message) from exc
    return value


async def read_form(
    request: web.Request,
) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    """The form body of an OpenID4VC protocol endpoint; an OAuth 2.0 ``invalid_request``
    error, in that shape, when it cannot be read (aiohttp decodes the whole body as UTF-8
    first, and raises on a byte that is not)."""
    try:
        return await request.post()
    except (ValueError, HttpProcessingError):
        raise ProtocolError("invalid_request", "the form body could not be read") from None


def _strings(value: Any) -> Iterator[str]:
    """Every string in a parsed JSON value, member names included; iterative, so that no
    depth the parser let through can exhaust the stack."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            stack.extend(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def refuse_lone_surrogates(value: Any) -> None:
    """A ``400 invalid-text`` problem when a string in ``value`` holds a lone surrogate."""
    if any(_LONE_SURROGATE.search(text) for text in _strings(value)):
        raise ProblemError(400, "invalid-text", "A string is not Unicode text",
                           "a JSON string holds an unpaired surrogate escape (such as \\ud800)")


def one_of(value: Any, allowed: Collection[str], detail: str) -> str:
    """``value`` when it is one of the ``allowed`` strings; a ``400 invalid-request`` problem
    with ``detail`` otherwise, whatever JSON type it is (a list or an object included, which
    a set or dict lookup would fail on as unhashable)."""
    if not isinstance(value, str) or value not in allowed:
        raise ProblemError(400, "invalid-request", "The request is not valid", detail)
    return value


async def read_object(request: web.Request, *, max_depth: int = 64) -> dict[str, Any]:
    """Like :func:`read_json`, and the body must be a JSON object whose every string is text
    (:func:`refuse_lone_surrogates`): the members a handler reads, hashes and stores.

    :func:`read_json` alone leaves strings as they are, for a caller that judges each part of
    the body on its own (a bulk job fails the one row holding a lone surrogate, not the job).
    """
    value = await read_json(request, max_depth=max_depth)
    if not isinstance(value, dict):
        raise ProblemError(400, "not-an-object", "The body must be a JSON object")
    # aiohttp keeps the body it read: this is no second read.
    if _SURROGATE_ESCAPE.search(await request.read()):
        refuse_lone_surrogates(value)
    return value

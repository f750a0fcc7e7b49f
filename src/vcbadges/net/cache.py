"""A small in-memory HTTP cache for the outbound fetcher.

Status lists and did:web documents are read for every credential verified, so the fetcher
keeps successful responses for as long as their ``Cache-Control``/``Expires`` headers allow,
capped by the policy's ``cache_max_age`` (a revocation must become visible within that
time, whatever the server says). Entries with an ``ETag`` are kept past their freshness so
that the next read can be a conditional request answered by ``304 Not Modified``.

Only successes are stored, and a stale entry is never served without the server's
confirmation: a cache must never turn a failed fetch into a pass.

The cache is a private (single-user) cache in the sense of RFC 9111: ``private`` responses
may be stored, ``s-maxage`` is ignored, and there is no heuristic freshness (a response
without explicit freshness is stale at once).
"""

from __future__ import annotations

import email.utils
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["CacheEntry", "HTTPCache", "freshness_lifetime", "parse_cache_control"]

T = TypeVar("T")

_HTTP_DATE_MAX_LEN = 64


def parse_cache_control(value: str) -> dict[str, str | None]:
    """Split a ``Cache-Control`` value into lower-case directive names and optional values."""
    directives: dict[str, str | None] = {}
    for part in value.split(","):
        name, sep, arg = part.strip().partition("=")
        name = name.strip().lower()
        if not name:
            continue
        directives.setdefault(name, arg.strip().strip('"') if sep else None)
    return directives


def _http_date(value: str | None) -> float | None:
    if value is None or len(value) > _HTTP_DATE_MAX_LEN:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.timestamp()


def _seconds(value: str | None) -> int | None:
    if value is None or not value.isdigit() or not value.isascii():
        return None
    return int(value)


def freshness_lifetime(headers: Mapping[str, str], *, now: float) -> float | None:
    """Seconds for which a response with ``headers`` is fresh; None when it must not be stored.

    ``headers`` has lower-case names; ``now`` is the wall-clock time (seconds since the
    epoch) used only when an ``Expires`` header has no ``Date`` to be compared with. An
    invalid ``max-age`` or ``Expires`` makes the response stale (0), as RFC 9111 requires.
    """
    directives = parse_cache_control(headers.get("cache-control", ""))
    if "no-store" in directives:
        return None
    if "no-cache" in directives:
        lifetime = 0.0
    elif "max-age" in directives:
        lifetime = float(_seconds(directives["max-age"]) or 0)
    elif "expires" in headers:
        expires = _http_date(headers.get("expires"))
        date = _http_date(headers.get("date"))
        lifetime = 0.0 if expires is None else max(0.0, expires - (now if date is None else date))
    else:
        lifetime = 0.0
    age = _seconds(headers.get("age"))
    if age:
        lifetime = max(0.0, lifetime - age)
    return lifetime


@dataclass(frozen=True)
class CacheEntry(Generic[T]):
    """A stored response: ``fresh_until`` is on the cache's clock; ``etag`` allows revalidation."""

    value: T
    fresh_until: float
    etag: str | None
    size: int


class HTTPCache(Generic[T]):
    """Least-recently-used store of responses, bounded by entry count and total body size.

    ``clock`` is a monotonic clock (injectable for tests); lifetimes are capped at
    ``max_age`` seconds, and ``max_age == 0`` disables storage entirely.
    """

    def __init__(
        self,
        *,
        max_age: float,
        clock: Callable[[], float],
        max_entries: int = 512,
        max_bytes: int = 32 * 1024 * 1024,
    ) -> None:
        self._entries: OrderedDict[tuple[str, str], CacheEntry[T]] = OrderedDict()
        self._max_age = max_age
        self._clock = clock
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, key: tuple[str, str]) -> CacheEntry[T] | None:
        """Return the entry for ``key`` (fresh or stale); callers check ``is_fresh``."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def is_fresh(self, entry: CacheEntry[T]) -> bool:
        return self._clock() < entry.fresh_until

    def store(
        self,
        key: tuple[str, str],
        value: T,
        *,
        headers: Mapping[str, str],
        size: int,
        now: float,
    ) -> None:
        """Store ``value`` as its ``headers`` allow, or drop any previous entry when they forbid it.

        A response that is stale at once is kept only when it has an ``ETag`` to revalidate.
        """
        self.discard(key)
        if self._max_age <= 0 or size > self._max_bytes:
            return
        lifetime = freshness_lifetime(headers, now=now)
        if lifetime is None:
            return
        lifetime = min(lifetime, self._max_age)
        etag = headers.get("etag") or None
        if lifetime <= 0 and etag is None:
            return
        entry = CacheEntry(value=value, fresh_until=self._clock() + lifetime, etag=etag, size=size)
        self._entries[key] = entry
        self._bytes += size
        while self._entries and (
            len(self._entries) > self._max_entries or self._bytes > self._max_bytes
        ):
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= evicted.size

    def discard(self, key: tuple[str, str]) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry.size

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

"""A bounded, expiring memory of values that do not change per request.

The issuing service reads the same few things for every request of a tenant: who an API
key belongs to, the tenant's unwrapped signing key, its achievement templates. Reading
them from the database (and unwrapping the key, with AES-GCM and a key parse) on every
request costs more than the database write of the credential. :class:`Expiring` keeps them
for ``ttl`` seconds, at most ``size`` entries (least recently used dropped first), so that
what another process changes (a revoked API key, a new signing key) is seen within ``ttl``;
what this process changes is forgotten at once with :meth:`Expiring.forget`.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["Expiring"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Expiring(Generic[K, V]):
    """At most ``size`` values, each for ``ttl`` seconds after it was put (``clock``)."""

    def __init__(self, *, size: int, ttl: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if size < 1 or ttl < 0:
            raise ValueError("size must be positive and ttl not negative")
        self._size = size
        self._ttl = ttl
        self._clock = clock
        self._values: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value put under ``key`` less than ``ttl`` seconds ago, or None."""
        held = self._values.get(key)
        if held is None:
            return None
        if self._clock() - held[0] >= self._ttl:
            del self._values[key]
            return None
        self._values.move_to_end(key)
        return held[1]

    def put(self, key: K, value: V) -> None:
        self._values[key] = (self._clock(), value)
        self._values.move_to_end(key)
        while len(self._values) > self._size:
            self._values.popitem(last=False)

    def forget(self, key: K) -> None:
        self._values.pop(key, None)

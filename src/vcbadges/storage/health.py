"""Telling "the database cannot be reached now" from every other error.

The service answers the first with ``503`` and ``Retry-After`` (the caller may try again
soon) and the rest with ``500``; only this package knows the driver's exception types.
"""

from __future__ import annotations

from sqlalchemy import exc as sa

__all__ = ["database_unavailable"]


def database_unavailable(error: BaseException) -> bool:
    """True when ``error`` (or what caused it) says the database is unreachable or
    unusable right now: refused or lost connections, a pool with no connection to give,
    a database file that cannot be opened."""
    seen = 0
    current: BaseException | None = error
    while current is not None and seen < 5:
        if isinstance(current, (sa.OperationalError, sa.InterfaceError, sa.TimeoutError,
                                sa.DisconnectionError)):
            return True
        if isinstance(current, sa.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, (ConnectionError, TimeoutError)):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False

"""Reading a page of a list from the query string: ``limit`` and where the page starts."""

from __future__ import annotations

from typing import Final

from aiohttp import web

from vcbadges.web.problems import ProblemError

__all__ = ["MAX_PAGE", "page"]

#: The most items one page holds.
MAX_PAGE: Final = 1000


def page(request: web.Request, start: str = "offset") -> tuple[int, int]:
    """``(limit, start)`` from the query (defaults 100 and 0); ``start`` names the query
    parameter where the page begins (``offset``, or ``after`` for a sequence number). A
    ``400 invalid-request`` problem for anything but integers in range."""
    try:
        limit = int(request.query.get("limit", "100"))
        first = int(request.query.get(start, "0"))
    except ValueError:
        raise ProblemError(400, "invalid-request", "The request is not valid",
                           f"limit and {start} are integers") from None
    if not 0 < limit <= MAX_PAGE or not 0 <= first <= 2**31:
        raise ProblemError(400, "invalid-request", "The request is not valid",
                           f"limit is 1 to {MAX_PAGE}, {start} is not negative")
    return limit, first

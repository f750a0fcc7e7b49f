"""RFC 9457 problem details: every error the service returns, with a specific type."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from vcbadges.wire import camel_keys

__all__ = ["TYPE_BASE", "problem", "ProblemError"]

TYPE_BASE = "https://vcbadges.dev/problems/"
CONTENT_TYPE = "application/problem+json"


def problem(
    status: int, kind: str, title: str, detail: str = "", *,
    headers: Mapping[str, str] | None = None, **extra: Any,
) -> web.Response:
    """A ``application/problem+json`` response; ``kind`` becomes the problem ``type`` URI.

    ``extra`` members (Python keyword names) go into the body camelCased, as every member of
    the service's own JSON is; ``headers`` are added to the response.
    """
    body = {"type": TYPE_BASE + kind, "title": title, "status": status, **camel_keys(extra)}
    if detail:
        body["detail"] = detail
    return web.json_response(body, status=status, content_type=CONTENT_TYPE,
                             headers=dict(headers or {}))


class ProblemError(Exception):
    """Raised by handlers to answer with a problem; turned into a response by the middleware."""

    def __init__(
        self, status: int, kind: str, title: str, detail: str = "", *,
        headers: Mapping[str, str] | None = None, **extra: Any,
    ):
        super().__init__(title)
        self.status, self.kind, self.title, self.detail, self.extra = (
            status, kind, title, detail, extra)
        self.headers = dict(headers or {})

    def response(self) -> web.Response:
        return problem(self.status, self.kind, self.title, self.detail, headers=self.headers,
                       **self.extra)

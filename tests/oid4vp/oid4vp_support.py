"""An in-memory OpenID4VP verifier behind fake fetch/post functions, and a pinned clock.

The verifier's endpoints are wired to the protocol core as a web layer would wire them: a
``ProtocolError`` becomes its status and ``{"error", "error_description"}``, and results are
kept by ``transaction_id`` for the verifier page. No sockets, no wall clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from protocol_support import Clock, FakeResponse, json_response
from vcbadges.errors import ProtocolError
from vcbadges.oid4vp import MemoryStore, PresentationResult, handle_response, request_object

VERIFIER = "https://employer.example.com/verifier"
ACHIEVEMENT = "https://badges.example.edu/achievements/data-literacy-101"


@dataclass
class FakeVerifier:
    clock: Clock
    base: str = VERIFIER
    store: MemoryStore = field(default_factory=MemoryStore)
    results: dict[str, PresentationResult] = field(default_factory=dict)
    posted: list[dict[str, str]] = field(default_factory=list)

    async def fetch(self, url: str, *, accept: str) -> FakeResponse:
        prefix = self.base + "/requests/"
        if url.startswith(prefix):
            try:
                jwt = await request_object(self.store, unquote(url[len(prefix):]),
                                           now=self.clock.now)
            except ProtocolError as exc:
                return json_response(exc.status, {"error": exc.error})
            return FakeResponse(200, {"content-type": "application/oauth-authz-req+jwt"},
                                jwt.encode("ascii"))
        return json_response(404, {"error": "not_found"})

    async def post(self, url: str, *, form: Mapping[str, str] | None = None, json: Any = None,
                   headers: Mapping[str, str] | None = None) -> FakeResponse:
        if url != self.base + "/response":
            return json_response(404, {"error": "not_found"})
        self.posted.append(dict(form or {}))
        try:
            result = await handle_response(self.store, form or {}, now=self.clock.now)
        except ProtocolError as exc:
            return json_response(exc.status, {"error": exc.error,
                                              "error_description": exc.message})
        self.results[result.transaction_id] = result
        return json_response(200, {})

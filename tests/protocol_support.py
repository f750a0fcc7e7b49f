"""What the OpenID4VCI and OpenID4VP protocol tests share: a hand-moved clock and canned
HTTP responses for the wallet side's injected fetch and post."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

START = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass(frozen=True)
class FakeResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes


def json_response(status: int, body: Any) -> FakeResponse:
    return FakeResponse(status, {"content-type": "application/json"},
                        json.dumps(body).encode())

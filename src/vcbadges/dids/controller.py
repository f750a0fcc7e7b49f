"""Controller documents at https URLs, the way many Open Badges issuers publish their keys.

A proof may name ``https://issuer.example/profile#key-1``: the controller document is fetched
from the URL before the fragment (through the caller's safe fetcher), and its ``id`` must be
that URL, exactly as a DID document's ``id`` must be its DID.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from vcbadges.dids.base import DIDDocument, split_controller_url
from vcbadges.errors import DIDResolutionError, VCBadgesError

__all__ = ["ControllerDocumentDriver"]

FetchJSON = Callable[[str], Awaitable[Any]]


class ControllerDocumentDriver:
    """``MethodResolver`` driver for https controller documents."""

    method = "https"

    def __init__(self, fetch_json: FetchJSON) -> None:
        self._fetch_json = fetch_json

    async def resolve(self, did: str) -> DIDDocument:
        url, _ = split_controller_url(did)
        try:
            raw = await self._fetch_json(url)
        except VCBadgesError as exc:
            raise DIDResolutionError(f"controller document {url} could not be fetched: "
                                     f"{exc.code}", code="did_resolution_unavailable") from exc
        return DIDDocument.from_json(url, raw)

"""A fetcher that opens its HTTP session only when something is actually fetched."""

from __future__ import annotations

from vcbadges.net.fetcher import FetchResponse, SafeFetcher

__all__ = ["OnDemandFetcher"]


class OnDemandFetcher(SafeFetcher):
    """``SafeFetcher`` opened on first use and closed by ``close()``.

    ``verify`` makes one of these when the caller gives no fetcher, so a credential with no
    status list and a did:key issuer costs no HTTP session at all.
    """

    async def get(self, url: str, *, accept: str = "application/json") -> FetchResponse:
        if self._session is None:
            await self.__aenter__()
        return await super().get(url, accept=accept)

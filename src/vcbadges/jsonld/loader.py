"""Document loaders: where JSON-LD contexts come from.

The default, :class:`StaticLoader`, serves only the contexts bundled with vcbadges and refuses
every other URL with ``LoaderError`` (code ``unknown_context``): a verifier never fetches a
context from the network unless its caller builds a :class:`ChainLoader` with a handler that
does. Loading is async because a handler may do I/O; JSON-LD processing itself is synchronous
and runs over the documents gathered beforehand (see ``vcbadges.jsonld.expansion``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from vcbadges.errors import LoaderError
from vcbadges.jsonld import contexts

__all__ = ["RemoteDocument", "DocumentLoader", "StaticLoader", "ChainLoader"]


@dataclass(frozen=True)
class RemoteDocument:
    """A loaded JSON-LD document. ``static`` marks immutable documents that may be cached
    across calls (the bundled contexts); documents from handlers are cached per call only."""

    url: str
    document: Any
    static: bool = False


class DocumentLoader(Protocol):
    """Anything that can load a JSON-LD document by URL."""

    async def load(self, url: str) -> RemoteDocument: ...


class StaticLoader:
    """Serve the bundled contexts, plus any documents given here; refuse everything else."""

    def __init__(self, documents: Mapping[str, Any] | None = None) -> None:
        self._extra = dict(documents or {})

    def get(self, url: str) -> RemoteDocument:
        """Synchronous lookup, so that processing over bundled contexts needs no event loop."""
        if url in self._extra:
            return RemoteDocument(url=url, document=self._extra[url], static=False)
        return RemoteDocument(url=url, document=contexts.context_document(url), static=True)

    async def load(self, url: str) -> RemoteDocument:
        return self.get(url)


Handler = Callable[[str], Awaitable[Any]]


class ChainLoader:
    """Try a static loader first, then handlers chosen by URL prefix (e.g. ``"did:"``).

    A handler returns the parsed document or raises; a URL no handler claims is refused with
    ``LoaderError``. Only a caller who passes an https handler makes the loader use the network.
    """

    def __init__(self, static: StaticLoader, handlers: Mapping[str, Handler]) -> None:
        self._static = static
        self._handlers = dict(handlers)

    async def load(self, url: str) -> RemoteDocument:
        try:
            return self._static.get(url)
        except LoaderError:
            pass
        for prefix, handler in self._handlers.items():
            if url.startswith(prefix):
                return RemoteDocument(url=url, document=await handler(url), static=False)
        raise LoaderError(f"no loader serves {url}", code="unknown_context")

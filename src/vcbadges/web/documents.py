"""The service reads its own published documents from its database, not over HTTP.

A badge issued by this service points at this service's status lists (and, for did:web
tenants, its DID documents). Verifying it here must not depend on the fetch policy allowing
plain http or loopback: opening those would let any credential make the verifier fetch local
addresses. So URLs under the service's public URL are answered from the database, and
everything else goes through the SafeFetcher with its policy unchanged.

"The service's public URL" is every one it has used (see
:mod:`vcbadges.storage.public_urls`): a badge issued before the service moved to another URL
or port names its status list under the old one, and is still this service's. They are read
at start, and again when a URL of the shape of an own document (a status list, a DID
document) is under none of them, so that a URL recorded by another process since (another
worker, ``vcbadges bulk issue --base-url``) is recognised without a restart.

Status lists come through :meth:`StatusListPublisher.current
<vcbadges.issuer.publish.StatusListPublisher.current>`, which answers from memory while the
database confirmed the list less than a second ago; see :mod:`vcbadges.issuer.publish` for
when a change becomes visible here.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import urlsplit

from vcbadges.issuer.hosting import host_did_document, tenant_did_document
from vcbadges.issuer.publish import StatusListPublisher
from vcbadges.net.fetcher import FetchStatusError, JSONFetcher
from vcbadges.storage import DatabaseConfig, public_urls

__all__ = ["OwnDocumentsFirst"]

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_STATUS = re.compile(rf"^/issuer/status/({_UUID})$")
_TENANT_DID = re.compile(r"^/([a-z0-9][a-z0-9-]{0,62})/did\.json$")
_HOST_DID = "/.well-known/did.json"
# The ends of URLs that may be this service's documents under a URL not (yet) known here.
_OWN_SHAPE = re.compile(rf"(?:/issuer/status/{_UUID}|/did\.json)$")


class OwnDocumentsFirst:
    """A ``JSONFetcher``: this service's status lists and DID documents locally, others remote.

    ``base_url`` is the current public URL; :meth:`refresh` adds every earlier one the
    database records. Every call returns a newly parsed document (a list credential parses in
    microseconds), so nothing one verification holds is shared with another.
    """

    def __init__(self, *, base_url: str, db: DatabaseConfig, publisher: StatusListPublisher,
                 remote: JSONFetcher) -> None:
        self._current = base_url.rstrip("/")
        self._bases: tuple[str, ...] = (self._current,)
        self._db = db
        self._publisher = publisher
        self._remote = remote

    @property
    def base_urls(self) -> tuple[str, ...]:
        """The public URLs whose documents are answered here, the current one first."""
        return self._bases

    async def refresh(self) -> None:
        """Read the recorded public URLs again."""
        async with self._db.sessionmaker(write=False)() as session, session.begin():
            recorded = [row.url for row in await public_urls(session)]
        self._bases = (self._current, *(url for url in recorded if url != self._current))

    def _own(self, url: str) -> tuple[str, str] | None:
        """The public URL ``url`` is under and the path below it, or None."""
        for base in self._bases:
            if url.startswith(base + "/"):
                return base, url[len(base):]
        return None

    async def get_json(self, url: str, *, accept: str = "application/json") -> Any:
        own = self._own(url)
        if own is None and _OWN_SHAPE.search(url.partition("#")[0].partition("?")[0]):
            await self.refresh()
            own = self._own(url)
        if own is None:
            return await self._remote.get_json(url, accept=accept)
        base, path = own
        status, did = _STATUS.match(path), _TENANT_DID.match(path)
        if status is not None:
            signed = await self._publisher.current(self._db, uuid.UUID(status.group(1)))
            if signed is not None:
                return json.loads(signed.document)
        elif did is not None or path == _HOST_DID:
            async with self._db.sessionmaker(write=False)() as session, session.begin():
                document = (await tenant_did_document(session, did.group(1)) if did is not None
                            else await host_did_document(session, urlsplit(base).netloc))
            if document is not None:
                return document
        # What the service would answer over HTTP for it: a document that does not exist
        # (a tenant that does not exist, a revoked list) is a 404, so that a did:web of this
        # host is "not found", not "could not be resolved".
        raise FetchStatusError(f"{url} is not published by this service", status=404)

"""The service reads its own published documents from its database, not over HTTP.

A badge issued by this service points at this service's status lists (and, for did:web
tenants, its DID documents). Verifying it here must not depend on the fetch policy allowing
plain http or loopback: opening those would let any credential make the verifier fetch local
addresses. So URLs under the service's own public URL are answered from the database, and
everything else goes through the SafeFetcher with its policy unchanged.

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

from vcbadges.errors import FetchError
from vcbadges.issuer.hosting import tenant_did_document
from vcbadges.issuer.publish import StatusListPublisher
from vcbadges.net.fetcher import JSONFetcher
from vcbadges.storage import DatabaseConfig

__all__ = ["OwnDocumentsFirst"]

_STATUS = re.compile(r"^/issuer/status/([0-9a-fA-F-]{36})$")
_TENANT_DID = re.compile(r"^/([a-z0-9][a-z0-9-]{0,62})/did\.json$")


class OwnDocumentsFirst:
    """A ``JSONFetcher``: this service's status lists and DID documents locally, others remote.

    Every call returns a newly parsed document (a list credential parses in microseconds), so
    nothing one verification holds is shared with another.
    """

    def __init__(self, *, base_url: str, db: DatabaseConfig, publisher: StatusListPublisher,
                 remote: JSONFetcher) -> None:
        self._base = base_url.rstrip("/")
        self._db = db
        self._publisher = publisher
        self._remote = remote

    async def get_json(self, url: str, *, accept: str = "application/json") -> Any:
        if not url.startswith(self._base + "/"):
            return await self._remote.get_json(url, accept=accept)
        path = url[len(self._base):]
        status, did = _STATUS.match(path), _TENANT_DID.match(path)
        if status is not None:
            signed = await self._publisher.current(self._db, uuid.UUID(status.group(1)))
            if signed is not None:
                return json.loads(signed.document)
        elif did is not None:
            async with self._db.sessionmaker(write=False)() as session, session.begin():
                document = await tenant_did_document(session, did.group(1))
            if document is not None:
                return document
        raise FetchError(f"{url} is not published by this service", code="fetch_http_status")

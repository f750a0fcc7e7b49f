"""Publishing status lists: the signed ``BitstringStatusListCredential`` of each list.

A list credential is signed by the tenant that owns the list, when first asked for and
again after every change: :func:`vcbadges.issuer.status.set_status` bumps the list's
``version``, and :class:`StatusListPublisher` keeps one signed document per list for the
version it was signed at. Signing costs a few milliseconds and every verifier of every
credential fetches the list, so the cache is what keeps a busy list cheap to serve.

The document is signed as of the list's last change (``validFrom`` and the proof's
``created`` are the list's ``updated_at``), so that it depends only on the list's content:
processes that sign the same version of a list produce the same credential (byte for byte
with an Ed25519 key, whose signatures are deterministic). ``version`` makes a weak ETag.
"""

from __future__ import annotations

import json
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from vcbadges._api import issue
from vcbadges.issuer.keystore import KeyStore
from vcbadges.issuer.status import status_list_url
from vcbadges.issuer.tenants import signing_key
from vcbadges.jsonld.loader import DocumentLoader
from vcbadges.status.bitstring import status_list_credential
from vcbadges.storage import queries
from vcbadges.storage.db import Session

__all__ = ["SignedStatusList", "StatusListPublisher"]


@dataclass(frozen=True)
class SignedStatusList:
    """One signed version of a list: ``document`` is the JSON text to serve."""

    list_id: uuid.UUID
    version: int
    document: bytes
    updated_at: datetime

    @property
    def etag(self) -> str:
        """A weak entity tag: the same version signed twice is the same list, though the
        bytes may differ (ECDSA signatures are randomized)."""
        return f'W/"{self.version}"'


class StatusListPublisher:
    """Signs status list credentials on demand and keeps the latest version of each.

    Holds at most ``max_lists`` lists (least recently served dropped first). One instance
    per process; it holds no secrets, only signed public documents.
    """

    def __init__(
        self,
        *,
        keystore: KeyStore,
        base_url: str,
        loader: DocumentLoader | None = None,
        max_lists: int = 1024,
    ) -> None:
        self._keystore = keystore
        self._base_url = base_url.rstrip("/")
        self._loader = loader
        self._max = max_lists
        self._cache: OrderedDict[uuid.UUID, SignedStatusList] = OrderedDict()

    async def get(self, session: Session, list_id: uuid.UUID) -> SignedStatusList | None:
        """The current signed credential of list ``list_id``, or None if there is no such
        list. Status lists are public: any list of any tenant is served."""
        row = await queries.get_status_list(session, list_id)
        if row is None:
            return None
        cached = self._cache.get(list_id)
        if cached is not None and cached.version == row.version:
            self._cache.move_to_end(list_id)
            return cached
        tenant = await queries.get_tenant(session, row.tenant_id)
        if tenant is None:  # The foreign key makes this impossible; keep the types honest.
            return None
        key = await signing_key(session, tenant, self._keystore)
        unsigned = status_list_credential(
            list_id=status_list_url(self._base_url, list_id), issuer=tenant.did,
            purpose=row.purpose, bits=row.bits, valid_from=row.updated_at)
        signed = await issue(unsigned, key=key, loader=self._loader, now=row.updated_at)
        text = json.dumps(signed, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        published = SignedStatusList(list_id=list_id, version=row.version, document=text,
                                     updated_at=row.updated_at)
        if cached is None or cached.version < row.version:
            self._cache[list_id] = published
            self._cache.move_to_end(list_id)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return published

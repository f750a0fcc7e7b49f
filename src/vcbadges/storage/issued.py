"""Store credentials signed before their transaction: claim their indexes, insert them.

Issuance signs first, with candidate status indexes (see
:mod:`vcbadges.issuer.allocator`), and only then opens a write transaction, so that the
database's one writer (SQLite) or the indexes' row locks (PostgreSQL) are held for a few
statements, never for a signature. :func:`store_signed` is that transaction, for any number
of credentials at once (of any tenants): requests that arrive together share one commit.
Each credential still gets its own outcome, and one that cannot be stored never stops the
others:

- ``"stored"``: its indexes were claimed and the credential inserted;
- ``"index_taken"``: another transaction claimed one of its indexes first; nothing of it
  was kept, and it must be signed again with other indexes;
- ``"duplicate"``: its tenant already has a credential with this id (or an earlier item of
  the same batch has it); nothing of it was kept.

Both checks are ``INSERT … ON CONFLICT DO NOTHING … RETURNING``, so the unique constraints
decide, across processes, and no failed statement spoils the transaction. Rows are
inserted in key order, so two transactions with overlapping keys wait for each other in
one order and cannot deadlock on PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from vcbadges.storage import queries
from vcbadges.storage.db import DatabaseConfig
from vcbadges.storage.models import Base

__all__ = ["SignedCredential", "StoreOutcome", "store_signed"]

StoreOutcome = Literal["stored", "index_taken", "duplicate"]

_ALLOCATIONS = Base.metadata.tables["status_allocations"]
_CREDENTIALS = Base.metadata.tables["credentials"]


@dataclass(frozen=True)
class SignedCredential:
    """A credential signed and ready to store, with the status indexes it names."""

    tenant_id: uuid.UUID
    id: str
    format: Literal["di", "jwt"]
    document: str
    subject: str | None
    issued_at: datetime
    recipient_email_sealed: bytes | None
    indexes: tuple[tuple[uuid.UUID, int], ...]


async def store_signed(
    db: DatabaseConfig, items: Sequence[SignedCredential]
) -> list[StoreOutcome]:
    """Claim the indexes and insert the credentials of ``items`` in one transaction, which
    commits before this returns; the outcome of each item, in order (see the module
    docstring). Database errors propagate: then nothing of any item was kept."""
    async with db.sessionmaker()() as session, session.begin():
        insert = queries.dialect_insert(session)
        claims = sorted(
            {(list_id, index, item.tenant_id, item.id, item.issued_at)
             for item in items for list_id, index in item.indexes},
            key=lambda claim: (str(claim[0]), claim[1]))
        claimed: set[tuple[uuid.UUID, int]] = set()
        if claims:
            result = await session.execute(
                insert(_ALLOCATIONS)
                .on_conflict_do_nothing(index_elements=["status_list_id", "status_index"])
                .returning(_ALLOCATIONS.c.status_list_id, _ALLOCATIONS.c.status_index),
                [{"status_list_id": list_id, "status_index": index, "tenant_id": tenant_id,
                  "credential_id": credential_id, "allocated_at": when}
                 for list_id, index, tenant_id, credential_id, when in claims])
            claimed = {(row[0], row[1]) for row in result.all()}
        outcomes: list[StoreOutcome] = []
        candidates: dict[tuple[uuid.UUID, str], int] = {}
        for position, item in enumerate(items):
            if not all(pair in claimed for pair in item.indexes):
                outcomes.append("index_taken")
            elif (item.tenant_id, item.id) in candidates:
                outcomes.append("duplicate")
            else:
                candidates[(item.tenant_id, item.id)] = position
                outcomes.append("stored")
        inserted: set[tuple[uuid.UUID, str]] = set()
        if candidates:
            ordered = sorted(candidates, key=lambda key: (str(key[0]), key[1]))
            result = await session.execute(
                insert(_CREDENTIALS)
                .on_conflict_do_nothing(index_elements=["tenant_id", "id"])
                .returning(_CREDENTIALS.c.tenant_id, _CREDENTIALS.c.id),
                [{"tenant_id": items[candidates[key]].tenant_id, "id": key[1],
                  "subject": items[candidates[key]].subject,
                  "format": items[candidates[key]].format,
                  "document": items[candidates[key]].document,
                  "issued_at": items[candidates[key]].issued_at,
                  "recipient_email_sealed": items[candidates[key]].recipient_email_sealed}
                 for key in ordered])
            inserted = {(row[0], row[1]) for row in result.all()}
        for key, position in candidates.items():
            if key not in inserted:
                outcomes[position] = "duplicate"
        # Give back what this transaction claimed for a credential it does not store: the
        # allocation would otherwise name someone else's credential, or none.
        for item, outcome in zip(items, outcomes, strict=True):
            if outcome != "stored":
                mine = [pair for pair in item.indexes if pair in claimed]
                claimed.difference_update(mine)
                if mine:
                    await queries.release_indexes(session, item.tenant_id, item.id, mine)
    return outcomes

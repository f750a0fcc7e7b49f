"""The statements on published badges (:mod:`vcbadges.storage.public_badge_models`).

Every statement that changes or reads a learner's own publication names the account as well
as the record, so one holder can never reach another's row through a record id.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select

from vcbadges.storage.db import Session
from vcbadges.storage.public_badge_models import PublicBadge
from vcbadges.storage.queries import flush
from vcbadges.storage.records import PublicBadgeRecord

__all__ = ["publication_by_slug", "publication_of", "put_publication", "delete_publication"]


def _record(row: PublicBadge) -> PublicBadgeRecord:
    return PublicBadgeRecord(slug=row.slug, account_id=row.account_id, record_id=row.record_id,
                             document=row.document, show_name=row.show_name,
                             offer_download=row.offer_download, published_at=row.published_at)


async def publication_by_slug(session: Session, slug: str) -> PublicBadgeRecord | None:
    row = await session.get(PublicBadge, slug)
    return None if row is None else _record(row)


async def _row_of(session: Session, account_id: uuid.UUID,
                  record_id: uuid.UUID) -> PublicBadge | None:
    result = await session.execute(select(PublicBadge).where(
        PublicBadge.account_id == account_id, PublicBadge.record_id == record_id))
    return result.scalar_one_or_none()


async def publication_of(session: Session, account_id: uuid.UUID,
                         record_id: uuid.UUID) -> PublicBadgeRecord | None:
    """The publication of this account's record, or None."""
    row = await _row_of(session, account_id, record_id)
    return None if row is None else _record(row)


async def put_publication(
    session: Session, *, slug: str, account_id: uuid.UUID, record_id: uuid.UUID,
    document: str, show_name: bool, offer_download: bool, published_at: datetime,
) -> PublicBadgeRecord:
    """Publish the record under ``slug``, or, when it is published already, replace its
    document and choices under the slug it has (a link already shared keeps working).
    Returns the publication. ``StorageError`` ``conflict`` when the record is gone."""
    existing = await _row_of(session, account_id, record_id)
    if existing is None:
        existing = PublicBadge(slug=slug, account_id=account_id, record_id=record_id,
                               document=document, show_name=show_name,
                               offer_download=offer_download, published_at=published_at)
        session.add(existing)
    else:
        existing.document, existing.show_name = document, show_name
        existing.offer_download, existing.published_at = offer_download, published_at
    await flush(session, conflict="the badge is no longer in the wallet")
    return _record(existing)


async def delete_publication(session: Session, account_id: uuid.UUID,
                             record_id: uuid.UUID) -> bool:
    """Delete this account's publication of the record; whether there was one."""
    result = await session.execute(
        delete(PublicBadge).where(PublicBadge.account_id == account_id,
                                  PublicBadge.record_id == record_id)
        .execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0))

"""Every public URL the service has been reached at: the table and its two statements.

Badges carry the public URL of the service that issued them (their status lists are
``<public URL>/issuer/status/<id>``), and a service moved to another URL or port still has
to recognise those lists as its own, to read them from its database. So every process that
issues records the URL it issues under (``vcbadges serve`` at start, ``vcbadges bulk issue``
before a job), and the service reads them all back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from vcbadges.storage.db import Session
from vcbadges.storage.models import Base

__all__ = ["PublicURL", "record_public_url", "public_urls"]


class PublicURL(Base):
    """A public URL the service used (without a final slash), first and last recorded."""

    __tablename__ = "public_urls"

    url: Mapped[str] = mapped_column(String(2000), primary_key=True)
    first_used_at: Mapped[datetime] = mapped_column()
    last_used_at: Mapped[datetime] = mapped_column()


async def public_urls(session: Session) -> Sequence[PublicURL]:
    """Every recorded public URL, the most recently used first."""
    result = await session.execute(
        select(PublicURL).order_by(PublicURL.last_used_at.desc(), PublicURL.url))
    return result.scalars().all()


async def record_public_url(session: Session, url: str, now: datetime) -> str | None:
    """Record ``url`` as used at ``now``; return the public URL used last before it when that
    was another one (the service moved), else None.

    One statement (an insert that updates the row already there), so processes starting
    together on one database never fail on each other; on PostgreSQL two of them starting on
    a new URL at the same moment may both report the move.
    """
    latest = (await public_urls(session))[:1]
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql"
              else sqlite.insert)
    statement = insert(PublicURL).values(url=url, first_used_at=now, last_used_at=now)
    await session.execute(statement.on_conflict_do_update(
        index_elements=["url"], set_={"last_used_at": statement.excluded.last_used_at}))
    if latest and latest[0].url != url:
        return latest[0].url
    return None

"""The table of published badges: the copies learners chose to show on a public page.

A wallet keeps every credential sealed under the account's data key, which only the
learner's passphrase (or a live session) opens. A public page has to be readable by anyone,
so publishing puts a copy outside the wallet: ``public_badges`` holds, per published badge,
the unguessable slug of its page, the document the learner chose to publish (exactly as
signed: the wallet's text, or a selective-disclosure derivation that withholds their
identity), and their choices (show their name, offer the credential for download).

The row points at the wallet record it was published from, with ``ON DELETE CASCADE``: a
badge deleted from the wallet, or a deleted account, takes its public copy with it.
Unpublishing deletes the row; nothing of the copy stays behind.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vcbadges.storage.models import Base

__all__ = ["PublicBadge"]


class PublicBadge(Base):
    """One published badge: its slug, the wallet record it came from, the published
    document and the learner's choices."""

    __tablename__ = "public_badges"
    __table_args__ = (
        UniqueConstraint("account_id", "record_id"),
        ForeignKeyConstraint(["account_id", "record_id"],
                             ["wallet_records.account_id", "wallet_records.id"],
                             ondelete="CASCADE"),
    )

    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column()
    record_id: Mapped[uuid.UUID] = mapped_column()
    document: Mapped[str] = mapped_column(Text)
    show_name: Mapped[bool] = mapped_column()
    offer_download: Mapped[bool] = mapped_column()
    published_at: Mapped[datetime] = mapped_column()

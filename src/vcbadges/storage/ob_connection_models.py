"""The table of the wallet's connections to other hosts' Open Badges 3.0 APIs (the wallet as
a client, see :mod:`vcbadges.obapi.connections`).

``ob_connections``: one row per host a holder connected their wallet to. Everything about
the connection (the host, its endpoints, this wallet's client registration there, the access
and refresh tokens and when they expire) is one record sealed under the account's data key,
bound to its account and row id like every wallet record: only the unlocked wallet can read
or use it, and a row moved to another account or id does not open. Only the ids and times
are in clear.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from vcbadges.storage.models import Base

__all__ = ["OBConnection"]


class OBConnection(Base):
    """A holder's sealed connection to another host's Open Badges API."""

    __tablename__ = "ob_connections"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("wallet_accounts.id", ondelete="CASCADE"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()

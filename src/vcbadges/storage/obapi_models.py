"""The tables of the Open Badges 3.0 API (see :mod:`vcbadges.obapi`): registered clients,
issued tokens and holders' profiles.

- ``ob_clients``: one row per dynamically registered client (RFC 7591): its id, the SHA-256
  of its secret (never the secret), and the registration metadata as sent and accepted.
- ``ob_tokens``: access and refresh tokens by the SHA-256 of their value. Each holds the
  holder's wallet data key wrapped under a key derived from the token itself and the service
  master key, so the row alone opens nothing, and neither does the token without the service.
  ``grant_id`` ties the tokens of one authorization together, so that revoking a refresh
  token, or replaying a spent one, ends every token of that grant.
- ``ob_profiles``: the holder's OB ``Profile`` as the API's ``putProfile`` left it, sealed
  under the account's data key like every wallet record.

Authorization codes and pending consents are short-lived single-use entries of the
``protocol_state`` table and need no table of their own.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vcbadges.storage.models import Base

__all__ = ["OBClient", "OBToken", "OBProfile", "TOKEN_KINDS"]

#: The kinds of ``ob_tokens`` rows.
TOKEN_KINDS = ("access", "refresh")


class OBClient(Base):
    """A client registered through the OB API's dynamic client registration."""

    __tablename__ = "ob_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata")
    created_at: Mapped[datetime] = mapped_column()


class OBToken(Base):
    """An access or refresh token, by its SHA-256, with the data key it can open."""

    __tablename__ = "ob_tokens"
    __table_args__ = (
        CheckConstraint("kind IN ('access', 'refresh')", name="kind"),
    )

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    grant_id: Mapped[uuid.UUID] = mapped_column(index=True)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("ob_clients.client_id", ondelete="CASCADE"), index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("wallet_accounts.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(Text)
    wrapped_data_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime | None] = mapped_column()


class OBProfile(Base):
    """A holder's sealed OB ``Profile``."""

    __tablename__ = "ob_profiles"

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("wallet_accounts.id", ondelete="CASCADE"), primary_key=True)
    record_id: Mapped[uuid.UUID] = mapped_column()
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column()

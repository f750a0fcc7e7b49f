"""OpenID4VC protocol state and wallet sessions.

Revision ID: 0005oid4vc
Revises: 0004wallet
Created: 2026-11-24 09:00:00 UTC
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005oid4vc"
down_revision: str | Sequence[str] | None = "0004wallet"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)
# JSONB on PostgreSQL, JSON text elsewhere (as models.JSONDocument).
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "protocol_state",
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("payload", _JSON, nullable=False),
        sa.Column("expires_at", _TIMESTAMP, nullable=False),
        sa.Column("used_at", _TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("kind", "key", name="pk_protocol_state"),
    )
    # Expired entries are purged by expiry time.
    op.create_index("ix_protocol_state_expires_at", "protocol_state", ["expires_at"])
    op.create_table(
        "wallet_sessions",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("wrapped_data_key", sa.LargeBinary(), nullable=False),
        sa.Column("csrf_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("expires_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name="pk_wallet_sessions"),
        sa.ForeignKeyConstraint(["account_id"], ["wallet_accounts.id"],
                                name="fk_wallet_sessions_account_id_wallet_accounts",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_wallet_sessions_account_id", "wallet_sessions", ["account_id"])
    op.create_index("ix_wallet_sessions_expires_at", "wallet_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_table("wallet_sessions")
    op.drop_table("protocol_state")

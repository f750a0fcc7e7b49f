"""Open Badges 3.0 API: registered clients, tokens and holders' profiles.

Revision ID: 0012obapi
Revises: 0010auditkeyids
Created: 2026-12-06 22:00:00 UTC

Write a line for this migration in MIGRATION-NOTES.md. Use plain SQLAlchemy types here, not
the classes of vcbadges.storage.models: a migration must keep meaning what it meant when it
was written, whatever the models become.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012obapi"
down_revision: str | Sequence[str] | None = "0010auditkeyids"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)
# JSONB on PostgreSQL, JSON text elsewhere (as models.JSONDocument).
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "ob_clients",
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("metadata", _JSON, nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("client_id", name="pk_ob_clients"),
    )
    op.create_table(
        "ob_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("grant_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("wrapped_data_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("expires_at", _TIMESTAMP, nullable=False),
        sa.Column("revoked_at", _TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_ob_tokens"),
        sa.CheckConstraint("kind IN ('access', 'refresh')", name="ck_ob_tokens_kind"),
        sa.ForeignKeyConstraint(["client_id"], ["ob_clients.client_id"],
                                name="fk_ob_tokens_client_id_ob_clients", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["wallet_accounts.id"],
                                name="fk_ob_tokens_account_id_wallet_accounts",
                                ondelete="CASCADE"),
    )
    for column in ("grant_id", "client_id", "account_id", "expires_at"):
        op.create_index(f"ix_ob_tokens_{column}", "ob_tokens", [column])
    op.create_table(
        "ob_profiles",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_ob_profiles"),
        sa.ForeignKeyConstraint(["account_id"], ["wallet_accounts.id"],
                                name="fk_ob_profiles_account_id_wallet_accounts",
                                ondelete="CASCADE"),
    )


def downgrade() -> None:
    op.drop_table("ob_profiles")
    op.drop_table("ob_tokens")
    op.drop_table("ob_clients")

"""Wallet accounts and their sealed records.

Revision ID: 0004wallet
Revises: 0003bulk
Created: 2026-11-23 17:30:00 UTC
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004wallet"
down_revision: str | Sequence[str] | None = "0003bulk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "wallet_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("did", sa.String(500), nullable=False),
        sa.Column("kdf", sa.String(100), nullable=False),
        sa.Column("kdf_salt", sa.LargeBinary(), nullable=False),
        sa.Column("wrapped_data_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_wallet_accounts"),
        sa.UniqueConstraint("username", name="uq_wallet_accounts_username"),
    )
    op.create_table(
        "wallet_records",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("account_id", "id", name="pk_wallet_records"),
        sa.CheckConstraint("kind IN ('credential', 'holder_key')",
                           name="ck_wallet_records_kind"),
        sa.ForeignKeyConstraint(["account_id"], ["wallet_accounts.id"],
                                name="fk_wallet_records_account_id_wallet_accounts",
                                ondelete="CASCADE"),
    )


def downgrade() -> None:
    op.drop_table("wallet_records")
    op.drop_table("wallet_accounts")

"""The wallet's connections to other hosts' Open Badges 3.0 APIs.

Revision ID: 0015obconnections
Revises: 0012obapi
Created: 2026-12-08 09:00:00 UTC

Write a line for this migration in MIGRATION-NOTES.md. Use plain SQLAlchemy types here, not
the classes of vcbadges.storage.models: a migration must keep meaning what it meant when it
was written, whatever the models become.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015obconnections"
down_revision: str | Sequence[str] | None = "0014publicbadges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ob_connections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ob_connections"),
        sa.ForeignKeyConstraint(["account_id"], ["wallet_accounts.id"],
                                name="fk_ob_connections_account_id_wallet_accounts",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_ob_connections_account_id", "ob_connections", ["account_id"])


def downgrade() -> None:
    op.drop_table("ob_connections")

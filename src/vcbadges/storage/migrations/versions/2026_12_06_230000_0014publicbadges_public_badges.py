"""Published badges: the copies learners chose to show on a public page.

Revision ID: 0014publicbadges
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

revision: str = "0014publicbadges"
down_revision: str | Sequence[str] | None = "0012obapi"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "public_badges",
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("show_name", sa.Boolean(), nullable=False),
        sa.Column("offer_download", sa.Boolean(), nullable=False),
        sa.Column("published_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("slug", name="pk_public_badges"),
        sa.UniqueConstraint("account_id", "record_id",
                            name="uq_public_badges_account_id_record_id"),
        sa.ForeignKeyConstraint(["account_id", "record_id"],
                                ["wallet_records.account_id", "wallet_records.id"],
                                name="fk_public_badges_account_id_record_id_wallet_records",
                                ondelete="CASCADE"),
    )


def downgrade() -> None:
    op.drop_table("public_badges")

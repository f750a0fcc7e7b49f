"""Service tables: single-use verifier challenges.

Revision ID: 0002service
Revises: 61ad482ec6c4
Created: 2026-11-23 17:10:00 UTC

Write a line for this migration in MIGRATION-NOTES.md. Use plain SQLAlchemy types here, not
the classes of vcbadges.storage.models: a migration must keep meaning what it meant when it
was written, whatever the models become.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002service"
down_revision: str | Sequence[str] | None = "61ad482ec6c4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "challenges",
        sa.Column("challenge", sa.String(64), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("expires_at", _TIMESTAMP, nullable=False),
        sa.Column("used_at", _TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("challenge", name="pk_challenges"),
    )
    # Expired challenges are deleted by expiry time.
    op.create_index("ix_challenges_expires_at", "challenges", ["expires_at"])


def downgrade() -> None:
    op.drop_table("challenges")

"""The public URLs the service has used, so that it recognises its own earlier badges.

Revision ID: 0009publicurls
Revises: 0008recipients
Created: 2026-11-28 09:00:00 UTC

Write a line for this migration in MIGRATION-NOTES.md. Use plain SQLAlchemy types here, not
the classes of vcbadges.storage.models: a migration must keep meaning what it meant when it
was written, whatever the models become.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009publicurls"
down_revision: str | Sequence[str] | None = "0008recipients"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Empty: the service records the URL it starts under from now on. A URL used only
    # before this migration is not known; starting the service once under it records it.
    op.create_table(
        "public_urls",
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("first_used_at", _TIMESTAMP, nullable=False),
        sa.Column("last_used_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("url", name="pk_public_urls"),
    )


def downgrade() -> None:
    op.drop_table("public_urls")

"""Credentials keep the e-mail address an award was made to, sealed.

Revision ID: 0008recipients
Revises: 0007bulkjobs
Created: 2026-11-27 09:00:00 UTC

Write a line for this migration in MIGRATION-NOTES.md. Use plain SQLAlchemy types here, not
the classes of vcbadges.storage.models: a migration must keep meaning what it meant when it
was written, whatever the models become.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008recipients"
down_revision: str | Sequence[str] | None = "0007bulkjobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: credentials issued before keep no address (the issuer never
    # stored one), and nothing is rewritten.
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(sa.Column("recipient_email_sealed", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.drop_column("recipient_email_sealed")

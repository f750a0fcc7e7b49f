"""Tenants get a display name: the issuer name people see.

Revision ID: 0006tenantname
Revises: 0005oid4vc
Created: 2026-11-25 09:00:00 UTC

Write a line for this migration in MIGRATION-NOTES.md. Use plain SQLAlchemy types here, not
the classes of vcbadges.storage.models: a migration must keep meaning what it meant when it
was written, whatever the models become.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006tenantname"
down_revision: str | Sequence[str] | None = "0005oid4vc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: existing rows are not rewritten; a tenant without a display
    # name keeps showing its name.
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(sa.Column("display_name", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("display_name")

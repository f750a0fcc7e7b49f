"""Bulk issuance: one row per issued row of a bulk job, for idempotent reruns.

Revision ID: 0003bulk
Revises: 0002service
Created: 2026-11-23 17:27:00 UTC

Write a line for this migration in MIGRATION-NOTES.md. Use plain SQLAlchemy types here, not
the classes of vcbadges.storage.models: a migration must keep meaning what it meant when it
was written, whatever the models become.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003bulk"
down_revision: str | Sequence[str] | None = "0002service"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "bulk_rows",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("job_key", sa.String(200), nullable=False),
        sa.Column("row_id", sa.String(200), nullable=False),
        sa.Column("credential_id", sa.String(1000), nullable=False),
        sa.Column("row_digest", sa.String(64), nullable=False),
        sa.Column("issued_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "job_key", "row_id", name="pk_bulk_rows"),
        # Deferred to the commit, as for status allocations: a job records its rows before
        # it inserts their credentials, in the same transaction.
        sa.ForeignKeyConstraint(
            ["tenant_id", "credential_id"], ["credentials.tenant_id", "credentials.id"],
            name="fk_bulk_rows_tenant_id_credential_id_credentials",
            deferrable=True, initially="DEFERRED"),
    )
    # The child key of that foreign key: without this index SQLite scans bulk_rows for every
    # credential inserted while the key is pending, so issuance slows down as jobs grow.
    op.create_index("ix_bulk_rows_tenant_id_credential_id", "bulk_rows",
                    ["tenant_id", "credential_id"])


def downgrade() -> None:
    op.drop_table("bulk_rows")

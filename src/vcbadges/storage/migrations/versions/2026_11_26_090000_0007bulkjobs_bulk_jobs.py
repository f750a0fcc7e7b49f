"""Bulk jobs over HTTP: the jobs, their progress and each row's outcome.

Revision ID: 0007bulkjobs
Revises: 0006tenantname
Created: 2026-11-26 09:00:00 UTC

Write a line for this migration in MIGRATION-NOTES.md. Use plain SQLAlchemy types here, not
the classes of vcbadges.storage.models: a migration must keep meaning what it meant when it
was written, whatever the models become.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007bulkjobs"
down_revision: str | Sequence[str] | None = "0006tenantname"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "bulk_jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("job_key", sa.String(200), nullable=False),
        sa.Column("achievement", sa.String(200), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("succeeded", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("heartbeat_at", _TIMESTAMP, nullable=False),
        sa.Column("finished_at", _TIMESTAMP, nullable=True),
        sa.CheckConstraint("kind IN ('issue', 'revoke')", name="ck_bulk_jobs_kind"),
        sa.CheckConstraint(
            "state IN ('running', 'done', 'failed', 'cancelled', 'interrupted')",
            name="ck_bulk_jobs_state"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name="fk_bulk_jobs_tenant_id_tenants"),
        sa.PrimaryKeyConstraint("id", name="pk_bulk_jobs"),
    )
    op.create_index("ix_bulk_jobs_tenant_id_created_at", "bulk_jobs", ["tenant_id", "created_at"])
    op.create_index("ix_bulk_jobs_tenant_id_job_key", "bulk_jobs", ["tenant_id", "job_key"])
    op.create_table(
        "bulk_job_rows",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("row_id", sa.String(1000), nullable=False),
        sa.Column("credential_id", sa.String(1000), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["bulk_jobs.id"], ondelete="CASCADE",
                                name="fk_bulk_job_rows_job_id_bulk_jobs"),
        sa.PrimaryKeyConstraint("job_id", "seq", name="pk_bulk_job_rows"),
    )


def downgrade() -> None:
    op.drop_table("bulk_job_rows")
    op.drop_index("ix_bulk_jobs_tenant_id_job_key", table_name="bulk_jobs")
    op.drop_index("ix_bulk_jobs_tenant_id_created_at", table_name="bulk_jobs")
    op.drop_table("bulk_jobs")

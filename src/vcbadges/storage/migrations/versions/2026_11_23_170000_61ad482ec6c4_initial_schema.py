"""Initial schema: tenants, keys, achievements, credentials, status lists and events.

Revision ID: 61ad482ec6c4
Revises:
Created: 2026-11-23 17:00:00 UTC
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "61ad482ec6c4"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The portable types as they were when this migration was written: timestamps with time
# zone, JSONB on PostgreSQL, UUIDs native on PostgreSQL and CHAR(32) elsewhere.
_TIMESTAMP = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_BIGINT_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("did", sa.String(500), nullable=False),
        sa.Column("did_web_host", sa.String(255), nullable=True),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
        sa.UniqueConstraint("name", name="uq_tenants_name"),
        sa.UniqueConstraint("did", name="uq_tenants_did"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("prefix", sa.String(32), nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("revoked_at", _TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name="fk_api_keys_tenant_id_tenants"),
        sa.UniqueConstraint("prefix", name="uq_api_keys_prefix"),
    )
    op.create_index("ix_api_keys_tenant_id", "api_keys", ["tenant_id"])
    op.create_table(
        "signing_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("verification_method", sa.String(600), nullable=False),
        sa.Column("algorithm", sa.String(16), nullable=False),
        sa.Column("public_key_multibase", sa.String(200), nullable=False),
        sa.Column("encrypted_private_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_signing_keys"),
        sa.CheckConstraint("algorithm IN ('Ed25519', 'P-256')",
                           name="ck_signing_keys_algorithm"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name="fk_signing_keys_tenant_id_tenants"),
        sa.UniqueConstraint("verification_method", name="uq_signing_keys_verification_method"),
    )
    op.create_index("ix_signing_keys_tenant_id", "signing_keys", ["tenant_id"])
    op.create_table(
        "achievements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("document", _JSON, nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_achievements"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name="fk_achievements_tenant_id_tenants"),
        sa.UniqueConstraint("tenant_id", "slug", name="uq_achievements_tenant_id_slug"),
    )
    op.create_table(
        "credentials",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.String(1000), nullable=False),
        sa.Column("subject", sa.String(1000), nullable=True),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("issued_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_credentials"),
        sa.CheckConstraint("format IN ('di', 'jwt')", name="ck_credentials_format"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name="fk_credentials_tenant_id_tenants"),
    )
    op.create_index("ix_credentials_tenant_id_issued_at", "credentials",
                    ["tenant_id", "issued_at"])
    op.create_table(
        "status_lists",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("bits", sa.LargeBinary(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_status_lists"),
        sa.CheckConstraint("purpose IN ('revocation', 'suspension')",
                           name="ck_status_lists_purpose"),
        sa.CheckConstraint("size > 0 AND size % 8 = 0", name="ck_status_lists_size"),
        sa.UniqueConstraint("id", "tenant_id", name="uq_status_lists_id_tenant_id"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name="fk_status_lists_tenant_id_tenants"),
    )
    op.create_index("ix_status_lists_tenant_id_purpose_full", "status_lists",
                    ["tenant_id", "purpose", "full"])
    # At most one open list per tenant and purpose (a partial unique index).
    not_full = sa.column("full", sa.Boolean()).is_(False)
    op.create_index("uq_status_lists_open_list", "status_lists", ["tenant_id", "purpose"],
                    unique=True, sqlite_where=not_full, postgresql_where=not_full)
    op.create_table(
        "status_allocations",
        sa.Column("status_list_id", sa.Uuid(), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("credential_id", sa.String(1000), nullable=True),
        sa.Column("allocated_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("status_list_id", "status_index",
                                name="pk_status_allocations"),
        sa.CheckConstraint("status_index >= 0", name="ck_status_allocations_status_index"),
        sa.ForeignKeyConstraint(
            ["status_list_id", "tenant_id"], ["status_lists.id", "status_lists.tenant_id"],
            name="fk_status_allocations_status_list_id_tenant_id_status_lists"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "credential_id"], ["credentials.tenant_id", "credentials.id"],
            name="fk_status_allocations_tenant_id_credential_id_credentials",
            deferrable=True, initially="DEFERRED"),
    )
    op.create_index("ix_status_allocations_tenant_id_credential_id", "status_allocations",
                    ["tenant_id", "credential_id"])
    op.create_table(
        "status_events",
        sa.Column("id", _BIGINT_KEY, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("credential_id", sa.String(1000), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_status_events"),
        sa.CheckConstraint("purpose IN ('revocation', 'suspension')",
                           name="ck_status_events_purpose"),
        sa.CheckConstraint("action IN ('revoke', 'suspend', 'unsuspend')",
                           name="ck_status_events_action"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "credential_id"], ["credentials.tenant_id", "credentials.id"],
            name="fk_status_events_tenant_id_credential_id_credentials"),
    )
    op.create_index("ix_status_events_tenant_id_credential_id", "status_events",
                    ["tenant_id", "credential_id"])


def downgrade() -> None:
    # Children first: every foreign key points at a table dropped after it.
    op.drop_table("status_events")
    op.drop_table("status_allocations")
    op.drop_table("status_lists")
    op.drop_table("credentials")
    op.drop_table("achievements")
    op.drop_table("signing_keys")
    op.drop_table("api_keys")
    op.drop_table("tenants")

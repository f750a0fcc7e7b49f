"""Audit records name API keys by their row id, not by the first characters of the key.

Revision ID: 0010auditkeyids
Revises: 0009publicurls
Created: 2026-12-06 20:00:00 UTC

Write a line for this migration in MIGRATION-NOTES.md. Use plain SQLAlchemy types here, not
the classes of vcbadges.storage.models: a migration must keep meaning what it meant when it
was written, whatever the models become.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010auditkeyids"
down_revision: str | Sequence[str] | None = "0009publicurls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables whose ``actor`` named an API key by its 16-character prefix ("vcb_" and 12
# characters of the secret).
_AUDITED = ("status_events", "bulk_jobs")
# What an actor that still looks like a key prefix becomes when no key has that prefix.
_UNKNOWN_KEY = "api-key"

_API_KEYS = sa.table("api_keys", sa.column("id", sa.Uuid()), sa.column("prefix", sa.String(32)))


def upgrade() -> None:
    bind = op.get_bind()
    keys = bind.execute(sa.select(_API_KEYS.c.id, _API_KEYS.c.prefix)).all()
    for name in _AUDITED:
        table = sa.table(name, sa.column("actor", sa.String(64)))
        for key_id, prefix in keys:
            bind.execute(sa.update(table).where(table.c.actor == prefix)
                         .values(actor=f"key:{key_id}"))
        bind.execute(sa.update(table).where(table.c.actor.like("vcb\\_%", escape="\\"))
                     .values(actor=_UNKNOWN_KEY))


def downgrade() -> None:
    # Nothing to undo: putting parts of keys back into the audit trail would leak them again.
    # The older code reads a key id as any other actor.
    pass

"""Frozen values that storage hands out instead of its ORM rows.

ORM rows carry their session with them (lazy loads, the identity map, changes flushed on
commit), so a row that leaves :mod:`vcbadges.storage` ties its holder to a transaction it
does not own. The query functions return these plain values instead; what reads them
cannot write through them, and they stay valid after the session closes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["TenantRecord", "ApiKeyRecord", "StoredSigningKey", "AchievementRecord",
           "CredentialRecord", "BulkJobRecord",
           "StatusListRecord", "AllocationRecord", "StatusEventRecord",
           "PublicBadgeRecord"]


@dataclass(frozen=True, slots=True)
class TenantRecord:
    """An issuing organisation: its name (a slug, also in did:web paths), its DID, the
    host of its did:web (None for a did:key tenant) and the display name people see."""

    id: uuid.UUID
    name: str
    display_name: str | None
    did: str
    did_web_host: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """One API key as stored: its id (which names it in audit records), its public prefix,
    the SHA-256 of the whole key, and when it was revoked (None while it is live)."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    prefix: str
    hash: bytes
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredSigningKey:
    """A tenant's signing key as stored: the private key wrapped by the key store, beside
    the public key it must match once unwrapped."""

    tenant_id: uuid.UUID
    verification_method: str
    algorithm: str
    public_key_multibase: str
    encrypted_private_key: bytes
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AchievementRecord:
    """A tenant's achievement template as stored: its slug and its JSON document (which the
    issuer core reads; storage does not interpret it)."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    slug: str
    document: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class CredentialRecord:
    """An issued credential as stored: ``document`` the exact text issued, ``format``
    ``di`` or ``jwt``, and the recipient's e-mail address sealed, if the award had one."""

    tenant_id: uuid.UUID
    id: str
    subject: str | None
    format: str
    document: str
    issued_at: datetime
    recipient_email_sealed: bytes | None


@dataclass(frozen=True, slots=True)
class BulkJobRecord:
    """A bulk job as stored: what it runs (``kind``, ``job_key``, the achievement of an
    award job), who asked, its state and counts, and its heartbeat (a running job whose
    heartbeat stopped was interrupted)."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    kind: str
    job_key: str
    achievement: str | None
    actor: str
    state: str
    total: int
    done: int
    succeeded: int
    skipped: int
    failed: int
    error: str | None
    cancel_requested: bool
    created_at: datetime
    heartbeat_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class StatusListRecord:
    """A status list as read: its bits (bit 0 the most significant bit of byte 0), its
    ``version`` (bumped on every change; the ETag of its signed credential) and whether it
    is full (no new allocations)."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    purpose: str
    size: int
    bits: bytes
    version: int
    full: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class AllocationRecord:
    """One status index allocated to a credential."""

    status_list_id: uuid.UUID
    status_index: int
    credential_id: str | None


@dataclass(frozen=True, slots=True)
class StatusEventRecord:
    """A recorded status change: which credential, what was done, by whom, why, when."""

    tenant_id: uuid.UUID
    credential_id: str
    purpose: str
    action: str
    actor: str
    reason: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class PublicBadgeRecord:
    """A wallet badge its holder published under ``slug``: the copy shown (``document``)
    and the holder's choices for the page."""

    slug: str
    account_id: uuid.UUID
    record_id: uuid.UUID
    document: str
    show_name: bool
    offer_download: bool
    published_at: datetime

"""What an issuer can read back about a credential it issued: the document as issued, the
current bit of each status entry, and the audit trail of status changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vcbadges.issuer.issuance import StoredCredential, get_credential
from vcbadges.issuer.status import StatusPurpose, credential_status, status_events
from vcbadges.primitives.dates import format_datetime
from vcbadges.storage.db import Session
from vcbadges.storage.models import Tenant

__all__ = ["StatusEventRecord", "CredentialRecord", "credential_record"]


@dataclass(frozen=True)
class StatusEventRecord:
    """One recorded status change: what was done, by whom (an API key prefix, or ``cli``),
    why, and when."""

    purpose: str
    action: str
    actor: str
    reason: str | None
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"statusPurpose": self.purpose, "action": self.action, "actor": self.actor,
                "reason": self.reason, "at": format_datetime(self.at)}


@dataclass(frozen=True)
class CredentialRecord:
    """An issued credential with its current status and its status history."""

    credential: StoredCredential
    status: dict[StatusPurpose, bool]
    events: tuple[StatusEventRecord, ...]


async def credential_record(
    session: Session, tenant: Tenant, credential_id: str
) -> CredentialRecord | None:
    """The tenant's credential with its status and events, or None (also for another
    tenant's credential, exactly as for an id never issued)."""
    stored = await get_credential(session, tenant, credential_id)
    if stored is None:
        return None
    status = await credential_status(session, tenant, credential_id) or {}
    events = await status_events(session, tenant, credential_id)
    return CredentialRecord(
        credential=stored, status=status,
        events=tuple(StatusEventRecord(purpose=e.purpose, action=e.action, actor=e.actor,
                                       reason=e.reason, at=e.at) for e in events))

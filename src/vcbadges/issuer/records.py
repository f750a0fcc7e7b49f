"""What an issuer can read back about a credential it issued: the document as issued, whom
it was awarded to, the current bit of each status entry, and the audit trail of status
changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vcbadges.issuer.issuance import StoredCredential, get_credential
from vcbadges.issuer.keystore import KeyStore
from vcbadges.issuer.recipients import open_email, subject_name
from vcbadges.issuer.status import StatusPurpose, credential_status, status_events
from vcbadges.issuer.tenants import Tenant
from vcbadges.primitives.dates import format_datetime
from vcbadges.proofs.jose import read_jwt_credential
from vcbadges.storage.db import Session

__all__ = ["StatusEventRecord", "CredentialRecord", "RecipientRecord", "credential_record",
           "recipient_of"]


@dataclass(frozen=True)
class StatusEventRecord:
    """One recorded status change: what was done, by whom (``key:<id>`` of the API key, or
    ``cli``), why, and when."""

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


@dataclass(frozen=True)
class RecipientRecord:
    """Whom the issuer awarded a credential to, as far as it knows: the subject's ``id``, the
    name the credential gives its subject, and the e-mail address the award was made to
    (which only the issuer's record holds in clear; the credential has its hash)."""

    id: str | None
    name: str | None
    email: str | None

    def to_json(self) -> dict[str, str]:
        """``{"name"?, "email"?, "id"?}``: only what is known."""
        return {k: v for k, v in (("name", self.name), ("email", self.email), ("id", self.id))
                if v is not None}


def _issued_credential(stored: StoredCredential) -> dict[str, Any]:
    """The credential as this issuer signed it (for a JWT, the credential inside)."""
    return stored.json() if stored.format == "di" else read_jwt_credential(stored.document)


async def recipient_of(stored: StoredCredential, keystore: KeyStore) -> RecipientRecord:
    """Whom ``stored`` was awarded to; the e-mail address is unsealed with ``keystore``."""
    email = await open_email(keystore, stored.tenant_id, stored.id,
                             stored.recipient_email_sealed)
    return RecipientRecord(id=stored.subject, name=subject_name(_issued_credential(stored)),
                           email=email)

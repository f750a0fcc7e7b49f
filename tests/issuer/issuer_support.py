"""Shared by the issuer tests: the pinned clock, the service URL, and a scan of everything
the database holds (every row, and the SQLite files) for secrets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from vcbadges.credentials.sample import sample_badge
from vcbadges.issuer import KeyStore, StoredCredential, issue_for_tenant
from vcbadges.storage import DatabaseConfig
from vcbadges.storage.models import Tenant

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
BASE_URL = "https://badges.example.edu"
MASTER_KEY = bytes(range(32))
LEARNER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def badge(tenant: Tenant, *, subject: str = LEARNER) -> dict[str, Any]:
    """An unsigned Open Badge issued by the tenant."""
    return sample_badge(issuer=tenant.did, subject=subject, valid_from=NOW).to_json()


def plain_credential(subject: str = LEARNER) -> dict[str, Any]:
    """An unsigned VCDM 2.0 credential that is not an Open Badge (so it may carry several
    status entries)."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": subject, "name": "A learner"},
    }


async def issue(
    db: DatabaseConfig, tenant: Tenant, keystore: KeyStore,
    credential: dict[str, Any] | None = None, **options: Any,
) -> StoredCredential:
    """Issue (and commit) one credential for the tenant: by default an Open Badge."""
    document = badge(tenant) if credential is None else credential
    async with db.sessionmaker()() as session, session.begin():
        return await issue_for_tenant(session, tenant, document, keystore=keystore,
                                      base_url=BASE_URL, now=NOW, **options)

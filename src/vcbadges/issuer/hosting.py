"""DID documents the service hosts for its did:web tenants, and the demo tenant it starts with.

``did:web:<host>:<name>`` resolves to ``https://<host>/<name>/did.json``; a bare
``did:web:<host>`` to ``https://<host>/.well-known/did.json``. Both are answered from the
tenant table: a did:key tenant, or a name or host that no tenant has, has no document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vcbadges.issuer.achievements import create_achievement
from vcbadges.issuer.keystore import KeyStore
from vcbadges.issuer.tenants import create_tenant, did_document, tenant_by_name
from vcbadges.storage import queries
from vcbadges.storage.db import Session

__all__ = ["DEMO_TENANT", "DEMO_DISPLAY_NAME", "tenant_did_document", "host_did_document",
           "create_demo_tenant"]

#: The name of the issuer tenant a fresh service creates for trying it out.
DEMO_TENANT = "demo"
#: What people see of it: its badges' issuer name.
DEMO_DISPLAY_NAME = "vcbadges demo issuer"

_DEMO_ACHIEVEMENT = {
    "name": "Open Badges Explorer",
    "description": "Issued, held and verified a first Open Badges 3.0 credential.",
    "criteria": {"narrative": "Completed the vcbadges walkthrough."},
    "achievementType": "Badge",
}


async def tenant_did_document(session: Session, name: str) -> dict[str, Any] | None:
    """The DID document served at ``/<name>/did.json``, or None (also for a ``name`` that
    is not a tenant name, which is not looked up)."""
    tenant = await tenant_by_name(session, name)
    return None if tenant is None else await did_document(session, tenant)


async def host_did_document(session: Session, host: str) -> dict[str, Any] | None:
    """The document of the bare ``did:web:<host>`` (served at ``/.well-known/did.json``),
    or None. ``host`` may carry a port, percent-encoded in the DID as did:web requires."""
    tenant = await queries.tenant_by_did(session, "did:web:" + host.lower().replace(":", "%3A"))
    return None if tenant is None else await did_document(session, tenant)


async def create_demo_tenant(
    session: Session, *, keystore: KeyStore, now: datetime | None = None
) -> str | None:
    """Create the demo tenant (a did:key issuer) with one achievement template, unless it
    exists; return its API key (to show once), or None when it was there already.

    Several processes starting on one new database may race here: the losers get a
    ``StorageError`` with code ``conflict``, after which the transaction must be rolled back.
    """
    if await queries.tenant_by_name(session, DEMO_TENANT) is not None:
        return None
    tenant, api_key = await create_tenant(session, DEMO_TENANT, keystore=keystore,
                                          display_name=DEMO_DISPLAY_NAME, now=now)
    await create_achievement(session, tenant, "explorer", _DEMO_ACHIEVEMENT, now=now)
    return api_key

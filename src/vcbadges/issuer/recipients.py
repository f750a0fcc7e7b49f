"""Whom a badge was awarded to, in words a person reads: a name, an e-mail address.

The name is in the badge itself, in clear: an ``IdentityObject`` of ``identityType``
``name`` with ``hashed`` false among the subject's ``identifier`` values, the place Open
Badges 3.0 defines for it. ``AchievementSubject`` has no ``name`` of its own in the OB 3.0
data model, and issuers that put one there use it for the badge's title as often as for a
person (1EdTech's own validator fixtures do), so only the identifier is read as a name.

The e-mail address is in the badge only as a salted hash, so that a badge shown around does
not publish it. The issuer that was given the address keeps it beside its record of the
credential, sealed by its key store and bound to that tenant and credential: a database
copied without the master key shows no address, and a sealed address moved to another
record does not open.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from vcbadges.errors import StorageError
from vcbadges.issuer.keystore import KeyStore

__all__ = ["subject_name", "seal_email", "open_email"]


def subject_name(credential: Mapping[str, Any]) -> str | None:
    """The name a credential gives its (first) subject: the value of its first unhashed
    ``IdentityObject`` of ``identityType`` ``name``; None when it names none."""
    subject = credential.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    first = next((s for s in subjects if isinstance(s, Mapping)), {})
    identifiers = first.get("identifier")
    items = identifiers if isinstance(identifiers, list) else [identifiers]
    for item in items:
        if (isinstance(item, Mapping) and item.get("identityType") == "name"
                and item.get("hashed") is False and isinstance(item.get("identityHash"), str)
                and item["identityHash"].strip()):
            return str(item["identityHash"])
    return None


def _context(tenant_id: uuid.UUID, credential_id: str) -> str:
    return f"recipient-email\x00{tenant_id}\x00{credential_id}"


async def seal_email(keystore: KeyStore, tenant_id: uuid.UUID, credential_id: str,
                     email: str) -> bytes:
    """The e-mail address an award of ``credential_id`` was made to, sealed for storage."""
    return await keystore.seal(email.encode("utf-8"),
                               context=_context(tenant_id, credential_id))


async def open_email(keystore: KeyStore, tenant_id: uuid.UUID, credential_id: str,
                     sealed: bytes | None) -> str | None:
    """The address :func:`seal_email` sealed for this credential, or None: also when it
    cannot be opened (the master key changed, the row was tampered with), since the record
    of the credential is still worth reading without it."""
    if sealed is None:
        return None
    try:
        data = await keystore.unseal(sealed, context=_context(tenant_id, credential_id))
    except StorageError:
        return None
    return data.decode("utf-8")

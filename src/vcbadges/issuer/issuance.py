"""Issue a credential for a tenant: status entries, signature and record in one transaction.

:func:`issue_for_tenant` allocates the status indexes, adds their ``credentialStatus``
entries, signs with the tenant's key through :func:`vcbadges.issue`, and stores the result.
It never commits: run it inside the caller's transaction, so that either everything is kept
(the indexes, the credential, their link) or nothing is; a bulk job may issue many
credentials in one transaction.

The stored document is the exact JSON text that is returned to the caller, serialized once;
it is never re-serialized from a parsed copy, since a verifier must see the bytes that were
signed (and a VC-JWT is a string anyway).

Every read takes the tenant and filters by it: another tenant's credential is reported as
absent (None), exactly like an id that was never issued.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from vcbadges._api import issue, issue_jwt
from vcbadges.credentials.issuable import check_issuable
from vcbadges.errors import CredentialError, StorageError, UnsupportedCryptosuite
from vcbadges.issuer.keystore import KeyStore
from vcbadges.issuer.recipients import seal_email
from vcbadges.issuer.status import (
    DEFAULT_LIST_SIZE,
    StatusPurpose,
    allocate_index,
    status_list_url,
)
from vcbadges.issuer.tenants import Tenant, signing_key
from vcbadges.jsonld.loader import DocumentLoader
from vcbadges.primitives.dates import utcnow
from vcbadges.primitives.keys import SigningKey
from vcbadges.proofs.di import SUITES
from vcbadges.status.bitstring import status_entry, with_status_context
from vcbadges.storage import queries
from vcbadges.storage.db import Session
from vcbadges.storage.records import CredentialRecord

__all__ = [
    "StoredCredential",
    "DEFAULT_PURPOSES",
    "issue_for_tenant",
    "get_credential",
    "list_credentials",
    "subject_id",
]

_MAX_PAGE = 1000


@dataclass(frozen=True)
class StoredCredential:
    """An issued credential as stored: ``document`` is the exact text that was issued;
    ``recipient_email_sealed`` the address an award was made to, sealed (see
    :mod:`vcbadges.issuer.recipients`), or None."""

    id: str
    tenant_id: uuid.UUID
    format: Literal["di", "jwt"]
    document: str
    subject: str | None
    issued_at: datetime
    recipient_email_sealed: bytes | None = None

    def json(self) -> dict[str, Any]:
        """The document parsed (a Data Integrity credential); ``ValueError`` for a VC-JWT."""
        if self.format != "di":
            raise ValueError("a VC-JWT is a compact string, not JSON")
        value: dict[str, Any] = json.loads(self.document)
        return value

    @classmethod
    def _of(cls, row: CredentialRecord) -> StoredCredential:
        return cls(id=row.id, tenant_id=row.tenant_id,
                   format="jwt" if row.format == "jwt" else "di", document=row.document,
                   subject=row.subject, issued_at=row.issued_at,
                   recipient_email_sealed=row.recipient_email_sealed)


#: The status entries a credential gets unless the caller (or its achievement template)
#: chooses: one revocation entry, a single ``credentialStatus`` object, as the official OB 3.0
#: JSON schema requires. ``("revocation", "suspension")`` adds a suspension entry, making
#: ``credentialStatus`` an array: valid VCDM 2.0, but a deviation from the OB 3.0 schema (see
#: DEVIATION 6 in :mod:`vcbadges.credentials.schema`).
DEFAULT_PURPOSES: tuple[StatusPurpose, ...] = ("revocation",)


def subject_id(credential: Mapping[str, Any]) -> str | None:
    """The id of the credential's (first) subject, as stored beside the credential."""
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and subject:
        subject = subject[0]
    if isinstance(subject, dict) and isinstance(subject.get("id"), str):
        return str(subject["id"])
    return None



def check_suite(suite: str | None, key: SigningKey) -> None:
    """Refuse (``UnsupportedCryptosuite``) a chosen cryptosuite that is unknown or that
    ``key`` cannot sign; None (the key's default suite) always passes."""
    if suite is None:
        return
    chosen_suite = SUITES.get(suite)
    if chosen_suite is None:
        raise UnsupportedCryptosuite(f"cryptosuite {suite!r} is not supported")
    if chosen_suite.key_algorithm != key.algorithm:
        raise UnsupportedCryptosuite(
            f"{suite} needs a {chosen_suite.key_algorithm} key; this issuer signs with "
            f"{key.algorithm}")
async def issue_for_tenant(
    session: Session,
    tenant: Tenant,
    credential: Mapping[str, Any],
    *,
    keystore: KeyStore,
    base_url: str,
    suite: str | None = None,
    purposes: Sequence[StatusPurpose] | None = None,
    list_size: int = DEFAULT_LIST_SIZE,
    loader: DocumentLoader | None = None,
    now: datetime | None = None,
    format: Literal["di", "jwt", "vc+jwt"] = "di",
    recipient_email: str | None = None,
) -> StoredCredential:
    """Sign ``credential`` as the tenant, with status entries, and store it.

    ``credential`` is unsigned and has no ``credentialStatus`` (the service owns status).
    One index is allocated per purpose in ``purposes`` (default: :data:`DEFAULT_PURPOSES`,
    revocation only), each entry pointing at ``{base_url}/issuer/status/{list_id}``
    (:func:`~vcbadges.issuer.status.status_list_url`); a single entry is an object, several
    are an array. ``suite`` chooses the cryptosuite (default: eddsa-rdfc-2022 for Ed25519
    keys, ecdsa-rdfc-2019 for P-256). ``format`` ``"jwt"`` (OB 3.0 VC-JWT) or ``"vc+jwt"``
    (VC-JOSE) signs a compact JWT instead of adding a Data Integrity proof (see
    :func:`vcbadges.issue_jwt`); ``suite`` must then be None, and the stored document is the
    token. ``recipient_email``, the address an award was made to (which the credential holds
    only hashed), is kept with the record, sealed by ``keystore``. The input is not modified.

    Raises ``CredentialError`` for a credential that already carries status or a proof, an
    issuer other than the tenant, or an invalid Open Badge (``JSONLDError`` for terms the
    contexts do not define); ``StorageError`` (``conflict``) when the tenant already issued
    a credential with the same ``id``. Nothing is committed. After these errors the caller's
    transaction is still usable (the indexes claimed are released again), except after a
    database error, including a ``conflict`` that only the insert found (a concurrent
    transaction stored the same id first): then it must be rolled back.
    """
    if "credentialStatus" in credential:
        raise CredentialError("the issuer adds credentialStatus; leave it out",
                              code="credential_status_not_allowed")
    check_issuable(credential)  # Signing checks again; this refuses before claiming indexes.
    if format != "di" and suite is not None:
        raise ValueError("a cryptosuite applies to Data Integrity proofs, not to JWTs")
    chosen = tuple(DEFAULT_PURPOSES if purposes is None else purposes)
    if len(set(chosen)) != len(chosen):
        raise ValueError("each status purpose may appear once")
    when = now or utcnow()
    key = await signing_key(session, tenant, keystore)
    check_suite(suite, key)
    document = dict(credential)
    credential_id = document.get("id")
    if credential_id is None:
        # A fresh UUID cannot have been issued before: no need to look.
        credential_id = document["id"] = f"urn:uuid:{uuid.uuid4()}"
    elif not isinstance(credential_id, str) or not credential_id:
        raise CredentialError("the credential id must be a non-empty string",
                              code="malformed_credential")
    elif await queries.get_credential(session, tenant.id, credential_id) is not None:
        # Checked before anything is written, so that the caller's transaction stays
        # usable (a bulk job can report the row and go on).
        raise StorageError(f"a credential with id {credential_id} was already issued",
                           code="conflict")
    claimed: list[tuple[uuid.UUID, int]] = []
    entries: list[dict[str, Any]] = []
    for purpose in chosen:
        status_list, index = await allocate_index(
            session, tenant, purpose, credential_id=credential_id, size=list_size, now=when)
        claimed.append((status_list.id, index))
        entries.append(status_entry(list_credential=status_list_url(base_url, status_list.id),
                                    index=index, purpose=purpose))
    if entries:
        document["credentialStatus"] = entries[0] if len(entries) == 1 else entries
        document = with_status_context(document)
    try:
        if format == "di":
            text = json.dumps(
                await issue(document, key=key, loader=loader, cryptosuite=suite, now=when),
                ensure_ascii=False, separators=(",", ":"))
        else:
            text = await issue_jwt(document, key=key, loader=loader, format=format, now=when)
    except Exception:
        # Give the indexes back, so that the caller's transaction can still commit the
        # other credentials it holds (a savepoint per credential would do the same, but
        # thousands of them in one bulk transaction slow PostgreSQL down).
        await queries.release_indexes(session, tenant.id, credential_id, claimed)
        raise
    sealed = (None if recipient_email is None
              else await seal_email(keystore, tenant.id, credential_id, recipient_email))
    row = CredentialRecord(tenant_id=tenant.id, id=credential_id, subject=subject_id(document),
                           format="di" if format == "di" else "jwt", document=text,
                           issued_at=when, recipient_email_sealed=sealed)
    await queries.add_credential(session, row)
    return StoredCredential._of(row)


async def get_credential(
    session: Session, tenant: Tenant, credential_id: str
) -> StoredCredential | None:
    """The tenant's credential with this id, or None (also for another tenant's)."""
    row = await queries.get_credential(session, tenant.id, credential_id)
    return None if row is None else StoredCredential._of(row)


async def list_credentials(
    session: Session, tenant: Tenant, *, limit: int = 100, offset: int = 0
) -> list[StoredCredential]:
    """The tenant's credentials in issue order, one page of at most ``limit`` (≤ 1000)."""
    if not 0 < limit <= _MAX_PAGE or offset < 0:
        raise ValueError(f"limit must be 1 to {_MAX_PAGE} and offset not negative")
    rows = await queries.list_credentials(session, tenant.id, limit=limit, offset=offset)
    return [StoredCredential._of(row) for row in rows]

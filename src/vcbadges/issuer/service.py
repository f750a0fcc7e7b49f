"""The issuing service: one object per process that owns its transactions.

:class:`IssuerService` is what the web layer (and any other front end that runs for a
while) calls; every method opens and commits its own transaction(s) and returns plain
dataclasses. The session-taking functions of :mod:`vcbadges.issuer.issuance`,
:mod:`~vcbadges.issuer.status` and :mod:`~vcbadges.issuer.achievements` remain for callers
that compose their own transaction.

Issuance signs first and stores after (as bulk issuance does): the status indexes are
candidates from the tenant's :class:`~vcbadges.issuer.allocator.IndexAllocator`, the
credential is signed with them outside any transaction, and the
:class:`~vcbadges.issuer.commits.CommitCoalescer` then claims the indexes and inserts the
credential, in one transaction shared with the other requests that arrived meanwhile. An
index claimed first by another process makes the credential be signed again with another.
So SQLite's one writer is held for a few statements per batch, never for a signature.

What does not change per request is kept in memory (:class:`~vcbadges.issuer.caches.
Expiring`): the tenant behind an API key (a few seconds, so a key revoked elsewhere stops
working within them; :meth:`IssuerService.revoke_api_key` forgets it here at once), the
tenant's unwrapped signing key (:meth:`IssuerService.forget_signing_key` after a rotation;
other processes see a new key within a minute), and achievement templates (never changed
once stored).

A status change commits, then tells the status-list publisher of this process
(:meth:`~vcbadges.issuer.publish.StatusListPublisher.invalidate`), so that the very next
verification here reads the changed list.
"""

from __future__ import annotations

import hmac
import json
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from vcbadges._api import issue, issue_jwt
from vcbadges.credentials import vcdm
from vcbadges.credentials.disclosure import default_mandatory_pointers
from vcbadges.credentials.issuable import check_issuable
from vcbadges.errors import CredentialError, StorageError
from vcbadges.issuer.achievements import (
    UNKNOWN_ACHIEVEMENT,
    AchievementTemplate,
    Recipient,
    award_credential,
    create_achievement,
    get_achievement,
    issuer_profile,
    list_achievements,
)
from vcbadges.issuer.allocator import IndexAllocator
from vcbadges.issuer.caches import Expiring
from vcbadges.issuer.commits import CommitCoalescer
from vcbadges.issuer.issuance import (
    DEFAULT_PURPOSES,
    StoredCredential,
    check_suite,
    get_credential,
    list_credentials,
    subject_id,
)
from vcbadges.issuer.keystore import KeyStore
from vcbadges.issuer.publish import StatusListPublisher
from vcbadges.issuer.recipients import seal_email
from vcbadges.issuer.records import CredentialRecord, credential_record
from vcbadges.issuer.status import (
    DEFAULT_LIST_SIZE,
    StatusChange,
    StatusPurpose,
    set_status,
)
from vcbadges.issuer.tenants import (
    Tenant,
    api_key_digest,
    api_key_prefix,
    revoke_api_key,
    signing_key,
    tenant_by_name,
)
from vcbadges.jsonld.loader import DocumentLoader
from vcbadges.primitives.dates import utcnow
from vcbadges.primitives.keys import SigningKey
from vcbadges.proofs.cryptosuites import ecdsa_sd_2023
from vcbadges.status.bitstring import status_entry, with_status_context
from vcbadges.storage import DatabaseConfig, queries
from vcbadges.storage.issued import SignedCredential

__all__ = ["Caller", "IssuerService", "OfferedAward"]

Format = Literal["di", "jwt", "vc+jwt"]

# Signings of one credential before giving up on finding free indexes (each retry follows
# a collision with another process).
_MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: the tenant, and the id of the key it used (``key:<uuid>``),
    which names the caller in audit records without revealing any of the key."""

    tenant: Tenant
    actor: str


@dataclass(frozen=True)
class _KnownKey:
    """An API key's row as last read: its hash, whether revoked, its tenant."""

    digest: bytes
    revoked: bool
    caller: Caller


@dataclass(frozen=True)
class OfferedAward:
    """What an OpenID4VCI offer awards (as the console made it): the template's slug, and
    optionally the credential id, the recipient's name and evidence items."""

    achievement: str
    credential_id: str | None = None
    recipient_name: str | None = None
    evidence: tuple[Mapping[str, Any], ...] = ()


def _evidence_object(item: Mapping[str, Any]) -> dict[str, Any]:
    """An Open Badges ``Evidence`` object from an (already checked) evidence item."""
    out: dict[str, Any] = {}
    if isinstance(item.get("id"), str):
        out["id"] = item["id"]
    out["type"] = ["Evidence"]
    for key in ("name", "narrative", "description"):
        if isinstance(item.get(key), str):
            out[key] = item[key]
    return out


class IssuerService:
    """Issuance, status changes and authentication for the tenants of one database."""

    def __init__(
        self,
        db: DatabaseConfig,
        keystore: KeyStore,
        *,
        base_url: str,
        loader: DocumentLoader | None = None,
        list_size: int = DEFAULT_LIST_SIZE,
        publisher: StatusListPublisher | None = None,
        api_key_ttl: float = 5.0,
        signing_key_ttl: float = 60.0,
        template_ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._keystore = keystore
        self._base_url = base_url
        self._loader = loader
        self._list_size = list_size
        self._publisher = publisher
        self._commits = CommitCoalescer(db)
        self._allocators: dict[tuple[uuid.UUID, StatusPurpose], IndexAllocator] = {}
        self._api_keys: Expiring[str, _KnownKey] = Expiring(size=1024, ttl=api_key_ttl,
                                                            clock=clock)
        self._keys: Expiring[uuid.UUID, SigningKey] = Expiring(size=256, ttl=signing_key_ttl,
                                                               clock=clock)
        self._templates: Expiring[tuple[uuid.UUID, str], AchievementTemplate] = Expiring(
            size=1024, ttl=template_ttl, clock=clock)

    # --- who is calling ----------------------------------------------------------------

    async def authenticate(self, api_key: str) -> Caller | None:
        """The caller whose live API key this is, or None (malformed, unknown, revoked).

        The stored hash is compared in constant time, whether the key's row came from the
        database or from memory.
        """
        prefix = api_key_prefix(api_key)
        if prefix is None:
            return None
        digest = api_key_digest(api_key)
        known = self._api_keys.get(prefix)
        if known is None:
            async with self._db.sessionmaker(write=False)() as session, session.begin():
                record = await queries.api_key_by_prefix(session, prefix)
                tenant = (None if record is None
                          else await queries.get_tenant(session, record.tenant_id))
            if record is None or tenant is None:
                hmac.compare_digest(bytes(len(digest)), digest)
                return None
            known = _KnownKey(digest=record.hash, revoked=record.revoked_at is not None,
                              caller=Caller(tenant=tenant, actor=f"key:{record.id}"))
            self._api_keys.put(prefix, known)
        if not hmac.compare_digest(known.digest, digest) or known.revoked:
            return None
        return known.caller

    async def revoke_api_key(self, tenant: Tenant, prefix: str) -> bool:
        """Revoke the tenant's key with this prefix (committed); False if it has no such
        live key. This process stops accepting it at once."""
        async with self._db.sessionmaker()() as session, session.begin():
            revoked = await revoke_api_key(session, tenant, prefix)
        self._api_keys.forget(prefix)
        return revoked

    async def tenant_by_name(self, name: str) -> Tenant | None:
        """The tenant with this name, or None (also for a string that is not a name)."""
        async with self._db.sessionmaker(write=False)() as session, session.begin():
            return await tenant_by_name(session, name)

    async def signing_algorithm(self, tenant: Tenant) -> str:
        """The algorithm of the tenant's current signing key (``Ed25519`` or ``P-256``),
        read without unwrapping the key; ``StorageError`` if it has none."""
        held = self._keys.get(tenant.id)
        if held is not None:
            return held.algorithm
        async with self._db.sessionmaker(write=False)() as session, session.begin():
            records = await queries.signing_keys(session, tenant.id)
        if not records:
            raise StorageError(f"tenant {tenant.name!r} has no signing key",
                               code="no_signing_key")
        return records[0].algorithm

    def forget_signing_key(self, tenant_id: uuid.UUID) -> None:
        """Read the tenant's signing key again before its next signature (after a key
        rotation in this process)."""
        self._keys.forget(tenant_id)

    # --- issuance ----------------------------------------------------------------------

    async def issue(
        self,
        tenant: Tenant,
        credential: Mapping[str, Any],
        *,
        suite: str | None = None,
        purposes: Sequence[StatusPurpose] | None = None,
        format: Format = "di",
        recipient_email: str | None = None,
        mandatory_pointers: Sequence[str] | None = None,
        now: datetime | None = None,
    ) -> StoredCredential:
        """Sign ``credential`` as the tenant, with status entries, and store it (committed).

        The options and errors are those of :func:`~vcbadges.issuer.issue_for_tenant`; a
        ``conflict`` is raised for an id the tenant already issued, whenever found.
        ``mandatory_pointers`` (ecdsa-sd-2023 only, else ``ValueError``) are JSON pointers
        every disclosure must show besides the defaults of
        :mod:`vcbadges.credentials.disclosure`, which stay mandatory so that no holder can
        withhold a badge's issuer, validity or status.

        A credential that brings its own ``credentialStatus`` is signed with it as given and
        gets no entry of this service's lists: its issuer keeps that status elsewhere (a
        status service of its own, as VC-API callers may run), and this service's status
        endpoint has nothing to change for it. ``purposes`` cannot be asked for as well.
        """
        own_status = "credentialStatus" in credential
        if own_status and purposes is not None:
            raise CredentialError("choose statusPurposes or bring a credentialStatus of your "
                                  "own, not both", code="credential_status_conflict")
        if format != "di" and suite is not None:
            raise ValueError("a cryptosuite applies to Data Integrity proofs, not to JWTs")
        if mandatory_pointers is not None and suite != ecdsa_sd_2023.NAME:
            raise ValueError(f"mandatory pointers apply to {ecdsa_sd_2023.NAME} only")
        chosen = () if own_status else tuple(DEFAULT_PURPOSES if purposes is None else purposes)
        if len(set(chosen)) != len(chosen):
            raise ValueError("each status purpose may appear once")
        check_issuable(credential)  # Signing checks again; this refuses before drawing indexes.
        when = now or utcnow()
        key = await self._signing_key(tenant)
        check_suite(suite, key)
        document = dict(credential)
        credential_id = document.get("id")
        if credential_id is None:
            # A fresh UUID cannot have been issued before: no need to look.
            credential_id = document["id"] = f"urn:uuid:{uuid.uuid4()}"
        elif not isinstance(credential_id, str) or not credential_id:
            raise CredentialError("the credential id must be a non-empty string",
                                  code="malformed_credential")
        elif await self._issued_before(tenant, credential_id):
            raise _conflict(credential_id)
        sealed = (None if recipient_email is None
                  else await seal_email(self._keystore, tenant.id, credential_id,
                                        recipient_email))
        allocators = [self._allocator(tenant, purpose) for purpose in chosen]
        for _ in range(_MAX_ATTEMPTS):
            candidates = [(await allocator.draw(1, when))[0] for allocator in allocators]
            entries = [status_entry(list_credential=allocator.url(list_id), index=index,
                                    purpose=allocator.purpose)
                       for allocator, (list_id, index) in zip(allocators, candidates,
                                                              strict=True)]
            if entries:
                document["credentialStatus"] = entries[0] if len(entries) == 1 else entries
                document = with_status_context(document)
            try:
                await self._commits.quiet()
                pointers = (None if mandatory_pointers is None
                            else _mandatory(document, mandatory_pointers))
                text = await self._sign(document, key, suite, format, when, pointers)
            except BaseException:
                for allocator, pair in zip(allocators, candidates, strict=True):
                    allocator.settle([pair])
                raise
            try:
                outcome = await self._commits.store(SignedCredential(
                    tenant_id=tenant.id, id=credential_id,
                    format="di" if format == "di" else "jwt", document=text,
                    subject=subject_id(document), issued_at=when,
                    recipient_email_sealed=sealed, indexes=tuple(candidates)))
            except BaseException:
                for allocator, pair in zip(allocators, candidates, strict=True):
                    allocator.settle([pair])
                raise
            won = outcome == "stored"
            for allocator, pair in zip(allocators, candidates, strict=True):
                collided = outcome == "index_taken"
                allocator.settle([pair], claimed=int(won), collided=int(collided))
            if outcome == "duplicate":
                raise _conflict(credential_id)
            if won:
                return StoredCredential(
                    id=credential_id, tenant_id=tenant.id,
                    format="di" if format == "di" else "jwt", document=text,
                    subject=subject_id(document), issued_at=when,
                    recipient_email_sealed=sealed)
        raise StorageError("could not allocate a free status list index",
                           code="allocation_failed")

    async def award(
        self,
        tenant: Tenant,
        slug: str,
        recipient: Recipient,
        *,
        suite: str | None = None,
        purposes: Sequence[StatusPurpose] | None = None,
        format: Format = "di",
        mandatory_pointers: Sequence[str] | None = None,
        now: datetime | None = None,
    ) -> StoredCredential:
        """Award the tenant's achievement ``slug`` to ``recipient`` (see
        :func:`~vcbadges.issuer.achievements.issue_award`), with the template's status
        purposes unless ``purposes`` chooses; committed. ``mandatory_pointers`` as for
        :meth:`issue`."""
        when = now or utcnow()
        template = await self.achievement(tenant, slug)
        if template is None:
            raise CredentialError(f"there is no achievement template {slug!r}",
                                  code=UNKNOWN_ACHIEVEMENT)
        unsigned = award_credential(template, recipient, issuer=issuer_profile(tenant),
                                    now=when)
        chosen = template.status_purposes if purposes is None else purposes
        return await self.issue(tenant, unsigned, suite=suite, purposes=chosen,
                                format=format, recipient_email=recipient.email,
                                mandatory_pointers=mandatory_pointers, now=when)

    async def award_offer(
        self,
        tenant: Tenant,
        offered: OfferedAward,
        holder: str,
        *,
        format: Literal["di", "jwt"],
        now: datetime | None = None,
    ) -> StoredCredential | None:
        """Issue what an OpenID4VCI offer awards to ``holder``, the DID that proved
        possession of its key: the template's badge with the holder as its subject, the
        offer's credential id, the recipient's name (in clear) and evidence. None when the
        template no longer exists. Committed."""
        when = now or utcnow()
        template = await self.achievement(tenant, offered.achievement)
        if template is None:
            return None
        unsigned = award_credential(template, Recipient(id=holder),
                                    issuer=issuer_profile(tenant), now=when)
        if offered.credential_id is not None:
            unsigned["id"] = offered.credential_id
        if offered.recipient_name:
            unsigned["credentialSubject"]["identifier"] = [{
                "type": "IdentityObject", "identityHash": offered.recipient_name,
                "identityType": "name", "hashed": False}]
        if offered.evidence:
            unsigned["evidence"] = [_evidence_object(item) for item in offered.evidence]
        return await self.issue(tenant, unsigned, format=format, now=when,
                                purposes=template.status_purposes)

    async def achievement(self, tenant: Tenant, slug: str) -> AchievementTemplate | None:
        """The tenant's template ``slug`` (kept in memory once read), or None."""
        held = self._templates.get((tenant.id, slug))
        if held is not None:
            return held
        async with self._db.sessionmaker(write=False)() as session, session.begin():
            template = await get_achievement(session, tenant, slug)
        if template is not None:
            self._templates.put((tenant.id, slug), template)
        return template

    async def add_achievement(self, tenant: Tenant, slug: Any, achievement: Any, *,
                              status_purposes: Any = None) -> AchievementTemplate:
        """Store a new template (see :func:`~vcbadges.issuer.achievements.
        create_achievement` for the checks and errors); committed."""
        async with self._db.sessionmaker()() as session, session.begin():
            return await create_achievement(session, tenant, slug, achievement,
                                            status_purposes=status_purposes)

    async def achievements(self, tenant: Tenant, *, limit: int,
                           offset: int) -> list[AchievementTemplate]:
        """One page of the tenant's templates."""
        async with self._db.sessionmaker(write=False)() as session, session.begin():
            return await list_achievements(session, tenant, limit=limit, offset=offset)

    # --- reading back --------------------------------------------------------------------

    async def credential(self, tenant: Tenant, credential_id: str) -> StoredCredential | None:
        """The tenant's credential with this id, or None (also for another tenant's)."""
        async with self._db.sessionmaker(write=False)() as session, session.begin():
            return await get_credential(session, tenant, credential_id)

    async def credentials(self, tenant: Tenant, *, limit: int,
                          offset: int) -> list[StoredCredential]:
        """One page of the tenant's credentials, in issue order."""
        async with self._db.sessionmaker(write=False)() as session, session.begin():
            return await list_credentials(session, tenant, limit=limit, offset=offset)

    async def credential_record(self, tenant: Tenant,
                                credential_id: str) -> CredentialRecord | None:
        """The tenant's credential with its status and status events, or None."""
        async with self._db.sessionmaker(write=False)() as session, session.begin():
            return await credential_record(session, tenant, credential_id)

    # --- status ------------------------------------------------------------------------

    async def set_statuses(
        self,
        tenant: Tenant,
        credential_id: str,
        changes: Sequence[tuple[StatusPurpose, bool]],
        *,
        actor: str,
        reason: str | None = None,
    ) -> list[StatusChange]:
        """Apply ``(purpose, value)`` changes to the tenant's credential in one transaction
        (see :func:`~vcbadges.issuer.status.set_status` for the errors); once committed,
        tell the status-list publisher if anything changed."""
        async with self._db.sessionmaker()() as session, session.begin():
            done = [await set_status(session, tenant, credential_id, purpose=purpose,
                                     value=value, actor=actor, reason=reason)
                    for purpose, value in changes]
        if any(change.changed for change in done) and self._publisher is not None:
            # Committed: the next verification in this process must read the changed list.
            self._publisher.invalidate()
        return done

    async def close(self) -> None:
        """Finish the commits under way (call it before closing the database)."""
        await self._commits.close()

    # --- helpers -----------------------------------------------------------------------

    def _allocator(self, tenant: Tenant, purpose: StatusPurpose) -> IndexAllocator:
        allocator = self._allocators.get((tenant.id, purpose))
        if allocator is None:
            allocator = self._allocators[(tenant.id, purpose)] = IndexAllocator(
                self._db, tenant.id, purpose, self._list_size, self._base_url)
        return allocator

    async def _signing_key(self, tenant: Tenant) -> SigningKey:
        key = self._keys.get(tenant.id)
        if key is None:
            async with self._db.sessionmaker(write=False)() as session, session.begin():
                key = await signing_key(session, tenant, self._keystore)
            self._keys.put(tenant.id, key)
        return key

    async def _issued_before(self, tenant: Tenant, credential_id: str) -> bool:
        async with self._db.sessionmaker(write=False)() as session, session.begin():
            return await queries.get_credential(session, tenant.id, credential_id) is not None

    async def _sign(self, document: dict[str, Any], key: SigningKey, suite: str | None,
                    format: Format, when: datetime,
                    mandatory_pointers: Sequence[str] | None = None) -> str:
        if format == "di":
            signed = await issue(document, key=key, loader=self._loader, cryptosuite=suite,
                                 mandatory_pointers=mandatory_pointers, now=when)
            # Serialized once: these bytes are what is stored and returned.
            return json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
        return await issue_jwt(document, key=key, loader=self._loader, format=format,
                               now=when)


def _mandatory(document: dict[str, Any], extra: Sequence[str]) -> list[str]:
    """The defaults for ``document`` as it will be signed (signing fills the start of its
    validity when absent), then the caller's ``extra`` pointers, each once."""
    start = "validFrom" if vcdm.version_of(document) == "2.0" else "issuanceDate"
    defaults = default_mandatory_pointers({start: None, **document})
    return list(dict.fromkeys([*defaults, *extra]))


def _conflict(credential_id: str) -> StorageError:
    return StorageError(f"a credential with id {credential_id} was already issued",
                        code="conflict")

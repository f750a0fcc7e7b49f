"""Every SQL statement the issuer core runs, so that only ``storage/`` imports SQLAlchemy.

Each function takes the caller's session and never commits: the caller decides what one
transaction holds (one credential, or a batch of them). Every query on tenant data takes a
``tenant_id`` and filters by it, so a caller cannot forget the filter; the only queries
without one serve data that is public by design (a status list, an API key looked up by its
public prefix before the tenant is known).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from vcbadges.errors import StorageError
from vcbadges.storage.db import Session
from vcbadges.storage.models import (
    Achievement,
    ApiKey,
    Base,
    BulkJob,
    Credential,
    SigningKeyRecord,
    StatusAllocation,
    StatusEvent,
    StatusList,
    Tenant,
)
from vcbadges.storage.records import (
    AchievementRecord,
    AllocationRecord,
    ApiKeyRecord,
    BulkJobRecord,
    CredentialRecord,
    StatusEventRecord,
    StatusListRecord,
    StoredSigningKey,
    TenantRecord,
)

# Writes on the hot path of issuance go through the tables (Core), not the ORM classes: an
# ORM-enabled INSERT or UPDATE … RETURNING costs several times more Python per statement,
# and these statements need no identity-map bookkeeping.
_API_KEYS = Base.metadata.tables["api_keys"]
_STATUS_LISTS = Base.metadata.tables["status_lists"]
_ALLOCATIONS = Base.metadata.tables["status_allocations"]
_CREDENTIALS = Base.metadata.tables["credentials"]
_BULK_ROWS = Base.metadata.tables["bulk_rows"]
_BULK_JOBS = Base.metadata.tables["bulk_jobs"]
_BULK_JOB_ROWS = Base.metadata.tables["bulk_job_rows"]
_CHALLENGES = Base.metadata.tables["challenges"]

__all__ = [
    "dialect_insert",
    "flush",
    "add_tenant",
    "get_tenant",
    "tenant_by_name",
    "tenant_by_did",
    "add_api_key",
    "api_key_by_prefix",
    "revoke_api_key",
    "add_signing_key",
    "signing_keys",
    "current_status_list",
    "open_status_list",
    "get_status_list",
    "lock_status_list",
    "write_status_bits",
    "claim_index",
    "allocated_indexes",
    "count_allocated",
    "mark_full",
    "release_indexes",
    "allocations_of",
    "add_credential",
    "get_credential",
    "list_credentials",
    "add_status_event",
    "status_events",
    "claim_indexes",
    "bulk_rows_done",
    "record_bulk_rows",
    "insert_credentials",
    "add_bulk_job",
    "get_bulk_job",
    "list_bulk_jobs",
    "lock_bulk_jobs",
    "running_bulk_jobs",
    "update_bulk_job",
    "request_bulk_job_cancel",
    "add_bulk_job_rows",
    "bulk_job_rows",
    "purge_bulk_jobs",
    "add_achievement",
    "get_achievement",
    "list_achievements",
    "catalog_tenants",
    "catalog_achievements",
    "add_challenge",
    "use_challenge",
    "delete_expired_challenges",
    "save_protocol_state",
    "get_protocol_state",
    "consume_protocol_state",
    "purge_protocol_state",
    "protocol_state_expiries",
    "take_protocol_slot",
    "release_protocol_slot",
]


def dialect_insert(session: Session) -> Any:
    """The dialect's INSERT construct, which knows ``ON CONFLICT DO NOTHING``."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert



async def flush(session: Session, *, conflict: str = "the record already exists") -> None:
    """Flush pending rows; a unique or foreign-key violation becomes ``StorageError``.

    The error has code ``conflict`` and the message given; the transaction is unusable
    afterwards and must be rolled back.
    """
    try:
        await session.flush()
    except IntegrityError as exc:
        raise StorageError(conflict, code="conflict") from exc


# --- tenants and keys -------------------------------------------------------------------


def _tenant(row: Tenant) -> TenantRecord:
    return TenantRecord(id=row.id, name=row.name, display_name=row.display_name, did=row.did,
                        did_web_host=row.did_web_host, created_at=row.created_at)


async def add_tenant(session: Session, tenant: TenantRecord) -> None:
    """Insert the tenant; flush it before the rows that point at it (the models have no
    relationship(), so the unit of work would not order the inserts by foreign key).
    ``StorageError`` (``conflict``) when its name or DID is taken."""
    session.add(Tenant(id=tenant.id, name=tenant.name, display_name=tenant.display_name,
                       did=tenant.did, did_web_host=tenant.did_web_host,
                       created_at=tenant.created_at))
    await flush(session, conflict=f"a tenant named {tenant.name!r} already exists")


async def get_tenant(session: Session, tenant_id: uuid.UUID) -> TenantRecord | None:
    row = await session.get(Tenant, tenant_id)
    return None if row is None else _tenant(row)


async def tenant_by_name(session: Session, name: str) -> TenantRecord | None:
    result = await session.execute(select(Tenant).where(Tenant.name == name))
    row = result.scalar_one_or_none()
    return None if row is None else _tenant(row)


async def tenant_by_did(session: Session, did: str) -> TenantRecord | None:
    result = await session.execute(select(Tenant).where(Tenant.did == did))
    row = result.scalar_one_or_none()
    return None if row is None else _tenant(row)


async def add_api_key(
    session: Session, tenant_id: uuid.UUID, prefix: str, digest: bytes, now: datetime
) -> None:
    """Store a new API key's prefix and hash; ``StorageError`` (``conflict``) when the
    prefix is taken."""
    session.add(ApiKey(tenant_id=tenant_id, prefix=prefix, hash=digest, created_at=now))
    await flush(session, conflict="API key prefix collision; try again")


async def api_key_by_prefix(session: Session, prefix: str) -> ApiKeyRecord | None:
    """The key with this public prefix, revoked or not (the caller checks both)."""
    result = await session.execute(select(ApiKey).where(ApiKey.prefix == prefix))
    row = result.scalar_one_or_none()
    if row is None:
        return None
    return ApiKeyRecord(id=row.id, tenant_id=row.tenant_id, prefix=row.prefix, hash=row.hash,
                        revoked_at=row.revoked_at)


async def revoke_api_key(
    session: Session, tenant_id: uuid.UUID, prefix: str, now: datetime
) -> bool:
    """Mark the tenant's key revoked; False when it has no such unrevoked key."""
    result = await session.execute(
        update(_API_KEYS)
        .where(_API_KEYS.c.tenant_id == tenant_id, _API_KEYS.c.prefix == prefix,
               _API_KEYS.c.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(_API_KEYS.c.id)
    )
    return result.scalar_one_or_none() is not None


async def add_signing_key(session: Session, key: StoredSigningKey) -> None:
    """Store a tenant's (wrapped) signing key."""
    session.add(SigningKeyRecord(
        tenant_id=key.tenant_id, verification_method=key.verification_method,
        algorithm=key.algorithm, public_key_multibase=key.public_key_multibase,
        encrypted_private_key=key.encrypted_private_key, created_at=key.created_at))
    await flush(session, conflict="the verification method is already in use")


async def signing_keys(session: Session, tenant_id: uuid.UUID) -> list[StoredSigningKey]:
    """The tenant's signing keys, newest first."""
    result = await session.execute(
        select(SigningKeyRecord)
        .where(SigningKeyRecord.tenant_id == tenant_id)
        .order_by(SigningKeyRecord.created_at.desc(), SigningKeyRecord.id)
    )
    return [StoredSigningKey(tenant_id=r.tenant_id, verification_method=r.verification_method,
                             algorithm=r.algorithm, public_key_multibase=r.public_key_multibase,
                             encrypted_private_key=r.encrypted_private_key,
                             created_at=r.created_at)
            for r in result.scalars()]


# --- status lists -----------------------------------------------------------------------


def _status_list(row: StatusList) -> StatusListRecord:
    return StatusListRecord(**{f.name: getattr(row, f.name) for f in fields(StatusListRecord)})


async def current_status_list(
    session: Session, tenant_id: uuid.UUID, purpose: str
) -> StatusListRecord | None:
    """The oldest list of this purpose that is not full: every process picks the same one."""
    result = await session.execute(
        select(StatusList)
        .where(StatusList.tenant_id == tenant_id, StatusList.purpose == purpose,
               StatusList.full.is_(False))
        .order_by(StatusList.created_at, StatusList.id)
        .limit(1)
    )
    row = result.scalar_one_or_none()
    return None if row is None else _status_list(row)


async def open_status_list(
    session: Session, tenant_id: uuid.UUID, purpose: str, size: int, now: datetime
) -> bool:
    """Insert a new, empty open list; False if the tenant already has an open list of this
    purpose (the partial unique index ``uq_status_lists_open_list`` decides).

    On PostgreSQL, an open list inserted by a transaction still in progress makes this call
    wait for it; read the current list again afterwards.
    """
    statement = (
        dialect_insert(session)(_STATUS_LISTS)
        .values(id=uuid.uuid4(), tenant_id=tenant_id, purpose=purpose, size=size,
                bits=bytes(size // 8), version=1, full=False, created_at=now, updated_at=now)
        .on_conflict_do_nothing()
        .returning(_STATUS_LISTS.c.id)
    )
    result = await session.execute(statement)
    return result.scalar_one_or_none() is not None


async def get_status_list(session: Session, list_id: uuid.UUID) -> StatusListRecord | None:
    """A status list by id, whoever owns it: status lists are public documents."""
    row = await session.get(StatusList, list_id, populate_existing=True)
    return None if row is None else _status_list(row)


async def lock_status_list(
    session: Session, tenant_id: uuid.UUID, list_id: uuid.UUID
) -> StatusListRecord | None:
    """Read the tenant's list for update: ``SELECT … FOR UPDATE`` on PostgreSQL.

    The row lock makes concurrent status changes on one list apply one after another, each
    on the bits the previous one wrote. SQLite needs no row lock: write transactions hold the
    database write lock from ``BEGIN IMMEDIATE``.
    """
    result = await session.execute(
        select(StatusList)
        .where(StatusList.id == list_id, StatusList.tenant_id == tenant_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    row = result.scalar_one_or_none()
    return None if row is None else _status_list(row)


async def write_status_bits(
    session: Session, list_id: uuid.UUID, bits: bytes, version: int, now: datetime
) -> None:
    """Store the list's new bits and version (read with :func:`lock_status_list` in this
    transaction, so that no other change comes in between)."""
    await session.execute(
        update(_STATUS_LISTS).where(_STATUS_LISTS.c.id == list_id)
        .values(bits=bits, version=version, updated_at=now)
    )


async def claim_index(
    session: Session,
    tenant_id: uuid.UUID,
    list_id: uuid.UUID,
    index: int,
    now: datetime,
    credential_id: str | None = None,
) -> bool:
    """Insert an allocation unless the index is taken; True when this call got it.

    ``credential_id`` may name a credential this transaction has yet to insert: the foreign
    key is checked at commit.

    ``INSERT … ON CONFLICT DO NOTHING`` on the primary key: the unique constraint decides,
    so two processes never both get an index. A taken index is not an error, so no savepoint
    is needed (PostgreSQL would otherwise abort the whole transaction on the violation, and
    many savepoints in one bulk transaction slow PostgreSQL down for every session). On
    PostgreSQL, an index inserted by a transaction still in progress makes this call wait
    for that transaction, then report the index as taken if it committed.
    """
    statement = (
        dialect_insert(session)(_ALLOCATIONS)
        .values(status_list_id=list_id, status_index=index, tenant_id=tenant_id,
                credential_id=credential_id, allocated_at=now)
        .on_conflict_do_nothing(index_elements=["status_list_id", "status_index"])
        .returning(_ALLOCATIONS.c.status_index)
    )
    result = await session.execute(statement)
    return result.scalar_one_or_none() is not None


async def allocated_indexes(session: Session, list_id: uuid.UUID) -> set[int]:
    """Every index of the list that is allocated (committed, or by this transaction)."""
    result = await session.execute(
        select(StatusAllocation.status_index).where(StatusAllocation.status_list_id == list_id)
    )
    return set(result.scalars())


async def count_allocated(session: Session, list_id: uuid.UUID) -> int:
    result = await session.execute(
        select(func.count()).select_from(StatusAllocation)
        .where(StatusAllocation.status_list_id == list_id)
    )
    return int(result.scalar_one())


async def mark_full(session: Session, list_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(_STATUS_LISTS).where(_STATUS_LISTS.c.id == list_id)
        .values(full=True, updated_at=now)
    )


async def release_indexes(
    session: Session,
    tenant_id: uuid.UUID,
    credential_id: str,
    indexes: Sequence[tuple[uuid.UUID, int]],
) -> None:
    """Delete allocations this transaction claimed for a credential it will not store."""
    for list_id, index in indexes:
        await session.execute(
            delete(_ALLOCATIONS)
            .where(_ALLOCATIONS.c.status_list_id == list_id,
                   _ALLOCATIONS.c.status_index == index,
                   _ALLOCATIONS.c.tenant_id == tenant_id,
                   _ALLOCATIONS.c.credential_id == credential_id)
        )


async def allocations_of(
    session: Session, tenant_id: uuid.UUID, credential_id: str
) -> list[tuple[AllocationRecord, StatusListRecord]]:
    """The credential's allocations with their lists, in purpose order."""
    result = await session.execute(
        select(StatusAllocation, StatusList)
        .join(StatusList, (StatusList.id == StatusAllocation.status_list_id)
              & (StatusList.tenant_id == StatusAllocation.tenant_id))
        .where(StatusAllocation.tenant_id == tenant_id,
               StatusAllocation.credential_id == credential_id)
        .order_by(StatusList.purpose)
        # Fresh bits even if this session loaded the list before another one changed it.
        .execution_options(populate_existing=True)
    )
    return [(AllocationRecord(status_list_id=row[0].status_list_id,
                              status_index=row[0].status_index,
                              credential_id=row[0].credential_id), _status_list(row[1]))
            for row in result.all()]


# --- credentials and events -------------------------------------------------------------


def _credential(row: Credential) -> CredentialRecord:
    return CredentialRecord(tenant_id=row.tenant_id, id=row.id, subject=row.subject,
                            format=row.format, document=row.document, issued_at=row.issued_at,
                            recipient_email_sealed=row.recipient_email_sealed)


async def add_credential(session: Session, credential: CredentialRecord) -> None:
    """Store an issued credential; ``StorageError`` (``conflict``) when the tenant has
    already issued one with its id."""
    session.add(Credential(
        tenant_id=credential.tenant_id, id=credential.id, subject=credential.subject,
        format=credential.format, document=credential.document,
        issued_at=credential.issued_at,
        recipient_email_sealed=credential.recipient_email_sealed))
    await flush(session, conflict=f"a credential with id {credential.id} was already issued")


async def get_credential(
    session: Session, tenant_id: uuid.UUID, credential_id: str
) -> CredentialRecord | None:
    row = await session.get(Credential, (tenant_id, credential_id))
    return None if row is None else _credential(row)


async def list_credentials(
    session: Session, tenant_id: uuid.UUID, *, limit: int, offset: int
) -> list[CredentialRecord]:
    result = await session.execute(
        select(Credential)
        .where(Credential.tenant_id == tenant_id)
        .order_by(Credential.issued_at, Credential.id)
        .limit(limit)
        .offset(offset)
    )
    return [_credential(row) for row in result.scalars()]


async def add_status_event(session: Session, event: StatusEventRecord) -> None:
    """Record a status change."""
    session.add(StatusEvent(**{f.name: getattr(event, f.name)
                               for f in fields(StatusEventRecord)}))
    await session.flush()


async def status_events(
    session: Session, tenant_id: uuid.UUID, credential_id: str
) -> list[StatusEventRecord]:
    """The credential's status events, oldest first."""
    result = await session.execute(
        select(StatusEvent)
        .where(StatusEvent.tenant_id == tenant_id, StatusEvent.credential_id == credential_id)
        .order_by(StatusEvent.id)
    )
    return [StatusEventRecord(**{f.name: getattr(row, f.name)
                                 for f in fields(StatusEventRecord)})
            for row in result.scalars()]


# --- achievement templates --------------------------------------------------------------


def _achievement(row: Achievement) -> AchievementRecord:
    return AchievementRecord(id=row.id, tenant_id=row.tenant_id, slug=row.slug,
                             document=row.document, created_at=row.created_at,
                             updated_at=row.updated_at)


async def add_achievement(session: Session, achievement: AchievementRecord) -> None:
    """Insert the template; ``StorageError`` (``conflict``) when the tenant has its slug."""
    session.add(Achievement(id=achievement.id, tenant_id=achievement.tenant_id,
                            slug=achievement.slug, document=achievement.document,
                            created_at=achievement.created_at,
                            updated_at=achievement.updated_at))
    await flush(session,
                conflict=f"an achievement with slug {achievement.slug!r} already exists")


async def get_achievement(
    session: Session, tenant_id: uuid.UUID, slug: str
) -> AchievementRecord | None:
    result = await session.execute(
        select(Achievement).where(Achievement.tenant_id == tenant_id, Achievement.slug == slug)
    )
    row = result.scalar_one_or_none()
    return None if row is None else _achievement(row)


async def list_achievements(
    session: Session, tenant_id: uuid.UUID, *, limit: int, offset: int
) -> list[AchievementRecord]:
    result = await session.execute(
        select(Achievement)
        .where(Achievement.tenant_id == tenant_id)
        .order_by(Achievement.slug)
        .limit(limit)
        .offset(offset)
    )
    return [_achievement(row) for row in result.scalars()]


# --- the service's catalog (public by design: who issues here, and which badges) ----------


async def catalog_tenants(session: Session, *, limit: int) -> list[TenantRecord]:
    """Every tenant, oldest first, at most ``limit``: the verifier's catalog names them."""
    result = await session.execute(select(Tenant).order_by(Tenant.created_at, Tenant.id)
                                   .limit(limit))
    return [_tenant(row) for row in result.scalars()]


async def catalog_achievements(session: Session, *, limit: int) -> list[AchievementRecord]:
    """Every tenant's achievement templates, oldest first, at most ``limit``."""
    result = await session.execute(select(Achievement)
                                   .order_by(Achievement.created_at, Achievement.id)
                                   .limit(limit))
    return [_achievement(row) for row in result.scalars()]


# --- verifier challenges (not tenant data: any verifier client may ask for one) ---------


async def add_challenge(
    session: Session, challenge: str, now: datetime, expires_at: datetime
) -> None:
    await session.execute(
        dialect_insert(session)(_CHALLENGES)
        .values(challenge=challenge, created_at=now, expires_at=expires_at, used_at=None)
    )


async def use_challenge(session: Session, challenge: str, now: datetime) -> bool:
    """Mark an unexpired, unused challenge used; True when this call did.

    One conditional ``UPDATE``: of several transactions (in any process) presenting the same
    challenge, exactly one sees its row change, so a challenge verifies at most once.
    """
    result = await session.execute(
        update(_CHALLENGES)
        .where(_CHALLENGES.c.challenge == challenge, _CHALLENGES.c.used_at.is_(None),
               _CHALLENGES.c.expires_at > now)
        .values(used_at=now)
        .returning(_CHALLENGES.c.challenge)
    )
    return result.scalar_one_or_none() is not None


async def delete_expired_challenges(session: Session, before: datetime) -> None:
    await session.execute(delete(_CHALLENGES).where(_CHALLENGES.c.expires_at < before))


# --- bulk issuance ----------------------------------------------------------------------
# Set-based versions of the statements above: one statement for a whole batch of rows.


async def claim_indexes(
    session: Session,
    tenant_id: uuid.UUID,
    claims: Sequence[tuple[uuid.UUID, int, str]],
    now: datetime,
) -> set[tuple[uuid.UUID, int]]:
    """Claim many ``(list id, index, credential id)`` at once; return the pairs this call got.

    The batch form of :func:`claim_index`: one ``INSERT … ON CONFLICT DO NOTHING …
    RETURNING``, so the primary key decides each index as it does there, and a taken index
    is left out of the answer rather than raising. The rows are inserted in (list, index)
    order, so that two transactions claiming overlapping sets wait for each other in one
    order and cannot deadlock. Each pair must appear once.
    """
    if not claims:
        return set()
    ordered = sorted(claims, key=lambda claim: (str(claim[0]), claim[1]))
    statement = (
        dialect_insert(session)(_ALLOCATIONS)
        .on_conflict_do_nothing(index_elements=["status_list_id", "status_index"])
        .returning(_ALLOCATIONS.c.status_list_id, _ALLOCATIONS.c.status_index)
    )
    result = await session.execute(statement, [
        {"status_list_id": list_id, "status_index": index, "tenant_id": tenant_id,
         "credential_id": credential_id, "allocated_at": now}
        for list_id, index, credential_id in ordered
    ])
    return {(row[0], row[1]) for row in result.all()}


async def bulk_rows_done(
    session: Session, tenant_id: uuid.UUID, job_key: str, row_ids: Sequence[str]
) -> dict[str, tuple[str, str]]:
    """Of ``row_ids``, those the job has issued: row id to (credential id, row digest)."""
    if not row_ids:
        return {}
    result = await session.execute(
        select(_BULK_ROWS.c.row_id, _BULK_ROWS.c.credential_id, _BULK_ROWS.c.row_digest)
        .where(_BULK_ROWS.c.tenant_id == tenant_id, _BULK_ROWS.c.job_key == job_key,
               _BULK_ROWS.c.row_id.in_(list(row_ids)))
    )
    return {row[0]: (row[1], row[2]) for row in result.all()}


async def record_bulk_rows(
    session: Session,
    tenant_id: uuid.UUID,
    job_key: str,
    rows: Sequence[tuple[str, str, str]],
    now: datetime,
) -> set[str]:
    """Record ``(row id, credential id, row digest)`` rows as issued by the job; return the
    row ids recorded. A row id already recorded (by a concurrent run of the same job) is
    left out, without an error; on PostgreSQL the call waits for that run to commit."""
    if not rows:
        return set()
    statement = (
        dialect_insert(session)(_BULK_ROWS)
        .on_conflict_do_nothing(index_elements=["tenant_id", "job_key", "row_id"])
        .returning(_BULK_ROWS.c.row_id)
    )
    result = await session.execute(statement, [
        {"tenant_id": tenant_id, "job_key": job_key, "row_id": row_id,
         "credential_id": credential_id, "row_digest": digest, "issued_at": now}
        for row_id, credential_id, digest in sorted(rows)
    ])
    return set(result.scalars())


async def insert_credentials(
    session: Session,
    tenant_id: uuid.UUID,
    rows: Sequence[tuple[str, str | None, str, bytes | None]],
    now: datetime,
) -> None:
    """Insert Data Integrity credentials given as ``(id, subject, document text, sealed
    recipient e-mail)``.

    Ids must be new (a bulk job draws fresh UUIDs): a duplicate is a database error that
    aborts the transaction.
    """
    if not rows:
        return
    await session.execute(insert(_CREDENTIALS), [
        {"tenant_id": tenant_id, "id": credential_id, "subject": subject, "format": "di",
         "document": document, "issued_at": now, "recipient_email_sealed": sealed}
        for credential_id, subject, document, sealed in rows
    ])


# --- bulk jobs submitted over HTTP --------------------------------------------------------


def _bulk_job(row: BulkJob) -> BulkJobRecord:
    return BulkJobRecord(**{f.name: getattr(row, f.name) for f in fields(BulkJobRecord)})


async def add_bulk_job(session: Session, job: BulkJobRecord) -> None:
    """Insert a new job."""
    session.add(BulkJob(**{f.name: getattr(job, f.name) for f in fields(BulkJobRecord)}))
    await flush(session, conflict="the bulk job already exists")


async def get_bulk_job(
    session: Session, tenant_id: uuid.UUID, job_id: uuid.UUID
) -> BulkJobRecord | None:
    job = await session.get(BulkJob, job_id)
    return _bulk_job(job) if job is not None and job.tenant_id == tenant_id else None


async def list_bulk_jobs(
    session: Session, tenant_id: uuid.UUID, *, limit: int, offset: int
) -> list[BulkJobRecord]:
    """The tenant's jobs, newest first."""
    result = await session.execute(
        select(BulkJob).where(BulkJob.tenant_id == tenant_id)
        .order_by(BulkJob.created_at.desc(), BulkJob.id).limit(limit).offset(offset))
    return [_bulk_job(row) for row in result.scalars()]


async def lock_bulk_jobs(session: Session, tenant_id: uuid.UUID) -> None:
    """Hold the tenant's job starts until the transaction ends: ``SELECT … FOR UPDATE`` of
    the tenant's row on PostgreSQL.

    Starting a job reads the running jobs, then inserts one; without the lock two processes
    could both read "one running" and both insert, past the limit, or both insert the same
    job key. SQLite needs no row lock: write transactions hold the database write lock from
    ``BEGIN IMMEDIATE``.
    """
    await session.execute(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update())


async def running_bulk_jobs(
    session: Session, tenant_id: uuid.UUID, *, alive_since: datetime, job_key: str | None = None
) -> list[BulkJobRecord]:
    """The tenant's running jobs whose heartbeat is not older than ``alive_since`` (of one
    job key, if given)."""
    query = select(BulkJob).where(BulkJob.tenant_id == tenant_id, BulkJob.state == "running",
                                  BulkJob.heartbeat_at >= alive_since)
    if job_key is not None:
        query = query.where(BulkJob.job_key == job_key)
    return [_bulk_job(row) for row in (await session.execute(query)).scalars()]


async def update_bulk_job(session: Session, job_id: uuid.UUID, **values: Any) -> bool:
    """Set the given columns of a job; return whether a cancel has been requested."""
    result = await session.execute(
        update(_BULK_JOBS).where(_BULK_JOBS.c.id == job_id).values(**values)
        .returning(_BULK_JOBS.c.cancel_requested))
    return bool(result.scalar_one_or_none())


async def request_bulk_job_cancel(
    session: Session, tenant_id: uuid.UUID, job_id: uuid.UUID
) -> bool:
    """Ask the process running a job to stop it; False if no such job is running."""
    result = await session.execute(
        update(_BULK_JOBS)
        .where(_BULK_JOBS.c.id == job_id, _BULK_JOBS.c.tenant_id == tenant_id,
               _BULK_JOBS.c.state == "running")
        .values(cancel_requested=True).returning(_BULK_JOBS.c.id))
    return result.scalar_one_or_none() is not None


async def add_bulk_job_rows(
    session: Session, job_id: uuid.UUID, first_seq: int,
    rows: Sequence[tuple[str, str | None, str, str | None]],
) -> None:
    """Record row outcomes ``(row id, credential id, status, error)``, numbered from
    ``first_seq``."""
    if not rows:
        return
    await session.execute(insert(_BULK_JOB_ROWS), [
        {"job_id": job_id, "seq": first_seq + i, "row_id": row_id,
         "credential_id": credential_id, "status": status, "error": error}
        for i, (row_id, credential_id, status, error) in enumerate(rows)
    ])


async def bulk_job_rows(
    session: Session, job_id: uuid.UUID, *, after: int, limit: int
) -> list[tuple[int, str, str | None, str, str | None]]:
    """A page of a job's row outcomes ``(seq, row id, credential id, status, error)``."""
    table = _BULK_JOB_ROWS.c
    result = await session.execute(
        select(table.seq, table.row_id, table.credential_id, table.status, table.error)
        .where(table.job_id == job_id, table.seq > after).order_by(table.seq).limit(limit))
    return [(row[0], row[1], row[2], row[3], row[4]) for row in result.all()]


async def purge_bulk_jobs(session: Session, before: datetime) -> int:
    """Delete the jobs (and their row outcomes) whose last heartbeat is older than
    ``before``; return how many jobs. A running job beats every second, so only finished
    or long-dead jobs are that old."""
    old = select(_BULK_JOBS.c.id).where(_BULK_JOBS.c.heartbeat_at < before)
    await session.execute(delete(_BULK_JOB_ROWS).where(_BULK_JOB_ROWS.c.job_id.in_(old)))
    result = await session.execute(delete(_BULK_JOBS).where(_BULK_JOBS.c.heartbeat_at < before))
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- OpenID4VC protocol state (single-use, expiring entries) -----------------------------

_PROTOCOL_STATE = Base.metadata.tables["protocol_state"]


async def save_protocol_state(
    session: Session, kind: str, key: str, payload: dict[str, Any], expires_at: datetime
) -> bool:
    """Insert an entry; False (and nothing written) when ``(kind, key)`` exists already.

    ``ON CONFLICT DO NOTHING`` rather than a failing insert, so that the caller's
    transaction stays usable on PostgreSQL.
    """
    result = await session.execute(
        dialect_insert(session)(_PROTOCOL_STATE)
        .values(kind=kind, key=key, payload=payload, expires_at=expires_at, used_at=None)
        .on_conflict_do_nothing(index_elements=["kind", "key"])
        .returning(_PROTOCOL_STATE.c.key)
    )
    return result.scalar_one_or_none() is not None


async def get_protocol_state(
    session: Session, kind: str, key: str, now: datetime
) -> dict[str, Any] | None:
    """The payload of an entry that is unused and unexpired at ``now``, else None."""
    result = await session.execute(
        select(_PROTOCOL_STATE.c.payload)
        .where(_PROTOCOL_STATE.c.kind == kind, _PROTOCOL_STATE.c.key == key,
               _PROTOCOL_STATE.c.used_at.is_(None), _PROTOCOL_STATE.c.expires_at > now)
    )
    payload = result.scalar_one_or_none()
    return None if payload is None else dict(payload)


async def protocol_state_expiries(
    session: Session, kind: str, key_prefix: str, now: datetime
) -> list[datetime]:
    """When each unexpired entry of ``kind`` whose key starts with ``key_prefix`` expires,
    soonest first (entries counted as events, such as failed sign-ins)."""
    table = _PROTOCOL_STATE.c
    result = await session.execute(
        select(table.expires_at)
        .where(table.kind == kind, table.key.startswith(key_prefix, autoescape=True),
               table.expires_at > now)
        .order_by(table.expires_at))
    return list(result.scalars())


async def take_protocol_slot(
    session: Session, kind: str, key: str, *, now: datetime, expires_at: datetime
) -> bool:
    """Take the entry ``(kind, key)`` until ``expires_at`` unless a live one holds it; True
    when taken. One ``INSERT … ON CONFLICT DO UPDATE … WHERE expires_at <= :now``: the
    database decides, so of concurrent takers of one free entry, in any process, exactly
    one gets it (PostgreSQL locks the row it finds, SQLite has one writer at a time)."""
    table = _PROTOCOL_STATE.c
    statement = dialect_insert(session)(_PROTOCOL_STATE).values(
        kind=kind, key=key, payload={}, expires_at=expires_at, used_at=None)
    result = await session.execute(
        statement.on_conflict_do_update(
            index_elements=["kind", "key"],
            set_={"payload": statement.excluded.payload,
                  "expires_at": statement.excluded.expires_at, "used_at": None},
            where=table.expires_at <= now)
        .returning(table.key))
    return result.scalar_one_or_none() is not None


async def release_protocol_slot(
    session: Session, kind: str, key: str, *, expires_at: datetime
) -> None:
    """Delete the entry ``(kind, key)`` taken until ``expires_at``. An entry is taken again
    only once expired, so a later taker never holds the same expiry: the condition spares
    the entry of whoever took it after this one lapsed."""
    table = _PROTOCOL_STATE.c
    await session.execute(delete(_PROTOCOL_STATE).where(
        table.kind == kind, table.key == key, table.expires_at == expires_at))


async def consume_protocol_state(
    session: Session, kind: str, key: str, now: datetime
) -> dict[str, Any] | None:
    """Mark an unused, unexpired entry used at ``now`` and return its payload; None when
    there is none. One conditional ``UPDATE … RETURNING``: of concurrent consumers of the
    same entry, in any process, exactly one gets the payload."""
    result = await session.execute(
        update(_PROTOCOL_STATE)
        .where(_PROTOCOL_STATE.c.kind == kind, _PROTOCOL_STATE.c.key == key,
               _PROTOCOL_STATE.c.used_at.is_(None), _PROTOCOL_STATE.c.expires_at > now)
        .values(used_at=now)
        .returning(_PROTOCOL_STATE.c.payload)
    )
    payload = result.scalar_one_or_none()
    return None if payload is None else dict(payload)


async def purge_protocol_state(session: Session, now: datetime) -> int:
    """Delete the entries expired at ``now`` (used or not); return how many."""
    result = await session.execute(
        delete(_PROTOCOL_STATE).where(_PROTOCOL_STATE.c.expires_at <= now))
    return int(result.rowcount) if isinstance(result, CursorResult) else 0

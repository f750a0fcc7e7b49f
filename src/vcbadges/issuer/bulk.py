"""Bulk issuance and revocation: many rows, few transactions, several cores, safe to rerun.

:func:`bulk_issue` issues one Open Badge per :class:`BulkRow` from an achievement template;
:func:`bulk_issue_csv` reads the rows from a CSV file and writes a result CSV;
:func:`bulk_revoke` and :func:`bulk_revoke_csv` revoke credentials by id. This module runs
the jobs; the rows and their checks are :mod:`~vcbadges.issuer.bulkrows`, the CSV files
:mod:`~vcbadges.issuer.bulkcsv`, the signing workers :mod:`~vcbadges.issuer.signing`, and
the status indexes come from :mod:`~vcbadges.issuer.allocator`, as for single issuance.

Idempotency. Every issued row is recorded in ``bulk_rows`` under (tenant, job key, row id),
in the same transaction as its credential and its status indexes. A crash or an interrupt at
any moment therefore leaves each row either issued and recorded, or not issued at all, and a
rerun of the same job skips the recorded rows (status ``skipped-already-issued``, with the
credential id issued before). A row that failed is not recorded, so a rerun tries it again.

How a batch is issued. Status indexes are chosen before signing, at random among the indexes
of the tenant's current list that were free when the list was last read (and that this job
has not drawn already). The credentials are signed (in a process pool, when ``workers`` > 0),
and one short transaction then claims every index of the batch with one ``INSERT … ON
CONFLICT DO NOTHING``, records the rows and stores the credentials. The unique constraint on
``(status_list_id, status_index)`` still decides every index, as for single issuance: an
index that another process took in the meantime is simply not claimed, and its row is
signed again with another index in a later batch. Signing happens outside any transaction,
so on SQLite two jobs (or a job and the service) hold the write lock only for the short
stores, and on PostgreSQL a transaction never waits long for another's indexes.

Performance. Signing (JSON-LD expansion, RDFC-1.0, Ed25519) is nearly all the cost, about
2.5 ms of CPU per badge; storing a batch of 250 takes a handful of statements (about 40 ms
on SQLite). The tenant's key is unwrapped once per job and handed to the workers at start.
One job uses every core with ``workers`` set to the number of cores (signing in process
until the first worker is up); where several jobs or service processes already share the
cores, ``workers=0`` costs less CPU per badge. See ``benchmarks/bench_issuance.py``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from vcbadges.errors import CredentialError, StatusError, StorageError
from vcbadges.issuer.achievements import (
    AchievementTemplate,
    Recipient,
    award_credential,
    get_achievement,
    issuer_profile as profile_of,
)
from vcbadges.issuer.allocator import IndexAllocator
from vcbadges.issuer.bulkcsv import (
    ResultWriter,
    check_paths,
    count_csv_rows,
    default_job_key,
    parse_issue_csv,
    parse_revoke_csv,
    read_issue_csv,
    read_revoke_csv,
)
from vcbadges.issuer.bulkrows import (
    DID,
    EMAIL,
    FAILED,
    ISSUE_COLUMNS,
    ISSUED,
    MAX_JOB_KEY,
    MAX_ROW_ID,
    RESULT_COLUMNS,
    REVOKE_COLUMNS,
    REVOKE_RESULT_COLUMNS,
    REVOKED,
    SKIPPED,
    SKIPPED_REVOKED,
    BulkResult,
    BulkRevokeResult,
    BulkRow,
    BulkRowResult,
    IssueStatus,
    ProgressCallback,
    RevokeRow,
    RevokeRowResult,
    RowError,
    checked_text,
    shown,
    spreadsheet_safe,
    storable,
    unstorable_reason,
    valid_until_of,
)
from vcbadges.issuer.issuance import DEFAULT_PURPOSES
from vcbadges.issuer.keystore import KeyStore
from vcbadges.issuer.recipients import seal_email
from vcbadges.issuer.signing import Signer, sign_all
from vcbadges.issuer.status import DEFAULT_LIST_SIZE, StatusPurpose, revoke
from vcbadges.issuer.tenants import Tenant, signing_key, tenant_by_name
from vcbadges.primitives.dates import format_datetime, utcnow
from vcbadges.primitives.keys import SigningKey
from vcbadges.status.bitstring import status_entry
from vcbadges.storage import queries
from vcbadges.storage.db import DatabaseConfig, Session, database_config

__all__ = [
    "ISSUED",
    "SKIPPED",
    "FAILED",
    "REVOKED",
    "SKIPPED_REVOKED",
    "ISSUE_COLUMNS",
    "RESULT_COLUMNS",
    "BulkRow",
    "BulkRowResult",
    "BulkResult",
    "RevokeRow",
    "RevokeRowResult",
    "BulkRevokeResult",
    "ProgressCallback",
    "bulk_issue",
    "bulk_issue_csv",
    "bulk_revoke",
    "bulk_revoke_csv",
    "read_issue_csv",
    "read_revoke_csv",
    "parse_issue_csv",
    "parse_revoke_csv",
    "default_job_key",
    "storable",
    "spreadsheet_safe",
]

_MAX_ATTEMPTS = 8  # Signings of one row before it is reported as failed (index collisions).
_POOL_THRESHOLD = 300  # Fewer rows than this are signed in process: starting workers costs more.
_IN_FLIGHT = 2  # Batches signed or being signed while the oldest is stored.


# --- issuance --------------------------------------------------------------------------


@dataclass(eq=False)
class _Pending:
    """A row on its way: checked, not recorded yet, with its candidate status indexes."""

    row_id: str
    digest: str
    credential_id: str
    unsigned: dict[str, Any]  # The badge without id, validity and status: award_credential's.
    valid_until: str | None
    email: str | None = None  # The recipient's address, to keep sealed with the record.
    claims: list[tuple[uuid.UUID, int]] = field(default_factory=list)
    attempts: int = 0


@dataclass(eq=False)
class _Batch:
    rows: list[_Pending]
    when: datetime
    signing: asyncio.Task[list[tuple[bool, str]]]


def _row_digest(achievement_id: str, row: BulkRow) -> str:
    data = [achievement_id, row.recipient, row.name, row.narrative, row.valid_until]
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check_achievement(achievement: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(achievement, Mapping):
        raise CredentialError("the achievement must be a JSON object",
                              code="malformed_credential")
    # A private deep copy, so that the caller cannot change the template during the job.
    template: dict[str, Any] = json.loads(json.dumps(achievement))
    kinds = template.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if not isinstance(template.get("id"), str) or "Achievement" not in kinds:
        raise CredentialError("the achievement needs an id and the type Achievement",
                              code="malformed_credential")
    return template


class _IssueJob:
    def __init__(
        self,
        db: DatabaseConfig,
        tenant: Tenant,
        *,
        job: str,
        achievement: dict[str, Any],
        issuer: dict[str, Any],
        keystore: KeyStore,
        base_url: str,
        purposes: tuple[StatusPurpose, ...],
        list_size: int,
        batch_size: int,
        signer: Signer,
        total: int,
        on_progress: ProgressCallback | None,
        on_result: Callable[[BulkRowResult], None] | None,
        now: datetime | None,
    ) -> None:
        self.db = db
        self.tenant = tenant
        self.job = job
        self.template = AchievementTemplate(slug=job, achievement=achievement,
                                            created_at=now or utcnow())
        self.achievement_id: str = achievement["id"]
        self.issuer = issuer
        self.keystore = keystore
        self.pools = [IndexAllocator(db, tenant.id, p, list_size, base_url)
                      for p in purposes]
        self.batch_size = batch_size
        self.signer = signer
        self.total = total
        self.on_progress = on_progress
        self.on_result = on_result
        self.now = now
        self.seen: set[str] = set()
        self.counts = {ISSUED: 0, SKIPPED: 0, FAILED: 0}

    # Results.

    def _finish(self, row_id: str, status: IssueStatus, credential_id: str | None = None,
                error: str | None = None) -> None:
        self.counts[status] += 1
        if self.on_result is not None:
            self.on_result(BulkRowResult(shown(row_id), credential_id, status,
                                         None if error is None else shown(error)))

    def _progress(self) -> None:
        if self.on_progress is not None:
            self.on_progress(sum(self.counts.values()), self.total)

    # The pipeline.

    async def run(self, rows: Iterable[BulkRow]) -> None:
        batches: deque[_Batch] = deque()
        retry: list[_Pending] = []
        try:
            for chunk in _chunks(rows, self.batch_size):
                admitted = await self._admit(chunk)
                self._progress()
                ready, retry = retry + admitted, []
                if ready:
                    batches.append(await self._submit(ready))
                while len(batches) >= _IN_FLIGHT:
                    retry += await self._store(batches.popleft())
            while batches or retry:
                if retry:
                    batches.append(await self._submit(retry))
                    retry = []
                retry += await self._store(batches.popleft())
        finally:
            for batch in batches:
                batch.signing.cancel()
            if batches:
                await asyncio.gather(*(b.signing for b in batches), return_exceptions=True)

    async def _admit(self, chunk: list[BulkRow]) -> list[_Pending]:
        """Check the rows, and leave out those failed, repeated or issued before."""
        start = self.now or utcnow()
        checked: list[tuple[BulkRow, _Pending]] = []
        for row in chunk:
            row_id = row.row_id.strip() if isinstance(row.row_id, str) else ""
            problem = unstorable_reason(row_id, "row_id")
            if problem is not None:
                self._finish(row_id, FAILED, error=problem)
                continue
            if not row_id or len(row_id) > MAX_ROW_ID:
                self._finish(row_id, FAILED,
                             error=f"row_id must be 1 to {MAX_ROW_ID} characters")
                continue
            if row_id in self.seen:
                self._finish(row_id, FAILED, error="row_id appears more than once in the job")
                continue
            self.seen.add(row_id)
            try:
                pending = self._pending(row, row_id, start)
            except RowError as exc:
                self._finish(row_id, FAILED, error=str(exc))
                continue
            checked.append((row, pending))
        async with self.db.sessionmaker(write=False)() as session:
            done = await queries.bulk_rows_done(session, self.tenant.id, self.job,
                                                [p.row_id for _, p in checked])
        admitted: list[_Pending] = []
        for _row, pending in checked:
            issued = done.get(pending.row_id)
            if issued is None:
                admitted.append(pending)
            else:
                self._finish(pending.row_id, SKIPPED, issued[0], _changed(issued[1], pending))
        return admitted

    def _pending(self, row: BulkRow, row_id: str, start: datetime) -> _Pending:
        """The row's badge as :func:`~vcbadges.issuer.achievements.award_credential` builds
        an award, with the row's name and narrative; ``RowError`` for a bad row."""
        for value, what in ((row.recipient, "recipient"), (row.name, "name"),
                            (row.narrative, "narrative"), (row.valid_until, "valid_until")):
            problem = unstorable_reason(value, what)
            if problem is not None:
                raise RowError(problem)
        recipient = (row.recipient or "").strip()
        try:
            if DID.match(recipient):
                who = Recipient(id=recipient)
            elif len(recipient) <= 254 and EMAIL.match(recipient):
                who = Recipient(email=recipient)
            else:
                raise RowError("recipient must be a DID or an e-mail address")
        except CredentialError:
            raise RowError("recipient must be a DID or an e-mail address") from None
        try:
            who = replace(who, name=checked_text(row.name, "name"))
        except CredentialError as exc:
            raise RowError(exc.message) from None
        valid_until = valid_until_of(row.valid_until, start)
        unsigned = award_credential(self.template, who, issuer=self.issuer, now=start)
        narrative = checked_text(row.narrative, "narrative")
        if narrative is not None:
            unsigned["credentialSubject"]["narrative"] = narrative
        return _Pending(row_id=row_id, digest=_row_digest(self.achievement_id, row),
                        credential_id=f"urn:uuid:{uuid.uuid4()}", unsigned=unsigned,
                        valid_until=valid_until, email=who.email)

    async def _submit(self, rows: list[_Pending]) -> _Batch:
        """Draw status indexes for the rows, build their documents and start signing."""
        when = self.now or utcnow()
        drawn = [await pool.draw(len(rows), when) for pool in self.pools]
        documents = []
        for i, pending in enumerate(rows):
            pending.attempts += 1
            pending.claims = [claims[i] for claims in drawn]
            documents.append(self._document(pending, when))
        signing = asyncio.ensure_future(self.signer.sign(documents, when))
        return _Batch(rows, when, signing)

    def _document(self, pending: _Pending, when: datetime) -> dict[str, Any]:
        entries = [status_entry(list_credential=pool.url(list_id), index=index,
                                purpose=pool.purpose)
                   for pool, (list_id, index) in zip(self.pools, pending.claims, strict=True)]
        unsigned = pending.unsigned
        document: dict[str, Any] = {"@context": unsigned["@context"], "id": pending.credential_id}
        document.update((k, v) for k, v in unsigned.items() if k != "@context")
        document["validFrom"] = format_datetime(when)
        if pending.valid_until is not None:
            document["validUntil"] = pending.valid_until
        if entries:
            document["credentialStatus"] = entries[0] if len(entries) == 1 else entries
        return document

    async def _store(self, batch: _Batch) -> list[_Pending]:
        """Claim, record and store a signed batch in one transaction; return the rows to
        sign again (an index of theirs was taken by someone else)."""
        signed = await batch.signing
        texts: dict[_Pending, str] = {}
        for pending, (ok, text) in zip(batch.rows, signed, strict=True):
            if ok:
                texts[pending] = text
            else:
                self._settle([pending], claimed=set(), tried=False)
                self._finish(pending.row_id, FAILED, error=text)
        rows = list(texts)
        sealed = {p: await seal_email(self.keystore, self.tenant.id, p.credential_id, p.email)
                  for p in rows if p.email is not None}
        with self.signer.paused():
            claimed, recorded = await self._write(rows, texts, sealed, batch.when)
        self._settle(rows, claimed=claimed, tried=True)
        complete = {p for p in rows if all(c in claimed for c in p.claims)}
        for p in rows:
            if p in complete and p.row_id in recorded:
                self._finish(p.row_id, ISSUED, p.credential_id)
        lost = [p for p in rows if p in complete and p.row_id not in recorded]
        if lost:
            # A concurrent run of the same job issued these rows first.
            async with self.db.sessionmaker(write=False)() as session:
                done = await queries.bulk_rows_done(session, self.tenant.id, self.job,
                                                    [p.row_id for p in lost])
            for p in lost:
                issued = done.get(p.row_id)
                self._finish(p.row_id, SKIPPED, issued[0] if issued else None,
                             None if issued is None else _changed(issued[1], p))
        retry: list[_Pending] = []
        for p in rows:
            if p not in complete:
                if p.attempts >= _MAX_ATTEMPTS:
                    self._finish(p.row_id, FAILED,
                                 error="could not allocate a free status list index")
                else:
                    retry.append(p)
        self._progress()
        return retry

    async def _write(
        self, rows: list[_Pending], texts: dict[_Pending, str], sealed: dict[_Pending, bytes],
        when: datetime,
    ) -> tuple[set[tuple[uuid.UUID, int]], set[str]]:
        """The transaction of a batch; returns the indexes claimed and the rows recorded.

        A row is stored when all its indexes were claimed and its record inserted; the
        indexes of any other row are given back before the commit.
        """
        tenant_id = self.tenant.id
        async with self.db.sessionmaker()() as session, session.begin():
            claimed = await queries.claim_indexes(
                session, tenant_id,
                [(list_id, index, p.credential_id) for p in rows for list_id, index in p.claims],
                when)
            whole = {p for p in rows if all(c in claimed for c in p.claims)}
            recorded = await queries.record_bulk_rows(
                session, tenant_id, self.job,
                [(p.row_id, p.credential_id, p.digest) for p in whole], when)
            for p in rows:
                if p.row_id not in recorded or p not in whole:
                    mine = [c for c in p.claims if c in claimed]
                    if mine:
                        await queries.release_indexes(session, tenant_id, p.credential_id,
                                                      mine)
            await queries.insert_credentials(
                session, tenant_id,
                [(p.credential_id, p.unsigned["credentialSubject"].get("id"), texts[p],
                  sealed.get(p))
                 for p in rows if p in whole and p.row_id in recorded],
                when)
        return claimed, recorded

    def _settle(self, rows: Sequence[_Pending], *, claimed: set[tuple[uuid.UUID, int]],
                tried: bool) -> None:
        """Hand the rows' candidates back to their pools, noting how many collided."""
        for i, pool in enumerate(self.pools):
            pairs = [p.claims[i] for p in rows]
            won = sum(1 for pair in pairs if pair in claimed)
            pool.settle(pairs, claimed=won, collided=len(pairs) - won if tried else 0)


def _changed(digest: str, pending: _Pending) -> str | None:
    if digest == pending.digest:
        return None
    return "the row changed since it was issued; it was not issued again"


def _chunks(rows: Iterable[BulkRow], size: int) -> Iterator[list[BulkRow]]:
    chunk: list[BulkRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def bulk_issue(
    db: DatabaseConfig,
    tenant: Tenant,
    rows: Iterable[BulkRow],
    *,
    job: str,
    achievement: Mapping[str, Any],
    keystore: KeyStore,
    base_url: str,
    issuer_profile: Mapping[str, Any] | None = None,
    purposes: Sequence[StatusPurpose] | None = None,
    suite: str | None = None,
    batch_size: int = 250,
    workers: int = 0,
    list_size: int = DEFAULT_LIST_SIZE,
    total: int | None = None,
    on_progress: ProgressCallback | None = None,
    on_result: Callable[[BulkRowResult], None] | None = None,
    now: datetime | None = None,
) -> BulkResult:
    """Issue one Open Badge per row from the ``achievement`` template, as the tenant.

    Each credential is an ``OpenBadgeCredential`` whose subject is the row's recipient, with
    the achievement embedded, signed with the tenant's key (``suite`` as for
    :func:`~vcbadges.issuer.issue_for_tenant`) and status entries for ``purposes`` (default:
    :data:`~vcbadges.issuer.issuance.DEFAULT_PURPOSES`, revocation only) pointing at
    ``{base_url}/issuer/status/{list id}``. The issuer is ``issuer_profile`` (an OB 3.0
    ``Profile`` without ``id``, or with the tenant's DID as ``id``; default: one named after
    the tenant).

    ``job`` names the job: rerunning with the same job key skips the rows recorded as issued
    (see the module documentation). Unlike the other issuer functions this one commits, a
    batch of ``batch_size`` rows per transaction. ``workers`` > 0 signs in that many worker
    processes; 0 signs in this process. ``on_result`` gets every row's outcome (issued,
    skipped or failed rows, in the order they are settled, which is not always the input
    order); ``on_progress`` gets ``(rows done, total)`` after each batch, where ``total``
    is the argument, or ``len(rows)`` if ``rows`` has a length, or 0. ``now`` pins the
    clock (tests).

    A row that cannot be issued (a bad recipient or date, a row id repeated in the input, a
    document the signer refuses) is reported as failed and the job goes on. Raises
    ``CredentialError`` before issuing anything when the template itself cannot be issued,
    ``StorageError`` when the tenant has no usable key, and lets database errors through:
    whatever was committed stays, and a rerun resumes.
    """
    if not job or len(job) > MAX_JOB_KEY:
        raise ValueError(f"the job key must be 1 to {MAX_JOB_KEY} characters")
    if batch_size < 1 or workers < 0:
        raise ValueError("batch_size must be positive and workers not negative")
    chosen = tuple(DEFAULT_PURPOSES if purposes is None else purposes)
    if len(set(chosen)) != len(chosen) or not set(chosen) <= {"revocation", "suspension"}:
        raise ValueError("purposes must be distinct: revocation, suspension")
    if isinstance(list_size, bool) or list_size <= 0 or list_size % 8:
        raise ValueError("a status list size must be a positive multiple of 8")
    template = _check_achievement(achievement)
    profile = dict(issuer_profile if issuer_profile is not None else profile_of(tenant))
    if profile.pop("id", tenant.did) != tenant.did:
        raise CredentialError("the issuer profile's id is not the tenant's DID",
                              code="issuer_mismatch")
    issuer = {"id": tenant.did, "type": profile.pop("type", ["Profile"]), **profile}
    async with db.sessionmaker(write=False)() as session:
        key = await signing_key(session, tenant, keystore)
    if total is None:
        total = len(rows) if isinstance(rows, Sized) else 0
    started = time.perf_counter()
    signer = Signer(key, suite, workers)
    try:
        job_state = _IssueJob(
            db, tenant, job=job, achievement=template, issuer=issuer, keystore=keystore,
            base_url=base_url, purposes=chosen, list_size=list_size, batch_size=batch_size,
            signer=signer, total=total, on_progress=on_progress, on_result=on_result, now=now)
        await _probe(job_state, key, suite)
        await job_state.run(rows)
    except BaseException:
        # Cancelled (a web job stopped, Ctrl-C) or failed: do not hold the event loop
        # while workers finish pieces of batches nobody will store.
        signer.close(wait=False)
        raise
    signer.close()
    counts = job_state.counts
    return BulkResult(job, counts[ISSUED], counts[SKIPPED], counts[FAILED],
                      time.perf_counter() - started)


async def _probe(job: _IssueJob, key: SigningKey, suite: str | None) -> None:
    """Sign one document of the job's shape, unstored, so that a template the signer
    refuses fails the job before any row (and not every row, one by one)."""
    when = job.now or utcnow()
    unsigned = award_credential(job.template, Recipient(id="did:example:bulk-probe"),
                                issuer=job.issuer, now=when)
    probe = _Pending(row_id="probe", digest="", credential_id=f"urn:uuid:{uuid.uuid4()}",
                     unsigned=unsigned, valid_until=None,
                     claims=[(uuid.UUID(int=0), 0) for _ in job.pools])
    [(ok, text)] = await sign_all([job._document(probe, when)], key, when, suite)
    if not ok:
        raise CredentialError(f"the achievement template cannot be issued: {text}",
                              code="invalid_template")


# --- CSV front ends --------------------------------------------------------------------


def _config(db: str | DatabaseConfig) -> tuple[DatabaseConfig, bool]:
    if isinstance(db, DatabaseConfig):
        return db, False
    return database_config(db), True


async def _tenant(config: DatabaseConfig, name: str) -> Tenant:
    async with config.sessionmaker(write=False)() as session:
        tenant = await tenant_by_name(session, name)
    if tenant is None:
        raise StorageError(f"no tenant named {name!r}", code="not_found")
    return tenant


async def bulk_issue_csv(
    db: str | DatabaseConfig,
    tenant_name: str,
    csv_path: str | Path,
    result_csv_path: str | Path | None,
    *,
    achievement: str | Mapping[str, Any],
    keystore: KeyStore,
    base_url: str,
    job: str | None = None,
    issuer_profile: Mapping[str, Any] | None = None,
    purposes: Sequence[StatusPurpose] | None = None,
    workers: int | None = None,
    batch_size: int = 250,
    list_size: int = DEFAULT_LIST_SIZE,
    on_progress: ProgressCallback | None = None,
    now: datetime | None = None,
) -> BulkResult:
    """Issue a badge per row of ``csv_path`` and write one result line per row.

    ``db`` is a database URL or config; ``achievement`` is the slug of one of the tenant's
    achievement templates (whose status purposes apply unless ``purposes`` is given), or the
    Achievement JSON itself. The result CSV has the columns
    :data:`RESULT_COLUMNS` (status ``issued``, ``skipped-already-issued`` or ``failed``) and
    is written as the job goes; None writes none. ``job`` defaults to
    :func:`default_job_key`, so running the same command again resumes. ``workers`` None
    chooses: in process for small files, else one worker per CPU. Raises ``StorageError``
    (``not_found``) for an unknown tenant or achievement slug and ``ValueError`` for a CSV
    without the required columns, besides what :func:`bulk_issue` raises.
    """
    source = Path(csv_path)
    check_paths(source, result_csv_path)
    total = count_csv_rows(source, ISSUE_COLUMNS, ("row_id", "recipient"))
    config, owned = _config(db)
    writer: ResultWriter | None = None
    try:
        tenant = await _tenant(config, tenant_name)
        if isinstance(achievement, str):
            async with config.sessionmaker(write=False)() as session:
                stored = await get_achievement(session, tenant, achievement)
            if stored is None:
                raise StorageError(f"tenant {tenant_name!r} has no achievement {achievement!r}",
                                   code="not_found")
            template = stored.achievement
            if purposes is None:
                purposes = stored.status_purposes
            label = achievement
        else:
            template = dict(achievement)
            label = str(achievement.get("id", ""))
        if workers is None:
            workers = 0 if total < _POOL_THRESHOLD else (os.cpu_count() or 1)
        writer = ResultWriter(None if result_csv_path is None else Path(result_csv_path),
                               RESULT_COLUMNS)
        out = writer

        def progress(done: int, all_rows: int) -> None:
            out.flush()
            if on_progress is not None:
                on_progress(done, all_rows)

        return await bulk_issue(
            config, tenant, read_issue_csv(source), job=job or default_job_key(label, source),
            achievement=template, keystore=keystore, base_url=base_url,
            issuer_profile=issuer_profile, purposes=purposes, batch_size=batch_size,
            workers=workers, list_size=list_size, total=total, on_progress=progress,
            on_result=lambda r: out.write([r.row_id, r.credential_id, r.status, r.error]),
            now=now)
    finally:
        if writer is not None:
            writer.close()
        if owned:
            await config.dispose()


# --- revocation -------------------------------------------------------------------------


async def bulk_revoke(
    db: DatabaseConfig,
    tenant: Tenant,
    rows: Iterable[RevokeRow],
    *,
    actor: str,
    reason: str | None = None,
    batch_size: int = 200,
    total: int | None = None,
    on_progress: ProgressCallback | None = None,
    on_result: Callable[[RevokeRowResult], None] | None = None,
    now: datetime | None = None,
) -> BulkRevokeResult:
    """Revoke the tenant's credentials named by ``rows``, a batch per transaction.

    Each revocation is recorded as a status event with ``actor`` and the row's reason (or
    ``reason``). An already revoked credential is ``skipped-already-revoked``, so a rerun
    is harmless; an unknown id (or another tenant's) or a credential without a revocation
    entry is ``failed``, and the others go on.
    """
    if not actor or len(actor) > 64:
        raise ValueError("actor must be 1 to 64 characters")
    if total is None:
        total = len(rows) if isinstance(rows, Sized) else 0
    started = time.perf_counter()
    counts = {REVOKED: 0, SKIPPED_REVOKED: 0, FAILED: 0}
    for chunk in _chunks_of(rows, batch_size):
        results: list[RevokeRowResult] = []
        async with db.sessionmaker()() as session, session.begin():
            for row in chunk:
                results.append(await _revoke_one(session, tenant, row, actor=actor,
                                                 reason=row.reason or reason, now=now))
        for result in results:
            counts[result.status] += 1
            if on_result is not None:
                on_result(result)
        if on_progress is not None:
            on_progress(sum(counts.values()), total)
    return BulkRevokeResult(counts[REVOKED], counts[SKIPPED_REVOKED], counts[FAILED],
                            time.perf_counter() - started)


async def _revoke_one(session: Session, tenant: Tenant, row: RevokeRow, *, actor: str,
                      reason: str | None, now: datetime | None) -> RevokeRowResult:
    credential_id = row.credential_id.strip()
    if not credential_id:
        return RevokeRowResult(credential_id, FAILED, "credential_id is empty")
    problem = (unstorable_reason(credential_id, "credential_id")
               or unstorable_reason(row.reason, "reason"))
    if problem is not None:
        return RevokeRowResult(shown(credential_id), FAILED, problem)
    try:
        change = await revoke(session, tenant, credential_id, actor=actor, reason=reason,
                              now=now)
    except StatusError as exc:
        return RevokeRowResult(shown(credential_id), FAILED, f"{exc.code}: {exc.message}")
    except StorageError as exc:
        # Only "not found" leaves the transaction usable (it is raised before any write).
        if exc.code != "not_found":
            raise
        return RevokeRowResult(shown(credential_id), FAILED, f"{exc.code}: {exc.message}")
    return RevokeRowResult(credential_id, REVOKED if change.changed else SKIPPED_REVOKED)


def _chunks_of(rows: Iterable[RevokeRow], size: int) -> Iterator[list[RevokeRow]]:
    chunk: list[RevokeRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def bulk_revoke_csv(
    db: str | DatabaseConfig,
    tenant_name: str,
    csv_path: str | Path,
    result_csv_path: str | Path | None,
    *,
    actor: str,
    reason: str | None = None,
    batch_size: int = 200,
    on_progress: ProgressCallback | None = None,
    now: datetime | None = None,
) -> BulkRevokeResult:
    """Revoke the credentials listed in the ``credential_id`` column of ``csv_path``.

    A ``reason`` column, when present, gives each row's reason (else ``reason``). The
    result CSV has the columns ``credential_id``, ``status`` (``revoked``,
    ``skipped-already-revoked`` or ``failed``) and ``error``.
    """
    source = Path(csv_path)
    check_paths(source, result_csv_path)
    total = count_csv_rows(source, REVOKE_COLUMNS, ("credential_id",))
    config, owned = _config(db)
    writer: ResultWriter | None = None
    try:
        tenant = await _tenant(config, tenant_name)
        writer = ResultWriter(None if result_csv_path is None else Path(result_csv_path),
                               REVOKE_RESULT_COLUMNS)
        out = writer

        def progress(done: int, all_rows: int) -> None:
            out.flush()
            if on_progress is not None:
                on_progress(done, all_rows)

        return await bulk_revoke(
            config, tenant, read_revoke_csv(source), actor=actor, reason=reason,
            batch_size=batch_size, total=total, on_progress=progress,
            on_result=lambda r: out.write([r.credential_id, r.status, r.error]), now=now)
    finally:
        if writer is not None:
            writer.close()
        if owned:
            await config.dispose()

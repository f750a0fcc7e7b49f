"""Bulk jobs of the service: bulk issuance and revocation in the background, with progress
that any process of the service can report.

A job is submitted over HTTP and answered at once; :class:`BulkJobs` runs it as an asyncio
task of the process that took it, around :func:`~vcbadges.issuer.bulk.bulk_issue` or
:func:`~vcbadges.issuer.bulk.bulk_revoke`. Its state lives in the database (``bulk_jobs``,
and each row's outcome in ``bulk_job_rows``), so that with several processes behind a load
balancer any of them answers for it:

- the running process writes the counts, the new row outcomes and a heartbeat every
  ``heartbeat`` seconds, and once more at the end;
- a cancel request is a flag on the job, which the running process reads at each heartbeat
  before cancelling its task (bulk issuance stops between batches: every row is either
  issued and recorded, or not issued);
- a job whose process went away (a crash, a kill) stops beating: once its heartbeat is
  older than ``stale_after`` seconds it reads as ``interrupted``. A process that stops
  cleanly marks its running jobs interrupted itself.

Resuming. An issuance job has a job key (the caller's, or a digest of the achievement and
the rows), and its issued rows are recorded under that key in the same transactions as
their credentials; submitting the same job again therefore issues only the rows not yet
issued, and reports the others as ``skipped-already-issued`` with their credential ids.
Revocation needs no key: revoking a revoked credential is ``skipped-already-revoked``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

from vcbadges.errors import StorageError, VCBadgesError
from vcbadges.issuer.achievements import get_achievement
from vcbadges.issuer.bulk import (
    FAILED,
    ISSUED,
    REVOKED,
    SKIPPED,
    SKIPPED_REVOKED,
    BulkRow,
    BulkRowResult,
    RevokeRow,
    RevokeRowResult,
    bulk_issue,
    bulk_revoke,
)
from vcbadges.issuer.keystore import KeyStore
from vcbadges.issuer.publish import StatusListPublisher
from vcbadges.issuer.tenants import Tenant
from vcbadges.primitives.dates import format_datetime
from vcbadges.storage import queries
from vcbadges.storage.db import DatabaseConfig
from vcbadges.storage.records import BulkJobRecord

__all__ = ["JobKind", "JobRefused", "JobView", "BulkJobs", "JOB_RETENTION", "job_key_of"]

log = logging.getLogger("vcbadges.jobs")

JobKind = Literal["issue", "revoke"]

#: The row outcomes each kind of job counts, as they appear in results.
_OUTCOMES: Final[dict[str, tuple[str, str, str]]] = {
    "issue": (ISSUED, SKIPPED, FAILED),
    "revoke": (REVOKED, SKIPPED_REVOKED, FAILED),
}
_MAX_KEY = 200
#: How long a job and its row outcomes are kept after its last heartbeat. The issued
#: credentials and the records that make a resubmitted job skip its rows are kept.
JOB_RETENTION: Final = timedelta(days=30)
_CANCEL_WAIT = 10.0  # Seconds a cancel waits for a job of this process to stop.
_INTERNAL = "the job stopped on an internal error; submit it again to resume"


def _now() -> datetime:
    # With microseconds (unlike credential dates): jobs submitted within one second keep
    # their order, and heartbeats their spacing.
    return datetime.now(UTC)


class JobRefused(VCBadgesError):
    """A job that cannot start now: ``job_running`` (the same job key is running; ``job``
    is that job) or ``too_many_jobs`` (the tenant's running jobs are at the limit)."""

    def __init__(self, message: str, *, code: str, job: JobView | None = None) -> None:
        super().__init__(message, code=code)
        self.job = job


@dataclass(frozen=True)
class JobView:
    """A job as callers see it; ``state`` already says ``interrupted`` for a job whose
    process stopped beating."""

    id: uuid.UUID
    kind: str
    job_key: str
    achievement: str | None
    state: str
    total: int
    done: int
    counts: dict[str, int]
    error: str | None
    cancel_requested: bool
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id), "kind": self.kind, "job": self.job_key,
            "achievement": self.achievement, "state": self.state, "total": self.total,
            "done": self.done, "counts": self.counts, "error": self.error,
            "cancelRequested": self.cancel_requested,
            "createdAt": format_datetime(self.created_at),
            "updatedAt": format_datetime(self.updated_at),
            "finishedAt": None if self.finished_at is None else format_datetime(
                self.finished_at),
        }


def job_key_of(achievement: str, content: bytes) -> str:
    """The default key of an issuance job: the same rows for the same achievement are the
    same job, so sending a file again after a failure resumes it."""
    digest = hashlib.sha256(achievement.encode() + b"\x00" + content).hexdigest()
    return f"sha256:{digest}"


@dataclass
class _Progress:
    """What a running job has settled and not yet written, filled by the bulk callbacks."""

    outcomes: tuple[str, str, str]
    counts: dict[str, int] = field(default_factory=dict)
    pending: list[tuple[str, str | None, str, str | None]] = field(default_factory=list)
    written: int = 0

    def __post_init__(self) -> None:
        self.counts = dict.fromkeys(self.outcomes, 0)

    def add(self, row_id: str, credential_id: str | None, status: str,
            error: str | None) -> None:
        self.pending.append((row_id, credential_id, status, error))
        self.counts[status] += 1


class BulkJobs:
    """Starts, runs, reports and cancels the bulk jobs of this service process.

    ``lists`` is told of every committed batch of revocations. ``max_running`` caps the
    running jobs of one tenant (across processes), so that one
    tenant's uploads cannot take every core of the service from the others. ``stale_after``
    is ten heartbeats: a busy process still beats every second or two (signing yields to
    the event loop between badges), and a restarted one lets a crashed job be resumed
    after at most that long.
    """

    def __init__(
        self, db: DatabaseConfig, *, keystore: KeyStore, base_url: str,
        lists: StatusListPublisher, heartbeat: float = 1.0, stale_after: float = 10.0,
        max_running: int = 2,
    ) -> None:
        self._db = db
        self._keystore = keystore
        self._lists = lists
        self._base_url = base_url
        self._heartbeat = heartbeat
        self._stale_after = timedelta(seconds=stale_after)
        self._max_running = max_running
        self._tasks: dict[uuid.UUID, asyncio.Task[None]] = {}
        self._pokes: dict[uuid.UUID, asyncio.Event] = {}

    # --- reading ---------------------------------------------------------------------

    def _view(self, job: BulkJobRecord, now: datetime) -> JobView:
        state = job.state
        if state == "running" and job.heartbeat_at < now - self._stale_after:
            state = "interrupted"
        succeeded, skipped, failed = _OUTCOMES[job.kind]
        return JobView(
            id=job.id, kind=job.kind, job_key=job.job_key, achievement=job.achievement,
            state=state, total=job.total, done=job.done,
            counts={succeeded: job.succeeded, skipped: job.skipped, failed: job.failed},
            error=job.error, cancel_requested=job.cancel_requested,
            created_at=job.created_at, updated_at=job.heartbeat_at, finished_at=job.finished_at)

    async def get(self, tenant: Tenant, job_id: uuid.UUID) -> JobView | None:
        """The tenant's job, or None (also for another tenant's)."""
        async with self._db.sessionmaker(write=False)() as session, session.begin():
            job = await queries.get_bulk_job(session, tenant.id, job_id)
        return None if job is None else self._view(job, _now())

    async def jobs(self, tenant: Tenant, *, limit: int, offset: int) -> list[JobView]:
        """The tenant's jobs, newest first."""
        async with self._db.sessionmaker(write=False)() as session, session.begin():
            jobs = await queries.list_bulk_jobs(session, tenant.id, limit=limit, offset=offset)
        now = _now()
        return [self._view(job, now) for job in jobs]

    async def results(
        self, tenant: Tenant, job_id: uuid.UUID, *, after: int = 0, limit: int = 1000
    ) -> list[tuple[int, str, str | None, str, str | None]] | None:
        """A page of the job's row outcomes ``(seq, row id, credential id, status, error)``
        in the order they were settled, after ``seq`` ``after``; None for no such job."""
        async with self._db.sessionmaker(write=False)() as session, session.begin():
            if await queries.get_bulk_job(session, tenant.id, job_id) is None:
                return None
            return await queries.bulk_job_rows(session, job_id, after=after, limit=limit)

    # --- starting --------------------------------------------------------------------

    async def start_issue(
        self, tenant: Tenant, rows: Sequence[BulkRow], *, achievement: str, job_key: str,
        actor: str,
    ) -> JobView:
        """Start issuing a badge of the tenant's ``achievement`` template per row.

        ``StorageError`` (``not_found``) for an unknown template; :class:`JobRefused` when
        the same job key is running or the tenant runs as many jobs as allowed.
        """
        if not 0 < len(job_key) <= _MAX_KEY:
            raise ValueError(f"the job key must be 1 to {_MAX_KEY} characters")
        async with self._db.sessionmaker(write=False)() as session, session.begin():
            template = await get_achievement(session, tenant, achievement)
        if template is None:
            raise StorageError(f"there is no achievement template {achievement!r}",
                               code="not_found")

        async def work(progress: _Progress) -> None:
            def settled(result: BulkRowResult) -> None:
                progress.add(result.row_id, result.credential_id, result.status, result.error)

            await bulk_issue(self._db, tenant, rows, job=job_key,
                             achievement=template.achievement, keystore=self._keystore,
                             base_url=self._base_url, purposes=template.status_purposes,
                             on_result=settled)

        return await self._start(tenant, "issue", len(rows), work, job_key=job_key,
                                 achievement=achievement, actor=actor)

    async def start_revoke(
        self, tenant: Tenant, rows: Sequence[RevokeRow], *, reason: str | None, actor: str,
    ) -> JobView:
        """Start revoking the tenant's credentials named by ``rows``; ``reason`` is for
        rows without their own. :class:`JobRefused` as for :meth:`start_issue`."""
        key = "revoke:" + uuid.uuid4().hex

        async def work(progress: _Progress) -> None:
            def settled(result: RevokeRowResult) -> None:
                progress.add(result.credential_id, result.credential_id, result.status,
                             result.error)

            def committed(_done: int, _total: int) -> None:
                # A batch of revocations is in the database: this process's verifications
                # must see it at once (see StatusListPublisher.invalidate).
                self._lists.invalidate()

            await bulk_revoke(self._db, tenant, rows, actor=actor, reason=reason,
                              on_result=settled, on_progress=committed)

        return await self._start(tenant, "revoke", len(rows), work, job_key=key,
                                 achievement=None, actor=actor)

    async def _start(
        self, tenant: Tenant, kind: JobKind, total: int,
        work: Callable[[_Progress], Awaitable[None]], *, job_key: str,
        achievement: str | None, actor: str,
    ) -> JobView:
        now = _now()
        alive_since = now - self._stale_after
        async with self._db.sessionmaker()() as session, session.begin():
            # The check and the insert in one transaction, one start per tenant at a time:
            # concurrent submissions to several processes stay within the limit, and the
            # same job key never runs twice.
            await queries.lock_bulk_jobs(session, tenant.id)
            same = await queries.running_bulk_jobs(session, tenant.id, alive_since=alive_since,
                                                   job_key=job_key)
            if same:
                raise JobRefused("this job is already running; follow it, or cancel it "
                                 "before submitting it again", code="job_running",
                                 job=self._view(same[0], now))
            running = await queries.running_bulk_jobs(session, tenant.id,
                                                      alive_since=alive_since)
            if len(running) >= self._max_running:
                raise JobRefused(f"at most {self._max_running} bulk jobs run at once; wait "
                                 "for one to finish", code="too_many_jobs")
            job = BulkJobRecord(
                id=uuid.uuid4(), tenant_id=tenant.id, kind=kind, job_key=job_key,
                achievement=achievement, actor=actor, state="running", total=total, done=0,
                succeeded=0, skipped=0, failed=0, error=None, cancel_requested=False,
                created_at=now, heartbeat_at=now, finished_at=None)
            await queries.add_bulk_job(session, job)
        view = self._view(job, now)
        poke = self._pokes[job.id] = asyncio.Event()
        task = self._tasks[job.id] = asyncio.create_task(self._run(job.id, kind, work, poke))

        def forget(_: object) -> None:
            self._tasks.pop(job.id, None)
            self._pokes.pop(job.id, None)

        task.add_done_callback(forget)
        return view

    # --- running ---------------------------------------------------------------------

    async def _run(self, job_id: uuid.UUID, kind: JobKind,
                   work: Callable[[_Progress], Awaitable[None]], poke: asyncio.Event) -> None:
        """Run ``work``, saving its progress every heartbeat (or when poked) until it ends."""
        progress = _Progress(_OUTCOMES[kind])
        task = asyncio.ensure_future(work(progress))
        cancelling = False
        try:
            while not task.done():
                poked = asyncio.ensure_future(poke.wait())
                try:
                    await asyncio.wait({task, poked}, timeout=self._heartbeat,
                                       return_when=asyncio.FIRST_COMPLETED)
                finally:
                    poked.cancel()
                poke.clear()
                if task.done():
                    break
                if await self._save(job_id, progress) and not cancelling:
                    cancelling = True
                    task.cancel()
        except asyncio.CancelledError:
            # The service is stopping: stop the work, say so, and let the stop go on.
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            await self._save(job_id, progress, state="interrupted")
            raise
        state, error = "done", None
        if task.cancelled():
            state = "cancelled"
        elif (exc := task.exception()) is not None:
            state = "failed"
            if isinstance(exc, VCBadgesError):
                error = f"{exc.code}: {exc.message}"
            elif isinstance(exc, ValueError):
                error = str(exc)
            else:
                log.error("bulk job %s failed", job_id, exc_info=exc)
                error = _INTERNAL
        await self._save(job_id, progress, state=state, error=error)

    async def _save(self, job_id: uuid.UUID, progress: _Progress, *,
                    state: str | None = None, error: str | None = None) -> bool:
        """Write the new outcomes, the counts and the heartbeat (and a final ``state``);
        return whether a cancel was requested. A failed write is logged, and the outcomes
        stay pending for the next one."""
        rows = list(progress.pending)
        counts = list(progress.counts.values())
        now = _now()
        values: dict[str, Any] = {
            "done": progress.written + len(rows), "succeeded": counts[0], "skipped": counts[1],
            "failed": counts[2], "heartbeat_at": now}
        if state is not None:
            values.update(state=state, error=error, finished_at=now)
        try:
            async with self._db.sessionmaker()() as session, session.begin():
                await queries.add_bulk_job_rows(session, job_id, progress.written + 1, rows)
                cancel = await queries.update_bulk_job(session, job_id, **values)
        except Exception:
            log.exception("saving the progress of bulk job %s failed", job_id)
            return False
        del progress.pending[:len(rows)]
        progress.written += len(rows)
        return cancel

    # --- stopping --------------------------------------------------------------------

    async def cancel(self, tenant: Tenant, job_id: uuid.UUID) -> JobView | None:
        """Ask for the job to stop; None for no such job. A job running in this process
        stops before the answer; one running in another process stops at its next
        heartbeat (the answer says ``cancelRequested``). A job that is not running is
        left as it is."""
        async with self._db.sessionmaker()() as session, session.begin():
            await queries.request_bulk_job_cancel(session, tenant.id, job_id)
        task, poke = self._tasks.get(job_id), self._pokes.get(job_id)
        if task is not None and poke is not None:
            poke.set()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), timeout=_CANCEL_WAIT)
        return await self.get(tenant, job_id)

    async def purge(self) -> int:
        """Delete the jobs last heard of more than :data:`JOB_RETENTION` ago; how many."""
        async with self._db.sessionmaker()() as session, session.begin():
            return await queries.purge_bulk_jobs(session, _now() - JOB_RETENTION)

    async def close(self) -> None:
        """Stop the jobs running in this process, marking them interrupted."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

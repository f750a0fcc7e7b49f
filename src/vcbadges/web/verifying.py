"""Verification for the service's handlers, in worker processes so that the event loop
stays responsive.

Verifying is CPU-bound (about 2.6 ms per embedded credential, mostly JSON-LD expansion,
RDFC-1.0 and signature checks) with reads in between: status lists, did:web documents,
OB 2.0 documents, issuer registries. The reads stay in this process, through ``DOCUMENTS``
(this service's own documents from its database, the rest under the verification
:class:`~vcbadges.net.fetcher.SafeFetcher` policy) and ``ISSUER_REGISTRIES``; workers never
open a connection. A verification runs in rounds:

1. Before the first round, the URLs the document visibly depends on (status list
   credentials, did:web verification methods) are read here.
2. A worker (:data:`VERIFY_POOL`) runs the whole verification of the library on what was
   read. A read it lacks does not stop it: the read fails there (``fetch_deferred``), and
   the worker hands back, with its report, every URL and registry lookup it missed.
3. If it missed any, they are read here, and the next round starts with them. What one
   round reads can reveal more reads (a status list's issuer is a did:web), so up to
   :data:`MAX_ROUNDS` rounds run; in the last, a missed read fails for good
   (``fetch_limit``), as does every read past :data:`MAX_DOCUMENTS` in one verification.

The report is the one the library would make in this process. A worker that takes longer
than ``Settings.verify_timeout``, or workers that die, end the verification with
:class:`VerificationNotRun` (:func:`verify_in_workers`, for a caller that records it, as the
OpenID4VP Response URI does in its result); the endpoints that verify
(:func:`verify_offloaded`) answer it with ``422 verification-too-costly`` or ``503
verification-unavailable`` with ``Retry-After``. Neither hangs, neither is a 500.
With ``Settings.verify_workers = 0`` there is no pool, and verification runs in this process.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from aiohttp import web

from vcbadges._api import (
    verify,
    verify_credential_document,
    verify_held,
    verify_presentation_document,
)
from vcbadges.dids.resolver import network_resolver
from vcbadges.dids.web import ACCEPT as DID_ACCEPT, did_web_to_url
from vcbadges.errors import DIDResolutionError, FetchError, VCBadgesError
from vcbadges.net.fetcher import FetchStatusError
from vcbadges.primitives.workers import WorkerCrashed, WorkerPool, WorkerTimeout
from vcbadges.report import PresentationReport, VerificationReport
from vcbadges.verifier.listcache import VerifiedListCache
from vcbadges.verifier.registry import IssuerRegistries, RegistryEntry
from vcbadges.web.keys import (
    DOCUMENTS,
    ISSUER_REGISTRIES,
    RESOLVER,
    SETTINGS,
    VERIFIED_LISTS,
    VERIFY_POOL,
)
from vcbadges.web.problems import ProblemError

__all__ = ["MAX_ROUNDS", "MAX_DOCUMENTS", "Kind", "VerificationNotRun", "verify_in_workers",
           "verify_offloaded", "verify_pool_ctx"]

MAX_ROUNDS: Final = 4
MAX_DOCUMENTS: Final = 100
_JSON = "application/json"
# How many reads one verification makes at once.
_READS_AT_ONCE = 8
# How far the scan for reads to make before the first round looks (JSON values visited).
_HINT_NODES = 20_000

Kind = Literal["any", "credential", "presentation", "held"]
Report = VerificationReport | PresentationReport
_Read = tuple[str, str]  # (URL, Accept)


_TOO_COSTLY = "verification_too_costly"
_UNAVAILABLE = "verification_unavailable"


class VerificationNotRun(VCBadgesError):
    """A verification that did not run to its end: it needed more than
    ``Settings.verify_timeout`` seconds of work (code ``verification_too_costly``) or its
    workers died (``verification_unavailable``, worth trying again)."""

    def problem(self) -> ProblemError:
        """The answer of an endpoint whose verification did not run."""
        if self.code == _TOO_COSTLY:
            return ProblemError(422, "verification-too-costly", "Verification took too long",
                                self.message)
        return ProblemError(503, "verification-unavailable", "Verification is unavailable",
                            self.message, headers={"Retry-After": "1"})


@dataclass(frozen=True, slots=True)
class _Fetched:
    """A read made in this process: its JSON, or how it failed."""

    value: Any = None
    code: str | None = None
    message: str = ""
    status: int | None = None

    def replay(self) -> Any:
        if self.code is None:
            return self.value
        if self.status is not None:
            raise FetchStatusError(self.message, status=self.status)
        raise FetchError(self.message, code=self.code)


@dataclass(frozen=True, slots=True)
class _Job:
    document: Any
    kind: Kind
    now: datetime | None
    challenge: str | None
    domain: str | None
    holder_must_be_subject: bool
    reads: dict[_Read, _Fetched]
    listings: dict[str, RegistryEntry | None]
    final: bool


@dataclass(frozen=True, slots=True)
class _Outcome:
    report: Report
    missed_reads: frozenset[_Read] = field(default_factory=frozenset)
    missed_listings: frozenset[str] = field(default_factory=frozenset)


# --- in the worker ------------------------------------------------------------------------

# Status list credentials a worker verified recently: kept across the calls it runs.
_WORKER_LISTS: list[VerifiedListCache] = []


class _Replayed:
    """The reads of this process, replayed in a worker; a missing one is noted."""

    def __init__(self, job: _Job) -> None:
        self._job = job
        self.missed: set[_Read] = set()

    async def get_json(self, url: str, *, accept: str = _JSON) -> Any:
        found = self._job.reads.get((url, accept))
        if found is not None:
            return found.replay()
        if self._job.final:
            raise FetchError("this verification reads too many documents", code="fetch_limit")
        self.missed.add((url, accept))
        raise FetchError(f"{url} is read in a later round", code="fetch_deferred")


class _Listings:
    """Registry lookups of this process, replayed in a worker (an IssuerRegistries source)."""

    def __init__(self, job: _Job) -> None:
        self._job = job
        self.missed: set[str] = set()

    async def lookup(self, issuer_id: str, problems: dict[str, str]) -> RegistryEntry | None:
        if issuer_id in self._job.listings:
            return self._job.listings[issuer_id]
        if not self._job.final:
            self.missed.add(issuer_id)
        return None


def _run_job(job: _Job) -> _Outcome:
    """Run in a worker: one round of a verification."""
    return asyncio.run(_round(job))


async def _round(job: _Job) -> _Outcome:
    if not _WORKER_LISTS:
        _WORKER_LISTS.append(VerifiedListCache())
    fetcher, listings = _Replayed(job), _Listings(job)
    common: dict[str, Any] = {
        "fetcher": fetcher, "resolver": network_resolver(fetcher), "now": job.now,
        "verified_lists": _WORKER_LISTS[0], "registries": IssuerRegistries([listings])}
    report: Report
    if job.kind == "credential":
        report = await verify_credential_document(job.document, **common)
    elif job.kind == "presentation":
        report = await verify_presentation_document(
            job.document, challenge=job.challenge, domain=job.domain,
            holder_must_be_subject=job.holder_must_be_subject, **common)
    elif job.kind == "held":
        report = await verify_held(job.document, **common)
    else:
        report = await verify(job.document, challenge=job.challenge, domain=job.domain,
                              holder_must_be_subject=job.holder_must_be_subject, **common)
    if fetcher.missed or listings.missed:
        # Verified status lists that depended on a missed read must not be remembered.
        _WORKER_LISTS.clear()
    return _Outcome(report, frozenset(fetcher.missed), frozenset(listings.missed))


# --- in this process --------------------------------------------------------------------


def _hints(document: Any) -> Iterator[_Read]:
    """The reads ``document`` visibly needs: status list credentials and did:web
    verification methods, anywhere in it (embedded credentials included)."""
    stack, visited = [document], 0
    while stack and visited < _HINT_NODES:
        node = stack.pop()
        visited += 1
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "statusListCredential" and isinstance(value, str):
                    yield value, _JSON
                elif key == "verificationMethod" and isinstance(value, str) \
                        and value.startswith("did:web:"):
                    try:
                        yield did_web_to_url(value.split("#", 1)[0]), DID_ACCEPT
                    except DIDResolutionError:
                        pass
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)


class _Reads:
    """The reads of one verification, made here and kept for its rounds."""

    def __init__(self, request: web.Request) -> None:
        self._documents = request.config_dict[DOCUMENTS]
        self._registries = request.config_dict[ISSUER_REGISTRIES]
        self.reads: dict[_Read, _Fetched] = {}
        self.listings: dict[str, RegistryEntry | None] = {}
        self._gate = asyncio.Semaphore(_READS_AT_ONCE)

    async def _read(self, wanted: _Read) -> None:
        if len(self.reads) >= MAX_DOCUMENTS:
            self.reads[wanted] = _Fetched(code="fetch_limit",
                                          message="this verification reads too many documents")
            return
        self.reads[wanted] = _Fetched(code="fetch_deferred", message="being read")
        url, accept = wanted
        async with self._gate:
            try:
                value = await self._documents.get_json(url, accept=accept)
            except FetchStatusError as exc:
                self.reads[wanted] = _Fetched(code=exc.code, message=exc.message,
                                              status=exc.status)
            except FetchError as exc:
                self.reads[wanted] = _Fetched(code=exc.code, message=exc.message)
            else:
                self.reads[wanted] = _Fetched(value=value)

    async def _lookup(self, issuer_id: str) -> None:
        self.listings[issuer_id] = await self._registries.lookup(issuer_id)

    async def make(self, reads: Iterator[_Read] | frozenset[_Read],
                   listings: frozenset[str] = frozenset()) -> None:
        wanted = list(dict.fromkeys(r for r in reads if r not in self.reads))
        await asyncio.gather(*(self._read(r) for r in wanted),
                             *(self._lookup(i) for i in listings if i not in self.listings))


async def verify_offloaded(
    request: web.Request, document: Any, *, kind: Kind = "any", now: datetime | None = None,
    challenge: str | None = None, domain: str | None = None,
    holder_must_be_subject: bool = True,
) -> Report:
    """:func:`verify_in_workers`, for a handler: a verification that did not run is
    answered with its problem (422 or 503)."""
    try:
        return await verify_in_workers(request, document, kind=kind, now=now,
                                       challenge=challenge, domain=domain,
                                       holder_must_be_subject=holder_must_be_subject)
    except VerificationNotRun as exc:
        raise exc.problem() from None


async def verify_in_workers(
    request: web.Request, document: Any, *, kind: Kind = "any", now: datetime | None = None,
    challenge: str | None = None, domain: str | None = None,
    holder_must_be_subject: bool = True,
) -> Report:
    """Verify ``document`` as :func:`vcbadges.verify` (``kind="any"``),
    :func:`~vcbadges.verify_credential_document`,
    :func:`~vcbadges.verify_presentation_document` or, for the wallet's own badges,
    :func:`vcbadges.verify_held` (``kind="held"``) would, with the service's fetcher,
    resolver and registries; in a worker process when the service has a pool. Raises
    :class:`VerificationNotRun` when its worker took too long or died."""
    pool = request.config_dict[VERIFY_POOL]
    if pool is None:
        return await _in_process(request, document, kind=kind, now=now, challenge=challenge,
                                 domain=domain, holder_must_be_subject=holder_must_be_subject)
    timeout = request.config_dict[SETTINGS].verify_timeout
    reads = _Reads(request)
    await reads.make(_hints(document))
    for round_ in range(MAX_ROUNDS):
        job = _Job(document=document, kind=kind, now=now, challenge=challenge, domain=domain,
                   holder_must_be_subject=holder_must_be_subject, reads=dict(reads.reads),
                   listings=dict(reads.listings), final=round_ == MAX_ROUNDS - 1)
        try:
            outcome = await pool.run(_run_job, job, timeout=timeout)
        except WorkerTimeout:
            raise VerificationNotRun(f"verifying this document takes more than {timeout:g} s "
                                     "of work", code=_TOO_COSTLY) from None
        except WorkerCrashed:
            raise VerificationNotRun("the verification worker stopped; try again",
                                     code=_UNAVAILABLE) from None
        if not outcome.missed_reads and not outcome.missed_listings:
            return outcome.report
        await reads.make(outcome.missed_reads, outcome.missed_listings)
    raise AssertionError("the last round misses nothing")


async def _in_process(
    request: web.Request, document: Any, *, kind: Kind, now: datetime | None,
    challenge: str | None, domain: str | None, holder_must_be_subject: bool,
) -> Report:
    common: dict[str, Any] = {
        "fetcher": request.config_dict[DOCUMENTS], "resolver": request.config_dict[RESOLVER],
        "verified_lists": request.config_dict[VERIFIED_LISTS],
        "registries": request.config_dict[ISSUER_REGISTRIES], "now": now}
    if kind == "credential":
        return await verify_credential_document(document, **common)
    if kind == "presentation":
        return await verify_presentation_document(
            document, challenge=challenge, domain=domain,
            holder_must_be_subject=holder_must_be_subject, **common)
    if kind == "held":
        return await verify_held(document, **common)
    return await verify(document, challenge=challenge, domain=domain,
                        holder_must_be_subject=holder_must_be_subject, **common)


async def verify_pool_ctx(app: web.Application) -> AsyncIterator[None]:
    """The verification workers (``Settings.verify_workers``; none when 0), started on
    first use and stopped, after the calls under way, at cleanup."""
    workers = app[SETTINGS].verify_workers
    pool = WorkerPool(workers, preload=[__name__]) if workers > 0 else None
    app[VERIFY_POOL] = pool
    yield
    if pool is not None:
        await asyncio.to_thread(pool.close)


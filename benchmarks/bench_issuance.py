"""Bulk issuance throughput: badges per second, signed, with status indexes, stored.

    python benchmarks/bench_issuance.py [--count 2000] [--workers 0,1,2] [--repeat 1]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test] [--batch-size 250]

Each configuration gets a fresh database (an SQLite file in a temporary folder, or a fresh
PostgreSQL schema, dropped afterwards) with one tenant, and issues ``--count`` badges per
process through ``vcbadges.issuer.bulk.bulk_issue``: a sample achievement, recipients
alternating between a DID and an e-mail address (hashed), revocation and suspension status
entries. "2 processes" runs two OS processes at once, each a bulk job of its own into the
same tenant, and counts the badges of both over the time from the first start to the last
end. "workers" is the number of signing processes each job starts (0: it signs in its own
process). "badges/s" counts the whole job, worker start-up included; "steady/s" counts the
time when every job is in its second half. "cpu ms" is the CPU time per badge of the job
processes and their workers; "pg ms" that of a PostgreSQL server on this machine (with
whatever other clients made it do meanwhile). Unlike the rates, other load on the machine
hardly changes them, so ``cores * 1000 / (cpu ms + pg ms)`` estimates the rate on that many
free cores when the work is spread over at least as many processes. The first line is
``issue()`` alone on the same document, in this process, for comparison.

PostgreSQL is measured when ``--postgres`` or ``VCBADGES_TEST_DATABASE_URL`` names a server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from vcbadges import issue
from vcbadges.credentials.sample import sample_badge
from vcbadges.issuer import MasterKeyStore, create_tenant, tenant_by_name
from vcbadges.issuer.bulk import BulkRow, bulk_issue
from vcbadges.primitives.keys import Ed25519SigningKey
from vcbadges.status.bitstring import status_entry
from vcbadges.storage import DatabaseConfig, PostgresConfig, database_config, upgrade

BASE_URL = "https://badges.example.edu"
TENANT = "bench"
MASTER_KEY_ENV = "VCBADGES_BENCH_MASTER_KEY"


def achievement() -> dict[str, Any]:
    badge = sample_badge(issuer="did:example:issuer", subject="did:example:subject").to_json()
    template: dict[str, Any] = badge["credentialSubject"]["achievement"]
    return template


def rows(count: int, prefix: str) -> list[BulkRow]:
    learner = Ed25519SigningKey.generate().controller
    return [BulkRow(row_id=f"{prefix}-{i}",
                    recipient=learner if i % 2 == 0 else f"learner{i}@example.org")
            for i in range(count)]


def config(url: str, schema: str | None) -> DatabaseConfig:
    return PostgresConfig(url, schema=schema) if schema else database_config(url)


async def run_job(db: DatabaseConfig, count: int, workers: int, batch_size: int,
                  prefix: str) -> dict[str, float]:
    """One bulk job; its start, end and steady-state figures (wall clock, for merging)."""
    keystore = MasterKeyStore(bytes.fromhex(os.environ[MASTER_KEY_ENV]))
    async with db.sessionmaker(write=False)() as session:
        tenant = await tenant_by_name(session, TENANT)
    assert tenant is not None
    marks: list[tuple[float, int]] = []
    cpu: list[float] = []
    items = rows(count, prefix)

    def progress(done: int, total: int) -> None:
        marks.append((time.time(), done))
        if done == total:
            # The last batch is stored and the workers are still up: count their CPU.
            cpu.append(cpu_seconds())

    start, cpu_start = time.time(), cpu_seconds()
    result = await bulk_issue(
        db, tenant, items, job=f"bench-{prefix}", achievement=achievement(),
        keystore=keystore, base_url=BASE_URL, workers=workers, batch_size=batch_size,
        on_progress=progress)
    end = time.time()
    if result.issued != count:
        raise SystemExit(f"issued {result.issued} of {count} ({result.failed} failed)")
    return {"start": start, "end": end, "issued": result.issued, "marks": marks,
            "cpu": cpu[-1] - cpu_start}


def done_at(marks: list[tuple[float, int]], moment: float) -> float:
    """Badges a job had stored at ``moment``, between its progress marks."""
    before = max(((t, d) for t, d in marks if t <= moment), default=(moment, 0))
    after = min(((t, d) for t, d in marks if t >= moment), default=before)
    if after[0] == before[0]:
        return float(before[1])
    return before[1] + (after[1] - before[1]) * (moment - before[0]) / (after[0] - before[0])


def steady_rate(reports: list[dict[str, Any]]) -> float:
    """Badges per second while every job was in its second half: the pipelines full, the
    start-up long past, and all jobs running at once."""
    marks = [[(t, d) for t, d in r["marks"]] for r in reports]
    begin = max(next(t for t, d in m if d >= r["issued"] // 2)
                for m, r in zip(marks, reports, strict=True))
    end = min(m[-1][0] for m in marks)
    if end <= begin:
        return float("nan")
    return sum(done_at(m, end) - done_at(m, begin) for m in marks) / (end - begin)


def _processes() -> list[tuple[int, str, list[str]]]:
    """(pid, command name, the /proc stat fields after the name) of every process."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                name, rest = (entry / "stat").read_text().split(" (", 1)[1].rsplit(")", 1)
            except (OSError, ValueError):
                continue
            found.append((int(entry.name), name, rest.split()))
    return found


def cpu_seconds() -> float:
    """CPU time (user and system) of this process and every process below it, from /proc
    (the workers are children of the forkserver, so getrusage would not see them)."""
    processes = _processes()
    parents = {pid: int(fields[1]) for pid, _, fields in processes}
    times = {pid: int(fields[11]) + int(fields[12]) for pid, _, fields in processes}
    tree, frontier = [os.getpid()], [os.getpid()]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return sum(times.get(pid, 0) for pid in tree) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU time of the local PostgreSQL server: its live processes, plus what the
    postmaster collected from its exited backends. Other clients' work counts too."""
    total = 0
    for _pid, name, fields in _processes():
        if name == "postgres":
            # utime and stime, then cutime and cstime: exited backends (reaped by the
            # postmaster) move from the first pair to the postmaster's second.
            total += sum(int(value) for value in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


async def prepare(url: str, schema: str | None) -> None:
    db = config(url, schema)
    try:
        await upgrade(db)
        async with db.sessionmaker()() as session, session.begin():
            await create_tenant(session, TENANT,
                                keystore=MasterKeyStore(bytes.fromhex(os.environ[MASTER_KEY_ENV])))
    finally:
        await db.dispose()


async def drop(url: str, schema: str) -> None:
    admin = PostgresConfig(url)
    try:
        async with admin.engine().begin() as connection:
            await connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await admin.dispose()


def measure(url: str, schema: str | None, processes: int, count: int, workers: int,
            batch_size: int) -> tuple[float, float, float, float, float]:
    """Run ``processes`` jobs at once in child processes; (seconds, badges/s, steady/s,
    CPU milliseconds per badge in the job processes and their workers, and in the local
    PostgreSQL server)."""
    server_start = postgres_cpu_seconds()
    children = [
        subprocess.Popen([sys.executable, __file__, "--child", url, schema or "-", str(count),
                          str(workers), str(batch_size), f"p{n}"],
                         stdout=subprocess.PIPE, text=True)
        for n in range(processes)]
    reports = []
    for child in children:
        out, _ = child.communicate()
        if child.returncode != 0:
            raise SystemExit(f"a benchmark process failed ({child.returncode})")
        reports.append(json.loads(out))
    server = postgres_cpu_seconds() - server_start
    issued = sum(r["issued"] for r in reports)
    seconds = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    steady = steady_rate(reports)
    return (seconds, issued / seconds, steady, 1000 * sum(r["cpu"] for r in reports) / issued,
            1000 * server / issued)


async def sign_only(seconds: float = 3.0) -> float:
    """``issue()`` alone on a document like the bulk ones, in this process."""
    key = Ed25519SigningKey.generate()
    unsigned = sample_badge(issuer=key.controller, subject="did:example:subject").to_json()
    unsigned["credentialSubject"] = {"id": "did:example:subject",
                                     "type": ["AchievementSubject"],
                                     "achievement": achievement()}
    del unsigned["evidence"]
    list_url = f"{BASE_URL}/issuer/status/{uuid.uuid4()}"
    unsigned["credentialStatus"] = [
        status_entry(list_credential=list_url, index=7, purpose="revocation"),
        status_entry(list_credential=list_url, index=9, purpose="suspension")]
    for _ in range(20):
        await issue(unsigned, key=key)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        await issue(unsigned, key=key)
        done += 1
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="badges per process")
    parser.add_argument("--workers", default="0,1,2",
                        help="signing processes per job to measure, comma-separated")
    parser.add_argument("--batch-size", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each configuration; the best is shown (other load on "
                             "the machine only ever makes a run slower)")
    parser.add_argument("--postgres", default=os.environ.get("VCBADGES_TEST_DATABASE_URL"),
                        help="PostgreSQL URL (default: $VCBADGES_TEST_DATABASE_URL)")
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        url, schema, count, workers, batch_size, prefix = args.child
        db = config(url, None if schema == "-" else schema)

        async def child() -> dict[str, float]:
            try:
                return await run_job(db, int(count), int(workers), int(batch_size), prefix)
            finally:
                await db.dispose()

        print(json.dumps(asyncio.run(child())))
        return

    os.environ[MASTER_KEY_ENV] = secrets.token_bytes(32).hex()
    worker_counts = [int(w) for w in args.workers.split(",")]
    print(f"vcbadges bulk issuance: {args.count} badges per process, {os.cpu_count()} CPUs, "
          f"batches of {args.batch_size}, best of {args.repeat}; load average "
          f"{os.getloadavg()[0]:.2f} at the start")
    alone = asyncio.run(sign_only())
    print(f"issue() alone, in process, same document: {alone:.0f}/s "
          f"({1000 / alone:.2f} ms)\n")
    print(f"{'database':<12}{'processes':>10}{'workers':>9}{'badges':>8}{'seconds':>9}"
          f"{'badges/s':>10}{'steady/s':>10}{'cpu ms':>9}{'pg ms':>8}")
    plans: list[tuple[str, int]] = [("sqlite", 1), ("sqlite", 2)]
    if args.postgres:
        plans += [("postgresql", 1), ("postgresql", 2)]
    for database, processes in plans:
        for workers in worker_counts:
            with tempfile.TemporaryDirectory(prefix="vcbadges-bench-") as folder:
                schema = None
                if database == "sqlite":
                    url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
                else:
                    url = args.postgres
                    schema = "bench_" + secrets.token_hex(6)
                runs = []
                for _ in range(args.repeat):
                    try:
                        asyncio.run(prepare(url, schema))
                        runs.append(measure(url, schema, processes, args.count, workers,
                                            args.batch_size))
                    finally:
                        if schema is not None:
                            asyncio.run(drop(url, schema))
                        for leftover in Path(folder).iterdir():
                            leftover.unlink()
                seconds, rate, _, _, _ = min(runs)
                steady = max(run[2] for run in runs)
                cpu_ms = min(run[3] for run in runs)
                server_ms = f"{min(run[4] for run in runs):.2f}" if schema else "-"
            print(f"{database:<12}{processes:>10}{workers:>9}{processes * args.count:>8}"
                  f"{seconds:>9.1f}{rate:>10.0f}{steady:>10.0f}{cpu_ms:>9.2f}{server_ms:>8}",
                  flush=True)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end (other processes make the "
          "figures lower)")
    if not args.postgres:
        print("\n(PostgreSQL not measured: pass --postgres URL or set "
              "VCBADGES_TEST_DATABASE_URL)")


if __name__ == "__main__":
    main()

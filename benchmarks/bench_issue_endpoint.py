"""How close does ``POST /issuer/credentials/issue`` come to the library's signing rate?

Run ``python benchmarks/bench_issue_endpoint.py`` from the repository root. It prints, in
one run on one machine:

1. the library's sign rate: ``vcbadges.issue`` on an Open Badge of the demo tenant's shape
   (one revocation entry, Ed25519, eddsa-rdfc-2022), in this process, one after another;
2. the issue endpoint on SQLite, one server process (``vcbadges serve`` in a subprocess, a
   temporary folder, the demo tenant): ``--concurrency`` requests in flight (default 16),
   each awarding the demo achievement to a DID, for ``--duration`` seconds after a warm-up;
   requests per second, p50/p99/max latency and errors (any answer but ``201``);
3. with ``--postgres URL`` (or ``VCBADGES_TEST_DATABASE_URL``), the same on PostgreSQL with
   one and with two server processes, each run in a fresh schema (dropped afterwards);

then the ratios the service is held to: endpoint / library rate on SQLite (goal ≥ 0.40),
p99 at concurrency 16 on SQLite (goal < 50 ms), PostgreSQL two processes / one (goal ≥ 1.6;
meaningful only with at least two free cores, since the load runs on the same machine).

``--port`` chooses the first of the local ports the servers listen on (default: a free one).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
from service_process import free_port, start_server

from vcbadges import issue
from vcbadges.credentials.sample import sample_badge
from vcbadges.primitives.keys import Ed25519SigningKey
from vcbadges.status.bitstring import status_entry

LEARNER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


async def library_rate(seconds: float) -> float:
    """Badges per second that ``vcbadges.issue`` signs in this process."""
    key = Ed25519SigningKey.generate()
    badge = sample_badge(issuer=key.controller, subject=LEARNER).to_json()
    badge.pop("proof", None)
    # One revocation entry, as the service gives the demo achievement's badges.
    badge["credentialStatus"] = status_entry(
        list_credential=f"https://badges.example/issuer/status/{uuid.uuid4()}", index=7,
        purpose="revocation")
    await issue(badge, key=key)  # Warm-up: contexts parsed, caches filled.
    count = 0
    began = time.perf_counter()
    while time.perf_counter() - began < seconds:
        badge["id"] = f"urn:uuid:{uuid.uuid4()}"
        await issue(badge, key=key)
        count += 1
    return count / (time.perf_counter() - began)


async def _load(client: aiohttp.ClientSession, url: str, api_key: str, concurrency: int,
                seconds: float) -> tuple[list[float], int, float]:
    """Keep ``concurrency`` issue requests in flight for ``seconds``; return the latencies
    (s), the error count and the elapsed time."""
    latencies: list[float] = []
    errors = 0
    body = {"award": {"achievement": "explorer", "recipient": {"id": LEARNER}}}
    headers = {"Authorization": f"Bearer {api_key}"}
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            try:
                async with client.post(url, json=body, headers=headers) as response:
                    await response.read()
                    ok = response.status == 201
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            latencies.append(time.perf_counter() - start)
            errors += 0 if ok else 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - began


def _percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


async def _measure(base: str, api_key: str, args: argparse.Namespace) -> dict[str, float]:
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    url = base + "/issuer/credentials/issue"
    async with aiohttp.ClientSession(connector=connector) as client:
        await _load(client, url, api_key, args.concurrency, args.warmup)
        latencies, errors, elapsed = await _load(client, url, api_key, args.concurrency,
                                                 args.duration)
    latencies.sort()
    return {"rate": len(latencies) / elapsed, "p50": _percentile(latencies, 0.5) * 1000,
            "p99": _percentile(latencies, 0.99) * 1000, "max": latencies[-1] * 1000,
            "requests": len(latencies), "errors": errors}


def _serve_and_measure(args: argparse.Namespace, workers: int,
                       env: dict[str, str] | None = None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        port = args.port or free_port()
        process, api_key = start_server(Path(folder), port, workers, settings=env)
        try:
            return asyncio.run(_measure(f"http://127.0.0.1:{port}", api_key, args))
        finally:
            process.terminate()
            process.wait(30)


def _line(label: str, figures: dict[str, float]) -> None:
    print(f"  {label:<24} {figures['rate']:7.0f} req/s   p50 {figures['p50']:6.1f} ms   "
          f"p99 {figures['p99']:6.1f} ms   max {figures['max']:6.1f} ms   "
          f"{figures['requests']:.0f} requests, {figures['errors']:.0f} errors")


async def _drop_schema(url: str, schema: str) -> None:
    import asyncpg  # PostgreSQL only.

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await connection.close()


def _postgres(args: argparse.Namespace, workers: int) -> dict[str, float]:
    schema = f"bench_issue_{uuid.uuid4().hex[:12]}"
    env = {"VCBADGES_DATABASE_URL": args.postgres, "VCBADGES_DATABASE_SCHEMA": schema}
    try:
        return _serve_and_measure(args, workers, env)
    finally:
        asyncio.run(_drop_schema(args.postgres, schema))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--postgres", default=os.environ.get("VCBADGES_TEST_DATABASE_URL"))
    args = parser.parse_args()

    sign_rate = asyncio.run(library_rate(args.duration / 2))
    print(f"library: vcbadges.issue (Open Badge, 1 status entry, eddsa-rdfc-2022), "
          f"one after another: {sign_rate:.0f} badges/s")
    print(f"POST /issuer/credentials/issue (award to a DID), concurrency {args.concurrency}, "
          f"{args.duration:g} s:")
    sqlite = _serve_and_measure(args, 1)
    _line("SQLite, 1 process", sqlite)
    pg: dict[int, dict[str, float]] = {}
    if args.postgres:
        for workers in (1, 2):
            pg[workers] = _postgres(args, workers)
            _line(f"PostgreSQL, {workers} process{'es' if workers > 1 else ''}", pg[workers])
    print("ratios:")
    print(f"  SQLite endpoint / library rate  {sqlite['rate'] / sign_rate:.2f}   (goal >= 0.40)")
    print(f"  SQLite p99 at concurrency {args.concurrency}    {sqlite['p99']:.1f} ms "
          f"(goal < 50 ms)")
    if pg:
        print(f"  PostgreSQL endpoint / library   {pg[1]['rate'] / sign_rate:.2f}")
        print(f"  PostgreSQL 2 processes / 1      {pg[2]['rate'] / pg[1]['rate']:.2f}   "
              f"(goal >= 1.6)")


if __name__ == "__main__":
    main()

"""How many verifications per second does ``POST /verifier/credentials/verify`` serve?

Run ``python benchmarks/bench_verify_endpoint.py`` from the repository root. It starts
``vcbadges serve`` in a subprocess (one process, SQLite in a temporary folder, the demo
tenant), issues one Open Badge through the API, then keeps a fixed number of requests in
flight (``--concurrency``, default 8) for ``--duration`` seconds (default 10) after a short
warm-up, each asking the service to verify that badge, and prints requests per second,
p50/p99/max latency in milliseconds and the number of errors (any answer other than
``200 verified``, or a failed request).

The badge carries the usual two status entries (revocation and suspension), so every
verification also checks two of the service's own status lists. The status list publisher
serves them from memory and reads them again from its database in the background, so a
list is never more than a second out of date (see :mod:`vcbadges.issuer.publish`), and
their signatures are verified once and then remembered. ``--statuses 1`` issues a badge
with the revocation entry only, ``--statuses 0`` one without status entries; ``--format
jwt`` a VC-JWT. Goal: at least 400 requests per second, p99 under 25 ms, no errors. The
load runs on the same machine as the service, so repeat runs and compare ranges.

Two more figures. The library's own rate: the same badge verified in this process, one
after another, through a SafeFetcher on the service (status lists cached as the service
caches them), which is what one core can do. And ``--presentation N`` (default 100, about
180 KiB; 0 skips it; the holder's own proof refuses much larger ones as too repetitive):
while ``--concurrency`` clients post a presentation of N such badges to
``POST /verifier/presentations/verify``, a probe reads ``GET /`` every 10 ms, and its
p50/p99/max latency is printed: how responsive the event loop stays while big
presentations are verified. ``--verify-workers 0`` verifies in the serving process (the
service before its worker pool); the default is the service's own (one worker per core).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from service_process import free_port, start_server

from vcbadges import generate_key, present
from vcbadges._api import verify_credential_document
from vcbadges.dids.resolver import network_resolver
from vcbadges.net.fetcher import FetchPolicy, SafeFetcher
from vcbadges.verifier.listcache import VerifiedListCache

LEARNER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


async def _issue(client: aiohttp.ClientSession, base: str, api_key: str,
                 args: argparse.Namespace) -> Any:
    options: dict[str, Any] = {"format": args.format}
    if args.statuses == 0:
        options["statusPurposes"] = []
    elif args.statuses == 1:
        options["statusPurposes"] = ["revocation"]
    body = {"award": {"achievement": "explorer", "recipient": {"id": LEARNER}},
            "options": options}
    async with client.post(base + "/issuer/credentials/issue", json=body,
                           headers={"Authorization": f"Bearer {api_key}"}) as response:
        answer = await response.json()
        if response.status != 201:
            raise SystemExit(f"issuing failed: {answer}")
        return answer["verifiableCredential"]


async def _load(client: aiohttp.ClientSession, url: str, credential: Any,
                concurrency: int, seconds: float) -> tuple[list[float], int, float]:
    """Keep ``concurrency`` requests in flight for ``seconds``; return the latencies (s),
    the error count and the elapsed time."""
    latencies: list[float] = []
    errors = 0
    body = {"verifiableCredential": credential}
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            try:
                async with client.post(url, json=body) as response:
                    report = await response.json()
                    ok = response.status == 200 and report.get("verified") is True
            except (aiohttp.ClientError, TimeoutError, ValueError):
                ok = False
            latencies.append(time.perf_counter() - start)
            errors += 0 if ok else 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - began


def _percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


async def _library_rate(credential: Any, seconds: float) -> float:
    """Verifications per second of the library in this process (one core)."""
    policy = FetchPolicy(allow_http_hosts=frozenset({"127.0.0.1"}),
                         allow_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    async with SafeFetcher(policy) as fetcher:
        resolver, lists = network_resolver(fetcher), VerifiedListCache()
        count, began = 0, time.perf_counter()
        while time.perf_counter() - began < seconds:
            report = await verify_credential_document(credential, fetcher=fetcher,
                                                      resolver=resolver, verified_lists=lists)
            if not report.verified:
                raise SystemExit(f"the library did not verify the badge: {report.to_json()}")
            count += 1
        return count / (time.perf_counter() - began)


async def _loop_latency(client: aiohttp.ClientSession, base: str, api_key: str,
                        args: argparse.Namespace) -> None:
    """Probe ``GET /`` while presentations of ``args.presentation`` badges are verified."""
    gate = asyncio.Semaphore(8)

    async def one() -> Any:
        async with gate:
            return await _issue(client, base, api_key, args)

    # Distinct badges: one repeated would be refused (JSON-LD bounds on repeated values).
    credentials = await asyncio.gather(*(one() for _ in range(args.presentation)))
    presentation = await present(credentials, key=generate_key(), challenge="bench",
                                 domain="bench.example")
    body = {"verifiablePresentation": presentation}
    size = len(json.dumps(body))
    stop_at = time.perf_counter() + args.duration
    probes: list[float] = []
    verified = [0, 0]  # answered, refused or failed

    async def poster() -> None:
        while time.perf_counter() < stop_at:
            async with client.post(base + "/verifier/presentations/verify",
                                   json=body) as response:
                await response.read()
                verified[0 if response.status in (200, 400) else 1] += 1

    async def probe() -> None:
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            async with client.get(base + "/") as response:
                await response.read()
            probes.append(time.perf_counter() - start)
            await asyncio.sleep(0.01)

    await asyncio.gather(probe(), *(poster() for _ in range(args.concurrency)))
    probes.sort()
    print(f"GET / while {args.concurrency} clients post {args.presentation}-badge presentations "
          f"({size / 1024:.0f} KiB), verify workers: {_workers(args)}")
    print(f"  presentations verified  {verified[0]} ({verified[0] / args.duration:.2f}/s), "
          f"refused or failed {verified[1]}")
    print(f"  probe p50 ms            {_percentile(probes, 0.50) * 1000:.1f}")
    print(f"  probe p99 ms            {_percentile(probes, 0.99) * 1000:.1f}")
    print(f"  probe max ms            {probes[-1] * 1000:.1f}")


def _workers(args: argparse.Namespace) -> str:
    if args.verify_workers is None:
        return "one per core"
    return str(args.verify_workers) if args.verify_workers else "none (in the serving process)"


async def _run(args: argparse.Namespace, base: str, api_key: str) -> None:
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    async with aiohttp.ClientSession(connector=connector) as client:
        credential = await _issue(client, base, api_key, args)
        url = base + "/verifier/credentials/verify"
        await _load(client, url, credential, args.concurrency, args.warmup)
        latencies, errors, elapsed = await _load(client, url, credential, args.concurrency,
                                                 args.duration)
    latencies.sort()
    rate = await _library_rate(credential, min(5.0, args.duration))
    print(f"POST /verifier/credentials/verify ({args.workers} server process(es)): "
          f"{args.format} badge, {args.statuses} status "
          f"entr{'y' if args.statuses == 1 else 'ies'}, concurrency {args.concurrency}, "
          f"{args.duration:g} s")
    print(f"  requests   {len(latencies)}")
    print(f"  req/s      {len(latencies) / elapsed:.0f}")
    print(f"  p50 ms     {_percentile(latencies, 0.50) * 1000:.2f}")
    print(f"  p99 ms     {_percentile(latencies, 0.99) * 1000:.2f}")
    print(f"  max ms     {latencies[-1] * 1000:.2f}")
    print(f"  errors     {errors}")
    print(f"  library    {rate:.0f} verifications/s in one process (service/library "
          f"{len(latencies) / elapsed / rate:.2f})")
    if args.presentation:
        connector = aiohttp.TCPConnector(limit=args.concurrency + 1)
        async with aiohttp.ClientSession(connector=connector) as client:
            await _loop_latency(client, base, api_key, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--format", choices=["di", "jwt"], default="di")
    parser.add_argument("--statuses", type=int, choices=[0, 1, 2], default=2,
                        help="status entries on the badge (default 2: revocation, suspension)")
    parser.add_argument("--workers", type=int, default=1, help="serving processes")
    parser.add_argument("--verify-workers", type=int, default=None,
                        help="verification worker processes (0: in the serving process)")
    parser.add_argument("--presentation", type=int, default=100,
                        help="badges in the presentation of the loop latency run (0: none)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        settings = ({} if args.verify_workers is None
                    else {"VCBADGES_VERIFY_WORKERS": str(args.verify_workers)})
        process, api_key = start_server(Path(folder), port, args.workers, settings=settings)
        try:
            asyncio.run(_run(args, f"http://127.0.0.1:{port}", api_key))
        finally:
            process.terminate()
            process.wait(30)


if __name__ == "__main__":
    main()

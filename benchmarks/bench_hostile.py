"""How long verify() takes to refuse hostile documents, next to an honest badge.

    python benchmarks/bench_hostile.py [--repeat 5]

Each line is the best of ``--repeat`` runs, in milliseconds, and its ratio to verifying a
genuine badge. The documents are the bounded-work cases: one property with 16,000 values
(refused before JSON-LD expansion), the largest array accepted (500 values), a document
nested 100,000 deep (refused before parsing), NaN and huge integers in an object, edge
dates, and a JSON-LD rewrite that hides an expiry date (refused after expansion).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from vcbadges import issue, verify
from vcbadges.credentials.sample import sample_badge
from vcbadges.primitives.keys import Ed25519SigningKey


async def best_ms(call: Callable[[], Awaitable[Any]], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        await call()
        best = min(best, time.perf_counter() - start)
    return best * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    key = Ed25519SigningKey.generate()
    unsigned = sample_badge(issuer=key.controller, subject="did:example:learner").to_json()
    signed = await issue(unsigned, key=key)
    many = dict(signed, credentialSubject=dict(signed["credentialSubject"],
                                               achievement=dict(
                                                   signed["credentialSubject"]["achievement"],
                                                   tag=[f"t{i}" for i in range(16_000)])))
    largest = dict(many, credentialSubject=dict(many["credentialSubject"], achievement=dict(
        many["credentialSubject"]["achievement"], tag=[f"t{i}" for i in range(500)])))
    hidden = {k: v for k, v in signed.items() if k != "validFrom"}
    hidden["@nest"] = {"validFrom": signed["validFrom"]}
    cases: dict[str, Any] = {
        "16,000 values in one property": many,
        "16,000 values, as JSON text": json.dumps(many),
        "500 values (largest accepted)": largest,
        "100,000 levels deep (text)": "[" * 100_000 + "]" * 100_000,
        "NaN and a 5,000-digit integer": dict(signed, name=float("nan"), extra=10**5000),
        "edge dates": dict(signed, validFrom="0001-01-01T00:00:00+01:00",
                           validUntil="9999-12-31T23:59:59Z"),
        "expiry date under @nest": hidden,
    }
    baseline = await best_ms(lambda: verify(signed), args.repeat)
    print(f"genuine badge: {baseline:.2f} ms")
    print(f"{'document':<36}{'ms':>10}{'x genuine':>11}  outcome")
    for name, document in cases.items():
        report = await verify(document)
        bad = next((c for c in report.checks if c.outcome.value in ("failed", "error")), None)
        outcome = "verified" if report.verified else f"{bad.id}: {bad.code}" if bad else "-"
        ms = await best_ms(lambda d=document: verify(d), args.repeat)
        print(f"{name:<36}{ms:>10.2f}{ms / baseline:>11.1f}  {outcome}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())

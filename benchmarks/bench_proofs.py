"""Sign and verify throughput per cryptosuite, next to Digital Bazaar's Node libraries.

    python benchmarks/bench_proofs.py [--seconds 3] [--rich N]

The credential is a realistic Open Badge (issuer profile, achievement with criteria and an
image URL, one evidence, one result); ``--rich N`` adds N alignments and N pieces of evidence.
"sign" is vcbadges.issue (fill, structural check, sign);
"verify" is the whole vcbadges.verify report (safe-mode document check, OB 3.0 schema, proof,
issuer, validity). The Node figures come from `node tests/interop/dbvc.mjs bench` on the same
credential and key in the same run (vc.issue and vc.verifyCredential with one shared loader);
a ratio above 1.0 means vcbadges is faster.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from vcbadges import issue, verify
from vcbadges.credentials.obv3 import Alignment, Evidence
from vcbadges.credentials.sample import sample_badge
from vcbadges.primitives.keys import Ed25519SigningKey, P256SigningKey, SigningKey

ROOT = Path(__file__).resolve().parents[1]
HARNESS = ROOT / "tests" / "interop" / "dbvc.mjs"
SUITES = {"eddsa-rdfc-2022": "Ed25519", "eddsa-jcs-2022": "Ed25519", "ecdsa-rdfc-2019": "P-256",
          "ed25519-2020": "Ed25519"}


async def rate(call: Callable[[], Awaitable[Any]], seconds: float) -> float:
    """Operations per second of ``call`` over about ``seconds``, after a warm-up."""
    for _ in range(20):
        await call()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(10):
            await call()
        count += 10
    return count / elapsed


def node_rates(unsigned: dict[str, Any], suite: str, key: SigningKey, seconds: float
               ) -> dict[str, float] | None:
    exe = shutil.which("node")
    if exe is None or not (HARNESS.parent / "node_modules").is_dir() or suite == "ed25519-2020":
        return None
    payload = {"credential": unsigned, "suite": suite, "seconds": seconds,
               "key": {"publicKeyMultibase": key.public_key.to_multikey(),
                       "secretKeyMultibase": key.to_secret_multikey()}}
    out = subprocess.run([exe, str(HARNESS), "bench"], input=json.dumps(payload),
                         capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise SystemExit(f"node bench failed: {out.stdout} {out.stderr}")
    result: dict[str, float] = json.loads(out.stdout)
    return result


def enriched(badge: dict[str, Any], n: int) -> dict[str, Any]:
    """The badge with ``n`` alignments on its achievement and ``n`` more pieces of evidence,
    the shape of a badge from a competency framework with a portfolio behind it."""
    if n == 0:
        return badge
    achievement = badge["credentialSubject"]["achievement"]
    achievement["alignment"] = [
        Alignment(target_name=f"Competency {i}", target_url=f"https://framework.example/c/{i}",
                  target_code=f"C-{i}", target_framework="Example Framework",
                  target_type="CFItem").to_json() for i in range(n)]
    badge["evidence"] = badge.get("evidence", []) + [
        Evidence(id=f"https://portfolio.example/items/{i}", name=f"Work sample {i}",
                 narrative="Reviewed by two assessors.").to_json() for i in range(n)]
    return badge


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rich", type=int, default=0, metavar="N",
                        help="add N alignments and N pieces of evidence to the badge")
    args = parser.parse_args()
    keys: dict[str, SigningKey] = {"Ed25519": Ed25519SigningKey.generate(),
                                   "P-256": P256SigningKey.generate()}
    subject = Ed25519SigningKey.generate().controller
    print(f"{'suite':<18}{'op':<8}{'vcbadges/s':>12}{'ms':>8}{'node/s':>10}{'ms':>8}{'ratio':>8}")
    for suite, algorithm in SUITES.items():
        key = keys[algorithm]
        unsigned = enriched(sample_badge(issuer=key.controller, subject=subject).to_json(),
                            args.rich)
        signed = await issue(unsigned, key=key, cryptosuite=suite)
        report = await verify(signed)
        assert report.verified, report.to_json()
        ours = {"sign": await rate(lambda: issue(unsigned, key=key, cryptosuite=suite),
                                   args.seconds),
                "verify": await rate(lambda: verify(signed), args.seconds)}
        theirs = node_rates(unsigned, suite, key, args.seconds)
        for op in ("sign", "verify"):
            line = f"{suite:<18}{op:<8}{ours[op]:>12.0f}{1000 / ours[op]:>8.2f}"
            if theirs is not None:
                node = theirs[f"{op}_per_s"]
                line += f"{node:>10.0f}{1000 / node:>8.2f}{ours[op] / node:>8.2f}"
            print(line, flush=True)


if __name__ == "__main__":
    asyncio.run(main())

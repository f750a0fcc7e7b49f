"""VC-JWT sign and verify throughput, next to the bare signature it rests on.

    python benchmarks/bench_jose.py [--seconds 2] [--rounds 3]

For each key type the credential is the sample Open Badge. "jwt sign" is ``sign_vc_jwt``;
"jwt verify" is ``verify_jwt_credential`` with one shared did:key resolver (as a running
service has), so parsing, did:key dereferencing, the key checks, the signature and the claim
checks all count; "cold resolver" builds a new resolver for every call. "raw" rows sign and
verify the same JWS signing input with ``cryptography`` directly (DER ECDSA for P-256).
The ratio is raw verify/s over jwt verify/s: how many times a JWT verification costs the bare
signature check (the goal is 1.5 or less). Rates are per second of this process's CPU time,
and each figure is the best of ``--rounds`` runs, to damp noise from other work on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from vcbadges.credentials.sample import sample_badge
from vcbadges.dids.resolver import default_resolver
from vcbadges.primitives.keys import Ed25519SigningKey, P256SigningKey, SigningKey
from vcbadges.proofs.jose import sign_vc_jwt, verify_jwt_credential

SKEW = timedelta(minutes=5)


async def rate(call: Callable[[], Awaitable[Any]], seconds: float) -> float:
    """Operations per CPU second of ``call`` over about ``seconds``, after a warm-up.

    Process CPU time rather than wall time: nothing here waits on I/O, and other work on a
    shared machine then skews the figures less.
    """
    for _ in range(20):
        await call()
    count, start = 0, time.process_time()
    while (elapsed := time.process_time() - start) < seconds:
        for _ in range(20):
            await call()
        count += 20
    return count / elapsed


def wrap(call: Callable[[], Any]) -> Callable[[], Awaitable[Any]]:
    async def run() -> Any:
        return call()
    return run


def raw_ops(key: SigningKey, message: bytes) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """Bare sign and verify of ``message`` with the ``cryptography`` key objects."""
    if isinstance(key, Ed25519SigningKey):
        ed_private = key.cryptography_key
        ed_public = ed_private.public_key()
        signature = ed_private.sign(message)
        return (lambda: ed_private.sign(message),
                lambda: ed_public.verify(signature, message))
    ec_private = key.cryptography_key
    ec_public = ec_private.public_key()
    algorithm = ec.ECDSA(hashes.SHA256())
    der = ec_private.sign(message, algorithm)
    return (lambda: ec_private.sign(message, algorithm),
            lambda: ec_public.verify(der, message, algorithm))


async def bench_key(name: str, key: SigningKey, subject: str, seconds: float,
                    rounds: int) -> None:
    now = datetime.now(UTC)
    credential = sample_badge(issuer=key.controller, subject=subject).to_json()
    token = sign_vc_jwt(credential, key=key, now=now)
    shared = default_resolver()
    result = await verify_jwt_credential(token, resolver=shared, now=now, skew=SKEW)
    assert result.controller == key.controller
    raw_sign, raw_verify = raw_ops(key, token.rsplit(".", 1)[0].encode("ascii"))
    ops: dict[str, Callable[[], Awaitable[Any]]] = {
        "jwt sign": wrap(lambda: sign_vc_jwt(credential, key=key, now=now)),
        "jwt verify": lambda: verify_jwt_credential(token, resolver=shared, now=now, skew=SKEW),
        "jwt verify, cold resolver": lambda: verify_jwt_credential(
            token, resolver=default_resolver(), now=now, skew=SKEW),
        "raw sign": wrap(raw_sign),
        "raw verify": wrap(raw_verify),
    }
    best = dict.fromkeys(ops, 0.0)
    for _ in range(rounds):
        for op, call in ops.items():
            best[op] = max(best[op], await rate(call, seconds))
    for op, per_second in best.items():
        print(f"{name:<9}{op:<26}{per_second:>10.0f}{1e6 / per_second:>10.1f}")
    warm = best["raw verify"] / best["jwt verify"]
    cold = best["raw verify"] / best["jwt verify, cold resolver"]
    print(f"{name:<9}{'verify ratio (raw/jwt)':<26}{warm:>10.2f}   cold resolver {cold:.2f}"
          f"   token {len(token)} chars")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    subject = Ed25519SigningKey.generate().controller
    print(f"{'key':<9}{'op':<26}{'ops/s':>10}{'µs/op':>10}")
    await bench_key("Ed25519", Ed25519SigningKey.generate(), subject, args.seconds, args.rounds)
    await bench_key("P-256", P256SigningKey.generate(), subject, args.seconds, args.rounds)


if __name__ == "__main__":
    asyncio.run(main())

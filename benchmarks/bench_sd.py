"""ecdsa-sd-2023 selective disclosure: issue (base proof), derive, verify, per second.

    python benchmarks/bench_sd.py [--seconds 3]

The credential is the sample Open Badge with the learner named and e-mail-identified instead
of by DID, issued with the default mandatory pointers (issuer, validity, achievement).
"issue" is vcbadges.issue with cryptosuite ecdsa-sd-2023 (one signature per non-mandatory
statement, plus the base signature); "derive" is vcbadges.derive disclosing the learner's
name; "verify" is the whole vcbadges.verify report on that derivation. For comparison, the
same credential with ecdsa-rdfc-2019 (one signature, nothing to derive).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from vcbadges import derive, issue, verify
from vcbadges.credentials.sample import sample_badge
from vcbadges.primitives.keys import P256SigningKey


async def rate(call: Callable[[], Awaitable[Any]], seconds: float) -> float:
    """Operations per second of ``call`` over about ``seconds``, after a warm-up."""
    for _ in range(10):
        await call()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        await call()
        count += 1
    return count / elapsed


async def main(seconds: float) -> None:
    key = P256SigningKey.generate()
    unsigned = sample_badge(issuer=key.controller, subject="did:example:unused").to_json()
    subject = unsigned["credentialSubject"]
    del subject["id"]
    subject["name"] = "Ada Lovelace"
    subject["identifier"] = [{"type": "IdentityObject", "identityHash": "ada@example.org",
                              "identityType": "emailAddress", "hashed": False}]
    base = await issue(unsigned, key=key, cryptosuite="ecdsa-sd-2023")
    derived = await derive(base, ["/credentialSubject/name"])
    assert (await verify(derived)).verified
    plain = await issue(unsigned, key=key, cryptosuite="ecdsa-rdfc-2019")
    figures = {
        "ecdsa-sd-2023 issue": await rate(
            lambda: issue(unsigned, key=key, cryptosuite="ecdsa-sd-2023"), seconds),
        "ecdsa-sd-2023 derive": await rate(
            lambda: derive(base, ["/credentialSubject/name"]), seconds),
        "ecdsa-sd-2023 verify": await rate(lambda: verify(derived), seconds),
        "ecdsa-rdfc-2019 issue": await rate(
            lambda: issue(unsigned, key=key, cryptosuite="ecdsa-rdfc-2019"), seconds),
        "ecdsa-rdfc-2019 verify": await rate(lambda: verify(plain), seconds),
    }
    for name, per_second in figures.items():
        print(f"{name:26} {per_second:8.1f}/s  {1000 / per_second:7.2f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    asyncio.run(main(parser.parse_args().seconds))

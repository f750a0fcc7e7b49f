"""How fast are status-list lookups and decodes?

Run ``python benchmarks/bench_status.py`` from the repository root. It prints the time of
one status lookup in an already-decoded list (target: at most 50 µs), the time to decode a
131,072-entry list (target: at most 2 ms) for lists from empty to half set, the time to
encode one, the time to refuse a GZIP bomb, and one whole ``check_status`` call with an
in-memory fetcher (so the figure is the library's own work, without network or proofs).
Timings are the best of several repeats, so that other load on the machine counts less.
"""

from __future__ import annotations

import asyncio
import base64
import random
import sys
import timeit
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from vcbadges.errors import StatusError  # noqa: E402
from vcbadges.status.bitstring import (  # noqa: E402
    MIN_LIST_ENTRIES,
    decode_list,
    encode_list,
    get_status,
    new_list,
    set_status,
    status_entry,
    status_list_credential,
)
from vcbadges.status.check import ListVerification, check_status  # noqa: E402

ISSUER = "did:example:issuer"
LIST_URL = "https://issuer.example/status/1"


def best(fn: Callable[[], object], number: int, repeat: int = 7) -> float:
    """Seconds per call, the best of ``repeat`` runs of ``number`` calls."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def random_list(fraction: float, *, size: int = 1, seed: int = 1) -> bytearray:
    rng = random.Random(seed)
    bits = new_list(size=size)
    top = (1 << size) - 1
    for index in rng.sample(range(MIN_LIST_ENTRIES), int(MIN_LIST_ENTRIES * fraction)):
        set_status(bits, index, rng.randint(1, top), size=size)
    return bits


def bench_lookups() -> None:
    print("Lookup in a decoded 131,072-entry list (random indexes)")
    rng = random.Random(2)
    indexes = [rng.randrange(MIN_LIST_ENTRIES) for _ in range(1000)]
    for size in (1, 2, 8):
        bits = bytes(random_list(0.01, size=size))

        def lookups(bits: bytes = bits, size: int = size) -> None:
            for i in indexes:
                get_status(bits, i, size=size)

        per = best(lookups, number=20) / len(indexes)
        print(f"  statusSize {size}: {per * 1e6:6.2f} µs per lookup "
              f"({1 / per:,.0f} lookups/s)")


def bench_decode() -> None:
    print("Decode a 131,072-entry list (base64url + GZIP inflate)")
    for label, fraction in (("empty", 0.0), ("0.1% set", 0.001), ("1% set", 0.01),
                            ("10% set", 0.1), ("50% set", 0.5)):
        encoded = encode_list(random_list(fraction))
        per = best(lambda encoded=encoded: decode_list(encoded), number=200)
        print(f"  {label:>8}: {per * 1e3:6.3f} ms  (encodedList {len(encoded):,} chars)")
    bits = random_list(0.01)
    per = best(lambda: encode_list(bits), number=50)
    print(f"Encode a 131,072-entry list, 1% set: {per * 1e3:.3f} ms")


def bench_bomb() -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1024 * 1024)
    bomb = b"".join(packer.compress(chunk) for _ in range(1024)) + packer.flush()
    encoded = "u" + base64.urlsafe_b64encode(bomb).rstrip(b"=").decode("ascii")

    def refuse() -> None:
        try:
            decode_list(encoded)
        except StatusError:
            return
        raise AssertionError("the bomb was accepted")

    per = best(refuse, number=5)
    print(f"Refuse a GZIP bomb (1 GiB of zeros in {len(bomb):,} bytes, 16 MiB cap): "
          f"{per * 1e3:.1f} ms")


def bench_check_status() -> None:
    bits = random_list(0.01)
    listing = status_list_credential(list_id=LIST_URL, issuer=ISSUER, purpose="revocation",
                                     bits=bits, valid_from=datetime(2025, 1, 1, tzinfo=UTC))
    credential = {"id": "urn:uuid:1", "issuer": ISSUER, "credentialStatus": status_entry(
        list_credential=LIST_URL, index=12345, purpose="revocation")}

    async def fetch(url: str) -> Any:
        return listing

    async def verify(document: dict[str, Any]) -> ListVerification:
        return ListVerification(True, ISSUER)

    now = datetime(2025, 6, 1, tzinfo=UTC)

    async def many(n: int) -> None:
        for _ in range(n):
            await check_status(credential, issuer=ISSUER, fetch_list=fetch,
                               verify_list=verify, now=now)

    n = 200
    per = min(timeit.repeat(lambda: asyncio.run(many(n)), number=1, repeat=5)) / n
    print(f"check_status, one entry, list fetched from memory and decoded each call: "
          f"{per * 1e3:.3f} ms")


def main() -> None:
    bench_lookups()
    bench_decode()
    bench_bomb()
    bench_check_status()


if __name__ == "__main__":
    main()

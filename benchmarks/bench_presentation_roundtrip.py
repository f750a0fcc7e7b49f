"""How long does the verifier take for one OpenID4VP presentation, end to end?

Run ``python benchmarks/bench_presentation_roundtrip.py`` from the repository root. It starts
``vcbadges serve`` in a subprocess (one process, SQLite in a temporary folder, the demo
tenant), has the demo tenant award its ``explorer`` badge (with revocation and suspension
status entries) to a holder key made here, then runs ``--rounds`` presentation round trips
(default 50, after ``--warmup`` rounds), one at a time, each as the employer page and a
wallet would:

1. ``POST /verifier/requests``                     the page creates a request;
2. ``GET /verifier/oid4vp/requests/{id}``          the wallet fetches the request object;
3. (the wallet signs a presentation: not timed, it is not the server's work);
4. ``POST /verifier/oid4vp/response``              direct_post; the server verifies the
                                                   presentation, the badge and its two
                                                   status lists, and stores the result;
5. ``GET /verifier/results/{transaction_id}``      the page reads the verified result.

The time of a round is the sum of the four HTTP calls as the client sees them over loopback
with a kept-alive connection: the server's time plus well under a millisecond per call.
Printed: p50/p99/max per round and the p50 of each step, in milliseconds. ``--format jwt``
presents a VC-JWT in a VP-JWT. Goal: a round under 300 ms (p99).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from service_process import ROOT, free_port, start_server

sys.path.insert(0, str(ROOT / "src"))

from vcbadges import generate_key, present  # noqa: E402
from vcbadges.oid4vp import sign_presentation_jwt  # noqa: E402
from vcbadges.primitives.keys import SigningKey  # noqa: E402

STEPS = ("create request", "request object", "post response", "read result")


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    value: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return value


async def _badge(client: aiohttp.ClientSession, base: str, api_key: str, holder: SigningKey,
                 fmt: str) -> Any:
    body = {"award": {"achievement": "explorer", "recipient": {"id": holder.controller}},
            "options": {"format": fmt}}
    async with client.post(base + "/issuer/credentials/issue", json=body,
                           headers={"Authorization": f"Bearer {api_key}"}) as response:
        answer = await response.json()
        if response.status != 201:
            raise SystemExit(f"issuing failed: {answer}")
        return answer["verifiableCredential"]


async def _vp_token(claims: dict[str, Any], credential: Any, holder: SigningKey) -> str:
    query = claims["dcql_query"]["credentials"]
    if isinstance(credential, str):
        qid = next(q["id"] for q in query if q["format"] == "jwt_vc_json")
        vp: Any = sign_presentation_jwt([credential], key=holder, nonce=claims["nonce"],
                                        audience=claims["client_id"])
    else:
        qid = next(q["id"] for q in query if q["format"] == "ldp_vc")
        vp = await present([credential], key=holder, challenge=claims["nonce"],
                           domain=claims["client_id"])
    return json.dumps({qid: [vp]})


async def _round(client: aiohttp.ClientSession, base: str, credential: Any,
                 holder: SigningKey) -> list[float]:
    times: list[float] = []

    start = time.perf_counter()
    async with client.post(base + "/verifier/requests", json={}) as response:
        made = await response.json()
    times.append(time.perf_counter() - start)

    start = time.perf_counter()
    async with client.get(f"{base}/verifier/oid4vp/requests/{made['request_id']}") as response:
        token = await response.text()
    times.append(time.perf_counter() - start)

    claims = _claims(token)
    form = {"vp_token": await _vp_token(claims, credential, holder), "state": claims["state"]}

    start = time.perf_counter()
    async with client.post(claims["response_uri"], data=form) as response:
        if response.status != 200:
            raise SystemExit(f"the response was refused: {await response.text()}")
        await response.read()
    times.append(time.perf_counter() - start)

    start = time.perf_counter()
    async with client.get(f"{base}/verifier/results/{made['transaction_id']}") as response:
        result = await response.json()
    times.append(time.perf_counter() - start)
    if result.get("status") != "done" or not result["result"]["verified"]:
        raise SystemExit(f"the presentation did not verify: {json.dumps(result)[:2000]}")
    return times


def _percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


async def _run(args: argparse.Namespace, base: str, api_key: str) -> None:
    holder = generate_key("Ed25519")
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as client:
        credential = await _badge(client, base, api_key, holder, args.format)
        for _ in range(args.warmup):
            await _round(client, base, credential, holder)
        rounds = [await _round(client, base, credential, holder) for _ in range(args.rounds)]
    totals = sorted(sum(r) for r in rounds)
    print(f"OpenID4VP presentation round trip, server side ({args.format} badge with 2 status "
          f"entries, {args.rounds} rounds)")
    print(f"  p50 ms     {_percentile(totals, 0.50) * 1000:.1f}")
    print(f"  p99 ms     {_percentile(totals, 0.99) * 1000:.1f}")
    print(f"  max ms     {totals[-1] * 1000:.1f}")
    for index, step in enumerate(STEPS):
        values = sorted(r[index] for r in rounds)
        print(f"  {step:<15} p50 {_percentile(values, 0.5) * 1000:6.1f} ms   "
              f"p99 {_percentile(values, 0.99) * 1000:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--format", choices=["di", "jwt"], default="di")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        process, api_key = start_server(Path(folder), port)
        try:
            asyncio.run(_run(args, f"http://127.0.0.1:{port}", api_key))
        finally:
            process.terminate()
            process.wait(30)


if __name__ == "__main__":
    main()

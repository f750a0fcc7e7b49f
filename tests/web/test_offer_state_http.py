"""GET /issuer/offers/{id} over real HTTP: what became of an offer, told by the steps a
scripted wallet takes (fetch, token, credential), by the clock, to its own tenant only, and
by one ``vcbadges serve`` process of steps another one served (SQLite, or PostgreSQL with
VCBADGES_TEST_DATABASE_URL).
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import ClientSession
from test_wallet_http import ACHIEVEMENT, issuer_with_template, make_offer
from web_support import (
    MASTER_KEY,
    MASTER_KEY_TEXT,
    VCBADGES,
    Service,
    bearer,
    free_port,
    problem_of,
)

from storage.dbtesting import fresh_database, postgres_url, schema_of
from vcbadges import generate_key
from vcbadges.issuer import MasterKeyStore, create_tenant
from vcbadges.net.fetcher import FetchPolicy, SafeFetcher
from vcbadges.oid4vci import PRE_AUTHORIZED_GRANT, build_key_proof, resolve_offer
from vcbadges.oid4vci.wallet import (
    IssuedCredential,
    ResolvedOffer,
    request_credential,
    request_nonce,
    request_token,
)
from vcbadges.web.keys import CLOCK

LOCAL = frozenset({"127.0.0.1"})


@pytest.fixture
async def fetcher() -> AsyncIterator[SafeFetcher]:
    policy = FetchPolicy(allow_http_hosts=LOCAL,
                         allow_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    async with SafeFetcher(policy) as opened:
        yield opened


async def state_of(service: Service, client: ClientSession, api_key: str,
                   offer_id: str) -> dict[str, Any]:
    async with client.get(f"{service.url}/issuer/offers/{offer_id}",
                          headers=bearer(api_key)) as response:
        body: dict[str, Any] = await response.json()
        assert response.status == 200, body
        assert response.headers["Cache-Control"] == "no-store"
    return body


async def open_offer(fetcher: SafeFetcher, offer: dict[str, Any]) -> ResolvedOffer:
    """What a wallet does on scanning: fetch the offer (and the issuer's metadata)."""
    return await resolve_offer(offer["offerUri"], fetch=fetcher.get, allow_http_hosts=LOCAL)


async def take_credential(service: Service, fetcher: SafeFetcher, resolved: ResolvedOffer,
                          token: str, configuration_id: str) -> IssuedCredential:
    holder = generate_key("Ed25519")
    proof = build_key_proof(key=holder, audience=resolved.credential_issuer,
                            nonce=await request_nonce(resolved, post=fetcher.post),
                            now=service.app[CLOCK].now())
    return await request_credential(resolved, post=fetcher.post, access_token=token,
                                    configuration_id=configuration_id, proof=proof)


@pytest.mark.parametrize("fmt", ["ldp_vc", "jwt_vc_json"])
async def test_pending_opened_delivered(service: Service, client: ClientSession,
                                        fetcher: SafeFetcher, fmt: str):
    _, api_key = await issuer_with_template(service, client)
    offer = await make_offer(service, client, api_key, pin=True, format=fmt)
    assert await state_of(service, client, api_key, offer["offerId"]) == {
        "id": offer["offerId"], "state": "pending", "expiresAt": offer["expiresAt"]}

    resolved = await open_offer(fetcher, offer)
    assert (await state_of(service, client, api_key, offer["offerId"]))["state"] == "opened"
    token = await request_token(resolved, post=fetcher.post, tx_code=offer["txCode"])
    assert (await state_of(service, client, api_key, offer["offerId"]))["state"] == "opened"

    issued = await take_credential(service, fetcher, resolved, token["access_token"],
                                   f"OpenBadgeCredential_{fmt}")
    state = await state_of(service, client, api_key, offer["offerId"])
    assert state["state"] == "delivered" and state["expiresAt"] == offer["expiresAt"]
    # The id names the credential the wallet got, in the tenant's records.
    async with client.get(f"{service.url}/issuer/credentials/{state['credentialId']}",
                          headers=bearer(api_key)) as response:
        record = await response.json()
        assert response.status == 200, record
    assert record["verifiableCredential"] == issued.credential


async def test_an_offer_past_its_expiry_is_expired(service: Service, client: ClientSession,
                                                   fetcher: SafeFetcher):
    _, api_key = await issuer_with_template(service, client)
    untouched = await make_offer(service, client, api_key)
    opened = await make_offer(service, client, api_key)
    await open_offer(fetcher, opened)
    service.app[CLOCK].advance(timedelta(minutes=15, seconds=1))
    for offer in (untouched, opened):
        assert await state_of(service, client, api_key, offer["offerId"]) == {
            "id": offer["offerId"], "state": "expired", "expiresAt": offer["expiresAt"]}
    # Half an hour after the expiry, the offer is forgotten.
    service.app[CLOCK].advance(timedelta(minutes=30))
    async with client.get(f"{service.url}/issuer/offers/{untouched['offerId']}",
                          headers=bearer(api_key)) as response:
        await problem_of(response, 404, "not-found")


async def test_a_token_redeemed_in_time_still_delivers_after_the_expiry(
        service: Service, client: ClientSession, fetcher: SafeFetcher):
    _, api_key = await issuer_with_template(service, client)
    offer = await make_offer(service, client, api_key)
    service.app[CLOCK].advance(timedelta(minutes=14))
    resolved = await open_offer(fetcher, offer)
    token = await request_token(resolved, post=fetcher.post)
    service.app[CLOCK].advance(timedelta(minutes=2))
    assert (await state_of(service, client, api_key, offer["offerId"]))["state"] == "expired"
    issued = await take_credential(service, fetcher, resolved, token["access_token"],
                                   "OpenBadgeCredential_ldp_vc")
    assert await state_of(service, client, api_key, offer["offerId"]) == {
        "id": offer["offerId"], "state": "delivered", "expiresAt": offer["expiresAt"],
        "credentialId": issued.credential["id"]}


async def test_only_the_offers_tenant_sees_it(service: Service, client: ClientSession):
    _, key_a = await issuer_with_template(service, client, "tenant-a")
    _, key_b = await issuer_with_template(service, client, "tenant-b")
    offer = await make_offer(service, client, key_a)
    url = f"{service.url}/issuer/offers/{offer['offerId']}"
    async with client.get(url) as response:
        await problem_of(response, 401, "unauthorized")
    # Another tenant's offer answers exactly as an unknown one.
    answers = []
    for offer_id in (offer["offerId"], "no-such-offer", offer["offerId"][:-1]):
        async with client.get(f"{service.url}/issuer/offers/{offer_id}",
                              headers=bearer(key_b)) as response:
            answers.append((response.headers["Content-Type"],
                            await problem_of(response, 404, "not-found")))
    assert answers[0] == answers[1] == answers[2]
    # Asking did not open it.
    assert (await state_of(service, client, key_a, offer["offerId"]))["state"] == "pending"


@contextmanager
def two_processes(tmp_path: Path, schema: str | None) -> Iterator[list[str]]:
    """Two ``vcbadges serve`` on the test database, one public URL (the first) for both, as
    behind a load balancer; yields their own URLs."""
    ports = [free_port(), free_port()]
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCBADGES_")}
    env.update(VCBADGES_DATABASE_URL=postgres_url() or f"sqlite+aiosqlite:///"
               f"{tmp_path / 'vcbadges.db'}", VCBADGES_MASTER_KEY=MASTER_KEY_TEXT,
               VCBADGES_DEMO_TENANT="0", VCBADGES_DATA_DIR=str(tmp_path / "data"),
               VCBADGES_PUBLIC_URL=f"http://127.0.0.1:{ports[0]}")
    if schema is not None:
        env["VCBADGES_DATABASE_SCHEMA"] = schema
    processes = [subprocess.Popen([VCBADGES, "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for port in ports]
    try:
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            assert process.wait(30) == 0


async def up(client: ClientSession, base: str) -> None:
    for _ in range(300):
        try:
            async with client.get(base + "/openapi.json") as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"{base} did not come up")


async def test_one_process_tells_what_another_served(tmp_path: Path, client: ClientSession):
    async with fresh_database(tmp_path) as db:
        async with db.sessionmaker()() as session, session.begin():
            _, api_key = await create_tenant(session, "acme",
                                             keystore=MasterKeyStore(MASTER_KEY))
        with two_processes(tmp_path, schema_of(db)) as (first, second):
            for base in (first, second):
                await up(client, base)
            async with client.post(first + "/issuer/achievements", headers=bearer(api_key),
                                   json={"slug": "explorer", "achievement": ACHIEVEMENT}) as r:
                assert r.status == 201, await r.text()
            async with client.post(first + "/issuer/offers", headers=bearer(api_key),
                                   json={"achievement": "explorer"}) as response:
                offer = await response.json()

            async def state() -> dict[str, Any]:
                async with client.get(f"{first}/issuer/offers/{offer['offerId']}",
                                      headers=bearer(api_key)) as response:
                    assert response.status == 200
                    return dict(await response.json())

            # The wallet's every step reaches the second process.
            offer_url = parse_qs(urlsplit(offer["offerUri"]).query)["credential_offer_uri"][0]
            async with client.get(second + urlsplit(offer_url).path) as response:
                served = await response.json()
            assert (await state())["state"] == "opened"
            code = served["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
            async with client.post(second + "/oid4vci/acme/token", data={
                    "grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code}) as r:
                token = (await r.json())["access_token"]
            async with client.post(second + "/oid4vci/acme/nonce") as response:
                nonce = (await response.json())["c_nonce"]
            proof = build_key_proof(key=generate_key("Ed25519"),
                                    audience=served["credential_issuer"], nonce=nonce)
            async with client.post(second + "/oid4vci/acme/credential", json={
                    "credential_configuration_id": "OpenBadgeCredential_ldp_vc",
                    "proofs": {"jwt": [proof]}},
                    headers={"Authorization": f"Bearer {token}"}) as response:
                assert response.status == 200, await response.text()
                issued = (await response.json())["credentials"][0]["credential"]
            assert await state() == {"id": offer["offerId"], "state": "delivered",
                                     "expiresAt": offer["expiresAt"],
                                     "credentialId": issued["id"]}

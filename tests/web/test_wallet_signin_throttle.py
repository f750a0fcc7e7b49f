"""The wallet's sign-in throttle over real HTTP: parallel guesses, two service processes on
one database, names in other Unicode forms.

Passphrases are counted where Argon2id runs (``vcbadges.wallet.crypto.derive_key``), so the
tests see how many guesses were actually tried, whatever the answers say. On PostgreSQL
when ``VCBADGES_TEST_DATABASE_URL`` is set (see web_support.py), on SQLite otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import ClientSession, web
from test_wallet_http import PASSPHRASE, Wallet, browser
from web_support import Service, bound_socket, problem_of

from vcbadges.wallet import crypto
from vcbadges.wallet.throttle import ATTEMPTS
from vcbadges.web.app import create_app

GUESSES = 40


@pytest.fixture
def tried(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The passphrases Argon2id is run on from now on, in order."""
    seen: list[str] = []
    derive: Callable[..., bytes] = crypto.derive_key

    def counting(passphrase: str, *args: Any) -> bytes:
        seen.append(passphrase)
        return derive(passphrase, *args)

    monkeypatch.setattr(crypto, "derive_key", counting)
    return seen


@asynccontextmanager
async def second_process(service: Service) -> AsyncIterator[str]:
    """Another instance of the service on the same database (its own connection pool, as a
    second process would have); yields its URL."""
    sock = bound_socket()
    app = create_app(replace(service.settings, port=sock.getsockname()[1]))
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.SockSite(runner, sock).start()
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        await runner.cleanup()
        sock.close()


async def sign_in(http: ClientSession, base: str, username: str, passphrase: str) -> int:
    async with http.post(base + "/wallet/api/session",
                         json={"username": username, "passphrase": passphrase}) as response:
        await response.read()
        return response.status


async def account(service: Service, username: str) -> None:
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create(username)
        await wallet.ok("DELETE", "/session", 204)


async def test_forty_guesses_at_once_try_at_most_five(service: Service, client: ClientSession,
                                                      tried: list[str]):
    """Forty sign-ins at once against one name, spread over two processes, the right
    passphrase last: at most five wrong passphrases are ever tried, and once five have
    failed the right one waits too."""
    await account(service, "kim")
    tried.clear()
    async with second_process(service) as other:
        bases = [service.url, other]
        guesses = [f"guess number {i}" for i in range(GUESSES - 1)] + [PASSPHRASE]
        statuses = await asyncio.gather(*(
            sign_in(client, bases[i % 2], "kim", guess) for i, guess in enumerate(guesses)))
    wrong = [p for p in tried if p != PASSPHRASE]
    assert len(wrong) <= ATTEMPTS, wrong
    assert set(statuses) <= {200, 401, 429}
    assert statuses.count(401) == len(wrong)
    assert statuses.count(429) >= GUESSES - ATTEMPTS - 1
    assert statuses[-1] == (200 if PASSPHRASE in tried else 429)
    if len(wrong) == ATTEMPTS:
        assert await sign_in(client, service.url, "kim", PASSPHRASE) == 429


async def test_a_success_gives_its_attempt_back(service: Service, tried: list[str]):
    await account(service, "lou")
    async with browser() as http:
        wallet = Wallet(service, http)
        for _ in range(ATTEMPTS - 1):
            response, _ = await wallet.call("POST", "/session", csrf=False, json_body={
                "username": "lou", "passphrase": "not it"})
            await problem_of(response, 401, "unauthorized")
        await wallet.sign_in("lou")
        # The success did not use up the fifth attempt; a fifth failure does.
        response, _ = await wallet.call("POST", "/session", csrf=False, json_body={
            "username": "lou", "passphrase": "not it either"})
        await problem_of(response, 401, "unauthorized")
        tried.clear()
        response, _ = await wallet.call("POST", "/session", csrf=False, json_body={
            "username": "lou", "passphrase": PASSPHRASE})
        await problem_of(response, 429, "too-many-attempts")
        assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
        assert tried == []


async def test_another_unicode_form_of_a_name_shares_its_count(service: Service,
                                                               tried: list[str]):
    """The wallet opens "zoë" whichever way the ë is encoded (NFC): so the count is one."""
    composed, decomposed = "zo\u00eb", "zoe\u0308"
    await account(service, composed)
    async with browser() as http:
        wallet = Wallet(service, http)
        for _ in range(ATTEMPTS):
            response, _ = await wallet.call("POST", "/session", csrf=False, json_body={
                "username": composed, "passphrase": "wrong"})
            await problem_of(response, 401, "unauthorized")
        tried.clear()
        for name in (decomposed, composed.upper()):
            response, _ = await wallet.call("POST", "/session", csrf=False, json_body={
                "username": name, "passphrase": PASSPHRASE})
            await problem_of(response, 429, "too-many-attempts")
        assert tried == []

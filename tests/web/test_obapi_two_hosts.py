"""Two vcbadges services over real HTTP: the wallet of one (A) connects to the other (B)
through B's Open Badges 3.0 API, with :mod:`vcbadges.obapi.client` (discovery, registration,
authorization code with PKCE, token), then pushes a badge to B and pulls B's badges back.

A's outbound fetcher reaches B only because this set-up allows plain http to 127.0.0.1
explicitly (``wallet_fetch_allow_*``); with the default policy, loopback is refused."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiohttp import ClientSession
from obapi_support import PASSPHRASE, create_account, issuer
from web_support import Service, running_service

from vcbadges._api import verify_credential_document
from vcbadges.errors import FetchError, ProtocolError
from vcbadges.obapi import client as ob
from vcbadges.obapi.scopes import CREDENTIAL_READONLY, CREDENTIAL_UPSERT, PROFILE_READONLY
from vcbadges.web.keys import (
    DOCUMENTS,
    ISSUER_REGISTRIES,
    RESOLVER,
    VERIFIED_LISTS,
    WALLET_FETCHER,
    WALLET_STORE,
)

LOOPBACK = {"wallet_fetch_allow_http_hosts": frozenset({"127.0.0.1"}),
            "wallet_fetch_allow_networks": (ipaddress.ip_network("127.0.0.1/32"),)}
CLOSED = {"wallet_fetch_allow_http_hosts": frozenset(), "wallet_fetch_allow_networks": ()}


def _metadata(a: Service, redirect: str) -> dict[str, Any]:
    return {"client_name": "vcbadges wallet at A", "client_uri": a.url + "/wallet/",
            "logo_uri": a.url + "/static/favicon.svg", "tos_uri": a.url + "/ims/ob/v3p0/policies",
            "policy_uri": a.url + "/ims/ob/v3p0/policies", "software_id": "vcbadges",
            "software_version": "0.1.0", "redirect_uris": [redirect],
            "scope": f"{CREDENTIAL_READONLY} {CREDENTIAL_UPSERT} {PROFILE_READONLY}"}


async def _consent_at(host: Service, browser: ClientSession, url: str,
                      username: str) -> dict[str, str]:
    """The holder's browser: open the consent page at the host, allow, and return the query
    it is sent back to the client with."""
    async with browser.get(url) as page:
        text = await page.text()
        assert page.status == 200, text
    handle = text.split('name="handle" value="', 1)[1].split('"', 1)[0]
    async with browser.post(host.url + "/ims/ob/v3p0/authorize", allow_redirects=False,
                            data={"handle": handle, "username": username,
                                  "passphrase": PASSPHRASE, "decision": "allow"}) as answer:
        assert answer.status == 303, await answer.text()
        return dict(parse_qsl(urlsplit(answer.headers["Location"]).query))


async def test_a_wallet_pushes_a_badge_to_another_host_and_pulls_its_badges(
        tmp_path: Path, client: ClientSession):
    async with running_service(tmp_path / "a", **LOOPBACK) as a, \
            running_service(tmp_path / "b") as b:
        did_a = await create_account(a, client, "ada")
        did_b = await create_account(b, client, "ada-at-b")
        badge_from_a = await (await issuer(a, "school")).badge(client, did_a, name="From A")
        badge_at_b = await (await issuer(b, "college")).badge(client, did_b, jwt=True)
        wallet_a = await a.app[WALLET_STORE].unlock("ada", PASSPHRASE)
        await wallet_a.add_credential(badge_from_a)  # Each wallet holds its own badge.
        wallet_b = await b.app[WALLET_STORE].unlock("ada-at-b", PASSPHRASE)
        await wallet_b.add_credential(badge_at_b)
        wallet_b.lock()

        send = a.app[WALLET_FETCHER].send
        hosts = {"127.0.0.1"}
        service = await ob.discover(send, b.url, allow_http_hosts=hosts)
        assert service.api_url == b.url + "/ims/ob/v3p0"
        redirect = a.url + "/wallet/ob/callback"
        registration = await ob.register(send, service, metadata=_metadata(a, redirect))
        url, pending = ob.authorization_request(
            service, registration, redirect_uri=redirect,
            scopes=[CREDENTIAL_READONLY, CREDENTIAL_UPSERT, PROFILE_READONLY])
        callback = await _consent_at(b, client, url, "ada-at-b")
        with pytest.raises(ProtocolError) as wrong_state:
            await ob.exchange_code(send, service, registration, pending,
                                   callback={**callback, "state": "forged"})
        assert wrong_state.value.error == "invalid_state"
        tokens = await ob.exchange_code(send, service, registration, pending, callback=callback)

        # Push: A's badge goes to B (new there), then again (replaced).
        record = (await wallet_a.list_credentials())[0]
        assert await ob.upsert_credential(send, service, tokens, record.document()) is False
        assert await ob.upsert_credential(send, service, tokens, record.document()) is True

        # Pull: B's badges come back, each verified by A before A keeps it.
        pulled = await ob.get_credentials(send, service, tokens)
        assert sorted(map(str, pulled)) == sorted([str(badge_from_a), badge_at_b])
        for credential in pulled:
            report = await verify_credential_document(
                credential, fetcher=a.app[DOCUMENTS], resolver=a.app[RESOLVER],
                verified_lists=a.app[VERIFIED_LISTS], registries=a.app[ISSUER_REGISTRIES])
            assert report.verified, report.to_json()
        await wallet_a.add_credential(badge_at_b)
        assert len(await wallet_a.list_credentials()) == 2
        assert (await ob.get_profile(send, service, tokens))["id"] == did_b

        # Refresh, then the spent tokens no longer work.
        renewed = await ob.refresh(send, service, registration, tokens)
        assert len(await ob.get_credentials(send, service, renewed)) == 2
        with pytest.raises(ProtocolError):
            await ob.refresh(send, service, registration, tokens)
        wallet_a.lock()


async def test_the_default_wallet_policy_refuses_a_loopback_host(tmp_path: Path):
    async with running_service(tmp_path / "a", **CLOSED) as a, \
            running_service(tmp_path / "b") as b:
        with pytest.raises(FetchError) as refused:
            await ob.discover(a.app[WALLET_FETCHER].send, b.url, allow_http_hosts={"127.0.0.1"})
        assert refused.value.code in ("fetch_scheme_not_allowed", "fetch_blocked_address")


async def test_the_client_refuses_plain_http_it_was_not_told_to_allow(tmp_path: Path):
    async with running_service(tmp_path / "a", **LOOPBACK) as a, \
            running_service(tmp_path / "b") as b:
        with pytest.raises(ProtocolError) as refused:
            await ob.discover(a.app[WALLET_FETCHER].send, b.url)
        assert refused.value.error == "invalid_request"

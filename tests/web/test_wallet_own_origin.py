"""The wallet works with no settings: it reaches its own service, at exactly the origin of the
service's public URL (plain http on 127.0.0.1 here), and nothing else that the fetch policy
refuses: not another port, not another name for the same host, not a private address."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import ClientSession
from test_wallet_http import (
    Wallet,
    browser,
    check,
    issuer_with_template,
    make_offer,
    make_request,
    result_of,
)
from web_support import running_service

from vcbadges.web.exchanges import WALLET_EXCHANGES, origin_of
from vcbadges.web.keys import FETCHER, WALLET_FETCHER

NO_FETCH_SETTINGS: dict[str, Any] = {"fetch_allow_http_hosts": frozenset(),
                                     "fetch_allow_networks": ()}


def _offer_at(url: str) -> str:
    return "openid-credential-offer://?" + urlencode({"credential_offer_uri": url})


async def _refused(wallet: Wallet, uri: str) -> dict[str, Any]:
    response, body = await wallet.call("POST", "/scan", json_body={"uri": uri})
    assert (response.status, body["type"].rsplit("/", 1)[1]) == (422, "exchange-failed"), body
    return body  # type: ignore[no-any-return]


async def test_the_wallet_takes_its_own_services_offer_and_request_with_no_settings(
        tmp_path: Path, client: ClientSession):
    async with running_service(tmp_path, **NO_FETCH_SETTINGS) as service:
        for key in (FETCHER, WALLET_FETCHER):
            policy = service.app[key].policy
            assert (policy.allow_http_hosts, policy.allow_networks) == (frozenset(), ())
        tenant, api_key = await issuer_with_template(service, client)
        offer = await make_offer(service, client, api_key, pin=True)
        async with browser() as http:
            wallet = Wallet(service, http)
            await wallet.create("ada")
            scanned = await wallet.scan(offer["offerUri"])
            added = await wallet.ok("POST", f"/offers/{scanned['handle']}/accept", 201,
                                    json_body={"txCode": offer["txCode"]})
            assert added["report"]["verified"] is True, added["report"]
            assert check(added["report"], "status_revocation") == ("passed", "not_revoked")

            request = await make_request(service, client, issuer=tenant.did)
            asked = await wallet.scan(request["qrPayload"])
            assert asked["canAnswer"] is True, asked
            sent = await wallet.ok("POST", f"/requests/{asked['handle']}/respond",
                                   json_body={"credentialIds": [added["credential"]["id"]]})
            assert sent == {"outcome": "sent"}
        done = await result_of(service, client, request)
        assert done["status"] == "done" and done["result"]["verified"] is True, done


async def test_other_plain_http_origins_and_private_addresses_stay_refused(
        tmp_path: Path, client: ClientSession):
    async with running_service(tmp_path / "one", **NO_FETCH_SETTINGS) as service, \
            running_service(tmp_path / "two") as other:
        _, api_key = await issuer_with_template(other, client)
        elsewhere = await make_offer(other, client, api_key)
        port = service.url.rsplit(":", 1)[1]
        async with browser() as http:
            wallet = Wallet(service, http)
            await wallet.create("ada")
            # Another service on the same host, another port: plain http is refused.
            refused = await _refused(wallet, elsewhere["offerUri"])
            assert refused["error"] == "invalid_request"
            assert "must use https" in refused["detail"]
            # The service itself under another name or scheme is another origin.
            path = "/oid4vci/acme/credential-offers/x"
            await _refused(wallet, _offer_at(f"http://localhost:{port}{path}"))
            refused = await _refused(wallet, _offer_at(f"https://127.0.0.1:{port}{path}"))
            assert refused["code"] == "fetch_blocked_address"
            # Private and link-local addresses are refused before any connection.
            for host in ("10.1.2.3", "169.254.169.254", "[::1]"):
                refused = await _refused(wallet, _offer_at(f"https://{host}/offer"))
                assert refused["code"] == "fetch_blocked_address", refused
            # A request by value whose response URI is another port is refused on sight.
            response_uri = other.url + "/verifier/oid4vp/response"
            by_value = "openid4vp://?" + urlencode({
                "client_id": "redirect_uri:" + response_uri, "response_type": "vp_token",
                "response_mode": "direct_post", "response_uri": response_uri,
                "nonce": "n0nce", "dcql_query": json.dumps({"credentials": [{
                    "id": "badge", "format": "ldp_vc",
                    "meta": {"type_values": [["VerifiableCredential"]]}}]})})
            refused = await _refused(wallet, by_value)
            assert "response_uri must use https" in refused["detail"]


def test_the_own_origin_is_the_exact_scheme_host_and_port() -> None:
    assert origin_of("http://127.0.0.1:8080/oid4vci/x?y=1") == "http://127.0.0.1:8080"
    assert origin_of("HTTP://LocalHost./a") == "http://localhost:80"
    assert origin_of("https://[::1]/a") == "https://[::1]:443"
    for url in ("http://user@127.0.0.1:8080/", "ftp://127.0.0.1/", "http://127.0.0.1:99999/",
                "/relative", "http:///nohost"):
        assert origin_of(url) is None, url


async def test_the_exchanges_tell_own_urls_apart(tmp_path: Path) -> None:
    async with running_service(tmp_path, **NO_FETCH_SETTINGS) as service:
        exchanges = service.app[WALLET_EXCHANGES]
        assert exchanges.is_own(service.url + "/verifier/oid4vp/response")
        assert exchanges.is_own(service.url.upper().replace("HTTP://", "http://") + "/x")
        port = int(service.url.rsplit(":", 1)[1])
        for url in (f"http://127.0.0.1:{port + 1}/x", f"https://127.0.0.1:{port}/x",
                    f"http://localhost:{port}/x", f"http://127.0.0.2:{port}/x",
                    f"http://{quote('127.0.0.1')}@127.0.0.1:{port}/x"):
            assert not exchanges.is_own(url), url


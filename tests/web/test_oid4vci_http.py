"""OpenID4VCI over real HTTP: each tenant's credential issuer, and the ways a wallet (or an
attacker) can misuse it: replayed codes and nonces, wrong and missing PINs up to the attempt
limit, expired offers, another tenant's offer, tokens that are missing or spent.

The issuer is driven by the OpenID4VCI wallet core over a SafeFetcher (the same one the
service's wallet uses), or by plain HTTP requests where the exact answer matters.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import ClientSession
from test_wallet_http import (
    PASSPHRASE,
    Wallet,
    browser,
    issuer_with_template,
    make_offer,
)
from web_support import Service, bearer, problem_of

from vcbadges import generate_key, verify
from vcbadges.errors import ProtocolError
from vcbadges.net.fetcher import FetchPolicy, SafeFetcher
from vcbadges.oid4vci import PRE_AUTHORIZED_GRANT, build_key_proof, resolve_offer
from vcbadges.oid4vci.wallet import ResolvedOffer, request_credential, request_nonce, request_token
from vcbadges.storage.protocol_state import SQLProtocolStore
from vcbadges.web.keys import CLOCK, PROTOCOL_STORE as PROTOCOL_STORE_KEY

LOCAL = frozenset({"127.0.0.1"})


@pytest.fixture
async def fetcher() -> AsyncIterator[SafeFetcher]:
    policy = FetchPolicy(allow_http_hosts=LOCAL,
                         allow_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    async with SafeFetcher(policy) as opened:
        yield opened


async def resolved_offer(service: Service, client: ClientSession, fetcher: SafeFetcher,
                         api_key: str, **options: Any) -> tuple[ResolvedOffer, dict[str, Any]]:
    offer = await make_offer(service, client, api_key, **options)
    return await resolve_offer(offer["offerUri"], fetch=fetcher.get,
                               allow_http_hosts=LOCAL), offer


async def test_metadata_of_each_tenant(service: Service, client: ClientSession):
    await issuer_with_template(service, client)
    issuer = f"{service.url}/oid4vci/acme"
    async with client.get(f"{service.url}/.well-known/openid-credential-issuer/oid4vci/acme") \
            as response:
        metadata = await response.json()
        assert response.headers["Cache-Control"] == "public, max-age=300"
    assert metadata["credential_issuer"] == issuer
    assert metadata["credential_endpoint"] == issuer + "/credential"
    assert metadata["nonce_endpoint"] == issuer + "/nonce"
    assert set(metadata["credential_configurations_supported"]) == {
        "OpenBadgeCredential_ldp_vc", "OpenBadgeCredential_jwt_vc_json"}
    async with client.get(f"{service.url}/.well-known/oauth-authorization-server/oid4vci/acme") \
            as response:
        server = await response.json()
    assert server["issuer"] == issuer and server["token_endpoint"] == issuer + "/token"
    assert server["grant_types_supported"] == [PRE_AUTHORIZED_GRANT]
    for path in ("/.well-known/openid-credential-issuer/oid4vci/nobody",
                 "/oid4vci/nobody/credential-offers/x"):
        async with client.get(service.url + path) as response:
            assert response.status == 404
            assert (await response.json())["error"] == "not_found"


async def test_the_console_api_needs_the_tenant_key_and_a_template(service: Service,
                                                                   client: ClientSession):
    _, api_key = await issuer_with_template(service, client)
    url = service.url + "/issuer/offers"
    async with client.post(url, json={"achievement": "explorer"}) as response:
        await problem_of(response, 401, "unauthorized")
    for body, kind in [({"achievement": "nope"}, "unknown-achievement"),
                       ({"achievement": "explorer", "pin": "yes"}, "invalid-request"),
                       ({"achievement": "explorer", "format": "mso_mdoc"}, "invalid-request"),
                       ({"achievement": "explorer", "recipientName": ""}, "invalid-request"),
                       ({"achievement": "explorer", "extra": 1}, "invalid-request")]:
        async with client.post(url, json=body, headers=bearer(api_key)) as response:
            await problem_of(response, 400, kind)
    offer = await make_offer(service, client, api_key)
    assert offer["txCode"] is None
    query = parse_qs(urlsplit(offer["offerUri"]).query)
    assert query["credential_offer_uri"] == [
        f"{service.url}/oid4vci/acme/credential-offers/{offer['offerId']}"]


async def test_evidence_given_with_an_offer_is_checked(service: Service, client: ClientSession):
    _, api_key = await issuer_with_template(service, client)
    url = service.url + "/issuer/offers"
    for evidence in ({"name": "x"}, "x", [{}], ["x"], [{"name": "x"}] * 11,
                     [{"title": "x"}], [{"name": ""}], [{"name": "  "}], [{"name": 7}],
                     [{"name": "x" * 201}], [{"narrative": "x" * 2001}],
                     [{"description": "x" * 2001}], [{"name": "a\nb"}],
                     [{"narrative": "a\x00b"}], [{"id": "http://example.com/e"}],
                     [{"id": "https://"}], [{"id": "https://u:p@example.com/e"}],
                     [{"id": "https://example.com/a b"}], [{"id": "urn:x:1"}],
                     [{"id": "https://[::1/e"}],
                     [{"id": "https://example.com/" + "e" * 1000}]):
        async with client.post(url, json={"achievement": "explorer", "evidence": evidence},
                               headers=bearer(api_key)) as response:
            await problem_of(response, 400, "invalid-request")
    # Ten items, line breaks in a narrative, nothing but a URL: all fine.
    fine = [{"id": f"https://portfolio.example/{i}"} for i in range(9)] + [
        {"name": "Essay", "narrative": "Part one.\n\nPart two.", "description": "d"}]
    offer = await make_offer(service, client, api_key, evidence=fine)
    assert offer["offerId"]
    assert await make_offer(service, client, api_key, evidence=[])


async def test_offer_token_nonce_and_credential_answers(service: Service, client: ClientSession,
                                                        fetcher: SafeFetcher):
    _, api_key = await issuer_with_template(service, client)
    offer = await make_offer(service, client, api_key)
    offer_url = parse_qs(urlsplit(offer["offerUri"]).query)["credential_offer_uri"][0]
    async with client.get(offer_url) as response:
        assert response.headers["Cache-Control"] == "no-store"
        served = await response.json()
    code = served["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    # The offer URL works once.
    async with client.get(offer_url) as response:
        assert response.status == 404 and (await response.json())["error"] == "not_found"

    token_url = f"{service.url}/oid4vci/acme/token"
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code}
    async with client.post(token_url, json=form) as response:
        assert response.status == 400
        assert (await response.json())["error"] == "invalid_request"
    async with client.post(token_url, data=form) as response:
        assert response.status == 200
        assert response.headers["Cache-Control"] == "no-store"
        token = await response.json()
    assert token["token_type"] == "Bearer"
    # A replayed pre-authorized code is refused.
    async with client.post(token_url, data=form) as response:
        assert response.status == 400
        assert response.headers["Cache-Control"] == "no-store"
        assert (await response.json())["error"] == "invalid_grant"

    credential_url = f"{service.url}/oid4vci/acme/credential"
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        async with client.post(credential_url, json={}, headers=headers) as response:
            assert response.status == 401
            assert response.headers["WWW-Authenticate"].startswith(
                'Bearer error="invalid_token", error_description="')
            assert (await response.json())["error"] == "invalid_token"
    async with client.post(f"{service.url}/oid4vci/acme/nonce") as response:
        assert response.headers["Cache-Control"] == "no-store"
        nonce = (await response.json())["c_nonce"]
    holder = generate_key("Ed25519")
    proof = build_key_proof(key=holder, audience=f"{service.url}/oid4vci/acme", nonce=nonce)
    body = {"credential_configuration_id": "OpenBadgeCredential_ldp_vc",
            "proofs": {"jwt": [proof]}}
    bearer_token = {"Authorization": f"Bearer {token['access_token']}"}
    # A configuration the offer does not cover: 403 with its Bearer challenge (RFC 6750).
    other = {**body, "credential_configuration_id": "OpenBadgeCredential_jwt_vc_json"}
    async with client.post(credential_url, json=other, headers=bearer_token) as response:
        assert response.status == 403
        assert (await response.json())["error"] == "insufficient_scope"
        assert response.headers["WWW-Authenticate"].startswith(
            'Bearer error="insufficient_scope", error_description="')
    async with client.post(credential_url, json=body, headers=bearer_token) as response:
        assert response.status == 200, await response.text()
        assert response.headers["Cache-Control"] == "no-store"
        issued = (await response.json())["credentials"][0]["credential"]
    assert issued["credentialSubject"]["id"] == holder.controller
    assert (await verify(issued, fetcher=fetcher)).verified
    # The access token was spent by that credential.
    async with client.post(credential_url, json=body, headers=bearer_token) as response:
        assert response.status == 401


async def test_a_replayed_nonce_is_refused(service: Service, client: ClientSession,
                                           fetcher: SafeFetcher):
    _, api_key = await issuer_with_template(service, client)
    holder = generate_key("Ed25519")
    first, _ = await resolved_offer(service, client, fetcher, api_key)
    second, _ = await resolved_offer(service, client, fetcher, api_key)
    token_one = (await request_token(first, post=fetcher.post))["access_token"]
    token_two = (await request_token(second, post=fetcher.post))["access_token"]
    nonce = await request_nonce(first, post=fetcher.post)
    proof = build_key_proof(key=holder, audience=first.credential_issuer, nonce=nonce)
    issued = await request_credential(first, post=fetcher.post, access_token=token_one,
                                      configuration_id="OpenBadgeCredential_ldp_vc",
                                      proof=proof)
    assert issued.bound_to(holder.controller)
    again = build_key_proof(key=holder, audience=second.credential_issuer, nonce=nonce)
    with pytest.raises(ProtocolError) as caught:
        await request_credential(second, post=fetcher.post, access_token=token_two,
                                 configuration_id="OpenBadgeCredential_ldp_vc", proof=again)
    assert caught.value.error == "invalid_nonce"
    # The token was not spent by the refused request: a fresh nonce works with it.
    fresh = build_key_proof(key=holder, audience=second.credential_issuer,
                            nonce=await request_nonce(second, post=fetcher.post))
    await request_credential(second, post=fetcher.post, access_token=token_two,
                             configuration_id="OpenBadgeCredential_ldp_vc", proof=fresh)


async def test_wrong_pins_up_to_the_attempt_limit(service: Service, client: ClientSession):
    _, api_key = await issuer_with_template(service, client)
    offer = await make_offer(service, client, api_key, pin=True)
    wrong = "000000" if offer["txCode"] != "000000" else "111111"
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("pat", PASSPHRASE)
        scanned = await wallet.scan(offer["offerUri"])
        accept = f"/offers/{scanned['handle']}/accept"
        response, body = await wallet.call("POST", accept, json_body={})
        await problem_of(response, 422, "exchange-failed")
        assert body["error"] == "invalid_request"  # No PIN: refused before asking.
        for _ in range(3):
            response, body = await wallet.call("POST", accept, json_body={"txCode": wrong})
            await problem_of(response, 422, "exchange-failed")
            assert body["error"] == "invalid_grant"
            assert "invalid_grant" in body["detail"]
        # Three wrong PINs invalidated the code: the right one is too late.
        response, body = await wallet.call("POST", accept,
                                           json_body={"txCode": offer["txCode"]})
        await problem_of(response, 422, "exchange-failed")
        assert body["error"] == "invalid_grant"
        assert (await wallet.ok("GET", "/credentials")) == {"credentials": []}

        # With the right PIN at the first try, the badge arrives.
        offer = await make_offer(service, client, api_key, pin=True)
        scanned = await wallet.scan(offer["offerUri"])
        response, body = await wallet.call("POST", f"/offers/{scanned['handle']}/accept",
                                           json_body={"txCode": wrong})
        assert body["error"] == "invalid_grant"
        await wallet.ok("POST", f"/offers/{scanned['handle']}/accept", 201,
                        json_body={"txCode": offer["txCode"]})


async def test_an_expired_offer_is_gone(service: Service, client: ClientSession):
    _, api_key = await issuer_with_template(service, client)
    offer = await make_offer(service, client, api_key)
    service.app[CLOCK].advance(timedelta(minutes=16))
    async with client.get(service.url + offer["qrSvg"]) as response:
        await problem_of(response, 404, "not-found")
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("eve", PASSPHRASE)
        response, body = await wallet.call("POST", "/scan", json_body={
            "uri": offer["offerUri"]})
        await problem_of(response, 422, "exchange-failed")
        assert body["error"] == "unavailable"


async def test_another_tenants_offer_is_not_found(service: Service, client: ClientSession,
                                                  fetcher: SafeFetcher):
    _, key_a = await issuer_with_template(service, client, "tenant-a")
    await issuer_with_template(service, client, "tenant-b")
    offer = await make_offer(service, client, key_a)
    async with client.get(f"{service.url}/oid4vci/tenant-b/credential-offers/"
                          f"{offer['offerId']}") as response:
        assert response.status == 404
    # Not consumed by that attempt: the right issuer still serves it.
    resolved = await resolve_offer(offer["offerUri"], fetch=fetcher.get,
                                   allow_http_hosts=LOCAL)
    assert resolved.credential_issuer == f"{service.url}/oid4vci/tenant-a"


async def test_a_tenants_token_endpoint_refuses_another_tenants_code(
        service: Service, client: ClientSession, fetcher: SafeFetcher):
    _, key_a = await issuer_with_template(service, client, "tenant-a")
    await issuer_with_template(service, client, "tenant-b")
    resolved, offer = await resolved_offer(service, client, fetcher, key_a, pin=True)
    form = {"grant_type": PRE_AUTHORIZED_GRANT,
            "pre-authorized_code": resolved.pre_authorized_code, "tx_code": "000000"}
    # Wrong PINs at the other tenant: refused as unknown, and no attempt of tenant-a's spent.
    for _ in range(6):
        async with client.post(f"{service.url}/oid4vci/tenant-b/token", data=form) as response:
            assert response.status == 400
            assert (await response.json())["error"] == "invalid_grant"
    async with client.post(f"{service.url}/oid4vci/tenant-b/token",
                           data={**form, "tx_code": offer["txCode"]}) as response:
        assert (await response.json())["error"] == "invalid_grant"
    async with client.post(f"{service.url}/oid4vci/tenant-a/token",
                           data={**form, "tx_code": offer["txCode"]}) as response:
        assert response.status == 200, await response.text()
        assert (await response.json())["token_type"] == "Bearer"


async def test_consume_is_single_use_across_connection_pools(service: Service):
    """Two stores on separate pools, as two processes would have: of many concurrent
    consumers of one entry, exactly one gets it."""
    now = service.app[CLOCK].now()
    ours, theirs = service.app[PROTOCOL_STORE_KEY], SQLProtocolStore(service.db)
    await ours.save("c_nonce", "k", {"n": 1}, expires_at=now + timedelta(minutes=1))
    got = await asyncio.gather(*(store.consume("c_nonce", "k", now=now)
                                 for store in (ours, theirs) * 4))
    assert [g for g in got if g is not None] == [{"n": 1}]
    assert await theirs.purge(now=now + timedelta(minutes=2)) >= 1


@pytest.mark.parametrize(("algorithm", "suite", "jws"), [
    ("Ed25519", "eddsa-rdfc-2022", "EdDSA"), ("P-256", "ecdsa-rdfc-2019", "ES256")])
async def test_metadata_advertises_what_the_tenant_signs_with(
        service: Service, client: ClientSession, algorithm: str, suite: str, jws: str):
    name = "edschool" if algorithm == "Ed25519" else "pschool"
    _, api_key = await issuer_with_template(service, client, name, algorithm=algorithm)
    async with client.get(
            f"{service.url}/.well-known/openid-credential-issuer/oid4vci/{name}") as response:
        configs = (await response.json())["credential_configurations_supported"]
    assert configs["OpenBadgeCredential_ldp_vc"]["credential_signing_alg_values_supported"] \
        == [suite]
    assert configs["OpenBadgeCredential_jwt_vc_json"][
        "credential_signing_alg_values_supported"] == [jws]

    # And a credential issued through the protocol is signed with what was advertised.
    offer = await make_offer(service, client, api_key)
    offer_url = parse_qs(urlsplit(offer["offerUri"]).query)["credential_offer_uri"][0]
    async with client.get(offer_url) as response:
        code = (await response.json())["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    base = f"{service.url}/oid4vci/{name}"
    async with client.post(base + "/token", data={
            "grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code}) as response:
        token = (await response.json())["access_token"]
    async with client.post(base + "/nonce") as response:
        nonce = (await response.json())["c_nonce"]
    proof = build_key_proof(key=generate_key("Ed25519"), audience=base, nonce=nonce)
    async with client.post(base + "/credential", headers={"Authorization": f"Bearer {token}"},
                           json={"credential_configuration_id": "OpenBadgeCredential_ldp_vc",
                                 "proofs": {"jwt": [proof]}}) as response:
        assert response.status == 200, await response.text()
        issued = (await response.json())["credentials"][0]["credential"]
    assert issued["proof"]["cryptosuite"] == suite

"""With no fetch allowances at all, the service still verifies the badges it issued: it reads
its own status lists and DID documents from its database, and nothing opens loopback."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from aiohttp import ClientSession
from web_support import LEARNER, badge, bearer, check, issue, running_service, verify

from vcbadges import generate_key, issue as vcbadges_issue
from vcbadges.web.settings import Settings


async def test_own_status_lists_are_read_locally_under_the_strictest_policy(tmp_path: Path):
    async with running_service(tmp_path, fetch_allow_http_hosts=frozenset(),
                               fetch_allow_networks=()) as service, ClientSession() as client:
        tenant, api_key = await service.tenant("acme")
        answer = await issue(client, service, api_key, {"credential": badge(tenant.did, LEARNER)})
        credential = answer["verifiableCredential"]
        status, report = await verify(client, service, credential)
        assert status == 200 and report["verified"], report
        assert check(report, "status_revocation") == ("passed", "not_revoked")
        async with client.post(service.url + "/issuer/credentials/status", headers=bearer(api_key),
                               json={"credentialId": credential["id"], "credentialStatus": [
                                   {"type": "BitstringStatusListEntry", "status": "revoked"}]}
                               ) as response:
            assert response.status == 200
        status, report = await verify(client, service, credential)
        assert status == 400
        assert check(report, "status_revocation") == ("failed", "revoked")


async def test_other_loopback_urls_stay_refused(tmp_path: Path):
    async with running_service(tmp_path, fetch_allow_http_hosts=frozenset(),
                               fetch_allow_networks=()) as service, ClientSession() as client:
        key = generate_key()
        doc = badge(key.controller, LEARNER)
        doc["credentialStatus"] = {
            "id": "http://127.0.0.1:9/status#1", "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation", "statusListIndex": "1",
            "statusListCredential": "http://127.0.0.1:9/status"}
        _, report = await verify(client, service, await vcbadges_issue(doc, key=key))
        assert check(report, "status_revocation") == ("error", "status_list_unreachable")


def test_wallet_fetch_allowances_default_to_the_verification_ones():
    loopback = (ipaddress.ip_network("127.0.0.1/32"),)
    same = Settings.from_env({"VCBADGES_FETCH_ALLOW_HTTP_HOSTS": "LocalHost",
                              "VCBADGES_FETCH_ALLOW_NETWORKS": "127.0.0.1/32"})
    assert same.wallet_allow_http_hosts == frozenset({"localhost"})
    assert same.wallet_allow_networks == loopback
    apart = Settings.from_env({"VCBADGES_WALLET_FETCH_ALLOW_HTTP_HOSTS": "127.0.0.1",
                               "VCBADGES_WALLET_FETCH_ALLOW_NETWORKS": "127.0.0.1/32"})
    assert (apart.fetch_allow_http_hosts, apart.fetch_allow_networks) == (frozenset(), ())
    assert apart.wallet_allow_http_hosts == frozenset({"127.0.0.1"})
    assert apart.wallet_allow_networks == loopback
    closed = Settings.from_env({"VCBADGES_FETCH_ALLOW_HTTP_HOSTS": "localhost",
                                "VCBADGES_WALLET_FETCH_ALLOW_HTTP_HOSTS": ""})
    assert closed.wallet_allow_http_hosts == frozenset()

"""End to end over real HTTPS: a did:web issuer and its status lists on a local server.

The issuer's DID document and signed status list credentials are served by a local HTTPS
server (trustme CA); verification reads them through the SafeFetcher, exactly as an employer's
verifier would read them from the issuer's site.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from vcbadges import issue, verify
from vcbadges.credentials.sample import sample_badge
from vcbadges.dids.resolver import network_resolver
from vcbadges.net.fetcher import SafeFetcher
from vcbadges.primitives.keys import Ed25519SigningKey
from vcbadges.status.bitstring import new_list, set_status, status_entry, status_list_credential

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
ISSUED = NOW - timedelta(days=10)


class Issuer:
    """A did:web issuer whose documents live on the test server."""

    def __init__(self, server: Any, seed: int) -> None:
        self.server = server
        self.did = f"did:web:localhost%3A{server.port}"
        self.key = Ed25519SigningKey.from_seed(bytes([seed]) * 32,
                                               verification_method=f"{self.did}#key-1")
        server.add_json("/.well-known/did.json", {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": self.did,
            "verificationMethod": [{"id": f"{self.did}#key-1", "type": "Multikey",
                                    "controller": self.did,
                                    "publicKeyMultibase": self.key.public_key.to_multikey()}],
            "assertionMethod": [f"{self.did}#key-1"],
        })

    def list_url(self, name: str) -> str:
        return self.server.url(f"/status/{name}")

    async def publish(self, name: str, purpose: str, revoked=(), *, key=None, issuer=None,
                      valid_until=None) -> dict:
        bits = new_list()
        for index in revoked:
            set_status(bits, index, 1)
        unsigned = status_list_credential(
            list_id=self.list_url(name), issuer=issuer or self.did, purpose=purpose, bits=bits,
            valid_from=ISSUED, valid_until=valid_until)
        signed = await issue(unsigned, key=key or self.key, now=ISSUED)
        self.server.add_json(f"/status/{name}", signed)
        return signed

    async def badge(self, *entries: dict, valid_from=ISSUED, valid_until=None) -> dict:
        holder = Ed25519SigningKey.from_seed(b"\x07" * 32)
        doc = sample_badge(issuer=self.did, subject=holder.controller,
                           valid_from=valid_from).to_json()
        if valid_until is not None:
            doc["validUntil"] = valid_until
        if entries:
            doc["credentialStatus"] = list(entries)
        return await issue(doc, key=self.key, now=ISSUED)

    def entry(self, name: str, index: int, purpose: str = "revocation") -> dict:
        return status_entry(list_credential=self.list_url(name), index=index, purpose=purpose)


@pytest.fixture
async def issuer(https_server) -> Issuer:
    return Issuer(https_server, 1)


@pytest.fixture
async def fetcher(https_server):
    async with SafeFetcher(https_server.policy()) as f:
        yield f


async def check(doc: dict, fetcher: SafeFetcher, now: datetime = NOW):
    return await verify(doc, now=now, fetcher=fetcher, resolver=network_resolver(fetcher))


def outcome(report, check_id: str) -> tuple[str, str]:
    c = report.check(check_id)
    return c.outcome.value, c.code


async def test_good_badge_from_a_did_web_issuer(issuer, fetcher):
    await issuer.publish("rev", "revocation")
    await issuer.publish("sus", "suspension")
    report = await check(await issuer.badge(issuer.entry("rev", 5),
                                            issuer.entry("sus", 5, "suspension")), fetcher)
    assert report.verified, report.to_json()
    assert outcome(report, "issuer") == ("passed", "ok")
    assert outcome(report, "status_revocation") == ("passed", "not_revoked")


async def test_revoked_suspended_and_unsuspended(issuer, fetcher):
    await issuer.publish("rev", "revocation", revoked=[5])
    await issuer.publish("sus", "suspension", revoked=[6])
    revoked = await issuer.badge(issuer.entry("rev", 5))
    assert outcome(await check(revoked, fetcher), "status_revocation") == ("failed", "revoked")
    suspended = await issuer.badge(issuer.entry("sus", 6, "suspension"))
    report = await check(suspended, fetcher)
    assert outcome(report, "status_suspension") == ("failed", "suspended")
    await issuer.publish("sus", "suspension", revoked=[])
    fetcher.clear_cache()
    assert (await check(suspended, fetcher)).verified


async def test_expired_and_not_yet_valid(issuer, fetcher):
    expired = await issuer.badge(valid_until="2026-05-25T00:00:00Z")
    assert outcome(await check(expired, fetcher), "validity") == ("failed", "expired")
    future = await issuer.badge(valid_from=NOW + timedelta(days=3))
    assert outcome(await check(future, fetcher), "validity") == ("failed", "not_yet_valid")


async def test_only_the_second_of_two_entries_says_revoked(issuer, fetcher):
    await issuer.publish("a", "revocation")
    await issuer.publish("b", "revocation", revoked=[9])
    report = await check(await issuer.badge(issuer.entry("a", 9), issuer.entry("b", 9)), fetcher)
    assert outcome(report, "status_revocation") == ("passed", "not_revoked")
    assert outcome(report, "status_revocation_2") == ("failed", "revoked")
    assert not report.verified


async def test_list_signed_by_another_issuer(issuer, fetcher):
    stranger = Ed25519SigningKey.from_seed(b"\x09" * 32)
    await issuer.publish("rev", "revocation", key=stranger, issuer=stranger.controller)
    report = await check(await issuer.badge(issuer.entry("rev", 1)), fetcher)
    assert outcome(report, "status_revocation") == ("error", "status_list_issuer_mismatch")
    assert not report.verified


async def test_tampered_status_list(issuer, fetcher):
    signed = await issuer.publish("rev", "revocation", revoked=[3])
    forged = copy.deepcopy(signed)
    clean = new_list()
    from vcbadges.status.bitstring import encode_list

    forged["credentialSubject"]["encodedList"] = encode_list(clean)
    issuer.server.add_json("/status/rev", forged)
    report = await check(await issuer.badge(issuer.entry("rev", 3)), fetcher)
    assert outcome(report, "status_revocation") == ("error", "status_list_unverified")
    assert not report.verified


async def test_unreachable_list_and_unreachable_did(issuer, fetcher, https_server):
    report = await check(await issuer.badge(issuer.entry("missing", 1)), fetcher)
    assert outcome(report, "status_revocation") == ("error", "status_list_unreachable")
    https_server.add_json("/.well-known/did.json", {"error": "gone"}, status=503)
    badge = await issuer.badge()
    report = await check(badge, fetcher)
    assert outcome(report, "proof") == ("error", "did_resolution_unavailable")
    assert not report.verified


async def test_a_credential_cannot_make_the_verifier_fetch_private_addresses(issuer, https_server):
    await issuer.publish("rev", "revocation")
    badge = await issuer.badge(status_entry(list_credential="https://169.254.169.254/latest",
                                            index=1, purpose="revocation"))
    # The default policy allows no private or link-local address; only the DID document
    # is on loopback, which this verifier is told to allow.
    async with SafeFetcher(https_server.policy()) as f:
        report = await check(badge, f)
    assert outcome(report, "status_revocation") == ("error", "status_list_unreachable")
    assert "fetch_blocked_address" in str(report.check("status_revocation").to_json())

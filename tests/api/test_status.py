"""Status entries checked through verify(): every entry, each list verified as a credential."""

import copy

import pytest
from clock import ISSUED, NOW

from vcbadges import issue, verify
from vcbadges.errors import FetchError
from vcbadges.status.bitstring import new_list, set_status, status_entry, status_list_credential

BASE = "https://issuer.example/status"


class Lists:
    """Signed status list credentials served by URL, as an issuer would publish them."""

    def __init__(self) -> None:
        self.docs: dict[str, dict] = {}

    async def publish(self, key, name: str, purpose: str, set_bits=(), valid_until=None):
        bits = new_list()
        for i in set_bits:
            set_status(bits, i, 1)
        unsigned = status_list_credential(list_id=f"{BASE}/{name}", issuer=key.controller,
                                          purpose=purpose, bits=bits, valid_from=ISSUED,
                                          valid_until=valid_until)
        self.docs[f"{BASE}/{name}"] = await issue(unsigned, key=key, now=ISSUED)

    async def get_json(self, url: str, *, accept: str = "application/json"):
        if url not in self.docs:
            raise FetchError(f"nothing at {url}", code="fetch_http_status")
        return copy.deepcopy(self.docs[url])


async def _badge(issuer_key, unsigned, entries):
    doc = copy.deepcopy(unsigned)
    doc["credentialStatus"] = entries
    return await issue(doc, key=issuer_key, now=ISSUED)


def rev(index, name="rev"):
    return status_entry(list_credential=f"{BASE}/{name}", index=index, purpose="revocation")


def sus(index, name="sus"):
    return status_entry(list_credential=f"{BASE}/{name}", index=index, purpose="suspension")


@pytest.fixture
async def lists(issuer_key):
    served = Lists()
    await served.publish(issuer_key, "rev", "revocation", set_bits=[7, 42])
    await served.publish(issuer_key, "sus", "suspension", set_bits=[9])
    return served


def outcome(report, check_id):
    c = report.check(check_id)
    return c.outcome.value, c.code


async def test_good_badge_passes_both_entries(issuer_key, unsigned, lists):
    badge = await _badge(issuer_key, unsigned, [rev(5), sus(5)])
    report = await verify(badge, now=NOW, fetcher=lists)
    assert report.verified, report.to_json()
    assert outcome(report, "status_revocation") == ("passed", "not_revoked")
    assert outcome(report, "status_suspension") == ("passed", "not_suspended")


async def test_revoked_and_suspended(issuer_key, unsigned, lists):
    revoked = await _badge(issuer_key, unsigned, [rev(42)])
    report = await verify(revoked, now=NOW, fetcher=lists)
    assert outcome(report, "status_revocation") == ("failed", "revoked")
    assert not report.verified
    suspended = await _badge(issuer_key, unsigned, [rev(5), sus(9)])
    report = await verify(suspended, now=NOW, fetcher=lists)
    assert outcome(report, "status_suspension") == ("failed", "suspended")


async def test_unsuspended_after_the_list_is_republished(issuer_key, unsigned, lists):
    badge = await _badge(issuer_key, unsigned, [sus(9)])
    assert not (await verify(badge, now=NOW, fetcher=lists)).verified
    await lists.publish(issuer_key, "sus", "suspension", set_bits=[])
    assert (await verify(badge, now=NOW, fetcher=lists)).verified


async def test_only_the_second_entry_says_revoked(issuer_key, unsigned, lists):
    await lists.publish(issuer_key, "rev2", "revocation", set_bits=[3])
    badge = await _badge(issuer_key, unsigned, [rev(3), rev(3, "rev2")])
    report = await verify(badge, now=NOW, fetcher=lists)
    assert outcome(report, "status_revocation") == ("passed", "not_revoked")
    assert outcome(report, "status_revocation_2") == ("failed", "revoked")
    assert not report.verified


async def test_list_signed_by_another_issuer_is_an_error(issuer_key, other_key, unsigned, lists):
    await lists.publish(other_key, "rev", "revocation", set_bits=[])
    badge = await _badge(issuer_key, unsigned, [rev(42)])
    report = await verify(badge, now=NOW, fetcher=lists)
    assert outcome(report, "status_revocation") == ("error", "status_list_issuer_mismatch")
    assert not report.verified


async def test_tampered_list_is_an_error_not_a_pass(issuer_key, unsigned, lists):
    lists.docs[f"{BASE}/rev"]["credentialSubject"]["encodedList"] = \
        lists.docs[f"{BASE}/sus"]["credentialSubject"]["encodedList"]
    badge = await _badge(issuer_key, unsigned, [rev(42)])
    report = await verify(badge, now=NOW, fetcher=lists)
    assert outcome(report, "status_revocation") == ("error", "status_list_unverified")


async def test_unreachable_and_expired_lists_are_errors(issuer_key, unsigned, lists):
    badge = await _badge(issuer_key, unsigned, [rev(1, "missing")])
    report = await verify(badge, now=NOW, fetcher=lists)
    assert outcome(report, "status_revocation") == ("error", "status_list_unreachable")
    await lists.publish(issuer_key, "old", "revocation", valid_until=ISSUED)
    badge = await _badge(issuer_key, unsigned, [rev(1, "old")])
    report = await verify(badge, now=NOW, fetcher=lists)
    assert outcome(report, "status_revocation")[0] == "error"
    # The reason is the list's real failure, never the advisory verdict on its issuer.
    assert "validity" in report.check("status_revocation").message, report.to_json()


async def test_purpose_mismatch_is_an_error(issuer_key, unsigned, lists):
    badge = await _badge(issuer_key, unsigned, [
        status_entry(list_credential=f"{BASE}/sus", index=1, purpose="revocation")])
    report = await verify(badge, now=NOW, fetcher=lists)
    assert outcome(report, "status_revocation") == ("error", "status_purpose_mismatch")


async def test_verified_lists_are_remembered_until_they_change_or_expire(issuer_key, unsigned,
                                                                          lists):
    from vcbadges.verifier.listcache import VerifiedListCache

    now = [0.0]
    cache = VerifiedListCache(max_age=60, clock=lambda: now[0])
    badge = await _badge(issuer_key, unsigned, [rev(5)])
    assert (await verify(badge, now=NOW, fetcher=lists, verified_lists=cache)).verified
    assert cache.get(lists.docs[f"{BASE}/rev"]) is not None
    # A republished list is a new document: verified afresh, and its new bit counts.
    await lists.publish(issuer_key, "rev", "revocation", set_bits=[5])
    assert cache.get(lists.docs[f"{BASE}/rev"]) is None
    report = await verify(badge, now=NOW, fetcher=lists, verified_lists=cache)
    assert outcome(report, "status_revocation") == ("failed", "revoked")
    now[0] = 61.0
    assert cache.get(lists.docs[f"{BASE}/rev"]) is None


async def test_a_list_that_failed_is_not_remembered(issuer_key, unsigned, lists):
    from vcbadges.verifier.listcache import VerifiedListCache

    cache = VerifiedListCache()
    lists.docs[f"{BASE}/rev"]["credentialSubject"]["encodedList"] = \
        lists.docs[f"{BASE}/sus"]["credentialSubject"]["encodedList"]
    badge = await _badge(issuer_key, unsigned, [rev(5)])
    await verify(badge, now=NOW, fetcher=lists, verified_lists=cache)
    assert cache.get(lists.docs[f"{BASE}/rev"]) is None

"""offer_progress: what the protocol core tells of an offer, read off its single-use entry
and the record kept beside it."""

from __future__ import annotations

from oid4vci_support import BASE

from vcbadges.oid4vci import OPEN_BADGE_LDP_VC, accept_offer, create_offer, resolve_offer
from vcbadges.oid4vci.offers import RECORD_RETENTION, offer_progress

AWARD = {"tenant": "example-university", "award_id": "a-4711"}


async def made(issuer, **options):
    return await create_offer(issuer.store, base_url=BASE, award=AWARD,
                              configuration_ids=[OPEN_BADGE_LDP_VC.id], now=issuer.clock.now,
                              **options)


async def test_pending_then_opened_then_expired(issuer, holder_key, clock):
    created = await made(issuer)
    progress = await offer_progress(issuer.store, created.offer_id, now=clock.now)
    assert progress is not None
    assert (progress.state, progress.award) == ("pending", AWARD)
    assert progress.expires_at == created.expires_at.replace(microsecond=0)
    resolved = await resolve_offer(created.uri, fetch=issuer.fetch)
    assert (await offer_progress(issuer.store, created.offer_id, now=clock.now)).state \
        == "opened"
    # The core cannot see the credential issue_fn stored: delivered is the caller's to tell.
    await accept_offer(resolved, key=holder_key, post=issuer.post, now=clock.now)
    assert (await offer_progress(issuer.store, created.offer_id, now=clock.now)).state \
        == "opened"
    clock.advance(minutes=15)
    assert (await offer_progress(issuer.store, created.offer_id, now=clock.now)).state \
        == "expired"


async def test_reading_progress_consumes_nothing(issuer, clock):
    created = await made(issuer, tx_code_length=6)
    for _ in range(3):
        assert (await offer_progress(issuer.store, created.offer_id, now=clock.now)).state \
            == "pending"
    assert (await resolve_offer(created.uri, fetch=issuer.fetch)).tx_code is not None


async def test_unknown_and_lapsed_offers(issuer, clock):
    assert await offer_progress(issuer.store, "no-such-offer", now=clock.now) is None
    created = await made(issuer)
    clock.advance(minutes=15)
    clock.now += RECORD_RETENTION
    assert await offer_progress(issuer.store, created.offer_id, now=clock.now) is None
    assert await issuer.store.purge(now=clock.now) == 2

"""The whole pre-authorized code flow: issuer core and wallet core over a fake transport."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from oid4vci_support import BASE

from vcbadges import verify
from vcbadges.errors import ProtocolError
from vcbadges.oid4vci import (
    OPEN_BADGE_JWT_VC_JSON,
    OPEN_BADGE_LDP_VC,
    PRE_AUTHORIZED_GRANT,
    accept_offer,
    create_offer,
    offer_uri_by_value,
    resolve_offer,
    serve_offer,
)
from vcbadges.oid4vci.store import ACCESS_TOKEN, C_NONCE, OFFER, PRE_AUTHORIZED_CODE

AWARD = {"tenant": "example-university", "award_id": "a-4711"}


async def offer_for(issuer, *configs, pin_length=None):
    ids = [c.id for c in configs] or [OPEN_BADGE_LDP_VC.id]
    return await create_offer(issuer.store, base_url=BASE, award=AWARD, configuration_ids=ids,
                              tx_code_length=pin_length, now=issuer.clock.now)


async def test_ldp_vc_issued_to_the_holder_did_and_verifiable(issuer, holder_key, clock):
    created = await offer_for(issuer, OPEN_BADGE_LDP_VC)
    resolved = await resolve_offer(created.uri, fetch=issuer.fetch)
    assert resolved.describe() == {
        "credential_issuer": BASE,
        "issuer_name": "Example University",
        "credentials": [{"credential_configuration_id": OPEN_BADGE_LDP_VC.id,
                         "format": "ldp_vc", "name": "Open Badge",
                         "description": OPEN_BADGE_LDP_VC.description, "logo": None,
                         "type": ["VerifiableCredential", "OpenBadgeCredential"]}],
        "tx_code": None,
        "token_endpoint_host": "badges.example.edu",
    }
    issued = await accept_offer(resolved, key=holder_key, post=issuer.post, now=clock.now)
    assert issued.format == "ldp_vc" and isinstance(issued.credential, dict)
    assert issued.credential["credentialSubject"]["id"] == holder_key.controller
    assert issued.bound_to(holder_key.controller)
    report = await verify(issued.credential, now=clock.now)
    assert report.verified, report.to_json()
    # The caller's issue_fn got the holder DID, the configuration and the award back.
    assert issuer.issued == [(holder_key.controller, OPEN_BADGE_LDP_VC.id, AWARD)]


async def test_an_offer_names_the_badge_it_offers(issuer, holder_key, clock):
    """The offer's credential_display (an additional offer parameter) describes the one
    badge offered; the metadata's display describes the kind, for offers without one."""
    shown = {"name": "Data Literacy 101", "description": "Reads quantitative evidence.",
             "logo": {"uri": "https://badges.example.edu/dl101.png", "alt_text": "A medal"}}
    created = await create_offer(issuer.store, base_url=BASE, award=AWARD,
                                 configuration_ids=[OPEN_BADGE_LDP_VC.id,
                                                    OPEN_BADGE_JWT_VC_JSON.id],
                                 display=[shown], now=clock.now)
    resolved = await resolve_offer(created.uri, fetch=issuer.fetch)
    assert resolved.offer["credential_display"] == {OPEN_BADGE_LDP_VC.id: [shown],
                                                    OPEN_BADGE_JWT_VC_JSON.id: [shown]}
    described = resolved.describe()["credentials"]
    assert [(c["name"], c["description"], c["logo"]) for c in described] == [
        (shown["name"], shown["description"], shown["logo"])] * 2
    # Accepting is unchanged by it.
    issued = await accept_offer(resolved, key=holder_key, post=issuer.post, now=clock.now)
    assert issued.bound_to(holder_key.controller)
    with pytest.raises(ValueError):
        await create_offer(issuer.store, base_url=BASE, award=AWARD,
                           configuration_ids=[OPEN_BADGE_LDP_VC.id], display=[{"x": 1}],
                           now=clock.now)


async def test_a_strange_offer_display_falls_back_to_the_metadata(issuer):
    created = await offer_for(issuer)
    offer = await serve_offer(issuer.store, created.offer_id, now=issuer.clock.now)
    for strange in ("text", [], {OPEN_BADGE_LDP_VC.id: "x"}, {OPEN_BADGE_LDP_VC.id: [3]}):
        uri = offer_uri_by_value({**offer, "credential_display": strange})
        described = (await resolve_offer(uri, fetch=issuer.fetch)).describe()
        assert described["credentials"][0]["name"] == "Open Badge"


async def test_jwt_vc_json_with_pin_and_p256_holder(issuer, p256_holder_key, clock):
    created = await offer_for(issuer, OPEN_BADGE_JWT_VC_JSON, pin_length=6)
    assert created.tx_code is not None and len(created.tx_code) == 6
    assert created.tx_code.isdigit()
    resolved = await resolve_offer(created.uri, fetch=issuer.fetch)
    assert resolved.tx_code == {"input_mode": "numeric", "length": 6}
    issued = await accept_offer(resolved, key=p256_holder_key, post=issuer.post,
                                tx_code=created.tx_code, now=clock.now)
    assert issued.format == "jwt_vc_json" and isinstance(issued.credential, str)
    assert issued.bound_to(p256_holder_key.controller)
    report = await verify(issued.credential, now=clock.now)
    assert report.verified, report.to_json()


async def test_offer_with_two_configurations_lets_the_wallet_choose(issuer, holder_key, clock):
    created = await offer_for(issuer, OPEN_BADGE_LDP_VC, OPEN_BADGE_JWT_VC_JSON)
    resolved = await resolve_offer(created.uri, fetch=issuer.fetch)
    issued = await accept_offer(resolved, key=holder_key, post=issuer.post,
                                configuration_id=OPEN_BADGE_JWT_VC_JSON.id, now=clock.now)
    assert issued.format == "jwt_vc_json"


async def test_offer_by_value(issuer, holder_key, clock):
    # An offer served once can be handed over by value instead (same-device deep link).
    created = await offer_for(issuer, OPEN_BADGE_LDP_VC)
    offer = await serve_offer(issuer.store, created.offer_id, now=clock.now)
    uri = offer_uri_by_value(offer)
    resolved = await resolve_offer(uri, fetch=issuer.fetch)
    assert not any(url.startswith(BASE + "/credential-offers/") for _, url in issuer.requests)
    issued = await accept_offer(resolved, key=holder_key, post=issuer.post, now=clock.now)
    assert issued.bound_to(holder_key.controller)


async def test_offer_uri_is_short_and_by_reference(issuer, clock):
    created = await offer_for(issuer, OPEN_BADGE_LDP_VC)
    assert created.uri.startswith("openid-credential-offer://?credential_offer_uri=https%3A%2F%2F")
    assert len(created.uri) < 400
    query = parse_qs(urlsplit(created.uri).query)
    assert query == {"credential_offer_uri": [created.credential_offer_uri]}
    assert created.credential_offer_uri == f"{BASE}/credential-offers/{created.offer_id}"
    # 128 bits of entropy in the offer id.
    assert len(created.offer_id) >= 22


async def test_offer_json_shape(issuer, clock):
    created = await offer_for(issuer, OPEN_BADGE_LDP_VC, pin_length=4)
    offer = await serve_offer(issuer.store, created.offer_id, now=clock.now)
    code = offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    assert offer == {
        "credential_issuer": BASE,
        "credential_configuration_ids": [OPEN_BADGE_LDP_VC.id],
        "grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": code,
                                          "tx_code": {"input_mode": "numeric", "length": 4}}},
    }
    assert len(code) >= 43  # 256 bits
    # Neither the code nor the PIN is stored in the clear.
    dump = json.dumps({str(k): v["payload"] for k, v in issuer.store.snapshot().items()})
    assert code not in dump and created.tx_code not in dump


async def test_offer_url_works_once(issuer, clock):
    created = await offer_for(issuer, OPEN_BADGE_LDP_VC)
    await serve_offer(issuer.store, created.offer_id, now=clock.now)
    with pytest.raises(ProtocolError) as caught:
        await serve_offer(issuer.store, created.offer_id, now=clock.now)
    assert (caught.value.error, caught.value.status) == ("not_found", 404)


async def test_single_use_state_is_spent_after_the_flow(issuer, holder_key, clock):
    created = await offer_for(issuer, OPEN_BADGE_LDP_VC)
    resolved = await resolve_offer(created.uri, fetch=issuer.fetch)
    await accept_offer(resolved, key=holder_key, post=issuer.post, now=clock.now)
    state = issuer.store.snapshot()
    for kind in (OFFER, PRE_AUTHORIZED_CODE, ACCESS_TOKEN, C_NONCE):
        entries = [v for (k, _), v in state.items() if k == kind]
        assert entries and all(e["used_at"] is not None for e in entries), kind
    clock.advance(hours=1)
    assert await issuer.store.purge(now=clock.now) == len(state)

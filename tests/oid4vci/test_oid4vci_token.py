"""The token endpoint: single-use codes, expiry, Transaction Codes and their attempt limit."""

from __future__ import annotations

import pytest
from oid4vci_support import BASE

from vcbadges.errors import ProtocolError
from vcbadges.oid4vci import (
    OPEN_BADGE_LDP_VC,
    PRE_AUTHORIZED_GRANT,
    accept_offer,
    create_offer,
    handle_token_request,
    resolve_offer,
    serve_offer,
)


async def served(issuer, *, pin_length=None, attempts=3):
    created = await create_offer(issuer.store, base_url=BASE, award={"a": 1},
                                 configuration_ids=[OPEN_BADGE_LDP_VC.id],
                                 tx_code_length=pin_length, max_tx_code_attempts=attempts,
                                 now=issuer.clock.now)
    offer = await serve_offer(issuer.store, created.offer_id, now=issuer.clock.now)
    return created, offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]


def form(code, **extra):
    return {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code, **extra}


async def token_error(issuer, params):
    with pytest.raises(ProtocolError) as caught:
        await handle_token_request(issuer.store, params, credential_issuer=BASE,
                                   now=issuer.clock.now)
    return caught.value.error, caught.value.status


def wrong(pin):
    return "0000" if pin != "0000" else "1111"


async def test_token_response_shape(issuer):
    _, code = await served(issuer)
    body = await handle_token_request(issuer.store, form(code), credential_issuer=BASE,
                                      now=issuer.clock.now)
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 600


async def test_replayed_pre_authorized_code(issuer):
    _, code = await served(issuer)
    await handle_token_request(issuer.store, form(code), credential_issuer=BASE,
                                      now=issuer.clock.now)
    assert await token_error(issuer, form(code)) == ("invalid_grant", 400)


async def test_unknown_code(issuer):
    assert await token_error(issuer, form("not-a-code")) == ("invalid_grant", 400)


async def test_expired_code(issuer, clock):
    _, code = await served(issuer)
    clock.advance(minutes=5)  # the code's lifetime
    assert await token_error(issuer, form(code)) == ("invalid_grant", 400)


async def test_expired_offer_cannot_be_served(issuer, clock):
    created = await create_offer(issuer.store, base_url=BASE, award={},
                                 configuration_ids=[OPEN_BADGE_LDP_VC.id], now=clock.now)
    clock.advance(minutes=15)
    with pytest.raises(ProtocolError) as caught:
        await serve_offer(issuer.store, created.offer_id, now=clock.now)
    assert caught.value.error == "not_found"


async def test_code_never_outlives_its_offer(issuer, clock):
    created = await create_offer(issuer.store, base_url=BASE, award={},
                                 configuration_ids=[OPEN_BADGE_LDP_VC.id], now=clock.now)
    clock.advance(minutes=13)
    offer = await serve_offer(issuer.store, created.offer_id, now=clock.now)
    clock.advance(minutes=2)  # the offer's 15 minutes are over, the code's 5 are not
    code = offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    assert await token_error(issuer, form(code)) == ("invalid_grant", 400)


@pytest.mark.parametrize("params, expected", [
    ({}, ("invalid_request", 400)),
    ({"grant_type": "authorization_code", "code": "x"}, ("unsupported_grant_type", 400)),
    ({"grant_type": PRE_AUTHORIZED_GRANT}, ("invalid_request", 400)),
])
async def test_malformed_requests(issuer, params, expected):
    assert await token_error(issuer, params) == expected


async def test_repeated_parameter_is_refused(issuer):
    class MultiDict(dict):
        def items(self):
            return [("grant_type", PRE_AUTHORIZED_GRANT), ("grant_type", PRE_AUTHORIZED_GRANT)]

    assert await token_error(issuer, MultiDict()) == ("invalid_request", 400)


async def test_pin_required_and_not_expected(issuer):
    _, code = await served(issuer, pin_length=4)
    assert await token_error(issuer, form(code)) == ("invalid_request", 400)
    _, plain = await served(issuer)
    assert await token_error(issuer, form(plain, tx_code="1234")) == ("invalid_request", 400)


async def test_wrong_pin_then_right_pin(issuer):
    created, code = await served(issuer, pin_length=5)
    assert await token_error(issuer, form(code, tx_code=wrong(created.tx_code))) == (
        "invalid_grant", 400)
    body = await handle_token_request(issuer.store, form(code, tx_code=created.tx_code),
                                      credential_issuer=BASE, now=issuer.clock.now)
    assert body["access_token"]


async def test_attempt_limit_invalidates_the_code(issuer):
    created, code = await served(issuer, pin_length=4, attempts=3)
    for _ in range(3):
        assert await token_error(issuer, form(code, tx_code=wrong(created.tx_code))) == (
            "invalid_grant", 400)
    # The right PIN no longer helps: the code was invalidated with the third wrong one.
    assert await token_error(issuer, form(code, tx_code=created.tx_code)) == (
        "invalid_grant", 400)


async def test_wallet_reports_wrong_pin_with_the_issuer_code(issuer, holder_key, clock):
    created = await create_offer(issuer.store, base_url=BASE, award={},
                                 configuration_ids=[OPEN_BADGE_LDP_VC.id], tx_code_length=4,
                                 now=clock.now)
    resolved = await resolve_offer(created.uri, fetch=issuer.fetch)
    with pytest.raises(ProtocolError) as caught:
        await accept_offer(resolved, key=holder_key, post=issuer.post,
                           tx_code=wrong(created.tx_code), now=clock.now)
    assert caught.value.error == "invalid_grant"
    with pytest.raises(ProtocolError) as missing:
        await accept_offer(resolved, key=holder_key, post=issuer.post, now=clock.now)
    assert missing.value.error == "invalid_request"
    issued = await accept_offer(resolved, key=holder_key, post=issuer.post,
                                tx_code=created.tx_code, now=clock.now)
    assert issued.bound_to(holder_key.controller)


@pytest.mark.parametrize("kwargs", [
    {"tx_code_length": 3}, {"tx_code_length": 7}, {"configuration_ids": []},
    {"tx_code_length": 4, "tx_code_description": "x" * 301},
])
async def test_create_offer_rejects_bad_arguments(issuer, kwargs):
    args = {"base_url": BASE, "award": {}, "configuration_ids": [OPEN_BADGE_LDP_VC.id],
            **kwargs}
    with pytest.raises(ValueError):
        await create_offer(issuer.store, **args, now=issuer.clock.now)


async def test_another_issuers_code_is_not_redeemed_nor_spent(issuer):
    """One Token Endpoint per issuer (per tenant in the service): another issuer's code is
    unknown here, costs none of its PIN attempts, and still works at its own issuer."""
    created, code = await served(issuer, pin_length=5)
    elsewhere = "https://badges.example.edu/other-issuer"
    for _ in range(6):
        with pytest.raises(ProtocolError) as caught:
            await handle_token_request(issuer.store, form(code, tx_code=wrong(created.tx_code)),
                                       credential_issuer=elsewhere, now=issuer.clock.now)
        assert caught.value.error == "invalid_grant"
    body = await handle_token_request(issuer.store, form(code, tx_code=created.tx_code),
                                      credential_issuer=BASE, now=issuer.clock.now)
    assert body["access_token"]

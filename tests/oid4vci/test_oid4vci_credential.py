"""The credential endpoint: bearer token, request checks, and every key proof check."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from oid4vci_support import BASE

from protocol_support import json_response
from vcbadges.errors import ProtocolError
from vcbadges.oauth.common import timestamp
from vcbadges.oid4vci import (
    OPEN_BADGE_JWT_VC_JSON,
    OPEN_BADGE_LDP_VC,
    PRE_AUTHORIZED_GRANT,
    accept_offer,
    bearer_token,
    bind_subject,
    build_key_proof,
    create_nonce,
    create_offer,
    handle_credential_request,
    handle_token_request,
    resolve_offer,
    serve_offer,
)
from vcbadges.primitives.jwk import public_key_to_jwk, signing_key_to_jwk
from vcbadges.proofs import _jws


async def access_token(issuer, config=OPEN_BADGE_LDP_VC):
    created = await create_offer(issuer.store, base_url=BASE, award={"n": 1},
                                 configuration_ids=[config.id], now=issuer.clock.now)
    offer = await serve_offer(issuer.store, created.offer_id, now=issuer.clock.now)
    code = offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    body = await handle_token_request(
        issuer.store, {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code},
        credential_issuer=BASE, now=issuer.clock.now)
    return body["access_token"]


async def nonce(issuer):
    return (await create_nonce(issuer.store, now=issuer.clock.now))["c_nonce"]


def proof_jwt(key, *, header=None, claims=None, drop=()):
    head = {"alg": key.jose_alg, "typ": "openid4vci-proof+jwt", "kid": key.verification_method}
    head.update(header or {})
    body = dict(claims or {})
    for name in drop:
        head.pop(name, None)
        body.pop(name, None)
    return _jws.sign_compact(head, body, key)


async def request(issuer, token, proof, config=OPEN_BADGE_LDP_VC, **body):
    payload = {"credential_configuration_id": config.id, "proofs": {"jwt": [proof]}, **body}
    return await handle_credential_request(
        issuer.store, authorization=f"Bearer {token}", body=payload, base_url=BASE,
        issue_fn=issuer.issue_fn, now=issuer.clock.now)


async def refused(issuer, token, proof, **kwargs):
    with pytest.raises(ProtocolError) as caught:
        await request(issuer, token, proof, **kwargs)
    return caught.value.error, caught.value.status


async def test_good_proof_issues_bound_credential(issuer, holder_key, clock):
    token = await access_token(issuer)
    proof = build_key_proof(key=holder_key, audience=BASE, nonce=await nonce(issuer),
                            now=clock.now)
    body = await request(issuer, token, proof)
    credential = body["credentials"][0]["credential"]
    assert set(body) == {"credentials"}
    assert credential["credentialSubject"]["id"] == holder_key.controller


async def test_jwk_header_binds_to_did_jwk(issuer, holder_key, clock):
    token = await access_token(issuer)
    proof = proof_jwt(holder_key, header={"jwk": public_key_to_jwk(holder_key.public_key)},
                      claims={"aud": BASE, "iat": timestamp(clock.now),
                              "nonce": await nonce(issuer)}, drop=("kid",))
    body = await request(issuer, token, proof)
    subject = body["credentials"][0]["credential"]["credentialSubject"]["id"]
    assert subject.startswith("did:jwk:")


async def test_jwt_vc_json_configuration_returns_a_string(issuer, holder_key, clock):
    token = await access_token(issuer, OPEN_BADGE_JWT_VC_JSON)
    proof = build_key_proof(key=holder_key, audience=BASE, nonce=await nonce(issuer),
                            now=clock.now)
    body = await request(issuer, token, proof, config=OPEN_BADGE_JWT_VC_JSON)
    assert isinstance(body["credentials"][0]["credential"], str)


@pytest.mark.parametrize("case", [
    "wrong_aud", "old_iat", "future_iat", "wrong_typ", "no_typ", "someone_elses_key",
    "no_nonce", "kid_and_jwk", "no_key", "private_jwk", "x5c", "alg_not_listed",
    "not_a_jwt", "kid_without_fragment", "unsupported_did_method", "aud_list",
])
async def test_bad_key_proofs_are_invalid_proof(issuer, holder_key, other_key, clock, case):
    token = await access_token(issuer)
    good = {"aud": BASE, "iat": timestamp(clock.now), "nonce": await nonce(issuer)}
    key, header, claims, drop = holder_key, {}, dict(good), ()
    if case == "wrong_aud":
        claims["aud"] = "https://other-issuer.example"
    elif case == "aud_list":
        claims["aud"] = [BASE, "https://other-issuer.example"]
    elif case == "old_iat":
        claims["iat"] = timestamp(clock.now - timedelta(minutes=6))
    elif case == "future_iat":
        claims["iat"] = timestamp(clock.now + timedelta(minutes=2))
    elif case == "wrong_typ":
        header["typ"] = "JWT"
    elif case == "no_typ":
        drop = ("typ",)
    elif case == "someone_elses_key":
        # Signed by another key while naming the holder's: the signature does not verify.
        key, header = other_key, {"kid": holder_key.verification_method}
    elif case == "no_nonce":
        drop = ("nonce",)
    elif case == "kid_and_jwk":
        header["jwk"] = public_key_to_jwk(holder_key.public_key)
    elif case == "no_key":
        drop = ("kid",)
    elif case == "private_jwk":
        header["jwk"] = signing_key_to_jwk(holder_key, private=True)
        drop = ("kid",)
    elif case == "x5c":
        header["x5c"] = ["MIIB"]
    elif case == "alg_not_listed":
        pass
    elif case == "kid_without_fragment":
        header["kid"] = holder_key.controller
    elif case == "unsupported_did_method":
        header["kid"] = "did:web:holder.example#key-1"
    proof = "not.a.jwt" if case == "not_a_jwt" else proof_jwt(
        key, header=header, claims=claims, drop=drop)
    if case == "alg_not_listed":
        restricted = dataclasses.replace(OPEN_BADGE_LDP_VC, proof_signing_algs=("ES256",))
        with pytest.raises(ProtocolError) as caught:
            await handle_credential_request(
                issuer.store, authorization=f"Bearer {token}",
                body={"credential_configuration_id": restricted.id, "proofs": {"jwt": [proof]}},
                base_url=BASE, issue_fn=issuer.issue_fn, configurations=[restricted],
                now=clock.now)
        assert caught.value.error == "invalid_proof"
        return
    assert await refused(issuer, token, proof) == ("invalid_proof", 400)
    # A refused proof does not spend the access token: the wallet may try again.
    retry = build_key_proof(key=holder_key, audience=BASE, nonce=await nonce(issuer),
                            now=clock.now)
    assert (await request(issuer, token, retry))["credentials"]


async def test_replayed_nonce_is_invalid_nonce(issuer, holder_key, clock):
    value = await nonce(issuer)
    first = build_key_proof(key=holder_key, audience=BASE, nonce=value, now=clock.now)
    await request(issuer, await access_token(issuer), first)
    # The same c_nonce in a fresh proof, with a fresh token: refused.
    second = build_key_proof(key=holder_key, audience=BASE, nonce=value, now=clock.now)
    assert await refused(issuer, await access_token(issuer), second) == ("invalid_nonce", 400)


async def test_replayed_proof_is_refused(issuer, holder_key, clock):
    proof = build_key_proof(key=holder_key, audience=BASE, nonce=await nonce(issuer),
                            now=clock.now)
    await request(issuer, await access_token(issuer), proof)
    assert await refused(issuer, await access_token(issuer), proof) == ("invalid_nonce", 400)


async def test_expired_nonce(issuer, holder_key, clock):
    value = await nonce(issuer)
    clock.advance(minutes=5)
    proof = build_key_proof(key=holder_key, audience=BASE, nonce=value, now=clock.now)
    assert await refused(issuer, await access_token(issuer), proof) == ("invalid_nonce", 400)


async def test_unknown_nonce(issuer, holder_key, clock):
    proof = build_key_proof(key=holder_key, audience=BASE, nonce="made-up", now=clock.now)
    assert await refused(issuer, await access_token(issuer), proof) == ("invalid_nonce", 400)


async def test_wallet_retries_once_after_invalid_nonce(issuer, holder_key, clock):
    created = await create_offer(issuer.store, base_url=BASE, award={},
                                 configuration_ids=[OPEN_BADGE_LDP_VC.id], now=clock.now)
    resolved = await resolve_offer(created.uri, fetch=issuer.fetch)
    calls = {"n": 0}
    real_post = issuer.post

    async def post(url, **kwargs):
        # The first nonce handed out is one the issuer does not know.
        if url.endswith("/nonce") and calls["n"] == 0:
            calls["n"] += 1
            return json_response(200, {"c_nonce": "stale"})
        return await real_post(url, **kwargs)

    issued = await accept_offer(resolved, key=holder_key, post=post, now=clock.now)
    assert issued.bound_to(holder_key.controller)


async def test_access_token_is_single_use(issuer, holder_key, clock):
    token = await access_token(issuer)
    await request(issuer, token, build_key_proof(key=holder_key, audience=BASE,
                                                 nonce=await nonce(issuer), now=clock.now))
    again = build_key_proof(key=holder_key, audience=BASE, nonce=await nonce(issuer),
                            now=clock.now)
    assert await refused(issuer, token, again) == ("invalid_token", 401)


async def test_expired_access_token(issuer, holder_key, clock):
    token = await access_token(issuer)
    clock.advance(minutes=10)
    proof = build_key_proof(key=holder_key, audience=BASE, nonce=await nonce(issuer),
                            now=clock.now)
    assert await refused(issuer, token, proof) == ("invalid_token", 401)


@pytest.mark.parametrize("authorization", [None, "", "Basic abc", "Bearer", "Bearer a b"])
def test_bearer_header_parsing(authorization):
    with pytest.raises(ProtocolError) as caught:
        bearer_token(authorization)
    assert (caught.value.error, caught.value.status) == ("invalid_token", 401)
    assert bearer_token("bearer  tok ") == "tok"


async def test_token_for_another_issuer_is_invalid(issuer, holder_key, clock):
    token = await access_token(issuer)
    proof = build_key_proof(key=holder_key, audience=BASE, nonce=await nonce(issuer),
                            now=clock.now)
    with pytest.raises(ProtocolError) as caught:
        await handle_credential_request(
            issuer.store, authorization=f"Bearer {token}",
            body={"credential_configuration_id": OPEN_BADGE_LDP_VC.id,
                  "proofs": {"jwt": [proof]}},
            base_url="https://badges.example.edu/other-tenant", issue_fn=issuer.issue_fn,
            now=clock.now)
    assert caught.value.error == "invalid_token"


@pytest.mark.parametrize("body, expected", [
    ("not json", ("invalid_credential_request", 400)),
    ([], ("invalid_credential_request", 400)),
    ({}, ("invalid_credential_request", 400)),
    ({"credential_identifier": "x"}, ("invalid_credential_request", 400)),
    ({"credential_configuration_id": "nope"}, ("unknown_credential_configuration", 400)),
    ({"credential_configuration_id": OPEN_BADGE_JWT_VC_JSON.id},
     ("insufficient_scope", 403)),
    ({"credential_configuration_id": OPEN_BADGE_LDP_VC.id}, ("invalid_proof", 400)),
    ({"credential_configuration_id": OPEN_BADGE_LDP_VC.id, "proofs": {"di_vp": [{}]}},
     ("invalid_proof", 400)),
    ({"credential_configuration_id": OPEN_BADGE_LDP_VC.id, "proofs": {"jwt": ["a", "b"]}},
     ("invalid_proof", 400)),
    ({"credential_configuration_id": OPEN_BADGE_LDP_VC.id, "proofs": {"jwt": []}},
     ("invalid_proof", 400)),
    ({"credential_configuration_id": OPEN_BADGE_LDP_VC.id, "proofs": {"jwt": ["a"]},
      "proof": {"proof_type": "jwt", "jwt": "a"}}, ("invalid_credential_request", 400)),
    ({"credential_configuration_id": OPEN_BADGE_LDP_VC.id,
      "credential_response_encryption": {}}, ("invalid_encryption_parameters", 400)),
])
async def test_malformed_credential_requests(issuer, body, expected):
    token = await access_token(issuer)
    with pytest.raises(ProtocolError) as caught:
        await handle_credential_request(
            issuer.store, authorization=f"Bearer {token}", body=body, base_url=BASE,
            issue_fn=issuer.issue_fn, now=issuer.clock.now)
    assert (caught.value.error, caught.value.status) == expected


async def test_draft_singular_proof_is_accepted(issuer, holder_key, clock):
    token = await access_token(issuer)
    proof = build_key_proof(key=holder_key, audience=BASE, nonce=await nonce(issuer),
                            now=clock.now)
    body = await handle_credential_request(
        issuer.store, authorization=f"Bearer {token}",
        body={"credential_configuration_id": OPEN_BADGE_LDP_VC.id,
              "proof": {"proof_type": "jwt", "jwt": proof}},
        base_url=BASE, issue_fn=issuer.issue_fn, now=clock.now)
    assert body["credentials"]


def test_bind_subject():
    credential = {"credentialSubject": {"type": "AchievementSubject"}}
    bound = bind_subject(credential, "did:key:z6Mk")
    assert bound["credentialSubject"] == {"type": "AchievementSubject", "id": "did:key:z6Mk"}
    assert "id" not in credential["credentialSubject"]
    with pytest.raises(ValueError):
        bind_subject({"credentialSubject": {"id": "did:key:other"}}, "did:key:z6Mk")
    with pytest.raises(ValueError):
        bind_subject({"credentialSubject": [{}, {}]}, "did:key:z6Mk")


async def test_issue_fn_must_bind_the_holder(issuer, holder_key, clock):
    token = await access_token(issuer)
    proof = build_key_proof(key=holder_key, audience=BASE, nonce=await nonce(issuer),
                            now=clock.now)

    async def careless(subject, configuration, award):
        return {"credentialSubject": {"id": "did:key:z6MkSomeoneElse"}}

    with pytest.raises(ValueError):
        await handle_credential_request(
            issuer.store, authorization=f"Bearer {token}",
            body={"credential_configuration_id": OPEN_BADGE_LDP_VC.id,
                  "proofs": {"jwt": [proof]}},
            base_url=BASE, issue_fn=careless, now=clock.now)


async def test_error_descriptions_stay_within_the_oauth_character_set(issuer):
    token = await access_token(issuer)
    with pytest.raises(ProtocolError) as caught:
        await handle_credential_request(
            issuer.store, authorization=f"Bearer {token}",
            body={"credential_configuration_id": 'x"é\\\n' * 100}, base_url=BASE,
            issue_fn=issuer.issue_fn, now=issuer.clock.now)
    description = caught.value.message
    assert caught.value.error == "unknown_credential_configuration"
    assert len(description) <= 200
    assert all(" " <= c <= "~" and c not in '"\\' for c in description)

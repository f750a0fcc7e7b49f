"""The whole presentation flow: verifier core and wallet core over a fake transport."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from oid4vp_support import ACHIEVEMENT, VERIFIER, FakeVerifier

from vcbadges import issue, present
from vcbadges.credentials.sample import sample_badge
from vcbadges.errors import ProtocolError
from vcbadges.oid4vp import (
    OPEN_BADGE_TYPE,
    VC_TYPE,
    build_vp_token,
    create_request,
    decline,
    load_result,
    open_badge_query,
    resolve_request,
    respond,
    sign_presentation_jwt,
    sign_presentations,
)
from vcbadges.oid4vp.request import unsigned_request_object
from vcbadges.primitives.keys import P256SigningKey


def outcomes(report):
    return {c.id: (c.outcome.value, c.code) for c in report.checks}


async def start(verifier, **kwargs):
    request = await create_request(verifier.store, base_url=verifier.base,
                                   now=verifier.clock.now, **kwargs)
    wallet_request = await resolve_request(request.qr_payload(), fetch=verifier.fetch,
                                           now=verifier.clock.now)
    return request, wallet_request


async def test_ldp_vc_flow(verifier, holder_key, ldp_credential, jwt_credential, clock):
    request, wallet_request = await start(verifier)
    payload = request.qr_payload()
    assert payload.startswith("openid4vp://?client_id=redirect_uri%3Ahttps%3A%2F%2F")
    assert len(payload) < 400
    assert parse_qs(urlsplit(payload).query) == {"client_id": [request.client_id],
                                                 "request_uri": [request.request_uri]}
    assert wallet_request.client_id == f"redirect_uri:{VERIFIER}/response"
    assert wallet_request.nonce == request.nonce and wallet_request.state == request.state
    description = wallet_request.describe()
    assert description["verifier"] == {"client_id": request.client_id,
                                       "prefix": "redirect_uri",
                                       "identifier": VERIFIER + "/response",
                                       "response_uri": VERIFIER + "/response",
                                       "host": "employer.example.com"}
    assert [c["id"] for c in description["credentials"]] == ["openbadge_ldp_vc",
                                                               "openbadge_jwt_vc_json"]
    assert description["credentials"][0]["type_values"] == [[VC_TYPE, OPEN_BADGE_TYPE]]
    matches = wallet_request.match([ldp_credential, jwt_credential, {"not": "a credential"}])
    assert matches == {"openbadge_ldp_vc": [ldp_credential],
                       "openbadge_jwt_vc_json": [jwt_credential]}
    assert wallet_request.can_answer(matches)
    vp_token = await sign_presentations(wallet_request, {"openbadge_ldp_vc": [ldp_credential]},
                                        key=holder_key, now=clock.now)
    vp = vp_token["openbadge_ldp_vc"][0]
    assert vp["proof"]["challenge"] == request.nonce
    assert vp["proof"]["domain"] == request.client_id
    assert await load_result(verifier.store, request.transaction_id, now=clock.now) is None
    assert await respond(wallet_request, vp_token, post=verifier.post) == {}
    result = verifier.results[request.transaction_id]
    assert result.verified, result.to_json()
    # The verifier page reads the same result by its secret transaction id.
    assert await load_result(verifier.store, request.transaction_id,
                             now=clock.now) == result.to_json()
    assert list(result.presentations) == ["openbadge_ldp_vc"]
    report = result.presentations["openbadge_ldp_vc"][0]
    assert outcomes(report) == {"document": ("passed", "ok"),
                                "presentation_proof": ("passed", "ok"),
                                "challenge": ("passed", "ok"), "domain": ("passed", "ok"),
                                "holder": ("passed", "ok")}
    assert result.to_json()["verified"] is True
    assert "transactionId" not in result.to_json()


async def test_jwt_vc_json_flow(verifier, holder_key, jwt_credential, clock):
    request, wallet_request = await start(verifier)
    vp_token = await sign_presentations(
        wallet_request, {"openbadge_jwt_vc_json": [jwt_credential]}, key=holder_key,
        now=clock.now)
    assert isinstance(vp_token["openbadge_jwt_vc_json"][0], str)
    await respond(wallet_request, vp_token, post=verifier.post)
    result = verifier.results[request.transaction_id]
    assert result.verified, result.to_json()
    report = result.presentations["openbadge_jwt_vc_json"][0]
    assert report.holder == holder_key.controller
    assert [c.verified for c in report.credentials] == [True]


async def test_replayed_state_is_refused(verifier, holder_key, ldp_credential, clock):
    request, wallet_request = await start(verifier)
    vp_token = await sign_presentations(wallet_request, {"openbadge_ldp_vc": [ldp_credential]},
                                        key=holder_key, now=clock.now)
    await respond(wallet_request, vp_token, post=verifier.post)
    with pytest.raises(ProtocolError) as caught:
        await respond(wallet_request, vp_token, post=verifier.post)
    assert caught.value.error == "invalid_request"
    # The request object is not handed out again once answered.
    response = await verifier.fetch(request.request_uri, accept="*/*")
    assert response.status == 404


async def test_unknown_and_expired_state(verifier, holder_key, ldp_credential, clock):
    request, wallet_request = await start(verifier)
    vp_token = await sign_presentations(wallet_request, {"openbadge_ldp_vc": [ldp_credential]},
                                        key=holder_key, now=clock.now)
    form = {"vp_token": json.dumps(vp_token), "state": "made-up"}
    assert (await verifier.post(VERIFIER + "/response", form=form)).status == 400
    clock.advance(minutes=10)
    with pytest.raises(ProtocolError):
        await respond(wallet_request, vp_token, post=verifier.post)
    assert request.transaction_id not in verifier.results


async def test_presentation_for_another_verifier_fails(verifier, holder_key, ldp_credential,
                                                       jwt_credential, clock):
    other = FakeVerifier(clock=clock, base="https://other.example.net/verifier")
    theirs, _ = await start(other)
    ours, wallet_request = await start(verifier)
    # Right nonce, but made for the other verifier's client_id.
    vp = await present([ldp_credential], key=holder_key, challenge=ours.nonce,
                       domain=theirs.client_id, now=clock.now)
    form = {"vp_token": json.dumps({"openbadge_ldp_vc": [vp]}), "state": ours.state}
    assert (await verifier.post(VERIFIER + "/response", form=form)).status == 200
    result = verifier.results[ours.transaction_id]
    assert not result.verified
    report = result.presentations["openbadge_ldp_vc"][0]
    assert outcomes(report)["domain"] == ("failed", "domain_mismatch")
    assert outcomes(report)["challenge"] == ("passed", "ok")


async def test_vp_jwt_for_another_verifier_fails(verifier, holder_key, jwt_credential, clock):
    ours, _ = await start(verifier)
    token = sign_presentation_jwt([jwt_credential], key=holder_key, nonce=ours.nonce,
                                  audience="redirect_uri:https://other.example.net/response",
                                  now=clock.now)
    form = {"vp_token": json.dumps({"openbadge_jwt_vc_json": [token]}), "state": ours.state}
    await verifier.post(VERIFIER + "/response", form=form)
    report = verifier.results[ours.transaction_id].presentations["openbadge_jwt_vc_json"][0]
    assert outcomes(report)["domain"] == ("failed", "domain_mismatch")
    assert not verifier.results[ours.transaction_id].verified


async def test_presentation_replayed_into_another_session_fails(verifier, holder_key,
                                                                ldp_credential, clock):
    first, first_wallet = await start(verifier)
    second, _ = await start(verifier)
    vp_token = await sign_presentations(first_wallet, {"openbadge_ldp_vc": [ldp_credential]},
                                        key=holder_key, now=clock.now)
    form = {"vp_token": json.dumps(vp_token), "state": second.state}
    await verifier.post(VERIFIER + "/response", form=form)
    report = verifier.results[second.transaction_id].presentations["openbadge_ldp_vc"][0]
    assert outcomes(report)["challenge"] == ("failed", "challenge_mismatch")


async def test_holder_must_be_the_subject(verifier, other_holder_key, ldp_credential, clock):
    # Someone else presents the holder's credential with their own key.
    request, wallet_request = await start(verifier)
    vp_token = await sign_presentations(wallet_request, {"openbadge_ldp_vc": [ldp_credential]},
                                        key=other_holder_key, now=clock.now)
    await respond(wallet_request, vp_token, post=verifier.post)
    result = verifier.results[request.transaction_id]
    report = result.presentations["openbadge_ldp_vc"][0]
    assert outcomes(report)["holder"] == ("failed", "holder_not_subject")
    assert not result.verified


async def test_declining_posts_access_denied(verifier, clock):
    request, wallet_request = await start(verifier)
    assert await decline(wallet_request, post=verifier.post) == {}
    assert verifier.posted[-1] == {"error": "access_denied", "state": request.state}
    result = verifier.results[request.transaction_id]
    assert result.error == "access_denied" and not result.verified


async def test_credential_not_matching_the_query_is_rejected(verifier, holder_key,
                                                              ldp_credential, clock):
    query = open_badge_query(achievement_id="https://badges.example.edu/achievements/other",
                             formats=["ldp_vc"])
    request, wallet_request = await start(verifier, dcql_query=query)
    assert wallet_request.match([ldp_credential]) == {"openbadge": []}
    assert not wallet_request.can_answer({"openbadge": []})
    # A wallet that ignores the query anyway: the verifier checks for itself.
    vp = await present([ldp_credential], key=holder_key, now=clock.now,
                       **wallet_request.presentation_options())
    await respond(wallet_request, {"openbadge": [vp]}, post=verifier.post)
    result = verifier.results[request.transaction_id]
    assert not result.verified
    assert {p.code for p in result.problems} == {"credential_query_mismatch"}
    assert result.presentations["openbadge"][0].verified


async def test_specific_achievement_and_issuer(verifier, holder_key, issuer_key,
                                               ldp_credential, clock):
    query = open_badge_query(achievement_id=ACHIEVEMENT, issuer=issuer_key.controller,
                             formats=["ldp_vc"])
    request, wallet_request = await start(verifier, dcql_query=query)
    assert wallet_request.match([ldp_credential]) == {"openbadge": [ldp_credential]}
    vp_token = await sign_presentations(wallet_request, {"openbadge": [ldp_credential]},
                                        key=holder_key, now=clock.now)
    await respond(wallet_request, vp_token, post=verifier.post)
    assert verifier.results[request.transaction_id].verified


async def test_bare_credential_and_wrong_shapes(verifier, ldp_credential, jwt_credential,
                                                clock):
    request, _ = await start(verifier)
    token = {"openbadge_ldp_vc": [ldp_credential], "openbadge_jwt_vc_json": [{"x": 1}]}
    form = {"vp_token": json.dumps(token), "state": request.state}
    await verifier.post(VERIFIER + "/response", form=form)
    result = verifier.results[request.transaction_id]
    assert not result.verified
    ldp = result.presentations["openbadge_ldp_vc"][0]
    assert outcomes(ldp)["document"] == ("failed", "not_a_presentation")
    jwt = result.presentations["openbadge_jwt_vc_json"][0]
    assert outcomes(jwt)["document"] == ("failed", "wrong_presentation_format")


async def test_too_many_presentations_and_unknown_ids(verifier, holder_key, ldp_credential,
                                                      clock):
    request, wallet_request = await start(verifier)
    vp = await present([ldp_credential], key=holder_key, now=clock.now,
                       **wallet_request.presentation_options())
    token = {"openbadge_ldp_vc": [vp, vp], "surprise": [vp]}
    await verifier.post(VERIFIER + "/response",
                        form={"vp_token": json.dumps(token), "state": request.state})
    result = verifier.results[request.transaction_id]
    assert {p.code for p in result.problems} == {"too_many_presentations",
                                                 "unknown_credential_query"}
    assert not result.verified


@pytest.mark.parametrize("form", [
    {},
    {"state": "s"},
    {"state": "s", "vp_token": "not json"},
    {"state": "s", "vp_token": "[]"},
    {"state": "s", "vp_token": "{}"},
    {"state": "s", "vp_token": '{"openbadge_ldp_vc": []}'},
    {"state": "s", "vp_token": '{"openbadge_ldp_vc": [1]}'},
])
async def test_malformed_responses_leave_the_request_pending(verifier, form, holder_key,
                                                             ldp_credential, clock):
    request, wallet_request = await start(verifier)
    form = {**form, "state": request.state} if "state" in form else form
    assert (await verifier.post(VERIFIER + "/response", form=form)).status == 400
    vp_token = await sign_presentations(wallet_request, {"openbadge_ldp_vc": [ldp_credential]},
                                        key=holder_key, now=clock.now)
    await respond(wallet_request, vp_token, post=verifier.post)
    assert verifier.results[request.transaction_id].verified


async def test_build_vp_token_checks_what_the_caller_controls(verifier, holder_key,
                                                              ldp_credential, clock):
    _, wallet_request = await start(verifier)
    vp = await present([ldp_credential], key=holder_key, now=clock.now,
                       **wallet_request.presentation_options())
    assert build_vp_token(wallet_request, {"openbadge_ldp_vc": [vp]}) == {
        "openbadge_ldp_vc": [vp]}
    elsewhere = await present([ldp_credential], key=holder_key, now=clock.now,
                              challenge=wallet_request.nonce, domain="redirect_uri:https://x")
    for bad in ({"openbadge_ldp_vc": [elsewhere]}, {"nope": [vp]}, {"openbadge_ldp_vc": []},
                {"openbadge_ldp_vc": [vp, vp]}, {"openbadge_jwt_vc_json": [vp]}, {}):
        with pytest.raises(ValueError):
            build_vp_token(wallet_request, bad)


async def test_request_object_is_an_unsigned_typed_jwt(verifier, clock):
    request = await create_request(verifier.store, base_url=VERIFIER, now=clock.now)
    response = await verifier.fetch(request.request_uri, accept="application/oauth-authz-req+jwt")
    assert response.headers["content-type"] == "application/oauth-authz-req+jwt"
    text = response.body.decode()
    assert text == unsigned_request_object(request.claims())
    header, payload, signature = text.split(".")
    assert signature == ""
    claims = request.claims()
    assert claims["response_type"] == "vp_token"
    assert claims["response_mode"] == "direct_post"
    assert claims["response_uri"] == VERIFIER + "/response"
    assert claims["client_id"] == "redirect_uri:" + VERIFIER + "/response"
    assert claims["aud"] == "https://self-issued.me/v2"
    assert claims["client_metadata"]["vp_formats_supported"]["ldp_vc"]
    assert "redirect_uri" not in claims
    assert len(request.nonce) >= 22 and len(request.state) >= 22


async def test_expired_request_object(verifier, clock):
    request = await create_request(verifier.store, base_url=VERIFIER, now=clock.now)
    clock.advance(minutes=10)
    response = await verifier.fetch(request.request_uri, accept="*/*")
    assert response.status == 404
    assert json.loads(response.body)["error"] == "invalid_request_uri"


async def test_selective_disclosure_answers_only_what_the_query_asks(verifier, holder_key,
                                                                      clock):
    """An ecdsa-sd-2023 badge is presented as a derivation: the issuer's mandatory claims
    plus the claims the DCQL query names, nothing else; the verifier accepts it."""
    issuer = P256SigningKey.from_scalar(bytes(range(40, 72)))
    unsigned = sample_badge(issuer=issuer.controller, subject=holder_key.controller,
                            valid_from=clock.now - timedelta(days=30)).to_json()
    unsigned["credentialSubject"]["name"] = "Ada Lovelace"
    unsigned["credentialSubject"]["identifier"] = [{
        "type": "IdentityObject", "identityHash": "ada@example.org",
        "identityType": "emailAddress", "hashed": False}]
    base = await issue(unsigned, key=issuer, cryptosuite="ecdsa-sd-2023",
                       now=clock.now - timedelta(days=30))
    for asked, shown in ((["credentialSubject", "name"], "name"),
                         (["credentialSubject", "identifier"], "identifier")):
        query = open_badge_query(achievement_id=ACHIEVEMENT, formats=["ldp_vc"])
        query = {"credentials": [{**query["credentials"][0],
                                  "claims": [*query["credentials"][0]["claims"],
                                             {"id": "asked", "path": asked}]}]}
        request, wallet_request = await start(verifier, dcql_query=query)
        assert wallet_request.match([base]) == {"openbadge": [base]}
        vp_token = await sign_presentations(wallet_request, {"openbadge": [base]},
                                            key=holder_key, now=clock.now)
        sent = vp_token["openbadge"][0]["verifiableCredential"][0]
        subject = sent["credentialSubject"]
        assert shown in subject and not ({"name", "identifier"} - {shown}) & set(subject)
        assert subject["achievement"]["id"] == ACHIEVEMENT and "evidence" not in sent
        await respond(wallet_request, vp_token, post=verifier.post)
        result = verifier.results[request.transaction_id]
        assert result.verified, result.to_json()

"""VC-API exchanges and the Learner Credential Wallet's deep link, over real HTTP.

Two scripted wallets follow the published formats, signing with vcbadges's own holder-side
API: the Learner Credential Wallet's credential request (``app/lib/credentialRequest.ts``:
the ``dccrequest://request?issuer&vc_request_url&challenge&auth_type=bearer`` link, a VCDM
1.1 presentation with an Ed25519Signature2020 ``authentication`` proof of the challenge and
no domain, POSTed as the whole body, the credential back as the whole answer), and a VC-API
wallet (VCALM: the interaction URL's ``protocols``, ``{}`` then ``{"verifiablePresentation"}``
to the ``interact`` service). Then what must be refused: another challenge, another domain,
a presentation signed by a key that is not its holder's, a replay, an expired or unknown
exchange, an oversized body, a tampered badge.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import ClientSession
from test_wallet_http import ACHIEVEMENT, issuer_with_template, make_offer
from web_support import Service, bearer, problem_of, running_service

from vcbadges import generate_key, present
from vcbadges.jsonld.loader import StaticLoader
from vcbadges.primitives.keys import SigningKey
from vcbadges.proofs.di import add_proof
from vcbadges.web.keys import CLOCK

VC_V1 = "https://www.w3.org/2018/credentials/v1"
JSON = {"Accept": "application/json"}


async def post(client: ClientSession, url: str, body: Any) -> tuple[int, Any]:
    async with client.post(url, json=body) as response:
        assert response.headers["Cache-Control"] == "no-store"
        return response.status, await response.json(content_type=None)


async def lcw_presentation(key: SigningKey, challenge: str, *, holder: str | None = None,
                           domain: str | None = None) -> dict[str, Any]:
    """What the Learner Credential Wallet signs for a credential request."""
    unsigned = {"@context": [VC_V1], "type": ["VerifiablePresentation"],
                "holder": holder or key.controller}
    return await add_proof(unsigned, key=key, loader=StaticLoader(), suite="ed25519-2020",
                           purpose="authentication", challenge=challenge, domain=domain)


async def lcw_claim(client: ClientSession, deep_link: str, key: SigningKey,
                    **options: Any) -> tuple[int, Any]:
    """The Learner Credential Wallet opening its ``request`` deep link."""
    parts = urlsplit(deep_link)
    assert (parts.scheme, parts.netloc) == ("dccrequest", "request")
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert params["auth_type"] == "bearer" and params["issuer"]
    vp = await lcw_presentation(key, params["challenge"], **options)
    return await post(client, params["vc_request_url"], vp)


async def vcapi_request(client: ClientSession, interaction: str) -> tuple[str, dict[str, Any]]:
    """A VC-API wallet reading the interaction URL and starting the exchange: the URL to
    answer at and the presentation request."""
    async with client.get(interaction, headers=JSON) as response:
        assert response.status == 200
        exchange = (await response.json())["protocols"]["vcapi"]
    status, answer = await post(client, exchange, {})
    assert status == 200, answer
    vpr = answer["verifiablePresentationRequest"]
    return vpr["interact"]["service"][0]["serviceEndpoint"], vpr


async def vcapi_answer(client: ClientSession, interaction: str, key: SigningKey,
                       credentials: list[dict[str, Any]] = (), **overrides: str
                       ) -> tuple[int, Any]:
    url, vpr = await vcapi_request(client, interaction)
    vp = await present(list(credentials), key=key,
                       challenge=overrides.get("challenge", vpr["challenge"]),
                       domain=overrides.get("domain", vpr["domain"]))
    return await post(client, url, {"verifiablePresentation": vp})


async def issue_exchange(service: Service, client: ClientSession, api_key: str,
                         **body: Any) -> dict[str, Any]:
    async with client.post(service.url + "/issuer/exchanges", headers=bearer(api_key),
                           json=body or {"achievement": "explorer"}) as response:
        answer: dict[str, Any] = await response.json()
        assert response.status == 201, answer
    return answer


async def state_of(service: Service, client: ClientSession, api_key: str,
                   exchange_id: str) -> dict[str, Any]:
    async with client.get(f"{service.url}/issuer/exchanges/{exchange_id}",
                          headers=bearer(api_key)) as response:
        assert response.status == 200
        return dict(await response.json())


async def verified(client: ClientSession, service: Service, credential: Any) -> bool:
    async with client.post(service.url + "/verifier/credentials/verify",
                           json={"verifiableCredential": credential}) as response:
        return bool((await response.json())["verified"])


async def test_the_learner_credential_wallet_gets_a_badge_through_its_deep_link(
        service: Service, client: ClientSession):
    tenant, api_key = await issuer_with_template(service, client)
    made = await issue_exchange(service, client, api_key, achievement="explorer",
                                recipientName="Ada Lovelace")
    link = parse_qs(urlsplit(made["lcwDeepLink"]).query)
    assert link["vc_request_url"] == [made["exchangeUrl"]]
    assert link["issuer"] == [tenant.did]
    assert (await state_of(service, client, api_key, made["exchangeId"]))["state"] == "pending"
    learner = generate_key()
    status, credential = await lcw_claim(client, made["lcwDeepLink"], learner)
    assert status == 200, credential
    # The credential itself, as the wallet's request flow expects, issued to its DID.
    assert credential["credentialSubject"]["id"] == learner.controller
    assert credential["issuer"]["id"] == tenant.did
    assert credential["credentialSubject"]["identifier"][0]["identityHash"] == "Ada Lovelace"
    assert await verified(client, service, credential)
    state = await state_of(service, client, api_key, made["exchangeId"])
    assert state == {"id": made["exchangeId"], "state": "delivered",
                     "expiresAt": made["expiresAt"], "credentialId": credential["id"]}
    # The same presentation again: the exchange is used up.
    status, body = await lcw_claim(client, made["lcwDeepLink"], learner)
    assert status == 410 and body["code"] == "exchange_used"
    async with client.get(service.url + made["lcwQrSvg"]) as response:
        assert response.status == 410


async def test_a_vc_api_wallet_gets_a_badge_through_the_interaction_url(
        service: Service, client: ClientSession):
    _, api_key = await issuer_with_template(service, client)
    made = await issue_exchange(service, client, api_key)
    assert made["interactionUrl"] == made["exchangeUrl"] + "/protocols?iuv=1"
    async with client.get(made["interactionUrl"], headers={"Accept": "text/html"}) as response:
        assert response.status == 200 and response.content_type == "text/html"
    for of in ("qrSvg", "lcwQrSvg"):
        async with client.get(service.url + made[of]) as response:
            assert response.status == 200 and response.content_type == "image/svg+xml"
    url, vpr = await vcapi_request(client, made["interactionUrl"])
    assert url == made["exchangeUrl"]
    assert [q["type"] for q in vpr["query"]] == ["DIDAuthentication"]
    assert vpr["domain"] == service.url and len(vpr["challenge"]) >= 16
    # Starting again changes nothing.
    assert (await vcapi_request(client, made["interactionUrl"]))[1] == vpr
    learner = generate_key("P-256")
    vp = await present([], key=learner, challenge=vpr["challenge"], domain=vpr["domain"])
    status, answer = await post(client, url, {"verifiablePresentation": vp})
    assert status == 200, answer
    [credential] = answer["verifiablePresentation"]["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == learner.controller
    assert await verified(client, service, credential)
    # A replay, and the interaction URL, once the exchange is used.
    status, body = await post(client, url, {"verifiablePresentation": vp})
    assert (status, body["code"]) == (410, "exchange_used")
    async with client.get(made["interactionUrl"], headers=JSON) as response:
        await problem_of(response, 410, "exchange-used")


async def test_an_exchange_for_an_openid4vci_offer_delivers_it_once(
        service: Service, client: ClientSession):
    _, api_key = await issuer_with_template(service, client)
    offer = await make_offer(service, client, api_key, recipientName="Grace Hopper",
                             evidence=[{"name": "Capstone"}])
    made = await issue_exchange(service, client, api_key, offerId=offer["offerId"])
    assert made["expiresAt"] == offer["expiresAt"]
    async with client.get(made["interactionUrl"], headers=JSON) as response:
        assert (await response.json())["protocols"]["OID4VCI"] == offer["offerUri"]
    status, credential = await lcw_claim(client, made["lcwDeepLink"], generate_key())
    assert status == 200, credential
    assert credential["evidence"][0]["name"] == "Capstone"
    async with client.get(f"{service.url}/issuer/offers/{offer['offerId']}",
                          headers=bearer(api_key)) as response:
        progress = await response.json()
    assert progress["state"] == "delivered" and progress["credentialId"] == credential["id"]
    offer_url = parse_qs(urlsplit(offer["offerUri"]).query)["credential_offer_uri"][0]
    async with client.get(offer_url) as response:
        assert response.status == 404  # the offer's QR code no longer works
    # An offer with a PIN, or one a wallet opened, gets no exchange.
    with_pin = await make_offer(service, client, api_key, pin=True)
    async with client.post(service.url + "/issuer/exchanges", headers=bearer(api_key),
                           json={"offerId": with_pin["offerId"]}) as response:
        await problem_of(response, 409, "offer-has-pin")
    async with client.post(service.url + "/issuer/exchanges", headers=bearer(api_key),
                           json={"offerId": offer["offerId"]}) as response:
        await problem_of(response, 409, "offer-not-pending")


async def test_an_offer_opened_by_an_openid4vci_wallet_is_not_delivered_again(
        service: Service, client: ClientSession):
    _, api_key = await issuer_with_template(service, client)
    offer = await make_offer(service, client, api_key)
    made = await issue_exchange(service, client, api_key, offerId=offer["offerId"])
    offer_url = parse_qs(urlsplit(offer["offerUri"]).query)["credential_offer_uri"][0]
    async with client.get(offer_url) as response:
        assert response.status == 200
    status, body = await lcw_claim(client, made["lcwDeepLink"], generate_key())
    assert status == 409 and body["code"] == "offer_taken"


async def test_what_an_issue_exchange_refuses(service: Service, client: ClientSession):
    _, api_key = await issuer_with_template(service, client)
    made = await issue_exchange(service, client, api_key)
    url, vpr = await vcapi_request(client, made["interactionUrl"])
    learner, other = generate_key(), generate_key()

    async def refused(vp: Any, status: int, code: str) -> dict[str, Any]:
        got, body = await post(client, url, vp)
        assert (got, body.get("code")) == (status, code), body
        return dict(body)

    def wrap(vp: dict[str, Any]) -> dict[str, Any]:
        return {"verifiablePresentation": vp}

    # Another challenge, another domain, a holder that did not sign it.
    body = await refused(wrap(await present([], key=learner, challenge="other",
                                            domain=vpr["domain"])),
                         400, "presentation_not_verified")
    assert {c["id"]: c["outcome"] for c in body["report"]["checks"]}["challenge"] == "failed"
    await refused(wrap(await present([], key=learner, challenge=vpr["challenge"],
                                     domain="https://elsewhere.example")),
                  400, "presentation_not_verified")
    forged = await add_proof(
        {"@context": ["https://www.w3.org/ns/credentials/v2"],
         "type": ["VerifiablePresentation"], "holder": learner.controller},
        key=other, loader=StaticLoader(), purpose="authentication",
        challenge=vpr["challenge"], domain=vpr["domain"])
    body = await refused(wrap(forged), 400, "presentation_not_verified")
    assert {c["id"]: c["code"] for c in body["report"]["checks"]}["holder"] == "holder_mismatch"
    # The Learner Credential Wallet's bare form: a domain, when stated, must be this one.
    await refused(await lcw_presentation(learner, vpr["challenge"],
                                         domain="https://elsewhere.example"),
                  400, "presentation_not_verified")
    # Tampered after signing.
    good = await present([], key=learner, challenge=vpr["challenge"], domain=vpr["domain"])
    tampered = copy.deepcopy(good)
    tampered["holder"] = other.controller
    await refused(wrap(tampered), 400, "presentation_not_verified")
    await refused({"verifiablePresentation": [good]}, 400, "invalid_message")
    await refused({"surprise": 1}, 400, "invalid_message")
    async with client.post(url, data=b"{" + b" " * (70 * 1024) + b"}",
                           headers={"Content-Type": "application/json"}) as response:
        await problem_of(response, 413, "body-too-large")
    # None of that used the exchange up: the right presentation still gets the badge.
    assert (await state_of(service, client, api_key, made["exchangeId"]))["state"] == "pending"
    status, _ = await post(client, url, wrap(good))
    assert status == 200
    await refused(wrap(good), 410, "exchange_used")


async def test_unknown_and_expired_exchanges(service: Service, client: ClientSession):
    _, api_key = await issuer_with_template(service, client)
    made = await issue_exchange(service, client, api_key)
    for path in ("/exchanges/nosuchexchange", "/exchanges/nosuchexchange/protocols?iuv=1"):
        async with client.request("POST" if "protocols" not in path else "GET",
                                  service.url + path, json={}, headers=JSON) as response:
            body = await problem_of(response, 404, "exchange-not-found")
            assert body["code"] == "exchange_not_found"
    url, vpr = await vcapi_request(client, made["interactionUrl"])
    vp = await present([], key=generate_key(), challenge=vpr["challenge"],
                       domain=vpr["domain"])
    service.app[CLOCK].advance(timedelta(minutes=16))
    try:
        status, body = await post(client, url, {"verifiablePresentation": vp})
        assert (status, body["code"]) == (410, "exchange_expired")
        assert (await state_of(service, client, api_key, made["exchangeId"]))["state"] == \
            "expired"
    finally:
        service.app[CLOCK].advance(timedelta(minutes=-16))


async def test_the_console_api_needs_the_tenant_and_its_templates(
        service: Service, client: ClientSession):
    _, api_key = await issuer_with_template(service, client)
    _, other_key = await issuer_with_template(service, client, "globex")
    url = service.url + "/issuer/exchanges"
    async with client.post(url, json={"achievement": "explorer"}) as response:
        await problem_of(response, 401, "unauthorized")
    for body, status, kind in [({"achievement": "nope"}, 400, "unknown-achievement"),
                               ({"achievement": "explorer", "recipientName": ""}, 400,
                                "invalid-request"),
                               ({"achievement": "explorer", "pin": True}, 400,
                                "invalid-request"),
                               ({"offerId": "nope"}, 404, "not-found"),
                               ({"offerId": "x", "achievement": "explorer"}, 400,
                                "invalid-request")]:
        async with client.post(url, json=body, headers=bearer(api_key)) as response:
            await problem_of(response, status, kind)
    made = await issue_exchange(service, client, api_key)
    async with client.get(f"{url}/{made['exchangeId']}", headers=bearer(other_key)) as response:
        await problem_of(response, 404, "not-found")
    offer = await make_offer(service, client, api_key)
    async with client.post(url, json={"offerId": offer["offerId"]},
                           headers=bearer(other_key)) as response:
        await problem_of(response, 404, "not-found")


async def _badge_for(service: Service, client: ClientSession, api_key: str,
                     key: SigningKey) -> dict[str, Any]:
    made = await issue_exchange(service, client, api_key)
    status, answer = await vcapi_answer(client, made["interactionUrl"], key)
    assert status == 200, answer
    return dict(answer["verifiablePresentation"]["verifiableCredential"][0])


async def verify_exchange(service: Service, client: ClientSession,
                          **body: Any) -> dict[str, Any]:
    async with client.post(service.url + "/verifier/exchanges", json=body) as response:
        answer: dict[str, Any] = await response.json()
        assert response.status == 201, answer
    return answer


async def result_of(service: Service, client: ClientSession, made: dict[str, Any]) -> Any:
    async with client.get(f"{service.url}/verifier/exchanges/results/"
                          f"{made['transactionId']}") as response:
        return await response.json()


async def test_a_verifier_gets_a_badge_presented_through_an_exchange(
        service: Service, client: ClientSession):
    tenant, api_key = await issuer_with_template(service, client)
    learner = generate_key()
    badge = await _badge_for(service, client, api_key, learner)
    achievement = badge["credentialSubject"]["achievement"]["id"]
    made = await verify_exchange(service, client, achievement=achievement, issuer=tenant.did)
    assert await result_of(service, client, made) == {"status": "pending"}
    url, vpr = await vcapi_request(client, made["interactionUrl"])
    types = [q["type"] for q in vpr["query"]]
    assert types == ["DIDAuthentication", "QueryByExample"]
    query = vpr["query"][1]["credentialQuery"]
    assert query["example"]["credentialSubject"]["achievement"]["id"] == achievement
    assert query["acceptedIssuers"] == [tenant.did]
    vp = await present([badge], key=learner, challenge=vpr["challenge"], domain=vpr["domain"])
    status, answer = await post(client, url, {"verifiablePresentation": vp})
    assert (status, answer) == (200, {})
    done = await result_of(service, client, made)
    assert done["status"] == "done" and done["result"]["verified"] is True
    [report] = done["result"]["presentation"]["credentials"]
    assert report["verified"] and report["display"]["achievement"] == "Open Badges Explorer"
    status, body = await post(client, url, {"verifiablePresentation": vp})
    assert (status, body["code"]) == (410, "exchange_used")


async def test_a_verify_exchange_records_what_fails(service: Service, client: ClientSession):
    _, api_key = await issuer_with_template(service, client)
    learner = generate_key()
    badge = await _badge_for(service, client, api_key, learner)
    # A tampered badge: refused, and the verifier page sees why.
    made = await verify_exchange(service, client)
    tampered = copy.deepcopy(badge)
    tampered["credentialSubject"]["achievement"]["name"] = "Rocket Scientist"
    status, body = await vcapi_answer(client, made["interactionUrl"], learner, [tampered])
    assert (status, body["code"]) == (400, "presentation_not_verified")
    result = (await result_of(service, client, made))["result"]
    assert result["verified"] is False
    [report] = result["presentation"]["credentials"]
    assert not report["verified"] and "display" not in report
    # Another holder's badge: the holder is not its subject.
    made = await verify_exchange(service, client)
    status, body = await vcapi_answer(client, made["interactionUrl"], generate_key(), [badge])
    assert (status, body["code"]) == (400, "presentation_not_verified")
    # Only a DID Authentication, or a badge of another achievement: not what was asked for.
    made = await verify_exchange(service, client)
    status, body = await vcapi_answer(client, made["interactionUrl"], learner)
    assert (status, body["code"]) == (400, "credential_query_not_satisfied")
    assert (await result_of(service, client, made))["result"]["verified"] is False
    made = await verify_exchange(service, client, achievement="https://example.org/other")
    status, body = await vcapi_answer(client, made["interactionUrl"], learner, [badge])
    assert (status, body["code"]) == (400, "credential_query_not_satisfied")
    async with client.post(service.url + "/verifier/exchanges",
                           json={"achievement": "not an iri"}) as response:
        await problem_of(response, 400, "invalid-request")


async def test_an_exchange_issued_badge_has_its_templates_status_purposes(
        service: Service, client: ClientSession):
    tenant, api_key = await service.tenant("bothlists")
    async with client.post(service.url + "/issuer/achievements", headers=bearer(api_key),
                           json={"slug": "explorer", "achievement": ACHIEVEMENT,
                                 "statusPurposes": ["revocation", "suspension"]}) as response:
        assert response.status == 201, await response.text()
    learner = generate_key()
    badge = await _badge_for(service, client, api_key, learner)
    entries = badge["credentialStatus"]
    assert sorted(e["statusPurpose"] for e in entries) == ["revocation", "suspension"]
    assert await verified(client, service, badge)
    # Both lists are the tenant's, and a suspension shows at the next verification.
    async with client.post(service.url + "/issuer/credentials/status", headers=bearer(api_key),
                           json={"credentialId": badge["id"], "credentialStatus": [
                               {"type": "BitstringStatusListCredential",
                                "status": "suspended"}]}) as response:
        assert response.status == 200, await response.text()
    assert not await verified(client, service, badge)
    # A template with the default purposes: revocation only.
    _, other_key = await issuer_with_template(service, client, "onelist")
    plain = await _badge_for(service, client, other_key, learner)
    assert plain["credentialStatus"]["statusPurpose"] == "revocation"


async def test_exchange_verification_that_does_not_run_in_time(tmp_path: Path,
                                                               client: ClientSession):
    """A deadline no verification in a worker can meet: a DID Authentication is answered
    422 and its exchange stays open; a verify exchange, used up, records a failed result
    that says why."""
    async with running_service(tmp_path, verify_timeout=0.001) as service:
        _, api_key = await issuer_with_template(service, client)
        made = await issue_exchange(service, client, api_key)
        status, body = await vcapi_answer(client, made["interactionUrl"], generate_key())
        assert (status, body["type"].rsplit("/", 1)[-1]) == (422, "verification-too-costly")
        assert (await state_of(service, client, api_key, made["exchangeId"]))["state"] \
            == "pending"

        made = await verify_exchange(service, client)
        status, body = await vcapi_answer(client, made["interactionUrl"], generate_key())
        assert (status, body["code"]) == (400, "verification_too_costly"), body
        done = await result_of(service, client, made)
        assert done["status"] == "done"
        result = done["result"]
        assert result["verified"] is False and result["presentation"] is None
        (problem,) = result["problems"]
        assert problem["code"] == "verification_too_costly" and "0.001 s" in problem["message"]
        async with client.get(made["interactionUrl"], headers=JSON) as response:
            assert response.status == 410  # Used up by the presentation.

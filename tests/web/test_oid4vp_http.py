"""OpenID4VP over real HTTP: the employer page's requests, the request object, the
``direct_post`` Response URI and the results, and what must fail: a replayed ``state``, a
presentation made for another verifier or another request, a wallet asked to post to plain
http, an expired request.

Presentations are made here with the library's ``present`` by a holder key of the test's
own (the wallet's happy path is in test_wallet_http.py), and posted over HTTP. What the
employer's page shows of a badge comes only from a response that was verified, and from the
credential that was checked.

Every test runs twice: with the service's verification workers (the default) and with
verification in the serving process (``verify_workers=0``); results and displays are the same.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import ClientSession
from test_oid4vci_http import LOCAL
from test_wallet_http import Wallet, browser, check, make_request, result_of
from web_support import Service, badge, issue, problem_of, running_service
from yarl import URL

from storage.dbtesting import database_bytes
from vcbadges import generate_key, present
from vcbadges.jsonld.loader import StaticLoader
from vcbadges.net.fetcher import FetchPolicy, SafeFetcher
from vcbadges.oid4vp import PresentationRequest, open_badge_query, resolve_request
from vcbadges.primitives.keys import SigningKey
from vcbadges.proofs.di import add_proof
from vcbadges.web.keys import CLOCK

OTHER_VERIFIER = "redirect_uri:https://other-verifier.example/response"
FORGED_NAME = "Doctor of Medicine"
FORGED_ISSUER = "Harvard Medical School"


@pytest.fixture(params=["in workers", "in process"])
async def service(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Service]:
    changes = {"verify_workers": 0} if request.param == "in process" else {}
    async with running_service(tmp_path, **changes) as running:
        yield running


@pytest.fixture
async def fetcher() -> AsyncIterator[SafeFetcher]:
    policy = FetchPolicy(allow_http_hosts=LOCAL,
                         allow_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    async with SafeFetcher(policy) as opened:
        yield opened


async def holder_with_badge(service: Service, client: ClientSession, **options: str
                            ) -> tuple[SigningKey, dict[str, Any]]:
    """A holder and a badge issued to it by the tenant ``acme``; ``options`` are the issue
    options (``format``)."""
    tenant, api_key = await service.tenant("acme")
    holder = generate_key("Ed25519")
    answer = await issue(client, service, api_key,
                         {"credential": badge(tenant.did, holder.controller), "options": options})
    return holder, answer["verifiableCredential"]


def forged_from(credential: dict[str, Any]) -> dict[str, Any]:
    """``credential`` claiming to be a medical degree: its proof no longer matches."""
    subject = credential["credentialSubject"]
    return {**credential, "name": FORGED_NAME,
            "issuer": {**credential["issuer"], "name": FORGED_ISSUER},
            "credentialSubject": {**subject, "achievement": {
                **subject["achievement"], "name": FORGED_NAME}}}


async def post_response(client: ClientSession, found: PresentationRequest,
                        form: dict[str, str]) -> tuple[int, Any]:
    async with client.post(found.response_uri, data=form) as response:
        assert response.headers["Cache-Control"] == "no-store"
        return response.status, await response.json()


async def vp_form(found: PresentationRequest, holder: SigningKey, credential: dict[str, Any],
                  **binding: str) -> dict[str, str]:
    options = {**found.presentation_options(), **binding}
    vp = await present([credential], key=holder, **options)
    query_id = found.dcql_query["credentials"][0]["id"]
    assert found.state is not None
    return {"vp_token": json.dumps({query_id: [vp]}), "state": found.state}


async def test_request_object_and_qr(service: Service, client: ClientSession,
                                     fetcher: SafeFetcher):
    request = await make_request(service, client)
    assert set(request) == {"transactionId", "requestId", "clientId", "qrPayload", "qrSvg",
                            "expiresAt"}
    async with client.get(service.url + request["qrSvg"]) as response:
        assert (response.status, response.content_type) == (200, "image/svg+xml")
    url = f"{service.url}/verifier/oid4vp/requests/{request['requestId']}"
    async with client.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/oauth-authz-req+jwt"
        assert response.headers["Cache-Control"] == "no-store"
    found = await resolve_request(request["qrPayload"], fetch=fetcher.get,
                                  allow_http_hosts=LOCAL)
    response_uri = f"{service.url}/verifier/oid4vp/response"
    assert (found.response_uri, found.client_id) == (response_uri,
                                                     "redirect_uri:" + response_uri)
    assert found.dcql_query == open_badge_query()
    # The page's secret is in neither the QR code nor the request object.
    async with client.get(url) as response:
        assert request["transactionId"] not in await response.text()
    assert request["transactionId"] not in request["qrPayload"]

    async with client.get(f"{service.url}/verifier/oid4vp/requests/unknown") as response:
        assert response.status == 404
        assert (await response.json())["error"] == "invalid_request_uri"
    for body in ({"achievement": "not an iri"}, {"issuer": 7}, {"nonsense": 1}):
        async with client.post(service.url + "/verifier/requests", json=body) as response:
            await problem_of(response, 400, "invalid-request")
    async with client.post(service.url + "/verifier/requests") as response:
        assert response.status == 201  # No body: any Open Badge.


async def test_a_state_answers_once(service: Service, client: ClientSession,
                                    fetcher: SafeFetcher):
    holder, credential = await holder_with_badge(service, client)
    request = await make_request(service, client)
    found = await resolve_request(request["qrPayload"], fetch=fetcher.get,
                                  allow_http_hosts=LOCAL)
    form = await vp_form(found, holder, credential)
    assert await post_response(client, found, form) == (200, {})
    done = await result_of(service, client, request)
    assert done["result"]["verified"] is True, done
    # The same response again, or another one for the same state: refused.
    status, body = await post_response(client, found, form)
    assert (status, body["error"]) == (400, "invalid_request")
    status, body = await post_response(client, found, {"state": found.state or "",
                                                       "error": "access_denied"})
    assert (status, body["error"]) == (400, "invalid_request")
    # Answered requests are not handed out again.
    async with client.get(f"{service.url}/verifier/oid4vp/requests/"
                          f"{request['requestId']}") as response:
        assert response.status == 404
    assert (await result_of(service, client, request))["result"]["verified"] is True


@pytest.mark.parametrize("binding, failed", [
    pytest.param({"domain": OTHER_VERIFIER}, "domain", id="another-verifier"),
    pytest.param({"challenge": "another-requests-nonce"}, "challenge", id="another-request"),
])
async def test_a_presentation_made_for_someone_else_fails(
    service: Service, client: ClientSession, fetcher: SafeFetcher, binding: dict[str, str],
    failed: str,
):
    holder, credential = await holder_with_badge(service, client)
    request = await make_request(service, client)
    found = await resolve_request(request["qrPayload"], fetch=fetcher.get,
                                  allow_http_hosts=LOCAL)
    form = await vp_form(found, holder, credential, **binding)
    # Received (the spec wants 200 once processed), but not verified.
    assert await post_response(client, found, form) == (200, {})
    result = (await result_of(service, client, request))["result"]
    assert result["verified"] is False
    (presentation,) = next(iter(result["presentations"].values()))
    assert check(presentation, failed)[0] == "failed"
    assert "transactionId" not in result


async def test_a_malformed_response_leaves_the_request_pending(service: Service,
                                                               client: ClientSession,
                                                               fetcher: SafeFetcher):
    request = await make_request(service, client)
    found = await resolve_request(request["qrPayload"], fetch=fetcher.get,
                                  allow_http_hosts=LOCAL)
    for form in ({"vp_token": "{}"}, {"state": found.state or "", "vp_token": "not json"},
                 {"state": found.state or "", "vp_token": "{}"}, {"state": found.state or ""}):
        status, body = await post_response(client, found, form)
        assert (status, body["error"]) == (400, "invalid_request"), form
    async with client.post(found.response_uri, json={"state": found.state}) as response:
        assert response.status == 400
    assert await result_of(service, client, request) == {"status": "pending"}


async def test_the_wallet_refuses_to_post_to_plain_http(service: Service):
    response_uri = "http://verifier.example/response"
    uri = "openid4vp://?" + urlencode({
        "client_id": "redirect_uri:" + response_uri, "response_type": "vp_token",
        "response_mode": "direct_post", "response_uri": response_uri,
        "nonce": "n-0S6_WzA2Mj", "state": "s-8a9b", "dcql_query": json.dumps(open_badge_query())})
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("ida")
        response, body = await wallet.call("POST", "/scan", json_body={"uri": uri})
        await problem_of(response, 422, "exchange-failed")
        assert body["error"] == "invalid_request"
        assert "https" in body["detail"]
        # The same request over https would be read (and could be answered).
        https_uri = uri.replace("http%3A", "https%3A")
        asked = await wallet.scan(https_uri)
        assert asked["verifier"]["responseUri"] == "https://verifier.example/response"


async def test_an_expired_request_is_gone(service: Service, client: ClientSession):
    request = await make_request(service, client)
    service.app[CLOCK].advance(timedelta(minutes=11))
    async with client.get(f"{service.url}/verifier/oid4vp/requests/"
                          f"{request['requestId']}") as response:
        assert response.status == 404
    async with client.get(service.url + request["qrSvg"]) as response:
        await problem_of(response, 404, "not-found")
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("otto")
        response, body = await wallet.call("POST", "/scan", json_body={
            "uri": request["qrPayload"]})
        await problem_of(response, 422, "exchange-failed")


async def test_unknown_transaction_ids_stay_pending(service: Service, client: ClientSession):
    async with client.get(service.url + "/verifier/results/unknown") as response:
        assert await response.json() == {"status": "pending"}


async def test_nul_characters_name_nothing(service: Service, client: ClientSession,
                                           fetcher: SafeFetcher):
    """PostgreSQL cannot store NUL: ids and states holding one are simply unknown, and a
    presentation quoting one is stored with U+FFFD instead (never a server error)."""
    for method, path, status in [
        ("GET", "/verifier/oid4vp/requests/%00", 404),
        ("GET", "/verifier/requests/%00/qr.svg", 404),
        ("POST", "/oid4vci/%00/nonce", 404), ("GET", "/issuer/offers/a%00/qr.svg", 404),
        ("GET", "/.well-known/openid-credential-issuer/oid4vci/%00", 404),
        ("GET", "/verifier/results/%00", 200),
    ]:
        async with client.request(method, URL(service.url + path, encoded=True)) as response:
            assert response.status == status, path
    request = await make_request(service, client)
    found = await resolve_request(request["qrPayload"], fetch=fetcher.get,
                                  allow_http_hosts=LOCAL)
    status, _ = await post_response(client, found, {"state": "a\x00b", "vp_token": "{}"})
    assert status == 400
    vp = {"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:x:\x00",
          "type": ["VerifiablePresentation"], "verifiableCredential": [{"name": "a\x00b"}]}
    form = {"state": found.state or "", "vp_token": json.dumps({"openbadge_ldp_vc": [vp]})}
    assert await post_response(client, found, form) == (200, {})
    done = await result_of(service, client, request)
    assert done["result"]["verified"] is False
    assert "\x00" not in json.dumps(done, ensure_ascii=False)


async def test_no_display_for_a_badge_its_named_issuer_did_not_sign(
        service: Service, client: ClientSession, fetcher: SafeFetcher):
    """A revoked badge still shows what it is (its signature verified); one signed by a key
    that is not its named issuer's shows nothing of what it claims."""
    tenant, _ = await service.tenant("acme", display_name="ACME Academy")
    forger = generate_key("Ed25519")
    claimed = badge(tenant.did, forger.controller)
    claimed["issuer"] = {"id": tenant.did, "type": ["Profile"], "name": "ACME Academy"}
    claimed["id"] = "urn:uuid:00000000-0000-4000-8000-00000000f0f0"
    claimed["validFrom"] = "2026-01-01T00:00:00Z"
    # issue() refuses to sign for another issuer: a proof is added by hand.
    forged = await add_proof(claimed, key=forger, loader=StaticLoader())
    request = await make_request(service, client)
    found = await resolve_request(request["qrPayload"], fetch=fetcher.get,
                                  allow_http_hosts=LOCAL)
    assert await post_response(client, found, await vp_form(found, forger, forged)) == (200, {})
    done = await result_of(service, client, request)
    assert done["result"]["verified"] is False
    (presentation,) = done["result"]["presentations"]["openbadge_ldp_vc"]
    (report,) = presentation["credentials"]
    assert check(report, "proof")[0] == "passed"
    assert check(report, "issuer") == ("failed", "issuer_mismatch")
    assert "display" not in report


async def post_repeating(client: ClientSession, found: PresentationRequest,
                         form: dict[str, str], repeated: str) -> tuple[int, Any]:
    """``form`` with the parameter ``repeated`` sent twice (RFC 6749 §3.1 forbids it)."""
    pairs = [*form.items(), (repeated, form[repeated])]
    async with client.post(found.response_uri, data=pairs) as response:
        return response.status, await response.json()


@pytest.mark.parametrize("repeated", ["vp_token", "state"])
async def test_a_response_with_a_repeated_parameter_stores_nothing(
        service: Service, client: ClientSession, fetcher: SafeFetcher, repeated: str):
    holder, credential = await holder_with_badge(service, client)
    request = await make_request(service, client)
    found = await resolve_request(request["qrPayload"], fetch=fetcher.get,
                                  allow_http_hosts=LOCAL)
    form = await vp_form(found, holder, forged_from(credential))
    status, body = await post_repeating(client, found, form, repeated)
    assert (status, body["error"]) == (400, "invalid_request")
    assert FORGED_NAME.encode() not in await database_bytes(service.db)
    assert await result_of(service, client, request) == {"status": "pending"}


async def test_a_refused_forgery_does_not_dress_the_genuine_badge(
        service: Service, client: ClientSession, fetcher: SafeFetcher):
    """A refused response, then the genuine one: the page shows the genuine badge under its
    verdict, and nothing of the forgery."""
    holder, credential = await holder_with_badge(service, client)
    request = await make_request(service, client)
    found = await resolve_request(request["qrPayload"], fetch=fetcher.get,
                                  allow_http_hosts=LOCAL)
    forged = await vp_form(found, holder, forged_from(credential))
    status, _ = await post_repeating(client, found, forged, "vp_token")
    assert status == 400
    assert await post_response(client, found, await vp_form(found, holder, credential)) == (
        200, {})
    result = (await result_of(service, client, request))["result"]
    assert result["verified"] is True, result
    (presentation,) = result["presentations"]["openbadge_ldp_vc"]
    (report,) = presentation["credentials"]
    assert report["display"]["name"] == credential["name"]
    assert report["display"]["issuerName"] == credential["issuer"]["name"]
    shown = json.dumps(result)
    assert FORGED_NAME not in shown and FORGED_ISSUER not in shown


async def test_an_envelope_shows_the_credential_its_jwt_carries(
        service: Service, client: ClientSession, fetcher: SafeFetcher):
    """The members of an ``EnvelopedVerifiableCredential`` beside its JWT are nobody's
    signed word: the page shows the credential inside the verified JWT."""
    holder, envelope = await holder_with_badge(service, client, format="vc+jwt")
    assert envelope["type"] == "EnvelopedVerifiableCredential"
    dressed = {**envelope, "name": FORGED_NAME, "description": FORGED_ISSUER}
    request = await make_request(service, client)
    found = await resolve_request(request["qrPayload"], fetch=fetcher.get,
                                  allow_http_hosts=LOCAL)
    assert await post_response(client, found, await vp_form(found, holder, dressed)) == (
        200, {})
    result = (await result_of(service, client, request))["result"]
    (presentation,) = result["presentations"]["openbadge_ldp_vc"]
    (report,) = presentation["credentials"]
    assert check(report, "proof")[0] == "passed"
    assert report["display"]["name"] == "Data Literacy 101"
    assert report["display"]["issuer"] == report["credential"]["issuer"]
    assert FORGED_NAME not in json.dumps(report) and FORGED_ISSUER not in json.dumps(report)


async def test_signed_requests_by_prefix(service: Service, client: ClientSession,
                                         fetcher: SafeFetcher):
    tenant, api_key = await service.tenant("acme")
    url = service.url + "/verifier/requests"
    # decentralized_identifier signs as the calling tenant: its API key is needed.
    async with client.post(url, json={"clientIdPrefix": "decentralized_identifier"}) as response:
        await problem_of(response, 401, "unauthorized")
    async with client.post(url, json={"clientIdPrefix": "decentralized_identifier"},
                           headers={"Authorization": f"Bearer {api_key}"}) as response:
        assert response.status == 201
        made = await response.json()
    assert made["clientId"] == "decentralized_identifier:" + tenant.did
    found = await resolve_request(made["qrPayload"], fetch=fetcher.get, allow_http_hosts=LOCAL)
    assert found.describe()["verifier"]["identifier"] == tenant.did
    # No certificate configured: no x509_san_dns.
    async with client.post(url, json={"clientIdPrefix": "x509_san_dns"}) as response:
        await problem_of(response, 400, "x509-not-configured")
    for body in ({"clientIdPrefix": "did"}, {"clientIdPrefix": ["redirect_uri"]},
                 {"byValue": "yes"}):
        async with client.post(url, json=body) as response:
            await problem_of(response, 400, "invalid-request")
    # By value: the request object is in the link, unless that is too long.
    async with client.post(url, json={"byValue": True}) as response:
        assert response.status == 201
        by_value = await response.json()
    assert "request=" in by_value["qrPayload"] and "request_uri=" not in by_value["qrPayload"]
    found = await resolve_request(by_value["qrPayload"], fetch=fetcher.get,
                                  allow_http_hosts=LOCAL)
    assert found.client_id == by_value["clientId"]
    long_iri = "https://badges.example/" + "a" * 900
    async with client.post(url, json={"byValue": True, "achievement": long_iri,
                                      "issuer": long_iri}) as response:
        await problem_of(response, 400, "request-too-large")


@pytest.mark.parametrize("workers", [None, 0], ids=["in workers", "in process"])
async def test_a_response_is_verified_in_a_worker_under_its_deadline(
        tmp_path: Path, client: ClientSession, fetcher: SafeFetcher, workers: int | None):
    """A deadline no verification can meet: only a worker is held to it, so a response
    verified in one is processed (200, the request used up) and its result says the
    verification did not run; in the serving process there is no deadline."""
    changes: dict[str, Any] = {"verify_timeout": 0.001}
    if workers is not None:
        changes["verify_workers"] = workers
    async with running_service(tmp_path, **changes) as service:
        holder, credential = await holder_with_badge(service, client)
        request = await make_request(service, client)
        found = await resolve_request(request["qrPayload"], fetch=fetcher.get,
                                      allow_http_hosts=LOCAL)
        form = await vp_form(found, holder, credential)
        assert await post_response(client, found, form) == (200, {})
        done = await result_of(service, client, request)
    result = done["result"]
    if workers == 0:
        assert result["verified"] is True, result
        return
    assert result["verified"] is False
    assert result["presentations"] == {}
    (problem,) = result["problems"]
    assert problem["code"] == "verification_too_costly", problem
    assert "0.001 s" in problem["message"]

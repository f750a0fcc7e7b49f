"""People, not identifiers, over real HTTP: an award names its recipient in the badge (and
passes the official Open Badges 3.0 JSON Schema), the issuer API lists whom each badge went
to (the e-mail address only from its sealed record, never in clear in the badge or the
database), the employer page and the wallet show the name the verified badge gives its
subject, and the verifier's catalog names the service's issuers and achievements with ids a
presentation request takes."""

from __future__ import annotations

import asyncio
import ipaddress
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientSession
from test_wallet_http import Wallet, browser, make_offer, make_request, result_of
from web_support import LEARNER, MASTER_KEY, Service, badge, bearer, issue, problem_of

from shared_data import SHARED, need_shared
from storage.dbtesting import database_bytes
from vcbadges import generate_key, present, verify
from vcbadges.issuer import MasterKeyStore
from vcbadges.issuer.hosting import DEMO_DISPLAY_NAME, create_demo_tenant
from vcbadges.issuer.tenants import tenant_by_name
from vcbadges.net.fetcher import FetchPolicy, SafeFetcher
from vcbadges.oid4vp import open_badge_query, resolve_request
from vcbadges.storage.models import Tenant

LOCAL = frozenset({"127.0.0.1"})
EMAIL = "ada.lovelace@example.org"
NAME = "Ada Lovelace"
ACHIEVEMENT = {"name": "Lab Safety", "description": "Works safely in the lab.",
               "criteria": {"narrative": "Passed the lab safety test."}}


@pytest.fixture
async def fetcher() -> AsyncIterator[SafeFetcher]:
    policy = FetchPolicy(allow_http_hosts=LOCAL,
                         allow_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    async with SafeFetcher(policy) as opened:
        yield opened


async def _issuer(service: Service, client: ClientSession, name: str = "acme",
                  **options: Any) -> tuple[Tenant, str, str]:
    """A tenant with the template ``lab``: the tenant, its API key, the achievement id."""
    tenant, api_key = await service.tenant(name, **options)
    async with client.post(service.url + "/issuer/achievements", headers=bearer(api_key),
                           json={"slug": "lab", "achievement": ACHIEVEMENT}) as response:
        stored = await response.json()
        assert response.status == 201, stored
    return tenant, api_key, stored["achievement"]["id"]


async def _demo(service: Service) -> tuple[Tenant, str]:
    async with service.db.sessionmaker()() as session, session.begin():
        api_key = await create_demo_tenant(session, keystore=MasterKeyStore(MASTER_KEY))
        tenant = await tenant_by_name(session, "demo")
    assert api_key is not None and tenant is not None
    return tenant, api_key


def _award(recipient: dict[str, Any], slug: str = "lab", **options: Any) -> dict[str, Any]:
    return {"award": {"achievement": slug, "recipient": recipient}, "options": options}


async def _listed(client: ClientSession, service: Service,
                  api_key: str) -> dict[str, dict[str, Any]]:
    async with client.get(service.url + "/issuer/credentials", headers=bearer(api_key)) as r:
        body = await r.json()
        assert r.status == 200, body
    return {item["id"]: item for item in body["credentials"]}


async def _record(client: ClientSession, service: Service, api_key: str,
                  credential_id: str) -> dict[str, Any]:
    async with client.get(f"{service.url}/issuer/credentials/{credential_id}",
                          headers=bearer(api_key)) as response:
        body: dict[str, Any] = await response.json()
        assert response.status == 200, body
    return body


def _official_schema_errors(credential: dict[str, Any]) -> list[str]:
    """What the official OB 3.0 JSON Schema says of ``credential``. The schema build wants
    ``proof`` as an array; a single proof object is valid (see ../shared/ob3/NOTES.md), so it
    is judged as a one-item array."""
    import jsonschema

    path = need_shared(SHARED / "ob3" / "schemas" / "achievementcredential.json")
    validator = jsonschema.Draft201909Validator(json.loads(path.read_text(encoding="utf-8")),
                                                format_checker=jsonschema.FormatChecker())
    document = {**credential, "proof": [credential["proof"]]}
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(document)]


async def test_an_email_award_lists_the_name_and_the_sealed_address(
        service: Service, client: ClientSession, fetcher: SafeFetcher):
    _, api_key, _ = await _issuer(service, client)
    answer = await issue(client, service, api_key, _award({"email": EMAIL, "name": f" {NAME} "},
                                                          statusPurposes=["revocation"]))
    credential = answer["verifiableCredential"]
    hashed, named = credential["credentialSubject"]["identifier"]
    assert hashed["identityType"] == "emailAddress" and hashed["hashed"] is True
    assert named == {"type": "IdentityObject", "identityHash": NAME, "identityType": "name",
                     "hashed": False}
    assert EMAIL not in json.dumps(credential)
    assert _official_schema_errors(credential) == []
    assert (await verify(credential, fetcher=fetcher)).verified

    summary = (await _listed(client, service, api_key))[credential["id"]]
    assert summary["recipient"] == {"name": NAME, "email": EMAIL}
    assert summary["subject"] is None  # Kept for older clients: the subject has no id.
    record = await _record(client, service, api_key, credential["id"])
    assert record["recipient"] == {"name": NAME, "email": EMAIL}
    assert record["verifiableCredential"] == credential

    stored = await database_bytes(service.db)
    assert EMAIL.encode() not in stored
    assert NAME.encode() in stored  # In the badge, in clear, as intended.


async def test_did_jwt_and_plain_credentials_list_their_recipients(
        service: Service, client: ClientSession):
    tenant, api_key, _ = await _issuer(service, client)
    by_did = await issue(client, service, api_key, _award({"id": LEARNER}))
    jwt = await issue(client, service, api_key, _award({"email": EMAIL, "name": NAME},
                                                       format="jwt"))
    envelope = await issue(client, service, api_key, _award({"id": LEARNER, "name": NAME},
                                                            format="vc+jwt"))
    plain = await issue(client, service, api_key, {"credential": badge(tenant.did)})
    listed = list((await _listed(client, service, api_key)).values())
    assert sorted(json.dumps(item["recipient"], sort_keys=True) for item in listed) == sorted(
        json.dumps(r, sort_keys=True) for r in [
            {"id": LEARNER}, {"name": NAME, "email": EMAIL}, {"name": NAME, "id": LEARNER},
            {"id": LEARNER}])
    assert EMAIL not in jwt["verifiableCredential"]
    ids = {item["recipient"].get("email"): item["id"] for item in listed}
    assert (await _record(client, service, api_key, ids[EMAIL]))["recipient"] == {
        "name": NAME, "email": EMAIL}
    assert by_did["verifiableCredential"]["id"] in {i["id"] for i in listed}
    assert envelope["verifiableCredential"]["type"] == "EnvelopedVerifiableCredential"
    assert plain["verifiableCredential"]["credentialSubject"]["id"] == LEARNER


async def test_recipient_names_are_checked(service: Service, client: ClientSession):
    _, api_key, _ = await _issuer(service, client)
    url = service.url + "/issuer/credentials/issue"
    for recipient in ({"email": EMAIL, "name": ""}, {"email": EMAIL, "name": "   "},
                      {"id": LEARNER, "name": 7}, {"id": LEARNER, "name": "a" * 201},
                      {"name": NAME}, {"id": LEARNER, "email": EMAIL, "name": NAME},
                      {"id": LEARNER, "nickname": NAME}):
        async with client.post(url, json=_award(recipient), headers=bearer(api_key)) as r:
            await problem_of(r, 400, "invalid-request")
    async with client.post(url, json=_award({"id": LEARNER, "name": "Ada\u0007"}),
                           headers=bearer(api_key)) as response:
        await problem_of(response, 400, "invalid-recipient")
    assert await _listed(client, service, api_key) == {}


async def test_bulk_rows_keep_their_addresses_sealed(service: Service, client: ClientSession):
    _, api_key, _ = await _issuer(service, client)
    rows = [{"rowId": "1", "recipient": EMAIL, "name": NAME},
            {"rowId": "2", "recipient": LEARNER},
            {"rowId": "3", "recipient": "grace@example.org", "name": "G" * 201}]
    async with client.post(service.url + "/issuer/bulk/issue", headers=bearer(api_key),
                           json={"achievement": "lab", "rows": rows}) as response:
        job = await response.json()
        assert response.status == 202, job
    for _ in range(600):
        async with client.get(f"{service.url}/issuer/bulk/jobs/{job['id']}",
                              headers=bearer(api_key)) as response:
            job = await response.json()
        if job["state"] != "running":
            break
        await asyncio.sleep(0.05)
    assert (job["state"], job["counts"]) == (
        "done", {"issued": 2, "skipped-already-issued": 0, "failed": 1}), job
    async with client.get(f"{service.url}/issuer/bulk/jobs/{job['id']}/results",
                          headers=bearer(api_key)) as response:
        failed = [r for r in (await response.json())["results"] if r["status"] == "failed"]
    assert [(r["rowId"], r["error"].startswith("the recipient name is")) for r in failed] == [
        ("3", True)]
    assert sorted(json.dumps(item["recipient"], sort_keys=True)
                  for item in (await _listed(client, service, api_key)).values()) == [
        json.dumps({"email": EMAIL, "name": NAME}, sort_keys=True),
        json.dumps({"id": LEARNER})]
    assert EMAIL.encode() not in await database_bytes(service.db)


async def test_the_catalog_names_issuers_and_achievements_a_request_can_ask_for(
        service: Service, client: ClientSession, fetcher: SafeFetcher):
    demo, _ = await _demo(service)
    acme, acme_key, lab = await _issuer(service, client, display_name="Acme Academy")
    async with client.get(service.url + "/verifier/catalog") as response:
        assert response.status == 200 and response.content_type == "application/json"
        assert response.headers["Cache-Control"] == "public, max-age=30"
        catalog = await response.json()
    achievements = {a["name"]: a for a in catalog["achievements"]}
    assert achievements["Open Badges Explorer"]["issuer"] == {"id": demo.did,
                                                              "name": DEMO_DISPLAY_NAME}
    assert achievements["Lab Safety"] == {"id": lab, "name": "Lab Safety",
                                          "issuer": {"id": acme.did, "name": "Acme Academy"}}
    assert catalog["issuers"] == [{"id": acme.did, "name": "Acme Academy"},
                                  {"id": demo.did, "name": DEMO_DISPLAY_NAME}]
    for achievement in catalog["achievements"]:
        chosen = {"achievement": achievement["id"], "issuer": achievement["issuer"]["id"]}
        request = await make_request(service, client, **chosen)
        found = await resolve_request(request["qrPayload"], fetch=fetcher.get,
                                      allow_http_hosts=LOCAL)
        assert found.dcql_query == open_badge_query(achievement_id=chosen["achievement"],
                                                    issuer=chosen["issuer"])
    # Answered from one copy for a while: a template added meanwhile shows later.
    async with client.post(service.url + "/issuer/achievements", headers=bearer(acme_key),
                           json={"slug": "art", "achievement": ACHIEVEMENT}) as response:
        assert response.status == 201
    async with client.get(service.url + "/verifier/catalog") as response:
        assert await response.json() == catalog


async def test_the_employer_and_the_wallet_see_whose_badge_it_is(
        service: Service, client: ClientSession, fetcher: SafeFetcher):
    demo, api_key = await _demo(service)
    holder = generate_key("Ed25519")
    named = (await issue(client, service, api_key, _award(
        {"id": holder.controller, "name": NAME}, "explorer")))["verifiableCredential"]
    async with client.get(service.url + "/verifier/catalog") as response:
        (explorer,) = (await response.json())["achievements"]

    request = await make_request(service, client, achievement=explorer["id"])
    found = await resolve_request(request["qrPayload"], fetch=fetcher.get,
                                  allow_http_hosts=LOCAL)
    vp = await present([named], key=holder, **found.presentation_options())
    query_id = found.dcql_query["credentials"][0]["id"]
    assert found.state is not None
    async with client.post(found.response_uri, data={"vp_token": json.dumps({query_id: [vp]}),
                                                     "state": found.state}) as response:
        assert response.status == 200, await response.text()
    result = (await result_of(service, client, request))["result"]
    assert result["verified"] is True, result
    (presentation,) = result["presentations"][query_id]
    (report,) = presentation["credentials"]
    assert report["display"]["subjectName"] == NAME
    assert report["display"]["issuer"] == demo.did

    jwt = (await issue(client, service, api_key, _award(
        {"email": EMAIL, "name": NAME}, "explorer", format="jwt")))["verifiableCredential"]
    unnamed = (await issue(client, service, api_key, _award(
        {"email": EMAIL}, "explorer")))["verifiableCredential"]
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("ada")
        shown = []
        for document, media in ((named, "application/json"), (jwt, "application/jwt"),
                                (unnamed, "application/json")):
            data = (json.dumps(document) if isinstance(document, dict) else document).encode()
            added = await wallet.ok("POST", "/import", 201, data=data,
                                    headers={"Content-Type": media})
            detail = await wallet.ok("GET", f"/credentials/{added['credential']['id']}")
            assert detail["report"]["verified"] is True
            shown.append(detail["display"].get("subjectName"))
        # A badge offered to a wallet with the recipient's name: the wallet shows it, and
        # the issuer lists it beside the holder's DID.
        offer = await make_offer(service, client, api_key, recipientName=NAME)
        scanned = await wallet.scan(offer["offerUri"])
        accepted = await wallet.ok("POST", f"/offers/{scanned['handle']}/accept", 201,
                                   json_body={})
        detail = await wallet.ok("GET", f"/credentials/{accepted['credential']['id']}")
        shown.append(detail["display"].get("subjectName"))
        offered_id = detail["credential"]["id"]
    assert shown == [NAME, NAME, None, NAME]
    assert (await _listed(client, service, api_key))[offered_id]["recipient"] == {
        "name": NAME, "id": wallet.did}

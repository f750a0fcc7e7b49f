"""The whole life of a badge over real HTTP: issue, fetch its status list, verify, revoke,
verify again; awards from templates, VC-JWT, baked images, suspension, challenges."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from typing import Any

from aiohttp import ClientSession
from web_support import (
    LEARNER,
    SUSPENDABLE,
    Service,
    badge,
    bearer,
    check,
    issue,
    problem_of,
    verify,
)

from vcbadges import generate_key, present
from vcbadges.credentials.baking import unbake
from vcbadges.issuer.challenges import (
    CHALLENGE_UNKNOWN,
    ISSUED_PREFIX,
    create_challenge,
    is_issued_form,
)
from vcbadges.primitives.dates import utcnow


def _entries(credential: dict[str, Any]) -> dict[str, dict[str, Any]]:
    status = credential["credentialStatus"]
    return {e["statusPurpose"]: e for e in (status if isinstance(status, list) else [status])}


async def _set_status(client: ClientSession, service: Service, api_key: str,
                      body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    async with client.post(service.url + "/issuer/credentials/status", json=body,
                           headers=bearer(api_key)) as response:
        return response.status, await response.json(content_type=None)


async def test_issue_fetch_list_verify_revoke_verify(service: Service, client: ClientSession):
    tenant, api_key = await service.tenant("acme")
    answer = await issue(client, service, api_key, {"credential": badge(tenant.did),
                                                     "options": SUSPENDABLE})
    credential = answer["verifiableCredential"]
    assert credential["issuer"]["id"] == tenant.did
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    revocation = _entries(credential)["revocation"]
    assert revocation["statusListCredential"].startswith(service.url + "/issuer/status/")

    # The status list: public, signed by the tenant, cacheable, with an ETag.
    async with client.get(revocation["statusListCredential"]) as response:
        assert response.status == 200
        assert response.headers["Cache-Control"] == "public, max-age=0"
        etag = response.headers["ETag"]
        status_list = await response.json()
    assert status_list["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert status_list["issuer"] == tenant.did
    assert status_list["credentialSubject"]["statusPurpose"] == "revocation"
    async with client.get(revocation["statusListCredential"],
                          headers={"If-None-Match": etag}) as response:
        assert response.status == 304

    status, report = await verify(client, service, credential)
    assert (status, report["verified"]) == (200, True), report
    assert check(report, "status_revocation") == ("passed", "not_revoked")
    assert check(report, "status_suspension") == ("passed", "not_suspended")

    status, changed = await _set_status(client, service, api_key, {
        "credentialId": credential["id"], "reason": "issued in error",
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
        "status": True})
    assert status == 200, changed
    assert changed["credentialStatus"][0]["changed"] is True
    assert changed["credentialStatus"][0]["statusListIndex"] == revocation["statusListIndex"]

    # The list was re-signed: a new version, a new ETag; the old one no longer matches.
    async with client.get(revocation["statusListCredential"],
                          headers={"If-None-Match": etag}) as response:
        assert response.status == 200
        assert response.headers["ETag"] != etag

    status, report = await verify(client, service, credential)
    assert (status, report["verified"]) == (400, False)
    assert check(report, "status_revocation") == ("failed", "revoked")

    # Who, when and why: the audit record, read back by the issuer.
    async with client.get(service.url + "/issuer/credentials/" + credential["id"],
                          headers=bearer(api_key)) as response:
        record = await response.json()
    assert record["credentialStatus"] == {"revocation": True, "suspension": False}
    [event] = record["statusEvents"]
    assert (event["action"], event["reason"]) == ("revoke", "issued in error")
    # The key is named by its id, never by any of its characters.
    assert event["actor"].startswith("key:") and uuid.UUID(event["actor"][4:])
    assert api_key[4:10] not in event["actor"]

    # A revocation is permanent.
    status, refused = await _set_status(client, service, api_key, {
        "credentialId": credential["id"],
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
        "status": False})
    assert (status, refused["type"].rsplit("/", 1)[1]) == (409, "revocation-is-permanent")


async def test_suspend_and_unsuspend_with_entry_list_form(service: Service,
                                                          client: ClientSession):
    tenant, api_key = await service.tenant("acme")
    credential = (await issue(client, service, api_key, {
        "credential": badge(tenant.did), "options": SUSPENDABLE}))["verifiableCredential"]
    for wanted, verified in (("suspended", False), ("unsuspended", True)):
        status, _ = await _set_status(client, service, api_key, {
            "credentialId": credential["id"],
            "credentialStatus": [{"type": "BitstringStatusListEntry", "status": wanted}]})
        assert status == 200
        status, report = await verify(client, service, credential)
        assert report["verified"] is verified, report
        assert check(report, "status_suspension") == (
            ("failed", "suspended") if wanted == "suspended" else ("passed", "not_suspended"))


async def test_revoke_with_the_body_dcc_status_clients_send(service: Service,
                                                            client: ClientSession):
    """DCC's status service and its clients name the list's credential type, and the verb."""
    tenant, api_key = await service.tenant("acme")
    credential = (await issue(client, service, api_key,
                              {"credential": badge(tenant.did)}))["verifiableCredential"]
    status, changed = await _set_status(client, service, api_key, {
        "credentialId": credential["id"],
        "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "revoked"}]})
    assert status == 200, changed
    assert [(c["statusPurpose"], c["status"], c["changed"])
            for c in changed["credentialStatus"]] == [("revocation", True, True)]
    status, report = await verify(client, service, credential)
    assert (status, report["verified"]) == (400, False)
    assert check(report, "status_revocation") == ("failed", "revoked")


async def test_award_from_a_template_to_an_email_as_jwt_and_baked(service: Service,
                                                                   client: ClientSession):
    tenant, api_key = await service.tenant("acme")
    template = {"slug": "safety-101", "achievement": {
        "name": "Lab Safety", "description": "Works safely in the lab.",
        "criteria": {"narrative": "Passed the lab safety test."}}}
    async with client.post(service.url + "/issuer/achievements", json=template,
                           headers=bearer(api_key)) as response:
        stored = await response.json()
        assert response.status == 201, stored
    achievement_id = stored["achievement"]["id"]
    async with client.post(service.url + "/issuer/achievements", json=template,
                           headers=bearer(api_key)) as response:
        await problem_of(response, 409, "conflict")
    async with client.get(service.url + "/issuer/achievements", headers=bearer(api_key)) as r:
        assert [t["slug"] for t in (await r.json())["achievements"]] == ["safety-101"]

    award = {"award": {"achievement": "safety-101", "recipient": {"email": "ada@example.org"}},
             "options": {"bake": "png"}}
    answer = await issue(client, service, api_key, award)
    credential = answer["verifiableCredential"]
    subject = credential["credentialSubject"]
    assert subject["achievement"]["id"] == achievement_id
    assert "ada@example.org" not in str(credential)  # Only a salted hash of the address.
    assert subject["identifier"][0]["identityHash"].startswith("sha256$")
    image = base64.b64decode(answer["bakedImage"].removeprefix("data:image/png;base64,"))
    assert unbake(image).payload == credential
    status, report = await verify(client, service, credential)
    assert (status, report["verified"]) == (200, True), report

    jwt_award = {"award": {"achievement": "safety-101", "recipient": {"id": LEARNER}},
                 "options": {"format": "jwt", "bake": "svg"}}
    answer = await issue(client, service, api_key, jwt_award)
    token = answer["verifiableCredential"]
    assert isinstance(token, str) and token.count(".") == 2
    image = base64.b64decode(answer["bakedImage"].removeprefix("data:image/svg+xml;base64,"))
    assert unbake(image).payload == token
    status, report = await verify(client, service, token)
    assert (status, report["verified"]) == (200, True), report
    assert check(report, "status_revocation") == ("passed", "not_revoked")

    answer = await issue(client, service, api_key, {**jwt_award, "options": {"format": "vc+jwt"}})
    envelope = answer["verifiableCredential"]
    assert envelope["type"] == "EnvelopedVerifiableCredential"
    status, report = await verify(client, service, envelope)
    assert (status, report["verified"]) == (200, True), report

    async with client.post(service.url + "/issuer/credentials/issue", headers=bearer(api_key),
                           json={"award": {"achievement": "no-such-thing",
                                           "recipient": {"id": LEARNER}}}) as response:
        await problem_of(response, 400, "unknown-achievement")


async def test_presentation_challenge_is_single_use(service: Service, client: ClientSession):
    tenant, api_key = await service.tenant("acme")
    holder = generate_key("Ed25519")
    credential = (await issue(client, service, api_key, {
        "credential": badge(tenant.did, subject=holder.controller)}))["verifiableCredential"]
    async with client.post(service.url + "/verifier/challenges") as response:
        assert response.status == 200
        challenge = (await response.json())["challenge"]
    domain = "https://employer.example"
    presentation = await present([credential], key=holder, challenge=challenge, domain=domain)
    body = {"verifiablePresentation": presentation,
            "options": {"challenge": challenge, "domain": domain}}
    async with client.post(service.url + "/verifier/presentations/verify", json=body) as r:
        report = await r.json()
        assert (r.status, report["verified"]) == (200, True), report
    assert check(report, "challenge") == ("passed", "ok")
    assert report["credentials"][0]["verified"] is True

    # The same presentation again: a replay.
    async with client.post(service.url + "/verifier/presentations/verify", json=body) as r:
        report = await r.json()
        assert (r.status, report["verified"]) == (400, False)
    assert check(report, "challenge") == ("failed", CHALLENGE_UNKNOWN)

    # A challenge of this verifier's form that it never made.
    forged = ISSUED_PREFIX + "made-up"
    made_up = await present([credential], key=holder, challenge=forged, domain=domain)
    async with client.post(service.url + "/verifier/presentations/verify", json={
            "verifiablePresentation": made_up,
            "options": {"challenge": forged, "domain": domain}}) as r:
        report = await r.json()
        assert r.status == 400
    assert check(report, "challenge") == ("failed", CHALLENGE_UNKNOWN)


async def _verify_presentation(client: ClientSession, service: Service, presentation: Any,
                               options: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    async with client.post(service.url + "/verifier/presentations/verify", json={
            "verifiablePresentation": presentation, "options": options}) as r:
        return r.status, await r.json()


async def test_caller_owned_challenge(service: Service, client: ClientSession):
    """VC-API: the caller may choose its own challenge; the proof must carry it, and the
    caller keeps track of its use (so the same presentation verifies again)."""
    tenant, api_key = await service.tenant("acme")
    holder = generate_key("Ed25519")
    credential = (await issue(client, service, api_key, {
        "credential": badge(tenant.did, subject=holder.controller)}))["verifiableCredential"]
    challenge, domain = "caller-" + uuid.uuid4().hex, "https://employer.example"
    presentation = await present([credential], key=holder, challenge=challenge, domain=domain)
    options = {"challenge": challenge, "domain": domain}
    for _ in range(2):
        status, report = await _verify_presentation(client, service, presentation, options)
        assert (status, report["verified"]) == (200, True), report
        assert check(report, "challenge") == ("passed", "ok")
        assert check(report, "domain") == ("passed", "ok")

    # The proof was made for another challenge, or for another domain.
    status, report = await _verify_presentation(
        client, service, presentation, {**options, "challenge": "caller-other"})
    assert status == 400
    assert check(report, "challenge") == ("failed", "challenge_mismatch")
    status, report = await _verify_presentation(
        client, service, presentation, {**options, "domain": "https://other.example"})
    assert status == 400
    assert check(report, "domain") == ("failed", "domain_mismatch")


async def test_issued_challenge_cannot_be_claimed_as_the_callers(
        service: Service, client: ClientSession):
    """A challenge this verifier made stays single use whatever the caller says, even after
    its row is gone: its form says it is ours."""
    tenant, api_key = await service.tenant("acme")
    holder = generate_key("Ed25519")
    credential = (await issue(client, service, api_key, {
        "credential": badge(tenant.did, subject=holder.controller)}))["verifiableCredential"]
    async with client.post(service.url + "/verifier/challenges") as response:
        challenge = (await response.json())["challenge"]
    assert is_issued_form(challenge)
    domain = "https://employer.example"
    presentation = await present([credential], key=holder, challenge=challenge, domain=domain)
    status, report = await _verify_presentation(client, service, presentation,
                                                {"challenge": challenge, "domain": domain})
    assert status == 200, report

    # Two days later the used row has been swept away by the next challenge made.
    async with service.db.sessionmaker()() as session, session.begin():
        await create_challenge(session, now=utcnow() + timedelta(days=2))
    status, report = await _verify_presentation(client, service, presentation,
                                                {"challenge": challenge, "domain": domain})
    assert status == 400
    assert check(report, "challenge") == ("failed", CHALLENGE_UNKNOWN)

    # An unused one that expired is refused too.
    async with service.db.sessionmaker()() as session, session.begin():
        stale = await create_challenge(session, now=utcnow() - timedelta(hours=1))
    late = await present([credential], key=holder, challenge=stale.challenge, domain=domain)
    status, report = await _verify_presentation(client, service, late,
                                                {"challenge": stale.challenge, "domain": domain})
    assert status == 400
    assert check(report, "challenge") == ("failed", CHALLENGE_UNKNOWN)


async def test_landing_page_and_openapi(service: Service, client: ClientSession):
    async with client.get(service.url + "/") as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        page = await response.text()
    for link in ('href="/issuer/console"', 'href="/wallet/"', 'href="/verifier/"'):
        assert link in page
    assert '<html lang="en">' in page
    async with client.get(service.url + "/openapi.json") as response:
        document = await response.json()
    assert document["servers"] == [{"url": service.url}]

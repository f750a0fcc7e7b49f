"""A selectively disclosable badge through the whole service, over real HTTP.

A P-256 issuer awards an ecdsa-sd-2023 badge through the issuing API; the learner imports
it into the service's wallet, which checks the base proof as its holder can (the verifier
refuses it as it stands); the employer page asks, by OpenID4VP, only for the achievement,
and sees the badge verified without the learner's name or e-mail identity; the learner
publishes it, and the public page shows it verified, without their identity either. A
badge that was tampered with, or revoked, is not taken into the wallet.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from aiohttp import ClientSession
from test_public_badges_http import ACHIEVEMENT, EMAIL, NAME, get
from test_wallet_http import PASSPHRASE, Wallet, browser, check, make_request, result_of
from web_support import Service, bearer, issue, problem_of, verify

from vcbadges.primitives import multibase
from vcbadges.wallet import SQLWalletStore


async def selective_badge(service: Service, client: ClientSession,
                          ) -> tuple[Any, str, dict[str, Any]]:
    """A P-256 issuer with the template ``lab``, and an ecdsa-sd-2023 badge it awarded by
    e-mail and name, with a revocation status. Returns the tenant, its API key, the badge."""
    tenant, api_key = await service.tenant("sdschool", algorithm="P-256",
                                           display_name="SD School")
    async with client.post(service.url + "/issuer/achievements", headers=bearer(api_key),
                           json={"slug": "lab", "achievement": ACHIEVEMENT}) as response:
        assert response.status == 201, await response.text()
    answer = await issue(client, service, api_key, {
        "award": {"achievement": "lab", "recipient": {"email": EMAIL, "name": NAME}},
        "options": {"cryptosuite": "ecdsa-sd-2023", "statusPurposes": ["revocation"]}})
    credential = answer["verifiableCredential"]
    assert credential["proof"]["cryptosuite"] == "ecdsa-sd-2023"
    assert multibase.decode(credential["proof"]["proofValue"])[:3] == b"\xd9\x5d\x00"
    return tenant, api_key, credential


async def import_badge(wallet: Wallet, credential: Any) -> tuple[Any, Any]:
    return await wallet.call("POST", "/import", data=json.dumps(credential).encode(),
                             headers={"Content-Type": "application/json"})


def identity_of(credential: dict[str, Any]) -> str:
    """The salted hash of the learner's e-mail address in ``credential``."""
    (email,) = [i for i in credential["credentialSubject"]["identifier"]
                if i["identityType"] == "emailAddress"]
    return str(email["identityHash"])


async def test_issue_import_present_and_publish_without_the_identity(
        service: Service, client: ClientSession):
    tenant, _, base = await selective_badge(service, client)
    identity_hash = identity_of(base)
    assert NAME in json.dumps(base)  # the badge as issued names its learner

    # The service's verifier refuses the base proof, as a verifier must.
    status, report = await verify(client, service, base)
    assert check(report, "proof") == ("failed", "base_proof_presented"), report

    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("ada", keyType="p256")

        # The wallet checks it as its holder, and keeps it.
        response, added = await import_badge(wallet, base)
        assert response.status == 201, added
        assert added["report"]["verified"] is True, added["report"]
        assert check(added["report"], "proof") == ("passed", "base_proof_checked_by_holder")
        assert check(added["report"], "issuer") == ("passed", "ok")
        assert check(added["report"], "status_revocation") == ("passed", "not_revoked")
        record = added["credential"]["id"]
        assert added["credential"]["format"] == "ldp_vc"

        # Shown like any badge, with what its learner may withhold.
        detail = await wallet.ok("GET", f"/credentials/{record}")
        assert detail["report"]["verified"] is True
        assert check(detail["report"], "proof") == ("passed", "base_proof_checked_by_holder")
        assert detail["credential"] == base
        assert detail["display"]["name"] == "Lab Safety"
        assert detail["disclosure"] == {"selective": True, "namesSubject": True,
                                        "emailHash": True}

        # The employer page asks for this achievement only.
        achievement_id = base["credentialSubject"]["achievement"]["id"]
        request = await make_request(service, client, achievement=achievement_id)
        asked = await wallet.scan(request["qrPayload"])
        assert asked["canAnswer"] is True
        (match,) = asked["matches"]
        assert (match["id"], match["standing"], match["selective"]) == (record, "valid", True)
        sent = await wallet.ok("POST", f"/requests/{asked['handle']}/respond",
                               json_body={"credentialIds": [record]})
        assert sent == {"outcome": "sent"}
        done = await result_of(service, client, request)
        assert done["status"] == "done" and done["result"]["verified"] is True, done
        presentations = [p for reports in done["result"]["presentations"].values()
                         for p in reports]
        (shown,) = presentations[0]["credentials"]
        assert shown["verified"] is True
        assert check(shown, "proof") == ("passed", "ok")
        assert check(shown, "status_revocation") == ("passed", "not_revoked")
        assert shown["display"]["name"] == "Lab Safety"
        assert shown["display"]["achievementId"] == achievement_id
        assert shown["display"]["issuer"] == tenant.did
        assert "subjectName" not in shown["display"]
        answer = json.dumps(done)
        assert NAME not in answer and identity_hash not in answer and EMAIL not in answer

        # Published: the page shows it verified, without the learner's identity.
        path = f"/credentials/{record}/publication"
        published = await wallet.ok("POST", path, 201, json_body={"offerDownload": True})
        status, media, body, _ = await get(client, published["url"])
        page = body.decode()
        assert (status, media) == (200, "text/html"), page
        assert "Lab Safety" in page
        assert "Signed by the issuer; nothing has been changed since." in page
        assert NAME not in page and identity_hash not in page and EMAIL not in page
        _, _, download, _ = await get(client, published["credentialUrl"])
        derived = json.loads(download)
        assert "identifier" not in derived["credentialSubject"]
        assert NAME.encode() not in download and identity_hash.encode() not in download
        status, report = await verify(client, service, derived)
        assert status == 200 and report["verified"] is True, report


async def test_a_tampered_or_revoked_badge_is_not_taken(service: Service, client: ClientSession):
    _, api_key, base = await selective_badge(service, client)
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("ada")

        # A value the issuer made optional to disclose, changed: its signature fails.
        renamed = copy.deepcopy(base)
        (name,) = [i for i in renamed["credentialSubject"]["identifier"]
                   if i["identityType"] == "name"]
        name["identityHash"] = "Charles Babbage"
        # A mandatory one: the base signature fails.
        moved = copy.deepcopy(base)
        moved["validFrom"] = "2020-01-01T00:00:00Z"
        # A claim removed: the base proof no longer fits.
        shortened = copy.deepcopy(base)
        shortened["credentialSubject"]["identifier"] = [
            i for i in shortened["credentialSubject"]["identifier"] if i["identityType"] != "name"]
        for forged, code in ((renamed, "invalid_signature"), (moved, "invalid_signature"),
                             (shortened, "base_proof_mismatch")):
            response, body = await import_badge(wallet, forged)
            await problem_of(response, 422, "credential-not-verified")
            assert check(body["report"], "proof") == ("failed", code)
        assert (await wallet.ok("GET", "/credentials"))["credentials"] == []

        # Kept while valid; revoked, the wallet says so, and will not take it again.
        response, added = await import_badge(wallet, base)
        assert response.status == 201, added
        async with client.post(service.url + "/issuer/credentials/status",
                               headers=bearer(api_key), json={
                                   "credentialId": base["id"],
                                   "credentialStatus": {"type": "BitstringStatusListEntry",
                                                        "statusPurpose": "revocation"},
                                   "status": True}) as response:
            assert response.status == 200, await response.text()
        detail = await wallet.ok("GET", f"/credentials/{added['credential']['id']}")
        assert detail["report"]["verified"] is False
        assert check(detail["report"], "status_revocation") == ("failed", "revoked")
        assert check(detail["report"], "proof") == ("passed", "base_proof_checked_by_holder")
        other = Wallet(service, http)
        await other.create("grace")
        response, body = await import_badge(other, base)
        await problem_of(response, 422, "credential-not-verified")
        assert check(body["report"], "status_revocation") == ("failed", "revoked")


async def test_a_vp_qr_code_carries_a_derivation_without_the_email(
        service: Service, client: ClientSession):
    _, _, base = await selective_badge(service, client)
    identity_hash = identity_of(base)
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("ada")
        _, added = await import_badge(wallet, base)
        qr = await wallet.ok("GET", f"/credentials/{added['credential']['id']}/vpqr")
        async with client.post(service.url + "/verifier/vpqr/verify",
                               json={"vpqr": qr["payload"]}) as response:
            result = await response.json()
            assert response.status == 200, result
        (shown,) = result["presentations"]["vpqr"][0]["credentials"]
        assert shown["verified"] is True
        assert check(shown, "proof") == ("passed", "ok")
        assert shown["display"]["name"] == "Lab Safety"
        assert identity_hash not in json.dumps(result)

        # A base proof that no longer fits its badge cannot be derived: a problem, no code.
        broken = copy.deepcopy(base)
        broken["credentialSubject"]["identifier"] = broken["credentialSubject"]["identifier"][:1]
        opened = await SQLWalletStore(service.db).unlock("ada", PASSPHRASE)
        record = await opened.add_credential(json.dumps(broken))
        opened.lock()
        response, body = await wallet.call("GET", f"/credentials/{record.id}/vpqr")
        problem = await problem_of(response, 422, "cannot-derive")
        assert problem["code"] == "base_proof_mismatch"

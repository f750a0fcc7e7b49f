"""The wallet API over real HTTP, and the whole badge journey through it.

Issuer console → wallet (OpenID4VCI, with a PIN) → verifier page (OpenID4VP) → revocation →
a second presentation that the verifier finds revoked: HTTP calls only, three parties (the
service plays all three, as it does in a demo), each with its own HTTP client. Then the
wallet's own rules: sessions and their cookie, CSRF tokens, the same 401 for a wrong
passphrase and an unknown name, QR pictures, imports, backups.
"""

from __future__ import annotations

import base64
import io
import ipaddress
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import qrcode
from aiohttp import ClientResponse, ClientSession, CookieJar, FormData, web
from PIL import Image
from web_support import (
    Service,
    badge,
    bearer,
    bound_socket,
    issue,
    problem_of,
    running_service,
    verify,
)

from vcbadges import generate_key, issue as vcbadges_issue
from vcbadges.web.app import create_app
from vcbadges.web.keys import CLOCK, FETCHER, SETTINGS, WALLET_FETCHER
from vcbadges.web.wallet import purge_expired

PASSPHRASE = "correct horse battery staple"
ACHIEVEMENT = {
    "name": "Open Badges Explorer",
    "description": "Issued, held and verified a first Open Badges 3.0 credential.",
    "criteria": {"narrative": "Completed the walkthrough."},
    "image": {"id": "https://badges.example.edu/explorer.png", "type": "Image"},
}


class Wallet:
    """One browser: its own cookie jar, and the CSRF token of its session."""

    def __init__(self, service: Service, http: ClientSession) -> None:
        self.base = service.url + "/wallet/api"
        self.http = http
        self.csrf: str | None = None
        self.did: str | None = None

    def _headers(self, csrf: bool, extra: dict[str, str] | None) -> dict[str, str]:
        headers = dict(extra or {})
        if csrf and self.csrf is not None:
            headers["X-CSRF-Token"] = self.csrf
        return headers

    async def call(self, method: str, path: str, *, json_body: Any = None, data: Any = None,
                   csrf: bool = True, headers: dict[str, str] | None = None,
                   ) -> tuple[ClientResponse, Any]:
        async with self.http.request(method, self.base + path, json=json_body, data=data,
                                     headers=self._headers(csrf, headers)) as response:
            raw = await response.read()
            body: Any = raw
            if response.content_type in ("application/json", "application/problem+json"):
                body = json.loads(raw)
            return response, body

    async def ok(self, method: str, path: str, status: int = 200, **options: Any) -> Any:
        response, body = await self.call(method, path, **options)
        assert response.status == status, body
        return body

    async def create(self, username: str, passphrase: str = PASSPHRASE, **extra: Any) -> Any:
        body = await self.ok("POST", "/accounts", 201, csrf=False,
                             json_body={"username": username, "passphrase": passphrase, **extra})
        self.csrf, self.did = body["csrfToken"], body["did"]
        return body

    async def sign_in(self, username: str, passphrase: str = PASSPHRASE) -> Any:
        body = await self.ok("POST", "/session", csrf=False,
                             json_body={"username": username, "passphrase": passphrase})
        self.csrf, self.did = body["csrfToken"], body["did"]
        return body

    async def scan(self, uri: str) -> Any:
        return await self.ok("POST", "/scan", json_body={"uri": uri})


def browser() -> ClientSession:
    # unsafe: the test service is on 127.0.0.1, and aiohttp keeps no cookies for IP hosts
    # otherwise.
    return ClientSession(cookie_jar=CookieJar(unsafe=True))


async def issuer_with_template(service: Service, client: ClientSession,
                               name: str = "acme", **options: Any) -> tuple[Any, str]:
    tenant, api_key = await service.tenant(name, **options)
    async with client.post(service.url + "/issuer/achievements", headers=bearer(api_key),
                           json={"slug": "explorer", "achievement": ACHIEVEMENT}) as response:
        assert response.status == 201, await response.text()
    return tenant, api_key


async def make_offer(service: Service, client: ClientSession, api_key: str,
                     **options: Any) -> dict[str, Any]:
    async with client.post(service.url + "/issuer/offers", headers=bearer(api_key),
                           json={"achievement": "explorer", **options}) as response:
        body: dict[str, Any] = await response.json()
        assert response.status == 201, body
        assert response.headers["Cache-Control"] == "no-store"
    return body


async def make_request(service: Service, client: ClientSession,
                       **options: Any) -> dict[str, Any]:
    async with client.post(service.url + "/verifier/requests", json=options) as response:
        body: dict[str, Any] = await response.json()
        assert response.status == 201, body
    return body


async def result_of(service: Service, client: ClientSession, request: dict[str, Any]) -> Any:
    async with client.get(f"{service.url}/verifier/results/{request['transactionId']}") as r:
        assert r.headers["Cache-Control"] == "no-store"
        return await r.json()


def check(report: dict[str, Any], check_id: str) -> tuple[str, str]:
    found = [c for c in report["checks"] if c["id"] == check_id]
    assert len(found) == 1, report["checks"]
    return found[0]["outcome"], found[0]["code"]


def only_credential_report(result: dict[str, Any]) -> dict[str, Any]:
    presentations = [p for reports in result["presentations"].values() for p in reports]
    assert len(presentations) == 1, result
    (report,) = presentations[0]["credentials"]
    return report  # type: ignore[no-any-return]


async def receive_badge(service: Service, client: ClientSession, wallet: Wallet,
                        api_key: str) -> dict[str, Any]:
    offer = await make_offer(service, client, api_key)
    scanned = await wallet.scan(offer["offerUri"])
    return await wallet.ok("POST", f"/offers/{scanned['handle']}/accept", 201, json_body={})  # type: ignore[no-any-return]


# --- the journey -------------------------------------------------------------------------


EVIDENCE = [{"name": "Final project", "narrative": "Built a dashboard of local air quality.",
             "id": "https://portfolio.example/ada/air-quality"},
            {"description": "Presented to the class."}]


async def test_issue_hold_present_revoke_present_again(service: Service, client: ClientSession):
    tenant, api_key = await issuer_with_template(service, client, display_name="ACME Academy")

    # The issuer console offers the badge, with a PIN for a second channel, and evidence.
    offer = await make_offer(service, client, api_key, pin=True, recipientName="Ada Lovelace",
                             evidence=EVIDENCE)
    assert offer["offerUri"].startswith("openid-credential-offer://?credential_offer_uri=")
    assert offer["txCode"] is not None and len(offer["txCode"]) == 6
    async with client.get(service.url + offer["qrSvg"]) as response:
        assert response.status == 200
        assert response.content_type == "image/svg+xml"
        assert b"<svg" in await response.read()

    async with browser() as http:
        wallet = Wallet(service, http)
        account = await wallet.create("ada")
        assert account["did"].startswith("did:key:z6Mk")

        # The wallet scans the QR code: who offers what, and that a PIN is needed.
        scanned = await wallet.scan(offer["offerUri"])
        assert scanned["kind"] == "offer"
        # The issuer by its display name; the badge by its own name, description and image.
        assert scanned["issuer"] == {"id": f"{service.url}/oid4vci/acme", "name": "ACME Academy"}
        assert scanned["credentials"] == [{
            "name": "Open Badges Explorer", "format": "ldp_vc",
            "description": ACHIEVEMENT["description"], "image": ACHIEVEMENT["image"]["id"]}]
        assert scanned["txCode"]["length"] == 6
        # The offer URL worked once; its QR code is gone with it.
        async with client.get(service.url + offer["qrSvg"]) as response:
            assert response.status == 404

        # Accepted with the PIN: issued to the wallet's DID, verified, then stored.
        added = await wallet.ok("POST", f"/offers/{scanned['handle']}/accept", 201,
                                json_body={"txCode": offer["txCode"]})
        assert added["report"]["verified"] is True, added["report"]
        assert check(added["report"], "status_revocation") == ("passed", "not_revoked")
        summary = added["credential"]
        assert (summary["name"], summary["issuerName"], summary["format"]) == (
            "Open Badges Explorer", "ACME Academy", "ldp_vc")
        assert summary["image"] == ACHIEVEMENT["image"]["id"]

        listed = await wallet.ok("GET", "/credentials")
        assert [c["id"] for c in listed["credentials"]] == [summary["id"]]
        detail = await wallet.ok("GET", f"/credentials/{summary['id']}")
        stored = detail["credential"]
        assert stored["credentialSubject"]["id"] == account["did"]
        assert stored["issuer"] == {"id": tenant.did, "type": ["Profile"],
                                    "name": "ACME Academy"}
        assert stored["credentialSubject"]["identifier"][0]["identityHash"] == "Ada Lovelace"
        assert stored["evidence"] == [
            {"id": "https://portfolio.example/ada/air-quality", "type": ["Evidence"],
             "name": "Final project", "narrative": "Built a dashboard of local air quality."},
            {"type": ["Evidence"], "description": "Presented to the class."}]
        assert detail["display"]["criteria"] == {"narrative": "Completed the walkthrough."}
        assert detail["display"]["evidence"] == EVIDENCE
        assert detail["report"]["verified"] is True

        # The employer's page asks for this achievement; the wallet scans its QR code.
        achievement_id = stored["credentialSubject"]["achievement"]["id"]
        request = await make_request(service, client, achievement=achievement_id,
                                     issuer=tenant.did)
        assert request["qrPayload"].startswith("openid4vp://?client_id=redirect_uri%3A")
        assert await result_of(service, client, request) == {"status": "pending"}
        asked = await wallet.scan(request["qrPayload"])
        assert asked["kind"] == "request"
        assert asked["verifier"]["responseUri"] == f"{service.url}/verifier/oid4vp/response"
        assert asked["canAnswer"] is True
        assert [m["id"] for m in asked["matches"]] == [summary["id"]]
        assert asked["asks"] == [f"An Open Badge for the achievement {achievement_id} issued "
                                 f"by {tenant.did}"]
        sent = await wallet.ok("POST", f"/requests/{asked['handle']}/respond",
                               json_body={"credentialIds": [summary["id"]]})
        assert sent == {"outcome": "sent"}

        done = await result_of(service, client, request)
        assert done["status"] == "done" and done["result"]["verified"] is True, done
        report = only_credential_report(done["result"])
        assert report["verified"] is True
        assert report["display"]["name"] == "Open Badges Explorer"
        assert report["display"]["issuer"] == tenant.did
        assert report["display"]["image"] == ACHIEVEMENT["image"]["id"]
        assert report["display"]["achievementId"] == achievement_id
        assert report["display"]["issuerName"] == "ACME Academy"
        assert report["display"]["evidence"] == EVIDENCE

        # The issuer revokes the badge (VC-API); the next presentation shows it.
        async with client.post(service.url + "/issuer/credentials/status",
                               headers=bearer(api_key), json={
                                   "credentialId": stored["id"],
                                   "credentialStatus": {"type": "BitstringStatusListEntry",
                                                        "statusPurpose": "revocation"},
                                   "status": True}) as response:
            assert response.status == 200, await response.text()
        again = await make_request(service, client)
        asked = await wallet.scan(again["qrPayload"])
        await wallet.ok("POST", f"/requests/{asked['handle']}/respond",
                        json_body={"credentialIds": [summary["id"]]})
        done = await result_of(service, client, again)
        assert done["status"] == "done" and done["result"]["verified"] is False
        report = only_credential_report(done["result"])
        assert check(report, "status_revocation") == ("failed", "revoked")
        assert report["verified"] is False
        # Its signature still verified: the page may show which badge was revoked.
        assert check(report, "proof")[0] == check(report, "issuer")[0] == "passed"
        assert report["display"]["name"] == "Open Badges Explorer"
        assert report["display"]["evidence"] == EVIDENCE
        assert report["display"]["criteria"] == {"narrative": "Completed the walkthrough."}

        # The wallet's own view says so too.
        detail = await wallet.ok("GET", f"/credentials/{summary['id']}")
        assert check(detail["report"], "status_revocation") == ("failed", "revoked")


async def test_a_jwt_badge_travels_as_a_vp_jwt(service: Service, client: ClientSession):
    _, api_key = await issuer_with_template(service, client)
    offer = await make_offer(service, client, api_key, format="jwt_vc_json")
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("grace", keyType="p256")
        assert wallet.did is not None and wallet.did.startswith("did:key:zDn")
        scanned = await wallet.scan(offer["offerUri"])
        assert scanned["credentials"][0]["format"] == "jwt_vc_json"
        added = await wallet.ok("POST", f"/offers/{scanned['handle']}/accept", 201,
                                json_body={})
        assert added["credential"]["format"] == "jwt_vc_json"
        request = await make_request(service, client)
        asked = await wallet.scan(request["qrPayload"])
        await wallet.ok("POST", f"/requests/{asked['handle']}/respond",
                        json_body={"credentialIds": [added["credential"]["id"]]})
        done = await result_of(service, client, request)
        assert done["result"]["verified"] is True, done
        assert list(done["result"]["presentations"]) == ["openbadge_jwt_vc_json"]
        assert only_credential_report(done["result"])["display"]["name"] == \
            "Open Badges Explorer"


async def test_the_journey_under_the_strictest_verification_fetch_policy(
        tmp_path: Path, client: ClientSession):
    """No plain http and no private address for verification at all: the service still
    verifies its own badges (its status lists come from its database), in the wallet before
    storing, and in the OpenID4VP response, where the status lists it verified a moment ago
    are remembered. Only the wallet, which must reach the issuer and the verifier on
    127.0.0.1 over http here, has an allowance of its own."""
    async with running_service(
            tmp_path, fetch_allow_http_hosts=frozenset(), fetch_allow_networks=(),
            wallet_fetch_allow_http_hosts=frozenset({"127.0.0.1"}),
            wallet_fetch_allow_networks=(ipaddress.ip_network("127.0.0.1/32"),)) as service:
        assert service.app[FETCHER].policy.allow_http_hosts == frozenset()
        assert service.app[FETCHER].policy.allow_networks == ()
        assert service.app[WALLET_FETCHER] is not service.app[FETCHER]
        tenant, api_key = await issuer_with_template(service, client)
        offer = await make_offer(service, client, api_key, pin=True)
        async with browser() as http:
            wallet = Wallet(service, http)
            await wallet.create("ada")
            scanned = await wallet.scan(offer["offerUri"])
            added = await wallet.ok("POST", f"/offers/{scanned['handle']}/accept", 201,
                                    json_body={"txCode": offer["txCode"]})
            assert added["report"]["verified"] is True, added["report"]
            assert check(added["report"], "status_revocation") == ("passed", "not_revoked")
            badge_id = added["credential"]["id"]

            request = await make_request(service, client)
            asked = await wallet.scan(request["qrPayload"])
            # The wallet checked the badge before asking for consent.
            assert [m["standing"] for m in asked["matches"]] == ["valid"]
            await wallet.ok("POST", f"/requests/{asked['handle']}/respond",
                            json_body={"credentialIds": [badge_id]})
            done = await result_of(service, client, request)
            assert done["result"]["verified"] is True, done
            report = only_credential_report(done["result"])
            assert check(report, "status_revocation") == ("passed", "not_revoked")

            detail = await wallet.ok("GET", f"/credentials/{badge_id}")
            async with client.post(service.url + "/issuer/credentials/status",
                                   headers=bearer(api_key), json={
                                       "credentialId": detail["credential"]["id"],
                                       "credentialStatus": [{"type": "BitstringStatusListEntry",
                                                             "status": "revoked"}]}) as response:
                assert response.status == 200
            again = await make_request(service, client)
            asked = await wallet.scan(again["qrPayload"])
            assert [m["standing"] for m in asked["matches"]] == ["revoked"]
            await wallet.ok("POST", f"/requests/{asked['handle']}/respond",
                            json_body={"credentialIds": [badge_id]})
            done = await result_of(service, client, again)
            report = only_credential_report(done["result"])
            assert check(report, "status_revocation") == ("failed", "revoked")
            detail = await wallet.ok("GET", f"/credentials/{badge_id}")
            assert check(detail["report"], "status_revocation") == ("failed", "revoked")

        # The verifier side stays strict for everything that is not the service's own.
        key = generate_key()
        doc = badge(key.controller)
        doc["credentialStatus"] = {
            "id": f"{service.url}/elsewhere#1", "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation", "statusListIndex": "1",
            "statusListCredential": "http://127.0.0.1:9/status"}
        _, report = await verify(client, service, await vcbadges_issue(doc, key=key))
        assert check(report, "status_revocation") == ("error", "status_list_unreachable")


async def test_declining_tells_the_verifier(service: Service, client: ClientSession):
    request = await make_request(service, client)
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("linus")
        asked = await wallet.scan(request["qrPayload"])
        assert (asked["canAnswer"], asked["matches"]) == (False, [])
        assert await wallet.ok("POST", f"/requests/{asked['handle']}/decline") == {
            "outcome": "declined"}
        # A handle is used once.
        response, _ = await wallet.call("POST", f"/requests/{asked['handle']}/decline")
        await problem_of(response, 404, "not-found")
    done = await result_of(service, client, request)
    assert done["result"]["error"] == "access_denied"
    assert done["result"]["verified"] is False


# --- sessions, cookies, CSRF ---------------------------------------------------------------


async def test_session_cookie_flags_and_csrf(service: Service):
    async with browser() as http:
        wallet = Wallet(service, http)
        async with http.post(wallet.base + "/accounts", json={
                "username": "mary", "passphrase": PASSPHRASE}) as response:
            assert response.status == 201
            cookie = response.cookies["vcbadges_wallet"]
            body = await response.json()
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Strict"
        assert cookie["path"] == "/wallet"
        assert not cookie["secure"]  # Plain http here; https sets Secure.
        assert cookie.value not in json.dumps(body)
        wallet.csrf = body["csrfToken"]

        # GET needs no token; every state-changing call does.
        session = await wallet.ok("GET", "/session", csrf=False)
        assert session == {"username": "mary", "did": body["did"],
                           "csrfToken": body["csrfToken"]}
        for method, path, options in [
            ("POST", "/scan", {"json_body": {"uri": "openid4vp://?x=1"}}),
            ("POST", "/backup", {"json_body": {"backupPassphrase": PASSPHRASE}}),
            ("DELETE", "/session", {}),
            ("DELETE", "/credentials/00000000-0000-4000-8000-000000000000", {}),
            ("POST", "/decode-qr", {"data": b"x", "headers": {"Content-Type": "image/png"}}),
            ("POST", "/import", {"data": b"{}"}),
        ]:
            response, _ = await wallet.call(method, path, csrf=False, **options)
            await problem_of(response, 403, "csrf-token-invalid")
            wrong = {**options, "headers": {**options.get("headers", {}),
                                            "X-CSRF-Token": body["csrfToken"][:-2] + "AA"}}
            response, _ = await wallet.call(method, path, csrf=False, **wrong)
            await problem_of(response, 403, "csrf-token-invalid")

        # Signing out ends the session for good.
        await wallet.ok("DELETE", "/session", 204)
        response, _ = await wallet.call("GET", "/session")
        await problem_of(response, 401, "unauthorized")

    # Without the cookie, nothing is served at all.
    async with browser() as http:
        stranger = Wallet(service, http)
        stranger.csrf = body["csrfToken"]
        for method, path in [("GET", "/session"), ("GET", "/credentials"),
                             ("POST", "/scan")]:
            response, _ = await stranger.call(method, path, json_body={})
            await problem_of(response, 401, "unauthorized")


async def test_wrong_passphrase_and_unknown_user_get_the_same_401(service: Service):
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("noor")
        await wallet.ok("DELETE", "/session", 204)
        answers = []
        for username, passphrase in [("noor", "wrong passphrase!"), ("nobody", PASSPHRASE)]:
            response, body = await wallet.call("POST", "/session", csrf=False, json_body={
                "username": username, "passphrase": passphrase})
            await problem_of(response, 401, "unauthorized")
            assert "vcbadges_wallet" not in response.cookies
            answers.append(body)
        assert answers[0] == answers[1]
        await wallet.sign_in("noor")
        assert (await wallet.ok("GET", "/session"))["username"] == "noor"
        # A taken name is a conflict; a short passphrase is refused before any work.
        response, _ = await wallet.call("POST", "/accounts", csrf=False, json_body={
            "username": "noor", "passphrase": PASSPHRASE})
        await problem_of(response, 409, "conflict")
        response, _ = await wallet.call("POST", "/accounts", csrf=False, json_body={
            "username": "short", "passphrase": "1234567"})
        await problem_of(response, 400, "weak-passphrase")


async def test_repeated_wrong_passphrases_make_a_name_wait(service: Service):
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("omar")
        await wallet.create("lena")
        await wallet.ok("DELETE", "/session", 204)
        for username in ("omar", "ghost"):  # An existing name and one that is not.
            for _ in range(5):
                response, _ = await wallet.call("POST", "/session", csrf=False, json_body={
                    "username": username, "passphrase": "guess " + username})
                await problem_of(response, 401, "unauthorized")
            # Now even the right passphrase waits; the answer is the same for both names.
            response, _ = await wallet.call("POST", "/session", csrf=False, json_body={
                "username": username, "passphrase": PASSPHRASE})
            await problem_of(response, 429, "too-many-attempts")
            assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
        # The names' case does not open a second budget; other names are not held up.
        response, _ = await wallet.call("POST", "/session", csrf=False, json_body={
            "username": "OMAR", "passphrase": PASSPHRASE})
        await problem_of(response, 429, "too-many-attempts")
        await wallet.sign_in("lena")
        await wallet.ok("DELETE", "/session", 204)
        service.app[CLOCK].advance(timedelta(minutes=15, seconds=1))
        await wallet.sign_in("omar")


async def test_a_session_expires_and_cookies_do_not_cross_accounts(service: Service,
                                                                   client: ClientSession):
    _, api_key = await issuer_with_template(service, client)
    async with browser() as a_http, browser() as b_http:
        alice, bob = Wallet(service, a_http), Wallet(service, b_http)
        await alice.create("alice")
        await bob.create("bob")
        added = await receive_badge(service, client, alice, api_key)
        badge_id = added["credential"]["id"]
        assert (await bob.ok("GET", "/credentials")) == {"credentials": []}
        response, _ = await bob.call("GET", f"/credentials/{badge_id}")
        await problem_of(response, 404, "not-found")
        response, _ = await bob.call("DELETE", f"/credentials/{badge_id}")
        await problem_of(response, 404, "not-found")
        # Bob's token does not work with Alice's cookie.
        response, _ = await alice.call("DELETE", f"/credentials/{badge_id}", csrf=False,
                                       headers={"X-CSRF-Token": bob.csrf or ""})
        await problem_of(response, 403, "csrf-token-invalid")
        # A scanned offer is bound to the account that scanned it.
        offer = await make_offer(service, client, api_key)
        scanned = await alice.scan(offer["offerUri"])
        response, _ = await bob.call("POST", f"/offers/{scanned['handle']}/accept",
                                     json_body={})
        await problem_of(response, 404, "not-found")

        service.app[CLOCK].advance(timedelta(hours=9))
        response, _ = await alice.call("GET", "/credentials")
        await problem_of(response, 401, "unauthorized")
        # The sweeper deletes what has expired: both sessions, the offers, codes, handles.
        entries, sessions = await purge_expired(service.app)
        assert sessions == 2 and entries > 0
        assert await purge_expired(service.app) == (0, 0)


async def test_a_session_works_on_another_process_of_the_service(service: Service):
    """Sessions live in the database, the data key wrapped under the master key: a second
    process of the service (same database, same master key) serves the same cookie."""
    sock = bound_socket()
    second = create_app(replace(service.settings, port=sock.getsockname()[1]))
    runner = web.AppRunner(second)
    await runner.setup()
    try:
        await web.SockSite(runner, sock).start()
        async with browser() as http:
            wallet = Wallet(service, http)
            await wallet.create("olga")
            other = Wallet(service, http)
            other.base = second[SETTINGS].base_url + "/wallet/api"
            other.csrf = wallet.csrf
            assert (await other.ok("GET", "/session"))["username"] == "olga"
            await other.ok("DELETE", "/session", 204)
            response, _ = await wallet.call("GET", "/session")
            await problem_of(response, 401, "unauthorized")
    finally:
        await runner.cleanup()
        sock.close()


# --- pictures, imports, backups ------------------------------------------------------------


def picture(kind: str) -> bytes:
    if kind == "qr":
        image = qrcode.make("openid4vp://?client_id=x&request_uri=https%3A%2F%2Fv.example%2Fr")
        out = io.BytesIO()
        image.save(out)  # PNG (qrcode's default image factory draws with Pillow)
        return out.getvalue()
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


async def test_decode_qr(service: Service):
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("quinn")
        answer = await wallet.ok("POST", "/decode-qr", data=picture("qr"),
                                 headers={"Content-Type": "image/png"})
        assert answer == {"text": "openid4vp://?client_id=x&request_uri=https%3A%2F%2F"
                                  "v.example%2Fr"}
        response, _ = await wallet.call("POST", "/decode-qr", data=picture("plain"),
                                        headers={"Content-Type": "image/jpeg"})
        await problem_of(response, 422, "no-qr-code")
        response, _ = await wallet.call("POST", "/decode-qr", data=b"not a picture",
                                        headers={"Content-Type": "image/png"})
        await problem_of(response, 422, "no-qr-code")
        response, _ = await wallet.call("POST", "/decode-qr", data=picture("qr"),
                                        headers={"Content-Type": "image/gif"})
        await problem_of(response, 415, "unsupported-media-type")
        too_large = io.BytesIO(b"\0" * (2 * 1024 * 1024 + 1))
        response, _ = await wallet.call("POST", "/decode-qr", data=too_large,
                                        headers={"Content-Type": "image/png"})
        await problem_of(response, 413, "body-too-large")


async def test_import_baked_json_and_jwt_then_backup_and_restore(service: Service,
                                                                 client: ClientSession):
    tenant, api_key = await service.tenant("acme")
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("rosa")
        assert wallet.did is not None
        baked = await issue(client, service, api_key, {"credential": badge(tenant.did,
                                                                        wallet.did),
                                                       "options": {"bake": "png"}})
        png = baked["bakedImage"].split(",", 1)[1]
        added = await wallet.ok("POST", "/import", 201, data=base64.b64decode(png),
                                headers={"Content-Type": "image/png"})
        assert added["report"]["verified"] is True
        plain = await issue(client, service, api_key, {"credential": badge(tenant.did)})
        text = json.dumps(plain["verifiableCredential"])
        await wallet.ok("POST", "/import", 201, data=text.encode(),
                        headers={"Content-Type": "application/json"})
        jwt = await issue(client, service, api_key, {"credential": badge(tenant.did),
                                                     "options": {"format": "jwt"}})
        added_jwt = await wallet.ok("POST", "/import", 201,
                                    data=jwt["verifiableCredential"].encode(),
                                    headers={"Content-Type": "application/jwt"})
        assert added_jwt["credential"]["format"] == "jwt_vc_json"
        # A tampered credential is not kept.
        tampered = dict(plain["verifiableCredential"], name="Something else")
        response, body = await wallet.call("POST", "/import",
                                           data=json.dumps(tampered).encode())
        await problem_of(response, 422, "credential-not-verified")
        assert check(body["report"], "proof")[0] == "failed"
        response, _ = await wallet.call("POST", "/import", data=b"hello")
        await problem_of(response, 422, "no-badge-found")
        listed = (await wallet.ok("GET", "/credentials"))["credentials"]
        assert len(listed) == 3

        backup = await wallet.ok("POST", "/backup", json_body={
            "backupPassphrase": "backup passphrase"})
        assert isinstance(backup, bytes) and backup.startswith(b"VCBWALLET")

    async with browser() as http:
        restored = Wallet(service, http)

        def form(backup_passphrase: str, username: str) -> FormData:
            data = FormData()
            data.add_field("file", backup, filename="wallet.backup",
                           content_type="application/octet-stream")
            data.add_field("backupPassphrase", backup_passphrase)
            data.add_field("username", username)
            data.add_field("passphrase", PASSPHRASE)
            return data

        response, _ = await restored.call("POST", "/restore", csrf=False,
                                          data=form("wrong passphrase", "rosa2"))
        await problem_of(response, 422, "invalid-backup")
        response, _ = await restored.call("POST", "/restore", csrf=False,
                                          data=form("backup passphrase", "rosa"))
        await problem_of(response, 409, "conflict")
        session = await restored.ok("POST", "/restore", 201, csrf=False,
                                    data=form("backup passphrase", "rosa2"))
        assert session["did"] == wallet.did
        restored.csrf = session["csrfToken"]
        again = (await restored.ok("GET", "/credentials"))["credentials"]
        assert sorted(c["id"] for c in again) == sorted(c["id"] for c in listed)


# --- pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path, media", [
    ("/wallet/", "text/html"), ("/wallet/index.html", "text/html"),
    ("/issuer/console", "text/html"), ("/verifier/", "text/html"),
])
async def test_pages_are_served_with_a_content_security_policy(service: Service,
                                                               client: ClientSession, path,
                                                               media):
    async with client.get(service.url + path) as response:
        assert response.status == 200
        assert response.content_type == media
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    for hostile in ("/wallet/../pyproject.toml", "/wallet/.hidden.js", "/wallet/%2e%2e/x.js",
                    "/wallet/nothing-here.js"):
        async with client.get(service.url + hostile) as response:
            assert response.status == 404


async def test_wallet_without_slash_redirects(service: Service, client: ClientSession):
    async with client.get(service.url + "/wallet", allow_redirects=False) as response:
        assert response.status == 308
        assert response.headers["Location"] == "/wallet/"


"""VP-QR over real HTTP: the wallet shows a badge as a QR code, and the employer's endpoint
reads the picture's text and verifies the badge without talking to anybody."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import zxingcpp
from aiohttp import ClientSession
from PIL import Image
from test_wallet_http import Wallet, browser
from web_support import Service, badge, issue, problem_of

from vcbadges.credentials import vpqr


async def verify_text(client: ClientSession, service: Service, text: Any) -> tuple[int, Any]:
    async with client.post(service.url + "/verifier/vpqr/verify", json={"vpqr": text}) as r:
        return r.status, await r.json(content_type=None)


async def test_a_wallet_badge_as_a_qr_code_verifies_at_the_employer(service, client):
    tenant, api_key = await service.tenant("acme")
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("rosa")
        plain = await issue(client, service, api_key, {"credential": badge(tenant.did,
                                                                            wallet.did)})
        added = await wallet.ok("POST", "/import", 201,
                                data=json.dumps(plain["verifiableCredential"]).encode(),
                                headers={"Content-Type": "application/json"})
        record = added["credential"]["id"]
        shown = await wallet.ok("GET", f"/credentials/{record}/vpqr")
        # Not without a session.
        async with client.get(service.url + f"/wallet/api/credentials/{record}/vpqr") as r:
            await problem_of(r, 401, "unauthorized")
    assert shown["payload"].startswith("VP1-B") and shown["characters"] == len(shown["payload"])
    assert shown["characters"] <= vpqr.MAX_QR_TEXT
    # The picture holds the payload.
    png = base64.b64decode(shown["image"].removeprefix("data:image/png;base64,"))
    read = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert read and read[0].text == shown["payload"]

    status, result = await verify_text(client, service, read[0].text)
    assert status == 200 and result["verified"] is True, result
    [presentation] = result["presentations"]["vpqr"]
    assert presentation["warnings"][0]["code"] == "holder_not_authenticated"
    [report] = presentation["credentials"]
    assert report["display"]["name"] == plain["verifiableCredential"]["name"]

    # A badge changed before encoding does not verify, and gets no display.
    tampered = dict(plain["verifiableCredential"], name="Something else")
    status, result = await verify_text(client, service,
                                       vpqr.to_text(vpqr.presentation_of(tampered)))
    assert status == 400 and result["verified"] is False
    [report] = result["presentations"]["vpqr"][0]["credentials"]
    assert "display" not in report


async def test_unreadable_codes_are_problems_with_a_code(service, client):
    for text, code in [("VP1-Bab", "vpqr_malformed"), ("hello", "vpqr_malformed"),
                       ("VP1-B" + "A" * 5000, "vpqr_too_large"),
                       ("VP1-B3ECQ", "cborld_malformed")]:
        async with client.post(service.url + "/verifier/vpqr/verify",
                               json={"vpqr": text}) as response:
            body = await problem_of(response, 400, "vpqr-unreadable")
            assert body["code"] == code
    async with client.post(service.url + "/verifier/vpqr/verify", json={"vpqr": 5}) as r:
        await problem_of(r, 400, "invalid-request")


async def test_badges_that_cannot_be_a_qr_code_say_why(service, client):
    tenant, api_key = await service.tenant("acme")
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("rosa")
        heavy = badge(tenant.did, wallet.did)
        heavy["credentialSubject"]["achievement"]["image"] = {
            "id": "data:image/png;base64," + base64.b64encode(b"\x89PNG" + b"\0" * 6000).decode(),
            "type": "Image"}
        signed = await issue(client, service, api_key, {"credential": heavy})
        added = await wallet.ok("POST", "/import", 201,
                                data=json.dumps(signed["verifiableCredential"]).encode(),
                                headers={"Content-Type": "application/json"})
        response, body = await wallet.call(
            "GET", f"/credentials/{added['credential']['id']}/vpqr")
        await problem_of(response, 422, "badge-too-large-for-qr")
        assert "data: URL" in body["detail"] and body["limit"] == vpqr.MAX_QR_TEXT
        jwt = await issue(client, service, api_key, {"credential": badge(tenant.did),
                                                     "options": {"format": "jwt"}})
        added = await wallet.ok("POST", "/import", 201,
                                data=jwt["verifiableCredential"].encode(),
                                headers={"Content-Type": "application/jwt"})
        response, _ = await wallet.call("GET", f"/credentials/{added['credential']['id']}/vpqr")
        await problem_of(response, 422, "not-cbor-ld")

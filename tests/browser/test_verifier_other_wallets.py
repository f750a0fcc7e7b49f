"""The employer page asks the Learner Credential Wallet and VC-API wallets too, in Debian's
Chromium: beside the OpenID4VP QR code, the choice "Learner Credential Wallet / VC-API
wallet" makes a VC-API verify exchange for the same question and shows its QR code, the
wallet's link and the interaction URL. A VC-API wallet (scripted here, as
tests/web/test_vcapi_exchanges_http.py does it) answers through the interaction URL, and the
page shows the checked badge as it shows an OpenID4VP answer. Every state of it fits every
width without sideways scrolling and passes axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")

if not CHROMIUM.exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium", allow_module_level=True)

from aiohttp import ClientSession  # noqa: E402
from browser_support import (  # noqa: E402
    WAIT,
    Watch,
    axe_violations,
    chromium,
    screenshot_folders,
    sideways,
)
from playwright.async_api import Page, async_playwright, expect  # noqa: E402

from vcbadges import generate_key, present  # noqa: E402
from vcbadges.primitives.keys import SigningKey  # noqa: E402
from web.web_support import bearer, running_service  # noqa: E402

WIDTHS = (360, 390, 768, 1280)
ISSUER = "Harbour Academy"
BADGE = "First Aid at Work"
LEARNER = "Grace Hopper"
CHOICE = "Learner Credential Wallet / VC-API wallet"


async def _vcapi_wallet(http: ClientSession, interaction: str, key: SigningKey,
                        badge: dict[str, Any]) -> None:
    """A VC-API wallet: read the interaction URL, start the exchange, present the badge."""
    async with http.get(interaction, headers={"Accept": "application/json"}) as r:
        assert r.status == 200, await r.text()
        exchange = (await r.json())["protocols"]["vcapi"]
    async with http.post(exchange, json={}) as r:
        answer = await r.json()
        assert r.status == 200, answer
    vpr = answer["verifiablePresentationRequest"]
    vp = await present([badge], key=key, challenge=vpr["challenge"], domain=vpr["domain"])
    async with http.post(vpr["interact"]["service"][0]["serviceEndpoint"],
                         json={"verifiablePresentation": vp}) as r:
        assert (r.status, await r.json()) == (200, {})


async def _check(page: Page, label: str, found: list[str]) -> None:
    found += await sideways(page, label)
    found += await axe_violations(page, label)


async def test_the_employer_page_asks_vc_api_wallets_and_shows_their_answer(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shots = screenshot_folders(tmp_path, "verifier-other-wallets", capsys)
    watch = Watch()
    found: list[str] = []
    async with running_service(tmp_path) as service, async_playwright() as pw, \
            chromium(pw) as browser, ClientSession() as http:
        base = service.url
        _, api_key = await service.tenant("harbour-academy", display_name=ISSUER)
        async with http.post(base + "/issuer/achievements", headers=bearer(api_key), json={
                "slug": "first-aid", "achievement": {
                    "name": BADGE, "description": "Gives first aid in the workplace.",
                    "criteria": {"narrative": "Passed the practical assessment."}}}) as r:
            assert r.status == 201, await r.text()
        learner = generate_key()
        async with http.post(base + "/issuer/credentials/issue", headers=bearer(api_key), json={
                "award": {"achievement": "first-aid",
                          "recipient": {"id": learner.controller, "name": LEARNER}}}) as r:
            issued = await r.json()
            assert r.status == 201, issued
        badge = issued["verifiableCredential"]

        for width in WIDTHS:
            context = await browser.new_context(
                viewport={"width": width, "height": 800}, has_touch=width < 600)
            page = watch.page(await context.new_page(), f"verifier-{width}")
            await page.goto(base + "/verifier/")
            async with page.expect_response(
                    lambda r: r.url.endswith("/verifier/requests")) as made:
                await page.get_by_role("button", name="Show QR code").click()
            request = await (await made.value).json()
            await expect(page.locator("#how-oid4vp")).to_be_visible(timeout=WAIT)
            await expect(page.locator("#how-vcapi")).to_be_hidden()
            assert await page.locator("#request-qr").get_attribute("src") == request["qrSvg"]

            # The other wallets: a VC-API exchange for the same question.
            async with page.expect_response(
                    lambda r: r.url.endswith("/verifier/exchanges")
                    and r.request.method == "POST") as made:
                await page.get_by_label(CHOICE).check()
            exchange = await (await made.value).json()
            await expect(page.locator("#how-vcapi")).to_be_visible(timeout=WAIT)
            await expect(page.locator("#how-oid4vp")).to_be_hidden()
            qr = page.locator("#request-qr")
            await expect(qr).to_have_attribute(
                "src", f"/exchanges/{exchange['exchangeId']}/qr.svg?of=lcw")
            await page.wait_for_function(
                "() => { const i = document.querySelector('#request-qr');"
                " return i.complete && i.naturalWidth > 0; }")
            link = await page.get_by_role(
                "link", name="Open in the Learner Credential Wallet").get_attribute("href")
            assert link == exchange["lcwExchangeLink"]
            assert link.startswith("dccrequest://request?")
            assert exchange["exchangeUrl"] in parse_qs(urlsplit(link).query)["request"][0]
            interaction = await page.locator("#interaction-url").text_content()
            assert interaction == exchange["interactionUrl"]
            assert interaction.startswith(base + "/exchanges/")
            await expect(page.locator("#request-expires")).to_contain_text("valid for")
            await _check(page, f"vcapi-waiting-{width}", found)
            if width in (390, 1280):
                await shots.take(page, f"vcapi-waiting-{width}")

            # Back to OpenID4VP and again: the same exchange, not a new one.
            await page.get_by_label("An OpenID4VP wallet").check()
            await expect(page.locator("#how-oid4vp")).to_be_visible()
            assert await qr.get_attribute("src") == request["qrSvg"]
            await page.get_by_label(CHOICE).check()
            await expect(qr).to_have_attribute(
                "src", f"/exchanges/{exchange['exchangeId']}/qr.svg?of=lcw")

            await _vcapi_wallet(http, interaction, learner, badge)
            # As an OpenID4VP answer is shown: intact and valid, the issuer's name a claim.
            await expect(page.locator("#banner.caution")).to_be_visible(timeout=WAIT)
            await expect(page.locator("#result-title")).to_have_text(
                "Valid, but the issuer is not confirmed")
            await expect(page.locator("#credentials .badge-name")).to_have_text(BADGE)
            await expect(page.locator("#credentials .awarded")).to_have_text(
                f"Awarded to {LEARNER}")
            await expect(page.locator("#all-checks")).to_contain_text("Holder's signature")
            await _check(page, f"vcapi-result-{width}", found)
            if width in (390, 1280):
                await shots.take(page, f"vcapi-result-{width}")
            await context.close()

    assert found == [], "\n".join(found)
    assert watch.errors == []

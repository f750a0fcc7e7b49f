"""The issuer console follows an offer as the service tells it, in Debian's Chromium: a badge
issued meanwhile by other means does not pass for the offer's delivery, a fetch takes the QR
code off the screen and keeps the PIN, and the service's expiry (not the page's clock) takes
the PIN off too and ends the polling."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")

if not CHROMIUM.exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium", allow_module_level=True)

from aiohttp import ClientSession  # noqa: E402
from browser_support import DESK, WAIT, Watch, chromium  # noqa: E402
from playwright.async_api import Request, async_playwright, expect  # noqa: E402

from vcbadges.web.keys import CLOCK  # noqa: E402
from web.web_support import bearer, running_service  # noqa: E402

SCAN = "Scan with the wallet"
EXPIRED = "This offer has expired. Make a new one."


async def test_the_console_believes_the_service_only(tmp_path: Path) -> None:
    watch = Watch()
    async with running_service(tmp_path) as service, async_playwright() as pw, \
            chromium(pw) as browser, ClientSession() as http:
        base = service.url
        _, api_key = await service.tenant("harbour-academy")
        async with http.post(base + "/issuer/achievements", headers=bearer(api_key), json={
                "slug": "first-aid", "achievement": {
                    "name": "First Aid at Work",
                    "description": "Gives first aid in the workplace.",
                    "criteria": {"narrative": "Passed the practical assessment."}}}) as r:
            assert r.status == 201, await r.text()

        console = watch.page(await (await browser.new_context(**DESK)).new_page(), "console")
        await console.goto(base + "/issuer/console")
        await console.get_by_label("API key").fill(api_key)
        await console.get_by_role("button", name="Connect").click()
        await expect(console.locator("#chosen")).to_contain_text("First Aid at Work")
        async with console.expect_response(
                lambda r: r.url.endswith("/issuer/offers") and r.request.method == "POST"
        ) as made:
            await console.get_by_role("button", name="Show the QR code").click()
        offer = await (await made.value).json()
        state_url = f"{base}/issuer/offers/{offer['offerId']}"
        asked: list[str] = []

        def seen(request: Request) -> None:
            if request.url == state_url:
                asked.append(request.url)

        console.on("request", seen)
        await expect(console.locator("#offer-pin")).to_have_text(offer["txCode"])

        # Another badge of the tenant, issued while the offer is shown, is not its delivery.
        async with http.post(base + "/issuer/credentials/issue", headers=bearer(api_key),
                             json={"award": {"achievement": "first-aid",
                                             "recipient": {"email": "ada@example.org"}}}) as r:
            assert r.status == 201, await r.text()
        for _ in range(2):
            async with console.expect_response(state_url, timeout=WAIT):
                pass
        await expect(console.locator("#offer-title")).to_have_text(SCAN)
        await expect(console.locator("#offer-qr")).to_be_visible()
        await expect(console.locator("#offer-picked")).to_be_hidden()

        # A wallet fetches the offer: its QR code is spent, its PIN is still needed.
        offer_url = parse_qs(urlsplit(offer["offerUri"]).query)["credential_offer_uri"][0]
        async with http.get(offer_url) as r:
            assert r.status == 200
        await expect(console.locator("#offer-title")).to_have_text(
            "Opened in the learner's wallet", timeout=WAIT)
        await expect(console.locator("#offer-qr")).to_be_hidden()
        await expect(console.locator("#offer-pin")).to_have_text(offer["txCode"])

        # The service's clock passes the expiry (the page's has 15 minutes to go).
        service.app[CLOCK].advance(timedelta(minutes=16))
        await expect(console.locator("#offer-expires")).to_have_text(EXPIRED, timeout=WAIT)
        await expect(console.locator("#pin-box")).to_be_hidden()
        await expect(console.locator("#offer-pin")).to_have_text("")
        polled = len(asked)
        await asyncio.sleep(5)
        assert len(asked) == polled, "the console still polls an expired offer"
        assert watch.errors == []

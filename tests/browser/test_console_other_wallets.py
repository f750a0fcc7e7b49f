"""The issuer console offers the badge to the Learner Credential Wallet and VC-API wallets
beside its OpenID4VCI QR code, in Debian's Chromium: a deep link and its QR code, the
interaction URL; none with a PIN. A wallet following the deep link (scripted here, as the
Learner Credential Wallet's credential request does it) gets the badge, and the console says
it was delivered, its codes taken off the screen."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")

if not CHROMIUM.exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium", allow_module_level=True)

from aiohttp import ClientSession  # noqa: E402
from browser_support import DESK, Watch, chromium  # noqa: E402
from playwright.async_api import async_playwright, expect  # noqa: E402

from vcbadges import generate_key  # noqa: E402
from vcbadges.jsonld.loader import StaticLoader  # noqa: E402
from vcbadges.proofs.di import add_proof  # noqa: E402
from web.web_support import bearer, running_service  # noqa: E402


async def test_the_console_shows_the_other_wallets_links(tmp_path: Path) -> None:
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

        # With a PIN: no links for wallets that cannot enter it.
        await console.get_by_role("button", name="Show the QR code").click()
        await expect(console.locator("#other-wallets-pin")).to_be_visible()
        await expect(console.locator("#other-wallets")).to_be_hidden()

        await console.get_by_label("Ask for a PIN").uncheck()
        await console.get_by_role("button", name="Show the QR code").click()
        await expect(console.locator("#other-wallets")).to_be_visible()
        await expect(console.locator("#other-wallets-pin")).to_be_hidden()
        await expect(console.locator("#lcw-qr")).to_be_visible()
        interaction = await console.locator("#interaction-url").text_content()
        assert interaction and interaction.startswith(base + "/exchanges/")
        assert interaction.endswith("/protocols?iuv=1")
        link = await console.get_by_role("link", name="Open in the Learner Credential Wallet") \
            .get_attribute("href")
        assert link and link.startswith("dccrequest://request?")
        assert await console.evaluate(
            "() => document.querySelector('#lcw-qr').naturalWidth") > 0

        # The Learner Credential Wallet follows the link: the console sees the delivery.
        params = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
        key = generate_key()
        vp = await add_proof(
            {"@context": ["https://www.w3.org/2018/credentials/v1"],
             "type": ["VerifiablePresentation"], "holder": key.controller},
            key=key, loader=StaticLoader(), suite="ed25519-2020", purpose="authentication",
            challenge=params["challenge"])
        async with http.post(params["vc_request_url"], json=vp) as r:
            credential = await r.json()
            assert r.status == 200, credential
        assert credential["credentialSubject"]["id"] == key.controller
        await expect(console.locator("#offer-title")).to_have_text("Delivered")
        await expect(console.locator("#other-wallets")).to_be_hidden()
        await expect(console.locator("#offer-qr")).to_be_hidden()
        assert not watch.errors, watch.errors

"""How the pages name an issuer, in Debian's Chromium: a badge calls its issuer whatever its
signer wrote, so the employer's page and the wallet confirm a name only when an issuer
registry the service trusts lists the issuer, and otherwise say what the issuer calls
itself, never in green.

The wallet receives each badge by a pasted import and answers the employer's request by a
pasted link (the camera's path is in test_journey.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

if not CHROMIUM.exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium", allow_module_level=True)

from aiohttp import ClientSession  # noqa: E402
from browser_support import (  # noqa: E402
    DESK,
    WAIT,
    Watch,
    chromium,
    create_account,
    paste_import,
    phone,
    screenshot_folders,
)
from playwright.async_api import Browser, Page, async_playwright, expect  # noqa: E402

from vcbadges import generate_key, issue  # noqa: E402
from vcbadges.credentials.sample import sample_badge  # noqa: E402
from web.web_support import bearer, running_service  # noqa: E402

DEMO_ISSUER = "vcbadges demo issuer"
LEARNER = ("mia", "a passphrase of some length")
REGISTRY = "riverside-registry.json"


async def wallet_with_account(browser: Browser, base: str, watch: Watch) -> tuple[Page, str]:
    """A phone-sized wallet page with a new account; the account's DID."""
    wallet = watch.page(await (await phone(browser, base)).new_page(), "wallet")
    return wallet, await create_account(wallet, base, *LEARNER)


async def share_with_employer(browser: Browser, base: str, wallet: Page, watch: Watch,
                              issuer_words: str) -> Page:
    """The employer asks; the wallet, shown the issuer as ``issuer_words``, shares."""
    verifier = watch.page(await (await browser.new_context(**DESK)).new_page(), "verifier")
    await verifier.goto(base + "/verifier/")
    async with verifier.expect_response(
            lambda r: r.url.endswith("/verifier/requests") and r.request.method == "POST"
    ) as made:
        await verifier.get_by_role("button", name="Show QR code").click()
    request = await (await made.value).json()
    await wallet.get_by_role("link", name="Scan", exact=True).click()
    await wallet.get_by_label("Paste a link").fill(request["qrPayload"])
    await wallet.get_by_role("button", name="Open", exact=True).click()
    await expect(wallet.locator("#view-request")).to_be_visible(timeout=WAIT)
    await expect(wallet.locator("#request-matches")).to_contain_text(issuer_words)
    await wallet.get_by_role("button", name="Share").click()
    await expect(wallet.locator("#done-title")).to_have_text("Shared", timeout=WAIT)
    await expect(verifier.locator("#result")).to_be_visible(timeout=WAIT)
    return verifier


async def test_the_demo_issuer_is_named_as_a_claim(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """No registry is configured by default: the demo tenant's badge is valid, and its
    issuer "calls itself vcbadges demo issuer; not in your trusted issuers"."""
    watch = Watch()
    async with running_service(tmp_path, demo_tenant=True) as service, \
            async_playwright() as pw, chromium(pw) as browser, ClientSession() as http:
        found = re.search(r"API key, shown only this once: (\S+)", capsys.readouterr().out)
        assert found, "the demo tenant's key was not printed"
        shots = screenshot_folders(tmp_path, "issuer-names", capsys)
        base = service.url
        wallet, did = await wallet_with_account(browser, base, watch)
        async with http.post(base + "/issuer/credentials/issue", headers=bearer(found[1]), json={
                "award": {"achievement": "explorer", "recipient": {"id": did}}}) as response:
            assert response.status == 201, await response.text()
            issued = (await response.json())["verifiableCredential"]
        await paste_import(wallet, issued)
        claimed = f"calls itself {DEMO_ISSUER}; not in your trusted issuers"
        await expect(wallet.locator("#done-card .issuer-claim")).to_have_text(f"Issuer {claimed}")

        verifier = await share_with_employer(browser, base, wallet, watch,
                                             f"calls itself {DEMO_ISSUER}")
        await expect(verifier.locator("#banner.caution")).to_be_visible(timeout=WAIT)
        await expect(verifier.locator("#banner.ok")).to_have_count(0)
        await expect(verifier.locator("#result-title")).to_have_text(
            "Valid, but the issuer is not confirmed")
        await expect(verifier.locator("#result-text")).to_contain_text(claimed)
        await expect(verifier.locator("#credentials .issuer-claim")).to_have_text(
            f"Issuer {claimed}")
        await expect(verifier.locator("#all-checks")).to_contain_text(
            f"The issuer {claimed}.")
        await shots.take(verifier, "verifier-demo-issuer")
    assert watch.errors == []


async def test_a_listed_issuer_is_named_by_its_registry(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    """A registry lists the issuer as "Riverside College": that name is shown, confirmed,
    never the name the badge itself gives ("Example University"); the page is green."""
    key = generate_key("Ed25519")
    registry = tmp_path / REGISTRY
    registry.write_text(json.dumps([{"did": key.controller, "name": "Riverside College"}]))
    watch = Watch()
    async with running_service(tmp_path, issuer_registries=(str(registry),)) as service, \
            async_playwright() as pw, chromium(pw) as browser:
        shots = screenshot_folders(tmp_path, "issuer-names", capsys)
        base = service.url
        wallet, did = await wallet_with_account(browser, base, watch)
        badge = sample_badge(issuer=key.controller, subject=did).to_json()
        assert badge["issuer"]["name"] == "Example University"
        await paste_import(wallet, await issue(badge, key=key))
        listed = f"Riverside College — listed in {REGISTRY}"
        await expect(wallet.locator("#done-card .issuer-listed")).to_have_text(listed)
        await expect(wallet.locator("#done-card .verdict.ok")).to_be_visible()

        # The consent screen names the issuer as the registry does, like the badge's page.
        verifier = await share_with_employer(browser, base, wallet, watch, listed)
        await expect(verifier.locator("#banner.ok")).to_be_visible(timeout=WAIT)
        await expect(verifier.locator("#result-title")).to_have_text("Verified")
        await expect(verifier.locator("#credentials .issuer-listed")).to_have_text(
            f"From {listed}")
        await expect(verifier.locator("#credentials .state")).to_have_text("Verified")
        await expect(verifier.locator("#credentials")).not_to_contain_text("Example University")
        await shots.take(verifier, "verifier-listed-issuer")
    assert watch.errors == []

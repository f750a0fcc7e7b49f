"""Every page at a phone's and a tablet's width, in Debian's Chromium: none scrolls sideways
at 360, 390 or 768 px, and axe-core finds no serious or critical accessibility violation on
any page in any main state: the landing page; the issuer console asking for its key,
connected, showing an offer, and asking why a badge is revoked; the wallet's welcome, badge
list (which marks the revoked and the suspended badge), badge detail, scan view (a failed
scan said in words, in sight) and both consent screens; the employer's page asking for a
badge chosen by name, waiting, and showing the result for an issuer no registry lists.

Along the way the pages are checked for people's names and plain words where identifiers
used to be. The console at 390 px and the employer's result for that unknown issuer are
saved as screenshots, whose paths are printed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

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
    create_account,
    paste_import,
    phone,
    screenshot_folders,
    sideways,
)
from playwright.async_api import Page, async_playwright, expect  # noqa: E402

from web.web_support import bearer, running_service  # noqa: E402

WIDTHS = (360, 390, 768)
ISSUER = "Riverside College"
BADGE = "Data Literacy 101"
LEARNER = "Ada Lovelace"
ACCOUNT = ("ada", "a passphrase for every width")
CLAIMED = f"calls itself {ISSUER}; not in your trusted issuers"
USED_OFFER = "This code was already used, or it has expired. Ask the issuer for a new one."


async def post(http: ClientSession, url: str, api_key: str, body: dict[str, Any]) -> Any:
    async with http.post(url, json=body, headers=bearer(api_key)) as response:
        answer = await response.json()
        assert response.status in (200, 201), answer
        return answer


class Checks:
    """Sideways scrolling and axe-core, on each page state given; what they find."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self.count = 0

    async def __call__(self, page: Page, label: str) -> None:
        self.count += 1
        self.found += await sideways(page, label)
        self.found += await axe_violations(page, label)


async def in_sight(wallet: Page, selector: str) -> bool:
    """Whether the element is between the wallet's sticky top bar and its tab bar."""
    return bool(await wallet.evaluate("""(selector) => {
        const box = document.querySelector(selector).getBoundingClientRect();
        const top = document.querySelector("#topbar").getBoundingClientRect().bottom;
        const bar = document.querySelector("#tabbar");
        const bottom = bar.hidden ? innerHeight : bar.getBoundingClientRect().top;
        return box.height > 0 && box.top >= top && box.bottom <= bottom;
    }""", selector))


async def test_every_page_fits_every_width_and_passes_axe(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shots = screenshot_folders(tmp_path, "widths", capsys)
    saved: list[Path] = []
    watch = Watch()
    check = Checks()
    async with running_service(tmp_path) as service, async_playwright() as pw, \
            chromium(pw) as browser, ClientSession() as http:
        base = service.url
        _, api_key = await service.tenant("riverside-college", display_name=ISSUER)
        async with http.get(base + "/issuer/tenant", headers=bearer(api_key)) as response:
            issuer_did = (await response.json())["did"]
        await post(http, base + "/issuer/achievements", api_key, {
            "slug": "data-literacy", "statusPurposes": ["revocation", "suspension"],
            "achievement": {
                "name": BADGE, "description": "Reads, questions and explains data.",
                "criteria": {"narrative": "Passed the final assessment."}}})

        # A wallet with three badges for the learner: one stays valid, one is revoked and
        # one suspended after it was taken in.
        context = await phone(browser, base)
        wallet = watch.page(await context.new_page(), "wallet")
        did = await create_account(wallet, base, *ACCOUNT)
        ids = []
        for _ in range(3):
            issued = await post(http, base + "/issuer/credentials/issue", api_key, {
                "award": {"achievement": "data-literacy",
                          "recipient": {"id": did, "name": LEARNER}}})
            ids.append(issued["verifiableCredential"]["id"])
            await paste_import(wallet, issued["verifiableCredential"])
        for credential_id, status in ((ids[1], "revoked"), (ids[2], "suspended")):
            await post(http, base + "/issuer/credentials/status", api_key, {
                "credentialId": credential_id, "reason": "Testing the marks",
                "credentialStatus": [{"type": "BitstringStatusListEntry", "status": status}]})
        state = await context.storage_state()
        await context.close()

        for width in WIDTHS:
            size: dict[str, Any] = {"viewport": {"width": width, "height": 800},
                                    "has_touch": width < 600}

            # --- Without a wallet session: the landing page and the wallet's welcome. -------
            fresh = await browser.new_context(**size)
            page = watch.page(await fresh.new_page(), f"landing-{width}")
            await page.goto(base + "/")
            await check(page, f"landing-{width}")
            await page.goto(base + "/wallet/")
            await expect(page.locator("#view-welcome")).to_be_visible()
            await check(page, f"wallet-welcome-{width}")
            # The employer's page without a catalog asks for any Open Badge.
            await page.route("**/verifier/catalog", lambda route: route.fulfill(status=503))
            await page.goto(base + "/verifier/")
            await expect(page.locator("#any-badge")).to_be_visible()
            await expect(page.locator("#narrow")).to_be_hidden()
            await fresh.close()

            context = await browser.new_context(**size, storage_state=state)

            # --- The issuer console. ---------------------------------------------------------
            console = watch.page(await context.new_page(), f"console-{width}")
            await console.goto(base + "/issuer/console")
            await check(console, f"console-key-{width}")
            await console.get_by_label("API key").fill(api_key)
            await console.get_by_role("button", name="Connect").click()
            await expect(console.get_by_role("heading", level=1)).to_have_text("Award badges")
            rows = console.locator("#issued-rows tr")
            await expect(rows).to_have_count(3, timeout=WAIT)
            await expect(console.locator("#issued-rows")).not_to_have_attribute("aria-busy",
                                                                               "true")
            # Awarded to a person, not to a key.
            for row in await rows.all():
                await expect(row).to_contain_text(LEARNER)
            await check(console, f"console-connected-{width}")
            await console.get_by_role("button", name="Show the QR code").click()
            await expect(console.locator("#offer-pin")).to_have_text(re.compile(r"^\d{6}$"))
            await console.wait_for_function(
                "() => { const i = document.querySelector('#offer-qr');"
                " return i.complete && i.naturalWidth > 0; }")
            await check(console, f"console-offer-{width}")
            if width == 390:
                saved += await shots.take(console, "console-390")
            # Revoking asks why.
            active = rows.filter(has=console.locator(".pill.active"))
            await active.get_by_role("button", name="Revoke").click()
            dialog = console.get_by_role("dialog")
            await expect(dialog).to_contain_text(f"{BADGE}, awarded to {LEARNER}.")
            await dialog.get_by_role("button", name="Revoke for good").click()
            await expect(dialog.locator(".form-error")).to_contain_text("Say why")
            await check(console, f"console-revoke-{width}")
            await dialog.get_by_role("button", name="Cancel").click()
            await expect(dialog).to_be_hidden()
            await expect(active.locator(".pill")).to_have_text("Active")

            # --- The wallet: the list marks what a verifier would turn down. --------------
            wallet = watch.page(await context.new_page(), f"wallet-{width}")
            await wallet.goto(base + "/wallet/")
            cards = wallet.locator("#badge-list .badge-card")
            await expect(cards).to_have_count(3, timeout=WAIT)
            await expect(wallet.locator("#badge-list")).not_to_have_attribute(
                "aria-busy", "true", timeout=WAIT)
            await expect(wallet.locator(".badge-standing.revoked")).to_have_text("Revoked")
            await expect(wallet.locator(".badge-standing.suspended")).to_have_text("Suspended")
            await expect(wallet.locator(".badge-standing")).to_have_count(2)
            await check(wallet, f"wallet-list-{width}")
            await cards.filter(has_not=wallet.locator(".badge-standing")).click()
            await expect(wallet.locator("#detail-verdict.caution")).to_be_visible(timeout=WAIT)
            await expect(wallet.locator("#detail-subject")).to_have_text(f"Awarded to {LEARNER}")
            await check(wallet, f"wallet-detail-{width}")

            # An offer's consent screen names the issuer by its site, in words.
            offer = await post(http, base + "/issuer/offers", api_key,
                               {"achievement": "data-literacy", "pin": True})
            await wallet.goto(base + "/wallet/#open=" + quote(offer["offerUri"], safe=""))
            await expect(wallet.locator("#view-offer")).to_be_visible(timeout=WAIT)
            party = wallet.locator("#offer-party")
            await expect(party).to_contain_text("(this service)")
            await expect(party).to_contain_text(f"Calls itself {ISSUER}")
            await expect(wallet.locator("#view-offer")).not_to_contain_text("oid4vci")
            await expect(wallet.locator("#view-offer")).not_to_contain_text("Data Integrity")
            await check(wallet, f"wallet-offer-{width}")
            await wallet.get_by_role("button", name="Decline").click()
            await expect(wallet.locator("#view-badges")).to_be_visible(timeout=WAIT)

            # The same offer again: it was fetched already. Said in words, in sight.
            await wallet.get_by_role("link", name="Scan", exact=True).click()
            await expect(wallet.locator("#view-scan")).to_be_visible()
            await wallet.get_by_label("Paste a link").fill(offer["offerUri"])
            await wallet.get_by_role("button", name="Open", exact=True).click()
            problem = wallet.locator("#scan-error")
            await expect(problem).to_have_text(USED_OFFER, timeout=WAIT)
            assert await in_sight(wallet, "#scan-error"), "the scan error is out of sight"
            await check(wallet, f"wallet-scan-{width}")

            # --- The employer asks for the badge by name; the wallet shares it. ----------------
            verifier = watch.page(await context.new_page(), f"verifier-{width}")
            await verifier.goto(base + "/verifier/")
            await expect(verifier.locator("#narrow")).to_be_visible(timeout=WAIT)
            await verifier.get_by_text("Ask for a particular badge").click()
            await verifier.get_by_label("Badge", exact=True).select_option(label=BADGE)
            await expect(verifier.get_by_label("Issuer", exact=True)).to_have_value(issuer_did)
            await check(verifier, f"verifier-ask-{width}")
            async with verifier.expect_response(
                    lambda r: r.url.endswith("/verifier/requests") and r.request.method == "POST"
            ) as made:
                await verifier.get_by_role("button", name="Show QR code").click()
            response = await made.value
            request = await response.json()
            chosen = await verifier.get_by_label("Badge", exact=True).input_value()
            assert response.request.post_data_json == {"achievement": chosen,
                                                       "issuer": issuer_did}
            await expect(verifier.locator("#asking")).to_have_text(
                f"Asking for “{BADGE}” from {ISSUER}.")
            await verifier.wait_for_function(
                "() => { const i = document.querySelector('#request-qr');"
                " return i.complete && i.naturalWidth > 0; }")
            await check(verifier, f"verifier-waiting-{width}")

            await wallet.get_by_label("Paste a link").fill(request["qrPayload"])
            await wallet.get_by_role("button", name="Open", exact=True).click()
            await expect(wallet.locator("#view-request")).to_be_visible(timeout=WAIT)
            await expect(wallet.locator("#request-party")).to_contain_text(
                "(this service's employer page)")
            await expect(wallet.locator("#view-request")).not_to_contain_text("redirect_uri")
            await expect(wallet.locator("#request-asks")).to_have_text(
                f"An Open Badge for the achievement “{BADGE}” from the issuer that calls "
                f"itself {ISSUER}")
            await expect(wallet.locator("#request-matches .choice")).to_have_count(3)
            await check(wallet, f"wallet-request-{width}")
            await wallet.locator("#request-matches .choice").filter(
                has_not=wallet.locator(".standing")).locator("input").check()
            await wallet.get_by_role("button", name="Share").click()
            await expect(wallet.locator("#done-title")).to_have_text("Shared", timeout=WAIT)

            await expect(verifier.locator("#banner.caution")).to_be_visible(timeout=WAIT)
            await expect(verifier.locator("#credentials .awarded")).to_have_text(
                f"Awarded to {LEARNER}")
            await expect(verifier.locator("#credentials .issuer-claim")).to_have_text(
                f"Issuer {CLAIMED}")
            await check(verifier, f"verifier-result-{width}")
            if width == 768:
                saved += await shots.take(verifier, "employer-unknown-issuer-768")
            await context.close()

    with capsys.disabled():
        print("\n".join(["", *(f"screenshot: {path}" for path in saved),
                         f"{check.count} page states at {', '.join(map(str, WIDTHS))} px: "
                         f"{len(check.found)} problems"]))
    assert check.found == [], "\n".join(check.found)
    assert watch.errors == []

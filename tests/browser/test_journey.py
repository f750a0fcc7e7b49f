"""The whole journey in real browsers: Debian's Chromium driven by Playwright.

The issuer console awards a badge and shows the offer's QR code and PIN; the wallet (a
phone-sized page) scans it with its camera, which is Chromium's fake camera playing a Y4M
video of that QR code, read in the page (no frame goes to the service's decoder), asks for
the PIN and accepts; the employer's page shows a request QR code, the wallet scans it and
shares the badge, and the page shows it valid, its issuer named as what it calls itself (no
issuer registry is configured, so the name is only the issuer's claim, and the page is not
green). Then the issuer revokes the badge, and a second presentation shows it revoked.

Chromium reads the fake camera's video file given at launch, so every scan launches its
own Chromium with a fresh video; the wallet's session (an HttpOnly cookie) goes from one to
the next through Playwright's storage state. Screenshots of each step are written under
pytest's ``tmp_path`` and, when ``VCBADGES_SCREENSHOTS`` names a folder, there too.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

CHROMIUM = Path("/usr/bin/chromium")

if not CHROMIUM.exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium", allow_module_level=True)

from browser_support import (  # noqa: E402
    DESK,
    PHONE,
    WAIT,
    Shots,
    Watch,
    badge_png,
    chromium,
    phone,
    screenshot_folders,
)
from playwright.async_api import (  # noqa: E402
    BrowserContext,
    Page,
    Playwright,
    async_playwright,
    expect,
)
from y4m import qr_video  # noqa: E402

from web.web_support import running_service  # noqa: E402

BADGE = "Data Literacy 101"
DESCRIPTION = "Reads, questions and explains quantitative evidence."
CRITERIA = "Passed the final assessment with a grade of B or better."
ISSUER = "Riverside College"
EVIDENCE = ("Air-quality dashboard",
            "Built a dashboard of a year of local air-quality readings, with its caveats.",
            "https://portfolio.example/ada/air-quality")
PIN_LEARNER = ("ada", "correct horse battery")
# How every page names an issuer no registry lists.
CLAIMED = f"calls itself {ISSUER}; not in your trusted issuers"
DECODE_QR = "/wallet/api/decode-qr"


def decoder_requests(context: BrowserContext) -> list[str]:
    """The requests ``context`` makes to the service's QR decoder, from now on: a camera scan
    reads its frames in the page, so there must be none."""
    seen: list[str] = []
    context.on("request", lambda r: seen.append(r.url) if DECODE_QR in r.url else None)
    return seen


async def ask_for_a_badge(verifier: Page) -> dict[str, Any]:
    """Press the employer page's button; return the request the service made."""
    async with verifier.expect_response(
            lambda r: r.url.endswith("/verifier/requests") and r.request.method == "POST"
    ) as made:
        await verifier.get_by_role("button", name="Show QR code").click()
    request: dict[str, Any] = await (await made.value).json()
    assert request["qrPayload"].startswith("openid4vp://"), request
    assert len(request["qrPayload"]) < 400, request["qrPayload"]
    await expect(verifier.locator("#waiting")).to_be_visible()
    await verifier.wait_for_function(
        "() => { const i = document.querySelector('#request-qr');"
        " return i.complete && i.naturalWidth > 0; }")
    return request


async def scan_and_share(pw: Playwright, base: str, payload: str, video: Path,
                         state: Any, shots: Shots, watch: Watch, step: str) -> Any:
    """Scan a request's QR code with the wallet's camera and share the matching badge."""
    async with chromium(pw, qr_video(payload, video)) as browser:
        context = await phone(browser, base, state)
        decodes = decoder_requests(context)
        wallet = watch.page(await context.new_page(), "wallet")
        await wallet.goto(base + "/wallet/#/scan")
        await expect(wallet.locator("#view-request")).to_be_visible(timeout=WAIT)
        assert decodes == [], "a camera frame left the page"
        await expect(wallet.locator("#request-matches")).to_contain_text(BADGE)
        await expect(wallet.locator("#request-matches .issuer-claim")).to_contain_text(
            f"calls itself {ISSUER}")
        await expect(wallet.locator("#request-asks")).to_contain_text("Open Badge")
        # Before agreeing, the holder learns what the verifier will find.
        warning = wallet.locator("#request-matches .standing")
        if step == "again":
            await expect(warning).to_have_text(
                "Revoked by its issuer: the other side will see that.")
        else:
            await expect(warning).to_have_count(0)
        await shots.take(wallet, f"wallet-request-{step}")
        await wallet.get_by_role("button", name="Share").click()
        await expect(wallet.locator("#view-done")).to_be_visible(timeout=WAIT)
        await expect(wallet.locator("#done-title")).to_have_text("Shared")
        await shots.take(wallet, f"wallet-shared-{step}")
        state = await context.storage_state()
        await context.close()
    return state


async def test_issue_scan_accept_present_revoke(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    shots = screenshot_folders(tmp_path, "journey", capsys)
    watch = Watch()

    # No fetch settings: the wallet reaches this service at its own origin, and nothing else
    # over plain http or at a loopback address, as after a plain `vcbadges serve`.
    async with running_service(tmp_path, fetch_allow_http_hosts=frozenset(),
                               fetch_allow_networks=()) as service, async_playwright() as pw, \
            chromium(pw) as desk:
        assert service.settings.wallet_fetch_allow_http_hosts is None
        assert service.settings.wallet_fetch_allow_networks is None
        base = service.url
        _, api_key = await service.tenant("riverside-college", display_name=ISSUER)

        # --- The issuer console: an achievement, then an offer with a PIN. -----------------
        console = watch.page(await (await desk.new_context(**DESK)).new_page(), "console")
        await console.goto(base + "/issuer/console")
        await console.get_by_label("API key").fill(api_key)
        await console.get_by_role("button", name="Connect").click()
        await expect(console.locator("#workspace")).to_be_visible()
        await expect(console.locator("#who")).to_contain_text(f"Awarding as {ISSUER}")
        await expect(console.locator("#name-claim")).to_contain_text(CLAIMED)
        await console.get_by_role("button", name="New").click()
        await console.get_by_label("Name", exact=True).fill(BADGE)
        await console.get_by_label("Description").fill(DESCRIPTION)
        await console.get_by_label("Criteria").fill(CRITERIA)
        await console.locator("#ach-type").select_option("Course")
        await console.locator("#ach-image-file").set_input_files(
            {"name": "badge.png", "mimeType": "image/png", "buffer": badge_png()})
        await console.get_by_role("button", name="Save achievement").click()
        await expect(console.locator('.ach[aria-checked="true"]')).to_contain_text(BADGE)
        await console.get_by_label("Recipient's name (optional)").fill("Ada Lovelace")
        await console.get_by_label("Evidence title").fill(EVIDENCE[0])
        await console.get_by_label("What was done").fill(EVIDENCE[1])
        await console.get_by_label("Link to the evidence (optional)").fill(EVIDENCE[2])
        await expect(console.get_by_label("Ask for a PIN")).to_be_checked()
        async with console.expect_response(
                lambda r: r.url.endswith("/issuer/offers") and r.request.method == "POST"
        ) as made:
            await console.get_by_role("button", name="Show the QR code").click()
        offer = await (await made.value).json()
        assert offer["offerUri"].startswith("openid-credential-offer://"), offer
        assert len(offer["offerUri"]) < 400, offer["offerUri"]
        pin = offer["txCode"]
        assert pin and pin.isdigit(), offer
        await expect(console.locator("#offer-pin")).to_have_text(pin)
        await expect(console.locator("#offer-for")).to_contain_text(EVIDENCE[0])
        await console.wait_for_function(
            "() => { const i = document.querySelector('#offer-qr');"
            " return i.complete && i.naturalWidth > 0; }")
        await shots.take(console, "console-offer")

        # --- The wallet: a new account, then the camera reads the offer. --------------------
        async with chromium(pw, qr_video(offer["offerUri"], tmp_path / "offer.y4m")) as cam:
            context = await phone(cam, base)
            decodes = decoder_requests(context)
            wallet = watch.page(await context.new_page(), "wallet")
            await wallet.goto(base + "/wallet/")
            await wallet.get_by_role("tab", name="Create").click()
            await wallet.locator("#create-username").fill(PIN_LEARNER[0])
            await wallet.locator("#create-passphrase").fill(PIN_LEARNER[1])
            await wallet.locator("#create-confirm").fill(PIN_LEARNER[1])
            await shots.take(wallet, "wallet-create")
            await wallet.get_by_role("button", name="Create wallet").click()
            await expect(wallet.locator("#badges-empty")).to_be_visible(timeout=WAIT)
            await shots.take(wallet, "wallet-empty")
            await wallet.locator('#tabbar a[data-nav="scan"]').click()
            await expect(wallet.locator("#view-offer")).to_be_visible(timeout=WAIT)
            # The camera's frames were read in the page (scan.js), never uploaded.
            assert decodes == [], "a camera frame left the page"
            assert await wallet.evaluate("() => window.QrScan.frames") >= 1
            # The offer names the badge itself (with its picture), and the issuer by its
            # display name.
            items = wallet.locator("#offer-items")
            await expect(items).to_contain_text(BADGE)
            await expect(items).to_contain_text(DESCRIPTION)
            await expect(items).not_to_contain_text("Open Badge")
            await expect(items.locator("img")).to_have_count(1)
            await wallet.wait_for_function(
                "() => { const i = document.querySelector('#offer-items img');"
                " return i && i.complete && i.naturalWidth > 0; }")
            await expect(wallet.locator("#offer-party")).to_contain_text(f"Calls itself {ISSUER}")
            await expect(wallet.locator("#offer-pin")).to_be_visible()
            # The wallet has fetched the offer: the console takes the spent QR code off the
            # screen, and keeps the PIN the learner is about to type.
            await expect(console.locator("#offer-title")).to_have_text(
                "Opened in the learner's wallet", timeout=WAIT)
            await expect(console.locator("#offer-qr")).to_be_hidden()
            await expect(console.locator("#offer-pin")).to_have_text(pin)
            await wallet.get_by_label("PIN").fill(pin)
            await shots.take(wallet, "wallet-offer")
            await wallet.get_by_role("button", name="Accept badge").click()
            await expect(wallet.locator("#view-done")).to_be_visible(timeout=WAIT)
            await expect(wallet.locator("#done-title")).to_have_text("Badge added")
            await expect(wallet.locator("#done-card .verdict.caution")).to_contain_text(
                "Valid, but the issuer is not confirmed")
            await expect(wallet.locator("#done-card .issuer-claim")).to_contain_text(CLAIMED)
            await shots.take(wallet, "wallet-accepted")
            await wallet.get_by_role("link", name="View badge").click()
            await expect(wallet.locator("#detail-verdict.caution")).to_be_visible(timeout=WAIT)
            await expect(wallet.locator("#detail-issuer .issuer-claim")).to_have_text(
                f"Issuer {CLAIMED}")
            await expect(wallet.locator("#detail-checks")).to_contain_text("Issuer recognised")
            await expect(wallet.locator("#detail-body")).to_contain_text(CRITERIA)
            await expect(wallet.locator("#detail-body")).to_contain_text(EVIDENCE[0])
            await shots.take(wallet, "wallet-badge")
            await wallet.get_by_role("link", name="Badges", exact=True).click()
            await expect(wallet.locator("#badge-list .badge-card")).to_have_count(1)
            await shots.take(wallet, "wallet-list")
            state = await context.storage_state()
            await context.close()

        # The console saw the offer delivered, and took its QR code and PIN off the screen.
        await expect(console.locator("#offer-picked")).to_be_visible(timeout=WAIT)
        await expect(console.locator("#offer-qr")).to_be_hidden()
        await expect(console.locator("#pin-box")).to_be_hidden()
        await shots.take(console, "console-delivered")

        # --- The employer asks; the wallet shares; the page says what is not confirmed. -------
        verifier = watch.page(await (await desk.new_context(**DESK)).new_page(), "verifier")
        await verifier.goto(base + "/verifier/")
        await shots.take(verifier, "verifier-start")
        request = await ask_for_a_badge(verifier)
        await shots.take(verifier, "verifier-qr")
        state = await scan_and_share(pw, base, request["qrPayload"], tmp_path / "request-1.y4m",
                                     state, shots, watch, "first")
        await expect(verifier.locator("#banner.caution")).to_be_visible(timeout=WAIT)
        await expect(verifier.locator("#result-title")).to_have_text(
            "Valid, but the issuer is not confirmed")
        await expect(verifier.locator("#result-text")).to_contain_text(CLAIMED)
        await expect(verifier.locator("#credentials .issuer-claim")).to_have_text(
            f"Issuer {CLAIMED}")
        await expect(verifier.locator("#credentials .state")).to_have_text(
            "Valid · issuer not confirmed")
        result = verifier.locator("#result")
        for text in (BADGE, CRITERIA, DESCRIPTION, EVIDENCE[0], EVIDENCE[1]):
            await expect(result).to_contain_text(text)
        await expect(result.get_by_role("link", name="Open the evidence")).to_have_attribute(
            "href", EVIDENCE[2])
        await expect(verifier.locator("#credentials img")).to_have_count(1)
        await shots.take(verifier, "verifier-verified")

        # --- The issuer revokes the badge. ------------------------------------------------
        await console.get_by_role("button", name="Refresh").click()
        # The rows are replaced when the refresh is done: act on the new ones only.
        await expect(console.locator("#issued-rows")).not_to_have_attribute("aria-busy", "true")
        row = console.locator("#issued-rows tr").first
        await expect(row).to_contain_text(BADGE)
        await expect(row.locator(".pill")).to_have_text("Active")
        credential_id = await row.get_attribute("data-id")
        # Revoking asks why; the reason goes to the badge's audit trail.
        await row.get_by_role("button", name="Revoke").click()
        await console.get_by_label("Reason").fill("Awarded by mistake")
        await console.get_by_role("button", name="Revoke for good").click()
        await expect(console.locator("#issued-rows tr").first.locator(".pill")).to_have_text(
            "Revoked", timeout=WAIT)
        record = await console.context.request.get(
            f"{base}/issuer/credentials/{quote(credential_id or '', safe='')}",
            headers={"Authorization": f"Bearer {api_key}"})
        assert (await record.json())["statusEvents"][-1]["reason"] == "Awarded by mistake"
        await shots.take(console, "console-revoked")

        # --- A new presentation shows it revoked. ------------------------------------------
        await verifier.get_by_role("button", name="Check another badge").click()
        request = await ask_for_a_badge(verifier)
        state = await scan_and_share(pw, base, request["qrPayload"],
                                     tmp_path / "request-2.y4m", state, shots, watch, "again")
        await expect(verifier.locator("#banner.bad")).to_be_visible(timeout=WAIT)
        await expect(verifier.locator("#result-title")).to_have_text("Revoked")
        await expect(verifier.locator("#result")).to_contain_text(
            "The issuer has revoked this badge.")
        # Which badge was revoked: its signature verified, so its picture, name, criteria and
        # evidence are shown, under a red verdict.
        await expect(verifier.locator("#result-text")).to_have_text(
            f"{BADGE}: the issuer has revoked this badge. Its issuer {CLAIMED}.")
        result = verifier.locator("#credentials")
        for text in (BADGE, CLAIMED, CRITERIA, EVIDENCE[0], EVIDENCE[1]):
            await expect(result).to_contain_text(text)
        await expect(result.locator(".state.bad")).to_have_text("Revoked")
        await expect(verifier.locator("#credentials img")).to_have_count(1)
        await verifier.wait_for_function(
            "() => { const i = document.querySelector('#credentials img');"
            " return i && i.complete && i.naturalWidth > 0; }")
        await shots.take(verifier, "verifier-revoked")

        # The wallet shows it revoked too.
        context = await desk.new_context(**PHONE, storage_state=state)
        wallet = watch.page(await context.new_page(), "wallet")
        await wallet.goto(base + "/wallet/")
        await wallet.locator("#badge-list .badge-card").first.click()
        await expect(wallet.locator("#detail-verdict.bad")).to_be_visible(timeout=WAIT)
        await expect(wallet.locator("#detail-verdict")).to_contain_text("Revoked")
        await shots.take(wallet, "wallet-badge-revoked")
        await context.close()

    assert watch.errors == []
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f"browser journey: {elapsed:.1f} s, {shots.count} screenshots")

"""The wallet's other paths, in Debian's Chromium: the camera read in the page (no frame
uploaded), a QR code read from a picture by the service, a wrong PIN then the right one,
importing a baked badge, a pasted request link declined (the employer's page says so), an
encrypted backup downloaded, restored under a new name, and unlocking."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

CHROMIUM = Path("/usr/bin/chromium")

if not CHROMIUM.exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium", allow_module_level=True)

from aiohttp import ClientSession  # noqa: E402
from browser_support import (  # noqa: E402
    DESK,
    WAIT,
    Watch,
    account_did,
    chromium,
    phone,
    screenshot_folders,
)
from playwright.async_api import Page, async_playwright, expect  # noqa: E402
from y4m import qr_image  # noqa: E402

from web.web_support import bearer, running_service  # noqa: E402

LEARNER = ("grace", "a long and happy passphrase")
DECODE_QR = "/wallet/api/decode-qr"
RESTORED = ("grace-restored", "another long passphrase")
BACKUP_PASSPHRASE = "backup passphrase 2026"


async def post(http: ClientSession, url: str, api_key: str, body: dict[str, Any]) -> Any:
    async with http.post(url, json=body, headers=bearer(api_key)) as response:
        answer = await response.json()
        assert response.status == 201, answer
        return answer


async def time_in_page_reads(wallet: Page, picture: Path, payload: str,
                             capsys: pytest.CaptureFixture[str]) -> None:
    """Read the live camera (no QR code) and the QR picture in the page ten times each, and
    print how long a read takes; the picture must read as ``payload``."""
    png = base64.b64encode(picture.read_bytes()).decode("ascii")
    timing = await wallet.evaluate("""async (png) => {
        const image = new Image();
        image.src = "data:image/png;base64," + png;
        await image.decode();
        const video = document.querySelector("#scan-video");
        const time = async (source) => {
            let text = await window.QrScan.read(source);
            const start = performance.now();
            for (let i = 0; i < 10; i++) text = await window.QrScan.read(source);
            return [(performance.now() - start) / 10, text];
        };
        const [miss, none] = await time(video);
        const [hit, text] = await time(image);
        return { miss, none, hit, text, size: [video.videoWidth, video.videoHeight],
                 native: "BarcodeDetector" in window };
    }""", png)
    assert timing["text"] == payload, timing
    assert timing["none"] is None, timing
    with capsys.disabled():
        reader = "BarcodeDetector" if timing["native"] else "zxing-wasm"
        width, height = timing["size"]
        print(f"\nin-page QR read ({reader}): {timing['miss']:.1f} ms a {width}x{height} camera "
              f"frame without a code, {timing['hit']:.1f} ms a 640x480 picture of one")


async def test_picture_pin_import_decline_backup_restore_unlock(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shots = screenshot_folders(tmp_path, "wallet", capsys)
    watch = Watch()
    async with running_service(tmp_path) as service, async_playwright() as pw, \
            chromium(pw) as browser, ClientSession() as http:
        base = service.url
        _, api_key = await service.tenant("harbour-academy")
        await post(http, base + "/issuer/achievements", api_key, {
            "slug": "first-aid", "achievement": {
                "name": "First Aid at Work", "description": "Gives first aid in the workplace.",
                "criteria": {"narrative": "Passed the practical and written assessments."}}})

        context = await phone(browser, base)
        # Every request to the service's QR decoder: only a chosen picture goes there.
        decodes: list[str] = []
        context.on("request", lambda r: decodes.append(r.url) if DECODE_QR in r.url else None)
        wallet = watch.page(await context.new_page(), "wallet")
        await wallet.goto(base + "/wallet/")
        await expect(wallet.get_by_role("tab", name="Unlock")).to_have_attribute(
            "aria-selected", "true")
        await shots.take(wallet, "welcome")
        await wallet.get_by_role("tab", name="Create").click()
        await wallet.locator("#create-username").fill(LEARNER[0])
        await wallet.locator("#create-passphrase").fill(LEARNER[1])
        await wallet.locator("#create-confirm").fill(LEARNER[1] + "!")
        await wallet.get_by_role("button", name="Create wallet").click()
        await expect(wallet.locator("#panel-create .form-error")).to_contain_text("not the same")
        await wallet.locator("#create-confirm").fill(LEARNER[1])
        await wallet.get_by_role("button", name="Create wallet").click()
        await expect(wallet.locator("#badges-empty")).to_be_visible(timeout=WAIT)
        did = await account_did(wallet)

        # An offer's QR code from a picture; a wrong PIN first.
        offer = await post(http, base + "/issuer/offers", api_key,
                           {"achievement": "first-aid", "pin": True})
        picture = tmp_path / "offer-qr.png"
        qr_image(offer["offerUri"]).save(picture)
        await wallet.get_by_role("link", name="Scan", exact=True).click()
        await expect(wallet.locator("#view-scan")).to_be_visible()
        # The camera (Chromium's test pattern, no QR code) is read in the page: frame after
        # frame, and none of them is sent to the service.
        await wallet.wait_for_function("() => window.QrScan.frames >= 3", timeout=WAIT)
        assert decodes == []
        await time_in_page_reads(wallet, picture, offer["offerUri"], capsys)
        # A chosen picture is still read by the service.
        async with wallet.expect_request(
                lambda r: r.url.endswith(DECODE_QR) and r.method == "POST"):
            await wallet.locator("#scan-file").set_input_files(picture)
        await expect(wallet.locator("#view-offer")).to_be_visible(timeout=WAIT)
        assert decodes == [base + DECODE_QR]
        pin = offer["txCode"]
        await wallet.get_by_label("PIN").fill("000000" if pin != "000000" else "111111")
        await wallet.get_by_role("button", name="Accept badge").click()
        await expect(wallet.locator("#offer-form .form-error")).to_contain_text(
            "PIN was not accepted", timeout=WAIT)
        await expect(wallet.get_by_label("PIN")).to_have_attribute("aria-invalid", "true")
        await shots.take(wallet, "wrong-pin")
        await wallet.get_by_label("PIN").fill(pin)
        await wallet.get_by_role("button", name="Accept badge").click()
        await expect(wallet.locator("#done-title")).to_have_text("Badge added", timeout=WAIT)

        # A baked badge imported from a file.
        issued = await post(http, base + "/issuer/credentials/issue", api_key, {
            "award": {"achievement": "first-aid", "recipient": {"id": did}},
            "options": {"bake": "png"}})
        baked = tmp_path / "first-aid.png"
        baked.write_bytes(base64.b64decode(issued["bakedImage"].split(",", 1)[1]))
        await wallet.goto(base + "/wallet/#/more")
        await wallet.locator("#import-file").set_input_files(baked)
        await wallet.get_by_role("button", name="Import").click()
        await expect(wallet.locator("#done-title")).to_have_text("Badge imported", timeout=WAIT)
        # Valid, but no registry lists the issuer: not green.
        await expect(wallet.locator("#done-card .verdict.caution")).to_be_visible()
        await shots.take(wallet, "imported")
        await wallet.get_by_role("link", name="See all my badges").click()
        await expect(wallet.locator("#badge-list .badge-card")).to_have_count(2)
        await shots.take(wallet, "two-badges")

        # A request link pasted, then declined: the employer's page says so.
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
        await expect(wallet.locator("#request-matches .choice")).to_have_count(2)
        await wallet.get_by_role("button", name="Decline").click()
        await expect(wallet.locator("#view-badges")).to_be_visible(timeout=WAIT)
        await expect(verifier.locator("#banner.neutral")).to_be_visible(timeout=WAIT)
        await expect(verifier.locator("#result-title")).to_have_text("Not shared")
        await shots.take(verifier, "verifier-declined")

        # An encrypted backup, downloaded.
        await wallet.get_by_role("link", name="Wallet", exact=True).click()
        await wallet.locator("#backup-passphrase").fill(BACKUP_PASSPHRASE)
        await wallet.locator("#backup-confirm").fill(BACKUP_PASSPHRASE)
        async with wallet.expect_download() as download_info:
            await wallet.get_by_role("button", name="Download backup").click()
        download = await download_info.value
        backup = tmp_path / "wallet.backup"
        await download.save_as(backup)
        assert backup.stat().st_size > 0
        assert b"First Aid" not in backup.read_bytes()
        await shots.take(wallet, "backup")

        # Lock; restore the backup as a new wallet.
        await wallet.get_by_role("button", name="Lock wallet").first.click()
        await expect(wallet.locator("#view-welcome")).to_be_visible(timeout=WAIT)
        await wallet.get_by_role("tab", name="Restore").click()
        await wallet.locator("#restore-file").set_input_files(backup)
        await wallet.locator("#restore-backup-passphrase").fill(BACKUP_PASSPHRASE)
        await wallet.locator("#restore-username").fill(RESTORED[0])
        await wallet.locator("#restore-passphrase").fill(RESTORED[1])
        await shots.take(wallet, "restore")
        await wallet.get_by_role("button", name="Restore wallet").click()
        await expect(wallet.locator("#badge-list .badge-card")).to_have_count(2, timeout=WAIT)
        await expect(wallet.locator("#badges-count")).to_contain_text(RESTORED[0])

        # Lock, and unlock the first wallet again.
        await wallet.get_by_role("button", name="Lock wallet").first.click()
        await wallet.locator("#unlock-username").fill(LEARNER[0])
        await wallet.locator("#unlock-passphrase").fill("not the passphrase")
        await wallet.get_by_role("button", name="Unlock").click()
        await expect(wallet.locator("#panel-unlock .form-error")).to_contain_text("do not match")
        await wallet.locator("#unlock-passphrase").fill(LEARNER[1])
        await wallet.get_by_role("button", name="Unlock").click()
        await expect(wallet.locator("#badge-list .badge-card")).to_have_count(2, timeout=WAIT)
        await expect(wallet.locator("#badges-count")).to_contain_text(LEARNER[0])
        await shots.take(wallet, "unlocked")

        # The console's "Open in the wallet here" link: the offer opens, and can be declined.
        offer = await post(http, base + "/issuer/offers", api_key,
                           {"achievement": "first-aid", "pin": False})
        await wallet.goto(base + "/wallet/#open=" + quote(offer["offerUri"], safe=""))
        await expect(wallet.locator("#view-offer")).to_be_visible(timeout=WAIT)
        await expect(wallet.locator("#offer-pin")).to_be_hidden()
        await wallet.get_by_role("button", name="Decline").click()
        await expect(wallet.locator("#badge-list .badge-card")).to_have_count(2, timeout=WAIT)
        await context.close()

    assert watch.errors == []

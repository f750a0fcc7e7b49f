"""A badge as a QR code on paper, in Debian's Chromium: the wallet shows it (printable), a
picture of it is checked on the employer's page with no exchange with the wallet, and a
picture of a tampered badge's code is not verified."""

from __future__ import annotations

import copy
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
)
from playwright.async_api import async_playwright, expect  # noqa: E402
from y4m import qr_image  # noqa: E402

from vcbadges.credentials import vpqr  # noqa: E402
from web.web_support import badge, bearer, running_service  # noqa: E402

LEARNER = ("ada", "a long and happy passphrase")


async def test_a_printed_badge_qr_code_verifies_on_the_employer_page(tmp_path):
    async with running_service(tmp_path) as service, ClientSession() as http, \
            async_playwright() as pw, chromium(pw) as browser:
        base = service.url
        tenant, api_key = await service.tenant("acme")
        watch = Watch()
        # A sharp screen (two device pixels a CSS pixel), as a phone's is: a code this dense
        # needs more than two pixels a module to be photographed and read.
        context = await browser.new_context(**DESK, device_scale_factor=2)
        wallet = watch.page(await context.new_page(), "wallet")
        did = await create_account(wallet, base, *LEARNER)
        async with http.post(base + "/issuer/credentials/issue", headers=bearer(api_key),
                             json={"credential": badge(tenant.did, did)}) as response:
            assert response.status == 201
            signed = (await response.json())["verifiableCredential"]
        await paste_import(wallet, signed)
        await wallet.get_by_role("link", name="View badge").click()
        await expect(wallet.locator("#detail-title")).to_have_text(signed["name"], timeout=WAIT)

        # The wallet shows the badge as a QR code, with a print button.
        await wallet.get_by_role("button", name="Show as QR code").click()
        code = wallet.locator("#detail-qr-image")
        await expect(code).to_have_attribute("src", re.compile("^data:image/png"),
                                             timeout=WAIT)
        await expect(wallet.get_by_role("button", name="Print")).to_be_visible()
        await expect(wallet.locator("#detail-qr-size")).to_contain_text("bytes of CBOR-LD")
        picture = tmp_path / "badge-qr.png"
        await code.evaluate("e => e.scrollIntoView({block: 'center'})")
        await code.screenshot(path=str(picture))

        # The employer's page reads the picture in the page and checks the badge; the
        # wallet's page is not involved (it is closed first).
        await wallet.close()
        employer = watch.page(await context.new_page(), "employer")
        await employer.goto(base + "/verifier/")
        sent: list[str] = []
        employer.on("request", lambda r: sent.append(r.post_data_json["vpqr"])
                    if r.url.endswith("/verifier/vpqr/verify") else None)
        await employer.locator("#paper-file").set_input_files(picture)
        await expect(employer.locator("#result, #paper-error").locator("visible=true")
                     ).to_have_count(1, timeout=WAIT)
        assert await employer.locator("#paper-error").is_hidden(), (
            await employer.locator("#paper-error").text_content())
        assert len(sent) == 1 and sent[0].startswith("VP1-B")
        await expect(employer.locator("#result-title")).to_have_text(
            "Valid, but the issuer is not confirmed")
        await expect(employer.locator("#result-text")).to_contain_text("read from a QR code")
        await expect(employer.locator("#credentials")).to_contain_text(signed["name"])
        await expect(employer.locator("#all-checks")).to_contain_text(
            "not that the person showing it is its owner")

        # A picture of a tampered badge's code: not verified.
        tampered = copy.deepcopy(signed)
        tampered["name"] = "Something else"
        forged = tmp_path / "forged-qr.png"
        qr_image(vpqr.to_text(vpqr.presentation_of(tampered)), width=900, height=900).save(forged)
        await employer.get_by_role("button", name="Check another badge").click()
        await employer.locator("#paper-file").set_input_files(forged)
        await expect(employer.locator("#result-title")).to_have_text("Not verified",
                                                                    timeout=WAIT)
        # A picture with a QR code that holds no badge says so.
        await employer.get_by_role("button", name="Check another badge").click()
        other = tmp_path / "other-qr.png"
        qr_image("https://example.com/").save(other)
        await employer.locator("#paper-file").set_input_files(other)
        await expect(employer.locator("#paper-error")).to_contain_text("holds no badge",
                                                                       timeout=WAIT)
        assert watch.errors == []

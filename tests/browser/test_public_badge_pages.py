"""A badge's public page, in Debian's Chromium: the learner publishes a badge from the wallet
(choosing to show their name), copies the link, opens the page, which runs no script and
shows the badge checked; the link's Open Graph tags make a card as a chat or social site
would draw it; the learner unpublishes and the page is gone. Then the page at a phone's and a
tablet's width: it never scrolls sideways, and axe-core finds no serious or critical
violation, on a valid badge and on a revoked one.

Screenshots of the page, the wallet's share panel and the rendered card are saved under
``$VCBADGES_SCREENSHOTS/public-badge`` when that is set (always under the test's tmp folder).
"""

from __future__ import annotations

import base64
import re
from html import escape
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")

if not CHROMIUM.exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium", allow_module_level=True)

from aiohttp import ClientSession  # noqa: E402
from browser_support import (  # noqa: E402
    DESK,
    WAIT,
    Watch,
    axe_violations,
    badge_png,
    chromium,
    create_account,
    paste_import,
    phone,
    screenshot_folders,
    sideways,
)
from playwright.async_api import Page, async_playwright, expect  # noqa: E402

from web.web_support import bearer, running_service  # noqa: E402

ISSUER = "Riverside College"
BADGE = "Data Literacy 101"
LEARNER = "Ada Lovelace"
EMAIL = "ada.lovelace@example.org"
ACCOUNT = ("ada", "a passphrase to publish with")
ACHIEVEMENT = {
    "name": BADGE,
    "description": "Reads, questions and explains quantitative evidence.",
    "criteria": {"narrative": "Passed the final assessment with a grade of B or better."},
    "image": {"id": "data:image/png;base64," + base64.b64encode(badge_png()).decode(),
              "type": "Image"},
}


async def post(http: ClientSession, url: str, api_key: str, body: dict[str, Any]) -> Any:
    async with http.post(url, json=body, headers=bearer(api_key)) as response:
        answer = await response.json()
        assert response.status in (200, 201), answer
        return answer


async def awarded(service: Any, http: ClientSession) -> tuple[str, dict[str, Any]]:
    _, api_key = await service.tenant("riverside", display_name=ISSUER)
    await post(http, service.url + "/issuer/achievements", api_key,
               {"slug": "data", "achievement": ACHIEVEMENT})
    answer = await post(http, service.url + "/issuer/credentials/issue", api_key, {
        "award": {"achievement": "data", "recipient": {"email": EMAIL, "name": LEARNER}},
        "options": {"statusPurposes": ["revocation"]}})
    return api_key, answer["verifiableCredential"]


async def og_tags(page: Page) -> dict[str, str]:
    return dict(await page.evaluate("""() => [...document.querySelectorAll(
        "meta[property^='og:'], meta[name^='twitter:']")].map(
        (m) => [m.getAttribute("property") || m.getAttribute("name"), m.content])"""))


def card_html(tags: dict[str, str], site: str) -> str:
    """A link card drawn from Open Graph tags, the way chat and social sites draw one."""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Link card</title>
<style>
body {{ margin: 0; padding: 32px; background: #eef1f5; font: 15px/1.4 system-ui, sans-serif; }}
.chat {{ max-width: 520px; }}
.bubble {{ background: #fff; border-radius: 14px; padding: 12px 14px;
           box-shadow: 0 1px 2px #0002; }}
.url {{ color: #0a66c2; word-break: break-all; }}
.card {{ display: flex; gap: 12px; margin-top: 10px; border-left: 4px solid #0e6b61;
         background: #f7f9fa; border-radius: 8px; padding: 10px; }}
.card img {{ width: 96px; height: 96px; object-fit: contain; border-radius: 8px;
             background: #fff; }}
.site {{ color: #5b6770; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }}
.title {{ font-weight: 700; margin: 2px 0; }}
.desc {{ color: #37424a; font-size: 14px; }}
</style></head><body><div class="chat"><div class="bubble">
<div class="url">{escape(tags["og:url"])}</div>
<div class="card"><img src="{escape(tags["og:image"])}" alt="">
<div><div class="site">{escape(tags.get("og:site_name", site))}</div>
<div class="title">{escape(tags["og:title"])}</div>
<div class="desc">{escape(tags["og:description"])}</div></div></div>
</div></div></body></html>"""


async def test_publish_from_the_wallet_open_the_page_and_share_it_as_a_card(tmp_path, capsys):
    shots = screenshot_folders(tmp_path, "public-badge", capsys)
    async with running_service(tmp_path) as service, ClientSession() as http, \
            async_playwright() as pw, chromium(pw) as browser:
        base = service.url
        _, credential = await awarded(service, http)
        watch = Watch()
        context = await browser.new_context(**DESK)
        await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
        wallet = watch.page(await context.new_page(), "wallet")
        await create_account(wallet, base, *ACCOUNT)
        await paste_import(wallet, credential)
        await wallet.get_by_role("link", name="View badge").click()
        await expect(wallet.locator("#detail-title")).to_have_text(BADGE, timeout=WAIT)

        # Before publishing, the wallet says what the download would reveal.
        panel = wallet.locator("#detail-publish")
        await expect(panel).to_be_visible(timeout=WAIT)
        await expect(wallet.locator("#publish-note")).to_contain_text("salted hash")
        await expect(wallet.locator("#publish-offer-download")).not_to_be_checked()
        await wallet.get_by_label("Show my name on the page").check()
        await wallet.get_by_role("button", name="Publish", exact=True).click()
        link = wallet.locator("#publish-url")
        await expect(link).to_have_value(re.compile(re.escape(base) + "/b/[A-Za-z0-9_-]{22}$"),
                                         timeout=WAIT)
        url = await link.input_value()
        await expect(wallet.get_by_role("link", name="Add to LinkedIn profile")).to_have_attribute(
            "href", re.compile(r"^https://www\.linkedin\.com/profile/add\?startTask="
                               r"CERTIFICATION_NAME&"))
        await wallet.get_by_role("button", name="Copy").click()
        assert await wallet.evaluate("navigator.clipboard.readText()") == url
        await panel.scroll_into_view_if_needed()
        await shots.take(wallet, "wallet-published")

        # Anybody's browser: the page, with no script, checked now.
        visitor = watch.page(await (await browser.new_context(**DESK)).new_page(), "page")
        await visitor.goto(url)
        await expect(visitor.get_by_role("heading", level=1)).to_have_text(BADGE)
        await expect(visitor.locator(".awarded")).to_have_text(f"Awarded to {LEARNER}")
        await expect(visitor.locator(".badge-issuer")).to_contain_text(
            f"calls itself {ISSUER}; not in your trusted issuers")
        await expect(visitor.locator(".state")).to_contain_text("Valid · issuer not confirmed")
        assert await visitor.locator("script").count() == 0
        content = await visitor.content()
        assert EMAIL not in content and "sha256$" not in content
        tags = await og_tags(visitor)
        assert tags["og:url"] == url and tags["twitter:card"] == "summary"
        assert tags["og:image"] == url + "/image"
        await shots.take(visitor, "public-page")

        # The link pasted into a chat: the card its tags make.
        card = await (await browser.new_context(viewport={"width": 640, "height": 320})
                      ).new_page()
        await card.set_content(card_html(tags, base))
        await expect(card.locator(".title")).to_have_text(BADGE)
        await card.wait_for_function(
            "() => document.querySelector('.card img').naturalWidth > 0", timeout=WAIT)
        await shots.take(card, "link-card")

        # Unpublished: the page is gone.
        wallet.once("dialog", lambda dialog: dialog.accept())
        await wallet.get_by_role("button", name="Unpublish").click()
        await expect(wallet.get_by_role("button", name="Publish", exact=True)).to_be_visible(
            timeout=WAIT)
        response = await visitor.goto(url)
        assert response is not None and response.status == 404
        await expect(visitor.get_by_role("heading", level=1)).to_have_text("No badge here")
        assert watch.errors == []


async def test_the_public_page_at_every_width_is_accessible(tmp_path, capsys):
    shots = screenshot_folders(tmp_path, "public-badge-widths", capsys)
    found: list[str] = []
    async with running_service(tmp_path) as service, ClientSession() as http, \
            async_playwright() as pw, chromium(pw) as browser:
        api_key, credential = await awarded(service, http)
        context = await phone(browser, service.url)
        wallet = await context.new_page()
        await create_account(wallet, service.url, *ACCOUNT)
        await paste_import(wallet, credential)
        await wallet.get_by_role("link", name="View badge").click()
        await expect(wallet.locator("#detail-publish")).to_be_visible(timeout=WAIT)
        found += await sideways(wallet, "wallet publish panel")
        found += await axe_violations(wallet, "wallet publish panel")
        await wallet.get_by_role("button", name="Publish", exact=True).click()
        await expect(wallet.locator("#publish-url")).to_have_value(
            re.compile(re.escape(service.url) + "/b/"), timeout=WAIT)
        url = await wallet.locator("#publish-url").input_value()
        found += await sideways(wallet, "wallet share panel")
        found += await axe_violations(wallet, "wallet share panel")

        page = await context.new_page()
        for state in ("valid", "revoked"):
            if state == "revoked":
                await post(http, service.url + "/issuer/credentials/status", api_key, {
                    "credentialId": credential["id"],
                    "credentialStatus": {"type": "BitstringStatusListEntry",
                                         "statusPurpose": "revocation"},
                    "status": True})
            for width in (360, 390, 768):
                await page.set_viewport_size({"width": width, "height": 800})
                await page.goto(url)
                await expect(page.get_by_role("heading", level=1)).to_have_text(BADGE)
                label = f"public page, {state}, {width} px"
                found += await sideways(page, label)
                found += await axe_violations(page, label)
            await expect(page.locator(".state")).to_contain_text(
                "Revoked" if state == "revoked" else "Valid")
            await shots.take(page, f"public-page-{state}-768")
        await page.goto(url.rsplit("/", 1)[0] + "/" + "A" * 22)
        found += await axe_violations(page, "no badge here")
    assert found == [], "\n".join(found)

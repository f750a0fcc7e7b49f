"""The wallet's Connected hosts screen in Debian's Chromium, with two real services: the
holder connects the wallet at A to B (signing in on B's consent page), gets B's badge into
the wallet, sends it back to B, and disconnects."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")

if not CHROMIUM.exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium", allow_module_level=True)

from aiohttp import ClientSession  # noqa: E402
from browser_support import (  # noqa: E402
    WAIT,
    Watch,
    chromium,
    create_account,
    phone,
    screenshot_folders,
)
from playwright.async_api import Dialog, async_playwright, expect  # noqa: E402

from vcbadges.web.keys import WALLET_STORE  # noqa: E402
from web.web_support import Service, badge, issue, running_service  # noqa: E402

PASSPHRASE = "correct horse battery staple"
LOOPBACK = {"wallet_fetch_allow_http_hosts": frozenset({"127.0.0.1"}),
            "wallet_fetch_allow_networks": (ipaddress.ip_network("127.0.0.1/32"),)}


async def _account_at(service: Service, http: ClientSession, username: str) -> str:
    async with http.post(service.url + "/wallet/api/accounts",
                         json={"username": username, "passphrase": PASSPHRASE}) as response:
        body = await response.json()
        assert response.status == 201, body
        return str(body["did"])


async def test_connect_get_send_and_disconnect_on_the_hosts_screen(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shots = screenshot_folders(tmp_path, "wallet-hosts", capsys)
    watch = Watch()
    async with running_service(tmp_path / "a", **LOOPBACK) as a, \
            running_service(tmp_path / "b") as b, async_playwright() as pw, \
            chromium(pw) as browser, ClientSession() as http:
        did_b = await _account_at(b, http, "ada-at-b")
        tenant, api_key = await b.tenant("college")
        unsigned = {**badge(tenant.did, did_b), "name": "Data Literacy"}
        issued = await issue(http, b, api_key, {"credential": unsigned})
        wallet_b = await b.app[WALLET_STORE].unlock("ada-at-b", PASSPHRASE)
        await wallet_b.add_credential(issued["verifiableCredential"])
        wallet_b.lock()
        host = urlsplit(b.url).netloc

        page = watch.page(await (await phone(browser, a.url)).new_page(), "wallet")
        await create_account(page, a.url, "ada", PASSPHRASE)
        await page.get_by_role("link", name="Connected hosts").click()
        await expect(page.locator("#hosts-title")).to_be_focused(timeout=WAIT)
        await expect(page.locator("#hosts-empty")).to_be_visible()

        # An address the wallet refuses says so, next to the field, which keeps the focus.
        await page.get_by_label("Host address").fill("ftp://badges.example.org")
        await page.get_by_role("button", name="Connect").click()
        await expect(page.locator("#host-form .form-error")).to_be_visible(timeout=WAIT)
        await expect(page.get_by_label("Host address")).to_be_focused()

        await page.get_by_label("Host address").fill(b.url)
        await page.get_by_role("button", name="Connect").click()
        await page.wait_for_url(b.url + "/ims/ob/v3p0/authorize?**", timeout=WAIT)
        await shots.take(page, "consent-at-b")
        await page.get_by_label("Wallet username").fill("ada-at-b")
        await page.get_by_label("Passphrase").fill(PASSPHRASE)
        await page.get_by_role("button", name="Allow").click()
        disconnect = page.get_by_role("button", name=f"Disconnect {host}")
        await expect(disconnect).to_be_visible(timeout=WAIT)
        await expect(page.locator("#toast")).to_contain_text(f"Connected to {host}")
        # The code left the address (and the history) as soon as the page read it.
        assert page.url == a.url + "/wallet/#/hosts", page.url
        await shots.take(page, "connected")

        # Get B's badge.
        await page.get_by_role("link", name="Badges").click()
        await page.get_by_role("button", name=f"Get badges from {host}").click()
        await expect(page.locator("#pull-result")).to_contain_text("1 new badge", timeout=WAIT)
        await expect(page.locator(".badge-name")).to_have_text(["Data Literacy"])
        await shots.take(page, "pulled")

        # Send it back to B (B has it already: replaced).
        await page.locator(".badge-card").first.click()
        await page.get_by_role("button", name=f"Send to {host}").click()
        await expect(page.locator("#toast")).to_contain_text(host, timeout=WAIT)

        # Disconnect, after confirming.
        await page.get_by_role("link", name="Wallet", exact=True).click()
        await page.get_by_role("link", name="Connected hosts").click()

        async def accept(dialog: Dialog) -> None:
            await dialog.accept()

        page.on("dialog", accept)
        await page.get_by_role("button", name=f"Disconnect {host}").click()
        await expect(page.locator("#toast")).to_contain_text("Disconnected from", timeout=WAIT)
        await expect(page.locator("#hosts-empty")).to_be_visible(timeout=WAIT)
        await shots.take(page, "disconnected")
        assert watch.errors == []

"""What the browser tests share: Debian's Chromium under Playwright, phone and desktop
contexts, numbered screenshots, and a watch on script errors and CSP violations.

Import this only once Chromium is known to be there (the test modules skip first).
"""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
)

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox", "--headless=new", "--disable-gpu",
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
]
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
                         "has_touch": True}
DESK: dict[str, Any] = {"viewport": {"width": 1280, "height": 860}}
WAIT = 20_000  # ms: the longest any single step may take


def badge_png() -> bytes:
    """A badge picture for the achievement: a gold rosette with an indigo medal and a star."""
    size = 256
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre = size / 2
    points = []
    for i in range(48):
        radius = 124 if i % 2 == 0 else 110
        angle = math.pi * 2 * i / 48
        points.append((centre + radius * math.cos(angle), centre + radius * math.sin(angle)))
    draw.polygon(points, fill=(246, 183, 60, 255))
    draw.ellipse((30, 30, 226, 226), fill=(63, 60, 187, 255))
    draw.ellipse((44, 44, 212, 212), outline=(255, 255, 255, 150), width=4)
    star = []
    for i in range(10):
        radius = 62 if i % 2 == 0 else 26
        angle = -math.pi / 2 + math.pi * i / 5
        star.append((centre + radius * math.cos(angle), centre + radius * math.sin(angle)))
    draw.polygon(star, fill=(255, 255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class Shots:
    """Numbered screenshots of whole pages, written to every folder given.

    The viewport is stretched to the page's height for the picture (rather than a
    ``full_page`` capture, which leaves the wallet's sticky tab bar in mid-page)."""

    def __init__(self, folders: list[Path]):
        self.folders = folders
        self.count = 0
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)

    async def take(self, page: Page, name: str) -> list[Path]:
        """Take the picture; the files it was written to."""
        self.count += 1
        size = page.viewport_size
        assert size is not None
        height = await page.evaluate("() => document.documentElement.scrollHeight")
        if height > size["height"]:
            await page.set_viewport_size({"width": size["width"], "height": height})
        try:
            data = await page.screenshot(animations="disabled")
        finally:
            if height > size["height"]:
                await page.set_viewport_size(size)
        paths = [folder / f"{self.count:02d}-{name}.png" for folder in self.folders]
        for path in paths:
            path.write_bytes(data)
        return paths


class Watch:
    """Uncaught script errors and Content-Security-Policy violations of the pages."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def page(self, page: Page, label: str) -> Page:
        page.on("pageerror", lambda exc: self.errors.append(f"{label}: {exc}"))
        page.on("console", lambda msg: self.errors.append(f"{label}: {msg.text}")
                if msg.type == "error" and "Content Security Policy" in msg.text else None)
        return page


@asynccontextmanager
async def chromium(pw: Playwright, video: Path | None = None) -> AsyncIterator[Browser]:
    """Debian's Chromium, headless; with ``video`` as its camera."""
    args = list(ARGS)
    if video is not None:
        args.append(f"--use-file-for-fake-video-capture={video}")
    browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=args)
    try:
        yield browser
    finally:
        await browser.close()


async def phone(browser: Browser, base: str, state: Any = None) -> BrowserContext:
    """A phone-sized context (camera allowed), optionally with a saved storage state."""
    context = await browser.new_context(**PHONE, storage_state=state)
    await context.grant_permissions(["camera"], origin=base)
    return context


def screenshot_folders(tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> Shots:
    """Screenshots under ``tmp_path/screenshots`` and ``$VCBADGES_SCREENSHOTS/name`` (when
    set); the folders are printed, past pytest's capture."""
    folders = [tmp_path / "screenshots"]
    if os.environ.get("VCBADGES_SCREENSHOTS"):
        folders.append(Path(os.environ["VCBADGES_SCREENSHOTS"]) / name)
    with capsys.disabled():
        print(f"\nscreenshots: {', '.join(str(f) for f in folders)}")
    return Shots(folders)


# --- widths and accessibility ----------------------------------------------------------------

#: axe-core, from ``npm ci --prefix tests/browser``.
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


async def settled(page: Page) -> None:
    """Wait until the page's finite animations are over (a view fading in would be checked
    at part of its contrast); endless ones, such as a pulsing dot, go on."""
    await page.wait_for_function(
        "() => document.getAnimations().every((a) => a.playState !== 'running'"
        " || a.effect.getComputedTiming().iterations === Infinity)", timeout=WAIT)


async def sideways(page: Page, label: str) -> list[str]:
    """``[]`` when the page does not scroll sideways, else what sticks out, and how far."""
    wide = await page.evaluate("""() => {
        const width = innerWidth;
        if (document.scrollingElement.scrollWidth <= width) return null;
        const out = [];
        for (const node of document.querySelectorAll("body *")) {
            const box = node.getBoundingClientRect();
            // Its box, or text (a long word) running out of it.
            const right = Math.max(box.right, box.left + node.scrollWidth);
            if (box.width && right > width + 1) {
                out.push(node.tagName.toLowerCase() + (node.id ? "#" + node.id : "")
                    + (typeof node.className === "string" && node.className
                       ? "." + node.className.trim().split(/\\s+/).join(".") : "")
                    + " to " + Math.round(right) + " px");
            }
        }
        return [document.scrollingElement.scrollWidth, width, out.slice(0, 5)];
    }""")
    if wide is None:
        return []
    return [f"{label}: {wide[0]} px wide at {wide[1]} px ({'; '.join(wide[2])})"]


async def axe_violations(page: Page, label: str) -> list[str]:
    """The serious and critical violations axe-core finds on the page as it is now, one line
    each: rule, impact, what it says and the first elements concerned.

    The script is run through the DevTools protocol, which the pages' Content-Security-Policy
    (scripts from their own origin only) does not apply to."""
    assert AXE.is_file(), "run `npm ci --prefix tests/browser` first"
    await settled(page)
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    found: list[dict[str, Any]] = await page.evaluate("""async () => {
        const results = await window.axe.run(document, { resultTypes: ["violations"] });
        return results.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
        }));
    }""")
    return [f"{label}: {v['id']} ({v['impact']}) {v['help']}: {', '.join(v['targets'])}"
            for v in found if v["impact"] in ("serious", "critical")]


async def create_account(wallet: Page, base: str, name: str, passphrase: str) -> str:
    """Create a wallet account on a fresh wallet page; return the account's DID."""
    await wallet.goto(base + "/wallet/")
    await wallet.get_by_role("tab", name="Create").click()
    await wallet.locator("#create-username").fill(name)
    await wallet.locator("#create-passphrase").fill(passphrase)
    await wallet.locator("#create-confirm").fill(passphrase)
    await wallet.get_by_role("button", name="Create wallet").click()
    await expect(wallet.locator("#badges-empty")).to_be_visible(timeout=WAIT)
    return await account_did(wallet)


async def account_did(wallet: Page) -> str:
    """The account's DID, from the account page (filled in after the page shows)."""
    await wallet.get_by_role("link", name="Wallet", exact=True).click()
    await expect(wallet.locator("#account-did")).to_contain_text("did:key:", timeout=WAIT)
    did = (await wallet.locator("#account-did").text_content() or "").strip()
    assert did.startswith("did:key:"), did
    return did


async def paste_import(wallet: Page, credential: Any) -> None:
    """Import ``credential`` by pasting it, and wait until this import is through."""
    # A hash change, not goto: after an import the page sits on #/done while Playwright may
    # still take its URL for #/more and skip the navigation.
    await wallet.evaluate("location.hash = '#/more'")
    await expect(wallet.locator("#import-text")).to_be_visible(timeout=WAIT)
    await wallet.locator("#import-text").fill(json.dumps(credential))
    await wallet.get_by_role("button", name="Import").click()
    # The done view shows only once this import is through; its title alone may still
    # read so from the previous one.
    await expect(wallet.locator("#view-done")).to_be_visible(timeout=WAIT)
    await expect(wallet.locator("#done-title")).to_have_text("Badge imported")

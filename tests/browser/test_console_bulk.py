"""The issuer console awards a badge to every row of a CSV file, in Debian's Chromium: the
progress shows, the result CSV downloads, and the same file sent again awards nobody twice."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

if not CHROMIUM.exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium", allow_module_level=True)

from aiohttp import ClientSession  # noqa: E402
from browser_support import DESK, WAIT, Watch, chromium, screenshot_folders  # noqa: E402
from playwright.async_api import async_playwright, expect  # noqa: E402

from web.web_support import bearer, running_service  # noqa: E402

COHORT = (b"row_id,recipient,name\n"
          b"s-1,ada@example.org,Ada Lovelace\n"
          b"s-2,grace@example.org,Grace Hopper\n"
          b"s-3,did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK,\n"
          b"s-4,not an address,\n")


async def test_award_a_csv_follow_it_download_results_and_resend(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shots = screenshot_folders(tmp_path, "console-bulk", capsys)
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

        console = watch.page(await (await browser.new_context(**DESK, accept_downloads=True))
                             .new_page(), "console")
        await console.goto(base + "/issuer/console")
        await console.get_by_label("API key").fill(api_key)
        await console.get_by_role("button", name="Connect").click()
        award = console.get_by_role("button", name="Award to everyone in the file")
        await console.locator('.ach[data-slug="first-aid"]').click()
        await expect(console.locator("#bulk-chosen")).to_contain_text("First Aid at Work")
        await award.click()  # No file yet: said, and nothing is sent.
        await expect(console.locator("#bulk-form .form-error")).to_have_text(
            "Choose a CSV file.")
        await expect(console.locator("#bulk-job")).to_be_hidden()
        await console.locator("#bulk-file").set_input_files(
            files=[{"name": "cohort.csv", "mimeType": "text/csv", "buffer": COHORT}])
        await award.click()
        status = console.locator("#bulk-status")
        await expect(status).to_have_text("Done: 3 awarded, 1 failed.", timeout=WAIT)
        await expect(console.locator("#bulk-progress")).to_have_js_property("value", 4)
        # The issued badges list shows them.
        await expect(console.locator("#issued-rows tr")).to_have_count(3, timeout=WAIT)
        await shots.take(console, "bulk-done")

        async with console.expect_download() as downloading:
            await console.get_by_role("button", name="Download the results (CSV)").click()
        download = await downloading.value
        table = list(csv.reader(io.StringIO(
            Path(await download.path()).read_text(encoding="utf-8"))))
        assert table[0] == ["row_id", "credential_id", "status", "error"]
        outcomes = {row[0]: row[2] for row in table[1:]}
        assert outcomes == {"s-1": "issued", "s-2": "issued", "s-3": "issued", "s-4": "failed"}

        # The same file again: the job resumes, and finds nothing left to award.
        await award.click()
        await expect(status).to_have_text("Done: 0 awarded, 3 had it already, 1 failed.",
                                          timeout=WAIT)
        await expect(console.locator("#issued-rows tr")).to_have_count(3)
        assert watch.errors == []

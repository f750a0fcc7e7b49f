"""Public badge pages over real HTTP: a learner publishes a wallet badge, anybody opens its
page (verified live, revocation included), pastes its link as a card, downloads the
credential and the baked image, and the learner unpublishes it: page and data gone.
Nothing of the page ever shows the e-mail identity, hashed or not."""

from __future__ import annotations

import base64
import io
import json
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import ClientSession
from PIL import Image
from sqlalchemy import func, select
from test_wallet_http import PASSPHRASE, Wallet, browser
from web_support import Service, bearer, issue, problem_of

from vcbadges.credentials.baking import unbake
from vcbadges.storage.public_badge_models import PublicBadge
from vcbadges.wallet import SQLWalletStore

EMAIL = "ada.lovelace@example.org"
NAME = "Ada Lovelace"


def png_data_url() -> str:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 60)).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


ACHIEVEMENT = {"name": "Lab Safety", "description": "Works safely in the lab.",
               "criteria": {"narrative": "Passed the lab safety test."},
               "image": {"id": png_data_url(), "type": "Image"}}


class Meta(HTMLParser):
    """The ``<meta>`` tags and link targets of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.hrefs: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and values.get("content") is not None:
            key = values.get("property") or values.get("name")
            if key:
                self.meta[key] = values["content"] or ""
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"] or "")
        if tag == "script":
            self.scripts += 1


def meta_of(page: str) -> Meta:
    parser = Meta()
    parser.feed(page)
    return parser


async def awarded(service: Service, client: ClientSession,
                  **options: Any) -> tuple[str, dict[str, Any]]:
    """An issuer with the template ``lab``; a badge awarded by e-mail and name, with a
    revocation status. Returns the API key and the credential."""
    _, api_key = await service.tenant("acme", display_name="ACME Academy")
    async with client.post(service.url + "/issuer/achievements", headers=bearer(api_key),
                           json={"slug": "lab", "achievement": ACHIEVEMENT}) as response:
        assert response.status == 201, await response.text()
    answer = await issue(client, service, api_key, {
        "award": {"achievement": "lab", "recipient": {"email": EMAIL, "name": NAME}},
        "options": {"statusPurposes": ["revocation"], **options}})
    return api_key, answer["verifiableCredential"]


async def imported(wallet: Wallet, credential: Any) -> str:
    data = credential.encode() if isinstance(credential, str) else json.dumps(credential).encode()
    added = await wallet.ok("POST", "/import", 201, data=data, headers={
        "Content-Type": "application/jwt" if isinstance(credential, str) else "application/json"})
    return str(added["credential"]["id"])


async def get(client: ClientSession, url: str) -> tuple[int, str, bytes, Any]:
    async with client.get(url) as response:
        return response.status, response.content_type, await response.read(), response.headers


async def rows(service: Service) -> int:
    async with service.db.sessionmaker()() as session:
        return int((await session.execute(select(func.count()).select_from(PublicBadge))
                    ).scalar_one())


async def test_publish_open_share_download_and_unpublish(service, client):
    _, credential = await awarded(service, client)
    identity_hash = credential["credentialSubject"]["identifier"][0]["identityHash"]
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("ada")
        record = await imported(wallet, credential)
        path = f"/credentials/{record}/publication"
        state = await wallet.ok("GET", path)
        assert state == {"published": False, "disclosure": {
            "selective": False, "namesSubject": True, "emailHash": True}}
        # Not without the session's CSRF token, nor without a session.
        response, _ = await wallet.call("POST", path, json_body={}, csrf=False)
        await problem_of(response, 403, "csrf-token-invalid")
        async with client.post(service.url + "/wallet/api" + path, json={}) as r:
            await problem_of(r, 401, "unauthorized")
        for body in ({"showName": "yes"}, {"other": True}):
            response, _ = await wallet.call("POST", path, json_body=body)
            await problem_of(response, 400, "invalid-request")
        assert await rows(service) == 0

        published = await wallet.ok("POST", path, 201,
                                    json_body={"showName": True, "offerDownload": True})
        url = published["url"]
        slug = url.rsplit("/", 1)[1]
        assert url == f"{service.url}/b/{slug}" and len(slug) == 22
        assert published["showName"] is True and published["offerDownload"] is True
        assert published["credentialUrl"] == url + "/credential.json"
        assert published["bakedUrl"] == url + "/badge.png"
        assert await wallet.ok("GET", path) == published

        # The page, for anybody: the badge, its name, the issuer as a claim, checked now.
        status, media, body, headers = await get(client, url)
        page = body.decode()
        assert (status, media) == (200, "text/html"), page
        assert "script-src" not in headers["Content-Security-Policy"]
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        assert headers["Cache-Control"] == "no-store"
        tags = meta_of(page)
        assert tags.scripts == 0
        assert tags.meta["og:title"] == "Lab Safety"
        assert tags.meta["og:url"] == url and tags.meta["twitter:card"] == "summary"
        assert tags.meta["og:image"] == url + "/image"
        assert tags.meta["og:description"].startswith(f"Awarded to {NAME}.")
        assert f"Awarded to <strong>{NAME}</strong>" in page
        assert "Issuer calls itself ACME Academy; not in your trusted issuers" in page
        assert "Valid · issuer not confirmed" in page
        assert "The issuer has not revoked it." in page
        assert "Passed the lab safety test." in page
        assert EMAIL not in page and identity_hash not in page
        assert "emailAddress" not in page and "sha256$" not in page

        # The LinkedIn link, filled in.
        linkedin = next(h for h in tags.hrefs if h.startswith("https://www.linkedin.com/"))
        assert linkedin == published["linkedinUrl"]
        query = parse_qs(urlsplit(published["linkedinUrl"]).query)
        year, month = credential["validFrom"][:4], str(int(credential["validFrom"][5:7]))
        assert {k: v[0] for k, v in query.items()} == {
            "startTask": "CERTIFICATION_NAME", "name": "Lab Safety",
            "organizationName": "ACME Academy", "issueYear": year, "issueMonth": month,
            "certUrl": url, "certId": credential["id"]}

        # The credential itself, exactly as signed; the baked image holds it too.
        status, media, body, headers = await get(client, url + "/credential.json")
        assert (status, media) == (200, "application/ld+json")
        assert json.loads(body) == credential
        assert (await get(client, url + "/credential.jwt"))[0] == 404
        status, media, body, _ = await get(client, url + "/badge.png")
        assert (status, media) == (200, "image/png")
        assert unbake(body).payload == credential
        assert (await get(client, url + "/badge.svg"))[0] == 404
        status, media, body, _ = await get(client, url + "/image")
        assert (status, media) == (200, "image/png")
        assert body == base64.b64decode(ACHIEVEMENT["image"]["id"].split(",", 1)[1])

        # Changed choices keep the address: no name on the page, no downloads.
        changed = await wallet.ok("POST", path, 200, json_body={"showName": False})
        assert changed["url"] == url and "credentialUrl" not in changed
        page = (await get(client, url))[2].decode()
        assert NAME not in page and EMAIL not in page and identity_hash not in page
        assert not meta_of(page).meta["og:description"].startswith("Awarded")
        for suffix in ("/credential.json", "/badge.png"):
            status, media, _, _ = await get(client, url + suffix)
            assert (status, media) == (404, "application/problem+json")

        # Unpublished: the page and the data behind it are gone.
        await wallet.ok("DELETE", path, 204)
        status, media, body, _ = await get(client, url)
        assert (status, media) == (404, "text/html") and b"No badge here" in body
        assert (await get(client, url + "/image"))[0] == 404
        assert await rows(service) == 0
        response, _ = await wallet.call("DELETE", path)
        await problem_of(response, 404, "not-found")
        assert await wallet.ok("GET", path) == {"published": False, "disclosure": {
            "selective": False, "namesSubject": True, "emailHash": True}}

        # Publishing again makes a new address: the old link stays dead.
        again = await wallet.ok("POST", path, 201, json_body={})
        assert again["url"] != url and (await get(client, url))[0] == 404
        # Deleting the badge from the wallet deletes its public copy.
        await wallet.ok("DELETE", f"/credentials/{record}", 204)
        assert (await get(client, again["url"]))[0] == 404
        assert await rows(service) == 0


async def test_another_holder_can_neither_publish_nor_unpublish_my_badge(service, client):
    _, credential = await awarded(service, client)
    async with browser() as mine, browser() as theirs:
        ada, eve = Wallet(service, mine), Wallet(service, theirs)
        await ada.create("ada")
        await eve.create("eve")
        record = await imported(ada, credential)
        path = f"/credentials/{record}/publication"
        published = await ada.ok("POST", path, 201, json_body={"showName": True})
        for method, body in (("GET", None), ("POST", {}), ("DELETE", None)):
            response, _ = await eve.call(method, path, json_body=body)
            await problem_of(response, 404, "not-found")
        assert (await get(client, published["url"]))[0] == 200
        assert await rows(service) == 1
        # A wallet id that is no id at all.
        response, _ = await eve.call("POST", "/credentials/not-a-uuid/publication", json_body={})
        await problem_of(response, 404, "not-found")


async def test_a_revoked_badge_says_so_on_its_page(service, client):
    api_key, credential = await awarded(service, client)
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("ada")
        record = await imported(wallet, credential)
        url = (await wallet.ok("POST", f"/credentials/{record}/publication", 201,
                               json_body={"showName": True}))["url"]
    assert "The issuer has not revoked it." in (await get(client, url))[2].decode()
    async with client.post(service.url + "/issuer/credentials/status", headers=bearer(api_key),
                           json={"credentialId": credential["id"],
                                 "credentialStatus": {"type": "BitstringStatusListEntry",
                                                      "statusPurpose": "revocation"},
                                 "status": True}) as response:
        assert response.status == 200, await response.text()
    status, _, body, _ = await get(client, url)
    page = body.decode()
    assert status == 200
    assert "Revoked" in page and "The issuer has revoked this badge." in page
    assert "It is no longer valid." in page and "state-bad" in page
    assert meta_of(page).meta["og:description"].startswith("Revoked.")
    # Still the badge it was: its issuer signed it.
    assert "Lab Safety" in page and EMAIL not in page


async def test_a_revoked_badge_cannot_be_published(service, client):
    api_key, credential = await awarded(service, client)
    async with client.post(service.url + "/issuer/credentials/status", headers=bearer(api_key),
                           json={"credentialId": credential["id"],
                                 "credentialStatus": {"type": "BitstringStatusListEntry",
                                                      "statusPurpose": "revocation"},
                                 "status": True}) as response:
        assert response.status == 200
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("ada")
        # The wallet keeps it no more than it would import it: add it the way an earlier,
        # valid import would have.
        store = SQLWalletStore(service.db)
        opened = await store.unlock("ada", PASSPHRASE)
        record = await opened.add_credential(json.dumps(credential))
        opened.lock()
        response, body = await wallet.call("POST", f"/credentials/{record.id}/publication",
                                           json_body={})
        await problem_of(response, 422, "credential-not-verified")
        assert any(c["id"] == "status_revocation" and c["outcome"] == "failed"
                   for c in body["report"]["checks"])
    assert await rows(service) == 0


async def test_a_selective_disclosure_badge_is_published_without_the_identity(service, client):
    tenant, api_key = await service.tenant("sdschool", algorithm="P-256",
                                           display_name="SD School")
    async with client.post(service.url + "/issuer/achievements", headers=bearer(api_key),
                           json={"slug": "lab", "achievement": ACHIEVEMENT}) as response:
        assert response.status == 201
    base = (await issue(client, service, api_key, {
        "award": {"achievement": "lab", "recipient": {"email": EMAIL, "name": NAME}},
        "options": {"cryptosuite": "ecdsa-sd-2023"}}))["verifiableCredential"]
    identity_hash = base["credentialSubject"]["identifier"][0]["identityHash"]
    async with browser() as http:
        wallet = Wallet(service, http)
        await wallet.create("ada", keyType="p256")
        # The wallet checks the base proof as its holder, and keeps it as received.
        record = await imported(wallet, base)
        path = f"/credentials/{record}/publication"
        assert (await wallet.ok("GET", path))["disclosure"] == {
            "selective": True, "namesSubject": True, "emailHash": True}
        named = await wallet.ok("POST", path, 201,
                                json_body={"showName": True, "offerDownload": True})
        _, _, body, _ = await get(client, named["credentialUrl"])
        derived = json.loads(body)
        assert derived["proof"]["proofValue"] != base["proof"]["proofValue"]
        assert derived["credentialSubject"]["identifier"] == [base["credentialSubject"][
            "identifier"][1]]
        page = (await get(client, named["url"]))[2].decode()
        assert f"Awarded to <strong>{NAME}</strong>" in page and "Valid" in page
        assert identity_hash not in page and identity_hash.encode() not in body

        anonymous = await wallet.ok("POST", path, 200, json_body={"offerDownload": True})
        _, _, body, _ = await get(client, anonymous["credentialUrl"])
        assert NAME.encode() not in body and identity_hash.encode() not in body
        assert "identifier" not in json.loads(body)["credentialSubject"]
        page = (await get(client, anonymous["url"]))[2].decode()
        assert NAME not in page and "Lab Safety" in page
        assert "Signed by the issuer; nothing has been changed since." in page


async def test_hostile_slugs_are_not_found(service, client):
    paths = ["/b/" + "A" * 22, "/b/short", "/b/" + "a" * 5000, "/b/%00" + "a" * 21,
             "/b/..%2F..%2Fetc", "/b/%3Cscript%3E", "/b/" + "é" * 22, "/b/a'%20OR%201=1--"]
    for path in paths:
        status, media, body, _ = await get(client, service.url + path)
        assert (status, media) == (404, "text/html"), (path, body[:200])
        for suffix in ("/credential.json", "/badge.png", "/image"):
            async with client.get(service.url + path + suffix) as response:
                assert response.status == 404, (path, suffix)

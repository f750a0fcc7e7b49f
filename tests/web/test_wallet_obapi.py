"""The wallet as a client of another host's Open Badges 3.0 API, through the wallet's own
routes, over real HTTP between two real services: the holder's browser at A connects A's
wallet to B (consenting on B's page), pushes a badge, pulls B's badges and disconnects.

The browser is an ``aiohttp`` session that follows redirects as a browser does; the part of
the wallet page (reading the fragment A hands the answer over in, posting it back) is done
here by hand, as ``wallet_demo/app.js`` does it."""

from __future__ import annotations

import copy
import ipaddress
import json
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import sqlalchemy as sa
from aiohttp import ClientResponse, ClientSession, CookieJar, web
from obapi_support import PASSPHRASE, create_account, issuer
from web_support import Service, badge, bound_socket, issue, running_service

from vcbadges.errors import StorageError
from vcbadges.obapi.connections import OBConnections
from vcbadges.wallet import crypto as wallet_crypto
from vcbadges.web.keys import CLOCK, DB, PROTOCOL_STORE, WALLET_FETCHER, WALLET_STORE

LOOPBACK = {"wallet_fetch_allow_http_hosts": frozenset({"127.0.0.1"}),
            "wallet_fetch_allow_networks": (ipaddress.ip_network("127.0.0.1/32"),)}
CLOSED = {"wallet_fetch_allow_http_hosts": frozenset(), "wallet_fetch_allow_networks": ()}
PROBLEMS = "https://vcbadges.dev/problems/"


class Holder:
    """The holder's browser at A: its own cookie jar and the CSRF token of its session."""

    def __init__(self, service: Service, http: ClientSession) -> None:
        self.service = service
        self.http = http
        self.csrf = ""

    async def call(self, method: str, path: str, json_body: Any = None,
                   ) -> tuple[ClientResponse, Any]:
        async with self.http.request(method, self.service.url + "/wallet/api" + path,
                                     json=json_body,
                                     headers={"X-CSRF-Token": self.csrf}) as response:
            raw = await response.read()
            return response, json.loads(raw) if raw else None

    async def ok(self, method: str, path: str, json_body: Any = None, status: int = 200) -> Any:
        response, body = await self.call(method, path, json_body)
        assert response.status == status, body
        return body

    async def problem(self, method: str, path: str, json_body: Any, status: int,
                      kind: str) -> dict[str, Any]:
        response, body = await self.call(method, path, json_body)
        assert (response.status, body["type"]) == (status, PROBLEMS + kind), body
        assert response.content_type == "application/problem+json"
        return dict(body)

    async def sign_up(self, username: str) -> str:
        body = await self.ok("POST", "/accounts", {"username": username,
                                                   "passphrase": PASSPHRASE}, status=201)
        self.csrf = body["csrfToken"]
        return str(body["did"])

    async def sign_in(self, username: str) -> None:
        body = await self.ok("POST", "/session", {"username": username,
                                                  "passphrase": PASSPHRASE})
        self.csrf = body["csrfToken"]

    async def consent_at(self, authorization_url: str, username: str,
                         decision: str = "allow") -> dict[str, str]:
        """Open the host's consent page, answer it, follow the redirects back to the wallet
        page, and return what the page reads from its fragment."""
        async with self.http.get(authorization_url) as page:
            text = await page.text()
            assert page.status == 200, text
            # The form may lead (by the host's redirect) back to this wallet, and nowhere
            # else: browsers apply form-action to the redirects after a form is sent.
            assert f"form-action 'self' {self.service.url};" in \
                page.headers["Content-Security-Policy"]
        handle = unescape(re.search(r'name="handle" value="([^"]+)"', text).group(1))  # type: ignore[union-attr]
        action = unescape(re.search(r'action="([^"]+)"', text).group(1))  # type: ignore[union-attr]
        async with self.http.post(action, data={
                "handle": handle, "username": username, "passphrase": PASSPHRASE,
                "decision": decision}) as landed:
            assert landed.status == 200  # The wallet page.
            assert landed.url.path == "/wallet/"
            hops = [str(r.headers["Location"]) for r in landed.history]
        assert hops[0].startswith(self.service.url + "/wallet/ob/callback?"), hops
        assert hops[-1].startswith("/wallet/#/ob-callback?"), hops
        return dict(parse_qsl(hops[-1].split("?", 1)[1]))

    async def connect(self, host: Service, username: str) -> dict[str, Any]:
        started = await self.ok("POST", "/ob/connections", {"hostUrl": host.url})
        answer = await self.consent_at(started["authorizationUrl"], username)
        body = await self.ok("POST", "/ob/callback", answer, status=201)
        return dict(body["connection"])


def browser() -> ClientSession:
    # unsafe: the services are on 127.0.0.1, and aiohttp keeps no cookies for IP hosts
    # otherwise.
    return ClientSession(cookie_jar=CookieJar(unsafe=True))


@asynccontextmanager
async def two_hosts(tmp_path: Path, **a_settings: Any) -> AsyncIterator[tuple[Service, Service]]:
    async with running_service(tmp_path / "a", **{**LOOPBACK, **a_settings}) as a, \
            running_service(tmp_path / "b") as b:
        yield a, b


async def _connections(service: Service, username: str) -> list[Any]:
    """The holder's connections as the wallet opens them (tokens included)."""
    wallet = await service.app[WALLET_STORE].unlock(username, PASSPHRASE)
    try:
        return await OBConnections(db=service.app[DB], states=service.app[PROTOCOL_STORE],
                                   send=service.app[WALLET_FETCHER].send).list(wallet)
    finally:
        wallet.lock()


async def _b_credentials(b: Service, token: str, client: ClientSession) -> int:
    async with client.get(b.url + "/ims/ob/v3p0/credentials",
                          headers={"Authorization": "Bearer " + token}) as response:
        return response.status


async def test_connect_push_pull_and_disconnect_through_the_wallet(tmp_path: Path,
                                                                   client: ClientSession):
    async with two_hosts(tmp_path) as (a, b), browser() as http:
        holder = Holder(a, http)
        did_a = await holder.sign_up("ada")
        did_b = await create_account(b, client, "ada-at-b")
        badge_from_a = await (await issuer(a, "school")).badge(client, did_a, name="From A")
        badge_at_b = await (await issuer(b, "college")).badge(client, did_b, jwt=True)
        wallet_a = await a.app[WALLET_STORE].unlock("ada", PASSPHRASE)
        record = await wallet_a.add_credential(json.dumps(badge_from_a))
        wallet_a.lock()
        wallet_b = await b.app[WALLET_STORE].unlock("ada-at-b", PASSPHRASE)
        await wallet_b.add_credential(badge_at_b)
        wallet_b.lock()

        connection = await holder.connect(b, "ada-at-b")
        assert connection["host"] == urlsplit(b.url).netloc
        assert connection["apiUrl"] == b.url + "/ims/ob/v3p0"
        listed = (await holder.ok("GET", "/ob/connections"))["connections"]
        assert listed == [connection]
        assert not {"accessToken", "refreshToken", "tokens"} & set(connection)
        path = f"/ob/connections/{connection['id']}"

        # Push: new at B, then replaced; B's wallet holds it.
        push = {"credentialId": str(record.id)}
        assert await holder.ok("POST", path + "/push", push) == {"outcome": "created"}
        assert await holder.ok("POST", path + "/push", push) == {"outcome": "replaced"}
        wallet_b = await b.app[WALLET_STORE].unlock("ada-at-b", PASSPHRASE)
        assert len(await wallet_b.list_credentials()) == 2
        wallet_b.lock()

        # Pull: B's JWT badge comes in; the badge A pushed is A's already.
        pulled = await holder.ok("POST", path + "/pull")
        assert [item["format"] for item in pulled["imported"]] == ["jwt_vc_json"]
        assert (pulled["duplicates"], pulled["refused"]) == (1, [])
        again = await holder.ok("POST", path + "/pull")
        assert (again["imported"], again["duplicates"], again["refused"]) == ([], 2, [])
        assert len((await holder.ok("GET", "/credentials"))["credentials"]) == 2

        # The access token expires (A's clock moves): the next use renews it first.
        before = (await _connections(a, "ada"))[0].tokens
        a.app[CLOCK].advance(timedelta(hours=2))
        assert (await holder.ok("POST", path + "/pull"))["duplicates"] == 2
        opened = (await _connections(a, "ada"))[0]
        after = opened.tokens
        assert after.access_token != before.access_token
        assert after.refresh_token != before.refresh_token

        # Disconnect: both tokens are revoked at B, and the connection is gone.
        assert await _b_credentials(b, after.access_token, client) == 200
        assert await holder.ok("DELETE", path) == {"revoked": True}
        assert await _b_credentials(b, after.access_token, client) == 401
        async with client.post(b.url + "/ims/ob/v3p0/token", data={
                "grant_type": "refresh_token", "refresh_token": after.refresh_token or ""},
                headers=opened.registration.basic()) as refused:
            assert (refused.status, (await refused.json())["error"]) == (400, "invalid_grant")
        assert (await holder.ok("GET", "/ob/connections"))["connections"] == []
        await holder.problem("POST", path + "/pull", None, 404, "not-found")


async def test_the_state_must_be_the_one_this_session_started(tmp_path: Path):
    async with two_hosts(tmp_path) as (a, b), browser() as http, browser() as other_tab, \
            browser() as mallory_http, ClientSession() as client:
        holder, same_user, mallory = Holder(a, http), Holder(a, other_tab), Holder(a, mallory_http)
        await holder.sign_up("ada")
        await same_user.sign_in("ada")
        await mallory.sign_up("mallory")
        await create_account(b, client, "ada-at-b")
        started = await holder.ok("POST", "/ob/connections", {"hostUrl": b.url})
        answer = await holder.consent_at(started["authorizationUrl"], "ada-at-b")
        assert set(answer) == {"state", "code"}

        forged = await holder.problem("POST", "/ob/callback", {**answer, "state": "forged"},
                                      400, "ob-state-invalid")
        assert forged["error"] == "invalid_state"
        # The same holder in another session, and another holder: neither can finish it.
        await same_user.problem("POST", "/ob/callback", answer, 400, "ob-state-invalid")
        await mallory.problem("POST", "/ob/callback", answer, 400, "ob-state-invalid")
        await holder.problem("POST", "/ob/callback", {"state": answer["state"]}, 400,
                             "invalid-request")
        assert (await same_user.ok("GET", "/ob/connections"))["connections"] == []

        await holder.ok("POST", "/ob/callback", answer, status=201)
        await holder.problem("POST", "/ob/callback", answer, 400, "ob-state-invalid")
        assert len((await holder.ok("GET", "/ob/connections"))["connections"]) == 1
        assert (await mallory.ok("GET", "/ob/connections"))["connections"] == []

        # A holder who refuses at the host: nothing is kept, and the host's error is shown.
        started = await holder.ok("POST", "/ob/connections", {"hostUrl": b.url})
        denied = await holder.consent_at(started["authorizationUrl"], "ada-at-b", "deny")
        assert denied["error"] == "access_denied"
        refused = await holder.problem("POST", "/ob/callback",
                                       {"state": denied["state"], "error": denied["error"]},
                                       422, "ob-refused")
        assert refused["error"] == "access_denied"
        assert len((await holder.ok("GET", "/ob/connections"))["connections"]) == 1


async def test_a_loopback_host_is_refused_by_the_default_wallet_policy(tmp_path: Path):
    async with two_hosts(tmp_path, **CLOSED) as (a, b), browser() as http:
        holder = Holder(a, http)
        await holder.sign_up("ada")
        plain = await holder.problem("POST", "/ob/connections", {"hostUrl": b.url}, 422,
                                     "ob-host-not-allowed")
        assert plain["error"] == "invalid_request"
        port = urlsplit(b.url).port
        for url in (f"https://127.0.0.1:{port}", f"https://[::1]:{port}",
                    f"https://localhost:{port}"):
            blocked = await holder.problem("POST", "/ob/connections", {"hostUrl": url}, 422,
                                           "ob-host-not-allowed")
            assert blocked["code"] == "fetch_blocked_address", blocked
        for bad in ("", "ftp://example.org/", 5):
            response, body = await holder.call("POST", "/ob/connections", {"hostUrl": bad})
            assert response.status in (400, 422), body
        assert (await holder.ok("GET", "/ob/connections"))["connections"] == []


def _discovery(base: str, **changes: Any) -> dict[str, Any]:
    flow = {"authorizationUrl": base + "/authorize", "tokenUrl": base + "/token",
            "scopes": {"https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly": ""}}
    return {"servers": [{"url": base}], "components": {"securitySchemes": {"OAuth2ACG": {
        "x-imssf-registrationUrl": base + "/register",
        "flows": {"authorizationCode": flow}}}}, **changes}


@asynccontextmanager
async def hostile_host() -> AsyncIterator[str]:
    """A host answering what no client can use, on 127.0.0.1; its URL."""
    sock = bound_socket()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    api = "/ims/ob/v3p0"

    async def garbage(request: web.Request) -> web.Response:
        return web.Response(text="<html>not a service description", content_type="text/html")

    async def no_scheme(request: web.Request) -> web.Response:
        return web.json_response({"servers": [{"url": base}], "components": {}})

    async def huge(request: web.Request) -> web.Response:
        return web.json_response(_discovery(base + "/huge" + api,
                                            padding="x" * (3 * 1024 * 1024)))

    async def bad_registration(request: web.Request) -> web.Response:
        return web.json_response(_discovery(base + "/badreg" + api))

    async def registered(request: web.Request) -> web.Response:
        return web.json_response({"client_id": 5}, status=201)

    async def elsewhere(request: web.Request) -> web.Response:
        # Endpoints on a network the wallet may not reach.
        return web.json_response(_discovery("https://10.0.0.1" + api))

    app = web.Application()
    app.router.add_get("/garbage" + api + "/discovery", garbage)
    app.router.add_get("/noscheme" + api + "/discovery", no_scheme)
    app.router.add_get("/huge" + api + "/discovery", huge)
    app.router.add_get("/badreg" + api + "/discovery", bad_registration)
    app.router.add_post("/badreg" + api + "/register", registered)
    app.router.add_get("/elsewhere" + api + "/discovery", elsewhere)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.SockSite(runner, sock).start()
        yield base
    finally:
        await runner.cleanup()
        sock.close()


@pytest.mark.parametrize(("path", "status", "kind", "member", "value"), [
    ("/garbage", 502, "ob-host-failed", "error", "invalid_response"),
    ("/noscheme", 502, "ob-host-failed", "error", "invalid_response"),
    ("/huge", 502, "ob-host-failed", "code", "fetch_too_large"),
    ("/badreg", 502, "ob-host-failed", "error", "invalid_response"),
    ("/elsewhere", 422, "ob-host-not-allowed", "code", "fetch_blocked_address"),
    ("/nothing-here", 422, "ob-refused", "error", "refused"),
])
async def test_a_hostile_host_is_refused_with_a_specific_error(
        tmp_path: Path, path: str, status: int, kind: str, member: str, value: str):
    async with hostile_host() as host, two_hosts(tmp_path) as (a, _), browser() as http:
        holder = Holder(a, http)
        await holder.sign_up("ada")
        problem = await holder.problem("POST", "/ob/connections", {"hostUrl": host + path},
                                       status, kind)
        assert problem[member] == value, problem
        assert "Traceback" not in json.dumps(problem)
        assert (await holder.ok("GET", "/ob/connections"))["connections"] == []


async def test_a_tampered_badge_on_pull_is_refused_and_not_stored(tmp_path: Path,
                                                                  client: ClientSession):
    async with two_hosts(tmp_path) as (a, b), browser() as http:
        holder = Holder(a, http)
        await holder.sign_up("ada")
        did_b = await create_account(b, client, "ada-at-b")
        college = await issuer(b, "college")
        genuine = await college.badge(client, did_b, name="Genuine")
        tampered = copy.deepcopy(await college.badge(client, did_b, name="Modest"))
        tampered["name"] = "Doctorate with honours"
        wallet_b = await b.app[WALLET_STORE].unlock("ada-at-b", PASSPHRASE)
        await wallet_b.add_credential(json.dumps(genuine))
        await wallet_b.add_credential(json.dumps(tampered))  # B keeps what it was given.
        wallet_b.lock()
        connection = await holder.connect(b, "ada-at-b")

        pulled = await holder.ok("POST", f"/ob/connections/{connection['id']}/pull")
        assert [item["name"] for item in pulled["imported"]] == ["Genuine"]
        [refused] = pulled["refused"]
        assert (refused["name"], refused["check"], refused["code"]) == (
            "Doctorate with honours", "proof", "invalid_signature"), refused
        assert refused["index"] in (0, 1) and refused["reason"]
        kept = (await holder.ok("GET", "/credentials"))["credentials"]
        assert [item["name"] for item in kept] == ["Genuine"]
        # Pulling again keeps nothing twice, and refuses the forgery again.
        again = await holder.ok("POST", f"/ob/connections/{connection['id']}/pull")
        assert (again["imported"], again["duplicates"], len(again["refused"])) == ([], 1, 1)


async def test_tokens_are_sealed_under_the_wallet_key(tmp_path: Path, client: ClientSession):
    async with two_hosts(tmp_path) as (a, b), browser() as http, browser() as bob_http:
        holder = Holder(a, http)
        await holder.sign_up("ada")
        await Holder(a, bob_http).sign_up("bob")
        await create_account(b, client, "ada-at-b")
        connection = await holder.connect(b, "ada-at-b")
        [opened] = await _connections(a, "ada")
        async with a.db.sessionmaker()() as session:
            [(row_id, account_id, sealed)] = (await session.execute(sa.text(
                "SELECT id, account_id, sealed FROM ob_connections"))).all()
        sealed, row_id, account_id = bytes(sealed), uuid.UUID(str(row_id)), uuid.UUID(
            str(account_id))
        secrets_in_clear = [opened.tokens.access_token, opened.tokens.refresh_token,
                            opened.registration.client_secret, opened.registration.client_id,
                            "accessToken", urlsplit(b.url).netloc]
        for secret in secrets_in_clear:
            assert secret and secret.encode() not in sealed, secret
        assert row_id == uuid.UUID(connection["id"])
        bob = await a.app[WALLET_STORE].unlock("bob", PASSPHRASE)
        with pytest.raises(StorageError):
            wallet_crypto.open_record(bob.data_key, sealed, account_id=account_id,
                                      record_id=row_id, kind="ob_connection")
        assert await OBConnections(db=a.app[DB], states=a.app[PROTOCOL_STORE],
                                   send=a.app[WALLET_FETCHER].send).list(bob) == []
        bob.lock()

        # The holder revokes the access at B: A is told to connect again, not given a 500.
        async with client.post(b.url + "/ims/ob/v3p0/revoke", headers=opened.registration.basic(),
                               data={"token": opened.tokens.refresh_token or ""}) as revoked:
            assert revoked.status == 200
        expired = await holder.problem("POST", f"/ob/connections/{connection['id']}/pull",
                                       None, 409, "ob-connection-expired")
        assert expired["error"] == "invalid_token"


async def selective(service: Service, client: ClientSession, subject: str,
                    name: str) -> dict[str, Any]:
    """An ecdsa-sd-2023 badge for ``subject`` from a new P-256 issuer of ``service``."""
    tenant, api_key = await service.tenant("sd-" + name.lower().replace(" ", "-"),
                                           algorithm="P-256")
    answer = await issue(client, service, api_key, {
        "credential": {**badge(tenant.did, subject), "name": name},
        "options": {"cryptosuite": "ecdsa-sd-2023"}})
    credential: dict[str, Any] = answer["verifiableCredential"]
    assert credential["proof"]["cryptosuite"] == "ecdsa-sd-2023"
    return credential


async def test_selective_disclosure_badges_travel_between_wallets(tmp_path: Path,
                                                                  client: ClientSession):
    """Both wallets check a base proof as its holder: kept, pushed, pulled; a forged one not."""
    async with two_hosts(tmp_path) as (a, b), browser() as http:
        holder = Holder(a, http)
        did_a = await holder.sign_up("ada")
        did_b = await create_account(b, client, "ada-at-b")
        from_a = await selective(a, client, did_a, "From A")
        genuine = await selective(b, client, did_b, "Genuine")
        forged = copy.deepcopy(await selective(b, client, did_b, "Modest"))
        forged["name"] = "Doctorate with honours"
        wallet_a = await a.app[WALLET_STORE].unlock("ada", PASSPHRASE)
        record = await wallet_a.add_credential(json.dumps(from_a))
        wallet_a.lock()
        wallet_b = await b.app[WALLET_STORE].unlock("ada-at-b", PASSPHRASE)
        await wallet_b.add_credential(json.dumps(genuine))
        await wallet_b.add_credential(json.dumps(forged))
        wallet_b.lock()
        connection = await holder.connect(b, "ada-at-b")
        path = f"/ob/connections/{connection['id']}"

        assert await holder.ok("POST", path + "/push", {"credentialId": str(record.id)}) == {
            "outcome": "created"}
        pulled = await holder.ok("POST", path + "/pull")
        assert [item["name"] for item in pulled["imported"]] == ["Genuine"]
        [refused] = pulled["refused"]
        assert (refused["name"], refused["check"], refused["code"]) == (
            "Doctorate with honours", "proof", "invalid_signature"), refused
        assert pulled["duplicates"] == 1

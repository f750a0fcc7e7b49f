"""The Open Badges 3.0 API over real HTTP: discovery, registration, consent, tokens, the
four resource operations, and what each refuses. Requests and responses are validated
against the component schemas of the official OpenAPI document (../shared/ob3/openapi)."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
from aiohttp import ClientSession
from obapi_support import (
    ALL_SCOPES,
    Client,
    create_account,
    imsx,
    issuer,
    register,
    registration,
    validate,
)
from web_support import Service

from vcbadges.obapi.scopes import (
    CREDENTIAL_READONLY,
    CREDENTIAL_UPSERT,
    PROFILE_READONLY,
    PROFILE_UPDATE,
)
from vcbadges.web.keys import CLOCK

API = "/ims/ob/v3p0"


def _query(location: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(location).query)


# --- discovery and registration ------------------------------------------------------


async def test_the_discovery_document_is_a_service_description_with_the_oauth_endpoints(
        service: Service, client: ClientSession):
    async with client.get(service.url + API + "/discovery") as response:
        assert response.status == 200
        document = await response.json()
    validate("ServiceDescriptionDocument", document)
    scheme = document["components"]["securitySchemes"]["OAuth2ACG"]
    flow = scheme["flows"]["authorizationCode"]
    assert scheme["type"] == "oauth2"
    assert scheme["x-imssf-registrationUrl"] == service.url + API + "/register"
    assert flow["authorizationUrl"] == service.url + API + "/authorize"
    assert flow["tokenUrl"] == flow["refreshUrl"] == service.url + API + "/token"
    assert set(flow["scopes"]) == set(ALL_SCOPES.split())
    assert document["servers"] == [{"url": service.url + API}]
    for url in (document["info"]["termsOfService"],
                document["info"]["x-imssf-privacyPolicyUrl"]):
        async with client.get(url) as page:
            assert page.status == 200 and page.content_type == "text/html"


async def test_registration_answers_the_metadata_with_a_client_id_and_secret(
        service: Service, client: ClientSession):
    body = registration()
    async with client.post(service.url + API + "/register", json=body) as response:
        answer = await response.json()
        assert response.status == 201, answer
        assert response.headers["Cache-Control"] == "no-store"
    assert answer["client_id"] and len(answer["client_secret"]) >= 40
    assert answer["client_secret_expires_at"] == 0
    assert answer["token_endpoint_auth_method"] == "client_secret_basic"
    assert answer["grant_types"] == ["authorization_code", "refresh_token"]
    for name, value in body.items():
        assert answer[name] == value


@pytest.mark.parametrize(("change", "error"), [
    ({"redirect_uris": []}, "invalid_redirect_uri"),
    ({"redirect_uris": ["http://client.example/callback"]}, "invalid_redirect_uri"),
    ({"redirect_uris": ["https://client.example/cb#frag"]}, "invalid_redirect_uri"),
    ({"scope": "https://purl.imsglobal.org/spec/ob/v3p0/scope/everything"},
     "invalid_client_metadata"),
    ({"scope": ""}, "invalid_client_metadata"),
    ({"client_name": None}, "invalid_client_metadata"),
    ({"logo_uri": "javascript:alert(1)"}, "invalid_client_metadata"),
    ({"token_endpoint_auth_method": "none"}, "invalid_client_metadata"),
    ({"grant_types": ["implicit"]}, "invalid_client_metadata"),
    ({"response_types": ["token"]}, "invalid_client_metadata"),
])
async def test_registration_refuses_bad_metadata(service: Service, client: ClientSession,
                                                 change: dict[str, Any], error: str):
    body = {**registration(), **change}
    body = {k: v for k, v in body.items() if v is not None}
    async with client.post(service.url + API + "/register", json=body) as response:
        assert response.status == 400
        assert (await response.json())["error"] == error


async def test_registration_refuses_what_is_not_json(service: Service, client: ClientSession):
    for data, media in ((b"client_name=x", "application/x-www-form-urlencoded"),
                        (b"{\"a\": 1, \"a\": 2}", "application/json"),
                        (b"[1, 2]", "application/json")):
        async with client.post(service.url + API + "/register", data=data,
                               headers={"Content-Type": media}) as response:
            assert response.status == 400
            assert (await response.json())["error"] == "invalid_client_metadata"


# --- the whole flow ------------------------------------------------------------------


async def test_a_client_upserts_reads_pages_and_manages_the_profile(
        service: Service, client: ClientSession):
    did = await create_account(service, client, "ada")
    acme = await issuer(service)
    app = await register(service, client)
    tokens = await app.tokens("ada")
    assert tokens["token_type"] == "Bearer" and tokens["scope"] == ALL_SCOPES
    access = tokens["access_token"]

    first = await acme.badge(client, did, name="First")
    validate("AchievementCredential", first)  # The request body, before it is sent.
    response, body = await app.call("POST", "/credentials", access, json=first)
    assert response.status == 201, body
    assert body == first
    response, body = await app.call("POST", "/credentials", access, json=first)
    assert response.status == 200, body  # The same id: replaced, not added.

    jwt = await acme.badge(client, did, jwt=True, name="Second")
    response, body = await app.call("POST", "/credentials", access, data=jwt,
                                    headers={"Content-Type": "text/plain"})
    assert (response.status, response.content_type, body) == (201, "text/plain", jwt)
    third = await acme.badge(client, did, name="Third")
    response, _ = await app.call("POST", "/credentials", access, json=third)
    assert response.status == 201

    response, body = await app.call("GET", "/credentials", access)
    assert response.status == 200
    validate("GetOpenBadgeCredentialsResponse", body)
    assert response.headers["X-Total-Count"] == "3"
    assert sorted(c["id"] for c in body["credential"]) == sorted([first["id"], third["id"]])
    assert body["compactJwsString"] == [jwt]

    paged: list[Any] = []
    for offset in range(3):  # One at a time; the order is stable from call to call.
        response, body = await app.call("GET", f"/credentials?limit=1&offset={offset}", access)
        validate("GetOpenBadgeCredentialsResponse", body)
        assert response.headers["X-Total-Count"] == "3"
        assert len(body["credential"]) + len(body["compactJwsString"]) == 1, body
        paged += [c["id"] for c in body["credential"]] + body["compactJwsString"]
        if offset == 1:
            links = response.headers["Link"]
            for rel, at in (("first", 0), ("prev", 0), ("next", 2), ("last", 2)):
                assert f'limit=1&offset={at}>; rel="{rel}"' in links, links
    assert sorted(paged) == sorted([first["id"], third["id"], jwt])

    response, body = await app.call("GET", "/profile", access)
    assert (response.status, body) == (200, {"id": did, "type": ["Profile"]})
    validate("Profile", body)
    profile = {"id": did, "type": ["Profile"], "name": "Ada Lovelace",
               "email": "ada@example.org"}
    validate("Profile", profile)
    response, body = await app.call("PUT", "/profile", access, json=profile)
    assert (response.status, body) == (200, profile)
    response, body = await app.call("GET", "/profile", access)
    assert body == profile


async def test_since_keeps_only_badges_issued_after_it(service: Service, client: ClientSession):
    did = await create_account(service, client, "ada")
    acme = await issuer(service)
    app = await register(service, client)
    access = (await app.tokens("ada"))["access_token"]
    badge = await acme.badge(client, did)
    await app.call("POST", "/credentials", access, json=badge)
    for since, count in (("2000-01-01T00:00:00Z", "1"), ("2999-01-01T00:00:00Z", "0")):
        response, body = await app.call("GET", "/credentials", access,
                                        params={"since": since})
        assert response.headers["X-Total-Count"] == count, body


async def test_refresh_rotates_and_a_replayed_refresh_token_ends_the_grant(
        service: Service, client: ClientSession):
    await create_account(service, client, "ada")
    app = await register(service, client)
    first = await app.tokens("ada")
    status, second, _ = await app.token({"grant_type": "refresh_token",
                                         "refresh_token": first["refresh_token"],
                                         "scope": PROFILE_READONLY})
    assert status == 200, second
    assert second["scope"] == PROFILE_READONLY
    response, _ = await app.call("GET", "/profile", second["access_token"])
    assert response.status == 200
    response, _ = await app.call("GET", "/credentials", second["access_token"])
    assert response.status == 403  # Narrowed to the profile.

    status, body, _ = await app.token({"grant_type": "refresh_token",
                                       "refresh_token": first["refresh_token"]})
    assert (status, body["error"]) == (400, "invalid_grant")
    for token in (second["access_token"], first["access_token"]):
        response, _ = await app.call("GET", "/profile", token)
        assert response.status == 401  # The replay revoked the whole grant.
    status, body, _ = await app.token({"grant_type": "refresh_token",
                                       "refresh_token": second["refresh_token"]})
    assert status == 400


async def test_refresh_cannot_widen_the_scope(service: Service, client: ClientSession):
    await create_account(service, client, "ada")
    app = await register(service, client)
    tokens = await app.tokens("ada", scope=PROFILE_READONLY)
    status, body, _ = await app.token({"grant_type": "refresh_token",
                                       "refresh_token": tokens["refresh_token"],
                                       "scope": f"{PROFILE_READONLY} {PROFILE_UPDATE}"})
    assert (status, body["error"]) == (400, "invalid_scope")


async def test_revocation_ends_access(service: Service, client: ClientSession):
    await create_account(service, client, "ada")
    app = await register(service, client)
    other = await register(service, client)
    tokens = await app.tokens("ada")
    async with client.post(app.api + "/revoke", data={"token": tokens["access_token"]},
                           headers=other.basic()) as response:
        assert response.status == 200  # Another client's token: nothing happens, silently.
    response, _ = await app.call("GET", "/profile", tokens["access_token"])
    assert response.status == 200
    async with client.post(app.api + "/revoke", data={"token": tokens["access_token"]},
                           headers=app.basic()) as response:
        assert response.status == 200
    response, body = await app.call("GET", "/profile", tokens["access_token"])
    assert response.status == 401
    imsx(body, "unauthorizedrequest")
    async with client.post(app.api + "/revoke", data={"token": tokens["refresh_token"],
                                                      "token_type_hint": "refresh_token"},
                           headers=app.basic()) as response:
        assert response.status == 200
    status, body, _ = await app.token({"grant_type": "refresh_token",
                                       "refresh_token": tokens["refresh_token"]})
    assert (status, body["error"]) == (400, "invalid_grant")
    async with client.post(app.api + "/revoke", data={"token": "unknown"},
                           headers=app.basic()) as response:
        assert response.status == 200


# --- consent -------------------------------------------------------------------------


async def test_the_consent_page_names_the_client_and_the_scopes(service: Service,
                                                                client: ClientSession):
    app = await register(service, client, client_name="<b>Portfolio</b>",
                         scope=f"{PROFILE_READONLY} {CREDENTIAL_READONLY}")
    url = app.authorize_url(scope=CREDENTIAL_READONLY, verifier=secrets.token_urlsafe(48))
    async with client.get(url) as page:
        text = await page.text()
        assert page.status == 200
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "&lt;b&gt;Portfolio&lt;/b&gt;" in text and "<b>Portfolio" not in text
    assert "Permission to read AchievementCredentials" in text
    assert "profile" not in text.lower().split("<ul>")[1].split("</ul>")[0]


async def test_denying_sends_access_denied_with_the_state(service: Service,
                                                          client: ClientSession):
    await create_account(service, client, "ada")
    app = await register(service, client)
    response = await app.consent(app.authorize_url(verifier=secrets.token_urlsafe(48),
                                                   state="keep me"),
                                 username="ada", decision="deny")
    assert response.status == 303
    assert response.headers["Location"].startswith(app.redirect + "?")
    query = _query(response.headers["Location"])
    assert query["error"] == ["access_denied"] and query["state"] == ["keep me"]


async def test_a_wrong_passphrase_shows_the_page_again_and_gives_no_code(
        service: Service, client: ClientSession):
    await create_account(service, client, "ada")
    app = await register(service, client)
    response = await app.consent(app.authorize_url(verifier=secrets.token_urlsafe(48)),
                                 username="ada", passphrase="not it")
    assert response.status == 401
    assert "Location" not in response.headers
    response = await app.consent(app.authorize_url(verifier=secrets.token_urlsafe(48)),
                                 username="nobody")
    assert response.status == 401


@pytest.mark.parametrize(("change", "error"), [
    ({"method": "plain"}, "invalid_request"),
    ({"method": None}, "invalid_request"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"scope": "https://purl.imsglobal.org/spec/ob/v3p0/scope/everything"}, "invalid_scope"),
    ({"scope": ""}, "invalid_scope"),
])
async def test_a_bad_authorization_request_goes_back_with_its_error_and_state(
        service: Service, client: ClientSession, change: dict[str, Any], error: str):
    app = await register(service, client)
    url = app.authorize_url(verifier=secrets.token_urlsafe(48), state="s1", **change)
    async with client.get(url, allow_redirects=False) as response:
        assert response.status == 303, await response.text()
        query = _query(response.headers["Location"])
    assert query["error"] == [error] and query["state"] == ["s1"]


async def test_a_scope_beyond_the_registered_one_is_refused(service: Service,
                                                            client: ClientSession):
    app = await register(service, client, scope=PROFILE_READONLY)
    url = app.authorize_url(verifier=secrets.token_urlsafe(48), scope=CREDENTIAL_READONLY)
    async with client.get(url, allow_redirects=False) as response:
        assert response.status == 303
        assert _query(response.headers["Location"])["error"] == ["invalid_scope"]


async def test_an_unknown_client_or_redirect_uri_is_never_redirected_to(
        service: Service, client: ClientSession):
    app = await register(service, client)
    for url in (app.authorize_url(verifier=secrets.token_urlsafe(48),
                                  redirect="https://evil.example/callback"),
                app.authorize_url(verifier=secrets.token_urlsafe(48),
                                  redirect=app.redirect + "/more"),
                app.authorize_url(verifier=secrets.token_urlsafe(48), client_id="nope")):
        async with client.get(url, allow_redirects=False) as response:
            assert response.status == 400
            assert "Location" not in response.headers
            assert response.content_type == "text/html"


# --- the token endpoint --------------------------------------------------------------


async def _code(app: Client, username: str) -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return await app.code(username, verifier=verifier), verifier


def _grant(app: Client, code: str, verifier: str, **change: str) -> dict[str, str]:
    return {"grant_type": "authorization_code", "code": code, "redirect_uri": app.redirect,
            "code_verifier": verifier, **change}


async def test_a_code_is_single_use_and_its_replay_revokes_its_tokens(
        service: Service, client: ClientSession):
    await create_account(service, client, "ada")
    app = await register(service, client)
    code, verifier = await _code(app, "ada")
    status, tokens, _ = await app.token(_grant(app, code, verifier))
    assert status == 200
    status, body, _ = await app.token(_grant(app, code, verifier))
    assert (status, body["error"]) == (400, "invalid_grant")
    response, _ = await app.call("GET", "/profile", tokens["access_token"])
    assert response.status == 401


async def test_pkce_redirect_uri_client_and_expiry_are_checked(service: Service,
                                                               client: ClientSession):
    await create_account(service, client, "ada")
    app = await register(service, client, redirect="https://client.example/cb")
    other = await register(service, client, redirect="https://client.example/cb")
    cases = [
        (app, {"code_verifier": secrets.token_urlsafe(48)}, "invalid_grant"),
        (app, {"code_verifier": "short"}, "invalid_request"),
        (app, {"redirect_uri": "https://client.example/other"}, "invalid_grant"),
        (other, {}, "invalid_grant"),
    ]
    for who, change, error in cases:
        code, verifier = await _code(app, "ada")
        status, body, _ = await who.token(_grant(app, code, verifier, **change))
        assert (status, body["error"]) == (400, error), change
        status, body, _ = await app.token(_grant(app, code, verifier))
        assert status == 400  # A failed attempt spent the code.
    code, verifier = await _code(app, "ada")
    service.app[CLOCK].advance(timedelta(minutes=3))
    status, body, _ = await app.token(_grant(app, code, verifier))
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_the_client_must_authenticate(service: Service, client: ClientSession):
    await create_account(service, client, "ada")
    app = await register(service, client)
    code, verifier = await _code(app, "ada")
    status, body, response = await app.token(_grant(app, code, verifier), secret="wrong")
    assert (status, body["error"]) == (401, "invalid_client")
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    async with client.post(app.api + "/token", data=_grant(app, code, verifier)) as response:
        assert response.status == 401
    status, body, _ = await app.token({**_grant(app, code, verifier), "grant_type": "password"})
    assert (status, body["error"]) == (400, "unsupported_grant_type")


# --- the resource endpoints ----------------------------------------------------------


@pytest.mark.parametrize(("scope", "method", "path"), [
    (PROFILE_READONLY, "GET", "/credentials"),
    (CREDENTIAL_READONLY, "POST", "/credentials"),
    (CREDENTIAL_READONLY, "GET", "/profile"),
    (PROFILE_READONLY, "PUT", "/profile"),
])
async def test_a_missing_scope_is_403_insufficient_scope(
        service: Service, client: ClientSession, scope: str, method: str, path: str):
    await create_account(service, client, "ada")
    app = await register(service, client)
    access = (await app.tokens("ada", scope=scope))["access_token"]
    response, body = await app.call(method, path, access, json={"type": ["Profile"]})
    assert response.status == 403
    imsx(body, "forbidden")
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge
    needed = {"/credentials": {"GET": CREDENTIAL_READONLY, "POST": CREDENTIAL_UPSERT},
              "/profile": {"GET": PROFILE_READONLY, "PUT": PROFILE_UPDATE}}[path][method]
    assert f'scope="{needed}"' in challenge


async def test_missing_expired_and_unknown_tokens_are_401(service: Service,
                                                          client: ClientSession):
    await create_account(service, client, "ada")
    app = await register(service, client)
    access = (await app.tokens("ada"))["access_token"]
    response, body = await app.call("GET", "/credentials", None)
    assert response.status == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    imsx(body, "unauthorizedrequest")
    for header in ("Bearer " + access[:-2] + "xx", "Basic " + access, "Bearer"):
        response, body = await app.call("GET", "/credentials", None,
                                        headers={"Authorization": header})
        assert response.status == 401
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    service.app[CLOCK].advance(timedelta(hours=1, seconds=1))
    response, body = await app.call("GET", "/credentials", access)
    assert response.status == 401
    imsx(body, "unauthorizedrequest")


async def test_a_token_opens_only_its_holders_wallet(service: Service, client: ClientSession):
    ada = await create_account(service, client, "ada")
    await create_account(service, client, "bob")
    acme = await issuer(service)
    app = await register(service, client)
    ada_token = (await app.tokens("ada"))["access_token"]
    bob_token = (await app.tokens("bob"))["access_token"]
    response, _ = await app.call("POST", "/credentials", ada_token,
                                 json=await acme.badge(client, ada))
    assert response.status == 201
    response, body = await app.call("GET", "/credentials", bob_token)
    assert (response.headers["X-Total-Count"], body["credential"]) == ("0", [])
    response, body = await app.call("PUT", "/profile", bob_token,
                                    json={"id": ada, "type": ["Profile"], "name": "Not Ada"})
    assert response.status == 400
    imsx(body, "invalid_data")
    response, body = await app.call("GET", "/profile", ada_token)
    assert body == {"id": ada, "type": ["Profile"]}


async def test_a_tampered_or_unverifiable_credential_is_refused(service: Service,
                                                                client: ClientSession):
    did = await create_account(service, client, "ada")
    acme = await issuer(service)
    app = await register(service, client)
    access = (await app.tokens("ada"))["access_token"]
    tampered = await acme.badge(client, did)
    tampered["credentialSubject"]["achievement"]["name"] = "Rocket Surgeon"
    response, body = await app.call("POST", "/credentials", access, json=tampered)
    assert response.status == 400, body
    imsx(body, "invalid_data")
    assert "proof" in body["imsx_description"]
    jwt = await acme.badge(client, did, jwt=True)
    header, payload, signature = jwt.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "did:example:mallory"
    forged = ".".join([header, base64.urlsafe_b64encode(json.dumps(claims).encode())
                       .rstrip(b"=").decode(), signature])
    response, body = await app.call("POST", "/credentials", access, data=forged,
                                    headers={"Content-Type": "text/plain"})
    assert response.status == 400, body
    imsx(body, "invalid_data")
    response, body = await app.call("GET", "/credentials", access)
    assert response.headers["X-Total-Count"] == "0"


@pytest.mark.parametrize(("data", "media", "status", "minor"), [
    (b"{}", "application/json", 400, "invalid_data"),
    (b'{"type": ["VerifiableCredential"]}', "application/json", 400, "invalid_data"),
    (b"not json", "application/json", 400, "invalid_data"),
    (b"[]", "application/json", 400, "invalid_data"),
    (b"a.b", "text/plain", 400, "invalid_data"),
    (b"<x/>", "application/xml", 415, "not_acceptable"),
    (b"{" * 100_000, "application/json", 400, "invalid_data"),
    (b"x" * (2 * 1024 * 1024), "application/json", 413, "invalid_data"),
])
async def test_bad_upsert_bodies_are_imsx_errors(service: Service, client: ClientSession,
                                                 data: bytes, media: str, status: int,
                                                 minor: str):
    await create_account(service, client, "ada")
    app = await register(service, client)
    access = (await app.tokens("ada"))["access_token"]
    response, body = await app.call("POST", "/credentials", access, data=io.BytesIO(data),
                                    headers={"Content-Type": media})
    assert response.status == status, body
    imsx(body, minor)


@pytest.mark.parametrize("query", ["limit=0", "limit=x", "offset=-1", "since=yesterday",
                                   "page=2", "limit=99999999999"])
async def test_bad_paging_is_invalid_query_parameter(service: Service, client: ClientSession,
                                                     query: str):
    await create_account(service, client, "ada")
    app = await register(service, client)
    access = (await app.tokens("ada"))["access_token"]
    response, body = await app.call("GET", "/credentials?" + query, access)
    assert response.status == 400
    imsx(body, "invalid_query_parameter")


async def test_a_bad_profile_is_refused(service: Service, client: ClientSession):
    await create_account(service, client, "ada")
    app = await register(service, client)
    access = (await app.tokens("ada"))["access_token"]
    for body in ({"name": "no type"}, [], {"type": ["Achievement"]}):
        response, answer = await app.call("PUT", "/profile", access, json=body)
        assert response.status == 400
        imsx(answer, "invalid_data")
    response, answer = await app.call("PUT", "/profile", access, data=b'{"type": "\\ud800"}',
                                      headers={"Content-Type": "application/json"})
    assert response.status == 400


def test_the_schema_validation_can_fail():
    with pytest.raises(jsonschema.ValidationError):
        validate("Imsx_StatusInfo", {"imsx_codeMajor": "failure"})
    with pytest.raises(jsonschema.ValidationError):
        validate("GetOpenBadgeCredentialsResponse", {"compactJwsString": ["not a jws"]})




async def test_concurrent_uses_of_one_code_or_refresh_token_succeed_once(
        service: Service, client: ClientSession):
    await create_account(service, client, "ada")
    app = await register(service, client)
    code, verifier = await _code(app, "ada")
    results = await asyncio.gather(*(app.token(_grant(app, code, verifier)) for _ in range(4)))
    assert sorted(status for status, _, _ in results) == [200, 400, 400, 400]
    tokens = await app.tokens("ada")
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    results = await asyncio.gather(*(app.token(form) for _ in range(4)))
    assert sorted(status for status, _, _ in results) == [200, 400, 400, 400]


async def test_hostile_consent_and_token_requests_get_specific_answers(
        service: Service, client: ClientSession):
    app = await register(service, client)
    url = app.authorize_url(verifier=secrets.token_urlsafe(48)) + "&client_id=" + app.client_id
    async with client.get(url, allow_redirects=False) as response:
        assert response.status == 400  # A repeated parameter (RFC 6749 §3.1): not redirected.
        assert "Location" not in response.headers
    async with client.post(app.api + "/authorize", data={"handle": "forged",
                                                         "decision": "allow"}) as response:
        assert response.status == 400 and response.content_type == "text/html"
    async with client.post(app.api + "/token", data=b"\xff\xfe", headers={
            **app.basic(), "Content-Type": "application/x-www-form-urlencoded"}) as response:
        assert response.status == 400
        assert (await response.json())["error"] == "invalid_request"
    async with client.post(app.api + "/token", data={"grant_type": "authorization_code"},
                           headers={"Authorization": "Basic %%%"}) as response:
        assert response.status == 401
        assert (await response.json())["error"] == "invalid_client"

"""Helpers of the Open Badges 3.0 API tests: a holder's wallet account, a client registered
over HTTP, the consent page driven as a browser would, and the official OpenAPI document's
component schemas to validate requests and responses against."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from functools import cache
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from aiohttp import ClientResponse, ClientSession
from jsonschema import Draft202012Validator
from web_support import Service, badge, bearer, issue

from shared_data import SHARED, need_shared
from vcbadges.obapi.scopes import SCOPES

PASSPHRASE = "correct horse battery staple"
ALL_SCOPES = " ".join(sorted(SCOPES))
REDIRECT = "https://client.example/callback"


@cache
def _openapi() -> dict[str, Any]:
    path = need_shared(SHARED / "ob3" / "openapi" / "openapi.json")
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def _schema(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}", "components": _openapi()["components"]}


def _as_the_schema_build_wants(instance: Any) -> Any:
    """Two places where the official schema build is narrower than VCDM 2.0, which OB 3.0
    builds on (see ../shared/ob3/NOTES.md, "Known deviations"): it requires ``proof`` to be
    an array, while Data Integrity allows one proof object, so a single proof is wrapped; and
    it allows one ``credentialStatus`` object, while VCDM 2.0 allows several (vcbadges puts a
    revocation and a suspension entry), so each entry is validated against
    ``CredentialStatus`` on its own and the first stands for them in the credential."""
    copied = copy.deepcopy(instance)
    items = copied.get("credential", [copied]) if isinstance(copied, dict) else []
    for item in items:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("proof"), dict):
            item["proof"] = [item["proof"]]
        if isinstance(item.get("credentialStatus"), list) and item["credentialStatus"]:
            for entry in item["credentialStatus"]:
                Draft202012Validator(_schema("CredentialStatus")).validate(entry)
            item["credentialStatus"] = item["credentialStatus"][0]
    return copied


def validate(name: str, instance: Any) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``instance`` is valid against the
    component schema ``name`` of the official OpenAPI document."""
    Draft202012Validator(_schema(name)).validate(_as_the_schema_build_wants(instance))


async def create_account(service: Service, http: ClientSession, username: str) -> str:
    """Create a wallet account; return its DID."""
    async with http.post(service.url + "/wallet/api/accounts",
                         json={"username": username, "passphrase": PASSPHRASE}) as response:
        body = await response.json()
        assert response.status == 201, body
        return str(body["did"])


@dataclass
class Issuer:
    """A tenant of the service under test, issuing badges over HTTP."""

    service: Service
    did: str
    api_key: str

    async def badge(self, http: ClientSession, subject: str, *, jwt: bool = False,
                    name: str | None = None) -> Any:
        unsigned = badge(self.did, subject)
        if name is not None:
            unsigned["name"] = name
        options = {"options": {"format": "jwt"}} if jwt else {}
        answer = await issue(http, self.service, self.api_key,
                             {"credential": unsigned, **options})
        return answer["verifiableCredential"]


async def issuer(service: Service, name: str = "acme") -> Issuer:
    tenant, api_key = await service.tenant(name)
    return Issuer(service=service, did=tenant.did, api_key=api_key)


def registration(redirect: str = REDIRECT, scope: str = ALL_SCOPES, **extra: Any) -> dict[str, Any]:
    return {"client_name": "Badge Portfolio", "client_uri": "https://client.example/",
            "logo_uri": "https://client.example/logo.png",
            "tos_uri": "https://client.example/tos", "policy_uri": "https://client.example/privacy",
            "software_id": "4b1b9a4e-portfolio", "software_version": "1.0",
            "redirect_uris": [redirect], "scope": scope, **extra}


@dataclass
class Client:
    """A client registered with the service under test, as its HTTP exchanges see it."""

    service: Service
    http: ClientSession
    client_id: str
    client_secret: str
    redirect: str

    @property
    def api(self) -> str:
        return self.service.url + "/ims/ob/v3p0"

    def basic(self, secret: str | None = None) -> dict[str, str]:
        pair = f"{self.client_id}:{secret if secret is not None else self.client_secret}"
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}

    def authorize_url(self, *, scope: str = ALL_SCOPES, state: str | None = "st-1",
                      verifier: str, method: str | None = "S256",
                      redirect: str | None = None, **extra: str) -> str:
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        params = {"response_type": "code", "client_id": self.client_id,
                  "redirect_uri": redirect or self.redirect, "scope": scope,
                  "code_challenge": challenge if method == "S256" else verifier}
        if method is not None:
            params["code_challenge_method"] = method
        if state is not None:
            params["state"] = state
        params.update(extra)
        return self.api + "/authorize?" + urlencode(params)

    async def consent(self, url: str, *, username: str, decision: str = "allow",
                      passphrase: str = PASSPHRASE) -> ClientResponse:
        """Open the consent page at ``url`` and answer it; the (unfollowed) response."""
        async with self.http.get(url, allow_redirects=False) as page:
            text = await page.text()
            assert page.status == 200, text
        handle = unescape(re.search(r'name="handle" value="([^"]+)"', text).group(1))  # type: ignore[union-attr]
        response = await self.http.post(
            self.api + "/authorize", allow_redirects=False,
            data={"handle": handle, "username": username, "passphrase": passphrase,
                  "decision": decision})
        await response.read()
        return response

    async def code(self, username: str, *, verifier: str, scope: str = ALL_SCOPES,
                   state: str = "st-1") -> str:
        """Consent as ``username`` and return the code the browser comes back with."""
        response = await self.consent(self.authorize_url(scope=scope, verifier=verifier,
                                                         state=state), username=username)
        assert response.status == 303, await response.text()
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        assert query["state"] == [state]
        return query["code"][0]

    async def token(self, form: dict[str, str], *, secret: str | None = None,
                    ) -> tuple[int, dict[str, Any], ClientResponse]:
        async with self.http.post(self.api + "/token", data=form,
                                  headers=self.basic(secret)) as response:
            return response.status, await response.json(), response

    async def tokens(self, username: str, *, scope: str = ALL_SCOPES) -> dict[str, Any]:
        """A whole authorization for ``username``: the token response."""
        verifier = secrets.token_urlsafe(48)
        code = await self.code(username, verifier=verifier, scope=scope)
        status, body, response = await self.token({
            "grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect,
            "code_verifier": verifier})
        assert status == 200, body
        assert response.headers["Cache-Control"] == "no-store"
        return body

    async def call(self, method: str, path: str, token: str | None, **options: Any,
                   ) -> tuple[ClientResponse, Any]:
        headers = {**(bearer(token) if token else {}), **options.pop("headers", {})}
        async with self.http.request(method, self.api + path, headers=headers,
                                     **options) as response:
            raw = await response.read()
            body: Any = raw.decode()
            if response.content_type == "application/json":
                body = json.loads(raw)
            return response, body


async def register(service: Service, http: ClientSession, **changes: Any) -> Client:
    body = registration(**changes)
    async with http.post(service.url + "/ims/ob/v3p0/register", json=body) as response:
        answer = await response.json()
        assert response.status == 201, answer
    return Client(service=service, http=http, client_id=answer["client_id"],
                  client_secret=answer["client_secret"], redirect=body["redirect_uris"][0])


def imsx(body: Any, minor: str) -> None:
    """Assert ``body`` is a valid failure ``Imsx_StatusInfo`` with code minor ``minor``."""
    validate("Imsx_StatusInfo", body)
    assert body["imsx_codeMajor"] == "failure", body
    assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] \
        == minor, body

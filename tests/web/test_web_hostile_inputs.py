"""Hostile inputs over real HTTP: every route answers a specific 4xx, never a 5xx.

Every JSON operation of the OpenAPI document gets, member by member, each class of hostile
value (lone surrogates, the wrong JSON type, huge numbers, deep nesting, over-long strings);
every path and query parameter gets bytes that are not UTF-8 and over-long text; the headers
the service reads get bytes that are not UTF-8. The answer must be a 4xx problem with a
specific type (or, on the OpenID4VC protocol endpoints, an OAuth 2.0 error object), because
a 500 is both a denial of service (it is logged with a stack trace) and a sign that input
reached code that never meant to see it, a database that refuses lone surrogates included.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, CookieJar
from web_support import PROBLEM, TYPES, Service, bearer, running_service

from vcbadges.issuer import MasterKeyStore
from vcbadges.issuer.hosting import create_demo_tenant
from vcbadges.web.openapi import openapi_document
from vcbadges.web.wallet import CSRF_HEADER

SURROGATE = "\ud800"
LONG = "x" * 200_000

#: The classes of hostile value each JSON member is given, by name.
HOSTILE: dict[str, Any] = {
    "surrogate": SURROGATE,
    "surrogate-inside": "a" + SURROGATE + "b@example.com",
    "array": ["a", "b"],
    "object": {"a": "b"},
    "huge-integer": 10 ** 299,
    "negative": -(10 ** 18),
    "float": 1e308,
    "null": None,
    "boolean": True,
    "over-long": LONG,
}
#: A deep nest is sent as raw text: encoding it with the json module would recurse too.
DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 100_000 + "1" + "}" * 100_000

#: Bodies that pass validation up to the member replaced, so that each member is reached.
VALID: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/issuer/credentials/issue"): {
        "award": {"achievement": "explorer", "recipient": {"email": "ada@example.com"}},
        "options": {"format": "di"}},
    ("post", "/issuer/credentials/status"): {
        "credentialId": "urn:uuid:0b7d4b4c-5f2a-4f7e-9a59-8c2b8d1f6a11", "reason": "test",
        "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}]},
    ("post", "/issuer/offers"): {"achievement": "explorer", "pin": False, "format": "ldp_vc"},
    ("post", "/wallet/api/accounts"): {"username": "mallory", "passphrase": "long enough pass",
                                       "keyType": "ed25519"},
    ("post", "/wallet/api/session"): {"username": "mallory", "passphrase": "long enough pass"},
    ("post", "/verifier/presentations/verify"): {
        "verifiablePresentation": {"type": ["VerifiablePresentation"]},
        "options": {"challenge": "c", "domain": "https://example.com"}},
}
#: Members below the top level that reach storage or a lookup, with the body they sit in.
NESTED: dict[tuple[str, str], list[tuple[str | int, ...]]] = {
    ("post", "/issuer/credentials/issue"): [
        ("award", "recipient", "email"), ("award", "recipient", "name"),
        ("award", "achievement"), ("options", "format"), ("options", "credentialId"),
        ("options", "cryptosuite"), ("options", "bake")],
    ("post", "/issuer/credentials/status"): [
        ("credentialStatus", 0, "type"), ("credentialStatus", 0, "status")],
    ("post", "/verifier/presentations/verify"): [("options", "challenge"),
                                                 ("options", "domain")],
}


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _members(document: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    """The top-level member names a JSON request schema names, through refs and choices."""
    schema = _resolve(document, schema)
    names = set(schema.get("properties", {}))
    for choice in schema.get("oneOf", []) + schema.get("anyOf", []) + schema.get("allOf", []):
        names |= _members(document, choice)
    return names


def json_operations(document: dict[str, Any]) -> Iterator[tuple[str, str, set[str]]]:
    """(method, path, member names) of every operation that takes a JSON body."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                schema = content["application/json"].get("schema", {})
                yield method, path, _members(document, schema)


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, entries in document["paths"].items():
        for method, operation in entries.items():
            if method in ("get", "post", "put", "delete", "patch"):
                yield method, path, operation


def _with(body: dict[str, Any], where: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(body))
    node = copy
    for step in where[:-1]:
        node = node[step]
    node[where[-1]] = value
    return dict(copy)


class Caller:
    """An HTTP client holding the demo tenant's API key and a wallet session."""

    def __init__(self, service: Service, http: ClientSession, api_key: str) -> None:
        self.service, self.http, self.api_key = service, http, api_key
        self.csrf = ""

    def headers(self) -> dict[str, str]:
        return {**bearer(self.api_key), CSRF_HEADER: self.csrf}

    def url(self, path: str) -> str:
        for name in ("tenant", "credential_id", "list_id", "slug", "job_id", "offer_id",
                     "request_id", "transaction_id", "handle"):
            path = path.replace("{" + name + "}", "demo" if name == "tenant" else "x1")
        return self.service.url + path

    async def send(self, method: str, path: str, raw: str | bytes) -> tuple[int, str, Any]:
        data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
        async with self.http.request(method.upper(), self.url(path), data=data, headers={
                **self.headers(), "Content-Type": "application/json"}) as response:
            text = await response.read()
            try:
                body = json.loads(text)
            except ValueError:
                body = text[:200]
            return response.status, response.content_type, body


@pytest.fixture
async def caller(tmp_path: Path) -> AsyncIterator[Caller]:
    # unsafe: the jar keeps the session cookie of a service on an IP address.
    async with running_service(tmp_path) as service, \
            ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        async with service.db.sessionmaker()() as session, session.begin():
            api_key = await create_demo_tenant(session, keystore=MasterKeyStore(
                bytes(range(100, 132))))
        assert api_key is not None
        found = Caller(service, http, api_key)
        async with http.post(service.url + "/wallet/api/accounts", json={
                "username": "holder", "passphrase": "long enough pass"}) as response:
            assert response.status == 201
            found.csrf = (await response.json())["csrfToken"]
        yield found


def specific(status: int, media: str, body: Any, path: str) -> bool:
    """A 4xx problem with a specific type, an OAuth 2.0 error on a protocol endpoint, or the
    verification report of a document that is not valid (VC-API answers it with a 400)."""
    if not 400 <= status < 500:
        return False
    if path.endswith("/verify") and status == 400 and media == "application/json":
        return isinstance(body, dict) and body.get("verified") is False
    if media == PROBLEM:
        return isinstance(body, dict) and str(body.get("type", "")).startswith(TYPES) \
            and body["type"] != TYPES + "internal-error"
    protocol = path.startswith(("/oid4vci/", "/verifier/oid4vp/"))
    return protocol and media == "application/json" and isinstance(body, dict) \
        and isinstance(body.get("error"), str)


async def test_every_json_member_refuses_each_hostile_value_specifically(caller: Caller) -> None:
    document = openapi_document(caller.service.settings)
    wrong = []
    for method, path, members in json_operations(document):
        base = VALID.get((method, path), {})
        places: list[tuple[str | int, ...]] = [(name,) for name in sorted(members)]
        places += NESTED.get((method, path), [])
        for where in places:
            for kind, value in HOSTILE.items():
                raw = json.dumps(_with(base, where, value))
                status, media, body = await caller.send(method, path, raw)
                if status >= 500 or (status >= 400 and not specific(status, media, body, path)):
                    wrong.append((method, path, where, kind, status, body))
    assert not wrong, "\n".join(map(str, wrong))


async def test_deep_nesting_and_broken_json_are_refused_on_every_json_route(
        caller: Caller) -> None:
    document = openapi_document(caller.service.settings)
    raws: dict[str, str | bytes] = {"deep": DEEP, "deep-object": DEEP_OBJECT,
                                    "not-utf-8": b'{"a": "\xff"}', "truncated": '{"a": '}
    wrong = []
    for method, path, _ in json_operations(document):
        for kind, raw in raws.items():
            status, media, body = await caller.send(method, path, raw)
            if not specific(status, media, body, path):
                wrong.append((method, path, kind, status, body))
    assert not wrong, "\n".join(map(str, wrong))


async def test_the_wallet_import_refuses_a_100000_deep_document(caller: Caller) -> None:
    for raw in (DEEP, DEEP_OBJECT):
        async with caller.http.post(caller.url("/wallet/api/import"), data=raw.encode(),
                                    headers={**caller.headers(),
                                             "Content-Type": "application/json"}) as response:
            body = await response.json(content_type=None)
            assert response.status == 422 and response.content_type == PROBLEM, body
            assert body["type"] == TYPES + "no-badge-found"


async def test_path_and_query_parameters_that_are_not_text_are_refused(caller: Caller) -> None:
    document = openapi_document(caller.service.settings)
    wrong = []
    for method, path, operation in operations(document):
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        for value in ("%ED%A0%80", "%FF", "x" * 4000, "-1", "1" + "0" * 400):
            url = caller.url(path).replace("x1", value).replace("/demo/", f"/{value}/")
            if names:
                url += "?" + "&".join(f"{name}={value}" for name in names)
            async with caller.http.request(method.upper(), url, headers=caller.headers(),
                                           skip_auto_headers=()) as response:
                if response.status >= 500:
                    wrong.append((method, path, value, response.status,
                                  await response.text()))
    assert not wrong, "\n".join(map(str, wrong))


async def _raw_request(caller: Caller, head: bytes) -> int:
    """Send ``head`` (request line and headers) on a plain connection; the answer's status."""
    host, port = caller.service.settings.host, caller.service.settings.port
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(head + b"Content-Length: 2\r\nContent-Type: application/json\r\n"
                            b"Connection: close\r\n\r\n{}")
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()
        return int(status_line.split()[1])
    finally:
        writer.close()


async def test_header_bytes_that_are_not_utf_8_are_refused(caller: Caller) -> None:
    cookies = "; ".join(f"{c.key}={c.value}" for c in caller.http.cookie_jar)
    wrong = []
    for path in ("/wallet/api/scan", "/wallet/api/backup", "/issuer/credentials/issue",
                 "/wallet/api/session"):
        for header in (b"X-CSRF-Token: \xff\xfe" + caller.csrf.encode(),
                       b"Authorization: Bearer vcb_\xff\xfe",
                       b"Cookie: " + cookies.encode() + b"\xff",
                       b"X-CSRF-Token: " + b"\xed\xa0\x80"):
            head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
                    + b"Cookie: " + cookies.encode() + b"\r\n" + header + b"\r\n")
            status = await _raw_request(caller, head)
            if not 400 <= status < 500:
                wrong.append((path, header, status))
    assert not wrong, "\n".join(map(str, wrong))


async def test_form_bodies_that_are_not_utf_8_get_an_oauth_error(caller: Caller) -> None:
    wrong = []
    for path in ("/oid4vci/demo/token", "/verifier/oid4vp/response"):
        for raw in (b"\xff\xfe", b"state=\xed\xa0\x80", b"state=%ED%A0%80&vp_token=%FF",
                    b"grant_type=" + b"x" * 200_000):
            async with caller.http.post(caller.url(path), data=raw, headers={
                    "Content-Type": "application/x-www-form-urlencoded"}) as response:
                body = await response.json(content_type=None)
                if not specific(response.status, response.content_type, body, path):
                    wrong.append((path, raw[:40], response.status, body))
    assert not wrong, "\n".join(map(str, wrong))


async def test_a_restore_form_that_is_not_utf_8_is_refused(caller: Caller) -> None:
    boundary = "b0undary"
    raw = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"backupPassphrase\"\r\n\r\n"
           .encode() + b"\xff\xfe\xed\xa0\x80\r\n" + f"--{boundary}--\r\n".encode())
    async with caller.http.post(caller.url("/wallet/api/restore"), data=raw, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}"}) as response:
        body = await response.json(content_type=None)
        assert specific(response.status, response.content_type, body, "/wallet/api/restore")


async def test_options_are_checked_whether_or_not_a_credential_takes_them_up(
        caller: Caller) -> None:
    base = VALID[("post", "/issuer/credentials/issue")]
    for value in ("x" * 1001, "", 7, ["a"]):
        raw = json.dumps(_with(base, ("options", "credentialId"), value))
        status, media, body = await caller.send("post", "/issuer/credentials/issue", raw)
        assert (status, media, body["type"]) == (400, PROBLEM, TYPES + "invalid-options"), body


async def test_a_405_allows_the_methods_of_the_fixed_route_alone(caller: Caller) -> None:
    # /issuer/credentials/{credential_id} (GET) matches these paths too, and must not count.
    for path, allowed in (("/issuer/credentials/issue", "POST"),
                          ("/issuer/credentials/status", "POST"),
                          ("/wallet/api/session", "DELETE,GET,HEAD,POST")):
        async with caller.http.put(caller.url(path), headers=caller.headers()) as response:
            body = await response.json(content_type=None)
            assert (response.status, body["type"]) == (405, TYPES + "method-not-allowed")
            assert response.headers["Allow"] == allowed

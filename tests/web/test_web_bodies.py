"""Malformed requests get a specific problem, never a 500: bad JSON, a wrong media type, JSON
nested too deeply, a body over the limit, the wrong shape; unknown paths and methods."""

from __future__ import annotations

import io

import pytest
from aiohttp import ClientSession, TCPConnector
from web_support import Service, badge, bearer, problem_of

JSON_ROUTES = [
    "/issuer/credentials/issue",
    "/issuer/credentials/status",
    "/issuer/achievements",
    "/verifier/credentials/verify",
    "/verifier/presentations/verify",
]


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


CASES = [
    pytest.param(b'{"credential": ', "application/json", 400, "malformed-json", id="truncated"),
    pytest.param(b"\xff\xfe", "application/json", 400, "malformed-json", id="not-utf8"),
    pytest.param(b'{"a": NaN', "application/json", 400, "malformed-json", id="nan"),
    pytest.param(b'{"a": -Infinity}', "application/json", 400, "malformed-json", id="infinity"),
    pytest.param(b'{"a": 1e400}', "application/json", 400, "malformed-json", id="overflow"),
    pytest.param(b'{"credential": {}, "credential": {}}', "application/json", 400,
                 "malformed-json", id="duplicate-member"),
    pytest.param(b'{"a": ' + b"9" * 5000 + b"}", "application/json", 400, "malformed-json",
                 id="huge-int"),
    pytest.param("[1]".encode("utf-16"), "application/json", 400, "malformed-json",
                 id="utf-16"),
    pytest.param(b"{}", "text/plain", 415, "unsupported-media-type", id="text-plain"),
    pytest.param(b"a=1", "application/x-www-form-urlencoded", 415, "unsupported-media-type",
                 id="form"),
    pytest.param(_nested(65), "application/json", 400, "json-too-deep", id="deep"),
    pytest.param(_nested(100_000), "application/json", 400, "json-too-deep", id="very-deep"),
    pytest.param(b'{"a":' * 100_000, "application/json", 400, "json-too-deep",
                 id="very-deep-unclosed"),
    pytest.param(b"[1, 2]", "application/json", 400, "not-an-object", id="array"),
]


@pytest.mark.parametrize(("body", "media", "status", "kind"), CASES)
async def test_malformed_bodies_get_specific_problems(service: Service, client: ClientSession,
                                                      body, media, status, kind):
    _, api_key = await service.tenant("acme")
    for path in JSON_ROUTES:
        async with client.post(service.url + path, data=body, headers={
                "Content-Type": media, **bearer(api_key)}) as response:
            await problem_of(response, status, kind)


async def test_a_body_over_the_limit_is_refused(service: Service):
    _, api_key = await service.tenant("acme")
    limit = service.settings.max_body_bytes
    body = b'{"credential": "' + b"x" * limit + b'"}'
    # A new connection per request: the server stops reading and closes the connection.
    async with ClientSession(connector=TCPConnector(force_close=True)) as client:
        for path in JSON_ROUTES:
            async with client.post(service.url + path, data=io.BytesIO(body), headers={
                    "Content-Type": "application/json", **bearer(api_key)}) as response:
                problem = await problem_of(response, 413, "body-too-large")
                assert str(limit) in problem["detail"]


WRONG_SHAPES = [
    pytest.param({}, "invalid-request", id="neither"),
    pytest.param({"credential": [], "options": {}}, "invalid-request", id="credential-array"),
    pytest.param({"credential": {}, "award": {}}, "invalid-request", id="both"),
    pytest.param({"credential": {}, "options": {"format": "pdf"}}, "invalid-options",
                 id="bad-format"),
    pytest.param({"credential": {}, "options": {"cryptosuite": "rot13"}}, "invalid-options",
                 id="bad-suite"),
    pytest.param({"credential": {}, "options": {"format": "jwt",
                                                "cryptosuite": "eddsa-rdfc-2022"}},
                 "invalid-options", id="suite-for-jwt"),
    pytest.param({"credential": {}, "options": {"shiny": True}}, "invalid-options",
                 id="unknown-option"),
    pytest.param({"credential": {"id": 5}}, "invalid-request", id="id-not-string"),
    pytest.param({"credential": {}}, "invalid-credential", id="empty-credential"),
    pytest.param({"credential": {"@context": ["https://www.w3.org/ns/credentials/v2",
                                              "https://evil.example/ctx"],
                                 "type": ["VerifiableCredential"],
                                 "credentialSubject": {"id": "did:example:1"}}},
                 "invalid-credential", id="unknown-context"),
    pytest.param({"award": {"achievement": "x", "recipient": {"id": "x", "email": "y"}}},
                 "invalid-request", id="two-recipients"),
    pytest.param({"award": {"achievement": "x", "recipient": {"email": "not an address"}}},
                 "invalid-recipient", id="bad-email"),
]


@pytest.mark.parametrize(("body", "kind"), WRONG_SHAPES)
async def test_issue_requests_of_the_wrong_shape(service: Service, client: ClientSession,
                                                 body, kind):
    _, api_key = await service.tenant("acme")
    async with client.post(service.url + "/issuer/credentials/issue", json=body,
                           headers=bearer(api_key)) as response:
        await problem_of(response, 400, kind)


async def test_a_cryptosuite_for_another_key_type_is_refused(service: Service,
                                                             client: ClientSession):
    tenant, api_key = await service.tenant("acme")
    async with client.post(service.url + "/issuer/credentials/issue", headers=bearer(api_key),
                           json={"credential": badge(tenant.did),
                                 "options": {"cryptosuite": "ecdsa-rdfc-2019"}}) as response:
        await problem_of(response, 400, "unsupported-cryptosuite")


_ENTRY = {"type": "BitstringStatusListCredential", "status": "revoked"}


@pytest.mark.parametrize(("body", "detail"), [
    ({}, "credentialId is a string"),
    ({"credentialId": "x"}, "credentialStatus is an object"),
    ({"credentialId": "x", "credentialStatus": {}}, "credentialStatus.type must be"),
    ({"credentialId": "x", "credentialStatus": {"type": "BitstringStatusListEntry",
                                                "statusPurpose": "refresh"}, "status": True},
     "credentialStatus.statusPurpose is revocation or suspension"),
    ({"credentialId": "x", "credentialStatus": {"type": "BitstringStatusListEntry",
                                                "statusPurpose": "revocation"}, "status": "yes"},
     "status must be true or false"),
    ({"credentialId": "x", "credentialStatus": _ENTRY},
     'credentialStatus with a "status" word is a list'),
    ({"credentialId": "x", "credentialStatus": [{"type": "X", "status": "revoked"}]},
     "credentialStatus[0].type is one of BitstringStatusList, "
     "BitstringStatusListCredential, BitstringStatusListEntry"),
    ({"credentialId": "x", "credentialStatus": [{"type": "StatusList2021Credential",
                                                 "status": "revoked"}]},
     "credentialStatus[0].type is one of"),
    ({"credentialId": "x", "credentialStatus": [_ENTRY, {**_ENTRY, "status": "gone"}]},
     "credentialStatus[1].status is revoked, suspended or unsuspended"),
    ({"credentialId": "x", "credentialStatus": [_ENTRY, {**_ENTRY, "status": None}]},
     "credentialStatus[1].status is revoked, suspended or unsuspended"),
    ({"credentialId": "x", "credentialStatus": ["revoked"]},
     'credentialStatus[0] is an object {"type": ..., "status": ...}'),
    ({"credentialId": "x", "credentialStatus": [{**_ENTRY, "status": "suspended"},
                                                {**_ENTRY, "status": "unsuspended"}]},
     "credentialStatus[1] changes the suspension status a second time"),
    ({"credentialId": "x", "credentialStatus": [_ENTRY], "status": True},
     "status goes inside each credentialStatus entry"),
    ({"credentialId": "x", "credentialStatus": []}, "credentialStatus lists 1 to 2 entries"),
    ({"credentialId": "x", "credentialStatus": [_ENTRY] * 3},
     "credentialStatus lists 1 to 2 entries"),
    ({"credentialId": "x" * 1001, "credentialStatus": [_ENTRY]}, "credentialId is a string"),
])
async def test_status_requests_of_the_wrong_shape(service: Service, client: ClientSession,
                                                  body, detail):
    _, api_key = await service.tenant("acme")
    async with client.post(service.url + "/issuer/credentials/status", json=body,
                           headers=bearer(api_key)) as response:
        problem = await problem_of(response, 400, "invalid-request")
    assert problem["detail"].startswith(detail), problem


async def test_verify_requests_of_the_wrong_shape(service: Service, client: ClientSession):
    for path, body in (("/verifier/credentials/verify", {}),
                       ("/verifier/credentials/verify", {"verifiableCredential": 5}),
                       ("/verifier/presentations/verify", {"verifiablePresentation": "x"}),
                       ("/verifier/presentations/verify",
                        {"verifiablePresentation": {}, "options": {"challenge": 7}})):
        async with client.post(service.url + path, json=body) as response:
            await problem_of(response, 400, "invalid-request")
    # A credential that is merely invalid is a report, not a problem.
    async with client.post(service.url + "/verifier/credentials/verify",
                           json={"verifiableCredential": {"hello": "world"}}) as response:
        assert (response.status, response.content_type) == (400, "application/json")
        assert (await response.json())["verified"] is False


async def test_unknown_paths_methods_and_ids(service: Service, client: ClientSession):
    _, api_key = await service.tenant("acme")
    async with client.get(service.url + "/no/such/page") as response:
        await problem_of(response, 404, "not-found")
    async with client.delete(service.url + "/verifier/challenges") as response:
        await problem_of(response, 405, "method-not-allowed")
        assert response.headers["Allow"] == "POST"
    for path in ("/issuer/status/not-a-uuid",
                 "/issuer/status/00000000-0000-4000-8000-000000000000",
                 "/nobody/did.json", "/.well-known/did.json"):
        async with client.get(service.url + path) as response:
            await problem_of(response, 404, "not-found")
    async with client.get(service.url + "/issuer/credentials?limit=0",
                          headers=bearer(api_key)) as response:
        await problem_of(response, 400, "invalid-request")
    async with client.get(service.url + "/issuer/credentials?limit=x",
                          headers=bearer(api_key)) as response:
        await problem_of(response, 400, "invalid-request")

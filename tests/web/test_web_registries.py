"""The service looks issuers up in the registries of its settings, and its VC-API refuses
credentials sent as JSON text and takes ``options.holderMustBeSubject``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from web_support import PROBLEM, Service, check, problem_of, running_service, verify

from net.https_server import HTTPSServer
from vcbadges import issue, issue_jwt, present
from vcbadges.credentials.sample import sample_badge
from vcbadges.primitives.keys import Ed25519SigningKey
from vcbadges.web.settings import Settings

LISTED = Ed25519SigningKey.from_seed(bytes(range(32)))
UNLISTED = Ed25519SigningKey.from_seed(bytes(range(1, 33)))
HOLDER = Ed25519SigningKey.from_seed(bytes(range(2, 34)))
STRANGER = Ed25519SigningKey.from_seed(bytes(range(3, 35)))
DOMAIN = "https://employer.example"


async def signed_by(key: Ed25519SigningKey) -> dict[str, Any]:
    return await issue(sample_badge(issuer=key.controller, subject=HOLDER.controller).to_json(),
                       key=key)


def test_registries_come_from_the_environment() -> None:
    settings = Settings.from_env({"VCBADGES_ISSUER_REGISTRIES":
                                  " a.json, https://r.example/registry.json\n b.json ,"})
    assert settings.issuer_registries == ("a.json", "https://r.example/registry.json", "b.json")
    assert Settings.from_env({}).issuer_registries == ()


async def test_verification_names_issuers_as_the_registries_do(
        tmp_path: Path, https_server: HTTPSServer, client: ClientSession) -> None:
    https_server.add_json("/registry.json", {"meta": {}, "registry": {
        LISTED.controller: {"name": "Listed University", "url": "https://listed.example"}}})
    unreachable = https_server.url("/gone.json")
    local = tmp_path / "ours.json"
    local.write_text(json.dumps([{"did": STRANGER.controller, "name": "Our Partner"}]))
    registries = (unreachable, https_server.url("/registry.json"), str(local))
    async with running_service(tmp_path, issuer_registries=registries,
                               fetch_ca_file=https_server.ca_file) as service:
        status, report = await verify(client, service, await signed_by(LISTED))
        assert status == 200, report
        assert check(report, "issuer_trust") == ("passed", "issuer_listed")
        [trust] = [c for c in report["checks"] if c["id"] == "issuer_trust"]
        assert trust["detail"] == {"name": "Listed University",
                                   "registry": https_server.url("/registry.json"),
                                   "url": "https://listed.example"}
        assert report["issuerTrusted"] is True

        status, report = await verify(client, service, await signed_by(UNLISTED))
        assert (status, report["verified"], report["issuerTrusted"]) == (200, True, False)
        assert check(report, "issuer_trust") == ("failed", "issuer_unknown")

        status, report = await verify(client, service, await signed_by(STRANGER))
        assert check(report, "issuer_trust") == ("passed", "issuer_listed")
    assert https_server.hits("/gone.json") >= 1


async def test_a_loopback_registry_is_refused_by_the_default_policy(
        tmp_path: Path, https_server: HTTPSServer, client: ClientSession) -> None:
    https_server.add_json("/registry.json", {"registry": {LISTED.controller: {"name": "L"}}})
    async with running_service(tmp_path, issuer_registries=(https_server.url("/registry.json"),),
                               fetch_ca_file=https_server.ca_file,
                               fetch_allow_networks=()) as service:
        status, report = await verify(client, service, await signed_by(LISTED))
        assert (status, report["issuerTrusted"]) == (200, False)
    assert https_server.hits("/registry.json") == 0


async def test_a_credential_as_json_text_is_refused(service: Service,
                                                   client: ClientSession) -> None:
    credential = await signed_by(LISTED)
    async with client.post(service.url + "/verifier/credentials/verify",
                           json={"verifiableCredential": json.dumps(credential)}) as response:
        body = await problem_of(response, 400, "invalid-request")
    assert "compact JWT" in body["detail"]
    token = await issue_jwt(sample_badge(issuer=LISTED.controller,
                                         subject=HOLDER.controller).to_json(), key=LISTED)
    status, report = await verify(client, service, token)
    assert (status, report["verified"]) == (200, True), report
    status, report = await verify(client, service, "a.b.c")
    assert (status, report["verified"]) == (400, False)  # JWT-shaped: the report judges it.


async def _challenge(client: ClientSession, service: Service) -> str:
    async with client.post(service.url + "/verifier/challenges") as response:
        challenge: str = (await response.json())["challenge"]
        return challenge


async def test_holder_must_be_subject_unless_the_options_say_not(
        service: Service, client: ClientSession) -> None:
    credential = await signed_by(LISTED)
    url = service.url + "/verifier/presentations/verify"
    for options, verified in (({}, False), ({"holderMustBeSubject": True}, False),
                              ({"holderMustBeSubject": False}, True)):
        challenge = await _challenge(client, service)
        presentation = await present([credential], key=STRANGER, challenge=challenge,
                                     domain=DOMAIN)
        body = {"verifiablePresentation": presentation,
                "options": {"challenge": challenge, "domain": DOMAIN, **options}}
        async with client.post(url, json=body) as response:
            report = await response.json()
            assert (response.status, report["verified"]) == (
                200 if verified else 400, verified), (options, report)


@pytest.mark.parametrize("value", ["false", 0, None, [], {}])
async def test_holder_must_be_subject_is_a_boolean(service: Service, client: ClientSession,
                                                   value: Any) -> None:
    body = {"verifiablePresentation": {"type": "VerifiablePresentation"},
            "options": {"holderMustBeSubject": value}}
    async with client.post(service.url + "/verifier/presentations/verify", json=body) as r:
        assert r.content_type == PROBLEM
        problem = await problem_of(r, 400, "invalid-request")
    assert "holderMustBeSubject" in problem["detail"]


async def test_the_openapi_document_describes_the_options(service: Service,
                                                          client: ClientSession) -> None:
    async with client.get(service.url + "/openapi.json") as response:
        schemas = (await response.json())["components"]["schemas"]
    options = schemas["VerifyPresentationRequest"]["properties"]["options"]["properties"]
    assert options["holderMustBeSubject"] == {
        "type": "boolean", "default": True,
        "description": "false accepts credentials whose subject is not the presentation's holder"}
    assert "pattern" in schemas["VerifyCredentialRequest"]["properties"][
        "verifiableCredential"]["oneOf"][1]

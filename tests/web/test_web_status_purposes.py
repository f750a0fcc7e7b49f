"""The status entries of a badge: one revocation entry by default, a suspension entry as
well when the issue call or the achievement template asks for it."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientSession
from test_wallet_http import ACHIEVEMENT
from web_support import LEARNER, SUSPENDABLE, Service, badge, bearer, issue, problem_of


def purposes(credential: dict[str, Any]) -> list[str] | str:
    status = credential["credentialStatus"]
    if isinstance(status, dict):
        return str(status["statusPurpose"])
    return [entry["statusPurpose"] for entry in status]


async def _template(client: ClientSession, service: Service, api_key: str, slug: str,
                    **extra: Any) -> tuple[int, dict[str, Any]]:
    async with client.post(service.url + "/issuer/achievements", headers=bearer(api_key),
                           json={"slug": slug, "achievement": ACHIEVEMENT, **extra}) as r:
        return r.status, await r.json(content_type=None)


async def _award(client: ClientSession, service: Service, api_key: str, slug: str,
                 **options: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"award": {"achievement": slug, "recipient": {"id": LEARNER}}}
    if options:
        body["options"] = options
    answer = await issue(client, service, api_key, body)
    return answer["verifiableCredential"]  # type: ignore[no-any-return]


async def test_the_issue_call_and_the_template_choose_the_status_entries(
        service: Service, client: ClientSession):
    tenant, api_key = await service.tenant("acme")
    plain = await issue(client, service, api_key, {"credential": badge(tenant.did)})
    assert purposes(plain["verifiableCredential"]) == "revocation"
    both = await issue(client, service, api_key, {"credential": badge(tenant.did),
                                                  "options": SUSPENDABLE})
    assert purposes(both["verifiableCredential"]) == ["revocation", "suspension"]

    status, template = await _template(client, service, api_key, "plain")
    assert (status, template["statusPurposes"]) == (201, ["revocation"])
    status, template = await _template(client, service, api_key, "suspendable",
                                       statusPurposes=["suspension", "revocation"])
    assert (status, template["statusPurposes"]) == (201, ["revocation", "suspension"])
    assert "statusPurposes" not in template["achievement"]
    async with client.get(service.url + "/issuer/achievements/suspendable",
                          headers=bearer(api_key)) as response:
        assert (await response.json())["statusPurposes"] == ["revocation", "suspension"]

    assert purposes(await _award(client, service, api_key, "plain")) == "revocation"
    awarded = await _award(client, service, api_key, "suspendable")
    assert purposes(awarded) == ["revocation", "suspension"]
    assert "statusPurposes" not in awarded["credentialSubject"]["achievement"]
    # The issue call wins over the template.
    assert purposes(await _award(client, service, api_key, "suspendable",
                                 statusPurposes=["revocation"])) == "revocation"
    assert purposes(await _award(client, service, api_key, "plain",
                                 **SUSPENDABLE)) == ["revocation", "suspension"]


async def test_bad_template_purposes_are_refused(service: Service, client: ClientSession):
    _, api_key = await service.tenant("acme")
    for value in (["revocation", "revocation"], ["message"], "revocation", {}):
        async with client.post(service.url + "/issuer/achievements", headers=bearer(api_key),
                               json={"slug": "x", "achievement": ACHIEVEMENT,
                                     "statusPurposes": value}) as response:
            body = await problem_of(response, 400, "invalid-achievement")
        assert "statusPurposes" in body["detail"], body
    # An achievement cannot smuggle the member in itself (no context defines it).
    async with client.post(service.url + "/issuer/achievements", headers=bearer(api_key),
                           json={"slug": "y", "achievement": {
                               **ACHIEVEMENT, "statusPurposes": ["suspension"]}}) as response:
        await problem_of(response, 400, "invalid-achievement")

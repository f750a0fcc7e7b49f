"""POST /issuer/credentials/issue refuses what the data model forbids an issuer to sign, each
with its own code, and signs, stores and allocates nothing for it."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import ClientSession
from sqlalchemy import func, select
from web_support import LEARNER, Service, badge, bearer, issue, problem_of

from vcbadges.storage.models import Credential, StatusAllocation

V2 = "https://www.w3.org/ns/credentials/v2"


def _without(document: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != name}


CASES: list[tuple[str, Any, str]] = [
    ("no_subject", lambda did: _without(badge(did), "credentialSubject"),
     "missing_credential_subject"),
    ("empty_subject", lambda did: {**badge(did), "credentialSubject": {}},
     "empty_credential_subject"),
    ("null_issuer", lambda did: {**badge(did), "issuer": None}, "invalid_issuer"),
    ("valid_from_in_words", lambda did: {**badge(did), "validFrom": "1 June 2026"},
     "invalid_date"),
    ("valid_until_without_zone",
     lambda did: {**badge(did), "validUntil": "2030-01-01T00:00:00"}, "invalid_date"),
    ("terms_of_use_without_type",
     lambda did: {**badge(did), "termsOfUse": {"id": "https://example.org/terms"}},
     "missing_type"),
    ("evidence_without_type",
     lambda did: {**badge(did), "evidence": [{"narrative": "did it"}]}, "missing_type"),
    ("refresh_service_without_type",
     lambda did: {**badge(did), "refreshService": {"id": "https://example.org/r"}},
     "missing_type"),
    ("schema_without_type",
     lambda did: {**badge(did), "credentialSchema": [{"id": "https://example.org/s"}]},
     "missing_type"),
    ("related_resource_string", lambda did: {**badge(did), "relatedResource": [V2]},
     "invalid_related_resource"),
    ("related_resource_wrong_digest",
     lambda did: {**badge(did), "relatedResource": {
         "id": V2, "digestMultibase": "uEiAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},
     "related_resource_digest_mismatch"),
]


@pytest.mark.parametrize(("make", "code"), [(m, c) for _, m, c in CASES],
                         ids=[n for n, _, _ in CASES])
async def test_issue_refuses_a_credential_the_data_model_forbids(
        service: Service, client: ClientSession, make, code):
    tenant, api_key = await service.tenant("acme")
    async with client.post(service.url + "/issuer/credentials/issue", headers=bearer(api_key),
                           json={"credential": make(tenant.did)}) as response:
        body = await problem_of(response, 400, "invalid-credential")
    assert body["code"] == code, body
    async with service.db.sessionmaker(write=False)() as session:
        assert await session.scalar(select(func.count()).select_from(Credential)) == 0
        assert await session.scalar(select(func.count()).select_from(StatusAllocation)) == 0


async def test_a_badge_with_a_matching_related_resource_is_issued(
        service: Service, client: ClientSession):
    tenant, api_key = await service.tenant("acme")
    credential = {**badge(tenant.did, LEARNER), "relatedResource": {
        "id": V2, "digestMultibase": "uEiBZlVztZpfWHgPyslVv6-UwirFoQoRvW1htfx963sknNA"}}
    answer = await issue(client, service, api_key, {"credential": credential})
    assert answer["verifiableCredential"]["relatedResource"] == credential["relatedResource"]

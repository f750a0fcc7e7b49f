"""The service's verifier and its own status lists, with the in-process list memory on
(``status_list_max_age`` 60 s, so lists may be held for up to a second).

A change made through this process shows at the very next verification; a change made
elsewhere on the same database (another worker, the command line) shows once
:data:`~vcbadges.issuer.publish.MAX_STALENESS` has passed, or at once when
``status_list_max_age`` is 0.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from web_support import SUSPENDABLE, Service, badge, bearer, check, issue, running_service, verify

from vcbadges.issuer import revoke, tenant_by_name
from vcbadges.issuer.publish import MAX_STALENESS
from vcbadges.web.keys import DOCUMENTS, STATUS_LISTS


async def _issued(client: ClientSession, service: Service) -> tuple[str, dict[str, Any]]:
    tenant, api_key = await service.tenant("acme")
    answer = await issue(client, service, api_key, {"credential": badge(tenant.did),
                                                     "options": SUSPENDABLE})
    return api_key, answer["verifiableCredential"]


async def _status(client: ClientSession, service: Service, api_key: str,
                  credential: dict[str, Any], status: str) -> None:
    async with client.post(service.url + "/issuer/credentials/status", headers=bearer(api_key),
                           json={"credentialId": credential["id"], "credentialStatus": [
                               {"type": "BitstringStatusListEntry", "status": status}]}
                           ) as response:
        assert response.status == 200, await response.text()


async def _revoke_elsewhere(service: Service, credential: dict[str, Any]) -> None:
    """Revoke through the service's database but not through the service, as another
    process would."""
    async with service.db.sessionmaker()() as session, session.begin():
        tenant = await tenant_by_name(session, "acme")
        assert tenant is not None
        await revoke(session, tenant, credential["id"], actor="elsewhere")


async def test_a_change_made_here_shows_at_the_very_next_verification(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    async with running_service(tmp_path, status_list_max_age=60) as service, \
            ClientSession() as client:
        publisher = service.app[STATUS_LISTS]
        invalidate = publisher.invalidate
        invalidations = []

        def counted() -> None:
            invalidations.append(None)
            invalidate()

        monkeypatch.setattr(publisher, "invalidate", counted)
        api_key, credential = await _issued(client, service)
        status, report = await verify(client, service, credential)
        assert status == 200, report
        expected = [("suspended", "status_suspension", ("failed", "suspended")),
                    ("unsuspended", "status_suspension", ("passed", "not_suspended")),
                    ("revoked", "status_revocation", ("failed", "revoked"))]
        for change, check_id, outcome in expected:
            await _status(client, service, api_key, credential, change)
            _, report = await verify(client, service, credential)
            assert check(report, check_id) == outcome, change
        assert len(invalidations) == 3
        await _status(client, service, api_key, credential, "revoked")  # Changes nothing.
        assert len(invalidations) == 3


async def test_a_change_made_elsewhere_shows_once_max_staleness_has_passed(tmp_path: Path):
    async with running_service(tmp_path, status_list_max_age=60) as service, \
            ClientSession() as client:
        _, credential = await _issued(client, service)
        status, report = await verify(client, service, credential)
        assert status == 200, report
        await _revoke_elsewhere(service, credential)
        committed = time.monotonic()
        await asyncio.sleep(max(0.0, committed + MAX_STALENESS - time.monotonic()))
        status, report = await verify(client, service, credential)
        assert (status, check(report, "status_revocation")) == (400, ("failed", "revoked"))


async def test_with_status_list_max_age_zero_a_change_elsewhere_shows_at_once(tmp_path: Path):
    async with running_service(tmp_path, status_list_max_age=0) as service, \
            ClientSession() as client:
        _, credential = await _issued(client, service)
        status, report = await verify(client, service, credential)
        assert status == 200, report
        await _revoke_elsewhere(service, credential)
        status, report = await verify(client, service, credential)
        assert (status, check(report, "status_revocation")) == (400, ("failed", "revoked"))


async def test_each_caller_gets_a_list_of_its_own(tmp_path: Path):
    async with running_service(tmp_path, status_list_max_age=60) as service, \
            ClientSession() as client:
        _, credential = await _issued(client, service)
        url = credential["credentialStatus"][0]["statusListCredential"]
        documents = service.app[DOCUMENTS]
        first = await documents.get_json(url)
        second = await documents.get_json(url)
        assert first == second and first is not second
        first["credentialSubject"]["encodedList"] = "u"
        assert await documents.get_json(url) == second

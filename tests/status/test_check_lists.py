"""check_status loads the lists a credential names together: each is verified as soon as it
has arrived, and a bug in one load surfaces once every list is done."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from vcbadges.status.bitstring import new_list, status_entry, status_list_credential
from vcbadges.status.check import ListVerification, check_status

ISSUER = "did:example:issuer"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
L1 = "https://issuer.example/status/1"
L2 = "https://issuer.example/status/2"


def _list(url: str) -> dict[str, Any]:
    return status_list_credential(list_id=url, issuer=ISSUER, purpose="revocation",
                                  bits=new_list(), valid_from=datetime(2025, 1, 1, tzinfo=UTC))


def _credential(*urls: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "credentialSubject": {"id": "did:example:holder"},
        "credentialStatus": [status_entry(list_credential=url, index=7, purpose="revocation")
                             for url in urls],
    }


async def _verified(document: dict[str, Any]) -> ListVerification:
    return ListVerification(True, ISSUER)


async def test_a_list_is_verified_while_another_is_still_being_fetched():
    events: list[str] = []
    second_arrives = asyncio.Event()

    async def fetch(url: str) -> Any:
        if url == L2:
            await second_arrives.wait()
        events.append(f"fetched {url}")
        return _list(url)

    async def verify(document: dict[str, Any]) -> ListVerification:
        events.append(f"verified {document['id']}")
        second_arrives.set()
        return await _verified(document)

    checks = await check_status(_credential(L1, L2), issuer=ISSUER, fetch_list=fetch,
                                verify_list=verify, now=NOW)
    assert [c.code for c in checks] == ["not_revoked", "not_revoked"]
    assert events == [f"fetched {L1}", f"verified {L1}", f"fetched {L2}", f"verified {L2}"]


async def test_a_bug_in_one_load_surfaces_once_the_others_are_done():
    finished: list[str] = []

    async def fetch(url: str) -> Any:
        if url == L1:
            raise RuntimeError("bug")
        await asyncio.sleep(0.01)
        finished.append(url)
        return _list(url)

    with pytest.raises(RuntimeError):
        await check_status(_credential(L1, L2), issuer=ISSUER, fetch_list=fetch,
                           verify_list=_verified, now=NOW)
    assert finished == [L2]


@pytest.mark.parametrize("urls", [(L1,), (L1, L2)])
async def test_verify_list_must_return_a_list_verification(urls: tuple[str, ...]):
    async def fetch(url: str) -> Any:
        return _list(url)

    async def verify(document: dict[str, Any]) -> Any:
        return True

    with pytest.raises(TypeError):
        await check_status(_credential(*urls), issuer=ISSUER, fetch_list=fetch,
                           verify_list=verify, now=NOW)

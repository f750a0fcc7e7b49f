"""Badges issued by the issuer core, with their status entries, verified by Digital Bazaar's
@digitalbazaar/vc with @digitalbazaar/vc-bitstring-status-list's checkStatus: VCDM 2.0 and
VCDM 1.1, Ed25519 and P-256, before and after a revocation and a suspension.

The status list credentials are the ones the service serves (signed by
:class:`~vcbadges.issuer.publish.StatusListPublisher`), handed to the Node side by URL, so
nothing is fetched. Digital Bazaar checks validity dates against its own clock: the badges
are issued as of a fixed past date.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from test_digitalbazaar import node

from storage.dbtesting import fresh_database
from vcbadges.credentials.sample import sample_badge
from vcbadges.issuer import MasterKeyStore, create_tenant, issue_for_tenant
from vcbadges.issuer.publish import StatusListPublisher
from vcbadges.issuer.status import revoke, suspend

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
BASE_URL = "https://badges.example.edu"
KEYSTORE = MasterKeyStore(bytes(range(32)))
LEARNER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
V1 = "https://www.w3.org/2018/credentials/v1"


async def _lists(db: Any, credential: dict[str, Any]) -> dict[str, Any]:
    """The signed status list credentials the credential's entries point at, by URL."""
    entries = credential["credentialStatus"]
    publisher = StatusListPublisher(keystore=KEYSTORE, base_url=BASE_URL)
    documents = {}
    async with db.sessionmaker(write=False)() as session:
        for entry in entries if isinstance(entries, list) else [entries]:
            url = entry["statusListCredential"]
            signed = await publisher.get(session, uuid.UUID(url.rsplit("/", 1)[1]))
            assert signed is not None
            documents[url] = json.loads(signed.document)
    return documents


@pytest.mark.parametrize("version", ["2.0", "1.1"])
@pytest.mark.parametrize("algorithm", ["Ed25519", "P-256"])
async def test_digital_bazaar_verifies_the_badge_and_reads_its_status(
        tmp_path: Path, version: str, algorithm: str):
    async with fresh_database(tmp_path) as db:
        async with db.sessionmaker()() as session, session.begin():
            tenant, _ = await create_tenant(session, "acme", keystore=KEYSTORE,
                                            algorithm=algorithm, now=NOW)
        unsigned = sample_badge(issuer=tenant.did, subject=LEARNER, valid_from=NOW).to_json()
        if version == "1.1":
            unsigned["@context"][0] = V1
            unsigned.pop("validFrom")
        async with db.sessionmaker()() as session, session.begin():
            stored = await issue_for_tenant(session, tenant, unsigned, keystore=KEYSTORE,
                                            base_url=BASE_URL, now=NOW,
                                            purposes=("revocation", "suspension"))
        credential = stored.json()
        answer = node("verify", {"credential": credential,
                                 "documents": await _lists(db, credential)})
        assert answer == {"verified": True, "error": None, "statuses": [
            {"statusPurpose": "revocation", "status": False},
            {"statusPurpose": "suspension", "status": False}]}

        async with db.sessionmaker()() as session, session.begin():
            await revoke(session, tenant, stored.id, actor="cli", now=NOW)
            await suspend(session, tenant, stored.id, actor="cli", now=NOW)
        answer = node("verify", {"credential": credential,
                                 "documents": await _lists(db, credential)})
        assert answer["statuses"] == [{"statusPurpose": "revocation", "status": True},
                                      {"statusPurpose": "suspension", "status": True}]

        # A list credential changed after it was signed is refused.
        documents = await _lists(db, credential)
        url = credential["credentialStatus"][0]["statusListCredential"]
        documents[url]["validFrom"] = "2024-12-31T00:00:00Z"
        answer = node("verify", {"credential": credential, "documents": documents})
        assert answer["verified"] is False
        assert "not verified" in answer["error"], answer


async def test_without_the_status_context_digital_bazaar_refuses_a_1_1_badge(tmp_path: Path):
    # What the status context is for: the same entry in a 1.1 badge without it has
    # undefined terms, which Digital Bazaar's safe mode refuses too.
    async with fresh_database(tmp_path) as db:
        async with db.sessionmaker()() as session, session.begin():
            tenant, _ = await create_tenant(session, "acme", keystore=KEYSTORE, now=NOW)
        unsigned = sample_badge(issuer=tenant.did, subject=LEARNER, valid_from=NOW).to_json()
        unsigned["@context"][0] = V1
        unsigned.pop("validFrom")
        async with db.sessionmaker()() as session, session.begin():
            stored = await issue_for_tenant(session, tenant, unsigned, keystore=KEYSTORE,
                                            base_url=BASE_URL, now=NOW)
        credential = stored.json()
        documents = await _lists(db, credential)
    stripped = {**credential, "@context": [c for c in credential["@context"]
                                           if c != "https://www.w3.org/ns/credentials/status/v1"]}
    answer = node("verify", {"credential": stripped, "documents": documents})
    assert answer["verified"] is False
    assert "statusListCredential" in answer["error"] or "undefined" in answer["error"].lower()

"""Whom a badge went to: the recipient's name in the badge (an IdentityObject of type name),
the e-mail address sealed beside the issuer's record and nowhere in clear, and the service
catalog of issuers and achievements."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from issuer_support import BASE_URL, LEARNER, NOW

from storage.dbtesting import database_bytes
from vcbadges.errors import CredentialError, StorageError
from vcbadges.issuer import MasterKeyStore, list_credentials
from vcbadges.issuer.achievements import (
    AchievementTemplate,
    Recipient,
    award_credential,
    create_achievement,
    issue_award,
)
from vcbadges.issuer.catalog import service_catalog
from vcbadges.issuer.recipients import open_email, seal_email, subject_name
from vcbadges.issuer.records import RecipientRecord, recipient_of
from vcbadges.storage.models import Credential

ACHIEVEMENT = {"name": "Lab Safety", "description": "Works safely in the lab.",
               "criteria": {"narrative": "Passed the lab safety test."}}
EMAIL = "ada.lovelace@example.org"


def _identity(value: str, kind: str = "name", hashed: Any = False) -> dict[str, Any]:
    return {"type": "IdentityObject", "identityHash": value, "identityType": kind,
            "hashed": hashed}


async def test_sealed_data_opens_only_in_its_context_and_under_its_master_key(keystore):
    blob = await keystore.seal(b"ada@example.org", context="a")
    assert b"ada@example.org" not in blob
    assert await keystore.unseal(blob, context="a") == b"ada@example.org"
    with pytest.raises(StorageError) as wrong_context:
        await keystore.unseal(blob, context="b")
    assert wrong_context.value.code == "unseal_failed"
    with pytest.raises(StorageError) as other_key:
        await MasterKeyStore(bytes(32)).unseal(blob, context="a")
    assert other_key.value.code == "wrong_master_key"
    with pytest.raises(StorageError) as damaged:
        await keystore.unseal(blob[:-1] + bytes([blob[-1] ^ 1]), context="a")
    assert damaged.value.code == "unseal_failed"


async def test_a_sealed_address_belongs_to_one_tenant_and_credential(keystore):
    tenant = uuid.uuid4()
    sealed = await seal_email(keystore, tenant, "urn:uuid:1", EMAIL)
    assert await open_email(keystore, tenant, "urn:uuid:1", sealed) == EMAIL
    # Moved to another credential or tenant, or opened under another master key: no
    # address, and the record is still readable.
    assert await open_email(keystore, tenant, "urn:uuid:2", sealed) is None
    assert await open_email(keystore, uuid.uuid4(), "urn:uuid:1", sealed) is None
    assert await open_email(MasterKeyStore(bytes(32)), tenant, "urn:uuid:1", sealed) is None
    assert await open_email(keystore, tenant, "urn:uuid:1", None) is None


@pytest.mark.parametrize(("subject", "name"), [
    ({"identifier": [_identity("Ada Lovelace")]}, "Ada Lovelace"),
    ({"identifier": _identity("Ada Lovelace")}, "Ada Lovelace"),
    ({"identifier": [_identity("sha256$ab", "emailAddress", True), _identity("Ada")]}, "Ada"),
    ({"identifier": [_identity("sha256$ab", hashed=True)]}, None),
    ({"identifier": [_identity("Ada", hashed="false")]}, None),
    ({"identifier": [_identity("   ")]}, None),
    ({"identifier": [_identity("ada@example.org", "emailAddress")]}, None),
    # AchievementSubject has no name of its own in OB 3.0; issuers use it for the badge's
    # title (1EdTech's validator fixtures do), so it is not read as a person's name.
    ({"name": "Teamwork Badge"}, None),
    ({}, None),
])
def test_the_subject_name_is_an_unhashed_identity_of_type_name(subject, name):
    assert subject_name({"credentialSubject": subject}) == name
    assert subject_name({"credentialSubject": ["x", subject, {}]}) == name


@pytest.mark.parametrize("name", ["", "   ", "a" * 201, "Ada\nLovelace", "Ada\x00", 7])
def test_a_recipient_name_is_short_printable_text(name):
    with pytest.raises(CredentialError) as refused:
        Recipient(email=EMAIL, name=name)
    assert refused.value.code == "invalid_recipient"


def test_an_award_names_its_recipient_after_the_hashed_address():
    template = AchievementTemplate(slug="lab", achievement={"id": "urn:x:lab", **ACHIEVEMENT},
                                   created_at=NOW)
    unsigned = award_credential(template, Recipient(email=EMAIL, name="Ada Lovelace ✓"),
                                issuer={"id": "did:example:issuer"}, now=NOW)
    hashed, named = unsigned["credentialSubject"]["identifier"]
    assert hashed["identityType"] == "emailAddress" and hashed["hashed"] is True
    assert named == _identity("Ada Lovelace ✓")
    assert EMAIL not in str(unsigned)
    assert subject_name(unsigned) == "Ada Lovelace ✓"


async def test_an_email_award_keeps_the_address_sealed_with_the_record(db, new_tenant,
                                                                       keystore):
    tenant, _ = await new_tenant("acme")
    async with db.sessionmaker()() as session, session.begin():
        await create_achievement(session, tenant, "lab", ACHIEVEMENT, now=NOW)
        by_mail = await issue_award(session, tenant, "lab",
                                    Recipient(email=EMAIL, name="Ada Lovelace"),
                                    keystore=keystore, base_url=BASE_URL, now=NOW)
        by_did = await issue_award(session, tenant, "lab", Recipient(id=LEARNER),
                                   keystore=keystore, base_url=BASE_URL, now=NOW, format="jwt")
    assert EMAIL not in by_mail.document
    assert await recipient_of(by_mail, keystore) == RecipientRecord(
        id=None, name="Ada Lovelace", email=EMAIL)
    assert (await recipient_of(by_did, keystore)).to_json() == {"id": LEARNER}
    async with db.sessionmaker(write=False)() as session:
        listed = await list_credentials(session, tenant)
        row = await session.get(Credential, (tenant.id, by_mail.id))
    assert {s.id: s.recipient_email_sealed is not None for s in listed} == {
        by_mail.id: True, by_did.id: False}
    assert row is not None and row.recipient_email_sealed is not None
    stored = await database_bytes(db)
    assert EMAIL.encode() not in stored
    assert b"Ada Lovelace" in stored  # The name is in the badge, in clear, as intended.


@pytest.mark.parametrize("achievement_id", ["x:", "urn:x\n", "urn:" + "a" * 997, 42])
async def test_templates_have_ids_a_presentation_request_can_name(db, new_tenant,
                                                                  achievement_id):
    tenant, _ = await new_tenant("acme")
    async with db.sessionmaker()() as session, session.begin():
        with pytest.raises(CredentialError) as refused:
            await create_achievement(session, tenant, "lab",
                                     {"id": achievement_id, **ACHIEVEMENT}, now=NOW)
    assert refused.value.code == "invalid_achievement"


async def test_the_catalog_lists_every_tenant_and_template_by_name(db, new_tenant):
    acme, _ = await new_tenant("acme", display_name="Acme Academy")
    zed, _ = await new_tenant("zed")
    empty, _ = await new_tenant("empty", display_name="bare issuer")
    async with db.sessionmaker()() as session, session.begin():
        lab = await create_achievement(session, acme, "lab", ACHIEVEMENT, now=NOW)
        art = await create_achievement(session, zed, "art",
                                       {**ACHIEVEMENT, "name": "art history"}, now=NOW)
        await create_achievement(session, acme, "art", {**ACHIEVEMENT, "name": "Art"}, now=NOW)
    async with db.sessionmaker(write=False)() as session:
        catalog = (await service_catalog(session)).to_json()
        first = (await service_catalog(session, limit=1)).to_json()
    # Sorted by name for choosing, whatever the case; a tenant without templates is an
    # issuer all the same.
    assert catalog["issuers"] == [{"id": acme.did, "name": "Acme Academy"},
                                  {"id": empty.did, "name": "bare issuer"},
                                  {"id": zed.did, "name": "zed"}]
    assert [(a["name"], a["issuer"]) for a in catalog["achievements"]] == [
        ("Art", catalog["issuers"][0]), ("art history", catalog["issuers"][2]),
        ("Lab Safety", catalog["issuers"][0])]
    assert lab.achievement["id"] == catalog["achievements"][2]["id"]
    assert art.achievement["id"] == catalog["achievements"][1]["id"]
    # Bounded: one tenant, and only templates of a tenant listed.
    assert len(first["issuers"]) == 1
    assert all(a["issuer"] == first["issuers"][0] for a in first["achievements"])

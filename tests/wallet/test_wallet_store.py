"""Accounts, unlocking, credentials, passphrase changes and presentations on SQLWalletStore
(SQLite by default, PostgreSQL with VCBADGES_TEST_DATABASE_URL)."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select, update
from wallet_support import (
    CHALLENGE,
    CHEAP,
    DOMAIN,
    LESS_CHEAP,
    NOW,
    PASSPHRASE,
    jwt_badge,
    signed_badge,
)

from vcbadges import verify
from vcbadges.errors import CredentialError, StorageError
from vcbadges.primitives.keys import public_key_from_multikey
from vcbadges.storage import DatabaseConfig
from vcbadges.storage.models import WalletAccount, WalletRecord
from vcbadges.wallet import (
    KDFParams,
    RecordTampered,
    SQLWalletStore,
    UnlockedWallet,
    WrongPassphrase,
)


async def records_of(db: DatabaseConfig, account_id: uuid.UUID) -> dict[uuid.UUID, WalletRecord]:
    async with db.sessionmaker(write=False)() as session:
        rows = await session.execute(
            select(WalletRecord).where(WalletRecord.account_id == account_id))
        return {row.id: row for row in rows.scalars()}


async def account_row(db: DatabaseConfig, account_id: uuid.UUID) -> WalletAccount:
    async with db.sessionmaker(write=False)() as session:
        row = await session.get(WalletAccount, account_id)
        assert row is not None
        return row


# --- accounts ---------------------------------------------------------------------------


@pytest.mark.parametrize(("algorithm", "prefix"), [("Ed25519", "did:key:z6Mk"),
                                                   ("P-256", "did:key:zDn")])
async def test_create_and_unlock(store, algorithm, prefix):
    created = await store.create_account("alice", PASSPHRASE, algorithm=algorithm, now=NOW)
    assert created.did.startswith(prefix)
    assert created.holder_key.algorithm == algorithm
    assert created.holder_key.controller == created.did
    assert created.account.created_at == NOW
    assert created.did.removeprefix("did:key:") == created.holder_key.public_key.to_multikey()
    assert public_key_from_multikey(created.did.removeprefix("did:key:")).algorithm == algorithm

    wallet = await store.unlock("alice", PASSPHRASE)
    assert wallet.did == created.did
    assert wallet.account == created.account
    assert wallet.holder_key.private_bytes() == created.holder_key.private_bytes()
    assert "alice" in repr(wallet) and PASSPHRASE not in repr(wallet)


async def test_default_algorithm_is_ed25519(store):
    wallet = await store.create_account("alice", PASSPHRASE)
    assert wallet.holder_key.algorithm == "Ed25519"


async def test_each_account_has_its_own_did(store):
    alice = await store.create_account("alice", PASSPHRASE)
    bob = await store.create_account("bob", PASSPHRASE)
    assert alice.did != bob.did


async def test_wrong_passphrase_is_a_clear_error(store):
    await store.create_account("alice", PASSPHRASE)
    with pytest.raises(WrongPassphrase) as caught:
        await store.unlock("alice", "Correct horse battery staple")
    assert caught.value.code == "wrong_passphrase"
    assert isinstance(caught.value, StorageError)
    assert str(caught.value) == "wrong passphrase"


@pytest.mark.parametrize("username", ["nobody", "", " padded "])
async def test_unknown_account(store, username):
    with pytest.raises(StorageError) as caught:
        await store.unlock(username, PASSPHRASE)
    assert caught.value.code == "account_not_found"


async def test_username_is_unique(store):
    await store.create_account("alice", PASSPHRASE)
    with pytest.raises(StorageError) as caught:
        await store.create_account("alice", "another passphrase")
    assert caught.value.code == "conflict"


@pytest.mark.parametrize("username", ["", " alice", "a" * 101, "ali\nce"])
async def test_unusable_usernames_are_refused(store, username):
    with pytest.raises(ValueError):
        await store.create_account(username, PASSPHRASE)


async def test_empty_passphrase_is_refused(store):
    with pytest.raises(ValueError):
        await store.create_account("alice", "")


async def test_parameters_and_salt_are_stored_per_account(store, db):
    alice = await store.create_account("alice", PASSPHRASE)
    bob = await store.create_account("bob", PASSPHRASE)
    alice_row = await account_row(db, alice.account.id)
    bob_row = await account_row(db, bob.account.id)
    assert alice_row.kdf == bob_row.kdf == CHEAP.encode()
    assert len(alice_row.kdf_salt) == 16 and alice_row.kdf_salt != bob_row.kdf_salt
    # The same passphrase and data key sizes, different salts: different wrapped keys.
    assert alice_row.wrapped_data_key != bob_row.wrapped_data_key


async def test_weaker_parameters_are_raised_at_the_next_unlock(db):
    old = SQLWalletStore(db, kdf=CHEAP)
    wallet = await old.create_account("alice", PASSPHRASE)
    record = await wallet.add_credential(json.dumps({"name": "kept"}))
    before = await records_of(db, wallet.account.id)

    new = SQLWalletStore(db, kdf=LESS_CHEAP)
    again = await new.unlock("alice", PASSPHRASE)
    row = await account_row(db, wallet.account.id)
    assert KDFParams.decode(row.kdf) == LESS_CHEAP
    assert again.data_key == wallet.data_key
    assert {k: r.sealed for k, r in (await records_of(db, wallet.account.id)).items()} == {
        k: r.sealed for k, r in before.items()}
    # Both stores still unlock it; the old one leaves stronger parameters alone.
    assert (await (await old.unlock("alice", PASSPHRASE)).get_credential(record.id)).name == "kept"
    assert KDFParams.decode((await account_row(db, wallet.account.id)).kdf) == LESS_CHEAP


# --- credentials ------------------------------------------------------------------------


async def test_add_list_get_delete(store):
    wallet = await store.create_account("alice", PASSPHRASE)
    badge = await signed_badge(wallet.did)
    text = json.dumps(badge, indent=1)
    token = await jwt_badge(wallet.did)

    first = await wallet.add_credential(text, now=NOW)
    second = await wallet.add_credential(token)
    assert first.credential == text  # exactly as received, white space and all
    assert first.format == "json" and second.format == "jwt"
    assert first.added_at == NOW
    assert first.name == second.name == "Data Literacy 101"
    assert first.achievement == "Data Literacy 101"
    assert first.issuer == second.issuer == badge["issuer"]["id"]
    assert first.issuer_name == "Example University"
    assert first.document() == badge
    assert second.document() == token

    listed = await wallet.list_credentials()
    assert [r.id for r in listed] == [first.id, second.id]
    assert await wallet.get_credential(second.id) == second
    assert await wallet.get_credential(str(first.id)) == first

    await wallet.delete_credential(first.id)
    assert [r.id for r in await wallet.list_credentials()] == [second.id]
    for missing in (first.id, "not-a-uuid", uuid.uuid4()):
        with pytest.raises(StorageError) as caught:
            await wallet.get_credential(missing)
        assert caught.value.code == "not_found"
    with pytest.raises(StorageError) as caught:
        await wallet.delete_credential(first.id)
    assert caught.value.code == "not_found"


async def test_a_json_object_is_stored_as_json_text(store):
    wallet = await store.create_account("alice", PASSPHRASE)
    badge = await signed_badge(wallet.did)
    record = await wallet.add_credential(badge)
    assert json.loads(record.credential) == badge


@pytest.mark.parametrize("bad", ["", "[1, 2]", "plain text", "a.b.c", '{"a": 1'])
async def test_what_is_not_a_credential_is_refused(store, bad):
    wallet = await store.create_account("alice", PASSPHRASE)
    with pytest.raises(CredentialError):
        await wallet.add_credential(bad)
    assert await wallet.list_credentials() == []


async def test_accounts_do_not_see_each_others_credentials(store):
    alice = await store.create_account("alice", PASSPHRASE)
    bob = await store.create_account("bob", PASSPHRASE)
    record = await alice.add_credential(await signed_badge(alice.did))
    assert await bob.list_credentials() == []
    with pytest.raises(StorageError) as caught:
        await bob.get_credential(record.id)
    assert caught.value.code == "not_found"
    with pytest.raises(StorageError):
        await bob.delete_credential(record.id)
    assert len(await alice.list_credentials()) == 1


async def test_the_holder_key_record_is_not_a_credential(store, db):
    wallet = await store.create_account("alice", PASSPHRASE)
    (holder_id,) = (await records_of(db, wallet.account.id)).keys()
    with pytest.raises(StorageError) as caught:
        await wallet.get_credential(holder_id)
    assert caught.value.code == "not_found"
    assert await wallet.list_credentials() == []


async def test_a_sealed_record_moved_to_another_record_fails_to_open(store, db):
    wallet = await store.create_account("alice", PASSPHRASE)
    first = await wallet.add_credential(json.dumps({"name": "first"}))
    second = await wallet.add_credential(json.dumps({"name": "second"}))
    rows = await records_of(db, wallet.account.id)
    async with db.sessionmaker()() as session, session.begin():
        await session.execute(
            update(WalletRecord)
            .where(WalletRecord.account_id == wallet.account.id, WalletRecord.id == second.id)
            .values(sealed=rows[first.id].sealed))
    assert (await wallet.get_credential(first.id)).name == "first"
    with pytest.raises(RecordTampered) as caught:
        await wallet.get_credential(second.id)
    assert caught.value.code == "record_tampered"
    with pytest.raises(RecordTampered):
        await wallet.list_credentials()


async def test_a_sealed_record_moved_to_another_account_fails_to_open(store, db):
    alice = await store.create_account("alice", PASSPHRASE)
    bob = await store.create_account("bob", PASSPHRASE)
    record = await bob.add_credential(json.dumps({"name": "bob's"}))
    sealed = (await records_of(db, bob.account.id))[record.id].sealed
    async with db.sessionmaker()() as session, session.begin():
        session.add(WalletRecord(account_id=alice.account.id, id=record.id, kind="credential",
                                 sealed=sealed, created_at=NOW))
    with pytest.raises(RecordTampered):
        await alice.get_credential(record.id)
    # Even with Bob's data key, the record does not open under Alice's account id.
    stolen = UnlockedWallet(store, alice.account, bob.data_key, alice.holder_key)
    with pytest.raises(RecordTampered):
        await stolen.get_credential(record.id)


async def test_a_holder_key_record_from_another_account_fails_to_open(store, db):
    alice = await store.create_account("alice", PASSPHRASE)
    bob = await store.create_account("bob", PASSPHRASE)
    alice_rows = await records_of(db, alice.account.id)
    bob_rows = await records_of(db, bob.account.id)
    (alice_key_id,) = alice_rows
    (bob_key,) = bob_rows.values()
    async with db.sessionmaker()() as session, session.begin():
        await session.execute(
            update(WalletRecord)
            .where(WalletRecord.account_id == alice.account.id, WalletRecord.id == alice_key_id)
            .values(sealed=bob_key.sealed))
    with pytest.raises(RecordTampered):
        await store.unlock("alice", PASSPHRASE)


# --- passphrase changes, sessions, locking -------------------------------------------------


async def test_change_passphrase_rewraps_only_the_data_key(store, db):
    wallet = await store.create_account("alice", PASSPHRASE)
    record = await wallet.add_credential(await signed_badge(wallet.did))
    before_account = await account_row(db, wallet.account.id)
    before = {k: r.sealed for k, r in (await records_of(db, wallet.account.id)).items()}

    with pytest.raises(WrongPassphrase):
        await store.change_passphrase("alice", "not the passphrase", "new passphrase")
    await store.change_passphrase("alice", PASSPHRASE, "new passphrase")

    after_account = await account_row(db, wallet.account.id)
    assert after_account.wrapped_data_key != before_account.wrapped_data_key
    assert after_account.kdf_salt != before_account.kdf_salt
    assert {k: r.sealed for k, r in (await records_of(db, wallet.account.id)).items()} == before
    with pytest.raises(WrongPassphrase):
        await store.unlock("alice", PASSPHRASE)
    again = await store.unlock("alice", "new passphrase")
    assert again.did == wallet.did and again.data_key == wallet.data_key
    assert await again.get_credential(record.id) == record
    # A wallet unlocked before the change keeps working: the data key did not change.
    assert await wallet.get_credential(record.id) == record


async def test_change_passphrase_of_unknown_account(store):
    with pytest.raises(StorageError) as caught:
        await store.change_passphrase("nobody", PASSPHRASE, "new")
    assert caught.value.code == "account_not_found"


async def test_resume_with_the_data_key(store):
    wallet = await store.create_account("alice", PASSPHRASE)
    record = await wallet.add_credential(json.dumps({"name": "kept"}))
    resumed = await store.resume(wallet.account.id, wallet.data_key)
    assert resumed.did == wallet.did
    assert await resumed.get_credential(record.id) == record
    for wrong in (bytes(32), b"short"):
        with pytest.raises(WrongPassphrase):
            await store.resume(wallet.account.id, wrong)
    with pytest.raises(StorageError) as caught:
        await store.resume(uuid.uuid4(), wallet.data_key)
    assert caught.value.code == "account_not_found"


async def test_a_locked_wallet_refuses_everything(store):
    wallet = await store.create_account("alice", PASSPHRASE)
    record = await wallet.add_credential(json.dumps({"name": "kept"}))
    wallet.lock()
    assert wallet.is_locked and "locked" in repr(wallet)
    for call in (wallet.list_credentials(), wallet.get_credential(record.id),
                 wallet.add_credential(json.dumps({"name": "more"})),
                 wallet.export_backup("backup pass")):
        with pytest.raises(StorageError) as caught:
            await call
        assert caught.value.code == "wallet_locked"
    with pytest.raises(StorageError):
        wallet.holder_key  # noqa: B018


async def test_a_wallet_belongs_to_its_store(store, db):
    wallet = await store.create_account("alice", PASSPHRASE)
    other = SQLWalletStore(db, kdf=CHEAP)
    with pytest.raises(ValueError):
        await other.list_credentials(wallet)


# --- presentations ----------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["Ed25519", "P-256"])
async def test_present_signs_with_the_holder_key(store, algorithm):
    wallet = await store.create_account("alice", PASSPHRASE, algorithm=algorithm)
    record = await wallet.add_credential(json.dumps(await signed_badge(wallet.did)))
    vp = await wallet.present([record.id], challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    assert vp["holder"] == wallet.did
    assert vp["proof"]["verificationMethod"] == wallet.holder_key.verification_method
    assert vp["verifiableCredential"] == [record.document()]
    report = await verify(vp, challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    assert report.verified, report.to_json()


async def test_present_a_jwt_credential_in_an_envelope(store):
    wallet = await store.create_account("alice", PASSPHRASE)
    record = await wallet.add_credential(await jwt_badge(wallet.did))
    vp = await wallet.present([str(record.id)], challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    (envelope,) = vp["verifiableCredential"]
    assert envelope["type"] == "EnvelopedVerifiableCredential"
    assert envelope["id"].endswith(record.credential)
    report = await verify(vp, challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    assert report.verified, report.to_json()


async def test_present_an_unknown_credential(store):
    wallet = await store.create_account("alice", PASSPHRASE)
    with pytest.raises(StorageError) as caught:
        await wallet.present([uuid.uuid4()], challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    assert caught.value.code == "not_found"

"""Encrypted backups: export, import into a separate store, and the failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from wallet_support import CHALLENGE, CHEAP, DOMAIN, NOW, PASSPHRASE, jwt_badge, signed_badge

from vcbadges import verify
from vcbadges.errors import StorageError
from vcbadges.storage import database_config, upgrade
from vcbadges.wallet import InvalidBackup, SQLWalletStore, WrongPassphrase, crypto

BACKUP_PASSPHRASE = "a different passphrase for the backup file"


@pytest.fixture
async def other_store(tmp_path: Path):
    """A second, separate instance: its own SQLite file, whatever the first one runs on."""
    other = database_config(f"sqlite+aiosqlite:///{tmp_path / 'other' / 'wallet.db'}")
    await upgrade(other)
    try:
        yield SQLWalletStore(other, kdf=CHEAP)
    finally:
        await other.dispose()


@pytest.mark.parametrize("algorithm", ["Ed25519", "P-256"])
async def test_export_and_import_into_another_instance(store, other_store, tmp_path, algorithm):
    wallet = await store.create_account("alice", PASSPHRASE, algorithm=algorithm)
    added = [await wallet.add_credential(json.dumps(await signed_badge(wallet.did)), now=NOW),
             await wallet.add_credential(await jwt_badge(wallet.did))]
    backup_file = tmp_path / "alice.vcbwallet"
    backup_file.write_bytes(await wallet.export_backup(BACKUP_PASSPHRASE, now=NOW))

    restored = await other_store.import_backup(
        backup_file.read_bytes(), BACKUP_PASSPHRASE, username="alice-restored",
        passphrase="new device passphrase")
    assert restored.did == wallet.did
    assert restored.account.id != wallet.account.id
    assert restored.data_key != wallet.data_key  # a new data key on the new instance
    assert restored.holder_key.private_bytes() == wallet.holder_key.private_bytes()
    assert await restored.list_credentials() == added  # same ids, texts, summaries, times

    # The restored account is an ordinary one: unlock it, present from it.
    again = await other_store.unlock("alice-restored", "new device passphrase")
    assert again.did == wallet.did
    vp = await again.present([r.id for r in added[:1]], challenge=CHALLENGE, domain=DOMAIN,
                             now=NOW)
    report = await verify(vp, challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    assert report.verified, report.to_json()
    # The backup passphrase is not the account's.
    with pytest.raises(WrongPassphrase):
        await other_store.unlock("alice-restored", BACKUP_PASSPHRASE)


async def test_a_backup_restores_twice_on_one_instance(store):
    wallet = await store.create_account("alice", PASSPHRASE)
    record = await wallet.add_credential(json.dumps({"name": "kept"}))
    backup = await wallet.export_backup(BACKUP_PASSPHRASE)
    copy = await store.import_backup(backup, BACKUP_PASSPHRASE, username="alice-copy",
                                     passphrase="copy passphrase")
    assert copy.did == wallet.did
    assert await copy.get_credential(record.id) == record
    await copy.delete_credential(record.id)
    assert await wallet.get_credential(record.id) == record


async def test_backup_with_the_wrong_passphrase_fails(store, other_store):
    wallet = await store.create_account("alice", PASSPHRASE)
    backup = await wallet.export_backup(BACKUP_PASSPHRASE)
    for wrong in (PASSPHRASE, BACKUP_PASSPHRASE.upper()):
        with pytest.raises(WrongPassphrase) as caught:
            await other_store.import_backup(backup, wrong, username="alice",
                                            passphrase=PASSPHRASE)
        assert caught.value.code == "wrong_passphrase"
    with pytest.raises(StorageError) as caught:
        await other_store.unlock("alice", PASSPHRASE)
    assert caught.value.code == "account_not_found"  # nothing half-imported


async def test_a_damaged_backup_fails(store, other_store):
    wallet = await store.create_account("alice", PASSPHRASE)
    backup = bytearray(await wallet.export_backup(BACKUP_PASSPHRASE))
    backup[len(backup) // 2] ^= 0x40
    with pytest.raises(WrongPassphrase):
        await other_store.import_backup(bytes(backup), BACKUP_PASSPHRASE, username="alice",
                                        passphrase=PASSPHRASE)
    with pytest.raises(InvalidBackup):
        await other_store.import_backup(b"PK\x03\x04 not a backup", BACKUP_PASSPHRASE,
                                        username="alice", passphrase=PASSPHRASE)


async def test_a_backup_whose_key_does_not_match_its_did_is_refused(store, other_store):
    wallet = await store.create_account("alice", PASSPHRASE)
    bob = await store.create_account("bob", PASSPHRASE)
    payload = json.loads(crypto.open_backup(await wallet.export_backup(BACKUP_PASSPHRASE),
                                            BACKUP_PASSPHRASE))
    payload["account"]["did"] = bob.did
    forged = crypto.seal_backup(json.dumps(payload).encode(), BACKUP_PASSPHRASE, CHEAP)
    with pytest.raises(InvalidBackup):
        await other_store.import_backup(forged, BACKUP_PASSPHRASE, username="alice",
                                        passphrase=PASSPHRASE)


async def test_import_refuses_a_taken_username(store):
    wallet = await store.create_account("alice", PASSPHRASE)
    backup = await wallet.export_backup(BACKUP_PASSPHRASE)
    with pytest.raises(StorageError) as caught:
        await store.import_backup(backup, BACKUP_PASSPHRASE, username="alice",
                                  passphrase=PASSPHRASE)
    assert caught.value.code == "conflict"


async def test_the_backup_uses_the_stores_parameters_and_its_own_salt(store):
    wallet = await store.create_account("alice", PASSPHRASE)
    first = await wallet.export_backup(BACKUP_PASSPHRASE)
    second = await wallet.export_backup(BACKUP_PASSPHRASE)
    kdf = CHEAP.encode().encode("ascii")
    assert first[12:12 + len(kdf)] == kdf
    salt = slice(12 + len(kdf), 12 + len(kdf) + 16)
    assert first[salt] != second[salt]

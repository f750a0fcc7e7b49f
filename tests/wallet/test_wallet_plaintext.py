"""The plaintext scan: nothing a wallet holds appears in clear in the database or a backup.

After storing a signed badge (Data Integrity) and a VC-JWT, changing the passphrase and
exporting a backup, the raw bytes are searched for the credentials' distinctive strings
(achievement and issuer names, evidence, credential ids, proof values, the JWT), the issuer's
DID, the holder's private key (raw, hex, base64 and multibase), the data key and the key
derived from the passphrase, and both passphrases.

Where: every value of every row (on SQLite and PostgreSQL), and on SQLite also the database
file, its WAL and shared-memory files (read while open and again after the pool is closed and
the WAL checkpointed), and the backup file.

The holder's DID (the credentials' subject) is public by design: it is the account's
identifier in the ``did`` column, so it is expected in the database. It must not appear in
the backup, which shows nothing but its format header and KDF parameters. The username is in
clear by design too (it finds the account before any key is known).
"""

from __future__ import annotations

import base64
import json

from wallet_support import ISSUER_KEY, NOW, PASSPHRASE, jwt_badge, signed_badge

from storage.dbtesting import database_bytes
from vcbadges.storage import SQLiteConfig
from vcbadges.storage.models import WalletAccount
from vcbadges.wallet import KDFParams, crypto

NEW_PASSPHRASE = "tr0ub4dor&3 but longer"
BACKUP_PASSPHRASE = "the backup's own passphrase"


def _forms(secret: bytes) -> list[bytes]:
    """A binary secret as raw bytes and in the text encodings it could leak in."""
    return [secret, secret.hex().encode(), secret.hex().upper().encode(),
            base64.b64encode(secret).rstrip(b"="),
            base64.urlsafe_b64encode(secret).rstrip(b"=")]


async def test_no_plaintext_in_the_database_or_the_backup(store, db, tmp_path):
    wallet = await store.create_account("alice", PASSPHRASE, now=NOW)
    badge = await signed_badge(wallet.did)
    token = await jwt_badge(wallet.did)
    await wallet.add_credential(json.dumps(badge))
    await wallet.add_credential(token)
    await store.change_passphrase("alice", PASSPHRASE, NEW_PASSPHRASE)
    wallet = await store.unlock("alice", NEW_PASSPHRASE)
    assert len(await wallet.list_credentials()) == 2
    backup = await wallet.export_backup(BACKUP_PASSPHRASE)
    (tmp_path / "alice.vcbwallet").write_bytes(backup)

    async with db.sessionmaker(write=False)() as session:
        account = await session.get(WalletAccount, wallet.account.id)
        assert account is not None
    kek = crypto.derive_key(NEW_PASSPHRASE, account.kdf_salt, KDFParams.decode(account.kdf))

    achievement = badge["credentialSubject"]["achievement"]
    header, payload, signature = token.split(".")
    text_needles = {
        "achievement name": achievement["name"],
        "achievement description": achievement["description"],
        "criteria": achievement["criteria"]["narrative"],
        "evidence": badge["evidence"][0]["narrative"],
        "issuer name": badge["issuer"]["name"],
        "issuer DID": ISSUER_KEY.controller,
        "credential id": badge["id"],
        "proof value": badge["proof"]["proofValue"],
        "JWT": token,
        "JWT payload": payload[:40],
        "JWT signature": signature,
        "holder secret multikey": wallet.holder_key.to_secret_multikey(),
        "passphrase": PASSPHRASE,
        "new passphrase": NEW_PASSPHRASE,
        "backup passphrase": BACKUP_PASSPHRASE,
    }
    needles = {name: value.encode("utf-8") for name, value in text_needles.items()}
    for name, secret in (("holder private key", wallet.holder_key.private_bytes()),
                         ("data key", wallet.data_key), ("passphrase key", kek)):
        for index, form in enumerate(_forms(secret)):
            needles[f"{name} ({index})"] = form

    stored = await database_bytes(db)
    assert isinstance(db, SQLiteConfig) or b"alice" in stored  # the scan saw the rows
    found = [name for name, needle in needles.items() if needle in stored]
    assert found == [], f"in clear in the database: {found}"
    # Public by design: the holder's DID is the account's identifier.
    assert wallet.did.encode() in stored

    backup = (tmp_path / "alice.vcbwallet").read_bytes()
    found = [name for name, needle in needles.items() if needle in backup]
    assert found == [], f"in clear in the backup: {found}"
    for public in (wallet.did, "alice", "credential", "holder_key", "vcbadges-wallet-backup"):
        assert public.encode() not in backup

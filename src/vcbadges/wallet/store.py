"""Holder wallets: accounts with a DID each, and credentials encrypted at rest.

Callers depend on the :class:`WalletStore` protocol; :class:`SQLWalletStore` implements it
on the vcbadges database (SQLite or PostgreSQL) through
:mod:`vcbadges.storage.wallet_queries`, whose functions each run one transaction and return
plain values.

An account has a unique username, a holder key generated at creation (Ed25519 by default,
or P-256) and the did:key of that key. :meth:`WalletStore.unlock` derives the key-encryption
key from the passphrase (Argon2id, see :mod:`vcbadges.wallet.crypto`), unwraps the account's
data key and returns an :class:`UnlockedWallet`, a handle that holds the data key and the
holder key in memory and reads and writes the account's credentials.

What is in clear in the database: the account's id, username, DID (a public identifier),
its Argon2id parameters and salt and wrapped data key; each record's id, kind and the time it
was added. Everything else is sealed: the holder key and each credential together with its
summary (name, issuer, achievement), since any of these reveals the badge. A credential is
kept exactly as received, JSON text or a compact JWT, inside its sealed record.

Backups (:meth:`WalletStore.export_backup`) are self-contained files encrypted under a
passphrase of their own (their own Argon2id salt and parameters); the payload inside is a
JSON document (format ``vcbadges-wallet-backup``, version 1) with the account's DID and
every record (holder key and credentials) in clear. :meth:`WalletStore.import_backup`
restores one as a new account, on this or another instance, with the same DID, holder key
and record ids, under a new data key.
"""

from __future__ import annotations

import asyncio
import json
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from vcbadges._api import present
from vcbadges.credentials.vcdm import summary
from vcbadges.errors import CredentialError, KeyFormatError, ProofError, StorageError
from vcbadges.jsonld.loader import DocumentLoader
from vcbadges.primitives.dates import parse_datetime, utcnow
from vcbadges.primitives.keys import (
    Algorithm,
    SigningKey,
    generate_key,
    signing_key_from_multikey,
)
from vcbadges.proofs.jose import enveloped_credential, looks_like_jwt, read_jwt_credential
from vcbadges.storage import wallet_queries as sql
from vcbadges.storage.db import DatabaseConfig
from vcbadges.storage.wallet_queries import StoredAccount, StoredRecord
from vcbadges.wallet import crypto
from vcbadges.wallet.crypto import (
    DEFAULT_KDF,
    InvalidBackup,
    KDFParams,
    RecordTampered,
    WrongPassphrase,
)

__all__ = [
    "CREDENTIAL",
    "HOLDER_KEY",
    "BACKUP_FORMAT",
    "MAX_CREDENTIAL_SIZE",
    "CredentialFormat",
    "HolderAccount",
    "CredentialRecord",
    "UnlockedWallet",
    "WalletStore",
    "SQLWalletStore",
]

#: Record kinds.
CREDENTIAL = "credential"
HOLDER_KEY = "holder_key"
#: The ``format`` of the JSON payload inside a backup file.
BACKUP_FORMAT = "vcbadges-wallet-backup"
_BACKUP_PAYLOAD_VERSION = 1
#: The largest credential (in characters) a wallet accepts.
MAX_CREDENTIAL_SIZE = 1_000_000
_USERNAME_MAX = 100
_DATA_KEY = "data-key"
# Used to spend the time of a real unlock when the username is unknown (see unlock).
_DUMMY_SALT = bytes(crypto.SALT_SIZE)

#: How a credential is stored: a JSON document (Data Integrity) or a compact JWT.
CredentialFormat = Literal["json", "jwt"]


@dataclass(frozen=True, slots=True)
class HolderAccount:
    """The public facts of an account: what the database keeps in clear."""

    id: uuid.UUID
    username: str
    did: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CredentialRecord:
    """A credential in a wallet, with the summary shown in lists.

    ``credential`` is exactly what was added: the JSON text or the compact JWT. ``name``,
    ``issuer`` (the issuer's id), ``issuer_name`` and ``achievement`` were read from it when
    it was added (from a JWT without verifying it; a wallet verifies before it accepts).
    """

    id: uuid.UUID
    credential: str
    format: CredentialFormat
    added_at: datetime
    name: str | None = None
    issuer: str | None = None
    issuer_name: str | None = None
    achievement: str | None = None

    def document(self) -> dict[str, Any] | str:
        """The parsed JSON document, or the JWT (without surrounding white space)."""
        if self.format == "jwt":
            return self.credential.strip()
        value: dict[str, Any] = json.loads(self.credential)
        return value

    def presentable(self) -> dict[str, Any]:
        """The form a presentation carries: the document itself, or a JWT in an
        ``EnvelopedVerifiableCredential``."""
        document = self.document()
        return enveloped_credential(document) if isinstance(document, str) else document


class UnlockedWallet:
    """An unlocked account: its data key and holder key in memory, and its credentials.

    Obtained from :meth:`WalletStore.unlock` (or ``create_account``, ``import_backup``); the
    record methods delegate to the store that made it. :meth:`lock` drops the keys (Python
    cannot promise to wipe memory, but nothing of this object keeps them afterwards).
    """

    __slots__ = ("_store", "account", "_data_key", "_holder_key")

    def __init__(
        self, store: WalletStore, account: HolderAccount, data_key: bytes, holder_key: SigningKey
    ) -> None:
        if holder_key.controller != account.did:
            raise ValueError("the holder key does not belong to the account's DID")
        self._store = store
        self.account = account
        self._data_key: bytes | None = data_key
        self._holder_key: SigningKey | None = holder_key

    def __repr__(self) -> str:
        state = "locked" if self._data_key is None else "unlocked"
        return f"UnlockedWallet(username={self.account.username!r}, did={self.did!r}, {state})"

    @property
    def store(self) -> WalletStore:
        return self._store

    @property
    def did(self) -> str:
        return self.account.did

    @property
    def is_locked(self) -> bool:
        return self._data_key is None

    @property
    def data_key(self) -> bytes:
        """The account's data key. Hazardous: for store implementations and session resumes."""
        if self._data_key is None:
            raise StorageError("the wallet is locked", code="wallet_locked")
        return self._data_key

    @property
    def holder_key(self) -> SigningKey:
        """The holder's signing key, whose did:key is :attr:`did`."""
        if self._holder_key is None:
            raise StorageError("the wallet is locked", code="wallet_locked")
        return self._holder_key

    def lock(self) -> None:
        """Forget the data key and the holder key; later calls raise ``wallet_locked``."""
        self._data_key = None
        self._holder_key = None

    async def add_credential(
        self, credential: str | Mapping[str, Any], *, now: datetime | None = None
    ) -> CredentialRecord:
        return await self._store.add_credential(self, credential, now=now)

    async def get_credential(self, record_id: uuid.UUID | str) -> CredentialRecord:
        return await self._store.get_credential(self, record_id)

    async def list_credentials(self) -> list[CredentialRecord]:
        return await self._store.list_credentials(self)

    async def delete_credential(self, record_id: uuid.UUID | str) -> None:
        await self._store.delete_credential(self, record_id)

    async def export_backup(self, backup_passphrase: str, *, now: datetime | None = None) -> bytes:
        return await self._store.export_backup(self, backup_passphrase, now=now)

    async def present(
        self,
        credential_ids: Sequence[uuid.UUID | str],
        *,
        challenge: str,
        domain: str,
        loader: DocumentLoader | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """A presentation of these credentials, signed by the holder key.

        The proof (purpose ``authentication``) binds the verifier's ``challenge`` and
        ``domain``; JWT credentials travel as ``EnvelopedVerifiableCredential``. Raises
        ``StorageError`` (``not_found``) for an id not in this wallet, and ``CredentialError``
        for credentials that cannot travel together (VCDM 1.1 beside 2.0).
        """
        records = [await self.get_credential(record_id) for record_id in credential_ids]
        return await present([record.presentable() for record in records], key=self.holder_key,
                             challenge=challenge, domain=domain, loader=loader, now=now)


class WalletStore(Protocol):
    """Holder accounts and their encrypted credentials.

    Errors: ``StorageError`` with code ``account_not_found``, ``conflict`` (username taken),
    ``not_found`` (no such credential in this wallet), ``wallet_locked``; the subclasses
    :class:`~vcbadges.wallet.crypto.WrongPassphrase` (``wrong_passphrase``),
    :class:`~vcbadges.wallet.crypto.RecordTampered` (``record_tampered``) and
    :class:`~vcbadges.wallet.crypto.InvalidBackup` (``invalid_backup``). ``ValueError`` for
    an empty passphrase or an unusable username.
    """

    async def create_account(
        self, username: str, passphrase: str, *, algorithm: Algorithm = "Ed25519",
        now: datetime | None = None,
    ) -> UnlockedWallet:
        """Create an account with a new holder key and DID; return it unlocked."""
        ...

    async def unlock(self, username: str, passphrase: str) -> UnlockedWallet:
        """Open the account with its passphrase."""
        ...

    async def resume(self, account_id: uuid.UUID, data_key: bytes) -> UnlockedWallet:
        """Open the account with its data key (kept by a session after an unlock)."""
        ...

    async def change_passphrase(
        self, username: str, old_passphrase: str, new_passphrase: str
    ) -> None:
        """Re-wrap the data key under the new passphrase; records are not re-encrypted."""
        ...

    async def add_credential(
        self, wallet: UnlockedWallet, credential: str | Mapping[str, Any], *,
        now: datetime | None = None,
    ) -> CredentialRecord:
        """Store a credential (JSON text or object, or a compact JWT) as received."""
        ...

    async def get_credential(
        self, wallet: UnlockedWallet, record_id: uuid.UUID | str
    ) -> CredentialRecord:
        ...

    async def list_credentials(self, wallet: UnlockedWallet) -> list[CredentialRecord]:
        """The wallet's credentials, oldest first."""
        ...

    async def delete_credential(self, wallet: UnlockedWallet, record_id: uuid.UUID | str) -> None:
        ...

    async def export_backup(
        self, wallet: UnlockedWallet, backup_passphrase: str, *, now: datetime | None = None
    ) -> bytes:
        """An encrypted backup file of the whole account, under its own passphrase."""
        ...

    async def import_backup(
        self, backup: bytes, backup_passphrase: str, *, username: str, passphrase: str,
        now: datetime | None = None,
    ) -> UnlockedWallet:
        """Restore a backup as a new account (same DID, holder key and credentials)."""
        ...


# --- record contents --------------------------------------------------------------------


def _encode(content: Mapping[str, Any]) -> bytes:
    return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _decode(plaintext: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(plaintext)
    except (ValueError, UnicodeDecodeError):
        value = None
    if not isinstance(value, dict):
        raise StorageError(f"the {what} record cannot be read", code="record_unreadable")
    return value


def _credential_content(credential: str | Mapping[str, Any]) -> dict[str, Any]:
    """The sealed content of a credential record: the credential as received and its summary."""
    if isinstance(credential, Mapping):
        text = json.dumps(credential, ensure_ascii=False)
    elif isinstance(credential, str):
        text = credential
    else:
        raise TypeError("a credential is JSON text, a JSON object or a compact JWT")
    if len(text) > MAX_CREDENTIAL_SIZE:
        raise CredentialError("the credential is too large for the wallet", code="too_large")
    document: Any
    format: CredentialFormat
    if looks_like_jwt(text.strip()):
        format = "jwt"
        try:
            document = read_jwt_credential(text.strip())
        except ProofError as exc:
            raise CredentialError("the JWT does not carry a readable credential",
                                  code="malformed_credential") from exc
    else:
        format = "json"
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise CredentialError("a credential must be a JSON object or a compact JWT",
                                  code="malformed_credential")
    facts = summary(document)
    content: dict[str, Any] = {"format": format, "credential": text}
    for name in ("name", "issuer", "issuerName", "achievement"):
        if isinstance(facts.get(name), str):
            content[name] = facts[name]
    return content


def _optional_str(content: Mapping[str, Any], name: str) -> str | None:
    value = content.get(name)
    return value if isinstance(value, str) else None


def _credential_record(
    record_id: uuid.UUID, added_at: datetime, content: Mapping[str, Any]
) -> CredentialRecord:
    text, format = content.get("credential"), content.get("format")
    if not isinstance(text, str) or format not in ("json", "jwt"):
        raise StorageError("the credential record cannot be read", code="record_unreadable")
    return CredentialRecord(
        id=record_id, credential=text, format=format, added_at=added_at,
        name=_optional_str(content, "name"), issuer=_optional_str(content, "issuer"),
        issuer_name=_optional_str(content, "issuerName"),
        achievement=_optional_str(content, "achievement"))


def _holder_key_content(key: SigningKey) -> dict[str, Any]:
    return {"algorithm": key.algorithm, "secretKeyMultibase": key.to_secret_multikey()}


def _holder_key(content: Mapping[str, Any], did: str) -> SigningKey:
    secret = content.get("secretKeyMultibase")
    if not isinstance(secret, str):
        raise StorageError("the holder key record cannot be read", code="record_unreadable")
    try:
        key = signing_key_from_multikey(secret)
    except KeyFormatError as exc:
        raise StorageError("the holder key record cannot be read",
                           code="record_unreadable") from exc
    if key.controller != did:
        raise RecordTampered("the holder key does not match the account's DID")
    return key


def _record_id(value: uuid.UUID | str) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError):
        return None


def _usable_username(username: str) -> bool:
    return (isinstance(username, str) and 0 < len(username) <= _USERNAME_MAX
            and username.isprintable() and username == username.strip())


def _check_username(username: str) -> None:
    if not _usable_username(username):
        raise ValueError(
            f"a username is 1 to {_USERNAME_MAX} printable characters without surrounding "
            "spaces")


def _normalize_username(username: str) -> str:
    _check_username(username)
    return unicodedata.normalize("NFC", username)


def _account_of(row: StoredAccount) -> HolderAccount:
    return HolderAccount(id=row.id, username=row.username, did=row.did,
                         created_at=row.created_at)


# --- backups ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Restored:
    record_id: uuid.UUID
    kind: str
    created_at: datetime
    content: dict[str, Any]


def _backup_payload(
    account: HolderAccount, records: Iterable[_Restored], now: datetime
) -> bytes:
    return _encode({
        "format": BACKUP_FORMAT,
        "version": _BACKUP_PAYLOAD_VERSION,
        "exportedAt": now.astimezone(UTC).isoformat(),
        "account": {"did": account.did,
                    "createdAt": account.created_at.astimezone(UTC).isoformat()},
        "records": [{"id": str(r.record_id), "kind": r.kind,
                     "createdAt": r.created_at.astimezone(UTC).isoformat(),
                     "content": r.content} for r in records],
    })


def _read_backup_payload(payload: bytes) -> tuple[str, SigningKey, list[_Restored]]:
    """The DID, holder key and records of a decrypted payload; ``InvalidBackup`` if malformed."""
    try:
        doc = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise InvalidBackup("the wallet backup's content is not readable") from None
    if not isinstance(doc, dict) or doc.get("format") != BACKUP_FORMAT:
        raise InvalidBackup("the wallet backup's content is not a wallet")
    if doc.get("version") != _BACKUP_PAYLOAD_VERSION:
        raise InvalidBackup(f"wallet backup content version {doc.get('version')!r} "
                            "is not supported")
    account, items = doc.get("account"), doc.get("records")
    did = account.get("did") if isinstance(account, dict) else None
    if not isinstance(did, str) or not isinstance(items, list):
        raise InvalidBackup("the wallet backup has no account or records")
    records: list[_Restored] = []
    seen: set[uuid.UUID] = set()
    for item in items:
        try:
            record = _Restored(record_id=uuid.UUID(item["id"]), kind=item["kind"],
                               created_at=parse_datetime(item["createdAt"]),
                               content=item["content"])
        except (TypeError, KeyError, ValueError):
            raise InvalidBackup("a record of the wallet backup is malformed") from None
        if (record.kind not in (CREDENTIAL, HOLDER_KEY) or not isinstance(record.content, dict)
                or record.record_id in seen):
            raise InvalidBackup("a record of the wallet backup is malformed")
        seen.add(record.record_id)
        records.append(record)
    keys = [r for r in records if r.kind == HOLDER_KEY]
    if len(keys) != 1:
        raise InvalidBackup("the wallet backup must hold exactly one holder key")
    try:
        key = _holder_key(keys[0].content, did)
        for record in records:
            if record.kind == CREDENTIAL:
                _credential_record(record.record_id, record.created_at, record.content)
    except StorageError as exc:
        raise InvalidBackup(f"the wallet backup is inconsistent: {exc.message}") from None
    return did, key, records


# --- the SQL store ----------------------------------------------------------------------


class SQLWalletStore:
    """:class:`WalletStore` on the vcbadges database.

    ``kdf`` gives the Argon2id parameters for new passphrases and backups (tests pass cheap
    ones). An account whose stored parameters are weaker is re-wrapped with these at its
    next unlock, so raising them later upgrades accounts as their holders come back.

    Key derivation runs in a worker thread, never inside a database transaction. Each method
    runs its own short transaction.
    """

    def __init__(self, db: DatabaseConfig, *, kdf: KDFParams = DEFAULT_KDF) -> None:
        self._db = db
        self.kdf = kdf

    def __repr__(self) -> str:
        return f"SQLWalletStore({self._db!r}, kdf={self.kdf.encode()!r})"

    # Accounts.

    async def create_account(
        self, username: str, passphrase: str, *, algorithm: Algorithm = "Ed25519",
        now: datetime | None = None,
    ) -> UnlockedWallet:
        """Create an account with a new holder key (``algorithm``) and its did:key.

        Raises ``StorageError`` (``conflict``) when the username is taken, ``ValueError``
        for an unusable username, an empty passphrase or an unknown algorithm.
        """
        key = generate_key(algorithm)
        when = now or utcnow()
        holder = _Restored(uuid.uuid4(), HOLDER_KEY, when, _holder_key_content(key))
        return await self._create(username, passphrase, key, [holder], when)

    async def unlock(self, username: str, passphrase: str) -> UnlockedWallet:
        """Derive the passphrase key, unwrap the data key, open the holder key.

        Raises :class:`WrongPassphrase` and ``StorageError`` (``account_not_found``, also for
        a username no account can have). An unknown username costs the same key derivation
        as a known one, so that response times do not tell which usernames exist (callers
        facing the network should also answer both cases alike).
        """
        found = None
        if _usable_username(username):
            username = unicodedata.normalize("NFC", username)
            found = await sql.account_with_first(self._db, HOLDER_KEY, username=username)
        row, holder = found if found is not None else (None, None)
        if row is None or holder is None:
            await asyncio.to_thread(crypto.derive_key, passphrase, _DUMMY_SALT, self.kdf)
            raise StorageError(f"no wallet account named {username!r}",
                               code="account_not_found")
        params = KDFParams.decode(row.kdf)
        data_key = await self._unwrap(row, passphrase, params)
        wallet = self._open(row, holder, data_key)
        if params.weaker_than(self.kdf):
            # Raise the account to the current parameters while we know the passphrase. A
            # concurrent change wins over this one, which is then simply dropped.
            await self._rewrap(row.id, row.wrapped_data_key, passphrase, data_key)
        return wallet

    async def resume(self, account_id: uuid.UUID, data_key: bytes) -> UnlockedWallet:
        """Open an account with the data key of an earlier unlock (a session may keep it,
        wrapped under a key of its own, to serve later requests without the passphrase).

        Raises ``StorageError`` (``account_not_found``) and :class:`WrongPassphrase` when
        the key does not open the account.
        """
        found = await sql.account_with_first(self._db, HOLDER_KEY, account_id=account_id)
        row, holder = found if found is not None else (None, None)
        if row is None or holder is None:
            raise StorageError("no such wallet account", code="account_not_found")
        if len(data_key) != crypto.KEY_SIZE:
            raise WrongPassphrase("the data key does not open this wallet")
        try:
            return self._open(row, holder, data_key)
        except RecordTampered:
            raise WrongPassphrase("the data key does not open this wallet") from None

    async def change_passphrase(
        self, username: str, old_passphrase: str, new_passphrase: str
    ) -> None:
        """Re-wrap the data key under ``new_passphrase`` (a new salt, the current KDF
        parameters); the sealed records stay as they are.

        Raises :class:`WrongPassphrase` when ``old_passphrase`` is wrong, ``StorageError``
        (``account_not_found``, or ``conflict`` when the passphrase changed meanwhile).
        """
        if not new_passphrase:
            raise ValueError("the passphrase must not be empty")
        row = None
        if _usable_username(username):
            username = unicodedata.normalize("NFC", username)
            row = await sql.account_by_username(self._db, username)
        if row is None:
            raise StorageError(f"no wallet account named {username!r}",
                               code="account_not_found")
        data_key = await self._unwrap(row, old_passphrase, KDFParams.decode(row.kdf))
        if not await self._rewrap(row.id, row.wrapped_data_key, new_passphrase, data_key):
            raise StorageError("the passphrase was changed meanwhile; try again",
                               code="conflict")

    # Credentials.

    async def add_credential(
        self, wallet: UnlockedWallet, credential: str | Mapping[str, Any], *,
        now: datetime | None = None,
    ) -> CredentialRecord:
        """Seal and store a credential; the text is kept exactly as given.

        Raises ``CredentialError`` for something that is neither a JSON object nor a JWT
        carrying a credential. The credential is not verified here.
        """
        data_key = self._data_key_of(wallet)
        content = _credential_content(credential)
        record_id, when = uuid.uuid4(), now or utcnow()
        sealed = crypto.seal_record(data_key, _encode(content), account_id=wallet.account.id,
                                    record_id=record_id, kind=CREDENTIAL)
        await sql.insert_record(
            self._db, StoredRecord(account_id=wallet.account.id, id=record_id, kind=CREDENTIAL,
                                   sealed=sealed, created_at=when),
            conflict="the wallet account does not exist")
        return _credential_record(record_id, when, content)

    async def get_credential(
        self, wallet: UnlockedWallet, record_id: uuid.UUID | str
    ) -> CredentialRecord:
        """The credential with this record id; ``StorageError`` (``not_found``) if the wallet
        has none, :class:`RecordTampered` if its sealed record does not open."""
        data_key = self._data_key_of(wallet)
        wanted = _record_id(record_id)
        row = None
        if wanted is not None:
            row = await sql.record(self._db, wallet.account.id, wanted, CREDENTIAL)
        if row is None:
            raise StorageError("no such credential in this wallet", code="not_found")
        return self._credential_of(row, data_key)

    async def list_credentials(self, wallet: UnlockedWallet) -> list[CredentialRecord]:
        data_key = self._data_key_of(wallet)
        rows = await sql.records(self._db, wallet.account.id, CREDENTIAL)
        return [self._credential_of(row, data_key) for row in rows]

    async def delete_credential(self, wallet: UnlockedWallet, record_id: uuid.UUID | str) -> None:
        """Delete a credential; ``StorageError`` (``not_found``) if the wallet has none."""
        self._data_key_of(wallet)
        wanted = _record_id(record_id)
        deleted = False
        if wanted is not None:
            deleted = await sql.delete_record(self._db, wallet.account.id, wanted, CREDENTIAL)
        if not deleted:
            raise StorageError("no such credential in this wallet", code="not_found")

    # Backups.

    async def export_backup(
        self, wallet: UnlockedWallet, backup_passphrase: str, *, now: datetime | None = None
    ) -> bytes:
        """The whole account (DID, holder key, credentials) as an encrypted backup file.

        The file is encrypted under ``backup_passphrase`` with its own salt and this
        store's KDF parameters (see :func:`vcbadges.wallet.crypto.seal_backup`); nothing in
        it is in clear but the format header and those parameters.
        """
        data_key = self._data_key_of(wallet)
        if not backup_passphrase:
            raise ValueError("the backup passphrase must not be empty")
        rows = await sql.records(self._db, wallet.account.id)
        records = [
            _Restored(row.id, row.kind, row.created_at, _decode(
                crypto.open_record(data_key, row.sealed, account_id=row.account_id,
                                   record_id=row.id, kind=row.kind), row.kind))
            for row in rows
        ]
        payload = _backup_payload(wallet.account, records, now or utcnow())
        return await asyncio.to_thread(crypto.seal_backup, payload, backup_passphrase, self.kdf)

    async def import_backup(
        self, backup: bytes, backup_passphrase: str, *, username: str, passphrase: str,
        now: datetime | None = None,
    ) -> UnlockedWallet:
        """Restore a backup as a new account named ``username`` with ``passphrase``.

        The account gets the backup's DID, holder key and records (ids and times kept) under
        a new data key. Raises :class:`WrongPassphrase` (wrong backup passphrase, or a
        damaged file), :class:`InvalidBackup`, ``StorageError`` (``conflict``: username
        taken; ``unsupported_kdf``: parameters beyond the bounds).
        """
        username = _normalize_username(username)
        if not isinstance(backup, (bytes, bytearray, memoryview)):
            raise TypeError("a backup is bytes")
        await self._refuse_taken(username)
        payload = await asyncio.to_thread(crypto.open_backup, bytes(backup), backup_passphrase)
        _, key, records = _read_backup_payload(payload)
        return await self._create(username, passphrase, key, records, now or utcnow())

    # Internals.

    def _data_key_of(self, wallet: UnlockedWallet) -> bytes:
        if wallet.store is not self:
            raise ValueError("this wallet was unlocked by another store")
        return wallet.data_key

    async def _refuse_taken(self, username: str) -> None:
        if await sql.account_by_username(self._db, username) is not None:
            raise StorageError(f"a wallet account named {username!r} already exists",
                               code="conflict")

    async def _create(
        self, username: str, passphrase: str, key: SigningKey, records: Sequence[_Restored],
        when: datetime,
    ) -> UnlockedWallet:
        username = _normalize_username(username)
        # Refuse a taken name before spending a key derivation on it (the unique constraint
        # still decides between two concurrent creations).
        await self._refuse_taken(username)
        account = HolderAccount(id=uuid.uuid4(), username=username, did=key.controller,
                                created_at=when)
        data_key, salt = crypto.new_data_key(), crypto.new_salt()
        kek = await asyncio.to_thread(crypto.derive_key, passphrase, salt, self.kdf)
        wrapped = crypto.wrap_key(kek, data_key, account_id=account.id, purpose=_DATA_KEY)
        rows = [
            StoredRecord(account_id=account.id, id=r.record_id, kind=r.kind,
                         created_at=r.created_at,
                         sealed=crypto.seal_record(data_key, _encode(r.content),
                                                   account_id=account.id, record_id=r.record_id,
                                                   kind=r.kind))
            for r in records
        ]
        await sql.insert_account(
            self._db, StoredAccount(id=account.id, username=username, did=account.did,
                                    kdf=self.kdf.encode(), kdf_salt=salt,
                                    wrapped_data_key=wrapped, created_at=when),
            rows, conflict=f"a wallet account named {username!r} already exists")
        return UnlockedWallet(self, account, data_key, key)

    @staticmethod
    async def _unwrap(row: StoredAccount, passphrase: str, params: KDFParams) -> bytes:
        kek = await asyncio.to_thread(crypto.derive_key, passphrase, row.kdf_salt, params)
        return crypto.unwrap_key(kek, row.wrapped_data_key, account_id=row.id, purpose=_DATA_KEY)

    async def _rewrap(
        self, account_id: uuid.UUID, expected: bytes, passphrase: str, data_key: bytes
    ) -> bool:
        salt = crypto.new_salt()
        kek = await asyncio.to_thread(crypto.derive_key, passphrase, salt, self.kdf)
        wrapped = crypto.wrap_key(kek, data_key, account_id=account_id, purpose=_DATA_KEY)
        return await sql.rewrap_account(self._db, account_id, expected=expected,
                                        kdf=self.kdf.encode(), kdf_salt=salt,
                                        wrapped_data_key=wrapped)

    def _open(self, row: StoredAccount, holder: StoredRecord, data_key: bytes) -> UnlockedWallet:
        plaintext = crypto.open_record(data_key, holder.sealed, account_id=row.id,
                                       record_id=holder.id, kind=HOLDER_KEY)
        key = _holder_key(_decode(plaintext, HOLDER_KEY), row.did)
        return UnlockedWallet(self, _account_of(row), data_key, key)

    @staticmethod
    def _credential_of(row: StoredRecord, data_key: bytes) -> CredentialRecord:
        plaintext = crypto.open_record(data_key, row.sealed, account_id=row.account_id,
                                       record_id=row.id, kind=CREDENTIAL)
        return _credential_record(row.id, row.created_at, _decode(plaintext, CREDENTIAL))

"""Encryption at rest of the holder wallet: Argon2id, key wrapping and record sealing.

Hazardous materials: these are the building blocks :mod:`vcbadges.wallet.store` uses; call
the store, not these, unless you are writing another store.

The key hierarchy of one account::

    passphrase ──Argon2id(salt, params)──▶ key-encryption key (32 bytes, never stored)
                                              │ AES-256-GCM, AAD = account id + purpose
                                              ▼
                                   wrapped data key (stored in the account row)
    data key (32 random bytes) ──AES-256-GCM, AAD = account id + record id + kind──▶ sealed records

Changing the passphrase re-wraps the data key and leaves every record as it is. Each record
is sealed with a fresh 96-bit nonce, and its associated data binds it to its account, its id
and its kind: a sealed blob copied into another row (another record, kind or account) fails
to open with :class:`RecordTampered` instead of showing one credential under another's id.

Formats (all integers big-endian):

- wrapped key: ``0x01 || nonce (12) || AES-256-GCM(key)``, AAD
  ``"vcbadges-wallet/key/v1" 0x00 || account id (16) || purpose (UTF-8)``;
- sealed record: ``0x01 || nonce (12) || AES-256-GCM(padded plaintext)``, AAD
  ``"vcbadges-wallet/record/v1" 0x00 || account id (16) || record id (16) || kind (ASCII)``;
  the plaintext is padded (ISO/IEC 7816-4: ``0x80`` then zeros) to a multiple of
  :data:`PAD_BLOCK` bytes, so that a blob's length tells little about its badge;
- backup file: see :func:`seal_backup`.

AES-GCM cannot tell a wrong key from damaged data: a failed unwrap is reported as
:class:`WrongPassphrase` (the usual cause), a failed record open as :class:`RecordTampered`.
"""

from __future__ import annotations

import re
import secrets
import struct
import unicodedata
import uuid
from dataclasses import dataclass

from argon2.exceptions import HashingError
from argon2.low_level import ARGON2_VERSION, Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vcbadges.errors import StorageError

__all__ = [
    "KEY_SIZE",
    "SALT_SIZE",
    "NONCE_SIZE",
    "PAD_BLOCK",
    "BACKUP_MAGIC",
    "BACKUP_VERSION",
    "KDFParams",
    "DEFAULT_KDF",
    "WrongPassphrase",
    "RecordTampered",
    "InvalidBackup",
    "new_data_key",
    "new_salt",
    "derive_key",
    "wrap_key",
    "unwrap_key",
    "seal_record",
    "open_record",
    "seal_backup",
    "open_backup",
]

KEY_SIZE = 32
SALT_SIZE = 16
NONCE_SIZE = 12
#: Sealed record plaintexts are padded to a multiple of this many bytes.
PAD_BLOCK = 256

_FORMAT_VERSION = b"\x01"
_KEY_LABEL = b"vcbadges-wallet/key/v1\x00"
_RECORD_LABEL = b"vcbadges-wallet/record/v1\x00"

#: The first bytes of every backup file.
BACKUP_MAGIC = b"VCBWALLET\x00"
BACKUP_VERSION = 1

# Bounds on Argon2id parameters read from a database row or a backup file. A backup is
# untrusted input: without an upper bound, a crafted file could ask for terabytes of memory
# or hours of work before its passphrase is even checked.
MAX_MEMORY_KIB = 1 << 20  # 1 GiB
MAX_TIME_COST = 10
MAX_PARALLELISM = 16

_PARAMS = re.compile(r"^argon2id\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)$")


class WrongPassphrase(StorageError):
    """The passphrase does not open the wallet or the backup (or the wrapped key is damaged)."""

    code = "wrong_passphrase"


class RecordTampered(StorageError):
    """A sealed record does not open: moved to another record, kind or account, or damaged."""

    code = "record_tampered"


class InvalidBackup(StorageError):
    """Not a vcbadges wallet backup, a version we cannot read, or a damaged one."""

    code = "invalid_backup"


@dataclass(frozen=True, slots=True)
class KDFParams:
    """Argon2id (version 0x13) parameters: passes, memory in KiB and lanes.

    Stored beside each account's salt (as :meth:`encode` gives them) and in each backup, so
    they can be raised later without making older accounts or backups unreadable.
    """

    time_cost: int
    memory_kib: int
    parallelism: int

    def __post_init__(self) -> None:
        if not 1 <= self.parallelism <= MAX_PARALLELISM:
            raise ValueError(f"Argon2 parallelism must be 1 to {MAX_PARALLELISM}")
        if not 1 <= self.time_cost <= MAX_TIME_COST:
            raise ValueError(f"Argon2 time cost must be 1 to {MAX_TIME_COST}")
        if not 8 * self.parallelism <= self.memory_kib <= MAX_MEMORY_KIB:
            raise ValueError(f"Argon2 memory must be 8 KiB per lane to {MAX_MEMORY_KIB} KiB")

    def encode(self) -> str:
        """The PHC-style text form, e.g. ``argon2id$v=19$m=65536,t=3,p=4``."""
        return (f"argon2id$v={ARGON2_VERSION}$m={self.memory_kib},t={self.time_cost},"
                f"p={self.parallelism}")

    @classmethod
    def decode(cls, text: str) -> KDFParams:
        """Parse :meth:`encode`'s form; ``StorageError`` (``unsupported_kdf``) otherwise,
        including parameters beyond the bounds that protect against crafted backups."""
        match = _PARAMS.match(text)
        if match is None or int(match.group(1)) != ARGON2_VERSION:
            raise StorageError("unsupported key derivation parameters", code="unsupported_kdf")
        memory, time_cost, parallelism = (int(match.group(i)) for i in (2, 3, 4))
        try:
            return cls(time_cost=time_cost, memory_kib=memory, parallelism=parallelism)
        except ValueError as exc:
            raise StorageError(f"key derivation parameters out of bounds: {exc}",
                               code="unsupported_kdf") from None

    def weaker_than(self, other: KDFParams) -> bool:
        """True when ``other`` costs an attacker more memory or more passes than these."""
        return self.memory_kib < other.memory_kib or self.time_cost < other.time_cost


#: RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes): about 220-300 ms on
#: the 2-core machines we measured, acceptable for an interactive unlock.
DEFAULT_KDF = KDFParams(time_cost=3, memory_kib=64 * 1024, parallelism=4)


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_SIZE)


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_SIZE)


def _passphrase_bytes(passphrase: str) -> bytes:
    if not isinstance(passphrase, str):
        raise TypeError("the passphrase must be a str")
    if not passphrase:
        raise ValueError("the passphrase must not be empty")
    # NFC, so that the same passphrase typed on two keyboards (composed or decomposed
    # accents) derives the same key.
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def derive_key(passphrase: str, salt: bytes, params: KDFParams) -> bytes:
    """Argon2id of the (NFC-normalized, UTF-8) passphrase: a 32-byte key-encryption key.

    CPU- and memory-bound for as long as ``params`` say: call it in a worker thread from
    async code (argon2-cffi releases the GIL while hashing).
    """
    if len(salt) < 8:
        raise ValueError("the salt must be at least 8 bytes")
    try:
        return hash_secret_raw(
            _passphrase_bytes(passphrase), salt, time_cost=params.time_cost,
            memory_cost=params.memory_kib, parallelism=params.parallelism,
            hash_len=KEY_SIZE, type=Type.ID, version=ARGON2_VERSION)
    except HashingError as exc:
        raise StorageError(f"key derivation failed: {exc}", code="kdf_failed") from None


def _check_key(key: bytes) -> None:
    if len(key) != KEY_SIZE:
        raise ValueError(f"AES-256-GCM keys are {KEY_SIZE} bytes")


def _key_aad(account_id: uuid.UUID, purpose: str) -> bytes:
    return _KEY_LABEL + account_id.bytes + purpose.encode("utf-8")


def wrap_key(kek: bytes, key: bytes, *, account_id: uuid.UUID, purpose: str) -> bytes:
    """Encrypt ``key`` under ``kek`` for ``account_id`` and ``purpose`` (e.g. ``"data-key"``)."""
    _check_key(kek)
    _check_key(key)
    nonce = secrets.token_bytes(NONCE_SIZE)
    return _FORMAT_VERSION + nonce + AESGCM(kek).encrypt(nonce, key, _key_aad(account_id, purpose))


def unwrap_key(kek: bytes, blob: bytes, *, account_id: uuid.UUID, purpose: str) -> bytes:
    """The key :func:`wrap_key` wrapped; :class:`WrongPassphrase` if ``kek`` does not open it."""
    _check_key(kek)
    if blob[:1] != _FORMAT_VERSION or len(blob) != 1 + NONCE_SIZE + KEY_SIZE + 16:
        raise StorageError("the wrapped data key is not in a known format",
                           code="unknown_key_format")
    nonce, sealed = blob[1:1 + NONCE_SIZE], blob[1 + NONCE_SIZE:]
    try:
        return AESGCM(kek).decrypt(nonce, sealed, _key_aad(account_id, purpose))
    except InvalidTag:
        raise WrongPassphrase("wrong passphrase") from None


def _record_aad(account_id: uuid.UUID, record_id: uuid.UUID, kind: str) -> bytes:
    return _RECORD_LABEL + account_id.bytes + record_id.bytes + kind.encode("ascii")


def _pad(data: bytes) -> bytes:
    padded = data + b"\x80"
    return padded + bytes(-len(padded) % PAD_BLOCK)


def _unpad(data: bytes) -> bytes:
    end = data.rstrip(b"\x00")
    if not end.endswith(b"\x80"):
        raise RecordTampered("the sealed record has no valid padding")
    return end[:-1]


def seal_record(
    data_key: bytes, plaintext: bytes, *, account_id: uuid.UUID, record_id: uuid.UUID, kind: str
) -> bytes:
    """Encrypt one record under the account's data key, bound to its account, id and kind."""
    _check_key(data_key)
    nonce = secrets.token_bytes(NONCE_SIZE)
    sealed = AESGCM(data_key).encrypt(nonce, _pad(plaintext),
                                      _record_aad(account_id, record_id, kind))
    return _FORMAT_VERSION + nonce + sealed


def open_record(
    data_key: bytes, blob: bytes, *, account_id: uuid.UUID, record_id: uuid.UUID, kind: str
) -> bytes:
    """The plaintext :func:`seal_record` sealed; :class:`RecordTampered` if it does not open
    under this key, account, record id and kind."""
    _check_key(data_key)
    if blob[:1] != _FORMAT_VERSION or len(blob) < 1 + NONCE_SIZE + 16:
        raise RecordTampered("the sealed record is not in a known format")
    nonce, sealed = blob[1:1 + NONCE_SIZE], blob[1 + NONCE_SIZE:]
    try:
        padded = AESGCM(data_key).decrypt(nonce, sealed, _record_aad(account_id, record_id, kind))
    except InvalidTag:
        raise RecordTampered(
            f"the sealed {kind} record {record_id} does not open under this account: it was "
            "moved from another record or account, or damaged") from None
    return _unpad(padded)


# --- backup files -----------------------------------------------------------------------

_BACKUP_HEAD = struct.Struct(">10sBB")  # magic, version, length of the KDF text


def seal_backup(payload: bytes, passphrase: str, params: KDFParams) -> bytes:
    """Encrypt a backup payload into a self-contained file.

    Layout: ``magic "VCBWALLET\\0" (10) || version (1) = 1 || n (1) || KDF params (n bytes,
    ASCII, as KDFParams.encode) || salt (16) || nonce (12) || AES-256-GCM ciphertext+tag``.
    The key is Argon2id of the backup passphrase with the file's own salt and parameters,
    and the associated data is every byte before the ciphertext, so the header cannot be
    changed without the file failing to open. Slow (it derives a key): use a worker thread.
    """
    kdf = params.encode().encode("ascii")
    salt = new_salt()
    nonce = secrets.token_bytes(NONCE_SIZE)
    header = _BACKUP_HEAD.pack(BACKUP_MAGIC, BACKUP_VERSION, len(kdf)) + kdf + salt + nonce
    key = derive_key(passphrase, salt, params)
    return header + AESGCM(key).encrypt(nonce, payload, header)


def open_backup(data: bytes, passphrase: str) -> bytes:
    """The payload of a file :func:`seal_backup` wrote.

    Raises :class:`InvalidBackup` for a file that is not a backup (or of an unknown version),
    ``StorageError`` (``unsupported_kdf``) for parameters beyond the bounds, and
    :class:`WrongPassphrase` when the passphrase does not open it. Slow: use a worker thread.
    """
    if len(data) < _BACKUP_HEAD.size or not data.startswith(BACKUP_MAGIC):
        raise InvalidBackup("not a vcbadges wallet backup")
    _, version, kdf_length = _BACKUP_HEAD.unpack_from(data)
    if version != BACKUP_VERSION:
        raise InvalidBackup(f"wallet backup version {version} is not supported")
    start = _BACKUP_HEAD.size
    end = start + kdf_length + SALT_SIZE + NONCE_SIZE
    if len(data) < end + 16:
        raise InvalidBackup("the wallet backup is truncated")
    try:
        kdf_text = data[start:start + kdf_length].decode("ascii")
    except UnicodeDecodeError:
        raise InvalidBackup("the wallet backup header is damaged") from None
    params = KDFParams.decode(kdf_text)
    salt = data[start + kdf_length:start + kdf_length + SALT_SIZE]
    nonce = data[end - NONCE_SIZE:end]
    key = derive_key(passphrase, salt, params)
    try:
        return AESGCM(key).decrypt(nonce, data[end:], data[:end])
    except InvalidTag:
        raise WrongPassphrase("wrong backup passphrase, or the backup file is damaged") from None

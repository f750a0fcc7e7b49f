"""Issuer secrets at rest: signing keys and recipients' personal data, never stored in clear.

:class:`KeyStore` is the whole interface the issuer needs: ``wrap`` a signing key into an
opaque blob for the database and ``unwrap`` it again, and ``seal`` / ``unseal`` personal data
the issuer keeps beside a credential (a recipient's e-mail address, which the credential
itself carries only hashed). All are async, so that a key store backed by a KMS or an HSM (a
network call) fits the same interface later.

:class:`MasterKeyStore` is the built-in one: AES-256-GCM under one 32-byte service master
key. The associated data binds each blob to its tenant and verification method, so a blob
copied into another tenant's row (or under another key id) fails to decrypt instead of
letting that tenant sign with someone else's key. Sealed data is encrypted under a second key
derived from the master key (HKDF-SHA256), so that no blob of one kind can ever be taken for
the other, and bound to the context the caller names (whose record it is). The master key
comes from a file created with mode 0600 on first start, or from an environment value that
the caller passes in.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import stat
import tempfile
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from vcbadges.errors import KeyFormatError, StorageError
from vcbadges.primitives.keyfile import dump_key, load_key
from vcbadges.primitives.keys import SigningKey

__all__ = [
    "KeyStore",
    "MasterKeyStore",
    "MASTER_KEY_SIZE",
    "load_or_create_master_key",
    "decode_master_key",
    "encode_master_key",
]

MASTER_KEY_SIZE = 32

_VERSION = b"\x01"
_NONCE_SIZE = 12
_KEY_ID_SIZE = 4
_AAD_LABEL = b"vcbadges signing key v1"
_SEALING_KEY_INFO = b"vcbadges sealed records v1"
_SEALED_AAD_LABEL = b"vcbadges sealed record v1"


class KeyStore(Protocol):
    """Wraps signing keys for storage and unwraps them for signing.

    ``tenant_id`` (and, on unwrap, the expected ``verification_method``) say whose key it is;
    an implementation must refuse to unwrap a blob under any other pair.
    """

    async def wrap(self, key: SigningKey, *, tenant_id: str) -> bytes:
        """Return an opaque blob holding ``key``, bound to ``tenant_id`` and its method."""
        ...

    async def unwrap(self, blob: bytes, *, tenant_id: str, verification_method: str) -> SigningKey:
        """Return the key in ``blob``; raise ``StorageError`` if it cannot be recovered."""
        ...

    async def seal(self, data: bytes, *, context: str) -> bytes:
        """Return an opaque blob holding ``data``, bound to ``context`` (whose record it is)."""
        ...

    async def unseal(self, blob: bytes, *, context: str) -> bytes:
        """Return the data in ``blob``; raise ``StorageError`` if it cannot be recovered, or
        was sealed under another ``context``."""
        ...


def encode_master_key(key: bytes) -> str:
    """The master key as unpadded base64url text, the form of the file and the environment."""
    return base64.urlsafe_b64encode(key).rstrip(b"=").decode("ascii")


def decode_master_key(text: str) -> bytes:
    """Decode a base64url master key (padding optional); ``ValueError`` unless 32 bytes."""
    value = text.strip()
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError:
        raise ValueError("the master key is not base64url text") from None
    if len(raw) != MASTER_KEY_SIZE:
        raise ValueError(f"the master key must be {MASTER_KEY_SIZE} bytes, not {len(raw)}")
    return raw


def load_or_create_master_key(path: Path, *, env_value: str | None = None) -> bytes:
    """Return the service master key.

    ``env_value`` (the base64url text of an environment variable, read by the caller) wins
    when given, and nothing is read from or written to disk. Otherwise ``path`` is read; if
    it does not exist, a new random key is written there with mode 0600 (its folder created
    with 0700). The file is created atomically: it appears complete or not at all, so two
    processes starting together end up with the same key. An existing file readable or
    writable by group or others is refused (``StorageError``), as ssh refuses such keys.
    """
    if env_value is not None:
        return decode_master_key(env_value)
    try:
        return _read_master_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = encode_master_key(secrets.token_bytes(MASTER_KEY_SIZE)) + "\n"
    # Write a private temporary file, then link it into place: link fails if another
    # process created the key first, and then we use theirs.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".master-key-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        except OSError:
            # A file system without hard links: create the file exclusively instead (a
            # process starting at the same instant might read it half-written and fail).
            _write_exclusive(path, text)
    finally:
        os.unlink(temporary)
    return _read_master_key(path)


def _write_exclusive(path: Path, text: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)


def _read_master_key(path: Path) -> bytes:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise StorageError(
            f"the master key file {path} is accessible to other users "
            f"(mode {stat.S_IMODE(mode):04o}); make it 0600", code="master_key_permissions")
    try:
        return decode_master_key(path.read_text(encoding="ascii"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise StorageError(f"the master key file {path} is damaged: {exc}",
                           code="master_key_invalid") from None


class MasterKeyStore:
    """AES-256-GCM key wrapping and record sealing under one service master key.

    A blob is ``version (1) || key id (4) || nonce (12) || ciphertext+tag``. The plaintext of
    a wrapped key is the key in vcbadges' key-file form (PKCS#8 plus its verification method
    and public key, checked against each other on load); a sealed record's is the caller's
    bytes. The key id is derived from the master key, so a blob made under another master
    key is reported as such rather than as damaged.
    """

    __slots__ = ("_aead", "_key_id", "_sealing")

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != MASTER_KEY_SIZE:
            raise ValueError(f"the master key must be {MASTER_KEY_SIZE} bytes")
        self._aead = AESGCM(master_key)
        self._sealing = AESGCM(HKDF(algorithm=SHA256(), length=MASTER_KEY_SIZE, salt=None,
                                    info=_SEALING_KEY_INFO).derive(master_key))
        self._key_id = hashlib.sha256(b"vcbadges master key id\x00" + master_key).digest()[
            :_KEY_ID_SIZE]

    def __repr__(self) -> str:
        return f"MasterKeyStore(key_id={self._key_id.hex()})"

    @staticmethod
    def _aad(tenant_id: str, verification_method: str) -> bytes:
        return b"\x00".join(
            (_AAD_LABEL, tenant_id.encode("utf-8"), verification_method.encode("utf-8")))

    async def wrap(self, key: SigningKey, *, tenant_id: str) -> bytes:
        plaintext = dump_key(key, passphrase=None, unencrypted=True)
        nonce = secrets.token_bytes(_NONCE_SIZE)
        sealed = self._aead.encrypt(nonce, plaintext, self._aad(tenant_id, key.verification_method))
        return _VERSION + self._key_id + nonce + sealed

    async def unwrap(self, blob: bytes, *, tenant_id: str, verification_method: str) -> SigningKey:
        plaintext = self._decrypt(
            self._aead, blob, self._aad(tenant_id, verification_method), "signing key",
            "does not belong to this tenant and verification method", "key_unwrap_failed")
        try:
            key = load_key(plaintext, passphrase=None)
        except KeyFormatError as exc:
            raise StorageError("the stored signing key cannot be read",
                               code="key_unwrap_failed") from exc
        if key.verification_method != verification_method:
            raise StorageError("the stored signing key names another verification method",
                               code="key_unwrap_failed")
        return key

    @staticmethod
    def _sealed_aad(context: str) -> bytes:
        return _SEALED_AAD_LABEL + b"\x00" + context.encode("utf-8")

    async def seal(self, data: bytes, *, context: str) -> bytes:
        nonce = secrets.token_bytes(_NONCE_SIZE)
        return (_VERSION + self._key_id + nonce
                + self._sealing.encrypt(nonce, data, self._sealed_aad(context)))

    async def unseal(self, blob: bytes, *, context: str) -> bytes:
        return self._decrypt(self._sealing, blob, self._sealed_aad(context), "sealed record",
                             "belongs to another record", "unseal_failed")

    def _decrypt(self, aead: AESGCM, blob: bytes, aad: bytes, what: str, elsewhere: str,
                 code: str) -> bytes:
        """The plaintext of a ``version || key id || nonce || ciphertext`` blob."""
        header = 1 + _KEY_ID_SIZE + _NONCE_SIZE
        if len(blob) <= header or blob[:1] != _VERSION:
            raise StorageError(f"the stored {what} is not in a known format", code=code)
        if blob[1:1 + _KEY_ID_SIZE] != self._key_id:
            raise StorageError(f"the stored {what} was made under another master key",
                               code="wrong_master_key")
        try:
            return aead.decrypt(blob[1 + _KEY_ID_SIZE:header], blob[header:], aad)
        except InvalidTag:
            raise StorageError(f"the stored {what} {elsewhere}, or is damaged",
                               code=code) from None

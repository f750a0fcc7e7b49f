"""Key files: a signing key on disk, encrypted with a passphrase unless explicitly told not to.

The file is JSON so that it can carry the verification method the key signs as beside the
private key. Files are created with mode 0600 and never overwritten. Nothing here prints a
key.

Two formats:

- ``vcbadges-key-v2`` (encrypted files written now): the PKCS#8 private key sealed with
  AES-256-GCM under a key derived from the passphrase with Argon2id, as the wallet derives
  its keys (RFC 9106's second recommended option: 64 MiB, 3 passes, 4 lanes). A key file
  copied off a disk is attacked offline, one passphrase guess at a time; a memory-hard
  derivation makes each guess cost that memory. The associated data is the file's public
  members, so a file whose verification method or parameters were edited does not open.
- ``vcbadges-key-v1``: unencrypted files (PEM), and encrypted files written before, whose
  PEM is encrypted by ``cryptography``'s best available scheme (PBKDF2 with a low iteration
  count). They are still read; ``vcbadges keys new`` writes v2.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import unicodedata
from pathlib import Path
from typing import Any

from argon2.exceptions import HashingError
from argon2.low_level import ARGON2_VERSION, Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vcbadges.errors import KeyFormatError
from vcbadges.primitives.keys import Ed25519SigningKey, P256SigningKey, SigningKey

__all__ = ["FORMAT", "FORMAT_V1", "MIN_PASSPHRASE", "dump_key", "load_key", "write_key_file",
           "read_key_file"]

#: The format of encrypted key files written now.
FORMAT = "vcbadges-key-v2"
#: The format of unencrypted key files, and of encrypted ones written before v2.
FORMAT_V1 = "vcbadges-key-v1"
#: The shortest passphrase ``vcbadges keys new`` accepts for a new key file (the wallet's).
MIN_PASSPHRASE = 8

# Argon2id (version 0x13): passes, memory in KiB, lanes.
_KDF = (3, 64 * 1024, 4)
# Bounds on the parameters read from a file: a crafted one must not ask for terabytes of
# memory or hours of work before its passphrase is even tried.
_MAX_KDF = (10, 1 << 20, 16)
_KDF_TEXT = re.compile(r"^argon2id\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)$")
_SALT_SIZE = 16
_NONCE_SIZE = 12
_PUBLIC_MEMBERS = ("format", "algorithm", "verificationMethod", "publicKeyMultibase", "kdf",
                   "salt")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise KeyFormatError(f"key file lacks its {what}", code="invalid_key_file")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise KeyFormatError(f"key file {what} is not base64url", code="invalid_key_file") \
            from exc


def _passphrase_bytes(passphrase: bytes) -> bytes:
    """NFC-normalized when it is UTF-8 (as the wallet does), so that the same passphrase typed
    with composed or decomposed accents opens the same file."""
    try:
        return unicodedata.normalize("NFC", passphrase.decode("utf-8")).encode("utf-8")
    except UnicodeDecodeError:
        return passphrase


def _derive(passphrase: bytes, salt: bytes, time_cost: int, memory_kib: int,
            parallelism: int) -> bytes:
    try:
        return hash_secret_raw(_passphrase_bytes(passphrase), salt, time_cost=time_cost,
                               memory_cost=memory_kib, parallelism=parallelism, hash_len=32,
                               type=Type.ID, version=ARGON2_VERSION)
    except HashingError as exc:
        raise KeyFormatError(f"key derivation failed: {exc}", code="invalid_key_file") from None


def _kdf_params(text: Any) -> tuple[int, int, int]:
    match = _KDF_TEXT.match(text) if isinstance(text, str) else None
    if match is None or int(match.group(1)) != ARGON2_VERSION:
        raise KeyFormatError("key file has unsupported key derivation parameters",
                             code="invalid_key_file")
    memory, time_cost, parallelism = (int(match.group(i)) for i in (2, 3, 4))
    max_time, max_memory, max_lanes = _MAX_KDF
    if not (1 <= time_cost <= max_time and 1 <= parallelism <= max_lanes
            and 8 * parallelism <= memory <= max_memory):
        raise KeyFormatError("key file's key derivation parameters are out of bounds",
                             code="invalid_key_file")
    return time_cost, memory, parallelism


def _aad(doc: dict[str, Any]) -> bytes:
    public = {name: doc.get(name) for name in _PUBLIC_MEMBERS}
    return json.dumps(public, sort_keys=True, separators=(",", ":")).encode("utf-8")


def dump_key(key: SigningKey, *, passphrase: bytes | None, unencrypted: bool = False) -> bytes:
    """Serialize ``key``; a passphrase is required unless ``unencrypted=True`` says otherwise.

    With a passphrase the file is v2 (Argon2id, AES-256-GCM; about a quarter of a second to
    write and to read); without, v1 with the PEM in clear.
    """
    if passphrase is None and not unencrypted:
        raise ValueError("a passphrase is required to write a key file (or unencrypted=True)")
    if passphrase is not None and unencrypted:
        raise ValueError("give a passphrase or unencrypted=True, not both")
    doc: dict[str, Any] = {
        "format": FORMAT_V1 if passphrase is None else FORMAT,
        "algorithm": key.algorithm,
        "verificationMethod": key.verification_method,
        "publicKeyMultibase": key.public_key.to_multikey(),
        "encrypted": passphrase is not None,
    }
    if passphrase is None:
        pem = key.cryptography_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        doc["privateKeyPem"] = pem.decode("ascii")
    else:
        time_cost, memory, parallelism = _KDF
        salt, nonce = secrets.token_bytes(_SALT_SIZE), secrets.token_bytes(_NONCE_SIZE)
        doc["kdf"] = f"argon2id$v={ARGON2_VERSION}$m={memory},t={time_cost},p={parallelism}"
        doc["salt"] = _b64(salt)
        der = key.cryptography_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        sealed = AESGCM(_derive(passphrase, salt, *_KDF)).encrypt(nonce, der, _aad(doc))
        doc["encryptedPrivateKey"] = _b64(nonce + sealed)
    return (json.dumps(doc, indent=2) + "\n").encode("utf-8")


def _open_v2(doc: dict[str, Any], passphrase: bytes) -> Any:
    time_cost, memory, parallelism = _kdf_params(doc.get("kdf"))
    salt = _unb64(doc.get("salt"), "salt")
    blob = _unb64(doc.get("encryptedPrivateKey"), "encrypted private key")
    if len(salt) < 8 or len(blob) <= _NONCE_SIZE:
        raise KeyFormatError("key file is damaged", code="invalid_key_file")
    kek = _derive(passphrase, salt, time_cost, memory, parallelism)
    try:
        der = AESGCM(kek).decrypt(blob[:_NONCE_SIZE], blob[_NONCE_SIZE:], _aad(doc))
    except InvalidTag:
        raise KeyFormatError("wrong passphrase or damaged key file",
                             code="wrong_passphrase") from None
    try:
        return serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFormatError("key file is damaged", code="invalid_key_file") from exc


def _open_v1(doc: dict[str, Any], passphrase: bytes | None) -> Any:
    pem = doc.get("privateKeyPem")
    if not isinstance(pem, str):
        raise KeyFormatError("key file lacks its key or verification method",
                             code="invalid_key_file")
    try:
        return serialization.load_pem_private_key(
            pem.encode("ascii"), password=passphrase if doc.get("encrypted") else None)
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise KeyFormatError("wrong passphrase or damaged key file",
                             code="wrong_passphrase") from exc


def load_key(data: bytes, *, passphrase: bytes | None) -> SigningKey:
    """Parse a key file (v2, or v1); raise ``KeyFormatError`` for a wrong passphrase or a
    damaged file."""
    try:
        doc: Any = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise KeyFormatError("key file is not valid JSON", code="invalid_key_file") from exc
    if not isinstance(doc, dict) or doc.get("format") not in (FORMAT, FORMAT_V1):
        raise KeyFormatError("not a vcbadges key file", code="invalid_key_file")
    v2 = doc["format"] == FORMAT
    if (v2 or doc.get("encrypted")) and passphrase is None:
        raise KeyFormatError("key file is encrypted: a passphrase is needed",
                             code="passphrase_required")
    vm = doc.get("verificationMethod")
    if not isinstance(vm, str):
        raise KeyFormatError("key file lacks its key or verification method",
                             code="invalid_key_file")
    private = _open_v2(doc, passphrase) if v2 and passphrase is not None else (
        _open_v1(doc, passphrase))
    key: SigningKey
    if isinstance(private, ed25519.Ed25519PrivateKey):
        key = Ed25519SigningKey(private, verification_method=vm)
    elif isinstance(private, ec.EllipticCurvePrivateKey):
        key = P256SigningKey(private, verification_method=vm)
    else:
        raise KeyFormatError("key file holds an unsupported key type", code="unsupported_key_type")
    if key.public_key.to_multikey() != doc.get("publicKeyMultibase"):
        raise KeyFormatError("key file public key does not match its private key",
                             code="invalid_key_file")
    return key


def write_key_file(
    path: Path, key: SigningKey, *, passphrase: bytes | None, unencrypted: bool = False
) -> None:
    """Create ``path`` with mode 0600; refuse to overwrite an existing file."""
    data = dump_key(key, passphrase=passphrase, unencrypted=unencrypted)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def read_key_file(path: Path, *, passphrase: bytes | None) -> SigningKey:
    """Read and decrypt a key file written by :func:`write_key_file` (either format)."""
    return load_key(path.read_bytes(), passphrase=passphrase)

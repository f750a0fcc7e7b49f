"""Key files: a signing key on disk, encrypted with a passphrase unless explicitly told not to.

The file is JSON so that it can carry the verification method the key signs as, with the
private key inside as PKCS#8 PEM, encrypted by ``cryptography``'s best available scheme.
Files are created with mode 0600 and never overwritten. Nothing here prints a key.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from vcbadges.errors import KeyFormatError
from vcbadges.primitives.keys import Ed25519SigningKey, P256SigningKey, SigningKey

__all__ = ["FORMAT", "dump_key", "load_key", "write_key_file", "read_key_file"]

FORMAT = "vcbadges-key-v1"


def dump_key(key: SigningKey, *, passphrase: bytes | None, unencrypted: bool = False) -> bytes:
    """Serialize ``key``; a passphrase is required unless ``unencrypted=True`` says otherwise."""
    if passphrase is None and not unencrypted:
        raise ValueError("a passphrase is required to write a key file (or unencrypted=True)")
    if passphrase is not None and unencrypted:
        raise ValueError("give a passphrase or unencrypted=True, not both")
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase is not None
        else serialization.NoEncryption()
    )
    pem = key.cryptography_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    doc = {
        "format": FORMAT,
        "algorithm": key.algorithm,
        "verificationMethod": key.verification_method,
        "publicKeyMultibase": key.public_key.to_multikey(),
        "encrypted": passphrase is not None,
        "privateKeyPem": pem.decode("ascii"),
    }
    return (json.dumps(doc, indent=2) + "\n").encode("utf-8")


def load_key(data: bytes, *, passphrase: bytes | None) -> SigningKey:
    """Parse a key file; raise ``KeyFormatError`` for a wrong passphrase or a damaged file."""
    try:
        doc: Any = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise KeyFormatError("key file is not valid JSON", code="invalid_key_file") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise KeyFormatError("not a vcbadges key file", code="invalid_key_file")
    if doc.get("encrypted") and passphrase is None:
        raise KeyFormatError("key file is encrypted: a passphrase is needed",
                             code="passphrase_required")
    pem = doc.get("privateKeyPem")
    vm = doc.get("verificationMethod")
    if not isinstance(pem, str) or not isinstance(vm, str):
        raise KeyFormatError("key file lacks its key or verification method", code="invalid_key_file")
    try:
        private = serialization.load_pem_private_key(
            pem.encode("ascii"), password=passphrase if doc.get("encrypted") else None
        )
    except (ValueError, TypeError) as exc:
        raise KeyFormatError("wrong passphrase or damaged key file", code="wrong_passphrase") from exc
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
    """Read and decrypt a key file written by :func:`write_key_file`."""
    return load_key(path.read_bytes(), passphrase=passphrase)

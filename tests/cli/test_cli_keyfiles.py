"""Key files: new ones are sealed under Argon2id, and the files written before (PEM encrypted
with PBKDF2) still open, in the library and through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from vcbadges.cli import main
from vcbadges.credentials.sample import sample_badge
from vcbadges.errors import KeyFormatError
from vcbadges.primitives import keyfile
from vcbadges.primitives.keys import Ed25519SigningKey, P256SigningKey, SigningKey

PASSPHRASE = "correct horse battery"


def old_key_file(path: Path, key: SigningKey, passphrase: bytes) -> None:
    """A key file as vcbadges wrote it before Argon2id: v1, the PEM encrypted by
    cryptography's best available scheme."""
    pem = key.cryptography_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase))
    path.write_text(json.dumps({
        "format": "vcbadges-key-v1", "algorithm": key.algorithm,
        "verificationMethod": key.verification_method,
        "publicKeyMultibase": key.public_key.to_multikey(), "encrypted": True,
        "privateKeyPem": pem.decode("ascii")}, indent=2))


@pytest.mark.parametrize("make", [Ed25519SigningKey.generate, P256SigningKey.generate])
def test_new_files_use_argon2id_and_old_files_still_open(tmp_path: Path, make) -> None:
    key = make()
    new, old = tmp_path / "new.key", tmp_path / "old.key"
    keyfile.write_key_file(new, key, passphrase=PASSPHRASE.encode())
    document = json.loads(new.read_text())
    assert document["format"] == "vcbadges-key-v2"
    assert document["kdf"] == "argon2id$v=19$m=65536,t=3,p=4"
    assert "privateKeyPem" not in document
    assert key.to_secret_multikey() not in new.read_text()
    old_key_file(old, key, PASSPHRASE.encode())
    for path in (new, old):
        opened = keyfile.read_key_file(path, passphrase=PASSPHRASE.encode())
        assert opened.public_key == key.public_key
        assert opened.verification_method == key.verification_method
        with pytest.raises(KeyFormatError) as info:
            keyfile.read_key_file(path, passphrase=b"not the passphrase")
        assert info.value.code == "wrong_passphrase"


def test_an_edited_file_does_not_open(tmp_path: Path) -> None:
    key = Ed25519SigningKey.generate()
    other = Ed25519SigningKey.generate()
    path = tmp_path / "k.key"
    keyfile.write_key_file(path, key, passphrase=PASSPHRASE.encode())
    document = json.loads(path.read_text())
    for member, value in (("verificationMethod", other.verification_method),
                          ("kdf", "argon2id$v=19$m=65536,t=2,p=4")):
        edited = dict(document, **{member: value})
        with pytest.raises(KeyFormatError) as info:
            keyfile.load_key(json.dumps(edited).encode(), passphrase=PASSPHRASE.encode())
        assert info.value.code == "wrong_passphrase", member
    greedy = dict(document, kdf="argon2id$v=19$m=67108864,t=3,p=4")
    with pytest.raises(KeyFormatError) as info:
        keyfile.load_key(json.dumps(greedy).encode(), passphrase=PASSPHRASE.encode())
    assert "out of bounds" in info.value.message


def test_the_command_line_signs_with_old_and_new_key_files(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VCBADGES_PASSPHRASE", PASSPHRASE)
    new = tmp_path / "new.key"
    assert main(["keys", "new", "--out", str(new)]) == 0
    did = capsys.readouterr().out.strip()
    old = tmp_path / "old.key"
    old_key_file(old, keyfile.read_key_file(new, passphrase=PASSPHRASE.encode()),
                 PASSPHRASE.encode())
    unsigned = tmp_path / "u.json"
    unsigned.write_text(json.dumps(sample_badge(issuer=did, subject=did).to_json()))
    for path in (new, old):
        assert main(["issue", str(unsigned), "--key", str(path)]) == 0
        signed = tmp_path / "s.json"
        signed.write_text(capsys.readouterr().out)
        assert main(["verify", str(signed)]) == 0
        capsys.readouterr()
    monkeypatch.setenv("VCBADGES_PASSPHRASE", "wrong passphrase")
    for path in (new, old):
        assert main(["issue", str(unsigned), "--key", str(path)]) == 2
        err = capsys.readouterr().err
        assert err == "vcbadges: wrong_passphrase: wrong passphrase or damaged key file\n"

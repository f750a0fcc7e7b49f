import json

import pytest

from shared_data import VECTORS, need_shared
from vcbadges.errors import InvalidProof, KeyFormatError
from vcbadges.primitives import keyfile, multibase
from vcbadges.primitives.jwk import (
    public_key_from_jwk,
    public_key_to_jwk,
    signing_key_from_jwk,
    signing_key_to_jwk,
)
from vcbadges.primitives.keys import (
    Ed25519SigningKey,
    P256SigningKey,
    generate_key,
    public_key_from_multikey,
    signing_key_from_multikey,
)


@pytest.mark.parametrize(
    ("path", "secret_field"),
    [("eddsa-rdfc-2022/keyPair.json", "privateKeyMultibase"),
     ("ecdsa-rdfc-2019-p256/p256KeyPair.json", "secretKeyMultibase")],
)
def test_vector_key_pairs_round_trip_through_multikey(path, secret_field):
    pair = json.loads(need_shared(VECTORS / path).read_text())
    key = signing_key_from_multikey(pair[secret_field])
    assert key.public_key.to_multikey() == pair["publicKeyMultibase"]
    assert key.to_secret_multikey() == pair[secret_field]
    assert key.verification_method == (
        f"did:key:{pair['publicKeyMultibase']}#{pair['publicKeyMultibase']}"
    )


@pytest.mark.parametrize("algorithm", ["Ed25519", "P-256"])
def test_signatures_verify_and_tampering_fails(algorithm):
    key = generate_key(algorithm)
    sig = key.sign(b"message")
    key.public_key.verify(sig, b"message")
    with pytest.raises(InvalidProof):
        key.public_key.verify(sig, b"messagE")
    with pytest.raises(InvalidProof):
        generate_key(algorithm).public_key.verify(sig, b"message")


@pytest.mark.parametrize("algorithm", ["Ed25519", "P-256"])
def test_jwk_round_trip_and_private_part_only_on_request(algorithm):
    key = generate_key(algorithm)
    public = signing_key_to_jwk(key)
    assert "d" not in public
    assert public_key_from_jwk(public) == key.public_key
    private = signing_key_to_jwk(key, private=True)
    assert signing_key_from_jwk(private).public_key == key.public_key
    other = signing_key_to_jwk(generate_key(algorithm), private=True)
    with pytest.raises(KeyFormatError):
        signing_key_from_jwk({**public_key_to_jwk(key.public_key), "d": other["d"]})


@pytest.mark.parametrize(
    "bad",
    ["", "x123", "z0OIl", "zQ", "z" + "1" * 40, "u!!!!"],
)
def test_bad_multikeys_raise_key_format_error(bad):
    with pytest.raises(KeyFormatError):
        public_key_from_multikey(bad)


def test_multikey_with_wrong_length_is_rejected():
    good = multibase.decode(Ed25519SigningKey.generate().public_key.to_multikey())
    with pytest.raises(KeyFormatError) as info:
        public_key_from_multikey(multibase.encode(good[:-1]))
    assert info.value.code == "invalid_key_length"


def test_key_file_is_encrypted_and_needs_the_passphrase(tmp_path):
    key = P256SigningKey.generate()
    path = tmp_path / "issuer.key"
    keyfile.write_key_file(path, key, passphrase=b"correct horse")
    text = path.read_text()
    assert json.loads(text)["kdf"].startswith("argon2id$")
    assert key.to_secret_multikey() not in text
    assert (path.stat().st_mode & 0o777) == 0o600
    assert keyfile.read_key_file(path, passphrase=b"correct horse").public_key == key.public_key
    with pytest.raises(KeyFormatError) as info:
        keyfile.read_key_file(path, passphrase=b"wrong")
    assert info.value.code == "wrong_passphrase"
    with pytest.raises(KeyFormatError) as info:
        keyfile.read_key_file(path, passphrase=None)
    assert info.value.code == "passphrase_required"
    with pytest.raises(FileExistsError):
        keyfile.write_key_file(path, key, passphrase=b"again")


def test_unencrypted_key_file_only_when_asked(tmp_path):
    key = Ed25519SigningKey.generate()
    with pytest.raises(ValueError):
        keyfile.dump_key(key, passphrase=None)
    path = tmp_path / "dev.key"
    keyfile.write_key_file(path, key, passphrase=None, unencrypted=True)
    assert json.loads(path.read_text())["encrypted"] is False
    assert keyfile.read_key_file(path, passphrase=None).public_key == key.public_key


def test_repr_never_shows_the_private_key():
    key = Ed25519SigningKey.generate()
    assert key.to_secret_multikey() not in repr(key)
    assert key.private_bytes().hex() not in repr(key)

"""The master key file and AES-GCM key wrapping bound to tenant and verification method."""

from __future__ import annotations

import base64
import os
import stat
from concurrent.futures import ThreadPoolExecutor

import pytest

from vcbadges.errors import StorageError
from vcbadges.issuer.keystore import (
    MasterKeyStore,
    decode_master_key,
    encode_master_key,
    load_or_create_master_key,
)
from vcbadges.primitives.keys import Ed25519SigningKey, P256SigningKey

TENANT = "6f1c1d52-4a57-4b4e-9a38-0f5a8f0d2b11"
OTHER_TENANT = "0b7f6c37-9a0b-4a51-8d7b-2f6f0d1c9e22"


def test_the_master_key_file_is_created_with_mode_0600(tmp_path):
    path = tmp_path / "secrets" / "master.key"
    key = load_or_create_master_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert decode_master_key(path.read_text()) == key
    # No temporary file is left beside it.
    assert [p.name for p in path.parent.iterdir()] == ["master.key"]


def test_the_master_key_file_is_reused(tmp_path):
    path = tmp_path / "master.key"
    assert load_or_create_master_key(path) == load_or_create_master_key(path)


def test_processes_starting_together_share_one_master_key(tmp_path):
    path = tmp_path / "master.key"
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: load_or_create_master_key(path), range(32)))
    assert len(keys) == 1


def test_an_environment_value_wins_and_touches_no_file(tmp_path):
    key = os.urandom(32)
    path = tmp_path / "master.key"
    assert load_or_create_master_key(path, env_value=encode_master_key(key)) == key
    assert not path.exists()
    # Padding is accepted too, as base64 tools print it.
    padded = base64.urlsafe_b64encode(key).decode()
    assert load_or_create_master_key(path, env_value=padded) == key


@pytest.mark.parametrize("value", ["", "not base64!", encode_master_key(bytes(16))])
def test_a_bad_environment_value_is_refused(tmp_path, value):
    with pytest.raises(ValueError):
        load_or_create_master_key(tmp_path / "master.key", env_value=value)


def test_a_master_key_file_readable_by_others_is_refused(tmp_path):
    path = tmp_path / "master.key"
    load_or_create_master_key(path)
    path.chmod(0o644)
    with pytest.raises(StorageError) as caught:
        load_or_create_master_key(path)
    assert caught.value.code == "master_key_permissions"


def test_a_damaged_master_key_file_is_refused(tmp_path):
    path = tmp_path / "master.key"
    path.write_text("short\n")
    path.chmod(0o600)
    with pytest.raises(StorageError) as caught:
        load_or_create_master_key(path)
    assert caught.value.code == "master_key_invalid"


def test_the_repr_does_not_show_the_key():
    master = bytes(range(32))
    assert master.hex() not in repr(MasterKeyStore(master))


@pytest.mark.parametrize("key", [
    Ed25519SigningKey.from_seed(bytes(range(32))),
    P256SigningKey.from_scalar(bytes(range(2, 34)), verification_method="did:web:x.org:a#key-1"),
])
async def test_wrapped_keys_unwrap_to_the_same_key(key):
    store = MasterKeyStore(os.urandom(32))
    blob = await store.wrap(key, tenant_id=TENANT)
    assert key.private_bytes() not in blob
    again = await store.unwrap(blob, tenant_id=TENANT, verification_method=key.verification_method)
    assert type(again) is type(key)
    assert again.private_bytes() == key.private_bytes()
    assert again.verification_method == key.verification_method


async def test_a_blob_only_unwraps_for_its_own_tenant_and_method():
    store = MasterKeyStore(os.urandom(32))
    key = Ed25519SigningKey.from_seed(bytes(range(32)))
    other_method = Ed25519SigningKey.from_seed(bytes(32)).verification_method
    blob = await store.wrap(key, tenant_id=TENANT)
    for tenant_id, method in [(OTHER_TENANT, key.verification_method), (TENANT, other_method)]:
        with pytest.raises(StorageError) as caught:
            await store.unwrap(blob, tenant_id=tenant_id, verification_method=method)
        assert caught.value.code == "key_unwrap_failed"


async def test_a_tampered_blob_is_refused():
    store = MasterKeyStore(os.urandom(32))
    key = Ed25519SigningKey.from_seed(bytes(range(32)))
    blob = bytearray(await store.wrap(key, tenant_id=TENANT))
    blob[-1] ^= 1
    with pytest.raises(StorageError, match="damaged"):
        await store.unwrap(bytes(blob), tenant_id=TENANT,
                           verification_method=key.verification_method)


async def test_a_blob_of_another_master_key_says_so():
    key = Ed25519SigningKey.from_seed(bytes(range(32)))
    blob = await MasterKeyStore(os.urandom(32)).wrap(key, tenant_id=TENANT)
    with pytest.raises(StorageError) as caught:
        await MasterKeyStore(os.urandom(32)).unwrap(
            blob, tenant_id=TENANT, verification_method=key.verification_method)
    assert caught.value.code == "wrong_master_key"

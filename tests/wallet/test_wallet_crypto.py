"""The wallet's building blocks: Argon2id parameters, key wrapping, record sealing and the
backup container, without a database."""

from __future__ import annotations

import uuid

import pytest
from wallet_support import CHEAP

from vcbadges.errors import StorageError
from vcbadges.wallet import crypto
from vcbadges.wallet.crypto import (
    DEFAULT_KDF,
    InvalidBackup,
    KDFParams,
    RecordTampered,
    WrongPassphrase,
)

ACCOUNT = uuid.UUID("00000000-0000-4000-8000-000000000001")
OTHER_ACCOUNT = uuid.UUID("00000000-0000-4000-8000-000000000002")
RECORD = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
OTHER_RECORD = uuid.UUID("00000000-0000-4000-8000-0000000000a2")
SALT = bytes(range(16))


def test_default_parameters_are_rfc_9106_second_option():
    assert DEFAULT_KDF.encode() == "argon2id$v=19$m=65536,t=3,p=4"
    assert KDFParams.decode(DEFAULT_KDF.encode()) == DEFAULT_KDF


def test_derivation_depends_on_passphrase_salt_and_parameters():
    key = crypto.derive_key("pass", SALT, CHEAP)
    assert len(key) == 32
    assert crypto.derive_key("pass", SALT, CHEAP) == key
    assert crypto.derive_key("pass!", SALT, CHEAP) != key
    assert crypto.derive_key("pass", bytes(16), CHEAP) != key
    assert crypto.derive_key("pass", SALT, KDFParams(2, 8, 1)) != key


def test_passphrases_are_nfc_normalized():
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    assert crypto.derive_key(composed, SALT, CHEAP) == crypto.derive_key(decomposed, SALT, CHEAP)


def test_empty_passphrase_is_refused():
    with pytest.raises(ValueError):
        crypto.derive_key("", SALT, CHEAP)


@pytest.mark.parametrize("text", [
    "argon2id$v=19$m=4194304,t=3,p=4",   # 4 GiB: beyond the bound
    "argon2id$v=19$m=65536,t=1000,p=4",  # too many passes
    "argon2id$v=19$m=4,t=1,p=1",         # below Argon2's minimum
    "argon2id$v=16$m=65536,t=3,p=4",     # Argon2 version 1.0
    "argon2i$v=19$m=65536,t=3,p=4",
    "scrypt$n=16384",
    "",
])
def test_unsupported_or_unbounded_parameters_are_refused(text):
    with pytest.raises(StorageError) as caught:
        KDFParams.decode(text)
    assert caught.value.code == "unsupported_kdf"


def test_weaker_than():
    assert CHEAP.weaker_than(DEFAULT_KDF)
    assert not DEFAULT_KDF.weaker_than(CHEAP)
    assert not DEFAULT_KDF.weaker_than(DEFAULT_KDF)


def test_wrap_and_unwrap_the_data_key():
    kek, data_key = crypto.derive_key("pass", SALT, CHEAP), crypto.new_data_key()
    blob = crypto.wrap_key(kek, data_key, account_id=ACCOUNT, purpose="data-key")
    assert data_key not in blob
    assert crypto.unwrap_key(kek, blob, account_id=ACCOUNT, purpose="data-key") == data_key
    wrong = crypto.derive_key("wrong", SALT, CHEAP)
    with pytest.raises(WrongPassphrase) as caught:
        crypto.unwrap_key(wrong, blob, account_id=ACCOUNT, purpose="data-key")
    assert caught.value.code == "wrong_passphrase"
    # The wrapped key is bound to its account and purpose.
    for account, purpose in ((OTHER_ACCOUNT, "data-key"), (ACCOUNT, "session")):
        with pytest.raises(WrongPassphrase):
            crypto.unwrap_key(kek, blob, account_id=account, purpose=purpose)


def test_sealed_records_open_only_where_they_were_sealed():
    data_key = crypto.new_data_key()
    plaintext = b'{"credential":"Data Literacy 101"}'
    blob = crypto.seal_record(data_key, plaintext, account_id=ACCOUNT, record_id=RECORD,
                              kind="credential")
    assert plaintext not in blob
    assert crypto.open_record(data_key, blob, account_id=ACCOUNT, record_id=RECORD,
                              kind="credential") == plaintext
    elsewhere = [
        dict(account_id=OTHER_ACCOUNT, record_id=RECORD, kind="credential"),
        dict(account_id=ACCOUNT, record_id=OTHER_RECORD, kind="credential"),
        dict(account_id=ACCOUNT, record_id=RECORD, kind="holder_key"),
    ]
    for where in elsewhere:
        with pytest.raises(RecordTampered) as caught:
            crypto.open_record(data_key, blob, **where)
        assert caught.value.code == "record_tampered"
    with pytest.raises(RecordTampered):
        crypto.open_record(crypto.new_data_key(), blob, account_id=ACCOUNT, record_id=RECORD,
                           kind="credential")
    flipped = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(RecordTampered):
        crypto.open_record(data_key, flipped, account_id=ACCOUNT, record_id=RECORD,
                           kind="credential")


def test_each_seal_uses_a_fresh_nonce_and_padding_hides_small_differences():
    data_key = crypto.new_data_key()
    seal = lambda text: crypto.seal_record(  # noqa: E731
        data_key, text, account_id=ACCOUNT, record_id=RECORD, kind="credential")
    first, second = seal(b"x" * 10), seal(b"x" * 10)
    assert first != second and first[1:13] != second[1:13]
    assert len(seal(b"x")) == len(seal(b"x" * 200)) == 1 + 12 + crypto.PAD_BLOCK + 16
    assert len(seal(b"x" * crypto.PAD_BLOCK)) == 1 + 12 + 2 * crypto.PAD_BLOCK + 16
    for size in (0, 1, 255, 256, 257, 1000):
        text = bytes([7]) * size
        assert crypto.open_record(data_key, seal(text), account_id=ACCOUNT, record_id=RECORD,
                                  kind="credential") == text


def test_backup_container_round_trip_and_header_layout():
    payload = b'{"secret": "Data Literacy 101"}'
    data = crypto.seal_backup(payload, "backup pass", CHEAP)
    assert data.startswith(crypto.BACKUP_MAGIC + bytes([crypto.BACKUP_VERSION]))
    kdf = CHEAP.encode().encode("ascii")
    assert data[11] == len(kdf) and data[12:12 + len(kdf)] == kdf
    assert payload not in data
    assert crypto.open_backup(data, "backup pass") == payload
    with pytest.raises(WrongPassphrase):
        crypto.open_backup(data, "wrong pass")


def test_a_changed_backup_header_or_body_fails_to_open():
    data = crypto.seal_backup(b"payload", "backup pass", CHEAP)
    kdf_end = 12 + len(CHEAP.encode())
    for position in (kdf_end + 3, kdf_end + 16 + 5, len(data) - 1):  # salt, nonce, tag
        changed = bytearray(data)
        changed[position] ^= 0x01
        with pytest.raises(WrongPassphrase):
            crypto.open_backup(bytes(changed), "backup pass")
    # The KDF text is covered too: other parameters derive another key.
    other_kdf = data.replace(b"t=1,p=1", b"t=2,p=1")
    with pytest.raises(WrongPassphrase):
        crypto.open_backup(other_kdf, "backup pass")


@pytest.mark.parametrize("data", [b"", b"not a backup at all", crypto.BACKUP_MAGIC + b"\x02"
                                  + bytes(64), crypto.BACKUP_MAGIC + b"\x01\x05short"])
def test_what_is_not_a_backup_is_refused(data):
    with pytest.raises(InvalidBackup) as caught:
        crypto.open_backup(data, "backup pass")
    assert caught.value.code == "invalid_backup"


def test_a_crafted_backup_cannot_demand_unbounded_work():
    kdf = b"argon2id$v=19$m=1073741824,t=10,p=4"  # 1 TiB of memory
    data = (crypto.BACKUP_MAGIC + bytes([1, len(kdf)]) + kdf + bytes(16 + 12) + bytes(40))
    with pytest.raises(StorageError) as caught:
        crypto.open_backup(data, "backup pass")
    assert caught.value.code == "unsupported_kdf"

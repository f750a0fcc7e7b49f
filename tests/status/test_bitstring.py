"""Bitstring encoding: the W3C and generated vectors, bit order, sizes, bombs and limits."""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from datetime import UTC, datetime

import pytest

from shared_data import VECTORS, need_shared
from vcbadges.errors import StatusError
from vcbadges.status.bitstring import (
    DEFAULT_MAX_LIST_BYTES,
    MIN_LIST_BYTES,
    MIN_LIST_ENTRIES,
    check_length,
    decode_list,
    encode_list,
    get_status,
    new_list,
    set_status,
    status_entry,
    status_list_credential,
)

STATUS_LISTS = VECTORS / "status-lists"


def _vectors(name: str) -> dict:
    return json.loads(need_shared(STATUS_LISTS / name).read_text())


def _generated_cases() -> list[dict]:
    path = STATUS_LISTS / "generated-status-lists.json"
    if not path.exists():
        return [{"name": "absent"}]
    return json.loads(path.read_text())["cases"]


def _set_indexes(bits: bytes) -> list[int]:
    return [i for i in range(len(bits) * 8) if get_status(bits, i)]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@pytest.mark.parametrize("case", _generated_cases(), ids=lambda c: c["name"])
def test_generated_vectors_decode_to_their_set_indexes(case):
    need_shared(STATUS_LISTS / "generated-status-lists.json")
    bits = decode_list(case["encodedList"])
    assert len(bits) * 8 == case["lengthBits"]
    assert _set_indexes(bits) == sorted(case["setIndexes"])
    for index, expected in case["expectedStatusAtIndex"].items():
        assert get_status(bits, int(index)) == int(expected), index


@pytest.mark.parametrize("case", _generated_cases(), ids=lambda c: c["name"])
def test_generated_vectors_round_trip(case):
    need_shared(STATUS_LISTS / "generated-status-lists.json")
    bits = decode_list(case["encodedList"])
    encoded = encode_list(bits)
    assert encoded.startswith("u")
    assert decode_list(encoded) == bits


def test_bitstring_spec_example_is_131072_zero_bits():
    data = _vectors("bitstring-status-list-spec-examples.json")
    encoded = data["examples"]["bitstringStatusListCredential"]["credentialSubject"]["encodedList"]
    assert encoded == data["decodedFacts"]["encodedList"]
    bits = decode_list(encoded)
    assert len(bits) == 16384 and len(bits) * 8 == MIN_LIST_ENTRIES
    assert bits == bytes(16384)
    entry = data["examples"]["credentialWithOneRevocationEntry"]["credentialStatus"]
    assert get_status(bits, int(entry["statusListIndex"])) == 0


def test_status_list_2021_spec_example_has_no_prefix_and_is_all_zero():
    data = _vectors("status-list-2021-spec-examples.json")
    encoded = data["examples"]["statusList2021Credential"]["credentialSubject"]["encodedList"]
    assert not encoded.startswith("u")
    assert decode_list(encoded) == bytes(16384)


def test_bit_order_index_zero_is_the_most_significant_bit_of_byte_zero():
    bits = new_list()
    set_status(bits, 0, 1)
    assert bits[0] == 0x80
    set_status(bits, 7, 1)
    assert bits[0] == 0x81
    set_status(bits, 8, 1)
    assert bits[1] == 0x80
    set_status(bits, 0, 0)
    assert bits[0] == 0x01
    assert [get_status(bits, i) for i in range(9)] == [0, 0, 0, 0, 0, 0, 0, 1, 1]


def test_our_encoding_matches_the_generated_vector_bits():
    need_shared(STATUS_LISTS / "generated-status-lists.json")
    case = next(c for c in _generated_cases() if c["name"] == "bsl-131072-some-set")
    bits = new_list()
    for index in case["setIndexes"]:
        set_status(bits, index, 1)
    # GZIP output is not canonical, so compare decoded bits, not strings.
    assert decode_list(encode_list(bits)) == decode_list(case["encodedList"])


@pytest.mark.parametrize("size", [2, 3, 4, 8, 11])
def test_multi_bit_entries_round_trip_most_significant_bit_first(size):
    bits = new_list(size=size)
    assert len(bits) * 8 == MIN_LIST_ENTRIES * size
    top = (1 << size) - 1
    writes = {0: top, 1: 1, 5: top - 1, 12345: 2 % (top + 1), MIN_LIST_ENTRIES - 1: top}
    for index, value in writes.items():
        set_status(bits, index, value, size=size)
    for index, value in writes.items():
        assert get_status(bits, index, size=size) == value
    assert get_status(bits, 2, size=size) == 0
    assert get_status(bits, 6, size=size) == 0
    # Entry 0's first bit is the first bit of the list.
    assert bits[0] >> 7 == 1


def test_two_bit_layout_is_the_spec_layout():
    bits = new_list(size=2)
    set_status(bits, 0, 0b10, size=2)
    set_status(bits, 3, 0b01, size=2)
    assert bits[0] == 0b1000_0001


def test_gzip_bomb_is_refused_without_expanding_it():
    # 64 MiB of zeros packs into about 64 KiB; build it a chunk at a time.
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1024 * 1024)
    bomb = b"".join(packer.compress(chunk) for _ in range(64)) + packer.flush()
    with pytest.raises(StatusError) as info:
        decode_list("u" + _b64url(bomb))
    assert info.value.code == "status_list_too_large"
    with pytest.raises(StatusError) as info:
        decode_list("u" + _b64url(gzip.compress(bytes(40000))), max_bytes=32768)
    assert info.value.code == "status_list_too_large"


def test_a_list_exactly_at_the_cap_is_accepted():
    bits = bytes(32768)
    assert decode_list(encode_list(bits), max_bytes=32768) == bits
    assert DEFAULT_MAX_LIST_BYTES >= 16 * 1024 * 1024


def test_short_lists_are_refused_unless_the_minimum_is_lowered():
    encoded = encode_list(bytes(100))
    with pytest.raises(StatusError) as info:
        decode_list(encoded)
    assert info.value.code == "status_list_too_short"
    assert decode_list(encoded, min_bytes=0) == bytes(100)
    assert decode_list(encode_list(bytes(MIN_LIST_BYTES))) == bytes(MIN_LIST_BYTES)


def test_length_is_counted_in_entries_of_status_size():
    check_length(bytes(MIN_LIST_BYTES))
    with pytest.raises(StatusError) as info:
        check_length(bytes(MIN_LIST_BYTES), size=2)
    assert info.value.code == "status_list_too_short"
    check_length(bytes(2 * MIN_LIST_BYTES), size=2)
    check_length(bytes(100), min_entries=800)


@pytest.mark.parametrize("encoded", [
    "",
    "u",
    "u!!!!",
    "uH4sI+AAA",                                         # standard alphabet after the u prefix
    "u" + _b64url(b"not gzip at all"),
    "u" + _b64url(zlib.compress(bytes(16384))),          # zlib wrapper, not GZIP
    "u" + _b64url(gzip.compress(bytes(16384), mtime=0)[:-6]),     # truncated
    "u" + _b64url(gzip.compress(bytes(16384), mtime=0) * 2),      # two members
    "u" + _b64url(gzip.compress(bytes(16384), mtime=0) + b"xx"),  # trailing bytes
    "zH4sI",                                             # another multibase
])
def test_malformed_encodings_are_refused(encoded):
    with pytest.raises(StatusError) as info:
        decode_list(encoded)
    assert info.value.code == "status_list_malformed"


def test_bad_crc_is_refused():
    packed = bytearray(gzip.compress(bytes(16384)))
    packed[-8] ^= 0xFF
    with pytest.raises(StatusError) as info:
        decode_list("u" + _b64url(bytes(packed)))
    assert info.value.code == "status_list_malformed"


def test_unprefixed_status_list_2021_may_use_standard_base64_with_padding():
    packed = gzip.compress(bytes([0xFF]) * 16384)
    standard = base64.b64encode(packed).decode("ascii")
    assert decode_list(standard) == bytes([0xFF]) * 16384


@pytest.mark.parametrize("index", [MIN_LIST_ENTRIES, MIN_LIST_ENTRIES + 10**9, -1])
def test_out_of_range_indexes_raise(index):
    bits = new_list()
    with pytest.raises(StatusError) as info:
        get_status(bits, index)
    assert info.value.code == "status_index_out_of_range"
    with pytest.raises(StatusError) as info:
        set_status(bits, index, 1)
    assert info.value.code == "status_index_out_of_range"


def test_a_multi_bit_entry_that_runs_past_the_end_is_out_of_range():
    bits = bytearray(3)  # 24 bits: entries 0..7 of 3 bits fit exactly
    assert get_status(bits, 7, size=3) == 0
    with pytest.raises(StatusError) as info:
        get_status(bits, 8, size=3)
    assert info.value.code == "status_index_out_of_range"


def test_programmer_errors_stay_python_errors():
    bits = new_list()
    with pytest.raises(ValueError):
        set_status(bits, 0, 2)
    with pytest.raises(ValueError):
        get_status(bits, 0, size=0)
    with pytest.raises(TypeError):
        set_status(bytes(16), 0, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        new_list(1000)


def test_status_list_credential_and_entry():
    bits = new_list()
    set_status(bits, 94567, 1)
    issued = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    vc = status_list_credential(
        list_id="https://issuer.example/status/1", issuer="did:example:issuer",
        purpose="revocation", bits=bits, valid_from=issued,
        valid_until=datetime(2026, 1, 1, tzinfo=UTC))
    assert vc["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert vc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert vc["issuer"] == "did:example:issuer"
    assert vc["validFrom"] == "2025-01-02T03:04:05Z"
    assert vc["validUntil"] == "2026-01-01T00:00:00Z"
    subject = vc["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert subject["id"] == "https://issuer.example/status/1#list"
    assert _set_indexes(decode_list(subject["encodedList"])) == [94567]

    entry = status_entry(list_credential="https://issuer.example/status/1", index=94567,
                         purpose="revocation")
    assert entry == {
        "id": "https://issuer.example/status/1#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://issuer.example/status/1",
    }
    with pytest.raises(ValueError):
        status_list_credential(list_id="x", issuer="y", purpose="message", bits=bits,
                               valid_from=issued)
    with pytest.raises(ValueError):
        status_list_credential(list_id="x", issuer="y", purpose="revocation", bits=bytes(10),
                               valid_from=issued)

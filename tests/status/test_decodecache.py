"""DecodeCache: a list's text is inflated once, failures every time, memory stays bounded."""

from __future__ import annotations

import pytest

from vcbadges.errors import StatusError
from vcbadges.status import decodecache
from vcbadges.status.bitstring import MIN_LIST_BYTES, encode_list, new_list, set_status
from vcbadges.status.decodecache import DecodeCache


def _encoded(*revoked: int, entries: int = 131072) -> str:
    bits = new_list(entries)
    for index in revoked:
        set_status(bits, index, 1)
    return encode_list(bits)


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts DecodeCache hands to decode_list."""
    seen: list[str] = []
    decode = decodecache.decode_list

    def counted(encoded: str, **options: int) -> bytes:
        seen.append(encoded)
        return decode(encoded, **options)

    monkeypatch.setattr(decodecache, "decode_list", counted)
    return seen


def test_a_text_is_decoded_once_and_a_changed_one_afresh(decodes: list[str]):
    cache = DecodeCache()
    clear, revoked = _encoded(), _encoded(42)
    first = cache.decode(clear, max_bytes=MIN_LIST_BYTES)
    assert cache.decode(clear, max_bytes=MIN_LIST_BYTES) is first
    changed = cache.decode(revoked, max_bytes=MIN_LIST_BYTES)
    assert changed != first and changed[5] == 0b00100000
    assert decodes == [clear, revoked]


def test_failures_are_decoded_and_refused_every_time(decodes: list[str]):
    cache = DecodeCache()
    for _ in range(2):
        with pytest.raises(StatusError) as caught:
            cache.decode("unot-gzip", max_bytes=MIN_LIST_BYTES)
        assert caught.value.code == "status_list_malformed"
    assert len(decodes) == 2


def test_a_list_held_is_still_refused_to_a_caller_allowing_less():
    cache = DecodeCache()
    text = _encoded()
    cache.decode(text, max_bytes=MIN_LIST_BYTES)
    with pytest.raises(StatusError) as caught:
        cache.decode(text, max_bytes=MIN_LIST_BYTES - 1)
    assert caught.value.code == "status_list_too_large"


def test_memory_is_bounded_least_recently_used_first(decodes: list[str]):
    texts = [_encoded(i) for i in range(3)]
    # Room for two lists (text and bits), not three.
    cache = DecodeCache(max_bytes=2 * (MIN_LIST_BYTES + max(map(len, texts))))
    for text in texts[:2]:
        cache.decode(text, max_bytes=MIN_LIST_BYTES)
    cache.decode(texts[0], max_bytes=MIN_LIST_BYTES)  # Used again: now the most recent.
    cache.decode(texts[2], max_bytes=MIN_LIST_BYTES)  # Drops texts[1].
    decodes.clear()
    for text in (texts[0], texts[2], texts[1]):
        cache.decode(text, max_bytes=MIN_LIST_BYTES)
    assert decodes == [texts[1]]


def test_a_list_larger_than_the_whole_memory_is_never_held(decodes: list[str]):
    cache = DecodeCache(max_bytes=MIN_LIST_BYTES)
    text = _encoded()
    for _ in range(2):
        cache.decode(text, max_bytes=MIN_LIST_BYTES)
    assert decodes == [text, text]


def test_max_bytes_must_not_be_negative():
    with pytest.raises(ValueError):
        DecodeCache(max_bytes=-1)

"""One strict reading of JSON: loads_strict for text and bytes, check_value for parsed values,
both refusing with JSONInputError and a report code."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from vcbadges.errors import FetchError, JSONInputError
from vcbadges.net.fetcher import parse_json
from vcbadges.primitives import jsonlimits
from vcbadges.primitives.jsonlimits import MAX_INT_DIGITS, check_value, loads_strict

LIMITS = {"max_bytes": 1 << 20, "max_depth": 64}


def refused(data: str | bytes, **limits: int) -> str:
    with pytest.raises(JSONInputError) as caught:
        loads_strict(data, **{**LIMITS, **limits})
    return caught.value.code


def nested(depth: int, inner: str = "") -> str:
    return "[" * depth + inner + "]" * depth


def depth_of(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    return 0


@pytest.mark.parametrize("text", [
    '{"a": NaN}', '[Infinity]', '[-Infinity]', "[1e400]", "[-1e400]",
    '{"a": 1, "a": 1}', '{"a": {"b": 1, "b": 2}}', '[{"x": [], "y": 0, "x": []}]',
    "[" + "7" * (MAX_INT_DIGITS + 1) + "]", "[-" + "7" * 5000 + "]",
    "{not json", "[1, 2", "",
])
def test_text_that_is_not_strict_json_is_malformed(text: str) -> None:
    assert refused(text) == "malformed_json"
    assert refused(text.encode("utf-8")) == "malformed_json"


@pytest.mark.parametrize("data", [b'["\xff"]', b'"\xc0\xaf"', b'["\xed\xa0\x80"]',
                                  b"\xff\xfe[\x001\x00]\x00", "[1]".encode("utf-16")])
def test_bytes_must_be_utf8(data: bytes) -> None:
    assert refused(data) == "malformed_json"


def test_what_strict_json_allows() -> None:
    assert loads_strict('["\\ud800", "\\udfff\\ud83d"]', **LIMITS) == ["\ud800", "\udfff\ud83d"]
    # RFC 8259 §8.1 lets a parser ignore a byte order mark on transmitted bytes; decoded
    # text has no bytes to mark.
    assert loads_strict(b'\xef\xbb\xbf{"a": 1}', **LIMITS) == {"a": 1}
    assert refused('\ufeff{"a": 1}') == "malformed_json"
    big = int("9" * MAX_INT_DIGITS)
    assert loads_strict(f"[{big}, -{big}, 1e308, -0.0]", **LIMITS) == [big, -big, 1e308, -0.0]
    assert loads_strict('{"a": {"a": 1}, "b": [{"a": 2}]}', **LIMITS) == {
        "a": {"a": 1}, "b": [{"a": 2}]}


def test_size_is_counted_in_utf8_bytes() -> None:
    assert loads_strict('"' + "x" * 8 + '"', max_bytes=10, max_depth=1) == "x" * 8
    assert refused('"' + "x" * 9 + '"', max_bytes=10) == "document_too_large"
    assert refused('"' + "é" * 5 + '"', max_bytes=10) == "document_too_large"
    assert refused(b" " * 11, max_bytes=10) == "document_too_large"


def test_depth_counts_arrays_and_objects() -> None:
    assert loads_strict(nested(64, "1"), **LIMITS) is not None
    assert refused(nested(65)) == "document_too_deep"
    assert refused('{"a":' * 65 + "1" + "}" * 65) == "document_too_deep"
    assert loads_strict('{"a": [{"b": []}]}', max_bytes=100, max_depth=4)
    assert refused('{"a": [{"b": [1]}]}', max_bytes=100, max_depth=3) == "document_too_deep"


def test_brackets_inside_strings_do_not_count() -> None:
    text = json.dumps(["[[[[{{", '\\"[[[', '"', "\\", "\\\\[[", {"[[[[": "]]]]"}])
    assert loads_strict(text, max_bytes=1000, max_depth=2) == json.loads(text)
    assert refused(text, max_bytes=1000, max_depth=1) == "document_too_deep"


@pytest.mark.parametrize("text", [
    nested(100_000), "[" * 100_000, '{"a":' * 50_000 + "1", "[" + "[1]," * 1000 + nested(80) + "]",
    json.dumps(["]]]]"] * 10) + nested(70),
])
def test_deep_documents_are_refused_before_parsing(monkeypatch: pytest.MonkeyPatch,
                                                   text: str) -> None:
    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the parser ran on a document that is too deep")

    monkeypatch.setattr(jsonlimits.json, "loads", never)
    assert refused(text) == "document_too_deep"


def _random_value(rng: random.Random, level: int) -> Any:
    pieces = ['"', "\\", "[", "]", "{", "}", "a", "é", " "]
    roll = rng.random()
    if level > 10 or roll < 0.3:
        return rng.choice(["".join(rng.choices(pieces, k=rng.randint(0, 5))), 1, 2.5, None])
    if roll < 0.65:
        return [_random_value(rng, level + 1) for _ in range(rng.randint(0, 3))]
    return {"".join(rng.choices(pieces, k=rng.randint(0, 4))): _random_value(rng, level + 1)
            for _ in range(rng.randint(0, 3))}


def test_the_depth_scan_agrees_with_the_parsed_depth() -> None:
    rng = random.Random(20240601)
    for _ in range(2000):
        value = _random_value(rng, 0)
        text = json.dumps(value, ensure_ascii=rng.random() < 0.5)
        depth = depth_of(value)
        assert loads_strict(text, max_bytes=1 << 16, max_depth=depth) == value
        if depth:
            assert refused(text, max_bytes=1 << 16, max_depth=depth - 1) == "document_too_deep"


def test_the_fetcher_reads_through_loads_strict() -> None:
    for body in (b'{"a": 1, "a": 2}', b"[NaN]", b"[1e999]", nested(65).encode()):
        with pytest.raises(JSONInputError):
            loads_strict(body, **LIMITS)
        with pytest.raises(FetchError) as caught:
            parse_json(body, host="h.example")
        assert caught.value.code == "fetch_bad_json"


# --- check_value -----------------------------------------------------------------------------

VALUE_LIMITS = {"max_depth": 64, "max_nodes": 10_000}


def value_refused(value: Any, **limits: int) -> str:
    with pytest.raises(JSONInputError) as caught:
        check_value(value, **{**VALUE_LIMITS, **limits})
    return caught.value.code


@pytest.mark.parametrize("value", [
    float("nan"), [float("inf")], {"a": -float("inf")}, 10**MAX_INT_DIGITS,
    {"a": [-(10**5000)]}, {1: "x"}, {"a": {None: 1}}, ("a", "b"), {"a": {1, 2}}, [b"bytes"],
    {"a": object()},
])
def test_parsed_values_json_cannot_carry_are_malformed(value: Any) -> None:
    assert value_refused(value) == "malformed_json"


def test_check_value_counts_and_limits() -> None:
    document = {"a": [1, 2.5, True, None, "x"], "b": {"c": "yz"}}
    assert check_value(document, **VALUE_LIMITS) == 9
    assert check_value(10**MAX_INT_DIGITS - 1, **VALUE_LIMITS) == 1
    assert value_refused(document, max_nodes=8) == "document_too_large"
    assert value_refused(document, max_items=4) == "document_too_large"
    assert check_value(document, **VALUE_LIMITS, max_chars=6) == 9  # keys count too
    assert value_refused(document, max_chars=5) == "document_too_large"
    assert value_refused(document, max_depth=1) == "document_too_deep"
    assert check_value(document, max_depth=2, max_nodes=9) == 9


def test_deep_cyclic_and_shared_values_end_quickly() -> None:
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    assert value_refused(deep) == "document_too_deep"
    cyclic: dict[str, Any] = {}
    cyclic["self"] = cyclic
    assert value_refused(cyclic) == "document_too_deep"
    shared: list[Any] = ["x"] * 100
    for _ in range(20):
        shared = [shared] * 100
    assert value_refused(shared) == "document_too_large"

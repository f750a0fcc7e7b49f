"""CBOR-LD and VP-QR: round trips that keep the proof valid, and hostile codes refused with
a specific error (never a stack trace or unbounded work)."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import cbor2
import pytest

from vcbadges import issue, verify
from vcbadges.credentials import cborld, vpqr
from vcbadges.credentials.cborld import CborldError
from vcbadges.primitives.keys import Ed25519SigningKey

SAMPLE = Path(__file__).resolve().parents[1] / "interop" / "sample_ob3.json"
V2 = "https://www.w3.org/ns/credentials/v2"


@pytest.fixture
async def signed() -> dict[str, Any]:
    key = Ed25519SigningKey.generate()
    badge = json.loads(SAMPLE.read_text())
    badge.pop("proof", None)
    badge["issuer"]["id"] = key.controller
    return await issue(badge, key=key)


def text_of(data: bytes) -> str:
    return vpqr.PREFIX + base64.b32encode(data).decode().rstrip("=")


def refused(data: bytes) -> str:
    with pytest.raises(CborldError) as caught:
        cborld.decode(data)
    return caught.value.code


async def test_a_badge_round_trips_and_still_verifies(signed):
    presentation = vpqr.presentation_of(signed)
    text = vpqr.to_text(presentation)
    assert text.startswith("VP1-B3") and len(text) < vpqr.MAX_QR_TEXT
    decoded = vpqr.from_text(text)
    assert decoded == presentation
    assert (await verify(vpqr.credential_in(decoded))).verified
    # Keys, URLs, dates and the proof shrink; the badge's prose stays text: about 60% of the
    # compact JSON for this text-heavy sample.
    compact = json.dumps(presentation, separators=(",", ":"))
    assert len(cborld.encode(presentation)) < len(compact) * 0.7


async def test_a_bare_credential_reads_too(signed):
    assert vpqr.credential_in(vpqr.from_text(vpqr.to_text(signed))) == signed


async def test_codecs_round_trip_odd_values(signed):
    odd = copy.deepcopy(signed)
    odd["id"] = "urn:uuid:DF7D1CE3-97C3-4732-8ACE-4738BBC8C723"  # upper case: kept as text
    odd["validFrom"] = "2024-01-01T00:00:00.250Z"  # milliseconds
    odd["validUntil"] = "2030-01-01T00:00:00+02:00"  # an offset: kept as text
    odd["issuer"]["url"] = "https://example.edu:8443/x"  # a port: kept as text
    odd["credentialSubject"]["id"] = "did:key:z6MkjAkzjnnDL1PvwDaRU2N1w1EH6uXDK6aNZ7HANNRXJeJW#k-1"
    assert cborld.decode(cborld.encode(odd)) == odd


async def test_a_tampered_code_fails_verification(signed):
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["name"] = "Something else"
    decoded = vpqr.from_text(vpqr.to_text(vpqr.presentation_of(tampered)))
    assert (await verify(vpqr.credential_in(decoded))).check("proof").code == "invalid_signature"


async def test_a_changed_character_is_refused_or_fails(signed):
    text = vpqr.to_text(vpqr.presentation_of(signed))
    outcomes = set()
    for position in range(len(vpqr.PREFIX) + 5, len(text), 97):
        changed = text[:position] + ("A" if text[position] != "A" else "B") + text[position + 1:]
        try:
            credential = vpqr.credential_in(vpqr.from_text(changed))
        except CborldError as exc:
            outcomes.add(exc.code)
            continue
        assert not (await verify(credential)).verified
        outcomes.add("not verified")
    assert outcomes


async def test_an_embedded_image_is_too_large_and_says_why(signed):
    heavy = copy.deepcopy(signed)
    heavy["credentialSubject"]["achievement"]["image"]["id"] = (
        "data:image/png;base64," + "A" * 20_000)
    with pytest.raises(vpqr.TooLargeForQR, match="data: URL") as caught:
        vpqr.to_text(vpqr.presentation_of(heavy))
    assert caught.value.code == "vpqr_too_large" and caught.value.size > vpqr.MAX_QR_TEXT


async def test_a_long_badge_is_too_large(signed):
    long = copy.deepcopy(signed)
    long["description"] = "Lorem ipsum dolor sit amet. " * 120
    with pytest.raises(vpqr.TooLargeForQR, match="compresses to"):
        vpqr.to_text(long)


def test_undefined_terms_cannot_be_compressed():
    with pytest.raises(CborldError) as caught:
        cborld.encode({"@context": V2, "type": "VerifiableCredential", "nonsense": 1})
    assert caught.value.code == "cborld_unknown_term"


@pytest.mark.parametrize(("text", "code"), [
    ("", "vpqr_malformed"),
    ("VP2-BAAAA", "vpqr_malformed"),
    ("VP1-zABC", "vpqr_malformed"),
    ("VP1-Bab", "vpqr_malformed"),
    ("VP1-B0189", "vpqr_malformed"),
    ("VP1-BA", "vpqr_malformed"),
    ("VP1-B" + "A" * 5000, "vpqr_too_large"),
    ("https://example.com/badge", "vpqr_malformed"),
])
def test_texts_that_are_not_vp_qr_are_refused(text, code):
    with pytest.raises(CborldError) as caught:
        vpqr.from_text(text)
    assert caught.value.code == code


async def test_truncated_codes_are_refused(signed):
    data = cborld.encode(vpqr.presentation_of(signed))
    for cut in (0, 2, 3, 4, 10, len(data) // 2, len(data) - 1):
        assert refused(data[:cut]) == "cborld_malformed"


def framed(value: Any, mode: int = 1) -> bytes:
    return bytes((0xD9, 0x05, mode)) + cbor2.dumps(value)


@pytest.mark.parametrize(("data", "code"), [
    (bytes.fromhex("d90502a0"), "cborld_malformed"),  # unknown compression mode
    (bytes.fromhex("d90601a0"), "cborld_malformed"),  # a newer registry tag
    (framed({}) + b"\x00", "cborld_malformed"),  # bytes after the item
    (bytes.fromhex("d905015b7fffffffffffffff00"), "cborld_malformed"),  # a huge byte string
    (bytes.fromhex("d905019b7fffffffffffffff"), "cborld_malformed"),  # a huge array
    (bytes.fromhex("d905019f01ff"), "cborld_malformed"),  # indefinite length
    (bytes.fromhex("d90501a20101" "0102"), "cborld_malformed"),  # a duplicate key
    (bytes.fromhex("d90501a101f7"), "cborld_malformed"),  # undefined
    (bytes.fromhex("d90501a101c11a00000000"), "cborld_malformed"),  # a tag inside
    (bytes.fromhex("d90501a101d81c01"), "cborld_malformed"),  # a shared reference
    (framed([[[[]]]] * 1), "cborld_malformed"),  # not a map at the top
    (bytes.fromhex("d90501") + b"\x81" * 100 + b"\xa0", "cborld_too_large"),  # deep nesting
    (b"\xd9\x05\x01" + b"\x00" * 5000, "cborld_too_large"),  # too many bytes
    (framed({0: 0x7777}), "cborld_unknown_context"),  # a context id outside the registry
    (framed({0: 0x16}), "cborld_unknown_context"),  # registered, but not bundled
    (framed({0: "https://evil.example/context"}), "cborld_unknown_context"),  # never fetched
    (framed({0: 0x11, 999_998: 1}), "cborld_unknown_term"),  # an unknown term id
    (framed({0: 0x11, "type": 1}), "cborld_unknown_term"),  # a string key
    (framed({0: 0x11, 2: 999_990}), "cborld_unknown_term"),  # an unknown type id
    (framed({0: 0x11, 4: [3, b"short"]}), "cborld_bad_value"),  # a UUID of 5 bytes
    (framed({0: 0x11, 4: [77, "x"]}), "cborld_bad_value"),  # an unknown URL scheme
    (framed({0: 0x11, 4: b"raw"}), "cborld_bad_value"),  # bytes for an id
])
def test_hostile_payloads_get_a_specific_error(data, code):
    assert refused(data) == code


def test_a_date_out_of_range_is_refused():
    presentation = {"@context": V2, "type": "VerifiableCredential",
                    "validFrom": "2024-01-01T00:00:00Z"}
    data = cborld.encode(presentation)
    term = cbor2.loads(data[3:])
    date_key = next(k for k, v in term.items() if v == 1704067200)
    term[date_key] = 10**15
    assert refused(framed(term)) == "cborld_bad_value"


def test_shared_references_cannot_blow_up():
    # Each level refers twice to the one below: 2**30 values from a few hundred bytes.
    data = b"\xd9\x05\x01\xd8\x1c\x80"
    for _ in range(30):
        data = data[:3] + b"\xd8\x1c\x82" + data[3:] + b"\xd8\x1d\x00"
    assert refused(data) == "cborld_too_large"

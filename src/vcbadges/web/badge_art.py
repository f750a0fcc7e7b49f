"""The medal drawn for a badge whose own image cannot be used: as SVG, and as PNG.

A public badge page needs an image in two places where the badge's own may not do: the baked
badge offered for download (baking writes into a PNG or SVG image, and an image the badge
only links to is not ours to fetch and rewrite) and the ``og:image`` of a link card (social
sites read raster images by URL, not ``data:`` URLs or SVG). Both then get this medal: a disc
in a colour derived from the badge's name, with its initials, as the wallet and the
employer's page draw it (``web/static/common/ui.js``).
"""

from __future__ import annotations

import colorsys
import io
import re
from html import escape

from PIL import Image, ImageDraw, ImageFont

__all__ = ["medal_svg", "medal_png", "initials"]

_NOT_WORD = re.compile(r"[^\w ]+")


def _hue(name: str) -> int:
    """The hue of ``name`` as ui.js computes it."""
    h = 0
    for ch in name:
        h = (h * 31 + ord(ch)) % 360
    return (h + 230) % 360


def initials(name: str) -> str:
    """Up to two initials of ``name``, upper case; ``?`` when it has none."""
    words = _NOT_WORD.sub(" ", name.replace("_", " ")).split()
    return "".join(w[0].upper() for w in words[:2]) or "?"


def medal_svg(name: str) -> bytes:
    """A 256-pixel SVG medal for the badge called ``name``."""
    h = _hue(name)
    h2 = (h + 35) % 360
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 64 64">'
        f'<title>{escape(name)}</title>'
        '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="hsl({h},75%,60%)"/>'
        f'<stop offset="1" stop-color="hsl({h2},70%,42%)"/></linearGradient></defs>'
        f'<path d="M21 38L15 61l10-4.5 6 6.5 3-23z" fill="hsl({h},60%,40%)"/>'
        f'<path d="M43 38l6 23-10-4.5-6 6.5-3-23z" fill="hsl({h2},65%,36%)"/>'
        '<circle cx="32" cy="28" r="23" fill="url(#g)"/>'
        '<circle cx="32" cy="28" r="18" fill="none" stroke="#fff" stroke-opacity=".55" '
        'stroke-width="2"/>'
        '<text x="32" y="33.5" text-anchor="middle" font-size="15" font-weight="700" '
        f'fill="#fff" font-family="system-ui, sans-serif">{escape(initials(name))}</text>'
        '</svg>\n').encode()


def _rgb(hue: int, saturation: float, lightness: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(hue / 360, lightness, saturation)
    return round(r * 255), round(g * 255), round(b * 255)


def medal_png(name: str, size: int = 512) -> bytes:
    """A square PNG medal for the badge called ``name`` (for link cards)."""
    h = _hue(name)
    image = Image.new("RGB", (size, size), (246, 248, 250))
    draw = ImageDraw.Draw(image)
    unit = size / 64
    draw.polygon([(21 * unit, 38 * unit), (15 * unit, 61 * unit), (25 * unit, 56.5 * unit),
                  (31 * unit, 63 * unit), (34 * unit, 40 * unit)], fill=_rgb(h, .6, .4))
    draw.polygon([(43 * unit, 38 * unit), (49 * unit, 61 * unit), (39 * unit, 56.5 * unit),
                  (33 * unit, 63 * unit), (30 * unit, 40 * unit)],
                 fill=_rgb((h + 35) % 360, .65, .36))
    draw.ellipse([9 * unit, 5 * unit, 55 * unit, 51 * unit], fill=_rgb(h, .72, .5))
    draw.ellipse([14 * unit, 10 * unit, 50 * unit, 46 * unit], outline=(255, 255, 255),
                 width=max(1, round(2 * unit)))
    font = ImageFont.load_default(size=15 * unit)
    draw.text((32 * unit, 28 * unit), initials(name), fill=(255, 255, 255), font=font,
              anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()

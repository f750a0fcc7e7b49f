"""QR codes as SVG: what the issuer console and the verifier page show for a wallet to scan.

Only rendering lives here: the payloads (``openid-credential-offer://…`` and
``openid4vp://…``) are built by pure functions of :mod:`vcbadges.oid4vci` and
:mod:`vcbadges.oid4vp`. The ``qrcode`` package draws the modules as one SVG path on a white
background (no imaging library involved), so the code scans from a dark page too.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
import qrcode.image.svg
from aiohttp import web

__all__ = ["SVG_MEDIA_TYPE", "MAX_PAYLOAD", "qr_svg", "svg_response"]

SVG_MEDIA_TYPE = "image/svg+xml"
#: The longest payload rendered: both protocol cores keep theirs under 400 characters, so a
#: code stays easy to scan from a screen.
MAX_PAYLOAD = 1000
# The SVG is an image: nothing in it may run or load anything.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


def qr_svg(payload: str) -> bytes:
    """The QR code of ``payload`` (error correction level M, 4-module quiet zone) as an SVG
    document. Raises ``ValueError`` for an empty or overlong payload."""
    if not payload or len(payload) > MAX_PAYLOAD:
        raise ValueError(f"a QR payload is 1 to {MAX_PAYLOAD} characters")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10,
                         border=4, image_factory=qrcode.image.svg.SvgPathFillImage)
    code.add_data(payload)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out)
    return out.getvalue()


def svg_response(payload: str, *, cache: str = "no-store") -> web.Response:
    """An ``image/svg+xml`` response with the QR code of ``payload``."""
    return web.Response(body=qr_svg(payload), content_type=SVG_MEDIA_TYPE,
                        headers={"Cache-Control": cache, "Content-Security-Policy": _CSP})

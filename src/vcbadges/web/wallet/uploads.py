"""Uploads: pictures of QR codes to read, and badges to import.

A picture is decoded on the server only when the page cannot read the camera itself; it
is bounded in bytes (:data:`MAX_UPLOAD`) and pixels (:data:`MAX_PIXELS`) and decoded in a
worker thread. An imported badge (a baked PNG or SVG, a JSON credential or Open Badges 2.0
assertion, or a compact JWT) is verified before it is stored; one that does not pass is not
stored (``422 credential-not-verified`` with the report).
"""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any

from aiohttp import web

from vcbadges.credentials.baking import unbake
from vcbadges.errors import CredentialError, FetchError, JSONInputError
from vcbadges.primitives.jsonlimits import loads_strict
from vcbadges.proofs.jose import looks_like_jwt
from vcbadges.web.bodies import refuse_lone_surrogates
from vcbadges.web.keys import CLOCK, DOCUMENTS
from vcbadges.web.problems import ProblemError
from vcbadges.web.wallet.common import (
    NO_STORE,
    exchange_problem,
    not_verified,
    opened,
    summary,
    verify_credential,
)

__all__ = ["MAX_UPLOAD", "MAX_PIXELS", "decode_qr", "import_credential"]

#: The largest upload: an image to decode, a badge to import, a backup to restore.
MAX_UPLOAD = 2 * 1024 * 1024
#: The most pixels an image to decode may have (a 4000 × 3000 photo).
MAX_PIXELS = 12_000_000
_QR_TYPES = frozenset({"image/png", "image/jpeg"})


async def _upload(request: web.Request) -> bytes:
    """The raw body, at most :data:`MAX_UPLOAD` bytes (more than the JSON limit)."""
    if request.content_length is not None and request.content_length > MAX_UPLOAD:
        raise ProblemError(413, "body-too-large", "Request body too large",
                           f"the body exceeds the limit of {MAX_UPLOAD} bytes")
    try:
        return await request.clone(client_max_size=MAX_UPLOAD).read()
    except web.HTTPRequestEntityTooLarge:
        raise ProblemError(413, "body-too-large", "Request body too large",
                           f"the body exceeds the limit of {MAX_UPLOAD} bytes") from None


def _decode_qr(data: bytes) -> str | None:
    """The text of the first QR code in a PNG or JPEG picture, or None."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data), formats=("PNG", "JPEG")) as image:
            width, height = image.size
            if width * height > MAX_PIXELS or not width or not height:
                raise ProblemError(422, "image-too-large", "The picture is too large",
                                   f"at most {MAX_PIXELS} pixels")
            image.draft("L", (min(width, 2000), min(height, 2000)))
            gray = image.convert("L")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError,
            SyntaxError):
        raise ProblemError(422, "no-qr-code", "No QR code found",
                           "the picture could not be read") from None
    found = zxingcpp.read_barcodes(
        gray, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    texts = [code.text for code in found if code.valid and code.text]
    return texts[0] if texts else None


async def decode_qr(request: web.Request) -> web.Response:
    async with opened(request):
        if request.content_type not in _QR_TYPES:
            raise ProblemError(415, "unsupported-media-type", "Expected a PNG or JPEG picture",
                               f"Content-Type was {request.content_type or 'missing'}")
        data = await _upload(request)
        text = await asyncio.to_thread(_decode_qr, data)
    if text is None:
        raise ProblemError(422, "no-qr-code", "No QR code found",
                           "no QR code could be read in the picture")
    return web.json_response({"text": text}, headers=NO_STORE)


async def _importable(request: web.Request, data: bytes) -> tuple[str, Any]:
    """What to store (the JSON text or the JWT) and the document to verify, from a baked
    PNG/SVG, a JSON credential or OB 2.0 assertion, or a compact JWT."""
    stripped = data.lstrip()
    if data.startswith(b"\x89PNG") or stripped.startswith((b"<svg", b"<?xml", b"<!DOCTYPE")):
        try:
            baked = await asyncio.to_thread(unbake, data)
        except CredentialError as exc:
            raise ProblemError(422, "no-badge-found", "No badge in this file", exc.message,
                               code=exc.code) from None
        payload: Any = baked.payload
        if isinstance(payload, str) and payload.startswith("https://"):
            try:
                payload = await request.config_dict[DOCUMENTS].get_json(payload)
            except FetchError as exc:
                raise exchange_problem(exc) from None
        if isinstance(payload, dict):
            return json.dumps(payload, ensure_ascii=False), payload
        if isinstance(payload, str) and looks_like_jwt(payload):
            return payload, payload
        raise ProblemError(422, "no-badge-found", "No badge in this file",
                           "the image holds no credential this wallet can keep")
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        text = ""
    if looks_like_jwt(text):
        return text, text
    try:
        document = loads_strict(text)
    except JSONInputError:
        document = None
    if not isinstance(document, dict):
        raise ProblemError(422, "no-badge-found", "No badge in this file", "send a baked PNG or "
                           "SVG badge, a credential as JSON or JWT, or an Open Badges 2.0 "
                           "assertion")
    # Kept as text in the wallet: it must be text that encodes.
    refuse_lone_surrogates(document)
    return text, document


async def import_credential(request: web.Request) -> web.Response:
    async with opened(request) as session:
        data = await _upload(request)
        text, document = await _importable(request, data)
        report = await verify_credential(request, document)
        if not report.verified:
            raise not_verified(report, "the credential did not pass its checks; it was not "
                                        "added to the wallet")
        try:
            record = await session.wallet.add_credential(text,
                                                        now=request.config_dict[CLOCK].now())
        except CredentialError as exc:
            raise ProblemError(422, "no-badge-found", "No badge in this file",
                               exc.message) from None
    return web.json_response({"credential": summary(record), "report": report.to_json()},
                             status=201, headers=NO_STORE)

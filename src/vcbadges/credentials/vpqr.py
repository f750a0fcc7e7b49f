"""VP-QR: one badge as a self-contained QR code, in the format of the DCC's wallets.

The text of the code is ``VP1-`` (format and version), ``B`` (multibase: base32 upper case,
RFC 4648, no padding), then the base32 of the CBOR-LD bytes (:mod:`vcbadges.credentials.cborld`).
Upper-case base32 and the dash fit QR's alphanumeric mode, 5.5 bits per character. This is
what ``@digitalcredentials/vpqr`` writes and reads, and so what the Learner Credential
Wallet and VerifierPlus scan.

What goes in: an unsigned ``VerifiablePresentation`` holding the one signed credential, as
the Learner Credential Wallet makes it and as VerifierPlus expects (it takes
``verifiableCredential`` out of the decoded presentation). The presentation has no proof of
its own: a printed code cannot answer a verifier's fresh challenge, so it proves that the
badge is genuine and valid, never that the person holding the paper is its owner. The
verifier says so. Reading also accepts a bare credential, which some encoders write.

Size is the limit. A QR code holds at most 4,296 alphanumeric characters (version 40,
error correction L); the codes here use level M, at most 3,391 characters, about 2,100
CBOR-LD bytes, so that a printed or photographed code still reads. A signed Open Badge with
a hosted (https) image, a few paragraphs of text and an Ed25519 proof compresses to about
1,700 bytes (a 2,700-character, version 36 code); a badge whose image is embedded as a
``data:`` URL is tens of kilobytes and never fits: :class:`TooLargeForQR` says so, and the
badge is better shared by link or OpenID4VP. Decoding is bounded by the same numbers and never
fetches anything: contexts are the bundled ones, and a payload over the limits, in the wrong
format or with an unknown context is refused with a specific code.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from typing import Any, Final

import qrcode
import qrcode.constants

from vcbadges.credentials.cborld import CborldError, decode, encode

__all__ = [
    "PREFIX",
    "MAX_TEXT",
    "MAX_QR_TEXT",
    "TooLargeForQR",
    "presentation_of",
    "to_text",
    "from_text",
    "credential_in",
    "qr_png",
]

#: ``VP1-`` and the multibase prefix of base32 upper case.
PREFIX: Final = "VP1-B"
#: The most characters a QR code holds in alphanumeric mode (version 40, level L).
MAX_TEXT: Final = 4296
#: The most characters written here: version 40 at error correction level M.
MAX_QR_TEXT: Final = 3391
_BASE32 = re.compile(r"[A-Z2-7]*")
_V1 = "https://www.w3.org/2018/credentials/v1"
_V2 = "https://www.w3.org/ns/credentials/v2"


class TooLargeForQR(CborldError):
    """The badge does not fit in a QR code that still scans; ``size`` is its length in
    characters."""

    code = "vpqr_too_large"

    def __init__(self, message: str, *, size: int) -> None:
        super().__init__(message)
        self.size = size


def _malformed(message: str) -> CborldError:
    return CborldError(message, code="vpqr_malformed")


def presentation_of(credential: dict[str, Any]) -> dict[str, Any]:
    """The unsigned presentation that carries ``credential`` in a VP-QR, in the credential's
    own data model (VCDM 2.0 or 1.1)."""
    contexts = credential.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    return {"@context": _V1 if first == _V1 else _V2, "type": "VerifiablePresentation",
            "verifiableCredential": credential}


def _embedded_data(document: Any) -> int:
    """The length of the longest ``data:`` URL in ``document``."""
    longest, pending = 0, [document]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and item.startswith("data:"):
            longest = max(longest, len(item))
    return longest


def to_text(document: dict[str, Any]) -> str:
    """The VP-QR text of a presentation (or credential); :class:`TooLargeForQR` when it is
    more than :data:`MAX_QR_TEXT` characters, :class:`CborldError` when a term of it is not
    defined by a bundled context."""
    embedded = _embedded_data(document)
    if embedded > MAX_QR_TEXT:
        raise TooLargeForQR(
            f"the badge embeds a data: URL of {embedded} characters (its image, most likely); "
            f"a QR code holds at most {MAX_QR_TEXT}. A badge whose image is a hosted https "
            "URL fits; share this one by link or from the wallet instead", size=embedded)
    data = encode(document)
    text = PREFIX + base64.b32encode(data).decode("ascii").rstrip("=")
    if len(text) > MAX_QR_TEXT:
        raise TooLargeForQR(
            f"the badge compresses to {len(data)} bytes, {len(text)} QR characters; a QR "
            f"code that still scans holds at most {MAX_QR_TEXT}. Shorter texts or fewer "
            "evidence and result entries would fit; share this one by link or from the "
            "wallet instead", size=len(text))
    return text


def from_text(text: str) -> dict[str, Any]:
    """The presentation (or credential) in a scanned VP-QR text, refusing anything else
    with a :class:`CborldError` whose ``code`` says why."""
    if not isinstance(text, str):
        raise _malformed("a VP-QR is text")
    if len(text) > MAX_TEXT:
        raise CborldError(f"a VP-QR is at most {MAX_TEXT} characters (the most a QR code "
                          f"holds); this one has {len(text)}", code="vpqr_too_large")
    if not text.startswith("VP1-"):
        raise _malformed("not a VP-QR: it starts with VP1-")
    if not text.startswith(PREFIX):
        raise _malformed("a VP-QR payload is base32 (multibase prefix B) after VP1-")
    body = text[len(PREFIX):]
    if not _BASE32.fullmatch(body) or len(body) % 8 in (1, 3, 6):
        raise _malformed("a VP-QR payload is upper-case base32 (A-Z, 2-7) without padding")
    try:
        data = base64.b32decode(body + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError):
        raise _malformed("a VP-QR payload is upper-case base32 (A-Z, 2-7)") from None
    return decode(data)


def credential_in(document: dict[str, Any]) -> dict[str, Any]:
    """The one credential a decoded VP-QR carries: the presentation's only
    ``verifiableCredential``, or the document itself when it is a credential."""
    types = document.get("type")
    types = types if isinstance(types, list) else [types]
    if "VerifiablePresentation" not in types:
        return document
    held = document.get("verifiableCredential")
    if isinstance(held, list):
        if len(held) != 1:
            raise _malformed(f"a VP-QR presentation holds one credential, not {len(held)}")
        held = held[0]
    if not isinstance(held, dict):
        raise _malformed("the presentation holds no credential object")
    return held


def qr_png(text: str) -> bytes:
    """The QR code of a VP-QR text as a black-on-white PNG: error correction M, a 4-module
    quiet zone, 4 pixels a module (about 680 pixels square for a badge). A PNG, not an
    SVG: a code this dense is some 13,000 dark modules, 300 KB as SVG paths and 10 KB as a
    PNG, and a page scales it crisply with ``image-rendering: pixelated``."""
    if not text.startswith(PREFIX) or len(text) > MAX_QR_TEXT:
        raise ValueError(f"a VP-QR text of at most {MAX_QR_TEXT} characters")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4,
                         border=4)
    code.add_data(text)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out)
    return out.getvalue()

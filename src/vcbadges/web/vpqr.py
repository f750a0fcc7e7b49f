"""VP-QR routes: a wallet badge as a printable QR code, and the employer's check of one.

- ``GET /wallet/api/credentials/{id}/vpqr`` (signed-in holder): ``{"payload": "VP1-B…",
  "characters", "bytes", "image": "data:image/png;base64,…"}`` for one Data Integrity badge
  of the wallet (:mod:`vcbadges.credentials.vpqr`). A badge that does not fit gets ``422
  badge-too-large-for-qr`` saying why (an embedded image, most often); a VC-JWT or an Open
  Badges 2.0 assertion ``422 not-cbor-ld``: CBOR-LD carries JSON-LD only. A badge with an
  ecdsa-sd-2023 base proof is encoded as a derivation: the issuer's statements and the
  learner's name, not their e-mail identity (nor the base proof, which verifiers refuse).
- ``POST /verifier/vpqr/verify``: ``{"vpqr": "VP1-B…"}``, the text an employer's page read
  from the code. The badge is decoded and verified here with no exchange with anybody (the
  bundled contexts; status lists and did:web documents as for every other verification).
  The answer has the shape of an OpenID4VP result (``verified``, ``presentations``,
  ``problems``), so that the employer page shows it like the others, and always carries the
  warning ``holder_not_authenticated``: a code on paper answers no challenge, so nothing
  proves the person showing it is the one it was awarded to. ``200`` when verified, ``400``
  otherwise; a text that is not a readable VP-QR is a ``400 vpqr-unreadable`` problem whose
  ``code`` says why (``vpqr_malformed``, ``vpqr_too_large``, ``cborld_unknown_context``, …).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from aiohttp import web

from vcbadges._api import verify_credential_document
from vcbadges.credentials import vcdm, vpqr
from vcbadges.credentials.cborld import CborldError
from vcbadges.errors import VCBadgesError
from vcbadges.report import ISSUER, PROOF, Outcome, VerificationReport
from vcbadges.wallet.publication import disclosure_of, published_copy
from vcbadges.web.bodies import read_object
from vcbadges.web.display import describe_credential
from vcbadges.web.keys import DOCUMENTS, ISSUER_REGISTRIES, RESOLVER, VERIFIED_LISTS
from vcbadges.web.problems import ProblemError
from vcbadges.web.wallet.common import opened, record_id

__all__ = ["add_wallet_vpqr_routes", "add_verifier_vpqr_routes"]

_NO_STORE = {"Cache-Control": "no-store"}
_UNAUTHENTICATED = {
    "code": "holder_not_authenticated",
    "message": "A QR code on paper or a screen proves that the badge is genuine and valid, "
               "not that the person showing it is the one it was awarded to: compare the "
               "name on the badge with the candidate.",
}


async def badge_qr(request: web.Request) -> web.Response:
    wanted = record_id(request)
    async with opened(request, csrf=False) as session:
        record = await session.wallet.get_credential(wanted)
    document = record.document()
    if not isinstance(document, dict) or "proof" not in document:
        raise ProblemError(422, "not-cbor-ld", "This badge cannot be a VP-QR code",
                           "only Data Integrity (JSON-LD) badges compress to CBOR-LD; share "
                           "this one by OpenID4VP or as a file")
    if disclosure_of(document).selective:
        # A base proof is for the holder only: the code carries the issuer's statements and
        # the learner's name, never their e-mail identity (as a page shown with the name).
        try:
            document = json.loads(await published_copy(record.credential, document,
                                                       show_name=True))
        except VCBadgesError as exc:
            raise ProblemError(422, "cannot-derive", "This badge cannot be a VP-QR code",
                               exc.message, code=exc.code) from None
    try:
        text = vpqr.to_text(vpqr.presentation_of(document))
    except vpqr.TooLargeForQR as exc:
        raise ProblemError(422, "badge-too-large-for-qr", "This badge is too large for a QR "
                           "code", exc.message, size=exc.size, limit=vpqr.MAX_QR_TEXT) from None
    except CborldError as exc:
        raise ProblemError(422, "not-cbor-ld", "This badge cannot be a VP-QR code",
                           exc.message, code=exc.code) from None
    image = base64.b64encode(vpqr.qr_png(text)).decode("ascii")
    return web.json_response({
        "payload": text,
        "characters": len(text),
        "bytes": (len(text) - len(vpqr.PREFIX)) * 5 // 8,
        "image": "data:image/png;base64," + image,
    }, headers=_NO_STORE)


def _signed_by_its_issuer(report: VerificationReport) -> bool:
    passed = {c.id for c in report.checks if c.outcome is Outcome.PASSED}
    return {PROOF, ISSUER} <= passed


def _credential_report(report: VerificationReport, credential: dict[str, Any]) -> dict[str, Any]:
    out = report.to_json()
    # A display only for a badge its issuer signed, read from the credential verification
    # checked (its summary must match), as the OpenID4VP result does.
    if _signed_by_its_issuer(report) and vcdm.summary(credential) == report.credential:
        out["display"] = describe_credential(credential)
    return out


async def verify_vpqr(request: web.Request) -> web.Response:
    body = await read_object(request, max_depth=4)
    text = body.get("vpqr")
    if not isinstance(text, str):
        raise ProblemError(400, "invalid-request", "The request is not valid",
                           'send {"vpqr": "VP1-B…"}, the text of the QR code')
    try:
        credential = vpqr.credential_in(vpqr.from_text(text.strip()))
    except CborldError as exc:
        raise ProblemError(400, "vpqr-unreadable", "This QR code holds no readable badge",
                           exc.message, code=exc.code) from None
    report = await verify_credential_document(
        credential, fetcher=request.config_dict[DOCUMENTS], resolver=request.config_dict[RESOLVER],
        verified_lists=request.config_dict[VERIFIED_LISTS],
        registries=request.config_dict[ISSUER_REGISTRIES])
    result = {
        "verified": report.verified,
        "presentations": {"vpqr": [{
            "holder": None, "checks": [], "warnings": [_UNAUTHENTICATED],
            "credentials": [_credential_report(report, credential)],
        }]},
        "problems": [],
    }
    return web.json_response(result, status=200 if report.verified else 400,
                             headers=_NO_STORE)


def add_wallet_vpqr_routes(app: web.Application) -> web.Application:
    """Add the holder's VP-QR route to the ``/wallet`` sub-application; returns it."""
    app.router.add_get("/api/credentials/{credential_id}/vpqr", badge_qr)
    return app


def add_verifier_vpqr_routes(app: web.Application) -> None:
    """Add the VP-QR check to the ``/verifier`` sub-application."""
    app.router.add_post("/vpqr/verify", verify_vpqr)

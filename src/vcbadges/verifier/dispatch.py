"""Work out what was handed to ``verify`` and send it to the right verifier.

An employer pastes or uploads whatever a candidate sent: a credential or presentation as JSON,
a VC-JWT or VP-JWT, a PNG or SVG badge with a credential baked in, or an Open Badges 2.0 assertion.
Each gets the same report shape; an image or a 2.0 assertion is noted in the warnings.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from vcbadges import report as r
from vcbadges.credentials import vcdm
from vcbadges.credentials.baking import unbake
from vcbadges.credentials.ob2 import OB2_CONTEXT
from vcbadges.errors import FetchError, VCBadgesError
from vcbadges.primitives.dates import utcnow
from vcbadges.proofs.jose import looks_like_jwt, read_jwt_presentation
from vcbadges.report import Check, Outcome, PresentationReport, Problem, VerificationReport
from vcbadges.verifier.checks import skipped
from vcbadges.verifier.credential import verify_credential, verify_held_credential
from vcbadges.verifier.jwt_presentation import verify_presentation_token
from vcbadges.verifier.ob2 import verify_ob2_assertion
from vcbadges.verifier.options import Checked, VerifyOptions, parse_document
from vcbadges.verifier.presentation import verify_presentation

__all__ = ["verify_any"]

_PNG = b"\x89PNG"


def _looks_like_image(data: bytes) -> bool:
    head = data[:1024].lstrip()
    return data.startswith(_PNG) or head.startswith((b"<svg", b"<?xml", b"<!DOCTYPE svg"))


def _is_ob2(document: Any) -> bool:
    if not isinstance(document, dict):
        return False
    context = document.get("@context")
    contexts = context if isinstance(context, list) else [context]
    return OB2_CONTEXT in contexts


def _presentation_token(document: Any) -> str | None:
    """The compact JWT in ``document`` when it carries a presentation (VP-JWT or vp+jwt)."""
    if isinstance(document, (bytes, bytearray)):
        try:
            document = bytes(document).decode("ascii")
        except UnicodeDecodeError:
            return None
    if not isinstance(document, str) or not looks_like_jwt(document.strip()):
        return None
    token = document.strip()
    try:
        read_jwt_presentation(token)
    except VCBadgesError:
        return None
    return token


async def _no_fetch(url: str) -> Any:
    raise FetchError("no fetcher is configured", code="fetch_disabled")


def _with_warning(
    report: VerificationReport | PresentationReport, warning: Problem
) -> VerificationReport | PresentationReport:
    return dataclasses.replace(report, warnings=(warning, *report.warnings))


async def verify_any(
    document: Any,
    options: VerifyOptions,
    *,
    challenge: str | None = None,
    domain: str | None = None,
    holder_must_be_subject: bool = True,
    recipient: str | None = None,
    held: bool = False,
) -> VerificationReport | PresentationReport:
    """Verify a credential, presentation, VC-JWT, baked image or OB 2.0 assertion.

    ``held``: the caller is the holder of the credential (see
    :func:`~vcbadges.verifier.credential.verify_held_credential`); a presentation is
    verified as a verifier verifies it all the same.
    """
    if isinstance(document, (bytes, bytearray)) and _looks_like_image(bytes(document)):
        try:
            baked = unbake(bytes(document))
        except VCBadgesError as exc:
            now = options.now or utcnow()
            unreadable = Check(r.DOCUMENT, Outcome.FAILED, exc.code, exc.message)
            return VerificationReport(
                checks=(unreadable, *(skipped(c) for c in r.CHECK_ORDER[1:])), checked_at=now)
        if baked.version == "ob2":
            # A 2.0 badge bakes the assertion itself, a signed assertion (JWS), or the URL
            # of a hosted assertion, which is read through the fetcher.
            assertion: Any = baked.payload
            if isinstance(assertion, str) and assertion.startswith("https://"):
                try:
                    assertion = await (options.fetch_json or _no_fetch)(assertion)
                except VCBadgesError as exc:
                    unreachable = Check(r.DOCUMENT, Outcome.ERROR, "ob2_fetch_failed",
                                        f"the hosted assertion could not be fetched: {exc.code}")
                    return VerificationReport(
                        checks=(unreachable, *(skipped(c) for c in r.CHECK_ORDER[1:])),
                        checked_at=options.now or utcnow(),
                        warnings=(Problem("baked_image", "assertion URL read from a badge "
                                          "image"),))
            inner: VerificationReport | PresentationReport = await verify_ob2_assertion(
                assertion, options, recipient=recipient)
        else:
            inner = await verify_any(baked.payload, options, challenge=challenge, domain=domain,
                                     holder_must_be_subject=holder_must_be_subject,
                                     recipient=recipient, held=held)
        return _with_warning(inner, Problem(
            "baked_image", f"credential read from a {baked.format.upper()} badge image"))
    token = _presentation_token(document)
    if token is not None:
        return await verify_presentation_token(
            token, options, challenge=challenge, domain=domain,
            holder_must_be_subject=holder_must_be_subject)
    parsed, bad = parse_document(document)
    if bad is None and _is_ob2(parsed):
        return await verify_ob2_assertion(parsed, options, recipient=recipient)
    if bad is None and "VerifiablePresentation" in vcdm.types_of(parsed):
        return await verify_presentation(Checked(parsed), options, challenge=challenge,
                                         domain=domain,
                                         holder_must_be_subject=holder_must_be_subject)
    verify_one = verify_held_credential if held else verify_credential
    return await verify_one(Checked(parsed) if bad is None else document, options)

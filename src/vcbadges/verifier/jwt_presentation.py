"""Verifying a presentation secured as a JWT (VP-JWT or ``vp+jwt``), by the same rules as a
Data Integrity presentation: the holder's signature, the expected challenge (``nonce``) and
domain (``aud``), each credential, and the holder rule of :func:`holder_check`.

The JOSE core (:func:`vcbadges.proofs.jose.verify_jwt_presentation`) binds the signing key
to the holder the token states; the credentials are verified only once it has.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from vcbadges import report as r
from vcbadges.errors import VCBadgesError
from vcbadges.primitives.dates import utcnow
from vcbadges.proofs.jose import (
    VerifiedJWTPresentation,
    read_jwt_presentation,
    verify_jwt_presentation,
)
from vcbadges.report import Check, Outcome, PresentationReport, Problem, VerificationReport
from vcbadges.verifier.checks import blocked_presentation, failed, from_error, skipped
from vcbadges.verifier.credential import verify_embedded_credential
from vcbadges.verifier.options import VerifyOptions
from vcbadges.verifier.presentation import holder_check

__all__ = ["VerifyEmbedded", "verify_presentation_token"]

VerifyEmbedded = Callable[[Any], Awaitable[VerificationReport]]
_PRESENTATION = "VerifiablePresentation"


def _expected(check_id: str, expected: str | None, found: list[str], name: str, claim: str,
              code: str, warnings: list[Problem]) -> Check:
    if expected is None:
        warnings.append(Problem(f"{check_id}_not_checked",
                                f"no expected {name} was given, so replay is not prevented"))
        return Check(check_id, Outcome.SKIPPED, r.NOT_APPLICABLE, f"no expected {name} given")
    if expected not in found:
        return failed(check_id, code, f"the presentation's {claim} is not the expected {name}")
    return Check(check_id, Outcome.PASSED, r.OK, f"{name} matches ({claim})")


def _structure(presentation: dict[str, Any]) -> Check | None:
    types = presentation.get("type")
    types = types if isinstance(types, list) else [types]
    if _PRESENTATION not in types:
        return failed(r.DOCUMENT, "missing_type", f"type must include {_PRESENTATION}")
    embedded = presentation.get("verifiableCredential")
    if embedded is not None and not isinstance(embedded, (list, dict, str)):
        return failed(r.DOCUMENT, "malformed_presentation",
                      "verifiableCredential must be credentials or VC-JWTs")
    return None


async def verify_presentation_token(
    token: str,
    options: VerifyOptions,
    *,
    challenge: str | None,
    domain: str | None,
    holder_must_be_subject: bool = True,
    verify_embedded: VerifyEmbedded | None = None,
) -> PresentationReport:
    """Verify a JWT presentation; never raises for a bad token.

    ``verify_embedded`` verifies each credential (the default is
    :func:`verify_embedded_credential` with ``options``, which refuses credentials written as
    JSON text); a caller that keeps what it verified passes its own.
    """
    now = options.now or utcnow()
    try:
        presentation = read_jwt_presentation(token)
    except VCBadgesError as exc:
        return blocked_presentation(from_error(r.DOCUMENT, exc), now)
    bad = _structure(presentation)
    if bad is not None:
        return blocked_presentation(bad, now)
    checks = [Check(r.DOCUMENT, Outcome.PASSED, r.OK, "a presentation secured as a JWT")]
    warnings: list[Problem] = []
    verified: VerifiedJWTPresentation | None = None
    try:
        verified = await verify_jwt_presentation(token, resolver=options.resolver, now=now,
                                                 skew=options.skew)
        checks.append(Check(r.PRESENTATION_PROOF, Outcome.PASSED, r.OK,
                            f"holder's JWT signature verified ({verified.header.get('alg')})"))
    except VCBadgesError as exc:
        checks.append(from_error(r.PRESENTATION_PROOF, exc))
    reports: tuple[VerificationReport, ...] = ()
    if verified is None:
        checks.extend(skipped(c) for c in (r.CHALLENGE, r.DOMAIN))
        proof = checks[-3]
        checks.append(failed(r.HOLDER, r.HOLDER_MISMATCH,
                             "the presentation was not signed by its holder")
                      if proof.code == r.HOLDER_MISMATCH else skipped(r.HOLDER))
    else:
        checks.append(_expected(r.CHALLENGE, challenge,
                                [verified.nonce] if verified.nonce else [], "challenge",
                                "nonce", r.CHALLENGE_MISMATCH, warnings))
        checks.append(_expected(r.DOMAIN, domain, list(verified.aud), "domain", "aud",
                                r.DOMAIN_MISMATCH, warnings))
        embedded = verified.presentation.get("verifiableCredential", [])
        embedded = embedded if isinstance(embedded, list) else [embedded]
        check_one = verify_embedded or (lambda c: verify_embedded_credential(c, options))
        reports = tuple([await check_one(c) for c in embedded])
        checks.append(holder_check(verified.holder, {verified.holder}, reports,
                                   bind=holder_must_be_subject, warnings=warnings))
    document_id = presentation.get("id")
    return PresentationReport(
        checks=tuple(checks), checked_at=now, credentials=reports,
        document_id=document_id if isinstance(document_id, str) else None,
        warnings=tuple(warnings), holder=verified.holder if verified is not None else None)

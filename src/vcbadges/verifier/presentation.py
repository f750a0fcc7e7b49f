"""Verifying a presentation: the holder's proof, challenge, domain, holder, and each credential."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from vcbadges import report as r
from vcbadges.errors import VCBadgesError
from vcbadges.primitives.dates import utcnow
from vcbadges.proofs.di import VerifiedProof, verify_proofs
from vcbadges.report import Check, Outcome, PresentationReport, Problem, VerificationReport
from vcbadges.verifier.checks import (
    blocked_presentation,
    document_check,
    failed,
    from_error,
    skipped,
)
from vcbadges.verifier.credential import verify_embedded_credential
from vcbadges.verifier.options import VerifyOptions, parse_document

__all__ = ["holder_check", "verify_presentation"]


def _proof_values(proofs: list[VerifiedProof], name: str) -> list[Any]:
    return [p.proof.get(name) for p in proofs]


def _expected_check(
    check_id: str, expected: str | None, proofs: list[VerifiedProof], name: str, code: str,
    warnings: list[Problem],
) -> Check:
    if not proofs:
        return skipped(check_id)
    if expected is None:
        warnings.append(Problem(f"{check_id}_not_checked",
                                f"no expected {name} was given, so replay is not prevented"))
        return Check(check_id, Outcome.SKIPPED, r.NOT_APPLICABLE, f"no expected {name} given")
    for value in _proof_values(proofs, name):
        values = value if isinstance(value, list) else [value]
        if expected not in values:
            return failed(check_id, code, f"the presentation's {name} is not the expected one")
    return Check(check_id, Outcome.PASSED, r.OK, f"{name} matches")


def holder_check(
    holder: Any, signers: Collection[str], credentials: Sequence[VerificationReport],
    *, bind: bool, warnings: list[Problem],
) -> Check:
    """The holder signed the presentation and, when binding, is the subject of each credential.

    ``signers`` are the controllers the presentation's proofs were bound to (none: the proof
    failed, and the check is blocked). Subjects come from each credential's report, that is
    from the credential that was verified (inside a VC-JWT, never from an envelope around
    it). A subject named without an id (by a hashed e-mail address) cannot be bound to a key:
    that is said in a warning, in plain words.
    """
    if not signers:
        return skipped(r.HOLDER)
    holder_id = holder.get("id") if isinstance(holder, dict) else holder
    if holder_id is not None and not isinstance(holder_id, str):
        return failed(r.HOLDER, r.HOLDER_MISMATCH, "the holder must be one id")
    if holder_id is not None and holder_id not in signers:
        return failed(r.HOLDER, r.HOLDER_MISMATCH,
                       "the presentation was not signed by its holder")
    signer = holder_id if isinstance(holder_id, str) else sorted(signers)[0]
    if not bind:
        return Check(r.HOLDER, Outcome.PASSED, r.OK,
                     f"presented by {signer}; whether it is the subject was not asked")
    unbound = 0
    for report in credentials:
        if not report.verified:
            continue  # its own report says why; its subjects are not established
        ids = [s for s in report.subjects if s is not None]
        if not ids and report.subjects:
            unbound += 1
        elif signer not in ids:
            return failed(r.HOLDER, r.HOLDER_NOT_SUBJECT,
                           f"the holder {signer} is not the subject of every credential "
                           "presented")
    if unbound:
        warnings.append(Problem(r.SUBJECT_NOT_BOUND, (
            f"{unbound} of the credentials names its recipient by e-mail address, not by a "
            "key, so this presentation does not prove that the person presenting it is the "
            "recipient: confirm the e-mail address with them")))
    return Check(r.HOLDER, Outcome.PASSED, r.OK, f"presented by {signer}, the subject")


async def verify_presentation(
    document: Any,
    options: VerifyOptions,
    *,
    challenge: str | None,
    domain: str | None,
    holder_must_be_subject: bool = True,
) -> PresentationReport:
    """Verify a presentation, its holder's proof, and every credential inside it.

    The credentials are verified only once the holder's proof has verified: nothing is
    fetched on behalf of a presentation that is not genuine.
    """
    now = options.now or utcnow()
    doc, bad = parse_document(document)
    if bad is not None or doc is None:
        assert bad is not None
        return blocked_presentation(bad, now)
    warnings: list[Problem] = []
    doc_check, doc_hashes = await document_check(doc, "VerifiablePresentation", options)
    document_id = doc.get("id") if isinstance(doc.get("id"), str) else None
    if doc_check.outcome is not Outcome.PASSED:
        return blocked_presentation(doc_check, now, document_id)
    checks = [doc_check]
    proofs: list[VerifiedProof] = []
    try:
        proofs = await verify_proofs(
            doc, resolver=options.resolver, loader=options.loader, purpose="authentication",
            now=now, skew=options.skew, max_work=options.max_work, doc_hashes=doc_hashes)
        checks.append(Check(r.PRESENTATION_PROOF, Outcome.PASSED, r.OK, "holder's proof verified"))
    except VCBadgesError as exc:
        checks.append(from_error(r.PRESENTATION_PROOF, exc))
    checks.append(_expected_check(r.CHALLENGE, challenge, proofs, "challenge",
                                  r.CHALLENGE_MISMATCH, warnings))
    checks.append(_expected_check(r.DOMAIN, domain, proofs, "domain", r.DOMAIN_MISMATCH, warnings))
    embedded = doc.get("verifiableCredential", [])
    embedded = embedded if isinstance(embedded, list) else [embedded]
    reports: tuple[VerificationReport, ...] = ()
    if proofs:
        reports = tuple([await verify_embedded_credential(c, options) for c in embedded])
    signers = {p.method.controller for p in proofs}
    checks.append(holder_check(doc.get("holder"), signers, reports,
                               bind=holder_must_be_subject, warnings=warnings))
    holder = doc.get("holder")
    return PresentationReport(
        checks=tuple(checks), checked_at=now, credentials=reports, document_id=document_id,
        warnings=tuple(warnings), holder=holder if isinstance(holder, str) else None)

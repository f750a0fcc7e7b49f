"""Verifying one credential: the checks in report order, endorsements followed recursively."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from vcbadges import report as r
from vcbadges.credentials import vcdm
from vcbadges.errors import FetchError, VCBadgesError
from vcbadges.primitives.dates import utcnow
from vcbadges.proofs.di import verify_proofs
from vcbadges.proofs.jose import (
    looks_like_jwt,
    read_jwt_credential,
    token_from_envelope,
    verify_jwt_credential,
)
from vcbadges.report import Check, Outcome, Problem, VerificationReport
from vcbadges.status.check import ListVerification, check_status
from vcbadges.verifier.checks import (
    document_check,
    failed,
    from_error,
    issuer_check,
    issuer_trust_check,
    schema_check,
    skipped,
    validity_check,
)
from vcbadges.verifier.held import held_base_proof, held_proof_check
from vcbadges.verifier.options import (
    MAX_ENDORSEMENT_DEPTH,
    Checked,
    VerifyOptions,
    parse_document,
)

__all__ = ["verify_credential", "verify_embedded_credential", "verify_held_credential"]


def _embedded_endorsements(document: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Endorsements on the credential, its issuer profile and each subject's achievement."""
    places: list[tuple[str, Any]] = [("credential", document), ("issuer", document.get("issuer"))]
    places += [("achievement", s.get("achievement")) for s in vcdm.subjects(document)]
    for where, node in places:
        if not isinstance(node, dict):
            continue
        for key in ("endorsement", "endorsementJwt"):
            value = node.get(key)
            for item in value if isinstance(value, list) else [value] if value is not None else []:
                yield where, item


async def _endorsement_check(
    document: dict[str, Any], options: VerifyOptions, depth: int, warnings: list[Problem]
) -> Check:
    found = list(_embedded_endorsements(document))
    if not found:
        return Check(r.ENDORSEMENTS, Outcome.SKIPPED, r.NOT_APPLICABLE, "no endorsements")
    if depth >= MAX_ENDORSEMENT_DEPTH:
        warnings.append(Problem("endorsements_too_deep",
                                "endorsements nested this deep are not followed"))
        return Check(r.ENDORSEMENTS, Outcome.SKIPPED, "endorsements_too_deep",
                     f"endorsements nested more than {MAX_ENDORSEMENT_DEPTH} deep are not followed")
    summary = []
    for where, item in found:
        sub = await _verify(item, options, depth + 1, with_status=True)
        if sub.verified and "EndorsementCredential" not in sub.credential.get("type", []):
            sub_ok, reason = False, "not an EndorsementCredential"
        else:
            sub_ok = sub.verified
            bad = sub.first_failure()
            reason = f"{bad.id}: {bad.code}" if bad else ""
        summary.append({"on": where, "id": sub.document_id, "issuer": sub.credential.get("issuer"),
                        "verified": sub_ok, "reason": reason})
    bad_ones = [e for e in summary if not e["verified"]]
    if bad_ones:
        return failed(r.ENDORSEMENTS, r.ENDORSEMENT_INVALID,
                      f"{len(bad_ones)} of {len(summary)} endorsement(s) did not verify "
                      f"({bad_ones[0]['reason']})", endorsements=summary)
    return Check(r.ENDORSEMENTS, Outcome.PASSED, r.OK,
                 f"{len(summary)} endorsement(s) verified", {"endorsements": summary})


async def _status_checks(
    document: dict[str, Any], options: VerifyOptions, now: datetime, depth: int
) -> list[Check]:
    """One check per status entry; the list credential is itself verified (without status)."""
    if document.get("credentialStatus") is None:
        return []
    try:
        issuer = vcdm.issuer_id(document)
    except VCBadgesError:
        issuer = ""

    async def no_fetch(url: str) -> Any:
        raise FetchError("no fetcher is configured for status lists", code="fetch_disabled")

    async def verify_list(list_credential: dict[str, Any]) -> ListVerification:
        cache = options.verified_lists
        remembered = cache.get(list_credential) if cache is not None else None
        if remembered is not None:
            return remembered
        result = await _verify_list(list_credential)
        if cache is not None:
            cache.put(list_credential, result)
        return result

    async def _verify_list(list_credential: dict[str, Any]) -> ListVerification:
        report = await _verify(list_credential, options, depth + 1, with_status=False)
        bad = report.first_failure()
        try:
            list_issuer: str | None = vcdm.issuer_id(list_credential)
        except VCBadgesError:
            list_issuer = None
        return ListVerification(
            verified=report.verified, issuer=list_issuer, code=bad.code if bad else r.OK,
            message=f"{bad.id}: {bad.message}" if bad else "status list verified")

    return await check_status(document, issuer=issuer, fetch_list=options.fetch_json or no_fetch,
                              verify_list=verify_list, now=now, skew=options.skew)


async def verify_credential(document: Any, options: VerifyOptions) -> VerificationReport:
    """Verify one credential and return its report; never raises for a bad document."""
    return await _verify(document, options, 0, with_status=True)


async def verify_held_credential(document: Any, options: VerifyOptions) -> VerificationReport:
    """Verify a credential as its holder, who keeps it: as :func:`verify_credential` does, but
    an ecdsa-sd-2023 base proof is checked the way its holder can (see
    :mod:`vcbadges.verifier.held`) instead of being refused. Never raises for a bad
    document."""
    return await _verify(document, options, 0, with_status=True, held=True)


async def verify_embedded_credential(item: Any, options: VerifyOptions) -> VerificationReport:
    """Verify a credential found inside a presentation: a JSON object, a VC-JWT or an
    enveloped one. A credential written as JSON text inside a string is refused: nothing
    signed it in that form, and reading it would be one more spelling of the same claims."""
    if isinstance(item, str) and not looks_like_jwt(item.strip()):
        return _blocked(failed(r.DOCUMENT, r.NOT_AN_OBJECT,
                               "an embedded credential must be an object or a VC-JWT"),
                        options.now or utcnow())
    return await verify_credential(item, options)


def _jwt_token(document: Any) -> str | None:
    """The compact JWT in ``document``: a JWT string, or an EnvelopedVerifiableCredential."""
    if isinstance(document, dict):
        return token_from_envelope(document)
    if isinstance(document, (bytes, bytearray)):
        try:
            document = bytes(document).decode("ascii")
        except UnicodeDecodeError:
            return None
    if isinstance(document, str) and looks_like_jwt(document.strip()):
        return document.strip()
    return None


async def _di_proof(
    doc: dict[str, Any], options: VerifyOptions, now: datetime, doc_hashes: dict[str, bytes]
) -> tuple[Check, list[str]]:
    try:
        proofs = await verify_proofs(
            doc, resolver=options.resolver, loader=options.loader, purpose="assertionMethod",
            now=now, skew=options.skew, max_work=options.max_work, doc_hashes=doc_hashes)
    except VCBadgesError as exc:
        return from_error(r.PROOF, exc), []
    names = ", ".join(p.suite.name for p in proofs)
    return Check(r.PROOF, Outcome.PASSED, r.OK, f"{len(proofs)} proof(s) verified ({names})",
                 {"verification_methods": [p.method.id for p in proofs]}), [
        p.method.controller for p in proofs]


def _blocked(first: Check, now: datetime, doc: Any = None) -> VerificationReport:
    return VerificationReport(
        checks=(first, *(skipped(c) for c in r.CHECK_ORDER[1:])), checked_at=now,
        document_id=doc.get("id") if isinstance(doc, dict) and isinstance(doc.get("id"), str)
        else None,
        credential=vcdm.summary(doc) if isinstance(doc, dict) else {})


async def _proof_check(
    doc: dict[str, Any], options: VerifyOptions, now: datetime, doc_hashes: dict[str, bytes],
    *, held: bool,
) -> tuple[Check, list[str]]:
    """The ``proof`` check of a Data Integrity credential; for its holder (``held``), a base
    proof is checked through a full disclosure."""
    if held:
        try:
            base = held_base_proof(doc)
        except VCBadgesError as exc:
            return from_error(r.PROOF, exc), []
        if base is not None:
            return await held_proof_check(doc, base, options, now)
    return await _di_proof(doc, options, now, doc_hashes)


async def _verify(
    document: Any, options: VerifyOptions, depth: int, *, with_status: bool,
    held: bool = False,
) -> VerificationReport:
    now = options.now or utcnow()
    token = _jwt_token(document.value if isinstance(document, Checked) else document)
    jwt_proof: tuple[Check, list[str]] | None = None
    if token is not None:
        try:
            verified = await verify_jwt_credential(token, resolver=options.resolver, now=now,
                                                   skew=options.skew)
            doc: Any = verified.credential
            jwt_proof = (Check(r.PROOF, Outcome.PASSED, r.OK,
                               f"{verified.format} signature verified "
                               f"({verified.header.get('alg')})",
                               {"verification_methods": [verified.verification_method]}),
                         [verified.controller])
        except VCBadgesError as exc:
            try:
                doc = read_jwt_credential(token)
            except VCBadgesError as unreadable:
                return _blocked(from_error(r.DOCUMENT, unreadable), now)
            jwt_proof = (from_error(r.PROOF, exc), [])
    else:
        doc, bad = parse_document(document)
        if bad is not None or doc is None:
            assert bad is not None
            return _blocked(bad, now)
    warnings: list[Problem] = []
    doc_check, doc_hashes = await document_check(doc, "VerifiableCredential", options)
    if doc_check.outcome is not Outcome.PASSED:
        return _blocked(doc_check, now, doc)
    checks = [doc_check, schema_check(doc)]
    proof_check, signers = jwt_proof or await _proof_check(doc, options, now, doc_hashes,
                                                           held=held)
    checks.append(proof_check)
    proven = proof_check.outcome is Outcome.PASSED
    issuer = issuer_check(doc, signers) if proven else skipped(r.ISSUER)
    checks.append(issuer)
    # Nothing is fetched for a document whose proof failed: no status list, no registry,
    # no endorsement's keys. The checks that would fetch say they were not run. A registry's
    # name for the issuer is given only to a badge that issuer signed.
    checks.append(await issuer_trust_check(doc, options)
                  if issuer.outcome is Outcome.PASSED else skipped(r.ISSUER_TRUST))
    checks.append(validity_check(doc, now, options.skew))
    if with_status:
        checks.extend(await _status_checks(doc, options, now, depth) if proven
                      else _blocked_status(doc))
    checks.append(await _endorsement_check(doc, options, depth, warnings) if proven
                  else skipped(r.ENDORSEMENTS))
    document_id = doc.get("id") if isinstance(doc.get("id"), str) else None
    return VerificationReport(
        checks=tuple(checks), checked_at=now, document_id=document_id,
        warnings=tuple(warnings), credential=vcdm.summary(doc),
        subjects=tuple(s.get("id") if isinstance(s.get("id"), str) else None
                       for s in vcdm.subjects(doc)))


def _blocked_status(document: dict[str, Any]) -> list[Check]:
    """A skipped check per status entry, so the report shows what was not looked up."""
    value = document.get("credentialStatus")
    entries = value if isinstance(value, list) else [] if value is None else [value]
    purposes = [e.get("statusPurpose") if isinstance(e, dict) else None for e in entries]
    return [skipped(f"{r.STATUS_PREFIX}{p if isinstance(p, str) else 'entry'}")
            for p in purposes]

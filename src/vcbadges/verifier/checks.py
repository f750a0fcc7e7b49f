"""The individual checks shared by credentials and presentations."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from vcbadges import report as r
from vcbadges.credentials import vcdm
from vcbadges.credentials.schema import check_ob3, is_open_badge
from vcbadges.errors import DIDResolutionError, VCBadgesError
from vcbadges.jsonld.canon import canonicalize
from vcbadges.jsonld.expansion import getter_for, to_quads
from vcbadges.primitives.dates import is_after, is_before
from vcbadges.proofs.cryptosuites import ecdsa_sd_2023
from vcbadges.report import Check, Outcome, PresentationReport
from vcbadges.verifier.options import VerifyOptions
from vcbadges.verifier.reading import NONCANONICAL_SPELLING, spelling_mismatch

# DID resolution codes meaning "could not find out", as opposed to "found out it is wrong".
_UNDECIDED_DID_CODES = frozenset({"did_resolution_unavailable", "not_found_upstream"})


def failed(check_id: str, code: str, message: str, **detail: Any) -> Check:
    return Check(check_id, Outcome.FAILED, code, message, dict(detail))


def from_error(check_id: str, exc: VCBadgesError) -> Check:
    undecided = isinstance(exc, DIDResolutionError) and exc.code in _UNDECIDED_DID_CODES
    return Check(check_id, Outcome.ERROR if undecided else Outcome.FAILED, exc.code, exc.message)


def skipped(check_id: str, code: str = r.BLOCKED, message: str = "") -> Check:
    return Check(check_id, Outcome.SKIPPED, code,
                 message or "not checked because an earlier check failed")


def blocked_presentation(first: Check, now: datetime, document_id: str | None = None
                         ) -> PresentationReport:
    """A presentation report that stops at ``first``: every later check is blocked."""
    return PresentationReport(
        checks=(first, *(skipped(c) for c in r.PRESENTATION_CHECK_ORDER[1:])), checked_at=now,
        document_id=document_id)


async def document_check(
    document: dict[str, Any], required_type: str, options: VerifyOptions
) -> tuple[Check, dict[str, bytes]]:
    """Check the data model and run safe-mode JSON-LD over the unsecured document.

    Returns the check and, on success, the RDFC document hash so the proof check need not
    canonicalize the same document a second time.
    """
    try:
        vcdm.version_of(document)
        if required_type not in vcdm.types_of(document):
            return failed(r.DOCUMENT, "missing_type", f"type must include {required_type}"), {}
        unsecured = {k: v for k, v in document.items() if k != "proof"}
        get = await getter_for(document, options.loader)
        quads = to_quads(unsecured, get=get)
        mismatch = spelling_mismatch(unsecured, quads)
        if mismatch is not None:
            return failed(r.DOCUMENT, NONCANONICAL_SPELLING, mismatch), {}
        canonical = canonicalize(quads, max_work=options.max_work)
    except VCBadgesError as exc:
        return from_error(r.DOCUMENT, exc), {}
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return Check(r.DOCUMENT, Outcome.PASSED, r.OK, "well-formed JSON-LD; every term is defined"), {
        "rdfc": digest}


def _selectively_disclosed(document: dict[str, Any]) -> bool:
    """Whether a proof claims ecdsa-sd-2023 (the proof check decides whether it holds)."""
    proof = document.get("proof")
    proofs = proof if isinstance(proof, list) else [proof]
    return any(isinstance(p, dict) and p.get("cryptosuite") == ecdsa_sd_2023.NAME
               for p in proofs)


def schema_check(document: dict[str, Any]) -> Check:
    if not is_open_badge(document):
        return Check(r.SCHEMA, Outcome.SKIPPED, r.NOT_APPLICABLE, "not an Open Badges credential")
    issues = check_ob3(document, disclosed=_selectively_disclosed(document))
    if issues:
        first = issues[0]
        return failed(r.SCHEMA, r.SCHEMA_VIOLATION,
                       f"{first.path or '(document)'}: {first.message}",
                       issues=[{"path": i.path, "message": i.message} for i in issues])
    return Check(r.SCHEMA, Outcome.PASSED, r.OK, "conforms to the Open Badges 3.0 structure")


def issuer_check(document: dict[str, Any], signers: list[str]) -> Check:
    """The issuer must control a key that signed.

    ``signers`` are the controllers the proof check bound each signing key to; none at all
    (a key that speaks for nobody) is a mismatch, never a pass.
    """
    try:
        issuer = vcdm.issuer_id(document)
    except VCBadgesError as exc:
        return from_error(r.ISSUER, exc)
    controllers = set(signers)
    if issuer not in controllers:
        return failed(r.ISSUER, r.ISSUER_MISMATCH,
                       f"no proof was made with a key controlled by the issuer {issuer}",
                       controllers=sorted(controllers))
    return Check(r.ISSUER, Outcome.PASSED, r.OK, f"signed by the issuer {issuer}")


def _claimed_name(document: dict[str, Any]) -> str | None:
    name = vcdm.summary(document).get("issuerName")
    return name if isinstance(name, str) else None


async def issuer_trust_check(document: dict[str, Any], options: VerifyOptions) -> Check:
    """Whether a registry the verifier chose lists the issuer: a verdict of its own.

    The issuer's name inside a credential is whatever its signer wrote; only a registry
    entry confirms it. An unlisted issuer fails this check (``issuer_unknown``) with the
    name it claims, which pages show as a claim, never as a confirmed identity.
    """
    try:
        issuer = vcdm.issuer_id(document)
    except VCBadgesError as exc:
        return from_error(r.ISSUER_TRUST, exc)
    return await issuer_listing_check(issuer, _claimed_name(document), options)


async def issuer_listing_check(issuer: str, claimed: str | None, options: VerifyOptions) -> Check:
    """The ``issuer_trust`` check for an issuer id and the name it gives itself.

    Separate from reading a 3.0 credential, so that badges naming their issuer some other way
    (an Open Badges 2.0 issuer is the URL of its Profile) are judged by the same lists.
    """
    trusted = options.trusted_issuers
    known = trusted.get(issuer) if trusted is not None else None
    if known is not None:
        detail = {"name": known.name, "registry": "trusted issuer list",
                  **({"url": known.url} if known.url else {})}
        return Check(r.ISSUER_TRUST, Outcome.PASSED, r.ISSUER_LISTED,
                     f"{known.name}, on the trusted issuer list", detail)
    entry = await options.registries.lookup(issuer) if options.registries is not None else None
    if entry is not None:
        detail = {"name": entry.name, "registry": entry.registry,
                  **({"url": entry.url} if entry.url else {})}
        return Check(r.ISSUER_TRUST, Outcome.PASSED, r.ISSUER_LISTED,
                     f"{entry.name}, listed in {entry.registry}", detail)
    who = f"calls itself {claimed}" if claimed else f"is {issuer}"
    return failed(r.ISSUER_TRUST, r.ISSUER_UNKNOWN,
                  f"the issuer {who}; not in your trusted issuers",
                  claimed_name=claimed, issuer=issuer)


def validity_check(document: dict[str, Any], now: datetime, skew: timedelta) -> Check:
    """The credential is valid now, by the dates its data model defines.

    VCDM 1.1 requires ``issuanceDate``; VCDM 2.0 makes both dates optional, so a credential
    that states none is valid at any time, and the message says so rather than claiming a
    period it does not have.
    """
    try:
        start, end = vcdm.validity_window(document)
        version = vcdm.version_of(document)
    except VCBadgesError as exc:
        return from_error(r.VALIDITY, exc)
    if start is None and version == "1.1":
        return failed(r.VALIDITY, r.MISSING_VALID_FROM, "a VCDM 1.1 credential needs issuanceDate")
    if start is None and end is None:
        return Check(r.VALIDITY, Outcome.PASSED, r.OK, "states no validity period")
    if start is not None and is_before(now, start, skew):
        return failed(r.VALIDITY, r.NOT_YET_VALID, f"not valid before {start.isoformat()}")
    if end is not None and is_after(now, end, skew):
        return failed(r.VALIDITY, r.EXPIRED, f"expired at {end.isoformat()}")
    return Check(r.VALIDITY, Outcome.PASSED, r.OK, "within its validity period")

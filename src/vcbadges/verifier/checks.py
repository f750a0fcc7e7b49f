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
from vcbadges.report import Check, Outcome, Problem
from vcbadges.verifier.options import VerifyOptions

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
        canonical = canonicalize(to_quads(unsecured, get=get), max_work=options.max_work)
    except VCBadgesError as exc:
        return from_error(r.DOCUMENT, exc), {}
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return Check(r.DOCUMENT, Outcome.PASSED, r.OK, "well-formed JSON-LD; every term is defined"), {
        "rdfc": digest}


def schema_check(document: dict[str, Any]) -> Check:
    if not is_open_badge(document):
        return Check(r.SCHEMA, Outcome.SKIPPED, r.NOT_APPLICABLE, "not an Open Badges credential")
    issues = check_ob3(document)
    if issues:
        first = issues[0]
        return failed(r.SCHEMA, r.SCHEMA_VIOLATION,
                       f"{first.path or '(document)'}: {first.message}",
                       issues=[{"path": i.path, "message": i.message} for i in issues])
    return Check(r.SCHEMA, Outcome.PASSED, r.OK, "conforms to the Open Badges 3.0 structure")


def issuer_check(
    document: dict[str, Any], signers: list[str], options: VerifyOptions,
    warnings: list[Problem],
) -> Check:
    """The issuer must control a key that signed; a trust list names it or warns."""
    try:
        issuer = vcdm.issuer_id(document)
    except VCBadgesError as exc:
        return from_error(r.ISSUER, exc)
    controllers = set(signers)
    if issuer not in controllers:
        return failed(r.ISSUER, r.ISSUER_MISMATCH,
                       f"no proof was made with a key controlled by the issuer {issuer}",
                       controllers=sorted(controllers))
    trusted = options.trusted_issuers
    if trusted is None:
        return Check(r.ISSUER, Outcome.PASSED, r.OK, f"signed by the issuer {issuer}")
    known = trusted.get(issuer)
    if known is not None:
        detail = {"name": known.name, **({"url": known.url} if known.url else {})}
        return Check(r.ISSUER, Outcome.PASSED, r.TRUSTED_ISSUER,
                     f"signed by {known.name} ({issuer}), a trusted issuer", detail)
    warnings.append(Problem(r.UNKNOWN_ISSUER, f"{issuer} is not on the trusted issuer list"))
    return Check(r.ISSUER, Outcome.PASSED, r.UNKNOWN_ISSUER,
                 f"signed by the issuer {issuer}, which is not on the trusted issuer list")


def validity_check(document: dict[str, Any], now: datetime, skew: timedelta) -> Check:
    try:
        start, end = vcdm.validity_window(document)
    except VCBadgesError as exc:
        return from_error(r.VALIDITY, exc)
    if start is not None and now + skew < start:
        return failed(r.VALIDITY, r.NOT_YET_VALID, f"not valid before {start.isoformat()}")
    if end is not None and now - skew > end:
        return failed(r.VALIDITY, r.EXPIRED, f"expired at {end.isoformat()}")
    return Check(r.VALIDITY, Outcome.PASSED, r.OK, "within its validity period")

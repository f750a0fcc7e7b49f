"""The verification report: one shape for the library, the CLI, HTTP and the web pages.

A report is built check by check while verifying; it is never reconstructed afterwards from
another structure. ``verified`` is derived from the checks, so it cannot disagree with them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vcbadges.errors import VCBadgesError
from vcbadges.wire import camel_keys

__all__ = [
    "Outcome",
    "Check",
    "Problem",
    "VerificationReport",
    "PresentationReport",
    "VerificationFailed",
    "CHECK_ORDER",
    "PRESENTATION_CHECK_ORDER",
    "ADVISORY_CHECKS",
]


class Outcome(str, enum.Enum):
    """What one check concluded.

    ``failed`` means the document is invalid; ``error`` means the check could not decide
    (for example a status list was unreachable) and is never a pass; ``skipped`` means the
    check does not apply or an earlier fatal failure made it pointless.
    """

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


# Check ids, in report order.
DOCUMENT = "document"
SCHEMA = "schema"
PROOF = "proof"
ISSUER = "issuer"
ISSUER_TRUST = "issuer_trust"
VALIDITY = "validity"
STATUS_PREFIX = "status_"
ENDORSEMENTS = "endorsements"
PRESENTATION_PROOF = "presentation_proof"
CHALLENGE = "challenge"
DOMAIN = "domain"
HOLDER = "holder"

CHECK_ORDER = (DOCUMENT, SCHEMA, PROOF, ISSUER, ISSUER_TRUST, VALIDITY, ENDORSEMENTS)
# Checks that are a verdict of their own: whether the issuer is one the verifier recognises
# is reported beside ``verified`` (as ``issuerTrusted``), never folded into it, because
# "authentic, intact, current and not revoked" holds or fails whatever registries are set.
ADVISORY_CHECKS = frozenset({ISSUER_TRUST})
PRESENTATION_CHECK_ORDER = (DOCUMENT, PRESENTATION_PROOF, CHALLENGE, DOMAIN, HOLDER)

# Codes that appear in checks; error classes carry their own (see vcbadges.errors).
OK = "ok"
NOT_APPLICABLE = "not_applicable"
BLOCKED = "blocked_by_earlier_failure"
MALFORMED_JSON = "malformed_json"
NOT_AN_OBJECT = "not_an_object"
MISSING_CONTEXT = "missing_context"
UNKNOWN_CONTEXT = "unknown_context"
UNDEFINED_TERM = "undefined_term"
SCHEMA_VIOLATION = "schema_violation"
MISSING_PROOF = "missing_proof"
MALFORMED_PROOF = "malformed_proof"
UNSUPPORTED_CRYPTOSUITE = "unsupported_cryptosuite"
INVALID_SIGNATURE = "invalid_signature"
WRONG_PROOF_PURPOSE = "wrong_proof_purpose"
VERIFICATION_METHOD_NOT_AUTHORIZED = "verification_method_not_authorized"
PROOF_EXPIRED = "proof_expired"
PROOF_NOT_YET_VALID = "proof_created_in_future"
ISSUER_MISMATCH = "issuer_mismatch"
ISSUER_LISTED = "issuer_listed"
ISSUER_UNKNOWN = "issuer_unknown"
EXPIRED = "expired"
NOT_YET_VALID = "not_yet_valid"
MISSING_VALID_FROM = "missing_valid_from"
INVALID_DATE = "invalid_date"
STATUS_NOT_CHECKED = "status_not_checked"
CHALLENGE_MISMATCH = "challenge_mismatch"
DOMAIN_MISMATCH = "domain_mismatch"
HOLDER_NOT_SUBJECT = "holder_not_subject"
HOLDER_MISMATCH = "holder_mismatch"
SUBJECT_NOT_BOUND = "subject_not_bound"
CREDENTIAL_INVALID = "credential_invalid"
ENDORSEMENT_INVALID = "endorsement_invalid"
# The proof check passed for the holder of an ecdsa-sd-2023 base proof (never for a verifier,
# who is refused a base proof with ``base_proof_presented``).
BASE_PROOF_CHECKED_BY_HOLDER = "base_proof_checked_by_holder"


@dataclass(frozen=True)
class Check:
    """The result of one named check; ``detail`` holds machine-readable extras, keyed by
    Python names (often keyword arguments) and camelCased in :meth:`to_json`."""

    id: str
    outcome: Outcome
    code: str = OK
    message: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "outcome": self.outcome.value,
            "code": self.code,
            "message": self.message,
        }
        if self.detail:
            out["detail"] = camel_keys(self.detail)
        return out


@dataclass(frozen=True)
class Problem:
    """A report-level error or warning that is not tied to one check."""

    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class VerificationFailed(VCBadgesError):
    """Raised by ``raise_for_failure`` when a report is not verified."""

    code = "verification_failed"


def _check_json(checks: tuple[Check, ...]) -> list[dict[str, Any]]:
    return [c.to_json() for c in checks]


def _is_verified(checks: tuple[Check, ...], errors: tuple[Problem, ...]) -> bool:
    """Fail closed: every check that applies passed.

    A skipped check counts only when a rule said it does not apply (``not_applicable``); a
    check skipped for any other reason (blocked by an earlier failure, too deep to follow)
    did not run, and a check that did not run is not a pass. Advisory checks are left out.
    """
    if errors:
        return False
    counted = [c for c in checks if c.id not in ADVISORY_CHECKS]
    return all(c.outcome is Outcome.PASSED
               or (c.outcome is Outcome.SKIPPED and c.code == NOT_APPLICABLE)
               for c in counted) and any(c.outcome is Outcome.PASSED for c in counted)


def _first_bad(checks: tuple[Check, ...]) -> Check | None:
    """The first check that keeps a report from being verified."""
    return next((c for c in checks if c.id not in ADVISORY_CHECKS and not (
        c.outcome is Outcome.PASSED
        or (c.outcome is Outcome.SKIPPED and c.code == NOT_APPLICABLE))), None)


@dataclass(frozen=True)
class VerificationReport:
    """What ``verify`` found about one credential.

    ``verified`` is true only when no check failed or hit an error and ``errors`` is empty.
    ``credential`` summarises the document for display (id, issuer, name, achievement).
    ``subjects`` are the ``credentialSubject`` ids of the credential that was checked (for a
    VC-JWT, the one inside the token), ``None`` for a subject named without an id (by a
    hashed e-mail address, say); a presentation's holder rule reads them from here.
    """

    checks: tuple[Check, ...]
    checked_at: datetime
    document_id: str | None = None
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    credential: dict[str, Any] = field(default_factory=dict)
    subjects: tuple[str | None, ...] = ()

    @property
    def verified(self) -> bool:
        return _is_verified(self.checks, self.errors)

    @property
    def issuer_trusted(self) -> bool:
        """Whether a registry the verifier chose lists the issuer (the ``issuer_trust`` check)."""
        return any(c.id == ISSUER_TRUST and c.outcome is Outcome.PASSED for c in self.checks)

    def first_failure(self) -> Check | None:
        """The first check that keeps the report from being verified (never an advisory one,
        which does not), or None."""
        return _first_bad(self.checks)

    def check(self, check_id: str) -> Check:
        """Return the check named ``check_id``; raise ``KeyError`` if the report has none."""
        for c in self.checks:
            if c.id == check_id:
                return c
        raise KeyError(check_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "issuerTrusted": self.issuer_trusted,
            "documentId": self.document_id,
            "checkedAt": self.checked_at.isoformat().replace("+00:00", "Z"),
            "checks": _check_json(self.checks),
            "errors": [p.to_json() for p in self.errors],
            "warnings": [p.to_json() for p in self.warnings],
            "credential": self.credential,
        }

    def raise_for_failure(self) -> None:
        """Raise :class:`VerificationFailed` naming the first failing check, if any."""
        if self.verified:
            return
        bad = _first_bad(self.checks)
        if bad is not None:
            raise VerificationFailed(f"{bad.id}: {bad.message}", code=bad.code)
        first = self.errors[0] if self.errors else Problem("verification_failed", "not verified")
        raise VerificationFailed(first.message, code=first.code)


@dataclass(frozen=True)
class PresentationReport:
    """What ``verify`` found about a presentation and each credential inside it."""

    checks: tuple[Check, ...]
    checked_at: datetime
    credentials: tuple[VerificationReport, ...] = ()
    document_id: str | None = None
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    holder: str | None = None

    @property
    def verified(self) -> bool:
        return _is_verified(self.checks, self.errors) and all(
            r.verified for r in self.credentials
        )

    def check(self, check_id: str) -> Check:
        """Return the check named ``check_id``; raise ``KeyError`` if the report has none."""
        for c in self.checks:
            if c.id == check_id:
                return c
        raise KeyError(check_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "documentId": self.document_id,
            "holder": self.holder,
            "checkedAt": self.checked_at.isoformat().replace("+00:00", "Z"),
            "checks": _check_json(self.checks),
            "errors": [p.to_json() for p in self.errors],
            "warnings": [p.to_json() for p in self.warnings],
            "credentials": [r.to_json() for r in self.credentials],
        }

    def raise_for_failure(self) -> None:
        """Raise :class:`VerificationFailed` for the presentation or its first bad credential."""
        if self.verified:
            return
        bad = _first_bad(self.checks)
        if bad is not None:
            raise VerificationFailed(f"{bad.id}: {bad.message}", code=bad.code)
        for r in self.credentials:
            r.raise_for_failure()
        first = self.errors[0] if self.errors else Problem("verification_failed", "not verified")
        raise VerificationFailed(first.message, code=first.code)

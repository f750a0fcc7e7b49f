"""Verifying an Open Badges 2.0 assertion, reported like a 3.0 credential.

The 2.0 rules live in :mod:`vcbadges.credentials.ob2`; this module runs them in report order
and turns what each step found into checks by the rules every other report follows: the
same helpers, the same clock and clock skew (``options.now``, ``options.skew``), the same
advisory ``issuer_trust`` verdict, and nothing fetched on behalf of an assertion whose proof
failed. A caller thus reads one report shape whatever the badge generation.

The checks, in report order: ``document``, ``schema``, ``proof``, ``issuer``,
``issuer_trust``, ``validity``, ``status_revocation`` and ``recipient`` (the recipient
comparison the 2.0 spec makes part of verification, "Verification"). A 2.0 problem is a
``failed`` check, a document that could not be fetched an ``error`` check (undecided), never
a pass.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vcbadges import report as r
from vcbadges.credentials.ob2 import (
    Documents,
    HostedCopy,
    InvalidObject,
    Mode,
    Presented,
    Resolution,
    Revocation,
    SigningKey,
    UnreachableDocument,
    check_hosted_scope,
    check_key_binding,
    declared_revocation,
    document_issue,
    hosted_copy,
    listed_revocation,
    mode_of,
    parse_assertion,
    recipient_matches,
    resolve,
    revocation_list_url,
    schema_issues,
    signing_key,
    summary,
    validity_dates,
)
from vcbadges.errors import FetchError, StatusError, VCBadgesError
from vcbadges.primitives.dates import is_after, is_before, utcnow
from vcbadges.report import Check, Outcome, Problem, VerificationReport
from vcbadges.verifier.checks import failed, from_error, issuer_listing_check, skipped
from vcbadges.verifier.options import VerifyOptions

__all__ = ["OB2_CHECK_ORDER", "RECIPIENT", "STATUS_REVOCATION", "verify_ob2_assertion"]

# Check ids beyond those of report.py: 2.0 has exactly one status mechanism, revocation.
STATUS_REVOCATION = f"{r.STATUS_PREFIX}revocation"
RECIPIENT = "recipient"
OB2_CHECK_ORDER = (r.DOCUMENT, r.SCHEMA, r.PROOF, r.ISSUER, r.ISSUER_TRUST, r.VALIDITY,
                   STATUS_REVOCATION, RECIPIENT)

LEGACY_OB2 = "legacy_ob2"
OB2_REVOKED_AT_SOURCE = "ob2_revoked_at_source"
REVOKED = "revoked"
RECIPIENT_MISMATCH = "recipient_mismatch"


def _passed(check_id: str, message: str, **detail: Any) -> Check:
    return Check(check_id, Outcome.PASSED, r.OK, message, dict(detail))


def _detail(exc: VCBadgesError) -> dict[str, Any]:
    return dict(exc.detail) if isinstance(exc, (InvalidObject, UnreachableDocument)) else {}


def _error_check(check_id: str, exc: VCBadgesError) -> Check:
    """:func:`from_error`, where every document is fetched: an unreachable one, or a revocation
    list that cannot be relied on, leaves the check undecided; the URL or key at fault is kept."""
    check = from_error(check_id, exc)
    undecided = isinstance(exc, (FetchError, StatusError))
    return Check(check_id, Outcome.ERROR if undecided else check.outcome, check.code,
                 check.message, _detail(exc))


async def _hosted_proof(
    presented: Presented, docs: Documents
) -> tuple[Check, HostedCopy | None]:
    try:
        copy = await hosted_copy(presented, docs)
    except VCBadgesError as exc:
        return _error_check(r.PROOF, exc), None
    if copy.notice is not None:
        return Check(r.PROOF, Outcome.SKIPPED, OB2_REVOKED_AT_SOURCE, copy.notice), copy
    return _passed(r.PROOF, f"the issuer hosts this assertion at {presented.doc['id']}"), copy


async def _signed_proof(
    presented: Presented, found: Resolution, docs: Documents
) -> tuple[Check, SigningKey | None]:
    try:
        key = await signing_key(presented, found, docs)
    except VCBadgesError as exc:
        return _error_check(r.PROOF, exc), None
    return _passed(r.PROOF, f"RS256 signature verified with the key {key.id}", key=key.id), key


def _issuer_check(
    doc: dict[str, Any], mode: Mode, found: Resolution, proof: Check, key: SigningKey | None
) -> Check:
    """The linkage of spec "Verification": the issuer of the BadgeClass awarded this assertion."""
    if found.error is not None:
        return _error_check(r.ISSUER, found.error)
    if proof.outcome in (Outcome.FAILED, Outcome.ERROR):
        return skipped(r.ISSUER)
    assert found.profile is not None and found.badge is not None
    profile = found.profile
    try:
        if mode == "hosted":
            check_hosted_scope(doc, profile)
        else:
            assert key is not None  # The proof passed with it.
            check_key_binding(key, profile)
    except VCBadgesError as exc:
        return _error_check(r.ISSUER, exc)
    return _passed(r.ISSUER, f"awarded by {profile.get('name')} ({profile['id']}), the issuer "
                   "of the BadgeClass", issuer=profile["id"], badge=found.badge.get("id"))


async def _issuer_trust_check(found: Resolution, issuer: Check, options: VerifyOptions
                              ) -> Check:
    """The 2.0 issuer is its hosted Profile: its URL is the id, its ``name`` the claim.

    Not consulted unless the issuer check passed: a registry's name is given only to a badge
    the issuer is known to stand behind.
    """
    if issuer.outcome is not Outcome.PASSED or found.profile is None:
        return skipped(r.ISSUER_TRUST)
    name = found.profile.get("name")
    return await issuer_listing_check(str(found.profile["id"]),
                                      name if isinstance(name, str) else None, options)


def _validity_check(doc: dict[str, Any], now: datetime, options: VerifyOptions) -> Check:
    """Spec "Assertion": ``issuedOn`` not in the future, ``expires`` not passed, each judged
    with the clock skew 3.0 credentials get; a difference of instants, so a date at either end
    of the calendar cannot overflow."""
    issued, expires = validity_dates(doc)
    if is_before(now, issued, options.skew):
        return failed(r.VALIDITY, r.NOT_YET_VALID,
                      f"issued on {issued.isoformat()}, which is in the future")
    if expires is not None and is_after(now, expires, options.skew):
        return failed(r.VALIDITY, r.EXPIRED, f"expired at {expires.isoformat()}")
    return _passed(r.VALIDITY, "issued in the past and not expired")


def _revoked(revocation: Revocation) -> Check:
    message = f"revoked by the issuer ({revocation.where})"
    if revocation.reason:
        message += f": {revocation.reason}"
    return failed(STATUS_REVOCATION, REVOKED, message,
                  **({"reason": revocation.reason} if revocation.reason is not None else {}))


def _hosted_status(proof: Check, copy: HostedCopy | None) -> Check:
    """Spec "Revoking Hosted Assertions": the issuer's hosted copy says ``revoked: true``."""
    revocation = declared_revocation(copy.document, "hosted assertion") if copy else None
    if revocation is not None:
        return _revoked(revocation)
    if proof.outcome is Outcome.ERROR:
        return Check(STATUS_REVOCATION, Outcome.ERROR, proof.code,
                     "the hosted assertion could not be fetched, so whether it is revoked "
                     "is unknown", proof.detail)
    if proof.outcome is not Outcome.PASSED:
        return skipped(STATUS_REVOCATION)
    return _passed(STATUS_REVOCATION, "the issuer's hosted copy is not revoked")


async def _signed_status(
    doc: dict[str, Any], proof: Check, found: Resolution, docs: Documents
) -> Check:
    """The signed assertion's own ``revoked``, then the issuer's RevocationList, which is
    fetched only once the signature verified."""
    if proof.outcome is not Outcome.PASSED:
        return skipped(STATUS_REVOCATION)
    if found.profile is None:
        if isinstance(found.error, FetchError):
            return Check(STATUS_REVOCATION, Outcome.ERROR, found.error.code,
                         "the issuer Profile could not be fetched, so its revocation list is "
                         "unknown", _detail(found.error))
        return skipped(STATUS_REVOCATION)
    revocation = declared_revocation(doc, "signed assertion")
    if revocation is not None:
        return _revoked(revocation)
    url = revocation_list_url(found.profile)
    if url is None:
        return Check(STATUS_REVOCATION, Outcome.SKIPPED, r.NOT_APPLICABLE,
                     "does not apply: the issuer publishes no revocation list")
    try:
        revocation = await listed_revocation(doc, url, found.profile, docs)
    except VCBadgesError as exc:
        return _error_check(STATUS_REVOCATION, exc)
    if revocation is not None:
        return _revoked(revocation)
    return _passed(STATUS_REVOCATION, f"not listed in the issuer's revocation list {url}",
                   revocation_list=url)


def _recipient_check(doc: dict[str, Any], expected: str | None) -> Check:
    if expected is None:
        return Check(RECIPIENT, Outcome.SKIPPED, r.NOT_APPLICABLE,
                     "no recipient identity was given to compare")
    if not recipient_matches(doc, expected):
        return failed(RECIPIENT, RECIPIENT_MISMATCH,
                      f"the badge was not awarded to {expected.strip()}")
    return _passed(RECIPIENT, f"awarded to {expected.strip()}")


def _report(
    checks: list[Check], now: datetime, doc: dict[str, Any] | None,
    found: Resolution | None = None,
) -> VerificationReport:
    done = {c.id for c in checks}
    checks = checks + [skipped(c) for c in OB2_CHECK_ORDER if c not in done]
    document_id = doc.get("id") if doc is not None and isinstance(doc.get("id"), str) else None
    return VerificationReport(
        checks=tuple(checks), checked_at=now, document_id=document_id,
        warnings=(Problem(LEGACY_OB2, "Open Badges 2.0 assertion: verified by the 2.0 rules"),),
        credential=summary(doc, found) if doc is not None else {})


async def verify_ob2_assertion(
    assertion: Any, options: VerifyOptions, *, recipient: str | None
) -> VerificationReport:
    """Verify an Open Badges 2.0 assertion and return a report in our 3.0 shape.

    ``assertion`` is a hosted assertion (a JSON object, or its JSON text) or a signed one (a
    compact JWS string). Every BadgeClass, Profile, key, revocation list and hosted copy is
    read through ``options.fetch_json``; without it they are unreachable, so the checks that
    need them end in ``error``. With ``recipient`` (an email address, URL or telephone number)
    the ``recipient`` check compares it with the assertion's recipient, plain or hashed;
    without it that check does not apply.

    Never raises for a bad assertion or bad fetched documents: the report says what is wrong.
    Raises ``ValueError`` only for a naive ``options.now``, which is a programming mistake.
    """
    now = options.now or utcnow()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    try:
        presented = parse_assertion(assertion)
    except VCBadgesError as exc:
        return _report([_error_check(r.DOCUMENT, exc)], now, None)
    doc = presented.doc
    issue = document_issue(doc)
    if issue is not None:
        return _report([failed(r.DOCUMENT, issue.code, issue.message, field=issue.path)], now,
                       doc)
    document = _passed(r.DOCUMENT, "an Open Badges 2.0 Assertion with every required property")
    issues = schema_issues(doc)
    if issues:
        first = issues[0]
        return _report([document, failed(r.SCHEMA, first.code, f"{first.path}: {first.message}",
                                         issues=[i.to_json() for i in issues])], now, doc)
    schema = _passed(r.SCHEMA, "conforms to the Open Badges 2.0 structure")
    mode = mode_of(doc)
    docs = Documents(options.fetch_json)
    # The BadgeClass and Profile come first although their check is reported after the proof:
    # a signed assertion without ``creator`` is verified with the Profile's keys.
    found = await resolve(doc, docs)
    key: SigningKey | None = None
    if mode == "hosted":
        proof, copy = await _hosted_proof(presented, docs)
        status = _hosted_status(proof, copy)
    else:
        proof, key = await _signed_proof(presented, found, docs)
        status = await _signed_status(doc, proof, found, docs)
    issuer = _issuer_check(doc, mode, found, proof, key)
    checks = [
        document,
        schema,
        proof,
        issuer,
        await _issuer_trust_check(found, issuer, options),
        _validity_check(doc, now, options),
        status,
        _recipient_check(doc, recipient),
    ]
    return _report(checks, now, doc, found)

"""Open Badges 2.0 assertions, verified by the 2.0 rules and reported like our 3.0 credentials.

Badges issued before Open Badges 3.0 are still presented every day, so a verifier that only
understands Verifiable Credentials would turn away most of the badges people actually hold.
This module verifies an Open Badges 2.0 ``Assertion`` (IMS Final Release, 12 April 2018) and
returns the same :class:`~vcbadges.report.VerificationReport` as our 3.0 verification, so a
caller reads one shape whatever the badge generation.

An Open Badges 2.0 assertion is trusted in one of two ways (spec "VerificationObject"):

- **hosted** (``HostedBadge``): the issuer serves the assertion at its ``id``. Only the copy
  fetched from there is the issuer's word (spec "HostedBadge Verification"), so the copy that
  was presented must equal it, and the ``id`` must lie within the scope that the issuer Profile
  allows (``allowedOrigins``/``startsWith``, or by default the issuer ``id``'s origin).
- **signed** (``SignedBadge``): the assertion is the payload of a compact JWS signed with
  RS256 by a key that the issuer Profile links to (spec "SignedBadge Verification" and
  "CryptographicKey"): the key document names the issuer as its ``owner`` and the issuer
  Profile lists the key in ``publicKey``. Revocation is the issuer's ``revocationList``.
  The JWS is read and its signature checked by the JOSE core every JWT of this package goes
  through (:mod:`vcbadges.proofs._jws`); the key binding is 2.0's own, the hosted Profile
  standing where 3.0 has the issuer's DID document.

The checks, in report order: ``document``, ``schema``, ``proof``, ``issuer``, ``validity``,
``status_revocation`` and ``recipient``. Nothing here raises because a document is bad: every
problem becomes a ``failed`` check (the badge is invalid) or an ``error`` check (we could not
decide, for example a document was unreachable), never a pass. The only network access is the
injected ``fetch_json``; in production it is the SSRF-safe fetcher.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal
from urllib.parse import urlsplit

from vcbadges import report as r
from vcbadges.errors import (
    CredentialError,
    FetchError,
    InvalidProof,
    KeyFormatError,
    ProofError,
    StatusError,
    VCBadgesError,
)
from vcbadges.primitives.jsonlimits import within_depth
from vcbadges.primitives.keys import WEAK_RSA_KEY, RSAPublicKey
from vcbadges.proofs import _jws
from vcbadges.report import Check, Outcome, Problem, VerificationReport

__all__ = [
    "OB2_CONTEXT",
    "OB2_CHECK_ORDER",
    "RECIPIENT",
    "STATUS_REVOCATION",
    "verify_ob2",
]

FetchJSON = Callable[[str], Awaitable[Any]]

#: The JSON-LD context every Open Badges 2.0 document names (spec "Introduction").
OB2_CONTEXT = "https://w3id.org/openbadges/v2"
# The w3id.org URL redirects here; some publishers name the target directly.
_OB2_CONTEXTS = frozenset({OB2_CONTEXT, "https://openbadgespec.org/v2/context.json"})
_OB2_VOCAB = "https://w3id.org/openbadges#"

# Check ids beyond those of report.py: 2.0 has exactly one status mechanism, revocation, and
# the recipient comparison that the 2.0 spec makes part of verification ("Verification").
STATUS_REVOCATION = f"{r.STATUS_PREFIX}revocation"
RECIPIENT = "recipient"
OB2_CHECK_ORDER = (r.DOCUMENT, r.SCHEMA, r.PROOF, r.ISSUER, r.VALIDITY, STATUS_REVOCATION,
                   RECIPIENT)

# Report codes of this module (snake_case, like those of report.py).
LEGACY_OB2 = "legacy_ob2"
OB2_FETCH_FAILED = "ob2_fetch_failed"
OB2_MALFORMED_JWS = "ob2_malformed_jws"
OB2_WRONG_CONTEXT = "ob2_wrong_context"
OB2_MISSING_FIELD = "ob2_missing_field"
OB2_WRONG_TYPE = "ob2_wrong_type"
OB2_INVALID_IDENTITY_HASH = "ob2_invalid_identity_hash"
OB2_VERIFICATION_TYPE_MISMATCH = "ob2_verification_type_mismatch"
OB2_HOSTED_ID_NOT_HTTPS = "ob2_hosted_id_not_https"
OB2_HOSTED_MISMATCH = "ob2_hosted_mismatch"
OB2_REVOKED_AT_SOURCE = "ob2_revoked_at_source"
OB2_UNSUPPORTED_ALGORITHM = "ob2_unsupported_algorithm"
OB2_INVALID_KEY = "ob2_invalid_key"
OB2_WEAK_KEY = "ob2_weak_key"
OB2_NO_KEY = "ob2_no_key"
OB2_ID_MISMATCH = "ob2_id_mismatch"
OB2_UNRESOLVABLE_ID = "ob2_unresolvable_id"
OB2_BADGE_ISSUER_MISMATCH = "ob2_badge_issuer_mismatch"
OB2_ORIGIN_MISMATCH = "ob2_origin_mismatch"
OB2_UNSUPPORTED_VERIFICATION_PROPERTY = "ob2_unsupported_verification_property"
OB2_KEY_OWNER_MISMATCH = "ob2_key_owner_mismatch"
OB2_KEY_NOT_IN_PROFILE = "ob2_key_not_in_profile"
OB2_REVOCATION_LIST_INVALID = "ob2_revocation_list_invalid"
REVOKED = "revoked"
RECIPIENT_MISMATCH = "recipient_mismatch"

#: How far in the future ``issuedOn`` may lie before the assertion counts as not yet issued.
ISSUED_ON_SKEW = timedelta(minutes=5)
MAX_INPUT_CHARS = 1 << 20
MAX_JSON_DEPTH = 64

_HOSTED_TYPES = frozenset({"HostedBadge", "hosted", f"{_OB2_VOCAB}HostedBadge"})
_SIGNED_TYPES = frozenset({"SignedBadge", "signed", f"{_OB2_VOCAB}SignedBadge"})
_ASSERTION_TYPES = frozenset({"Assertion", f"{_OB2_VOCAB}Assertion"})
_BADGE_CLASS_TYPES = frozenset({"BadgeClass", f"{_OB2_VOCAB}BadgeClass"})
_PROFILE_TYPES = frozenset({"Issuer", "Profile", f"{_OB2_VOCAB}Issuer",
                            f"{_OB2_VOCAB}Profile"})
_KEY_TYPES = frozenset({"CryptographicKey", "https://w3id.org/security#Key"})
_REVOCATION_LIST_TYPES = frozenset({"RevocationList", f"{_OB2_VOCAB}RevocationList"})

# Spec "Primitive datatypes", DateTime: ISO 8601 with a time and a time zone indicator;
# seconds and fractions are optional. Unix timestamps (allowed before 2.0) are refused.
_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")
# Spec "Primitive datatypes", IdentityHash: ``md5$`` or ``sha256$`` then hex in either case.
_IDENTITY_HASH = re.compile(r"^(sha256\$[0-9a-fA-F]{64}|md5\$[0-9a-fA-F]{32})$")
_IRI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")

Mode = Literal["hosted", "signed"]


class _Invalid(CredentialError):
    """A badge object that breaks a 2.0 rule; ``detail`` goes into the report check."""

    def __init__(self, message: str, *, code: str, **detail: Any) -> None:
        super().__init__(message, code=code)
        self.detail = dict(detail)


class _Unreachable(FetchError):
    """``fetch_json`` could not deliver a document: the check could not decide."""

    code = OB2_FETCH_FAILED

    def __init__(self, url: str, what: str, cause: VCBadgesError) -> None:
        super().__init__(f"the {what} at {url} could not be fetched: {cause.message}")
        self.detail = {"url": url, "cause": cause.code}
        # Spec "Revoking Hosted Assertions": 410 Gone means revoked. Our fetcher reports an
        # HTTP status on its error as ``status``; other fetchers simply never say "gone".
        self.gone = getattr(cause, "status", None) == 410


@dataclass(frozen=True)
class _Presented:
    """The assertion as presented: its JSON object, and for a JWS the compact text and header."""

    doc: dict[str, Any]
    compact: str | None = None
    header: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Resolution:
    """The BadgeClass and the hosted issuer Profile behind an assertion, or why they are missing."""

    badge: dict[str, Any] | None = None
    profile: dict[str, Any] | None = None
    error: VCBadgesError | None = None


class _Documents:
    """Fetches each URL at most once per verification, so one slow host costs one timeout."""

    def __init__(self, fetch_json: FetchJSON) -> None:
        self._fetch_json = fetch_json
        self._found: dict[str, Any] = {}
        self._failed: dict[str, VCBadgesError] = {}

    async def get(self, url: str, what: str) -> dict[str, Any]:
        """Return the JSON object at ``url``; raise ``_Unreachable`` or ``_Invalid``."""
        if url in self._failed:
            raise _Unreachable(url, what, self._failed[url])
        if url not in self._found:
            try:
                self._found[url] = await self._fetch_json(url)
            except VCBadgesError as exc:
                self._failed[url] = exc
                raise _Unreachable(url, what, exc) from exc
        value = self._found[url]
        if not isinstance(value, dict):
            raise _Invalid(f"the {what} at {url} is not a JSON object", code=OB2_WRONG_TYPE,
                           url=url)
        return value


# --------------------------------------------------------------------------- small helpers


def _check(check_id: str, outcome: Outcome, code: str, message: str, **detail: Any) -> Check:
    return Check(check_id, outcome, code, message, dict(detail))


def _passed(check_id: str, message: str, **detail: Any) -> Check:
    return _check(check_id, Outcome.PASSED, r.OK, message, **detail)


def _skipped(check_id: str, code: str = r.BLOCKED, message: str = "") -> Check:
    return Check(check_id, Outcome.SKIPPED, code,
                 message or "not checked because an earlier check failed")


def _from_error(check_id: str, exc: VCBadgesError) -> Check:
    """An unreachable document or status list means "could not decide"; anything else is invalid."""
    undecided = isinstance(exc, (FetchError, StatusError))
    detail = getattr(exc, "detail", None)
    return Check(check_id, Outcome.ERROR if undecided else Outcome.FAILED, exc.code, exc.message,
                 dict(detail) if isinstance(detail, dict) else {})


def _as_list(value: Any) -> list[Any]:
    """JSON-LD treats a single value and a one-element array alike (spec "Primitive datatypes")."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(obj: dict[str, Any]) -> list[str]:
    return [t for t in _as_list(obj.get("type")) if isinstance(t, str)]


def _is_iri(value: Any) -> bool:
    return isinstance(value, str) and _IRI_SCHEME.match(value) is not None


def _is_http_url(value: Any, *, https_only: bool = False) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - an out-of-range port raises here, not later.
    except ValueError:
        return False
    schemes = ("https",) if https_only else ("http", "https")
    return parts.scheme in schemes and bool(parts.hostname)


def _ref_id(value: Any) -> str | None:
    """The ``id`` of an @id-typed property, given as an IRI string or an embedded object."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def _verification(doc: dict[str, Any]) -> Any:
    """The assertion's VerificationObject; ``verify`` is the 2.0 context's alias for it."""
    return doc["verification"] if "verification" in doc else doc.get("verify")


def _same_json(a: Any, b: Any) -> bool:
    """JSON equality: key order is irrelevant, but ``true`` is not ``1`` (as it is in Python)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_json(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


def parse_ob2_datetime(value: Any) -> datetime:
    """Parse a 2.0 DateTime (spec "Primitive datatypes"); raise ``ValueError`` otherwise.

    Seconds are optional and a time zone indicator is required, as the spec says; the result
    is an aware datetime in UTC.
    """
    if not isinstance(value, str):
        raise ValueError("a DateTime must be a string")
    match = _DATETIME.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not an ISO 8601 date-time with a time zone")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or ".0")[1:7].ljust(6, "0"))
    if zone == "Z":
        tz = UTC
    else:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        return datetime(int(year), int(month), int(day), int(hour), int(minute),
                        int(second or 0), micro, tzinfo=tz).astimezone(UTC)
    except OverflowError as exc:  # Year 1 or 9999 shifted past the calendar by its offset.
        raise ValueError(f"{value!r} is outside the supported range of dates") from exc


# --------------------------------------------------------------------------- document


def _b64url_json(part: str, what: str) -> Any:
    """Decode one compact JWS segment; strict, because lenient base64 hides tampering."""
    try:
        raw = _jws.b64url_decode_strict(part, what)
    except ProofError as exc:
        raise _Invalid(f"the JWS {what} is not base64url", code=OB2_MALFORMED_JWS) from exc
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise _Invalid(f"the JWS {what} is not JSON", code=r.MALFORMED_JSON) from exc


def _parse(assertion: Any) -> _Presented:
    """Accept a JSON object, JSON text, or a compact JWS (spec "SignedBadge Verification" 1-2)."""
    if isinstance(assertion, str):
        text = assertion.strip()
        if len(text) > MAX_INPUT_CHARS:
            raise _Invalid("the assertion exceeds 1 MiB", code="document_too_large")
        if text.startswith("{"):
            try:
                assertion = json.loads(text)
            except (ValueError, RecursionError) as exc:
                raise _Invalid(f"the assertion is not valid JSON: {exc}",
                               code=r.MALFORMED_JSON) from exc
            return _Presented(_checked_object(assertion))
        parts = text.split(".")
        if len(parts) != 3 or not parts[0] or not parts[1]:
            raise _Invalid("the assertion is neither JSON nor a compact JWS "
                           "(header.payload.signature)", code=OB2_MALFORMED_JWS)
        header = _b64url_json(parts[0], "header")
        if not isinstance(header, dict):
            raise _Invalid("the JWS header is not a JSON object", code=OB2_MALFORMED_JWS)
        payload = _b64url_json(parts[1], "payload")
        return _Presented(_checked_object(payload), compact=text, header=header)
    return _Presented(_checked_object(assertion))


def _checked_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid("the assertion must be a JSON object", code=r.NOT_AN_OBJECT)
    if not within_depth(value, MAX_JSON_DEPTH):
        raise _Invalid(f"the assertion nests deeper than {MAX_JSON_DEPTH} levels",
                       code="document_too_deep")
    return value


def _has_ob2_context(obj: dict[str, Any]) -> bool:
    return any(c in _OB2_CONTEXTS for c in _as_list(obj.get("@context")) if isinstance(c, str))


def _document_check(doc: dict[str, Any]) -> Check:
    """The 2.0 context, the Assertion type and the required properties (spec "Assertion")."""
    if "@context" not in doc:
        return _check(r.DOCUMENT, Outcome.FAILED, r.MISSING_CONTEXT,
                      f"the assertion has no @context; Open Badges 2.0 requires {OB2_CONTEXT}")
    if not _has_ob2_context(doc):
        return _check(r.DOCUMENT, Outcome.FAILED, OB2_WRONG_CONTEXT,
                      f"the @context does not include {OB2_CONTEXT}")
    if not _ASSERTION_TYPES.intersection(_types(doc)):
        return _check(r.DOCUMENT, Outcome.FAILED, OB2_WRONG_TYPE, "type must include Assertion")
    for name in ("id", "recipient", "badge", "verification", "issuedOn"):
        present = name in doc or (name == "verification" and "verify" in doc)
        if not present:
            return _check(r.DOCUMENT, Outcome.FAILED, OB2_MISSING_FIELD,
                          f"the assertion has no {name}", field=name)
    return _passed(r.DOCUMENT, "an Open Badges 2.0 Assertion with every required property")


# --------------------------------------------------------------------------- schema


@dataclass(frozen=True)
class _Issue:
    path: str
    code: str
    message: str


def _require(obj: dict[str, Any], names: tuple[str, ...], path: str) -> list[_Issue]:
    return [_Issue(f"{path}.{n}", OB2_MISSING_FIELD, f"{n} is required")
            for n in names if n not in obj]


def _text_issues(obj: dict[str, Any], names: tuple[str, ...], path: str) -> list[_Issue]:
    return [_Issue(f"{path}.{n}", OB2_WRONG_TYPE, f"{n} must be text")
            for n in names if n in obj and not isinstance(obj[n], str)]


def _ref_issues(obj: dict[str, Any], names: tuple[str, ...], path: str) -> list[_Issue]:
    """@id-typed properties: an IRI (a data URI for an Image), or an embedded document."""
    issues = []
    for n in names:
        if n in obj and not (_is_iri(obj[n]) or isinstance(obj[n], dict)):
            issues.append(_Issue(f"{path}.{n}", OB2_WRONG_TYPE,
                                 f"{n} must be an IRI or an embedded document"))
    return issues


def _date_issues(obj: dict[str, Any], name: str, path: str) -> list[_Issue]:
    if name not in obj:
        return []
    if not isinstance(obj[name], str):
        return [_Issue(f"{path}.{name}", OB2_WRONG_TYPE,
                       f"{name} must be an ISO 8601 string (2.0 no longer allows numbers)")]
    try:
        parse_ob2_datetime(obj[name])
    except ValueError as exc:
        return [_Issue(f"{path}.{name}", r.INVALID_DATE, str(exc))]
    return []


def _recipient_issues(value: Any) -> list[_Issue]:
    """Spec "IdentityObject": identity, type, hashed (a boolean) and an optional salt."""
    path = "recipient"
    if not isinstance(value, dict):
        return [_Issue(path, OB2_WRONG_TYPE, "recipient must be an IdentityObject")]
    issues = _require(value, ("identity", "type"), path)
    issues += _text_issues(value, ("identity", "type"), path)
    if "hashed" in value and not isinstance(value["hashed"], bool):
        issues.append(_Issue(f"{path}.hashed", OB2_WRONG_TYPE, "hashed must be a boolean"))
    if value.get("salt") is not None and not isinstance(value["salt"], str):
        issues.append(_Issue(f"{path}.salt", OB2_WRONG_TYPE, "salt must be text"))
    identity = value.get("identity")
    if value.get("hashed") is True and isinstance(identity, str) and \
            not _IDENTITY_HASH.match(identity):
        issues.append(_Issue(f"{path}.identity", OB2_INVALID_IDENTITY_HASH,
                             "a hashed identity must be sha256$<64 hex> or md5$<32 hex>"))
    return issues


def _badge_class_issues(badge: dict[str, Any], path: str) -> list[_Issue]:
    """Spec "BadgeClass": the required properties and their value types."""
    issues = _require(badge, ("id", "type", "name", "description", "image", "criteria",
                              "issuer"), path)
    if "type" in badge and not _BADGE_CLASS_TYPES.intersection(_types(badge)):
        issues.append(_Issue(f"{path}.type", OB2_WRONG_TYPE, "type must include BadgeClass"))
    if "id" in badge and not _is_iri(badge["id"]):
        issues.append(_Issue(f"{path}.id", OB2_WRONG_TYPE, "id must be an IRI"))
    issues += _text_issues(badge, ("name", "description"), path)
    issues += _ref_issues(badge, ("image", "criteria"), path)
    issuer = badge.get("issuer")
    if "issuer" in badge and not _is_iri(_ref_id(issuer)):
        issues.append(_Issue(f"{path}.issuer", OB2_WRONG_TYPE,
                             "issuer must be the IRI of a Profile or a Profile with an id"))
    return issues


def _verification_issues(value: Any) -> list[_Issue]:
    """Spec "VerificationObject": a HostedBadge or SignedBadge type, and an IRI ``creator``."""
    path = "verification"
    if not isinstance(value, dict):
        return [_Issue(path, OB2_WRONG_TYPE, "verification must be a VerificationObject")]
    if "type" not in value:
        return [_Issue(f"{path}.type", OB2_MISSING_FIELD, "type is required")]
    types = set(_types(value))
    hosted, signed = bool(types & _HOSTED_TYPES), bool(types & _SIGNED_TYPES)
    if hosted == signed:
        return [_Issue(f"{path}.type", OB2_WRONG_TYPE,
                       "type must be one of HostedBadge (hosted) or SignedBadge (signed)")]
    if "creator" in value and not _is_iri(value["creator"]):
        return [_Issue(f"{path}.creator", OB2_WRONG_TYPE,
                       "creator must be the IRI of a CryptographicKey")]
    return []


def _schema_check(doc: dict[str, Any]) -> Check:
    """Value types of the assertion and of an embedded BadgeClass (spec "Data Validation")."""
    issues: list[_Issue] = []
    if not _is_iri(doc["id"]):
        issues.append(_Issue("id", OB2_WRONG_TYPE, "id must be an IRI"))
    issues += _recipient_issues(doc["recipient"])
    badge = doc["badge"]
    if isinstance(badge, dict):
        issues += _badge_class_issues(badge, "badge")
    elif not _is_iri(badge):
        issues.append(_Issue("badge", OB2_WRONG_TYPE,
                             "badge must be the IRI of a BadgeClass or an embedded BadgeClass"))
    issues += _verification_issues(_verification(doc))
    issues += _date_issues(doc, "issuedOn", "(assertion)")
    issues += _date_issues(doc, "expires", "(assertion)")
    if "revoked" in doc and not isinstance(doc["revoked"], bool):
        issues.append(_Issue("revoked", OB2_WRONG_TYPE, "revoked must be a boolean"))
    issues += _text_issues(doc, ("narrative",), "(assertion)")
    issues += _ref_issues(doc, ("image",), "(assertion)")
    if issues:
        first = issues[0]
        return _check(r.SCHEMA, Outcome.FAILED, first.code, f"{first.path}: {first.message}",
                      issues=[{"path": i.path, "code": i.code, "message": i.message}
                              for i in issues])
    return _passed(r.SCHEMA, "conforms to the Open Badges 2.0 structure")


def _mode(doc: dict[str, Any]) -> Mode:
    """Hosted or signed; the schema check has already ensured it is exactly one of them."""
    types = set(_types(_verification(doc)))
    return "hosted" if types & _HOSTED_TYPES else "signed"


# --------------------------------------------------------------------------- issuer resolution


def _raise_first(issues: list[_Issue], what: str, url: str) -> None:
    if issues:
        first = issues[0]
        raise _Invalid(f"the {what} at {url}: {first.path}: {first.message}", code=first.code,
                       url=url, issues=[{"path": i.path, "code": i.code, "message": i.message}
                                        for i in issues])


def _profile_issues(profile: dict[str, Any], path: str) -> list[_Issue]:
    """Spec "Profile", "A note on required properties": an issuer has id, type, name, url, email."""
    issues = []
    if not _has_ob2_context(profile):
        issues.append(_Issue(f"{path}.@context", OB2_WRONG_CONTEXT,
                             f"the @context must include {OB2_CONTEXT}"))
    issues += _require(profile, ("id", "type", "name", "url", "email"), path)
    if "type" in profile and not _PROFILE_TYPES.intersection(_types(profile)):
        issues.append(_Issue(f"{path}.type", OB2_WRONG_TYPE, "type must include Issuer or Profile"))
    issues += _text_issues(profile, ("id", "name", "url", "email"), path)
    if "revocationList" in profile and not _is_iri(profile["revocationList"]):
        issues.append(_Issue(f"{path}.revocationList", OB2_WRONG_TYPE,
                             "revocationList must be the IRI of a RevocationList"))
    return issues


async def _resolve(doc: dict[str, Any], docs: _Documents) -> _Resolution:
    """Load the BadgeClass (embedded or at its IRI) and the issuer Profile at its IRI.

    The Profile is always the hosted one, even when the BadgeClass embeds a copy: the Profile
    decides which origins and keys speak for the issuer, so a copy embedded by whoever made
    the badge must not decide it (spec examples, "Open Badges in Linked Data" notes).
    """
    found = _Resolution()
    try:
        ref = doc["badge"]
        if isinstance(ref, dict):
            found.badge = ref
        else:
            if not _is_http_url(ref):
                raise _Invalid(f"the BadgeClass {ref} has no http(s) IRI to fetch it from",
                               code=OB2_UNRESOLVABLE_ID, url=ref)
            badge = await docs.get(ref, "BadgeClass")
            issues = _badge_class_issues(badge, "(BadgeClass)")
            if not _has_ob2_context(badge):
                issues.insert(0, _Issue("(BadgeClass).@context", OB2_WRONG_CONTEXT,
                                        f"the @context must include {OB2_CONTEXT}"))
            _raise_first(issues, "BadgeClass", ref)
            if badge["id"] != ref:
                raise _Invalid(f"the BadgeClass fetched from {ref} says its id is {badge['id']}",
                               code=OB2_ID_MISMATCH, url=ref)
            found.badge = badge
        issuer_id = _ref_id(found.badge["issuer"])
        assert issuer_id is not None  # The BadgeClass checks guarantee it.
        if not _is_http_url(issuer_id):
            raise _Invalid(f"the issuer {issuer_id} has no http(s) IRI to fetch its Profile from",
                           code=OB2_UNRESOLVABLE_ID, url=issuer_id)
        profile = await docs.get(issuer_id, "issuer Profile")
        _raise_first(_profile_issues(profile, "(Profile)"), "issuer Profile", issuer_id)
        if profile["id"] != issuer_id:
            raise _Invalid(f"the BadgeClass names the issuer {issuer_id}, but the Profile there "
                           f"says its id is {profile['id']}", code=OB2_BADGE_ISSUER_MISMATCH,
                           badge_issuer=issuer_id, profile_id=profile["id"])
        found.profile = profile
    except VCBadgesError as exc:
        found.error = exc
    return found


# --------------------------------------------------------------------------- proof: hosted


def _differing_keys(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return sorted(k for k in a.keys() | b.keys()
                  if k not in a or k not in b or not _same_json(a[k], b[k]))


async def _hosted_proof(
    presented: _Presented, docs: _Documents
) -> tuple[Check, dict[str, Any] | None]:
    """Spec "HostedBadge Verification": the copy at ``id`` is the truth; ours must equal it.

    Returns the check and the hosted copy (``None`` when it could not be had).
    """
    doc = presented.doc
    if presented.compact is not None:
        return _check(r.PROOF, Outcome.FAILED, OB2_VERIFICATION_TYPE_MISMATCH,
                      "a JWS was presented, but the assertion declares hosted verification"), None
    assertion_id = doc["id"]
    if not _is_http_url(assertion_id, https_only=True):
        return _check(r.PROOF, Outcome.FAILED, OB2_HOSTED_ID_NOT_HTTPS,
                      f"a hosted assertion's id must be an https URL, not {assertion_id}"), None
    try:
        hosted = await docs.get(assertion_id, "hosted assertion")
    except _Unreachable as exc:
        if exc.gone:
            return _check(r.PROOF, Outcome.SKIPPED, OB2_REVOKED_AT_SOURCE,
                          f"the issuer answers 410 Gone at {assertion_id}: the assertion is "
                          "revoked, so its content was not compared"), {
                              "id": assertion_id, "revoked": True,
                              "revocationReason": "the hosted assertion answers 410 Gone"}
        return _from_error(r.PROOF, exc), None
    except VCBadgesError as exc:
        return _from_error(r.PROOF, exc), None
    if hosted.get("revoked") is True:
        # Spec "Revoking Hosted Assertions": a revoked assertion may be cut down to id and
        # revoked. Such a notice vouches for nothing but the revocation itself.
        rest = {k: v for k, v in hosted.items() if k not in ("revoked", "revocationReason")}
        if _same_json(rest, doc) or _same_json(hosted, doc):
            return _passed(r.PROOF, f"the issuer hosts this assertion at {assertion_id}"), hosted
        if hosted.get("id") == assertion_id:
            return _check(r.PROOF, Outcome.SKIPPED, OB2_REVOKED_AT_SOURCE,
                          f"the issuer replaced the assertion at {assertion_id} with a revocation "
                          "notice, so its content was not compared"), hosted
    if not _same_json(hosted, doc):
        return _check(r.PROOF, Outcome.FAILED, OB2_HOSTED_MISMATCH,
                      f"the assertion presented differs from the one hosted at {assertion_id}",
                      differing=_differing_keys(hosted, doc)), hosted
    return _passed(r.PROOF, f"the issuer hosts this assertion at {assertion_id}"), hosted


# --------------------------------------------------------------------------- proof: signed


def _rsa_key(key_doc: dict[str, Any], key_id: str) -> RSAPublicKey:
    """The RS256 verification key of a CryptographicKey document (spec "CryptographicKey"),
    held to the 2048-bit floor Open Badges 3.0 sets for RSA."""
    pem = key_doc.get("publicKeyPem")
    if pem is None:
        raise _Invalid(f"the CryptographicKey {key_id} has no publicKeyPem",
                       code=OB2_MISSING_FIELD, key=key_id)
    if not isinstance(pem, str):
        raise _Invalid(f"publicKeyPem of {key_id} must be text", code=OB2_WRONG_TYPE, key=key_id)
    if "PRIVATE KEY-----" in pem:
        raise ProofError(f"publicKeyPem of {key_id} holds a private key; it is not trusted",
                         code=OB2_INVALID_KEY)
    try:
        return RSAPublicKey.from_pem(pem.encode("utf-8"))
    except KeyFormatError as exc:
        code = OB2_WEAK_KEY if exc.code == WEAK_RSA_KEY else OB2_INVALID_KEY
        raise ProofError(f"the key {key_id} cannot verify RS256: {exc.message}",
                         code=code) from exc


def _verify_jws(parsed: _jws.CompactJWS, key: RSAPublicKey, key_id: str) -> None:
    """Verify the JWS with RS256; raise ``InvalidProof`` when it does not verify."""
    try:
        _jws.verify_signature(parsed, "RS256", key)
    except InvalidProof as exc:
        raise InvalidProof(f"the JWS signature does not verify with the key {key_id}") from exc


async def _key_document(ref: Any, docs: _Documents) -> tuple[str, dict[str, Any]]:
    """A CryptographicKey by IRI (fetched) or embedded in the hosted issuer Profile."""
    if isinstance(ref, dict):
        key_id = ref.get("id") if isinstance(ref.get("id"), str) else "(embedded key)"
        return str(key_id), ref
    if not _is_http_url(ref):
        raise _Invalid(f"the key {ref} has no http(s) IRI to fetch it from",
                       code=OB2_UNRESOLVABLE_ID, key=ref)
    key_doc = await docs.get(ref, "CryptographicKey")
    if "id" in key_doc and key_doc["id"] != ref:
        raise _Invalid(f"the key fetched from {ref} says its id is {key_doc['id']}",
                       code=OB2_ID_MISMATCH, key=ref)
    if "type" in key_doc and not _KEY_TYPES.intersection(_types(key_doc)):
        raise _Invalid(f"the document at {ref} is not a CryptographicKey", code=OB2_WRONG_TYPE,
                       key=ref)
    return str(ref), key_doc


async def _signed_proof(
    presented: _Presented, found: _Resolution, docs: _Documents
) -> tuple[Check, tuple[str, dict[str, Any]] | None]:
    """Spec "SignedBadge Verification", steps 4-6: verify the JWS with a key of the issuer.

    The key is ``verification.creator`` when given, else each ``publicKey`` of the hosted
    issuer Profile. Returns the check and the (id, document) of the key that verified.
    """
    if presented.compact is None:
        return _check(r.PROOF, Outcome.FAILED, r.MISSING_PROOF,
                      "a SignedBadge assertion must be presented as its JWS; the JSON alone "
                      "carries no signature"), None
    alg = presented.header.get("alg")
    if alg != "RS256":
        return _check(r.PROOF, Outcome.FAILED, OB2_UNSUPPORTED_ALGORITHM,
                      f"the JWS algorithm is {alg!r}; only RS256 is accepted"), None
    if "crit" in presented.header or "b64" in presented.header:
        return _check(r.PROOF, Outcome.FAILED, r.MALFORMED_PROOF,
                      "the JWS header uses crit or b64, which signed badges do not use"), None
    try:
        parsed = _jws.parse_compact(presented.compact)
    except ProofError as exc:
        return _from_error(r.PROOF, exc), None
    creator = _verification(presented.doc).get("creator")
    refs: list[Any]
    if creator is not None:
        refs = [creator]
    elif found.profile is not None:
        refs = _as_list(found.profile.get("publicKey"))
    elif found.error is not None:
        return _from_error(r.PROOF, found.error), None
    else:  # pragma: no cover - _resolve sets one of profile and error.
        refs = []
    if not refs:
        return _check(r.PROOF, Outcome.FAILED, OB2_NO_KEY,
                      "no verification.creator and no publicKey in the issuer Profile"), None
    last: VCBadgesError | None = None
    undecided: VCBadgesError | None = None
    for ref in refs:
        try:
            key_id, key_doc = await _key_document(ref, docs)
            _verify_jws(parsed, _rsa_key(key_doc, key_id), key_id)
        except FetchError as exc:
            undecided = exc
            continue
        except VCBadgesError as exc:
            last = exc
            continue
        return _passed(r.PROOF, f"RS256 signature verified with the key {key_id}",
                       key=key_id), (key_id, key_doc)
    # An unreachable key leaves the answer open only when no other key said "invalid".
    failure = last if last is not None and undecided is None else (undecided or last)
    assert failure is not None
    return _from_error(r.PROOF, failure), None


# --------------------------------------------------------------------------- issuer linkage


def _hosted_scope_problem(assertion_id: str, profile: dict[str, Any]) -> str | None:
    """Spec "HostedBadge Verification" and "VerificationObject": is ``id`` in the issuer's scope?

    With no ``verification`` in the Profile, the assertion must share the issuer ``id``'s
    origin. Otherwise ``startsWith`` prefixes and ``allowedOrigins`` host names apply (both
    when both are given); a policy with neither falls back to the origin rule.
    """
    policy = profile.get("verification")
    policy = policy if isinstance(policy, dict) else {}
    prop = policy.get("verificationProperty", "id")
    if prop not in ("id", "@id", f"{_OB2_VOCAB}id"):
        raise _Invalid(f"the issuer's verificationProperty is {prop!r}; only id is supported",
                       code=OB2_UNSUPPORTED_VERIFICATION_PROPERTY)
    target, issuer = urlsplit(assertion_id), urlsplit(str(profile["id"]))
    starts = [s for s in _as_list(policy.get("startsWith")) if isinstance(s, str)]
    origins = [o.lower() for o in _as_list(policy.get("allowedOrigins")) if isinstance(o, str)]
    if starts and not any(assertion_id.startswith(s) for s in starts):
        return f"{assertion_id} does not start with any of the issuer's startsWith values"
    if origins:
        host = (target.hostname or "").lower()
        if host not in origins and target.netloc.lower() not in origins:
            return f"the host of {assertion_id} is not among the issuer's allowedOrigins"
        return None
    if starts:
        return None
    # Both ids passed _is_http_url, so reading their ports cannot raise.
    if (target.scheme, target.hostname, target.port) != (issuer.scheme, issuer.hostname,
                                                         issuer.port):
        return (f"{assertion_id} is not on the origin of the issuer {profile['id']}, and the "
                "issuer declares no other allowed origins")
    return None


def _profile_key_ids(profile: dict[str, Any]) -> set[str]:
    return {k for k in (_ref_id(v) for v in _as_list(profile.get("publicKey"))) if k}


def _issuer_check(
    doc: dict[str, Any], mode: Mode, found: _Resolution, proof: Check,
    key: tuple[str, dict[str, Any]] | None,
) -> Check:
    """The linkage of spec "Verification": the issuer of the BadgeClass awarded this assertion."""
    if found.error is not None:
        return _from_error(r.ISSUER, found.error)
    if proof.outcome in (Outcome.FAILED, Outcome.ERROR):
        return _skipped(r.ISSUER)
    assert found.profile is not None and found.badge is not None
    profile = found.profile
    issuer_id = str(profile["id"])
    name = profile.get("name")
    if mode == "hosted":
        try:
            problem = _hosted_scope_problem(str(doc["id"]), profile)
        except VCBadgesError as exc:
            return _from_error(r.ISSUER, exc)
        if problem is not None:
            return _check(r.ISSUER, Outcome.FAILED, OB2_ORIGIN_MISMATCH, problem,
                          assertion=doc["id"], issuer=issuer_id)
    else:
        assert key is not None
        key_id, key_doc = key
        owner = key_doc.get("owner")
        if owner != issuer_id:
            return _check(r.ISSUER, Outcome.FAILED, OB2_KEY_OWNER_MISMATCH,
                          f"the key {key_id} belongs to {owner!r}, not to the issuer {issuer_id}",
                          key=key_id, owner=owner, issuer=issuer_id)
        if key_id not in _profile_key_ids(profile) and not any(
                v is key_doc for v in _as_list(profile.get("publicKey"))):
            return _check(r.ISSUER, Outcome.FAILED, OB2_KEY_NOT_IN_PROFILE,
                          f"the issuer Profile {issuer_id} does not list the key {key_id} "
                          "in publicKey", key=key_id, issuer=issuer_id)
    return _passed(r.ISSUER, f"awarded by {name} ({issuer_id}), the issuer of the BadgeClass",
                   issuer=issuer_id, badge=found.badge.get("id"))


# --------------------------------------------------------------------------- validity


def _validity_check(doc: dict[str, Any], now: datetime) -> Check:
    """Spec "Assertion": ``issuedOn`` not in the future, ``expires`` not passed."""
    issued = parse_ob2_datetime(doc["issuedOn"])
    if issued > now + ISSUED_ON_SKEW:
        return _check(r.VALIDITY, Outcome.FAILED, r.NOT_YET_VALID,
                      f"issued on {issued.isoformat()}, which is in the future")
    if "expires" in doc:
        expires = parse_ob2_datetime(doc["expires"])
        if now > expires:
            return _check(r.VALIDITY, Outcome.FAILED, r.EXPIRED,
                          f"expired at {expires.isoformat()}")
    return _passed(r.VALIDITY, "issued in the past and not expired")


# --------------------------------------------------------------------------- revocation


def _revoked_check(reason: Any, where: str) -> Check:
    message = f"revoked by the issuer ({where})"
    if isinstance(reason, str) and reason:
        message += f": {reason}"
    return _check(STATUS_REVOCATION, Outcome.FAILED, REVOKED, message,
                  **({"reason": reason} if isinstance(reason, str) else {}))


def _hosted_status(doc: dict[str, Any], proof: Check, hosted: dict[str, Any] | None) -> Check:
    """Spec "Revoking Hosted Assertions": the hosted copy says ``revoked: true``."""
    if hosted is not None and hosted.get("revoked") is True:
        return _revoked_check(hosted.get("revocationReason"), "hosted assertion")
    if proof.outcome is Outcome.ERROR:
        return _check(STATUS_REVOCATION, Outcome.ERROR, proof.code,
                      "the hosted assertion could not be fetched, so whether it is revoked "
                      "is unknown", **proof.detail)
    if proof.outcome is not Outcome.PASSED:
        return _skipped(STATUS_REVOCATION)
    if doc.get("revoked") is True:
        return _revoked_check(doc.get("revocationReason"), "hosted assertion")
    return _passed(STATUS_REVOCATION, "the issuer's hosted copy is not revoked")


def _listed(entry: Any, doc: dict[str, Any]) -> bool:
    """Spec "RevocationList": an entry is an id string, or an object with an id or legacy uid."""
    if isinstance(entry, str):
        return bool(entry == doc["id"])
    if not isinstance(entry, dict) or entry.get("revoked") is False:
        return False
    if "id" in entry:
        return bool(entry["id"] == doc["id"])
    uid = doc.get("uid")
    return isinstance(uid, str) and entry.get("uid") == uid


async def _signed_status(
    doc: dict[str, Any], proof: Check, found: _Resolution, docs: _Documents
) -> Check:
    """Spec "SignedBadge Verification", step 7: the issuer's RevocationList must not list it."""
    if proof.outcome is not Outcome.PASSED:
        return _skipped(STATUS_REVOCATION)
    if found.profile is None:
        if isinstance(found.error, FetchError):
            return _check(STATUS_REVOCATION, Outcome.ERROR, found.error.code,
                          "the issuer Profile could not be fetched, so its revocation list is "
                          "unknown", **getattr(found.error, "detail", {}))
        return _skipped(STATUS_REVOCATION)
    if doc.get("revoked") is True:
        return _revoked_check(doc.get("revocationReason"), "signed assertion")
    url = found.profile.get("revocationList")
    if url is None:
        return _check(STATUS_REVOCATION, Outcome.SKIPPED, r.NOT_APPLICABLE,
                      "does not apply: the issuer publishes no revocation list")
    try:
        try:
            revocations = await docs.get(str(url), "RevocationList")
        except _Invalid as exc:
            raise StatusError(exc.message, code=OB2_REVOCATION_LIST_INVALID) from exc
        if not _REVOCATION_LIST_TYPES.intersection(_types(revocations)):
            raise StatusError(f"the document at {url} is not a RevocationList",
                              code=OB2_REVOCATION_LIST_INVALID)
        if "revokedAssertions" not in revocations:
            raise StatusError(f"the RevocationList at {url} has no revokedAssertions",
                              code=OB2_REVOCATION_LIST_INVALID)
        owner = revocations.get("issuer")
        if owner is not None and _ref_id(owner) != found.profile["id"]:
            raise StatusError(f"the RevocationList at {url} belongs to {_ref_id(owner)!r}, not "
                              f"to the issuer {found.profile['id']}",
                              code=OB2_REVOCATION_LIST_INVALID)
    except VCBadgesError as exc:
        return _from_error(STATUS_REVOCATION, exc)
    for entry in _as_list(revocations["revokedAssertions"]):
        if _listed(entry, doc):
            reason = entry.get("revocationReason") if isinstance(entry, dict) else None
            return _revoked_check(reason, f"listed in {url}")
    return _passed(STATUS_REVOCATION, f"not listed in the issuer's revocation list {url}",
                   revocation_list=url)


# --------------------------------------------------------------------------- recipient


def _recipient_check(doc: dict[str, Any], expected: str | None) -> Check:
    """Spec "IdentityObject" and "IdentityHash": hash(identity + salt), or the plain value.

    Email addresses are compared without regard to case, and a hashed email is also tried in
    lower case, because issuers differ in whether they normalise before hashing.
    """
    if expected is None:
        return _check(RECIPIENT, Outcome.SKIPPED, r.NOT_APPLICABLE,
                      "no recipient identity was given to compare")
    recipient = doc["recipient"]
    identity = str(recipient["identity"])
    is_email = str(recipient["type"]).rsplit("/", 1)[-1].rsplit("#", 1)[-1] == "email"
    given = expected.strip()
    candidates = dict.fromkeys([given, given.lower()] if is_email else [given])
    if recipient.get("hashed") is True:
        algorithm, digest = identity.split("$", 1)
        salt = str(recipient.get("salt") or "")
        # MD5 is only a lookup key here, not a security boundary; say so for FIPS builds.
        match = any(
            hmac.compare_digest(
                hashlib.new(algorithm, (c + salt).encode("utf-8"),
                            usedforsecurity=False).hexdigest(), digest.lower())
            for c in candidates)
    else:
        match = identity.lower() == given.lower() if is_email else identity == given
    if not match:
        return _check(RECIPIENT, Outcome.FAILED, RECIPIENT_MISMATCH,
                      f"the badge was not awarded to {given}")
    return _passed(RECIPIENT, f"awarded to {given}")


# --------------------------------------------------------------------------- report


def _summary(doc: dict[str, Any], found: _Resolution | None) -> dict[str, Any]:
    """What a person needs to recognise the badge, in the keys our 3.0 summaries use."""
    out: dict[str, Any] = {}
    if isinstance(doc.get("id"), str):
        out["id"] = doc["id"]
    badge = found.badge if found is not None else None
    if badge is None and isinstance(doc.get("badge"), dict):
        badge = doc["badge"]
    profile = found.profile if found is not None else None
    if badge is not None:
        issuer = badge.get("issuer")
        if profile is None and isinstance(issuer, dict):
            profile = issuer
        if isinstance(_ref_id(issuer), str):
            out["issuer"] = _ref_id(issuer)
    if profile is not None:
        if isinstance(profile.get("id"), str):
            out["issuer"] = profile["id"]
        if isinstance(profile.get("name"), str):
            out["issuer_name"] = profile["name"]
    if badge is not None and isinstance(badge.get("name"), str):
        out["name"] = badge["name"]
    out["type"] = ["Assertion"]
    recipient = doc.get("recipient")
    if isinstance(recipient, dict) and isinstance(recipient.get("identity"), str):
        out["subject"] = recipient["identity"]
    if "name" in out:
        out["achievement"] = out["name"]
    return out


def _report(
    checks: list[Check], now: datetime, doc: dict[str, Any] | None,
    found: _Resolution | None = None,
) -> VerificationReport:
    done = {c.id for c in checks}
    checks = checks + [_skipped(c) for c in OB2_CHECK_ORDER if c not in done]
    document_id = doc.get("id") if doc is not None and isinstance(doc.get("id"), str) else None
    return VerificationReport(
        checks=tuple(checks), checked_at=now, document_id=document_id,
        warnings=(Problem(LEGACY_OB2, "Open Badges 2.0 assertion: verified by the 2.0 rules"),),
        credential=_summary(doc, found) if doc is not None else {})


async def verify_ob2(
    assertion: dict[str, Any] | str,
    *,
    fetch_json: FetchJSON,
    now: datetime,
    recipient: str | None = None,
) -> VerificationReport:
    """Verify an Open Badges 2.0 assertion and return a report in our 3.0 shape.

    ``assertion`` is a hosted assertion (a JSON object, or its JSON text) or a signed one (a
    compact JWS string). ``fetch_json(url)`` returns the parsed JSON at ``url`` and raises a
    :class:`~vcbadges.errors.VCBadgesError` (such as ``FetchError``) when it cannot; every
    BadgeClass, Profile, key, revocation list and hosted copy is read through it. ``now`` is
    the aware time to judge ``issuedOn`` and ``expires`` against. With ``recipient`` (an email
    address, URL or telephone number) the ``recipient`` check compares it with the assertion's
    recipient, plain or hashed; without it that check is skipped.

    Never raises for a bad assertion or bad fetched documents: the report says what is wrong.
    Raises ``ValueError`` only for a naive ``now``, which is a programming mistake.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    try:
        presented = _parse(assertion)
    except VCBadgesError as exc:
        return _report([_from_error(r.DOCUMENT, exc)], now, None)
    doc = presented.doc
    document = _document_check(doc)
    if document.outcome is not Outcome.PASSED:
        return _report([document], now, doc)
    schema = _schema_check(doc)
    if schema.outcome is not Outcome.PASSED:
        return _report([document, schema], now, doc)
    mode = _mode(doc)
    docs = _Documents(fetch_json)
    # The BadgeClass and Profile come first although their check is reported after the proof:
    # a signed assertion without ``creator`` is verified with the Profile's keys.
    found = await _resolve(doc, docs)
    key: tuple[str, dict[str, Any]] | None = None
    if mode == "hosted":
        proof, hosted = await _hosted_proof(presented, docs)
        status = _hosted_status(doc, proof, hosted)
    else:
        proof, key = await _signed_proof(presented, found, docs)
        status = await _signed_status(doc, proof, found, docs)
    checks = [
        document,
        schema,
        proof,
        _issuer_check(doc, mode, found, proof, key),
        _validity_check(doc, now),
        status,
        _recipient_check(doc, recipient),
    ]
    return _report(checks, now, doc, found)

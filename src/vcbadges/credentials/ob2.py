"""Open Badges 2.0 assertions: the 2.0 data model and each step of verifying one.

Badges issued before Open Badges 3.0 are still presented every day, so a verifier that only
understands Verifiable Credentials would turn away most of the badges people actually hold.
This module knows the 2.0 rules (IMS Final Release, 12 April 2018); the report, in the same
shape as for 3.0 credentials, is built from its steps by :mod:`vcbadges.verifier.ob2`.

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

The document and schema rules return what they found wrong as :class:`Issue` values; every
other step returns what it established or raises a :class:`~vcbadges.errors.VCBadgesError`
whose code the report shows (:class:`UnreachableDocument` when a document could not be had,
which decides nothing). The only network access is the fetcher given to :class:`Documents`.
"""

from __future__ import annotations

import hashlib
import hmac
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
    JSONInputError,
    KeyFormatError,
    ProofError,
    StatusError,
    VCBadgesError,
)
from vcbadges.primitives.jsonlimits import check_value, loads_strict
from vcbadges.primitives.keys import WEAK_RSA_KEY, RSAPublicKey
from vcbadges.proofs import _jws

__all__ = [
    "OB2_CONTEXT",
    "Documents",
    "HostedCopy",
    "InvalidObject",
    "Issue",
    "Mode",
    "Presented",
    "Resolution",
    "Revocation",
    "SigningKey",
    "UnreachableDocument",
    "check_hosted_scope",
    "check_key_binding",
    "declared_revocation",
    "document_issue",
    "hosted_copy",
    "listed_revocation",
    "mode_of",
    "parse_assertion",
    "parse_ob2_datetime",
    "recipient_matches",
    "resolve",
    "revocation_list_url",
    "schema_issues",
    "signing_key",
    "summary",
    "validity_dates",
]

FetchJSON = Callable[[str], Awaitable[Any]]

#: The JSON-LD context every Open Badges 2.0 document names (spec "Introduction").
OB2_CONTEXT = "https://w3id.org/openbadges/v2"
# The w3id.org URL redirects here; some publishers name the target directly.
_OB2_CONTEXTS = frozenset({OB2_CONTEXT, "https://openbadgespec.org/v2/context.json"})
_OB2_VOCAB = "https://w3id.org/openbadges#"

# Codes of the 2.0 rules (snake_case, like those of report.py).
OB2_FETCH_FAILED = "ob2_fetch_failed"
OB2_MALFORMED_JWS = "ob2_malformed_jws"
OB2_WRONG_CONTEXT = "ob2_wrong_context"
OB2_MISSING_FIELD = "ob2_missing_field"
OB2_WRONG_TYPE = "ob2_wrong_type"
OB2_INVALID_IDENTITY_HASH = "ob2_invalid_identity_hash"
OB2_VERIFICATION_TYPE_MISMATCH = "ob2_verification_type_mismatch"
OB2_HOSTED_ID_NOT_HTTPS = "ob2_hosted_id_not_https"
OB2_HOSTED_MISMATCH = "ob2_hosted_mismatch"
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


class InvalidObject(CredentialError):
    """A badge object that breaks a 2.0 rule; ``detail`` goes into the report check."""

    def __init__(self, message: str, *, code: str, **detail: Any) -> None:
        super().__init__(message, code=code)
        self.detail = dict(detail)


class UnreachableDocument(FetchError):
    """The fetcher could not deliver a document: whatever needed it is undecided."""

    code = OB2_FETCH_FAILED

    def __init__(self, url: str, what: str, cause: VCBadgesError) -> None:
        super().__init__(f"the {what} at {url} could not be fetched: {cause.message}")
        self.detail = {"url": url, "cause": cause.code}
        # Spec "Revoking Hosted Assertions": 410 Gone means revoked. Our fetcher reports an
        # HTTP status on its error as ``status``; other fetchers simply never say "gone".
        self.gone = getattr(cause, "status", None) == 410


@dataclass(frozen=True)
class Issue:
    """One broken 2.0 rule: where (a property path), which rule (a code), and what is wrong."""

    path: str
    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class Presented:
    """The assertion as presented: its JSON object, and for a JWS the compact text and header."""

    doc: dict[str, Any]
    compact: str | None = None
    header: dict[str, Any] = field(default_factory=dict)


@dataclass
class Resolution:
    """The BadgeClass and the hosted issuer Profile behind an assertion, or why they are missing.

    ``profile`` is ``None`` exactly when ``error`` says why.
    """

    badge: dict[str, Any] | None = None
    profile: dict[str, Any] | None = None
    error: VCBadgesError | None = None


@dataclass(frozen=True)
class HostedCopy:
    """What the issuer serves at a hosted assertion's ``id``.

    ``notice`` is set when the issuer has withdrawn the assertion (410 Gone, or a revocation
    notice in its place): the copy then stands only for that revocation, and the assertion
    presented was compared with nothing.
    """

    document: dict[str, Any]
    notice: str | None = None


@dataclass(frozen=True)
class SigningKey:
    """The issuer's CryptographicKey that a signed assertion's JWS verified with."""

    id: str
    document: dict[str, Any]


@dataclass(frozen=True)
class Revocation:
    """The issuer's word that an assertion is revoked: where it said so, and why if it did."""

    where: str
    reason: str | None = None


class Documents:
    """Fetches each URL at most once per verification, so one slow host costs one timeout.

    Without a fetcher every document is unreachable: nothing is read from the network unless
    the caller chose how.
    """

    def __init__(self, fetch_json: FetchJSON | None) -> None:
        self._fetch_json = fetch_json
        self._found: dict[str, Any] = {}
        self._failed: dict[str, VCBadgesError] = {}

    async def get(self, url: str, what: str) -> dict[str, Any]:
        """Return the JSON object at ``url``; raise ``UnreachableDocument`` or ``InvalidObject``."""
        if url in self._failed:
            raise UnreachableDocument(url, what, self._failed[url])
        if url not in self._found:
            try:
                if self._fetch_json is None:
                    raise FetchError("no fetcher is configured", code="fetch_disabled")
                self._found[url] = await self._fetch_json(url)
            except VCBadgesError as exc:
                self._failed[url] = exc
                raise UnreachableDocument(url, what, exc) from exc
        value = self._found[url]
        if not isinstance(value, dict):
            raise InvalidObject(f"the {what} at {url} is not a JSON object", code=OB2_WRONG_TYPE,
                                url=url)
        return value


# --------------------------------------------------------------------------- small helpers


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


def validity_dates(doc: dict[str, Any]) -> tuple[datetime, datetime | None]:
    """``issuedOn`` and ``expires`` (spec "Assertion"), once :func:`schema_issues` found none."""
    expires = parse_ob2_datetime(doc["expires"]) if "expires" in doc else None
    return parse_ob2_datetime(doc["issuedOn"]), expires


# --------------------------------------------------------------------------- document


def _b64url_json(part: str, what: str) -> Any:
    """Decode one compact JWS segment; strict, because lenient base64 hides tampering."""
    try:
        raw = _jws.b64url_decode_strict(part, what)
    except ProofError as exc:
        raise InvalidObject(f"the JWS {what} is not base64url", code=OB2_MALFORMED_JWS) from exc
    try:
        return loads_strict(raw, max_bytes=MAX_INPUT_CHARS, max_depth=MAX_JSON_DEPTH)
    except JSONInputError as exc:
        raise InvalidObject(f"the JWS {what} is not JSON: {exc.message}", code=exc.code) from exc


def parse_assertion(assertion: Any) -> Presented:
    """Accept a JSON object, JSON text, or a compact JWS (spec "SignedBadge Verification" 1-2).

    Raises ``InvalidObject`` for anything else; the JWS signature is not checked here.
    """
    if isinstance(assertion, str):
        text = assertion.strip()
        if len(text) > MAX_INPUT_CHARS:
            raise InvalidObject("the assertion exceeds 1 MiB", code="document_too_large")
        if text.startswith("{"):
            try:
                assertion = loads_strict(text, max_bytes=MAX_INPUT_CHARS, max_depth=MAX_JSON_DEPTH)
            except JSONInputError as exc:
                raise InvalidObject(f"the assertion is not valid JSON: {exc.message}",
                                    code=exc.code) from exc
            return Presented(_checked_object(assertion))
        parts = text.split(".")
        if len(parts) != 3 or not parts[0] or not parts[1]:
            raise InvalidObject("the assertion is neither JSON nor a compact JWS "
                                "(header.payload.signature)", code=OB2_MALFORMED_JWS)
        header = _b64url_json(parts[0], "header")
        if not isinstance(header, dict):
            raise InvalidObject("the JWS header is not a JSON object", code=OB2_MALFORMED_JWS)
        payload = _b64url_json(parts[1], "payload")
        return Presented(_checked_object(payload), compact=text, header=header)
    return Presented(_checked_object(assertion))


def _checked_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidObject("the assertion must be a JSON object", code=r.NOT_AN_OBJECT)
    try:
        check_value(value, max_depth=MAX_JSON_DEPTH, max_nodes=MAX_INPUT_CHARS // 2,
                    max_chars=MAX_INPUT_CHARS)
    except JSONInputError as exc:
        raise InvalidObject(f"the assertion is refused: {exc.message}", code=exc.code) from exc
    return value


def _has_ob2_context(obj: dict[str, Any]) -> bool:
    return any(c in _OB2_CONTEXTS for c in _as_list(obj.get("@context")) if isinstance(c, str))


def document_issue(doc: dict[str, Any]) -> Issue | None:
    """The 2.0 context, the Assertion type and the required properties (spec "Assertion").

    Only the first problem is returned: without these the rest of the assertion means nothing.
    """
    if "@context" not in doc:
        return Issue("@context", r.MISSING_CONTEXT,
                     f"the assertion has no @context; Open Badges 2.0 requires {OB2_CONTEXT}")
    if not _has_ob2_context(doc):
        return Issue("@context", OB2_WRONG_CONTEXT, f"the @context does not include {OB2_CONTEXT}")
    if not _ASSERTION_TYPES.intersection(_types(doc)):
        return Issue("type", OB2_WRONG_TYPE, "type must include Assertion")
    for name in ("id", "recipient", "badge", "verification", "issuedOn"):
        present = name in doc or (name == "verification" and "verify" in doc)
        if not present:
            return Issue(name, OB2_MISSING_FIELD, f"the assertion has no {name}")
    return None


# --------------------------------------------------------------------------- schema


def _require(obj: dict[str, Any], names: tuple[str, ...], path: str) -> list[Issue]:
    return [Issue(f"{path}.{n}", OB2_MISSING_FIELD, f"{n} is required")
            for n in names if n not in obj]


def _text_issues(obj: dict[str, Any], names: tuple[str, ...], path: str) -> list[Issue]:
    return [Issue(f"{path}.{n}", OB2_WRONG_TYPE, f"{n} must be text")
            for n in names if n in obj and not isinstance(obj[n], str)]


def _ref_issues(obj: dict[str, Any], names: tuple[str, ...], path: str) -> list[Issue]:
    """@id-typed properties: an IRI (a data URI for an Image), or an embedded document."""
    issues = []
    for n in names:
        if n in obj and not (_is_iri(obj[n]) or isinstance(obj[n], dict)):
            issues.append(Issue(f"{path}.{n}", OB2_WRONG_TYPE,
                                f"{n} must be an IRI or an embedded document"))
    return issues


def _date_issues(obj: dict[str, Any], name: str, path: str) -> list[Issue]:
    if name not in obj:
        return []
    if not isinstance(obj[name], str):
        return [Issue(f"{path}.{name}", OB2_WRONG_TYPE,
                      f"{name} must be an ISO 8601 string (2.0 no longer allows numbers)")]
    try:
        parse_ob2_datetime(obj[name])
    except ValueError as exc:
        return [Issue(f"{path}.{name}", r.INVALID_DATE, str(exc))]
    return []


def _recipient_issues(value: Any) -> list[Issue]:
    """Spec "IdentityObject": identity, type, hashed (a boolean) and an optional salt."""
    path = "recipient"
    if not isinstance(value, dict):
        return [Issue(path, OB2_WRONG_TYPE, "recipient must be an IdentityObject")]
    issues = _require(value, ("identity", "type"), path)
    issues += _text_issues(value, ("identity", "type"), path)
    if "hashed" in value and not isinstance(value["hashed"], bool):
        issues.append(Issue(f"{path}.hashed", OB2_WRONG_TYPE, "hashed must be a boolean"))
    if value.get("salt") is not None and not isinstance(value["salt"], str):
        issues.append(Issue(f"{path}.salt", OB2_WRONG_TYPE, "salt must be text"))
    identity = value.get("identity")
    if value.get("hashed") is True and isinstance(identity, str) and \
            not _IDENTITY_HASH.match(identity):
        issues.append(Issue(f"{path}.identity", OB2_INVALID_IDENTITY_HASH,
                            "a hashed identity must be sha256$<64 hex> or md5$<32 hex>"))
    return issues


def _badge_class_issues(badge: dict[str, Any], path: str) -> list[Issue]:
    """Spec "BadgeClass": the required properties and their value types."""
    issues = _require(badge, ("id", "type", "name", "description", "image", "criteria",
                              "issuer"), path)
    if "type" in badge and not _BADGE_CLASS_TYPES.intersection(_types(badge)):
        issues.append(Issue(f"{path}.type", OB2_WRONG_TYPE, "type must include BadgeClass"))
    if "id" in badge and not _is_iri(badge["id"]):
        issues.append(Issue(f"{path}.id", OB2_WRONG_TYPE, "id must be an IRI"))
    issues += _text_issues(badge, ("name", "description"), path)
    issues += _ref_issues(badge, ("image", "criteria"), path)
    issuer = badge.get("issuer")
    if "issuer" in badge and not _is_iri(_ref_id(issuer)):
        issues.append(Issue(f"{path}.issuer", OB2_WRONG_TYPE,
                            "issuer must be the IRI of a Profile or a Profile with an id"))
    return issues


def _verification_issues(value: Any) -> list[Issue]:
    """Spec "VerificationObject": a HostedBadge or SignedBadge type, and an IRI ``creator``."""
    path = "verification"
    if not isinstance(value, dict):
        return [Issue(path, OB2_WRONG_TYPE, "verification must be a VerificationObject")]
    if "type" not in value:
        return [Issue(f"{path}.type", OB2_MISSING_FIELD, "type is required")]
    types = set(_types(value))
    hosted, signed = bool(types & _HOSTED_TYPES), bool(types & _SIGNED_TYPES)
    if hosted == signed:
        return [Issue(f"{path}.type", OB2_WRONG_TYPE,
                      "type must be one of HostedBadge (hosted) or SignedBadge (signed)")]
    if "creator" in value and not _is_iri(value["creator"]):
        return [Issue(f"{path}.creator", OB2_WRONG_TYPE,
                      "creator must be the IRI of a CryptographicKey")]
    return []


def schema_issues(doc: dict[str, Any]) -> list[Issue]:
    """Value types of the assertion and of an embedded BadgeClass (spec "Data Validation").

    Expects an assertion :func:`document_issue` found nothing wrong with.
    """
    issues: list[Issue] = []
    if not _is_iri(doc["id"]):
        issues.append(Issue("id", OB2_WRONG_TYPE, "id must be an IRI"))
    issues += _recipient_issues(doc["recipient"])
    badge = doc["badge"]
    if isinstance(badge, dict):
        issues += _badge_class_issues(badge, "badge")
    elif not _is_iri(badge):
        issues.append(Issue("badge", OB2_WRONG_TYPE,
                            "badge must be the IRI of a BadgeClass or an embedded BadgeClass"))
    issues += _verification_issues(_verification(doc))
    issues += _date_issues(doc, "issuedOn", "(assertion)")
    issues += _date_issues(doc, "expires", "(assertion)")
    if "revoked" in doc and not isinstance(doc["revoked"], bool):
        issues.append(Issue("revoked", OB2_WRONG_TYPE, "revoked must be a boolean"))
    issues += _text_issues(doc, ("narrative",), "(assertion)")
    issues += _ref_issues(doc, ("image",), "(assertion)")
    return issues


def mode_of(doc: dict[str, Any]) -> Mode:
    """Hosted or signed; :func:`schema_issues` has already ensured it is exactly one of them."""
    types = set(_types(_verification(doc)))
    return "hosted" if types & _HOSTED_TYPES else "signed"


# --------------------------------------------------------------------------- issuer resolution


def _raise_first(issues: list[Issue], what: str, url: str) -> None:
    if issues:
        first = issues[0]
        raise InvalidObject(f"the {what} at {url}: {first.path}: {first.message}",
                            code=first.code, url=url, issues=[i.to_json() for i in issues])


def _profile_issues(profile: dict[str, Any], path: str) -> list[Issue]:
    """Spec "Profile", "A note on required properties": an issuer has id, type, name, url, email."""
    issues = []
    if not _has_ob2_context(profile):
        issues.append(Issue(f"{path}.@context", OB2_WRONG_CONTEXT,
                            f"the @context must include {OB2_CONTEXT}"))
    issues += _require(profile, ("id", "type", "name", "url", "email"), path)
    if "type" in profile and not _PROFILE_TYPES.intersection(_types(profile)):
        issues.append(Issue(f"{path}.type", OB2_WRONG_TYPE, "type must include Issuer or Profile"))
    issues += _text_issues(profile, ("id", "name", "url", "email"), path)
    if "revocationList" in profile and not _is_iri(profile["revocationList"]):
        issues.append(Issue(f"{path}.revocationList", OB2_WRONG_TYPE,
                            "revocationList must be the IRI of a RevocationList"))
    return issues


async def resolve(doc: dict[str, Any], docs: Documents) -> Resolution:
    """Load the BadgeClass (embedded or at its IRI) and the issuer Profile at its IRI.

    The Profile is always the hosted one, even when the BadgeClass embeds a copy: the Profile
    decides which origins and keys speak for the issuer, so a copy embedded by whoever made
    the badge must not decide it (spec examples, "Open Badges in Linked Data" notes). Never
    raises: what went wrong is the resolution's ``error``.
    """
    found = Resolution()
    try:
        ref = doc["badge"]
        if isinstance(ref, dict):
            found.badge = ref
        else:
            if not _is_http_url(ref):
                raise InvalidObject(f"the BadgeClass {ref} has no http(s) IRI to fetch it from",
                                    code=OB2_UNRESOLVABLE_ID, url=ref)
            badge = await docs.get(ref, "BadgeClass")
            issues = _badge_class_issues(badge, "(BadgeClass)")
            if not _has_ob2_context(badge):
                issues.insert(0, Issue("(BadgeClass).@context", OB2_WRONG_CONTEXT,
                                       f"the @context must include {OB2_CONTEXT}"))
            _raise_first(issues, "BadgeClass", ref)
            if badge["id"] != ref:
                raise InvalidObject(f"the BadgeClass fetched from {ref} says its id is "
                                    f"{badge['id']}", code=OB2_ID_MISMATCH, url=ref)
            found.badge = badge
        issuer_id = _ref_id(found.badge["issuer"])
        assert issuer_id is not None  # The BadgeClass checks guarantee it.
        if not _is_http_url(issuer_id):
            raise InvalidObject(f"the issuer {issuer_id} has no http(s) IRI to fetch its "
                                "Profile from", code=OB2_UNRESOLVABLE_ID, url=issuer_id)
        profile = await docs.get(issuer_id, "issuer Profile")
        _raise_first(_profile_issues(profile, "(Profile)"), "issuer Profile", issuer_id)
        if profile["id"] != issuer_id:
            raise InvalidObject(f"the BadgeClass names the issuer {issuer_id}, but the Profile "
                                f"there says its id is {profile['id']}",
                                code=OB2_BADGE_ISSUER_MISMATCH, badge_issuer=issuer_id,
                                profile_id=profile["id"])
        found.profile = profile
    except VCBadgesError as exc:
        found.error = exc
    return found


# --------------------------------------------------------------------------- proof: hosted


def _differing_keys(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return sorted(k for k in a.keys() | b.keys()
                  if k not in a or k not in b or not _same_json(a[k], b[k]))


async def hosted_copy(presented: Presented, docs: Documents) -> HostedCopy:
    """Spec "HostedBadge Verification": the copy at ``id`` is the truth; ours must equal it.

    Raises when the assertion presented is not the issuer's, and ``UnreachableDocument`` when
    the issuer's copy could not be fetched.
    """
    doc = presented.doc
    if presented.compact is not None:
        raise ProofError("a JWS was presented, but the assertion declares hosted verification",
                         code=OB2_VERIFICATION_TYPE_MISMATCH)
    assertion_id = doc["id"]
    if not _is_http_url(assertion_id, https_only=True):
        raise ProofError(f"a hosted assertion's id must be an https URL, not {assertion_id}",
                         code=OB2_HOSTED_ID_NOT_HTTPS)
    try:
        hosted = await docs.get(assertion_id, "hosted assertion")
    except UnreachableDocument as exc:
        if not exc.gone:
            raise
        return HostedCopy(
            {"id": assertion_id, "revoked": True,
             "revocationReason": "the hosted assertion answers 410 Gone"},
            notice=f"the issuer answers 410 Gone at {assertion_id}: the assertion is revoked, "
                   "so its content was not compared")
    if hosted.get("revoked") is True:
        # Spec "Revoking Hosted Assertions": a revoked assertion may be cut down to id and
        # revoked. Such a notice vouches for nothing but the revocation itself.
        rest = {k: v for k, v in hosted.items() if k not in ("revoked", "revocationReason")}
        if _same_json(rest, doc) or _same_json(hosted, doc):
            return HostedCopy(hosted)
        if hosted.get("id") == assertion_id:
            return HostedCopy(hosted, notice=f"the issuer replaced the assertion at "
                                             f"{assertion_id} with a revocation notice, so its "
                                             "content was not compared")
    if not _same_json(hosted, doc):
        raise InvalidObject(f"the assertion presented differs from the one hosted at "
                            f"{assertion_id}", code=OB2_HOSTED_MISMATCH,
                            differing=_differing_keys(hosted, doc))
    return HostedCopy(hosted)


# --------------------------------------------------------------------------- proof: signed


def _rsa_key(key_doc: dict[str, Any], key_id: str) -> RSAPublicKey:
    """The RS256 verification key of a CryptographicKey document (spec "CryptographicKey"),
    held to the 2048-bit floor Open Badges 3.0 sets for RSA."""
    pem = key_doc.get("publicKeyPem")
    if pem is None:
        raise InvalidObject(f"the CryptographicKey {key_id} has no publicKeyPem",
                            code=OB2_MISSING_FIELD, key=key_id)
    if not isinstance(pem, str):
        raise InvalidObject(f"publicKeyPem of {key_id} must be text", code=OB2_WRONG_TYPE,
                            key=key_id)
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


async def _key_document(ref: Any, docs: Documents) -> SigningKey:
    """A CryptographicKey by IRI (fetched) or embedded in the hosted issuer Profile."""
    if isinstance(ref, dict):
        key_id = ref.get("id") if isinstance(ref.get("id"), str) else "(embedded key)"
        return SigningKey(str(key_id), ref)
    if not _is_http_url(ref):
        raise InvalidObject(f"the key {ref} has no http(s) IRI to fetch it from",
                            code=OB2_UNRESOLVABLE_ID, key=ref)
    key_doc = await docs.get(ref, "CryptographicKey")
    if "id" in key_doc and key_doc["id"] != ref:
        raise InvalidObject(f"the key fetched from {ref} says its id is {key_doc['id']}",
                            code=OB2_ID_MISMATCH, key=ref)
    if "type" in key_doc and not _KEY_TYPES.intersection(_types(key_doc)):
        raise InvalidObject(f"the document at {ref} is not a CryptographicKey",
                            code=OB2_WRONG_TYPE, key=ref)
    return SigningKey(str(ref), key_doc)


def _key_refs(presented: Presented, found: Resolution) -> list[Any]:
    """``verification.creator`` when given, else each ``publicKey`` of the issuer Profile."""
    creator = _verification(presented.doc).get("creator")
    if creator is not None:
        return [creator]
    if found.profile is None:
        assert found.error is not None  # A resolution without a Profile says why.
        raise found.error
    return _as_list(found.profile.get("publicKey"))


async def signing_key(presented: Presented, found: Resolution, docs: Documents) -> SigningKey:
    """Spec "SignedBadge Verification", steps 4-6: the issuer's key the JWS verifies with.

    Raises when the JWS is unusable or no candidate key verifies it; an unreachable key
    (``UnreachableDocument``) is what is raised only when no other key said "invalid".
    """
    if presented.compact is None:
        raise ProofError("a SignedBadge assertion must be presented as its JWS; the JSON alone "
                         "carries no signature", code=r.MISSING_PROOF)
    alg = presented.header.get("alg")
    if alg != "RS256":
        raise ProofError(f"the JWS algorithm is {alg!r}; only RS256 is accepted",
                         code=OB2_UNSUPPORTED_ALGORITHM)
    if "crit" in presented.header or "b64" in presented.header:
        raise ProofError("the JWS header uses crit or b64, which signed badges do not use",
                         code=r.MALFORMED_PROOF)
    parsed = _jws.parse_compact(presented.compact)
    refs = _key_refs(presented, found)
    if not refs:
        raise ProofError("no verification.creator and no publicKey in the issuer Profile",
                         code=OB2_NO_KEY)
    last: VCBadgesError | None = None
    undecided: VCBadgesError | None = None
    for ref in refs:
        try:
            key = await _key_document(ref, docs)
            _verify_jws(parsed, _rsa_key(key.document, key.id), key.id)
        except FetchError as exc:
            undecided = exc
            continue
        except VCBadgesError as exc:
            last = exc
            continue
        return key
    failure = last if last is not None and undecided is None else (undecided or last)
    assert failure is not None
    raise failure


# --------------------------------------------------------------------------- issuer linkage


def check_hosted_scope(doc: dict[str, Any], profile: dict[str, Any]) -> None:
    """Spec "HostedBadge Verification" and "VerificationObject": is ``id`` in the issuer's scope?

    With no ``verification`` in the Profile, the assertion must share the issuer ``id``'s
    origin. Otherwise ``startsWith`` prefixes and ``allowedOrigins`` host names apply (both
    when both are given); a policy with neither falls back to the origin rule. Raises
    ``InvalidObject`` when it is not.
    """
    assertion_id = str(doc["id"])
    problem = _hosted_scope_problem(assertion_id, profile)
    if problem is not None:
        raise InvalidObject(problem, code=OB2_ORIGIN_MISMATCH, assertion=assertion_id,
                            issuer=profile["id"])


def _hosted_scope_problem(assertion_id: str, profile: dict[str, Any]) -> str | None:
    policy = profile.get("verification")
    policy = policy if isinstance(policy, dict) else {}
    prop = policy.get("verificationProperty", "id")
    if prop not in ("id", "@id", f"{_OB2_VOCAB}id"):
        raise InvalidObject(f"the issuer's verificationProperty is {prop!r}; only id is "
                            "supported", code=OB2_UNSUPPORTED_VERIFICATION_PROPERTY)
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


def check_key_binding(key: SigningKey, profile: dict[str, Any]) -> None:
    """Spec "CryptographicKey": the key names the issuer as ``owner`` and the issuer Profile
    lists it in ``publicKey``, both ways, so neither side can claim the other alone."""
    issuer_id = profile["id"]
    owner = key.document.get("owner")
    if owner != issuer_id:
        raise InvalidObject(f"the key {key.id} belongs to {owner!r}, not to the issuer "
                            f"{issuer_id}", code=OB2_KEY_OWNER_MISMATCH, key=key.id,
                            owner=owner, issuer=issuer_id)
    listed = _as_list(profile.get("publicKey"))
    if key.id not in {_ref_id(v) for v in listed} and not any(v is key.document
                                                              for v in listed):
        raise InvalidObject(f"the issuer Profile {issuer_id} does not list the key {key.id} "
                            "in publicKey", code=OB2_KEY_NOT_IN_PROFILE, key=key.id,
                            issuer=issuer_id)


# --------------------------------------------------------------------------- revocation


def declared_revocation(obj: dict[str, Any], where: str) -> Revocation | None:
    """The assertion itself says ``revoked: true`` (spec "Assertion", "Revoking Hosted
    Assertions"); ``where`` names the copy that said it."""
    if obj.get("revoked") is not True:
        return None
    reason = obj.get("revocationReason")
    return Revocation(where, reason if isinstance(reason, str) else None)


def revocation_list_url(profile: dict[str, Any]) -> str | None:
    """The issuer's ``revocationList``; the Profile checks made sure it is an IRI if given."""
    url = profile.get("revocationList")
    return url if isinstance(url, str) else None


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


async def listed_revocation(
    doc: dict[str, Any], url: str, profile: dict[str, Any], docs: Documents
) -> Revocation | None:
    """Spec "SignedBadge Verification", step 7: the entry of the issuer's RevocationList at
    ``url`` for this assertion, if any.

    Raises ``StatusError`` for a list that cannot be relied on (wrong type, no entries, another
    issuer's) and ``UnreachableDocument`` when it could not be fetched: never "not revoked".
    """
    try:
        revocations = await docs.get(url, "RevocationList")
    except InvalidObject as exc:
        raise StatusError(exc.message, code=OB2_REVOCATION_LIST_INVALID) from exc
    if not _REVOCATION_LIST_TYPES.intersection(_types(revocations)):
        raise StatusError(f"the document at {url} is not a RevocationList",
                          code=OB2_REVOCATION_LIST_INVALID)
    if "revokedAssertions" not in revocations:
        raise StatusError(f"the RevocationList at {url} has no revokedAssertions",
                          code=OB2_REVOCATION_LIST_INVALID)
    owner = revocations.get("issuer")
    if owner is not None and _ref_id(owner) != profile["id"]:
        raise StatusError(f"the RevocationList at {url} belongs to {_ref_id(owner)!r}, not "
                          f"to the issuer {profile['id']}", code=OB2_REVOCATION_LIST_INVALID)
    for entry in _as_list(revocations["revokedAssertions"]):
        if _listed(entry, doc):
            reason = entry.get("revocationReason") if isinstance(entry, dict) else None
            return Revocation(f"listed in {url}", reason if isinstance(reason, str) else None)
    return None


# --------------------------------------------------------------------------- recipient


def recipient_matches(doc: dict[str, Any], expected: str) -> bool:
    """Spec "IdentityObject" and "IdentityHash": hash(identity + salt), or the plain value.

    Email addresses are compared without regard to case, and a hashed email is also tried in
    lower case, because issuers differ in whether they normalise before hashing.
    """
    recipient = doc["recipient"]
    identity = str(recipient["identity"])
    is_email = str(recipient["type"]).rsplit("/", 1)[-1].rsplit("#", 1)[-1] == "email"
    given = expected.strip()
    candidates = dict.fromkeys([given, given.lower()] if is_email else [given])
    if recipient.get("hashed") is True:
        algorithm, digest = identity.split("$", 1)
        salt = str(recipient.get("salt") or "")
        # MD5 is only a lookup key here, not a security boundary; say so for FIPS builds.
        return any(
            hmac.compare_digest(
                hashlib.new(algorithm, (c + salt).encode("utf-8"),
                            usedforsecurity=False).hexdigest(), digest.lower())
            for c in candidates)
    return identity.lower() == given.lower() if is_email else identity == given


# --------------------------------------------------------------------------- summary


def summary(doc: dict[str, Any], found: Resolution | None) -> dict[str, Any]:
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
            out["issuerName"] = profile["name"]
    if badge is not None and isinstance(badge.get("name"), str):
        out["name"] = badge["name"]
    out["type"] = ["Assertion"]
    recipient = doc.get("recipient")
    if isinstance(recipient, dict) and isinstance(recipient.get("identity"), str):
        out["subject"] = recipient["identity"]
    if "name" in out:
        out["achievement"] = out["name"]
    return out

"""Typed builders for Open Badges 3.0 documents.

Each class mirrors one class of the OB 3.0 data model and renders the spec's JSON with
``to_json()``: camelCase keys, unset optionals left out, ``type`` as an array wherever the
official JSON Schema demands one (it rejects the single-string form for every class except
``Image`` and ``IdentityObject``). The builders are frozen dataclasses with keyword-only
fields so a credential under construction cannot change behind the issuer's back, and
``to_json()`` always returns freshly built dicts: callers may mutate the result (sign it,
add a proof) without touching the builder or any mapping they passed in.

Invalid combinations that the spec forbids outright (a naive datetime, a subject without
any identification, criteria with neither ``id`` nor ``narrative``) raise
:class:`~vcbadges.errors.CredentialError` at construction time, not at signing time.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal, TypeAlias

from vcbadges.errors import CredentialError

__all__ = [
    "VCDM2_CONTEXT",
    "VCDM1_CONTEXT",
    "OB3_CONTEXT",
    "VCDMVersion",
    "Image",
    "Profile",
    "Criteria",
    "Alignment",
    "ResultDescription",
    "Achievement",
    "IdentityObject",
    "Result",
    "AchievementSubject",
    "Evidence",
    "AchievementCredential",
    "OpenBadgeCredential",
    "EndorsementSubject",
    "EndorsementCredential",
    "format_datetime",
]

JSONObject: TypeAlias = dict[str, Any]
VCDMVersion: TypeAlias = Literal["2.0", "1.1"]

VCDM2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VCDM1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
# 3.0.3 is the current OB context. It is also the one we pair with VCDM 1.1: unlike 3.0.0
# (``.../v3p0/context.json``, the version most VCDM 1.1 badges in the wild carry) it defines
# ``awardedDate`` and ``inLanguage``, which these builders can emit, and its protected
# ``id``/``type`` definitions are identical to the credentials v1 context's, so the two combine.
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

_IDENTITY_HASH_ALGORITHMS = ("sha256", "md5")  # the only two the IdentityHash type allows


def format_datetime(value: datetime, *, field_name: str = "datetime") -> str:
    """Render ``value`` as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC.

    Naive datetimes are refused rather than guessed: a credential's validity window is
    compared against other parties' clocks, so an unknown offset is a real error. Fractions
    of a second are dropped because verifiers and JWT ``nbf``/``exp`` claims use whole seconds.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise CredentialError(f"{field_name} must be timezone-aware, got naive {value!r}")
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _put(out: JSONObject, key: str, value: Any) -> None:
    """Set ``out[key]`` unless the value is unset (None or an empty sequence)."""
    if value is None:
        return
    if isinstance(value, (list, tuple)) and not value:
        return
    out[key] = value


def _require_text(value: str, what: str) -> None:
    if not isinstance(value, str) or not value:
        raise CredentialError(f"{what} must be a non-empty string")


def _json_copy(value: Mapping[str, Any]) -> JSONObject:
    """A deep copy, so documents passed in by the caller are never shared or mutated."""
    return copy.deepcopy(dict(value))


def _endorsements(items: Sequence[EndorsementCredential | Mapping[str, Any]]) -> list[JSONObject]:
    """Endorsements as JSON: builders are rendered, signed documents are deep-copied."""
    return [e.to_json() if isinstance(e, EndorsementCredential) else _json_copy(e) for e in items]


@dataclass(frozen=True, kw_only=True)
class Image:
    """An image (``Image`` class): a URI, often a ``data:`` URI, and an optional caption."""

    id: str
    caption: str | None = None

    def __post_init__(self) -> None:
        _require_text(self.id, "Image.id")

    def to_json(self) -> JSONObject:
        # The schema types Image.type as the plain string "Image", not an array.
        out: JSONObject = {"id": self.id, "type": "Image"}
        _put(out, "caption", self.caption)
        return out


@dataclass(frozen=True, kw_only=True)
class Profile:
    """An issuer, creator or other party (``Profile``); only ``id`` is required by the spec."""

    id: str
    name: str | None = None
    url: str | None = None
    email: str | None = None
    phone: str | None = None
    description: str | None = None
    image: Image | None = None
    endorsement: Sequence[EndorsementCredential | Mapping[str, Any]] = ()

    def __post_init__(self) -> None:
        _require_text(self.id, "Profile.id")

    def to_json(self) -> JSONObject:
        out: JSONObject = {"id": self.id, "type": ["Profile"]}
        _put(out, "name", self.name)
        _put(out, "url", self.url)
        _put(out, "email", self.email)
        _put(out, "phone", self.phone)
        _put(out, "description", self.description)
        _put(out, "image", self.image.to_json() if self.image else None)
        _put(out, "endorsement", _endorsements(self.endorsement))
        return out


@dataclass(frozen=True, kw_only=True)
class Criteria:
    """How the achievement is earned: a URI to the criteria and/or a Markdown narrative.

    The schema requires neither field, but the spec says criteria without both convey
    nothing, so at least one is demanded here.
    """

    id: str | None = None
    narrative: str | None = None

    def __post_init__(self) -> None:
        if self.id is None and self.narrative is None:
            raise CredentialError("Criteria needs an id, a narrative, or both")

    def to_json(self) -> JSONObject:
        out: JSONObject = {}
        _put(out, "id", self.id)
        _put(out, "narrative", self.narrative)
        return out


@dataclass(frozen=True, kw_only=True)
class Alignment:
    """An alignment to a competency, standard or framework node (``Alignment``)."""

    target_name: str
    target_url: str
    target_code: str | None = None
    target_description: str | None = None
    target_framework: str | None = None
    target_type: str | None = None

    def to_json(self) -> JSONObject:
        out: JSONObject = {
            "type": ["Alignment"],
            "targetName": self.target_name,
            "targetUrl": self.target_url,
        }
        _put(out, "targetCode", self.target_code)
        _put(out, "targetDescription", self.target_description)
        _put(out, "targetFramework", self.target_framework)
        _put(out, "targetType", self.target_type)
        return out


@dataclass(frozen=True, kw_only=True)
class ResultDescription:
    """What kind of result an achievement can carry (``ResultDescription``).

    ``result_type`` is from the spec's ResultType vocabulary (``LetterGrade``, ``Percent``,
    ``Status``...) or an ``ext:`` extension.
    """

    id: str
    name: str
    result_type: str
    alignment: Sequence[Alignment] = ()
    allowed_value: Sequence[str] = ()
    required_level: str | None = None
    required_value: str | None = None
    value_max: str | None = None
    value_min: str | None = None

    def to_json(self) -> JSONObject:
        out: JSONObject = {
            "id": self.id,
            "type": ["ResultDescription"],
            "name": self.name,
            "resultType": self.result_type,
        }
        _put(out, "alignment", [a.to_json() for a in self.alignment])
        _put(out, "allowedValue", list(self.allowed_value))
        _put(out, "requiredLevel", self.required_level)
        _put(out, "requiredValue", self.required_value)
        _put(out, "valueMax", self.value_max)
        _put(out, "valueMin", self.value_min)
        return out


@dataclass(frozen=True, kw_only=True)
class Achievement:
    """The accomplishment being recognised (``Achievement``, the OB 2.0 "BadgeClass")."""

    id: str
    name: str
    description: str
    criteria: Criteria
    image: Image | None = None
    achievement_type: str | None = None
    alignment: Sequence[Alignment] = ()
    result_description: Sequence[ResultDescription] = ()
    tag: Sequence[str] = ()
    creator: Profile | None = None
    credits_available: float | None = None
    field_of_study: str | None = None
    human_code: str | None = None
    in_language: str | None = None
    specialization: str | None = None
    version: str | None = None
    endorsement: Sequence[EndorsementCredential | Mapping[str, Any]] = ()

    def __post_init__(self) -> None:
        _require_text(self.id, "Achievement.id")

    def to_json(self) -> JSONObject:
        out: JSONObject = {
            "id": self.id,
            "type": ["Achievement"],
            "name": self.name,
            "description": self.description,
            "criteria": self.criteria.to_json(),
        }
        _put(out, "image", self.image.to_json() if self.image else None)
        _put(out, "achievementType", self.achievement_type)
        _put(out, "alignment", [a.to_json() for a in self.alignment])
        _put(out, "resultDescription", [r.to_json() for r in self.result_description])
        _put(out, "tag", list(self.tag))
        _put(out, "creator", self.creator.to_json() if self.creator else None)
        _put(out, "creditsAvailable", self.credits_available)
        _put(out, "fieldOfStudy", self.field_of_study)
        _put(out, "humanCode", self.human_code)
        _put(out, "inLanguage", self.in_language)
        _put(out, "specialization", self.specialization)
        _put(out, "version", self.version)
        _put(out, "endorsement", _endorsements(self.endorsement))
        return out


def _identity_digest(algorithm: str, value: str, salt: str | None) -> str:
    """Hex digest of ``value`` + ``salt`` (UTF-8) as the spec's IdentityHash type defines it."""
    data = (value + (salt or "")).encode("utf-8")
    if algorithm == "sha256":
        return hashlib.sha256(data).hexdigest()
    # md5 is only here to recognise old identifiers; it is never produced.
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


@dataclass(frozen=True, kw_only=True)
class IdentityObject:
    """A recipient identifier (``IdentityObject``), plain or hashed.

    With ``hashed=True``, ``identity_hash`` is an IdentityHash: ``<alg>$<hex digest>`` over
    the UTF-8 bytes of the identifier followed by ``salt`` (alg ``sha256`` or ``md5``; hex in
    either case). Hashing lets an issuer name a recipient by e-mail without publishing it.
    """

    identity_hash: str
    identity_type: str = "emailAddress"
    hashed: bool = False
    salt: str | None = None

    @classmethod
    def hashed_email(cls, email: str, *, salt: str | None = None) -> IdentityObject:
        """A salted SHA-256 identifier for ``email``; a random salt is drawn when none is given.

        The e-mail is hashed exactly as given: the spec defines no normalisation, so a
        verifier must present the same spelling the issuer used.
        """
        if salt is None:
            salt = secrets.token_hex(16)
        digest = _identity_digest("sha256", email, salt)
        return cls(
            identity_hash=f"sha256${digest}",
            identity_type="emailAddress",
            hashed=True,
            salt=salt,
        )

    @classmethod
    def from_json(cls, data: Any) -> IdentityObject:
        """Read an IdentityObject from a credential, for the verifier's recipient check."""
        if not isinstance(data, Mapping):
            raise CredentialError("IdentityObject must be an object")
        identity_hash = data.get("identityHash")
        identity_type = data.get("identityType")
        hashed = data.get("hashed")
        salt = data.get("salt")
        if not isinstance(identity_hash, str) or not isinstance(identity_type, str):
            raise CredentialError("IdentityObject needs string identityHash and identityType")
        if not isinstance(hashed, bool):
            raise CredentialError("IdentityObject.hashed must be a boolean")
        if salt is not None and not isinstance(salt, str):
            raise CredentialError("IdentityObject.salt must be a string")
        return cls(
            identity_hash=identity_hash, identity_type=identity_type, hashed=hashed, salt=salt
        )

    def matches(self, value: str) -> bool:
        """Whether ``value`` (e.g. an e-mail the holder claims) is the identity recorded here.

        Unhashed identities compare as plain strings. Hashed ones are recomputed with the
        recorded algorithm and salt and compared in constant time; an unknown algorithm or a
        malformed hash never matches.
        """
        if not self.hashed:
            return hmac.compare_digest(value.encode("utf-8"), self.identity_hash.encode("utf-8"))
        algorithm, sep, expected = self.identity_hash.partition("$")
        algorithm = algorithm.lower()
        if not sep or algorithm not in _IDENTITY_HASH_ALGORITHMS:
            return False
        actual = _identity_digest(algorithm, value, self.salt)
        return hmac.compare_digest(actual.encode("ascii"), expected.lower().encode("utf-8"))

    def to_json(self) -> JSONObject:
        # The schema types IdentityObject.type as the plain string, and closes the object.
        out: JSONObject = {
            "type": "IdentityObject",
            "identityHash": self.identity_hash,
            "identityType": self.identity_type,
            "hashed": self.hashed,
        }
        _put(out, "salt", self.salt)
        return out


@dataclass(frozen=True, kw_only=True)
class Result:
    """A result the recipient obtained (``Result``); ``result_description`` is the IRI of a
    ResultDescription of the achievement."""

    result_description: str | None = None
    achieved_level: str | None = None
    status: str | None = None
    value: str | None = None
    alignment: Sequence[Alignment] = ()

    def to_json(self) -> JSONObject:
        out: JSONObject = {"type": ["Result"]}
        _put(out, "resultDescription", self.result_description)
        _put(out, "achievedLevel", self.achieved_level)
        _put(out, "status", self.status)
        _put(out, "value", self.value)
        _put(out, "alignment", [a.to_json() for a in self.alignment])
        return out


@dataclass(frozen=True, kw_only=True)
class AchievementSubject:
    """The recipient and what they achieved (``AchievementSubject``).

    The spec requires the subject to be identified by ``id`` (typically a DID the holder
    controls) and/or at least one ``identifier``; a subject with neither is refused.
    """

    achievement: Achievement
    id: str | None = None
    identifier: Sequence[IdentityObject] = ()
    result: Sequence[Result] = ()
    narrative: str | None = None
    activity_start_date: datetime | None = None
    activity_end_date: datetime | None = None
    credits_earned: float | None = None
    license_number: str | None = None
    role: str | None = None
    term: str | None = None
    image: Image | None = None
    source: Profile | None = None

    def __post_init__(self) -> None:
        if not self.id and not self.identifier:
            raise CredentialError("AchievementSubject needs an id, an identifier, or both")
        for name in ("activity_start_date", "activity_end_date"):
            value = getattr(self, name)
            if value is not None:
                format_datetime(value, field_name=name)  # refuse naive datetimes now

    def to_json(self) -> JSONObject:
        out: JSONObject = {}
        _put(out, "id", self.id)
        out["type"] = ["AchievementSubject"]
        _put(out, "identifier", [i.to_json() for i in self.identifier])
        out["achievement"] = self.achievement.to_json()
        _put(out, "result", [r.to_json() for r in self.result])
        _put(out, "narrative", self.narrative)
        if self.activity_start_date is not None:
            out["activityStartDate"] = format_datetime(self.activity_start_date)
        if self.activity_end_date is not None:
            out["activityEndDate"] = format_datetime(self.activity_end_date)
        _put(out, "creditsEarned", self.credits_earned)
        _put(out, "licenseNumber", self.license_number)
        _put(out, "role", self.role)
        _put(out, "term", self.term)
        _put(out, "image", self.image.to_json() if self.image else None)
        _put(out, "source", self.source.to_json() if self.source else None)
        return out


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """Evidence supporting the award (``Evidence``): a URL and/or a description of it."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    narrative: str | None = None
    genre: str | None = None
    audience: str | None = None

    def to_json(self) -> JSONObject:
        out: JSONObject = {}
        _put(out, "id", self.id)
        out["type"] = ["Evidence"]
        _put(out, "name", self.name)
        _put(out, "description", self.description)
        _put(out, "narrative", self.narrative)
        _put(out, "genre", self.genre)
        _put(out, "audience", self.audience)
        return out


def _new_urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _envelope(
    *,
    vcdm: VCDMVersion,
    credential_id: str,
    credential_type: str,
    valid_from: datetime,
    valid_until: datetime | None,
) -> tuple[JSONObject, dict[str, str]]:
    """The VCDM parts shared by both credential kinds, in the requested data model version.

    Returns the head of the document (``@context``, ``id``, ``type``) and the validity
    properties separately so callers can keep the spec's customary key order.
    """
    if vcdm not in ("2.0", "1.1"):
        raise CredentialError(f"unsupported VCDM version {vcdm!r}; use '2.0' or '1.1'")
    head: JSONObject = {
        "@context": [VCDM2_CONTEXT if vcdm == "2.0" else VCDM1_CONTEXT, OB3_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", credential_type],
    }
    start = format_datetime(valid_from, field_name="valid_from")
    end = format_datetime(valid_until, field_name="valid_until") if valid_until else None
    # VCDM 1.1 names the validity window issuanceDate/expirationDate; 2.0 validFrom/validUntil.
    names = ("validFrom", "validUntil") if vcdm == "2.0" else ("issuanceDate", "expirationDate")
    dates = {names[0]: start}
    if end is not None:
        dates[names[1]] = end
    return head, dates


def _check_window(valid_from: datetime, valid_until: datetime | None) -> None:
    format_datetime(valid_from, field_name="valid_from")
    if valid_until is not None:
        format_datetime(valid_until, field_name="valid_until")
        if valid_until < valid_from:
            raise CredentialError("valid_until is earlier than valid_from")


@dataclass(frozen=True, kw_only=True)
class AchievementCredential:
    """An Open Badge: an ``OpenBadgeCredential`` (alias ``AchievementCredential``).

    ``to_json()`` yields the unsigned credential; a proof is added by ``vcbadges.proofs``.
    ``vcdm="1.1"`` emits the VCDM 1.1 shape (credentials v1 context, ``issuanceDate`` and
    ``expirationDate``) for wallets that predate VCDM 2.0; the default is 2.0, which is
    what the OB 3.0 schema requires. ``valid_from`` defaults to the construction time.
    """

    issuer: Profile
    credential_subject: AchievementSubject
    id: str = field(default_factory=_new_urn)
    name: str | None = None
    description: str | None = None
    image: Image | None = None
    evidence: Sequence[Evidence] = ()
    valid_from: datetime = field(default_factory=_utc_now)
    valid_until: datetime | None = None
    awarded_date: datetime | None = None
    endorsement: Sequence[EndorsementCredential | Mapping[str, Any]] = ()
    credential_status: Mapping[str, Any] | None = None
    credential_schema: Sequence[Mapping[str, Any]] = ()
    vcdm: VCDMVersion = "2.0"

    def __post_init__(self) -> None:
        _require_text(self.id, "AchievementCredential.id")
        _check_window(self.valid_from, self.valid_until)
        if self.awarded_date is not None:
            format_datetime(self.awarded_date, field_name="awarded_date")
        if self.vcdm not in ("2.0", "1.1"):
            raise CredentialError(f"unsupported VCDM version {self.vcdm!r}; use '2.0' or '1.1'")

    def to_json(self) -> JSONObject:
        out, dates = _envelope(
            vcdm=self.vcdm,
            credential_id=self.id,
            credential_type="OpenBadgeCredential",
            valid_from=self.valid_from,
            valid_until=self.valid_until,
        )
        _put(out, "name", self.name)
        _put(out, "description", self.description)
        _put(out, "image", self.image.to_json() if self.image else None)
        out["issuer"] = self.issuer.to_json()
        out.update(dates)
        if self.awarded_date is not None:
            out["awardedDate"] = format_datetime(self.awarded_date)
        out["credentialSubject"] = self.credential_subject.to_json()
        _put(out, "evidence", [e.to_json() for e in self.evidence])
        _put(out, "endorsement", _endorsements(self.endorsement))
        if self.credential_status is not None:
            out["credentialStatus"] = _json_copy(self.credential_status)
        _put(out, "credentialSchema", [_json_copy(s) for s in self.credential_schema])
        return out


OpenBadgeCredential = AchievementCredential


@dataclass(frozen=True, kw_only=True)
class EndorsementSubject:
    """What is endorsed (``EndorsementSubject``): the id of a Profile, Achievement or credential."""

    id: str
    endorsement_comment: str | None = None

    def __post_init__(self) -> None:
        _require_text(self.id, "EndorsementSubject.id")

    def to_json(self) -> JSONObject:
        out: JSONObject = {"id": self.id, "type": ["EndorsementSubject"]}
        _put(out, "endorsementComment", self.endorsement_comment)
        return out


@dataclass(frozen=True, kw_only=True)
class EndorsementCredential:
    """A third party's endorsement of a profile, achievement or credential.

    Unlike an OpenBadgeCredential, the schema requires ``name``. Embedded in another
    document it must carry its own proof, so pass the signed JSON there rather than this
    builder when the endorsement is to be verifiable.
    """

    issuer: Profile
    credential_subject: EndorsementSubject
    name: str
    id: str = field(default_factory=_new_urn)
    description: str | None = None
    valid_from: datetime = field(default_factory=_utc_now)
    valid_until: datetime | None = None
    awarded_date: datetime | None = None
    credential_status: Mapping[str, Any] | None = None
    credential_schema: Sequence[Mapping[str, Any]] = ()
    vcdm: VCDMVersion = "2.0"

    def __post_init__(self) -> None:
        _require_text(self.id, "EndorsementCredential.id")
        _require_text(self.name, "EndorsementCredential.name")
        _check_window(self.valid_from, self.valid_until)
        if self.awarded_date is not None:
            format_datetime(self.awarded_date, field_name="awarded_date")
        if self.vcdm not in ("2.0", "1.1"):
            raise CredentialError(f"unsupported VCDM version {self.vcdm!r}; use '2.0' or '1.1'")

    def to_json(self) -> JSONObject:
        out, dates = _envelope(
            vcdm=self.vcdm,
            credential_id=self.id,
            credential_type="EndorsementCredential",
            valid_from=self.valid_from,
            valid_until=self.valid_until,
        )
        out["name"] = self.name
        _put(out, "description", self.description)
        out["issuer"] = self.issuer.to_json()
        out.update(dates)
        if self.awarded_date is not None:
            out["awardedDate"] = format_datetime(self.awarded_date)
        out["credentialSubject"] = self.credential_subject.to_json()
        if self.credential_status is not None:
            out["credentialStatus"] = _json_copy(self.credential_status)
        _put(out, "credentialSchema", [_json_copy(s) for s in self.credential_schema])
        return out

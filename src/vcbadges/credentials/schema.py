"""Structural check of Open Badges 3.0 credentials, in plain Python.

``check_ob3`` answers the question the official OB 3.0 JSON Schemas answer ("is this an
AchievementCredential / EndorsementCredential shaped as the spec says?") without a JSON
Schema engine at run time, and with messages that name the offending field by path
(``credentialSubject.achievement.criteria``). It follows the official schema build (1EdTech
``achievementcredential.json`` / ``endorsementcredential.json``) field by field, including
its closed objects (``Image``, ``IdentityObject``, ``IdentifierEntry``) and its array-valued
``type`` properties, and deviates from it only where the spec text or real-world credentials
say the build is wrong or too loose. Every deviation is marked ``DEVIATION`` below:

1. ``proof`` may be a single object, not only an array (VCDM 2.0 and Data Integrity allow
   both; 1EdTech's own signed test vector uses a single object).
2. VCDM 1.1 documents are accepted: ``@context`` starting with the credentials v1 context
   (followed, as in 2.0 documents, by an OB 3.0.x context) with ``issuanceDate``
   required instead of ``validFrom`` and ``expirationDate`` checked like ``validUntil``.
   Such badges exist in the wild and must verify.
3. An AchievementSubject must be identified by ``id`` or a non-empty ``identifier`` (a spec
   rule under "OpenBadgeCredential Verification" that the schema does not encode).
4. URI-typed fields must be absolute (a scheme, then no whitespace); the schema only asks
   for a string. JSON-LD drops relative IRIs when a document is canonicalised for signing,
   so a relative ``id`` would silently fall outside the signature.
5. Date-times are checked as RFC 3339 strings (the schema's ``format`` is only an annotation
   unless a validator opts in). Fields the spec types ``DateTimeZ`` require an offset; the
   ``DateTime`` ones (``activityStartDate``, ``activityEndDate``, ``proof.created``) may
   omit it, as the spec's DateTime primitive (``YYYY-MM-DDThh:mm:ss``) allows.
6. ``credentialStatus`` may be an array of status entries, not only one object. VCDM 2.0
   allows several entries, and a badge that can be suspended as well as revoked needs two
   (revocation and suspension). The badges vcbadges issues carry one revocation entry, an
   object, by default; the second entry is an issuer's explicit choice (per issue call or
   achievement template), and the strict schema refuses such a badge for that alone.

Proof internals beyond their JSON shape (cryptosuite, verification method) and credential
status are judged by the proof and status checks, which can give a precise reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeAlias

from vcbadges.errors import CredentialError

__all__ = [
    "SchemaIssue",
    "check_ob3",
    "is_open_badge",
    "raise_for_issues",
    "OB_CREDENTIAL_TYPES",
    "ENDORSEMENT_CREDENTIAL_TYPE",
]

OB_CREDENTIAL_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})
ENDORSEMENT_CREDENTIAL_TYPE = "EndorsementCredential"

_VCDM2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
_VCDM1_CONTEXT = "https://www.w3.org/2018/credentials/v1"


@dataclass(frozen=True)
class SchemaIssue:
    """One structural problem: the dotted path of the field (``evidence[0].type``) and why."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(document)'}: {self.message}"


Issues: TypeAlias = list[SchemaIssue]
Validator: TypeAlias = Callable[[Any, str, Issues], None]

# --- patterns copied from the schema build (kept as loose as the schema on purpose) -------

# Unanchored like the schema's, so "3.0.3" and the unversioned 3.0.0 URL both match.
_OB_CONTEXT_RE = re.compile(
    r"^https:\/\/purl\.imsglobal\.org\/spec\/ob\/v3p0\/context(-3\.\d\.\d)*\.json$"
)
# The schema's extension pattern for extensible enumerations is "(ext:)[a-z|A-Z|0-9|.|-|_]+"
# searched anywhere in the string (JSON Schema patterns are not anchored); the class is
# letters, digits, '|', '.', '_' ("|-|" is a one-character range). Kept identical.
_EXT_RE = re.compile(r"(ext:)[a-z|A-Z|0-9|.|-|_]+")
_COMPACT_JWS_RE = re.compile(r"^[a-zA-Z0-9_-]+\.[a-zA-Z0-9_-]*\.[a-zA-Z0-9_-]+$")
_LANGUAGE_RE = re.compile(r"^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")

# DEVIATION 4: an absolute URI: RFC 3986 scheme, colon, no whitespace.
_ABSOLUTE_IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S*$")
# DEVIATION 5: RFC 3339 date-time (offset optional only where the spec type allows it).
_DATETIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$"
)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_IDENTIFIER_TYPES = frozenset(
    {
        "name", "sourcedId", "systemId", "productId", "userName", "accountId",
        "emailAddress", "nationalIdentityNumber", "isbn", "issn", "lisSourcedId",
        "oneRosterSourcedId", "sisSourcedId", "ltiContextId", "ltiDeploymentId",
        "ltiToolId", "ltiPlatformId", "ltiUserId", "identifier",
    }
)  # fmt: skip
_ACHIEVEMENT_TYPES = frozenset(
    {
        "Achievement", "ApprenticeshipCertificate", "Assessment", "Assignment",
        "AssociateDegree", "Award", "Badge", "BachelorDegree", "Certificate",
        "CertificateOfCompletion", "Certification", "CommunityService", "Competency",
        "Course", "CoCurricular", "Degree", "Diploma", "DoctoralDegree", "Fieldwork",
        "GeneralEducationDevelopment", "JourneymanCertificate", "LearningProgram",
        "License", "Membership", "ProfessionalDoctorate", "QualityAssuranceCredential",
        "MasterCertificate", "MasterDegree", "MicroCredential", "ResearchDoctorate",
        "SecondarySchoolDiploma",
    }
)  # fmt: skip
_ALIGNMENT_TARGET_TYPES = frozenset(
    {
        "ceasn:Competency", "ceterms:Credential", "CFItem", "CFRubric",
        "CFRubricCriterion", "CFRubricCriterionLevel", "CTDL",
    }
)  # fmt: skip
_RESULT_TYPES = frozenset(
    {
        "GradePointAverage", "LetterGrade", "Percent", "PerformanceLevel",
        "PredictedScore", "RawScore", "Result", "RubricCriterion", "RubricCriterionLevel",
        "RubricScore", "ScaledScore", "Status",
    }
)  # fmt: skip
_RESULT_STATUSES = frozenset(
    {"Completed", "Enrolled", "Failed", "InProgress", "OnHold", "Provisional", "Withdrew"}
)


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _type_names(value: Any) -> list[str]:
    """The string members of a ``type`` value, whether it is a string or an array."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [t for t in value if isinstance(t, str)]
    return []


# --- primitive validators ----------------------------------------------------------------


def _string(value: Any, path: str, out: Issues) -> None:
    if not isinstance(value, str):
        out.append(SchemaIssue(path, "must be a string"))


def _number(value: Any, path: str, out: Issues) -> None:
    # bool is an int in Python but not a JSON number.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        out.append(SchemaIssue(path, "must be a number"))


def _boolean(value: Any, path: str, out: Issues) -> None:
    if not isinstance(value, bool):
        out.append(SchemaIssue(path, "must be a boolean"))


def _uri(value: Any, path: str, out: Issues) -> None:
    if not isinstance(value, str):
        out.append(SchemaIssue(path, "must be a string (URI)"))
    elif not _ABSOLUTE_IRI_RE.match(value):  # DEVIATION 4
        out.append(SchemaIssue(path, f"must be an absolute URI, got {value!r}"))


def _parse_datetime(value: str, *, offset_required: bool) -> str | None:
    """Return why ``value`` is not an RFC 3339 date-time, or None if it is one."""
    m = _DATETIME_RE.match(value)
    if m is None:
        return f"must be an RFC 3339 date-time, got {value!r}"
    if offset_required and m.group(8) is None:
        return f"must be a date-time with a timezone offset, got {value!r}"
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    try:
        # RFC 3339 allows a leap second (60); datetime does not, so check it as 59.
        datetime(year, month, day, hour, minute, min(second, 59))
    except ValueError:
        return f"is not a valid date-time: {value!r}"
    if second > 60:
        return f"is not a valid date-time: {value!r}"
    return None


def _datetime_z(value: Any, path: str, out: Issues) -> None:
    """The spec's DateTimeZ: a date-time with its offset."""
    if not isinstance(value, str):
        out.append(SchemaIssue(path, "must be a string (date-time)"))
        return
    problem = _parse_datetime(value, offset_required=True)  # DEVIATION 5
    if problem:
        out.append(SchemaIssue(path, problem))


def _datetime(value: Any, path: str, out: Issues) -> None:
    """The spec's DateTime primitive: ``YYYY-MM-DDThh:mm:ss``, offset optional."""
    if not isinstance(value, str):
        out.append(SchemaIssue(path, "must be a string (date-time)"))
        return
    problem = _parse_datetime(value, offset_required=False)  # DEVIATION 5
    if problem:
        out.append(SchemaIssue(path, problem))


def _date(value: Any, path: str, out: Issues) -> None:
    if not isinstance(value, str):
        out.append(SchemaIssue(path, "must be a string (date)"))
        return
    try:
        if not _DATE_RE.match(value):
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError:
        out.append(SchemaIssue(path, f"must be a date YYYY-MM-DD, got {value!r}"))


def _matching(regex: re.Pattern[str], what: str) -> Validator:
    def check(value: Any, path: str, out: Issues) -> None:
        if not isinstance(value, str):
            out.append(SchemaIssue(path, f"must be a string ({what})"))
        elif not regex.search(value):
            out.append(SchemaIssue(path, f"must be {what}, got {value!r}"))

    return check


def _one_of(values: frozenset[str], what: str, *, extensible: bool) -> Validator:
    """A (possibly ``ext:``-extensible) enumeration, as the schema's enum/oneOf pairs."""

    def check(value: Any, path: str, out: Issues) -> None:
        if not isinstance(value, str):
            out.append(SchemaIssue(path, f"must be a string ({what})"))
        elif value not in values and not (extensible and _EXT_RE.search(value)):
            hint = " or an 'ext:' extension" if extensible else ""
            out.append(SchemaIssue(path, f"{value!r} is not a known {what}{hint}"))

    return check


def _literal(expected: str) -> Validator:
    """A ``type`` that the schema fixes to one plain string (``Image``, ``IdentityObject``)."""

    def check(value: Any, path: str, out: Issues) -> None:
        if value != expected:
            out.append(SchemaIssue(path, f"must be the string {expected!r}"))

    return check


def _type_array(*required: str) -> Validator:
    """A ``type`` array of strings containing ``required`` (each, for the credential level).

    A bare string is refused as the schema refuses it, for every class whose ``type`` the
    schema declares as an array.
    """

    def check(value: Any, path: str, out: Issues) -> None:
        if not isinstance(value, list):
            out.append(SchemaIssue(path, f"must be an array containing {required[0]!r}"))
            return
        if not value:
            out.append(SchemaIssue(path, "must not be empty"))
        for i, item in enumerate(value):
            if not isinstance(item, str):
                out.append(SchemaIssue(f"{path}[{i}]", "must be a string"))
        for name in required:
            if name not in value:
                out.append(SchemaIssue(path, f"must contain {name!r}"))

    return check


def _array_of(item: Validator) -> Validator:
    def check(value: Any, path: str, out: Issues) -> None:
        if not isinstance(value, list):
            out.append(SchemaIssue(path, "must be an array"))
            return
        for i, element in enumerate(value):
            item(element, f"{path}[{i}]", out)

    return check


def _object(
    props: Mapping[str, Validator],
    required: tuple[str, ...] = (),
    *,
    closed: bool = False,
) -> Validator:
    """An object with typed properties; unknown properties pass unless ``closed``.

    Missing required properties are reported at the path they should have had.
    """

    def check(value: Any, path: str, out: Issues) -> None:
        if not isinstance(value, dict):
            out.append(SchemaIssue(path, "must be an object"))
            return
        for name in required:
            if name not in value:
                out.append(SchemaIssue(_at(path, name), "is required"))
        for name, element in value.items():
            validator = props.get(name)
            if validator is not None:
                validator(element, _at(path, name), out)
            elif closed:
                out.append(SchemaIssue(_at(path, name), "is not allowed here"))

    return check


_string_array = _array_of(_string)
_identifier_type = _one_of(_IDENTIFIER_TYPES, "identifier type", extensible=True)
_compact_jws_array = _array_of(_matching(_COMPACT_JWS_RE, "a compact JWS"))


# --- the OB 3.0 classes ------------------------------------------------------------------
# Late-bound wrappers let the classes refer to each other (Profile.parentOrg is a Profile,
# Profile.endorsement holds EndorsementCredentials whose issuer is a Profile...).


def _profile(value: Any, path: str, out: Issues) -> None:
    _PROFILE(value, path, out)


def _endorsement_credential(value: Any, path: str, out: Issues) -> None:
    _check_credential(value, path, out, endorsement=True)


_endorsements = _array_of(_endorsement_credential)

_IMAGE = _object(
    {"id": _uri, "type": _literal("Image"), "caption": _string},
    ("id", "type"),
    closed=True,
)

_IDENTIFIER_ENTRY = _object(
    {
        "type": _literal("IdentifierEntry"),
        "identifier": _string,
        "identifierType": _identifier_type,
    },
    ("type", "identifier", "identifierType"),
    closed=True,
)

_GEO_COORDINATES = _object(
    {"type": _literal("GeoCoordinates"), "latitude": _number, "longitude": _number},
    ("type", "latitude", "longitude"),
)

_ADDRESS = _object(
    {
        "type": _type_array("Address"),
        "addressCountry": _string,
        "addressCountryCode": _string,
        "addressRegion": _string,
        "addressLocality": _string,
        "streetAddress": _string,
        "postOfficeBoxNumber": _string,
        "postalCode": _string,
        "geo": _GEO_COORDINATES,
    },
    ("type",),
)

_PROFILE = _object(
    {
        "id": _uri,
        "type": _type_array("Profile"),
        "name": _string,
        "url": _uri,
        "phone": _string,
        "description": _string,
        "endorsement": _endorsements,
        "endorsementJwt": _compact_jws_array,
        "image": _IMAGE,
        "email": _string,
        "address": _ADDRESS,
        "otherIdentifier": _array_of(_IDENTIFIER_ENTRY),
        "official": _string,
        "parentOrg": _profile,
        "familyName": _string,
        "givenName": _string,
        "additionalName": _string,
        "patronymicName": _string,
        "honorificPrefix": _string,
        "honorificSuffix": _string,
        "familyNamePrefix": _string,
        "dateOfBirth": _date,
    },
    ("id", "type"),
)


def _profile_ref(value: Any, path: str, out: Issues) -> None:
    """``issuer``: the IRI of a Profile or an embedded Profile."""
    if isinstance(value, str):
        _uri(value, path, out)
    elif isinstance(value, dict):
        _PROFILE(value, path, out)
    else:
        out.append(SchemaIssue(path, "must be a Profile object or its URI"))


_ALIGNMENT = _object(
    {
        "type": _type_array("Alignment"),
        "targetCode": _string,
        "targetDescription": _string,
        "targetName": _string,
        "targetFramework": _string,
        "targetType": _one_of(_ALIGNMENT_TARGET_TYPES, "alignment target type", extensible=True),
        "targetUrl": _uri,
    },
    ("type", "targetName", "targetUrl"),
)
_alignments = _array_of(_ALIGNMENT)

_CRITERIA = _object({"id": _uri, "narrative": _string})

_RUBRIC_CRITERION_LEVEL = _object(
    {
        "id": _uri,
        "type": _type_array("RubricCriterionLevel"),
        "alignment": _alignments,
        "description": _string,
        "level": _string,
        "name": _string,
        "points": _string,
    },
    ("id", "type", "name"),
)

_RESULT_DESCRIPTION = _object(
    {
        "id": _uri,
        "type": _type_array("ResultDescription"),
        "alignment": _alignments,
        "allowedValue": _string_array,
        "name": _string,
        "requiredLevel": _uri,
        "requiredValue": _string,
        "resultType": _one_of(_RESULT_TYPES, "result type", extensible=True),
        "rubricCriterionLevel": _array_of(_RUBRIC_CRITERION_LEVEL),
        "valueMax": _string,
        "valueMin": _string,
    },
    ("id", "type", "name", "resultType"),
)

_RELATED = _object(
    {
        "id": _uri,
        "type": _type_array("Related"),
        "inLanguage": _matching(_LANGUAGE_RE, "a BCP 47 language code"),
        "version": _string,
    },
    ("id", "type"),
)

_ACHIEVEMENT = _object(
    {
        "id": _uri,
        "type": _type_array("Achievement"),
        "alignment": _alignments,
        "achievementType": _one_of(_ACHIEVEMENT_TYPES, "achievement type", extensible=True),
        "creator": _profile,
        "creditsAvailable": _number,
        "criteria": _CRITERIA,
        "description": _string,
        "endorsement": _endorsements,
        "endorsementJwt": _compact_jws_array,
        "fieldOfStudy": _string,
        "humanCode": _string,
        "image": _IMAGE,
        "inLanguage": _matching(_LANGUAGE_RE, "a BCP 47 language code"),
        "name": _string,
        "otherIdentifier": _array_of(_IDENTIFIER_ENTRY),
        "related": _array_of(_RELATED),
        "resultDescription": _array_of(_RESULT_DESCRIPTION),
        "specialization": _string,
        "tag": _string_array,
        "version": _string,
    },
    ("id", "type", "criteria", "description", "name"),
)

_IDENTITY_OBJECT = _object(
    {
        "type": _literal("IdentityObject"),
        "hashed": _boolean,
        "identityHash": _string,
        "identityType": _identifier_type,
        "salt": _string,
    },
    ("type", "hashed", "identityHash", "identityType"),
    closed=True,
)

_RESULT = _object(
    {
        "type": _type_array("Result"),
        "achievedLevel": _uri,
        "alignment": _alignments,
        "resultDescription": _uri,
        "status": _one_of(_RESULT_STATUSES, "result status", extensible=False),
        "value": _string,
    },
    ("type",),
)

_ACHIEVEMENT_SUBJECT_SHAPE = _object(
    {
        "id": _uri,
        "type": _type_array("AchievementSubject"),
        "activityEndDate": _datetime,
        "activityStartDate": _datetime,
        "creditsEarned": _number,
        "achievement": _ACHIEVEMENT,
        "identifier": _array_of(_IDENTITY_OBJECT),
        "image": _IMAGE,
        "licenseNumber": _string,
        "narrative": _string,
        "result": _array_of(_RESULT),
        "role": _string,
        "source": _profile,
        "term": _string,
    },
    ("type", "achievement"),
)


_UNIDENTIFIED = "the subject must be identified by 'id' and/or 'identifier'"


def _achievement_subject(value: Any, path: str, out: Issues) -> None:
    _ACHIEVEMENT_SUBJECT_SHAPE(value, path, out)
    # DEVIATION 3: "credentialSubject MUST be identified by id and/or identifier".
    if isinstance(value, dict) and "id" not in value:
        identifier = value.get("identifier")
        if not (isinstance(identifier, list) and identifier):
            out.append(SchemaIssue(path, _UNIDENTIFIED))


_ENDORSEMENT_SUBJECT = _object(
    {"id": _uri, "type": _type_array("EndorsementSubject"), "endorsementComment": _string},
    ("id", "type"),
)

_EVIDENCE = _object(
    {
        "id": _uri,
        "type": _type_array("Evidence"),
        "narrative": _string,
        "name": _string,
        "description": _string,
        "genre": _string,
        "audience": _string,
    },
    ("type",),
)

_PROOF = _object(
    {
        "type": _string,
        "created": _datetime,
        "cryptosuite": _string,
        "challenge": _string,
        "domain": _string,
        "nonce": _string,
        "proofPurpose": _string,
        "proofValue": _string,
        # A URI in the model, but judged by the proof check, which can say why it is unusable.
        "verificationMethod": _string,
    },
    ("type",),
)


def _proof(value: Any, path: str, out: Issues) -> None:
    # DEVIATION 1: a single proof object is as valid as an array of them.
    if isinstance(value, dict):
        _PROOF(value, path, out)
    elif isinstance(value, list):
        for i, element in enumerate(value):
            _PROOF(element, f"{path}[{i}]", out)
    else:
        out.append(SchemaIssue(path, "must be a proof object or an array of them"))


def _id_and_type(*required: str) -> Validator:
    return _object({"id": _uri, "type": _string}, required)


_CREDENTIAL_SCHEMA = _id_and_type("id", "type")
_STATUS_ENTRY = _id_and_type("id", "type")


def _credential_status(value: Any, path: str, out: Issues) -> None:
    # DEVIATION 6: VCDM 2.0 allows several status entries (revocation and suspension, on
    # an issuer's request); the schema build allows only one object.
    if isinstance(value, list) and value:
        for i, element in enumerate(value):
            _STATUS_ENTRY(element, f"{path}[{i}]", out)
    else:
        _STATUS_ENTRY(value, path, out)


_REFRESH_SERVICE = _id_and_type("id", "type")
_TERMS_OF_USE = _id_and_type("type")

# Properties both credential kinds share, as typed in the schema build.
_VC_PROPS: dict[str, Validator] = {
    "id": _uri,
    "name": _string,
    "description": _string,
    "awardedDate": _datetime_z,
    "issuer": _profile_ref,
    "validFrom": _datetime_z,
    "validUntil": _datetime_z,
    "proof": _proof,
    "credentialSchema": _array_of(_CREDENTIAL_SCHEMA),
    "credentialStatus": _credential_status,
    "refreshService": _REFRESH_SERVICE,
    "termsOfUse": _array_of(_TERMS_OF_USE),
}
_ACHIEVEMENT_CREDENTIAL_PROPS: dict[str, Validator] = {
    **_VC_PROPS,
    "image": _IMAGE,
    "credentialSubject": _achievement_subject,
    "endorsement": _endorsements,
    "endorsementJwt": _compact_jws_array,
    "evidence": _array_of(_EVIDENCE),
}
_ENDORSEMENT_CREDENTIAL_PROPS: dict[str, Validator] = {
    **_VC_PROPS,
    "credentialSubject": _ENDORSEMENT_SUBJECT,
}
# DEVIATION 2: the VCDM 1.1 names of the validity window.
_VCDM1_PROPS: dict[str, Validator] = {
    "issuanceDate": _datetime_z,
    "expirationDate": _datetime_z,
}


def _check_context(value: Any, path: str, out: Issues) -> bool:
    """Check ``@context``; return True when it declares a VCDM 1.1 document."""
    if not isinstance(value, list):
        out.append(SchemaIssue(path, "must be an array of contexts"))
        return False
    if len(value) < 2:
        out.append(
            SchemaIssue(path, "must list the VC context and then the Open Badges context")
        )
    vcdm1 = False
    if value:
        first = value[0]
        if first == _VCDM1_CONTEXT:
            vcdm1 = True  # DEVIATION 2
        elif first != _VCDM2_CONTEXT:
            out.append(
                SchemaIssue(f"{path}[0]", f"must be {_VCDM2_CONTEXT!r} (or the VCDM 1.1 context)")
            )
    if len(value) > 1:
        second = value[1]
        if not (isinstance(second, str) and _OB_CONTEXT_RE.search(second)):
            out.append(SchemaIssue(f"{path}[1]", "must be an Open Badges 3.0 context URL"))
    for i, extra in enumerate(value[2:], start=2):
        if not isinstance(extra, (str, dict)):
            out.append(SchemaIssue(f"{path}[{i}]", "must be a context URL or object"))
    return vcdm1


def _check_credential(doc: Any, path: str, out: Issues, *, endorsement: bool) -> None:
    """Check an AchievementCredential (or, with ``endorsement``, an EndorsementCredential)."""
    if not isinstance(doc, dict):
        out.append(SchemaIssue(path, "must be an object"))
        return
    vcdm1 = False
    if "@context" in doc:
        vcdm1 = _check_context(doc["@context"], _at(path, "@context"), out)
    if endorsement:
        props = dict(_ENDORSEMENT_CREDENTIAL_PROPS)
        kinds: tuple[str, ...] = (ENDORSEMENT_CREDENTIAL_TYPE,)
        required = ["@context", "type", "id", "name", "credentialSubject", "issuer"]
    else:
        props = dict(_ACHIEVEMENT_CREDENTIAL_PROPS)
        kinds = ("OpenBadgeCredential", "AchievementCredential")
        required = ["@context", "id", "type", "credentialSubject", "issuer"]
    if vcdm1:
        # DEVIATION 2: VCDM 1.1 requires issuanceDate where 2.0 requires validFrom.
        props.update(_VCDM1_PROPS)
        required.append("issuanceDate")
    else:
        required.append("validFrom")
    for name in required:
        if name not in doc:
            out.append(SchemaIssue(_at(path, name), "is required"))
    if "type" in doc:
        _check_credential_type(doc["type"], _at(path, "type"), kinds, out)
    for name, value in doc.items():
        validator = props.get(name)
        if validator is not None:
            validator(value, _at(path, name), out)


def _check_credential_type(value: Any, path: str, kinds: tuple[str, ...], out: Issues) -> None:
    if not isinstance(value, list):
        out.append(SchemaIssue(path, "must be an array"))
        return
    if not value:
        out.append(SchemaIssue(path, "must not be empty"))
    for i, item in enumerate(value):
        if not isinstance(item, str):
            out.append(SchemaIssue(f"{path}[{i}]", "must be a string"))
    if "VerifiableCredential" not in value:
        out.append(SchemaIssue(path, "must contain 'VerifiableCredential'"))
    if not any(kind in value for kind in kinds):
        out.append(SchemaIssue(path, "must contain " + " or ".join(repr(k) for k in kinds)))


# --- public API --------------------------------------------------------------------------


def is_open_badge(doc: Any) -> bool:
    """Whether ``doc`` claims to be an Open Badges credential (so the OB check applies).

    Decided by ``type`` alone: OpenBadgeCredential, AchievementCredential or
    EndorsementCredential. Other verifiable credentials get only the generic VCDM checks.
    """
    if not isinstance(doc, Mapping):
        return False
    names = _type_names(doc.get("type"))
    return any(n in OB_CREDENTIAL_TYPES or n == ENDORSEMENT_CREDENTIAL_TYPE for n in names)


def check_ob3(doc: Any, *, disclosed: bool = False) -> list[SchemaIssue]:
    """Every structural problem of an Open Badges 3.0 credential; empty means well formed.

    An EndorsementCredential (``type`` names it and no OB credential type) is checked
    against the EndorsementCredential rules, anything else against the
    AchievementCredential rules, so a document that is no badge at all is reported as
    lacking the badge types. Embedded endorsements are checked recursively.
    ``disclosed`` is for a selectively disclosed credential (ecdsa-sd-2023 derived proof),
    whose subject may lawfully withhold both ``id`` and ``identifier``: withholding the
    learner's identity is what selective disclosure is for.
    """
    out: Issues = []
    names = _type_names(doc.get("type")) if isinstance(doc, dict) else []
    endorsement = ENDORSEMENT_CREDENTIAL_TYPE in names and not OB_CREDENTIAL_TYPES & set(names)
    _check_credential(doc, "", out, endorsement=endorsement)
    if disclosed:
        out = [issue for issue in out if issue.message != _UNIDENTIFIED]
    return out


def raise_for_issues(issues: list[SchemaIssue]) -> None:
    """Raise :class:`CredentialError` (code ``schema_violation``) naming the first issues."""
    if not issues:
        return
    shown = "; ".join(str(i) for i in issues[:5])
    more = f" (and {len(issues) - 5} more)" if len(issues) > 5 else ""
    raise CredentialError(
        f"not a valid Open Badges 3.0 credential: {shown}{more}", code="schema_violation"
    )

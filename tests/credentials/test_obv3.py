"""The Open Badges 3.0 builders (``vcbadges.credentials.obv3``).

Builder output must pass our own structural check and, where the reference data in
``../shared`` is available, the official 1EdTech JSON Schema (run with ``jsonschema``, a
test-only dependency).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from vcbadges.credentials.obv3 import (
    OB3_CONTEXT,
    VCDM1_CONTEXT,
    VCDM2_CONTEXT,
    Achievement,
    AchievementCredential,
    AchievementSubject,
    Alignment,
    Criteria,
    EndorsementCredential,
    EndorsementSubject,
    Evidence,
    IdentityObject,
    Image,
    OpenBadgeCredential,
    Profile,
    Result,
    ResultDescription,
    format_datetime,
)
from vcbadges.credentials.schema import check_ob3, is_open_badge
from vcbadges.errors import CredentialError

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SCHEMAS = SHARED / "ob3" / "schemas"
needs_shared = pytest.mark.skipif(
    not SCHEMAS.is_dir(), reason="reference data ../shared/ob3 is not available"
)

CET = timezone(timedelta(hours=1))
T0 = datetime(2024, 3, 1, 10, 30, 15, 123456, tzinfo=CET)  # 09:30:15Z
T1 = datetime(2029, 3, 1, tzinfo=timezone.utc)

# The IdentityHash example of the OB 3.0 spec (IdentityHash derived type, also quoted in
# the schema's identityHash comment): SHA-256 over 'a@example.com' salted with 'Kosher'.
SPEC_HASH = "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"


def official(name: str) -> Any:
    import jsonschema

    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    return jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker())


def schema_errors(doc: dict[str, Any], name: str = "achievementcredential") -> list[str]:
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in official(name).iter_errors(doc)]


def as_vcdm2(doc: dict[str, Any]) -> dict[str, Any]:
    """A VCDM 1.1 document in the 2.0 shape, so the 2.0-only schema can judge the rest."""
    out = copy.deepcopy(doc)
    out["@context"][0] = VCDM2_CONTEXT
    out["validFrom"] = out.pop("issuanceDate")
    if "expirationDate" in out:
        out["validUntil"] = out.pop("expirationDate")
    return out


def issuer() -> Profile:
    return Profile(
        id="https://example.edu/issuers/565049",
        name="Example University",
        url="https://example.edu",
        email="badges@example.edu",
        description="Issues badges",
        image=Image(id="https://example.edu/logo.png", caption="Logo"),
    )


def achievement() -> Achievement:
    level = ResultDescription(
        id="https://example.edu/achievements/1/results/grade",
        name="Final grade",
        result_type="LetterGrade",
        allowed_value=["A", "B", "C"],
        required_value="C",
    )
    return Achievement(
        id="https://example.edu/achievements/1",
        name="Robotics 101",
        description="Built a robot.",
        criteria=Criteria(id="https://example.edu/achievements/1/criteria", narrative="Build it."),
        image=Image(id="data:image/png;base64,iVBORw0KGgo="),
        achievement_type="Course",
        alignment=[
            Alignment(
                target_name="Robotics",
                target_url="https://example.org/frameworks/robotics",
                target_type="CFItem",
                target_code="R1",
            )
        ],
        result_description=[level],
        tag=["robots", "engineering"],
        creator=issuer(),
        credits_available=3.0,
        in_language="en-US",
        version="1.0",
    )


def full_credential(**overrides: Any) -> AchievementCredential:
    subject = AchievementSubject(
        id="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        identifier=[IdentityObject.hashed_email("learner@example.com", salt="pepper")],
        achievement=achievement(),
        result=[
            Result(
                result_description="https://example.edu/achievements/1/results/grade",
                value="A",
                status="Completed",
            )
        ],
        narrative="Great work",
        activity_start_date=datetime(2024, 1, 8, tzinfo=timezone.utc),
        activity_end_date=datetime(2024, 2, 28, tzinfo=timezone.utc),
        credits_earned=3.0,
        role="Student",
        term="Spring",
        source=Profile(id="https://example.edu/schools/eng", name="School of Engineering"),
    )
    fields: dict[str, Any] = dict(
        issuer=issuer(),
        credential_subject=subject,
        name="Robotics 101 badge",
        description="Awarded for Robotics 101",
        image=Image(id="https://example.edu/badges/1.png"),
        evidence=[Evidence(id="https://example.edu/evidence/1", name="Robot video", genre="Video")],
        valid_from=T0,
        valid_until=T1,
        awarded_date=T0,
    )
    fields.update(overrides)
    return AchievementCredential(**fields)


def minimal_credential(**overrides: Any) -> AchievementCredential:
    fields: dict[str, Any] = dict(
        issuer=Profile(id="did:example:issuer"),
        credential_subject=AchievementSubject(
            id="did:example:learner",
            achievement=Achievement(
                id="urn:uuid:7a3d2a0e-1111-4f3c-9d55-0b5c7f1e2a33",
                name="Minimal",
                description="Minimal badge",
                criteria=Criteria(narrative="Show up."),
            ),
        ),
        valid_from=T0,
    )
    fields.update(overrides)
    return AchievementCredential(**fields)


def endorsement(**overrides: Any) -> EndorsementCredential:
    fields: dict[str, Any] = dict(
        issuer=Profile(id="https://accreditor.example/issuers/1", name="Accreditor"),
        credential_subject=EndorsementSubject(
            id="https://example.edu/issuers/565049", endorsement_comment="In good standing"
        ),
        name="Accreditation",
        valid_from=T0,
    )
    fields.update(overrides)
    return EndorsementCredential(**fields)


# --- shape of the output ------------------------------------------------------------------


def test_vcdm2_credential_shape() -> None:
    doc = full_credential().to_json()
    assert doc["@context"] == [VCDM2_CONTEXT, OB3_CONTEXT]
    assert doc["@context"][1] == "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", doc["id"])
    assert doc["validFrom"] == "2024-03-01T09:30:15Z"  # UTC, whole seconds
    assert doc["validUntil"] == "2029-03-01T00:00:00Z"
    assert doc["awardedDate"] == "2024-03-01T09:30:15Z"
    assert "issuanceDate" not in doc and "expirationDate" not in doc
    assert doc["issuer"]["type"] == ["Profile"]
    assert doc["image"] == {"id": "https://example.edu/badges/1.png", "type": "Image"}
    subject = doc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["activityStartDate"] == "2024-01-08T00:00:00Z"
    assert subject["identifier"][0]["type"] == "IdentityObject"
    assert subject["result"][0]["type"] == ["Result"]
    ach = subject["achievement"]
    assert ach["type"] == ["Achievement"]
    assert ach["achievementType"] == "Course"
    assert ach["tag"] == ["robots", "engineering"]
    assert ach["criteria"] == {
        "id": "https://example.edu/achievements/1/criteria",
        "narrative": "Build it.",
    }
    assert ach["alignment"][0]["type"] == ["Alignment"]
    assert ach["alignment"][0]["targetUrl"] == "https://example.org/frameworks/robotics"
    assert ach["resultDescription"][0]["type"] == ["ResultDescription"]
    assert ach["resultDescription"][0]["resultType"] == "LetterGrade"
    assert ach["creator"]["type"] == ["Profile"]
    assert doc["evidence"] == [
        {"id": "https://example.edu/evidence/1", "type": ["Evidence"], "name": "Robot video",
         "genre": "Video"}
    ]  # fmt: skip


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in _keys(v)}
    if isinstance(node, list):
        return {k for v in node for k in _keys(v)}
    return set()


def _values(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [x for v in node.values() for x in _values(v)]
    if isinstance(node, list):
        return [x for v in node for x in _values(v)]
    return [node]


def test_keys_are_camel_case_and_unset_optionals_omitted() -> None:
    full = full_credential().to_json()
    assert all("_" not in k for k in _keys(full))
    assert None not in _values(full)
    minimal = minimal_credential().to_json()
    assert None not in _values(minimal)
    assert set(minimal) == {"@context", "id", "type", "issuer", "validFrom", "credentialSubject"}
    assert minimal["issuer"] == {"id": "did:example:issuer", "type": ["Profile"]}
    assert set(minimal["credentialSubject"]) == {"id", "type", "achievement"}
    assert minimal["credentialSubject"]["achievement"]["criteria"] == {"narrative": "Show up."}


def test_vcdm_1_1_output() -> None:
    doc = full_credential(vcdm="1.1").to_json()
    assert doc["@context"] == [VCDM1_CONTEXT, OB3_CONTEXT]
    assert doc["@context"][0] == "https://www.w3.org/2018/credentials/v1"
    assert doc["issuanceDate"] == "2024-03-01T09:30:15Z"
    assert doc["expirationDate"] == "2029-03-01T00:00:00Z"
    assert "validFrom" not in doc and "validUntil" not in doc
    assert check_ob3(doc) == []
    # Everything but the data model version is the same document.
    v2 = full_credential(vcdm="2.0", id=doc["id"]).to_json()
    assert as_vcdm2(doc) == v2


def test_endorsement_shape() -> None:
    doc = endorsement(valid_until=T1, description="d").to_json()
    assert doc["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert doc["name"] == "Accreditation"
    assert doc["credentialSubject"] == {
        "id": "https://example.edu/issuers/565049",
        "type": ["EndorsementSubject"],
        "endorsementComment": "In good standing",
    }
    assert is_open_badge(doc)
    assert check_ob3(doc) == []
    v1 = endorsement(vcdm="1.1").to_json()
    assert v1["@context"][0] == VCDM1_CONTEXT and "issuanceDate" in v1
    assert check_ob3(v1) == []


def test_alias() -> None:
    assert OpenBadgeCredential is AchievementCredential


def test_default_ids_and_valid_from() -> None:
    before = datetime.now(timezone.utc).replace(microsecond=0)
    subject = minimal_credential().credential_subject
    a = AchievementCredential(issuer=Profile(id="did:example:i"), credential_subject=subject)
    b = AchievementCredential(issuer=Profile(id="did:example:i"), credential_subject=subject)
    assert a.id != b.id and a.id.startswith("urn:uuid:")
    assert a.valid_from.tzinfo is not None and a.valid_from >= before
    assert a.to_json()["id"] == a.id  # stable across calls
    assert a.to_json() == a.to_json()
    assert endorsement().id.startswith("urn:uuid:")


# --- builders pass our check and the official schema ----------------------------------------


@pytest.mark.parametrize("build", [full_credential, minimal_credential])
@pytest.mark.parametrize("vcdm", ["2.0", "1.1"])
def test_credentials_pass_our_check(build: Any, vcdm: str) -> None:
    assert check_ob3(build(vcdm=vcdm).to_json()) == []


@needs_shared
@pytest.mark.parametrize("build", [full_credential, minimal_credential])
def test_credentials_pass_official_schema(build: Any) -> None:
    assert schema_errors(build().to_json()) == []
    # VCDM 1.1 output is valid apart from the data model version the schema insists on.
    v1 = build(vcdm="1.1").to_json()
    assert schema_errors(v1) != []
    assert schema_errors(as_vcdm2(v1)) == []


@needs_shared
def test_endorsements_pass_official_schema() -> None:
    doc = endorsement(valid_until=T1, description="d").to_json()
    assert schema_errors(doc, "endorsementcredential") == []
    assert schema_errors(as_vcdm2(endorsement(vcdm="1.1").to_json()), "endorsementcredential") == []


@needs_shared
def test_embedded_endorsements_pass_both_checks() -> None:
    signed = endorsement().to_json()
    signed["proof"] = [{"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
                        "proofPurpose": "assertionMethod", "proofValue": "z3FXQ",
                        "verificationMethod": "https://accreditor.example/issuers/1#key-1",
                        "created": "2024-03-01T09:30:15Z"}]  # fmt: skip
    prof = dataclasses.replace(issuer(), endorsement=[signed, endorsement()])
    ach = dataclasses.replace(achievement(), endorsement=[signed])
    cred = full_credential(issuer=prof, endorsement=[signed])
    cred = dataclasses.replace(
        cred,
        credential_subject=dataclasses.replace(cred.credential_subject, achievement=ach),
    )
    doc = cred.to_json()
    assert doc["issuer"]["endorsement"][0]["proof"] == signed["proof"]
    assert doc["issuer"]["endorsement"][1]["type"][1] == "EndorsementCredential"
    assert check_ob3(doc) == []
    assert schema_errors(doc) == []


@needs_shared
def test_builder_output_is_rejected_when_broken() -> None:
    """Both checks must still see a broken builder document (guards against vacuous passes)."""
    doc = full_credential().to_json()
    del doc["credentialSubject"]["achievement"]["criteria"]
    assert check_ob3(doc) and schema_errors(doc)


# --- immutability ---------------------------------------------------------------------------


def test_builders_are_frozen_and_keyword_only() -> None:
    cred = minimal_credential()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cred.name = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Image("https://example.edu/i.png")  # type: ignore[misc]
    with pytest.raises(TypeError):
        Profile("did:example:i")  # type: ignore[misc]


def test_to_json_returns_fresh_objects_and_never_mutates_inputs() -> None:
    signed = endorsement().to_json()
    signed["proof"] = {"type": "DataIntegrityProof"}
    status = {"id": "https://example.edu/status/1#5", "type": "BitstringStatusListEntry"}
    originals = copy.deepcopy((signed, status))
    tags = ["a", "b"]
    ach = dataclasses.replace(achievement(), tag=tags)
    cred = full_credential(endorsement=[signed], credential_status=status)
    cred = dataclasses.replace(
        cred, credential_subject=dataclasses.replace(cred.credential_subject, achievement=ach)
    )
    first = cred.to_json()
    second = cred.to_json()
    assert first == second
    first["endorsement"][0]["proof"]["type"] = "tampered"
    first["credentialStatus"]["id"] = "tampered"
    first["credentialSubject"]["achievement"]["tag"].append("c")
    first["issuer"]["type"].append("Other")
    assert cred.to_json() == second
    assert (signed, status) == originals
    assert tags == ["a", "b"]


# --- validation at construction --------------------------------------------------------------


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2024, 1, 1)
    with pytest.raises(CredentialError, match="timezone"):
        minimal_credential(valid_from=naive)
    with pytest.raises(CredentialError, match="timezone"):
        minimal_credential(valid_until=naive)
    with pytest.raises(CredentialError, match="timezone"):
        endorsement(valid_from=naive)
    with pytest.raises(CredentialError, match="timezone"):
        AchievementSubject(id="did:example:x", achievement=achievement(), activity_end_date=naive)
    with pytest.raises(CredentialError):
        format_datetime(naive)


def test_other_construction_errors() -> None:
    with pytest.raises(CredentialError, match="earlier"):
        minimal_credential(valid_until=T0 - timedelta(seconds=1))
    with pytest.raises(CredentialError):
        Criteria()
    with pytest.raises(CredentialError, match="id"):
        AchievementSubject(achievement=achievement())
    with pytest.raises(CredentialError, match="VCDM"):
        minimal_credential(vcdm="3.0")
    with pytest.raises(CredentialError):
        endorsement(name="")
    # An identifier alone is enough to identify the subject.
    subject = AchievementSubject(
        identifier=[IdentityObject.hashed_email("a@example.com")], achievement=achievement()
    )
    assert "id" not in subject.to_json()
    assert check_ob3(minimal_credential(credential_subject=subject).to_json()) == []


def test_format_datetime() -> None:
    assert format_datetime(T0) == "2024-03-01T09:30:15Z"
    assert format_datetime(datetime(2024, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-2)))) == (
        "2025-01-01T01:00:00Z"
    )


# --- IdentityObject -----------------------------------------------------------------------


def test_hashed_email_reproduces_the_spec_example() -> None:
    ident = IdentityObject.hashed_email("a@example.com", salt="Kosher")
    assert ident.identity_hash == SPEC_HASH
    assert ident.to_json() == {
        "type": "IdentityObject",
        "identityHash": SPEC_HASH,
        "identityType": "emailAddress",
        "hashed": True,
        "salt": "Kosher",
    }
    assert ident.matches("a@example.com")
    assert not ident.matches("b@example.com")
    assert not ident.matches("A@example.com")  # no normalisation is defined by the spec
    assert not ident.matches("a@example.comKosher")


@needs_shared
def test_spec_example_as_published_in_the_schema() -> None:
    """The example is read from the official schema text, not only copied above."""
    text = (SCHEMAS / "achievementcredential.json").read_text(encoding="utf-8")
    m = re.search(
        r"'(sha256\$[0-9a-f]{64})' represents the result of calculating a SHA-256 hash on "
        r"the string '([^']+)'\. in which the email identifier '([^']+)' is salted with '([^']+)'",
        text,
    )
    assert m, "IdentityHash example not found in the schema"
    expected, joined, email, salt = m.groups()
    assert joined == email + salt
    assert IdentityObject.hashed_email(email, salt=salt).identity_hash == expected


def test_random_salt() -> None:
    a = IdentityObject.hashed_email("a@example.com")
    b = IdentityObject.hashed_email("a@example.com")
    assert a.salt and b.salt and a.salt != b.salt and len(a.salt) >= 16
    assert a.identity_hash != b.identity_hash
    assert a.matches("a@example.com") and b.matches("a@example.com")
    assert not a.matches("b@example.com")
    digest = hashlib.sha256(("a@example.com" + a.salt).encode()).hexdigest()
    assert a.identity_hash == f"sha256${digest}"


def test_matches_other_forms() -> None:
    upper = IdentityObject(identity_hash=SPEC_HASH.upper().replace("SHA256", "sha256"),
                           hashed=True, salt="Kosher")  # fmt: skip
    assert upper.matches("a@example.com")
    md5 = IdentityObject(
        identity_hash="md5$" + hashlib.md5(b"a@example.comx").hexdigest(), hashed=True, salt="x"
    )
    assert md5.matches("a@example.com") and not md5.matches("b@example.com")
    unsalted = IdentityObject(
        identity_hash="sha256$" + hashlib.sha256(b"a@example.com").hexdigest(), hashed=True
    )
    assert unsalted.matches("a@example.com")
    assert not IdentityObject(identity_hash="sha1$abcd", hashed=True).matches("a@example.com")
    assert not IdentityObject(identity_hash="nodollar", hashed=True).matches("nodollar")
    plain = IdentityObject(identity_hash="student@example.edu", salt="not-used")
    assert plain.matches("student@example.edu") and not plain.matches("other@example.edu")


def test_identity_object_from_json() -> None:
    data = {"type": "IdentityObject", "identityHash": SPEC_HASH, "identityType": "emailAddress",
            "hashed": True, "salt": "Kosher"}  # fmt: skip
    ident = IdentityObject.from_json(data)
    assert ident.matches("a@example.com") and ident.to_json() == data
    for broken in [
        [],
        {**data, "hashed": "true"},
        {**data, "identityHash": 5},
        {**data, "salt": 1},
        {k: v for k, v in data.items() if k != "identityType"},
    ]:
        with pytest.raises(CredentialError):
            IdentityObject.from_json(broken)

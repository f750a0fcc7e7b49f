"""The structural OB 3.0 check (``vcbadges.credentials.schema``).

Two kinds of tests. Unit tests pin individual rules and the deliberate deviations. Agreement
tests compare ``check_ob3`` with the official 1EdTech JSON Schema build (run with
``jsonschema``, a test-only dependency) over every official example credential and over
thousands of generated broken variants; they need the reference data in ``../shared`` and
are skipped without it.

The agreement is exact except for the deviations ``schema.py`` documents. Each one appears
here by name, in ``schema_view`` (documents rewritten so the schema judges what we judge)
or in ``expected_valid`` (spec rules the schema does not encode):

* SINGLE_PROOF: a lone proof object is valid; the schema build wants an array.
* VCDM_1_1: credentials v1 context + ``issuanceDate`` are valid; the build wants VCDM 2.0.
* SUBJECT_IDENTIFIED: a subject needs ``id`` or a non-empty ``identifier`` (spec rule).
* ABSOLUTE_URI: URI fields must be absolute (the schema accepts any string).
* DATETIME_WITHOUT_OFFSET: spec DateTime fields may lack an offset (DateTimeZ may not).
"""

from __future__ import annotations

import base64
import copy
import json
import re
import struct
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from vcbadges.credentials.obv3 import (
    Achievement,
    AchievementCredential,
    AchievementSubject,
    Criteria,
    IdentityObject,
    Profile,
)
from vcbadges.credentials.schema import SchemaIssue, check_ob3, is_open_badge, raise_for_issues
from vcbadges.errors import CredentialError

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
OB3 = SHARED / "ob3"
EXAMPLES = OB3 / "examples"
needs_shared = pytest.mark.skipif(
    not (OB3 / "schemas").is_dir(), reason="reference data ../shared/ob3 is not available"
)

VCDM1 = "https://www.w3.org/2018/credentials/v1"
VCDM2 = "https://www.w3.org/ns/credentials/v2"


# --- the official schema, run with jsonschema -----------------------------------------------

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.I)


def _is_rfc3339(value: object) -> bool:
    """An RFC 3339 date-time (offset required), written independently of schema.py."""
    if not isinstance(value, str):
        return True  # formats only constrain strings
    if not _RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


_validators: dict[str, Any] = {}


def official(name: str) -> Any:
    """The Draft 2019-09 validator for ``schemas/<name>.json``.

    jsonschema only asserts ``format: date-time`` when the optional rfc3339-validator
    package is installed; it is not, so the check is registered here to make the schema
    mean what it says.
    """
    if name not in _validators:
        import jsonschema

        checker = jsonschema.FormatChecker()
        checker.checks("date-time")(_is_rfc3339)
        schema = json.loads((OB3 / "schemas" / f"{name}.json").read_text(encoding="utf-8"))
        _validators[name] = jsonschema.Draft201909Validator(schema, format_checker=checker)
    return _validators[name]


def is_endorsement(doc: Any) -> bool:
    types = doc.get("type") if isinstance(doc, dict) else None
    names = types if isinstance(types, list) else [types]
    return "EndorsementCredential" in names and not (
        "OpenBadgeCredential" in names or "AchievementCredential" in names
    )


def schema_view(node: Any) -> Any:
    """``node`` as the schema should see it once the SINGLE_PROOF and VCDM_1_1 deviations
    are accounted for (recursively, for embedded endorsements)."""
    if isinstance(node, list):
        return [schema_view(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: schema_view(v) for k, v in node.items()}
    if isinstance(out.get("proof"), dict):  # SINGLE_PROOF
        out["proof"] = [out["proof"]]
    context = out.get("@context")
    if isinstance(context, list) and context and context[0] == VCDM1:  # VCDM_1_1
        out["@context"] = [VCDM2, *context[1:]]
        out.pop("validFrom", None)
        if "issuanceDate" in out:
            out["validFrom"] = out["issuanceDate"]
        if "expirationDate" in out:
            out["validUntil"] = out["expirationDate"]
    return out


def subject_identified(doc: Any) -> bool:
    """SUBJECT_IDENTIFIED: the spec rule the schema leaves out."""
    if not isinstance(doc, dict) or is_endorsement(doc):
        return True
    subject = doc.get("credentialSubject")
    if not isinstance(subject, dict) or "id" in subject:
        return True
    identifier = subject.get("identifier")
    return isinstance(identifier, list) and len(identifier) > 0


def schema_valid(doc: Any, *, endorsement: bool) -> bool:
    name = "endorsementcredential" if endorsement else "achievementcredential"
    return bool(official(name).is_valid(doc))


def expected_valid(doc: Any, *, endorsement: bool | None = None) -> bool:
    """What check_ob3 must conclude: the official schema, modulo the named deviations."""
    if endorsement is None:
        endorsement = is_endorsement(doc)
    return schema_valid(schema_view(doc), endorsement=endorsement) and subject_identified(doc)


# --- the official examples -----------------------------------------------------------------


def _jwt_vc(compact: str) -> Any:
    payload = compact.strip().split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims.get("vc", claims)


def _png_credential(data: bytes) -> str:
    """The text of the first ``openbadgecredential`` iTXt chunk (test-only reader)."""
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"iTXt":
            keyword, rest = body.split(b"\0", 1)
            if keyword == b"openbadgecredential":
                _language, rest = rest[2:].split(b"\0", 1)
                _translated, text = rest.split(b"\0", 1)
                return text.decode("utf-8")
    raise AssertionError("no openbadgecredential chunk")


def _svg_credential(text: str) -> str:
    cdata = re.search(r"<!\[CDATA\[(.*?)\]\]>", text, re.S)
    if cdata:
        return cdata.group(1)
    verify = re.search(r'<openbadges:credential[^>]*\sverify="([^"]+)"', text)
    assert verify, "no openbadges:credential element"
    return verify.group(1)


def load_example(path: Path) -> Any:
    """The credential in an example file: JSON, the ``vc`` claim of a JWT, or baked."""
    if path.suffix in (".png", ".svg"):
        raw = path.read_bytes()
        text = _png_credential(raw) if path.suffix == ".png" else _svg_credential(raw.decode())
        text = text.strip()
        return json.loads(text) if text.startswith("{") else _jwt_vc(text)
    text = path.read_text(encoding="utf-8")
    return _jwt_vc(text) if path.suffix == ".jwt" else json.loads(text)


def _example_files() -> list[Path]:
    if not EXAMPLES.is_dir():
        return []
    suffixes = {".json", ".jwt", ".1ob", ".png", ".svg"}
    return sorted(
        p for p in EXAMPLES.rglob("*") if p.is_file() and p.suffix in suffixes
    )


EXAMPLE_FILES = _example_files()

# Example files that hold no Open Badges credential (a Profile, a bare proof, another VC).
NOT_OPEN_BADGES = {
    "spec/spec-api-putprofile-response-profile.json",
    "spec/spec-ldp-testvector-proof.json",
    "validator/simple-err-type.json",
}

# Our verdicts on the official examples, pinned so a change of behaviour shows up even if
# the schema were to change with it. Notable: the signed LDP test vector and the VCDM 1.1
# fixtures are valid only thanks to the SINGLE_PROOF / VCDM_1_1 deviations; the
# Implementation Guide examples use string ``type`` values the schema build refuses.
VALID_EXAMPLES = {
    "spec/spec-achievement-alignment-case.json",
    "spec/spec-achievement-alignment-ce.json",
    "spec/spec-basic-openbadgecredential.json",
    "spec/spec-complete-openbadgecredential.json",
    "spec/spec-docformat-openbadgecredential.json",
    "spec/spec-endorsementcredential.json",
    "spec/spec-ldp-testvector-signed.json",
    "spec/spec-ldp-testvector-unsigned.json",
    "spec/spec-skill-assertion-case.json",
    "spec/spec-skill-assertion-ctdl.json",
    "validator/bit-string-list/credential-status-revoked-blank-nodes.json",
    "validator/bit-string-list/credential-status-revoked.json",
    "validator/complete.json",
    "validator/endorsement-valid.json",
    "validator/sd/derivedcredential.json",
    "validator/simple-context-alias.json",
    "validator/simple-context-version.json",
    "validator/simple-did-key-method.json",
    "validator/simple-did-web-method.json",
    "validator/simple-eddsa-2022.json",
    "validator/simple-err-expired.json",
    "validator/simple-err-proof-method-no-scheme.json",
    "validator/simple-err-proof-method-unknown-did-method.json",
    "validator/simple-err-proof-method-unknown-scheme.json",
    "validator/simple-err-proof-method.json",
    "validator/simple-err-proof-value.json",
    "validator/simple-json.png",
    "validator/simple-json.svg",
    "validator/simple-jwt.png",
    "validator/simple-jwt.svg",
    "validator/simple-jwt_v1.png",
    "validator/simple-jwt_v1.svg",
    "validator/simple-multiple-proofs.json",
    "validator/simple.1ob",
    "validator/simple.json",
    "validator/simple_v1.json",
    "validator/velocity.jwt",
}


def _rel(path: Path) -> str:
    return path.relative_to(EXAMPLES).as_posix()


@needs_shared
@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[_rel(p) for p in EXAMPLE_FILES])
def test_official_example_agrees_with_official_schema(path: Path) -> None:
    doc = load_example(path)
    name = _rel(path)
    if name in NOT_OPEN_BADGES:
        assert not is_open_badge(doc)
        return
    assert is_open_badge(doc), name
    issues = check_ob3(doc)
    assert (not issues) == expected_valid(doc), (name, issues)
    assert (not issues) == (name in VALID_EXAMPLES), (name, issues)


@needs_shared
def test_examples_cover_both_verdicts_and_all_files() -> None:
    names = {_rel(p) for p in EXAMPLE_FILES}
    assert VALID_EXAMPLES <= names and NOT_OPEN_BADGES <= names
    credentials = names - NOT_OPEN_BADGES
    # 57 credentials (JSON, JWT, baked PNG/SVG): 37 valid, 20 invalid. If this drifts,
    # the fixture set changed and the pinned verdicts need a fresh look.
    assert len(credentials) == 57
    assert len(credentials - VALID_EXAMPLES) == 20


@needs_shared
@pytest.mark.parametrize(
    "name",
    ["spec/spec-ldp-testvector-signed.json", "validator/simple-did-web-method.json"],
)
def test_deviation_single_proof_object(name: str) -> None:
    """SINGLE_PROOF: the official signed test vector fails the schema build only on /proof."""
    doc = load_example(EXAMPLES / name)
    assert isinstance(doc["proof"], dict)
    assert not schema_valid(doc, endorsement=False)
    assert schema_valid(schema_view(doc), endorsement=False)
    assert check_ob3(doc) == []


@needs_shared
@pytest.mark.parametrize(
    "name", ["validator/simple_v1.json", "validator/simple-eddsa-2022.json"]
)
def test_deviation_vcdm_1_1(name: str) -> None:
    """VCDM_1_1: the validator's VCDM 1.1 fixtures fail the schema build only on the version."""
    doc = load_example(EXAMPLES / name)
    assert doc["@context"][0] == VCDM1 and "issuanceDate" in doc and "validFrom" not in doc
    assert not schema_valid(doc, endorsement=False)
    assert schema_valid(schema_view(doc), endorsement=False)
    assert check_ob3(doc) == []


# --- generated broken variants --------------------------------------------------------------

_REMOVE = object()
KeyPath = tuple[str | int, ...]
_DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}(T|$)")


def _label(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _walk(node: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, Any, bool]]:
    """Every (path, value, in_object) below the root."""
    children: Any = ()
    if isinstance(node, dict):
        children = node.items()
    elif isinstance(node, list):
        children = enumerate(node)
    for key, value in children:
        yield (*path, key), value, isinstance(node, dict)
        yield from _walk(value, (*path, key))


def _wrong_values(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, bool):
        return [("string for a boolean", "true")]
    if isinstance(value, (int, float)):
        return [("string for a number", "42")]
    if isinstance(value, str):
        out: list[tuple[str, Any]] = [("number for a string", 42)]
        if _DATE_LIKE.match(value):
            out += [("object for a date", {"date": value}), ("non-date string", "yesterday")]
        return out
    if isinstance(value, list):
        return [("string for an array", "urn:example:not-an-array"), ("empty array", [])]
    if isinstance(value, dict):
        return [("string for an object", "urn:example:not-an-object")]
    return []


def variants(doc: Any) -> Iterator[tuple[str, Any]]:
    """Broken (or harmlessly changed) copies of ``doc``: every property removed in turn, at
    every level, and every value replaced by a value of the wrong type."""
    for path, value, in_object in _walk(doc):
        changes = [("remove", _REMOVE)] if in_object else []
        for change in changes + _wrong_values(value):
            label, replacement = change
            copy_ = copy.deepcopy(doc)
            parent = copy_
            for part in path[:-1]:
                parent = parent[part]
            if replacement is _REMOVE:
                del parent[path[-1]]
            else:
                parent[path[-1]] = replacement
            yield f"{label}: {_label(path)}", copy_


def _builder_credential() -> dict[str, Any]:
    """A builder-made badge whose subject is identified by a hashed e-mail only."""
    return AchievementCredential(
        id="urn:uuid:4f8b9a4e-0d7e-4c47-9a5e-2d1b7c3f9a10",
        issuer=Profile(id="did:example:issuer", name="Example University"),
        valid_from=datetime.fromisoformat("2024-01-01T00:00:00+00:00"),
        credential_subject=AchievementSubject(
            identifier=[IdentityObject.hashed_email("a@example.com", salt="Kosher")],
            achievement=Achievement(
                id="https://example.edu/achievements/1",
                name="Badge",
                description="A badge",
                criteria=Criteria(narrative="Do the thing"),
            ),
        ),
    ).to_json()


# Bases: the richest spec example, the single-proof test vector, a VCDM 1.1 fixture with a
# list proof, both EndorsementCredential examples, and a builder-made badge without subject id.
VARIANT_BASES = [
    "spec/spec-complete-openbadgecredential.json",
    "spec/spec-ldp-testvector-signed.json",
    "validator/complete_v1.json@endorsement",
    "validator/simple_v1.json",
    "spec/spec-endorsementcredential.json",
    "validator/endorsement-valid.json",
    "builder",
]


def _base(name: str) -> dict[str, Any]:
    if name == "builder":
        return _builder_credential()
    if name.endswith("@endorsement"):
        # A VCDM 1.1 EndorsementCredential embedded in a fixture; it lacks `id`, which the
        # schema requires, so give it one to start from a valid document.
        outer = load_example(EXAMPLES / name.removesuffix("@endorsement"))
        doc = copy.deepcopy(outer["credentialSubject"]["achievement"]["endorsement"][0])
        doc.setdefault("id", "urn:uuid:5b8b0f0e-2f9c-4b1e-8a55-0f7f1c1d2e3f")
        return doc
    return load_example(EXAMPLES / name)


@needs_shared
@pytest.mark.parametrize("base", VARIANT_BASES)
def test_broken_variants_agree_with_official_schema(base: str) -> None:
    doc = _base(base)
    endorsement = is_endorsement(doc)
    assert check_ob3(doc) == [] and expected_valid(doc, endorsement=endorsement), base
    disagreements = []
    rejected = total = 0
    for label, variant in variants(doc):
        total += 1
        ours = check_ob3(variant)
        expected = expected_valid(variant, endorsement=endorsement)
        rejected += bool(ours)
        if (not ours) != expected:
            verdict = "valid" if not ours else ours[:2]
            disagreements.append(f"{label}: ours={verdict} official schema valid={expected}")
    assert not disagreements, "\n".join(disagreements[:30])
    # The variants must exercise both verdicts heavily, or the test proves nothing.
    assert total > 50 and rejected > total // 2 and total - rejected >= 3, (total, rejected)


@needs_shared
def test_variant_generation_covers_required_fields_at_every_level() -> None:
    """Guard the generator: it must remove the required fields the NOTES table lists."""
    doc = _base("spec/spec-complete-openbadgecredential.json")
    labels = {label for label, _ in variants(doc)}
    for path in [
        "@context", "id", "type", "issuer", "validFrom", "credentialSubject",
        "issuer.id", "issuer.type",
        "credentialSubject.type", "credentialSubject.achievement",
        "credentialSubject.achievement.id", "credentialSubject.achievement.type",
        "credentialSubject.achievement.criteria", "credentialSubject.achievement.description",
        "credentialSubject.achievement.name",
        "credentialSubject.identifier[0].type", "credentialSubject.identifier[0].hashed",
        "credentialSubject.identifier[0].identityHash",
        "credentialSubject.identifier[0].identityType",
        "credentialSubject.result[0].type", "evidence[0].type",
        "credentialSubject.achievement.alignment[0].targetName",
        "credentialSubject.achievement.alignment[0].targetUrl",
        "credentialSubject.achievement.resultDescription[0].resultType",
        "credentialSubject.achievement.creator.endorsement[0].name",
        "credentialSubject.achievement.creator.endorsement[0].credentialSubject.id",
    ]:  # fmt: skip
        assert f"remove: {path}" in labels, path
    assert "object for a date: validFrom" in labels
    assert "string for an array: credentialSubject.achievement.tag" in labels or (
        "tag" not in doc["credentialSubject"]["achievement"]
    )


@needs_shared
def test_deviation_subject_identified() -> None:
    """SUBJECT_IDENTIFIED: the schema accepts a subject with neither id nor identifier."""
    doc = load_example(EXAMPLES / "spec/spec-basic-openbadgecredential.json")
    del doc["credentialSubject"]["id"]
    assert schema_valid(doc, endorsement=False)
    assert [i.path for i in check_ob3(doc)] == ["credentialSubject"]
    doc["credentialSubject"]["identifier"] = []
    assert schema_valid(doc, endorsement=False)
    assert check_ob3(doc)


@needs_shared
@pytest.mark.parametrize(
    "path",
    [
        ("id",),
        ("issuer", "id"),
        ("credentialSubject", "id"),
        ("credentialSubject", "achievement", "id"),
        ("credentialSubject", "achievement", "criteria", "id"),
    ],
)
def test_deviation_absolute_uri(path: tuple[str, ...]) -> None:
    """ABSOLUTE_URI: the schema accepts a relative reference where the model says URI."""
    doc = load_example(EXAMPLES / "spec/spec-complete-openbadgecredential.json")
    target = doc
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = "achievements/1"
    assert schema_valid(doc, endorsement=False)
    assert [i.path for i in check_ob3(doc)] == [".".join(path)]


@needs_shared
def test_deviation_datetime_without_offset() -> None:
    """DATETIME_WITHOUT_OFFSET: activityStartDate is a spec DateTime (offset optional), but
    validFrom is a DateTimeZ; the schema's date-time format wants an offset for both."""
    doc = load_example(EXAMPLES / "spec/spec-complete-openbadgecredential.json")
    doc["credentialSubject"]["activityStartDate"] = "2010-01-01T00:00:00"
    assert not schema_valid(doc, endorsement=False)
    assert check_ob3(doc) == []
    doc["validFrom"] = "2010-01-01T00:00:00"
    assert [i.path for i in check_ob3(doc)] == ["validFrom"]


# --- unit tests (no reference data needed) --------------------------------------------------


def _valid() -> dict[str, Any]:
    doc = _builder_credential()
    doc["credentialSubject"]["id"] = "did:example:subject"
    return doc


def _paths(doc: Any) -> list[str]:
    return [i.path for i in check_ob3(doc)]


def test_builder_badge_is_valid() -> None:
    assert check_ob3(_valid()) == []


def test_missing_required_field_is_reported_at_its_path() -> None:
    doc = _valid()
    del doc["credentialSubject"]["achievement"]["criteria"]
    assert check_ob3(doc) == [SchemaIssue("credentialSubject.achievement.criteria", "is required")]


def _set(doc: Any, where: KeyPath, value: Any) -> None:
    for part in where[:-1]:
        doc = doc[part]
    doc[where[-1]] = value


ACH = ("credentialSubject", "achievement")
IDENT = ("credentialSubject", "identifier", 0)
OB_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]


@pytest.mark.parametrize(
    ("where", "value", "path"),
    [
        (("validFrom",), {"date": "2024"}, "validFrom"),
        (("validFrom",), "2024-02-30T00:00:00Z", "validFrom"),
        (("validFrom",), "2024-01-01 00:00:00Z", "validFrom"),
        (("name",), 3, "name"),
        (("@context",), VCDM2, "@context"),
        (("@context", 1), "https://example.org/ob.json", "@context[1]"),
        (("type",), ["OpenBadgeCredential"], "type"),
        (("type",), ["VerifiableCredential"], "type"),
        (("type",), OB_TYPES + [7], "type[2]"),
        (("issuer", "type"), "Profile", "issuer.type"),
        (("issuer",), 7, "issuer"),
        (("credentialSubject", "type"), ["Subject"], "credentialSubject.type"),
        ((*IDENT, "hashed"), "yes", "credentialSubject.identifier[0].hashed"),
        ((*IDENT, "extra"), 1, "credentialSubject.identifier[0].extra"),
        ((*IDENT, "identityType"), "email", "credentialSubject.identifier[0].identityType"),
        ((*ACH, "image"), "https://x.example/i.png", "credentialSubject.achievement.image"),
        ((*ACH, "image"), {"id": "https://x.example/i.png"}, f"{'.'.join(ACH)}.image.type"),
        ((*ACH, "achievementType"), "Trophy", "credentialSubject.achievement.achievementType"),
        ((*ACH, "tag"), "a,b", "credentialSubject.achievement.tag"),
        (("proof",), "z3abc", "proof"),
        (("proof",), [{"proofValue": "z3abc"}], "proof[0].type"),
        (("evidence",), [{"id": "https://x.example/e"}], "evidence[0].type"),
    ],
)  # fmt: skip
def test_each_rule_reports_the_offending_path(
    where: KeyPath, value: Any, path: str
) -> None:
    doc = _valid()
    _set(doc, where, value)
    assert path in _paths(doc)


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("proof",), {"type": "DataIntegrityProof"}),
        (("proof",), [{"type": "DataIntegrityProof"}, {"type": "Other"}]),
        ((*ACH, "achievementType"), "ext:Trophy"),
        ((*ACH, "image"), {"id": "data:image/png;base64,AAAA", "type": "Image", "caption": "x"}),
        (("credentialSubject", "activityStartDate"), "2024-01-01T00:00:00"),
        (("validUntil",), "2030-01-01T00:00:00.5+02:00"),
        (("issuer",), "did:example:issuer"),
        (("x-extension",), {"anything": [1, 2]}),
        (("@context",), [VCDM2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                         {"@vocab": "https://example.org/"}]),
    ],
)  # fmt: skip
def test_accepted_variations(where: KeyPath, value: Any) -> None:
    doc = _valid()
    _set(doc, where, value)
    assert check_ob3(doc) == []


def test_subject_needs_id_or_identifier() -> None:
    doc = _valid()
    del doc["credentialSubject"]["id"]
    assert check_ob3(doc) == []  # the hashed e-mail identifies the subject
    doc["credentialSubject"]["identifier"] = []
    assert _paths(doc) == ["credentialSubject"]


def test_vcdm_1_1_requires_issuance_date() -> None:
    doc = _valid()
    doc["@context"][0] = VCDM1
    assert _paths(doc) == ["issuanceDate"]  # validFrom alone is not the VCDM 1.1 form
    doc["issuanceDate"] = doc.pop("validFrom")
    assert check_ob3(doc) == []
    doc["expirationDate"] = "soon"
    assert _paths(doc) == ["expirationDate"]
    doc["@context"][1] = "https://purl.imsglobal.org/spec/ob/v3p0/context.json"
    doc["expirationDate"] = "2030-01-01T00:00:00Z"
    assert check_ob3(doc) == []


def test_embedded_endorsements_are_checked() -> None:
    doc = _valid()
    endorsement = {
        "@context": [VCDM2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:1",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": "Endorsement",
        "issuer": {"id": "did:example:endorser", "type": ["Profile"]},
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:issuer", "type": ["EndorsementSubject"]},
    }
    doc["issuer"]["endorsement"] = [endorsement]
    assert check_ob3(doc) == []
    del endorsement["name"]
    del endorsement["credentialSubject"]["id"]
    assert _paths(doc) == [
        "issuer.endorsement[0].name",
        "issuer.endorsement[0].credentialSubject.id",
    ]
    assert _paths(endorsement) == ["name", "credentialSubject.id"]


def test_documents_that_are_not_objects() -> None:
    assert check_ob3([]) == [SchemaIssue("", "must be an object")]
    assert check_ob3("{}") == [SchemaIssue("", "must be an object")]
    assert "type" in _paths({})


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"type": ["VerifiableCredential", "OpenBadgeCredential"]}, True),
        ({"type": ["VerifiableCredential", "AchievementCredential"]}, True),
        ({"type": ["VerifiableCredential", "EndorsementCredential"]}, True),
        ({"type": "OpenBadgeCredential"}, True),
        ({"type": ["VerifiableCredential"]}, False),
        ({"type": ["VerifiableCredential", "OtherCredential"]}, False),
        ({}, False),
        (["OpenBadgeCredential"], False),
        (None, False),
    ],
)
def test_is_open_badge(doc: Any, expected: bool) -> None:
    assert is_open_badge(doc) is expected


def test_raise_for_issues() -> None:
    raise_for_issues([])
    doc = _valid()
    del doc["issuer"]
    with pytest.raises(CredentialError) as info:
        raise_for_issues(check_ob3(doc))
    assert info.value.code == "schema_violation"
    assert "issuer: is required" in info.value.message

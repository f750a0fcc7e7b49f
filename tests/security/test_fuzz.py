"""Fuzzing verify(): whatever it is handed, it returns a report, and never a false one.

Hypothesis draws JSON values (with the numbers JSON text cannot carry), JSON-ish text and
bytes, credential-shaped objects, and random edits of signed specimens. ``verify()`` must
return a report for each without raising; a report that says ``verified`` must rest on checks
that passed, and a verified edit of a specimen must read exactly like the specimen.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
from mutations import (
    SPECIMEN_NAMES,
    Path,
    Specimen,
    World,
    b64url_json,
    changed,
    deleted,
    fail_closed_problems,
    get_at,
    interpret,
    paths,
    world,
)

from vcbadges import verify
from vcbadges.report import PresentationReport, VerificationReport

FUZZ = settings(max_examples=200, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2", "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://w3id.org/security/data-integrity/v2", "https://example.com/unknown-context",
]
TERMS = [
    "@context", "id", "type", "@id", "@type", "@value", "@nest", "@graph", "@list",
    "issuer", "validFrom", "validUntil", "issuanceDate", "expirationDate", "credentialSubject",
    "credentialStatus", "proof", "holder", "verifiableCredential", "endorsement", "name",
    "achievement", "created", "expires", "proofValue", "verificationMethod", "cryptosuite",
    "proofPurpose", "statusListIndex", "statusListCredential", "statusPurpose",
]
WORDS = [
    *CONTEXTS, "VerifiableCredential", "VerifiablePresentation", "OpenBadgeCredential",
    "DataIntegrityProof", "eddsa-rdfc-2022", "assertionMethod", "authentication",
    "BitstringStatusListEntry", "EnvelopedVerifiableCredential", "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00+01:00", "2026-05-01T00:00:00Z", "did:key:z6Mk", "did:web:localhost",
    "https://127.0.0.1/status", "data:application/vc+jwt,a.b.c", "urn:uuid:1", "",
]

scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=10**300)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=24)
           | st.sampled_from(WORDS))
json_values = st.recursive(
    scalars,
    lambda children: (st.lists(children, max_size=4)
                      | st.dictionaries(st.sampled_from(TERMS) | st.text(max_size=8), children,
                                        max_size=5)),
    max_leaves=24,
)
credential_shaped = st.fixed_dictionaries(
    {"@context": st.lists(st.sampled_from(CONTEXTS), min_size=1, max_size=3),
     "type": st.sampled_from([["VerifiableCredential"], ["VerifiablePresentation"],
                              ["VerifiableCredential", "OpenBadgeCredential"]])},
    optional={term: json_values for term in TERMS[9:]},
)


def run(document: Any, **options: Any) -> VerificationReport | PresentationReport:
    report = asyncio.run(verify(document, **options))
    assert isinstance(report, (VerificationReport, PresentationReport))
    json.dumps(report.to_json())
    assert not fail_closed_problems(report)
    return report


@FUZZ
@given(json_values)
def test_any_json_value_gets_a_report(value: Any) -> None:
    run(value)


def as_text(value: Any) -> str:
    """JSON text, NaN and Infinity included (an int too long for str() gives ``[]``)."""
    try:
        return json.dumps(value)
    except ValueError:
        return "[]"


@FUZZ
@given(st.one_of(json_values.map(as_text), st.text(max_size=200), st.binary(max_size=200)))
def test_any_text_or_bytes_gets_a_report(data: str | bytes) -> None:
    run(data)


@FUZZ
@given(credential_shaped)
def test_anything_shaped_like_a_credential_gets_a_report(document: dict[str, Any]) -> None:
    run(document)


@FUZZ
@given(st.dictionaries(st.sampled_from(["alg", "typ", "kid", "jwk", "cty", "crit", "b64"]),
                       json_values, max_size=5),
       st.dictionaries(st.sampled_from(["iss", "sub", "nbf", "exp", "iat", "jti", "vc",
                                        "@context", "type"]), json_values, max_size=6),
       st.binary(max_size=80))
def test_any_token_shaped_string_gets_a_report(header: dict[str, Any], claims: dict[str, Any],
                                               signature: bytes) -> None:
    def encode(value: dict[str, Any]) -> str:
        try:
            return b64url_json(value)
        except (TypeError, ValueError):
            return b64url_json({})

    tail = base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    run(f"{encode(header)}.{encode(claims)}.{tail}")


def _built() -> World:
    return asyncio.run(world())


EDITS = ["replace", "delete", "wrap in a list", "add a member"]


@FUZZ
@given(st.sampled_from([n for n in SPECIMEN_NAMES if not n.startswith("VC-JWT")]),
       st.data())
def test_random_edits_of_a_signed_specimen_never_verify_as_something_else(
        name: str, data: st.DataObject) -> None:
    """The corpus tries each edit once; this draws other values and other places."""
    built = _built()
    specimen: Specimen = built.specimens[name]
    document = specimen.document
    path: Path = data.draw(st.sampled_from(list(paths(document))), label="path")
    edit = data.draw(st.sampled_from(EDITS), label="edit")
    if edit == "replace":
        value = data.draw(json_values, label="value")
        mutated = changed(document, path, lambda _: value)
    elif edit == "delete":
        mutated = deleted(document, path)
    elif edit == "wrap in a list":
        mutated = changed(document, path, lambda v: [v])
    else:
        member = data.draw(st.sampled_from(TERMS), label="member")
        value = data.draw(json_values, label="value")
        target = path if isinstance(get_at(document, path), dict) else path[:-1]
        mutated = changed(document, target, lambda v: {**v, member: value}
                          if isinstance(v, dict) else v)
    options = built.options(specimen)
    report = run(mutated, **options)
    if report.verified:
        assert interpret(mutated) == interpret(document)


@FUZZ
@given(st.sampled_from(["VC-JWT (jwt)", "VC-JWT (vc+jwt)"]), st.data())
def test_random_edits_of_a_signed_jwt_never_raise(name: str, data: st.DataObject) -> None:
    built = _built()
    specimen = built.specimens[name]
    token: str = specimen.document
    position = data.draw(st.integers(min_value=0, max_value=len(token) - 1), label="position")
    replacement = data.draw(st.sampled_from(["", ".", "A", "_", "-", "=", " ", "\u00e9"]),
                            label="replacement")
    run(token[:position] + replacement + token[position + 1:], **built.options(specimen))

"""Open Badges 2.0 verification (``vcbadges.verifier.ob2`` over ``vcbadges.credentials.ob2``).

Every fixture is built here: an issuer Profile, a BadgeClass, a hosted Assertion, a signed
Assertion (RS256 with a generated RSA 2048 key and its CryptographicKey document) and a
RevocationList. They are served by a fake ``fetch_json``, a dict lookup that raises
``FetchError`` for any URL it does not know, so no test touches the network or the clock.
Each negative case asserts the exact check id, outcome and code.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jwcrypto import jwk, jws
from jwcrypto.common import json_encode

from vcbadges.credentials.ob2 import OB2_CONTEXT, parse_ob2_datetime
from vcbadges.errors import FetchError, VCBadgesError
from vcbadges.report import Outcome, VerificationReport
from vcbadges.verifier import TrustedIssuer, VerifyOptions
from vcbadges.verifier.ob2 import OB2_CHECK_ORDER, verify_ob2_assertion
from vcbadges.verifier.registry import IssuerRegistries

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
ISSUED_ON = "2026-05-01T12:00:00Z"

ISSUER = "https://issuer.example/profile"
BADGE = "https://issuer.example/badges/robotics"
KEY = "https://issuer.example/keys/1"
REVOCATIONS = "https://issuer.example/revocations"
HOSTED_ID = "https://issuer.example/assertions/123"
SIGNED_ID = "urn:uuid:a953081a-4bbd-4927-9653-7219bca00e3b"

EMAIL = "beth@example.org"
SALT = "deadsea"


def hashed_identity(value: str, salt: str = SALT, algorithm: str = "sha256") -> str:
    return f"{algorithm}${hashlib.new(algorithm, (value + salt).encode()).hexdigest()}"


# --------------------------------------------------------------------------- fake network


class FakeWeb:
    """``fetch_json`` over a dict; unknown URLs fail like the real fetcher's refusals."""

    def __init__(self, documents: dict[str, Any]) -> None:
        self.documents = documents
        self.requested: list[str] = []

    async def __call__(self, url: str) -> Any:
        self.requested.append(url)
        if url not in self.documents:
            raise FetchError(f"nothing is served at {url}", code="fetch_failed")
        value = self.documents[url]
        if isinstance(value, VCBadgesError):
            raise value
        return copy.deepcopy(value)


class GoneError(FetchError):
    """What our fetcher raises for a non-2xx answer: a FetchError carrying ``status``."""

    code = "fetch_http_status"

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP status {status}")
        self.status = status


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def rsa_key() -> jwk.JWK:
    return jwk.JWK.generate(kty="RSA", size=2048)


@pytest.fixture(scope="module")
def other_rsa_key() -> jwk.JWK:
    return jwk.JWK.generate(kty="RSA", size=2048)


def profile_doc() -> dict[str, Any]:
    return {
        "@context": OB2_CONTEXT,
        "type": "Issuer",
        "id": ISSUER,
        "name": "Example Maker Society",
        "url": "https://issuer.example",
        "email": "badges@issuer.example",
        "publicKey": KEY,
        "revocationList": REVOCATIONS,
    }


def badge_class_doc() -> dict[str, Any]:
    return {
        "@context": OB2_CONTEXT,
        "type": "BadgeClass",
        "id": BADGE,
        "name": "Awesome Robotics Badge",
        "description": "For doing awesome things with robots.",
        "image": "https://issuer.example/badges/robotics.png",
        "criteria": {"narrative": "Build a robot that walks."},
        "issuer": ISSUER,
    }


def key_doc(key: jwk.JWK, *, owner: str = ISSUER, key_id: str = KEY) -> dict[str, Any]:
    return {
        "@context": OB2_CONTEXT,
        "type": "CryptographicKey",
        "id": key_id,
        "owner": owner,
        "publicKeyPem": key.export_to_pem().decode(),
    }


def revocation_list_doc(*revoked: Any) -> dict[str, Any]:
    return {
        "@context": OB2_CONTEXT,
        "type": "RevocationList",
        "id": REVOCATIONS,
        "issuer": ISSUER,
        "revokedAssertions": list(revoked) or ["urn:uuid:00000000-0000-4000-8000-000000000000"],
    }


def hosted_assertion() -> dict[str, Any]:
    return {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": HOSTED_ID,
        "recipient": {"type": "email", "hashed": True, "salt": SALT,
                      "identity": hashed_identity(EMAIL)},
        "issuedOn": ISSUED_ON,
        "badge": BADGE,
        "verification": {"type": "HostedBadge"},
    }


def signed_payload(**changes: Any) -> dict[str, Any]:
    payload = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": SIGNED_ID,
        "recipient": {"type": "email", "hashed": False, "identity": EMAIL},
        "issuedOn": ISSUED_ON,
        "badge": BADGE,
        "verification": {"type": "SignedBadge", "creator": KEY},
    }
    payload.update(changes)
    return payload


def sign(payload: Any, key: jwk.JWK, *, alg: str = "RS256") -> str:
    token = jws.JWS(json.dumps(payload).encode())
    token.add_signature(key, alg=alg, protected=json_encode({"alg": alg}))
    return str(token.serialize(compact=True))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def web_for(key: jwk.JWK, **overrides: Any) -> FakeWeb:
    documents: dict[str, Any] = {
        ISSUER: profile_doc(),
        BADGE: badge_class_doc(),
        KEY: key_doc(key),
        REVOCATIONS: revocation_list_doc(),
        HOSTED_ID: hosted_assertion(),
    }
    for url, value in overrides.items():
        documents[url] = value
    return FakeWeb({k: v for k, v in documents.items() if v is not None})


async def verify_ob2(
    assertion: Any, *, fetch_json: FakeWeb, now: datetime, recipient: str | None = None,
    **options: Any,
) -> VerificationReport:
    """The 2.0 entry point, with the fetcher and clock each test sets."""
    return await verify_ob2_assertion(
        assertion, VerifyOptions(fetch_json=fetch_json, now=now, **options), recipient=recipient)


def outcomes(report: Any) -> dict[str, tuple[str, str]]:
    return {c.id: (c.outcome.value, c.code) for c in report.checks}


def assert_check(report: Any, check_id: str, outcome: str, code: str) -> None:
    check = report.check(check_id)
    assert (check.outcome.value, check.code) == (outcome, code), check


# --------------------------------------------------------------------------- valid badges


async def test_valid_hosted_assertion(rsa_key):
    web = web_for(rsa_key)
    report = await verify_ob2(hosted_assertion(), fetch_json=web, now=NOW)
    assert report.verified
    assert [c.id for c in report.checks] == list(OB2_CHECK_ORDER)
    assert outcomes(report) == {
        "document": ("passed", "ok"), "schema": ("passed", "ok"), "proof": ("passed", "ok"),
        "issuer": ("passed", "ok"), "issuer_trust": ("failed", "issuer_unknown"),
        "validity": ("passed", "ok"), "status_revocation": ("passed", "ok"),
        "recipient": ("skipped", "not_applicable"),
    }
    assert [w.code for w in report.warnings] == ["legacy_ob2"]
    assert report.document_id == HOSTED_ID
    assert report.credential == {
        "id": HOSTED_ID, "issuer": ISSUER, "issuerName": "Example Maker Society",
        "name": "Awesome Robotics Badge", "achievement": "Awesome Robotics Badge",
        "subject": hashed_identity(EMAIL), "type": ["Assertion"],
    }
    assert KEY not in web.requested and REVOCATIONS not in web.requested
    json.dumps(report.to_json())


async def test_valid_hosted_assertion_as_json_text(rsa_key):
    report = await verify_ob2(json.dumps(hosted_assertion(), indent=2),
                              fetch_json=web_for(rsa_key), now=NOW)
    assert report.verified


async def test_hosted_with_embedded_badge_class_still_reads_the_hosted_profile(rsa_key):
    embedded = badge_class_doc()
    del embedded["@context"]
    embedded["issuer"] = {"id": ISSUER, "type": "Profile", "name": "Someone Else Entirely",
                          "verification": {"allowedOrigins": "evil.example"}}
    assertion = hosted_assertion()
    assertion["badge"] = embedded
    web = web_for(rsa_key, **{HOSTED_ID: assertion, BADGE: None})
    report = await verify_ob2(assertion, fetch_json=web, now=NOW)
    assert report.verified
    assert report.credential["issuerName"] == "Example Maker Society"
    assert ISSUER in web.requested


async def test_valid_signed_assertion(rsa_key):
    web = web_for(rsa_key)
    report = await verify_ob2(sign(signed_payload(), rsa_key), fetch_json=web, now=NOW)
    assert report.verified, report.to_json()
    assert outcomes(report)["proof"] == ("passed", "ok")
    assert report.check("proof").detail == {"key": KEY}
    assert outcomes(report)["status_revocation"] == ("passed", "ok")
    assert report.credential["subject"] == EMAIL
    assert report.document_id == SIGNED_ID
    assert HOSTED_ID not in web.requested


async def test_signed_without_creator_uses_the_profile_keys(rsa_key):
    payload = signed_payload(verification={"type": "signed"})
    report = await verify_ob2(sign(payload, rsa_key), fetch_json=web_for(rsa_key), now=NOW)
    assert report.verified, report.to_json()


async def test_signed_without_revocation_list_skips_revocation(rsa_key):
    profile = profile_doc()
    del profile["revocationList"]
    report = await verify_ob2(sign(signed_payload(), rsa_key),
                              fetch_json=web_for(rsa_key, **{ISSUER: profile}), now=NOW)
    assert report.verified
    assert_check(report, "status_revocation", "skipped", "not_applicable")


async def test_inputs_are_not_mutated(rsa_key):
    assertion = hosted_assertion()
    before = copy.deepcopy(assertion)
    await verify_ob2(assertion, fetch_json=web_for(rsa_key), now=NOW, recipient=EMAIL)
    assert assertion == before


# --------------------------------------------------------------------------- hosted rules


async def test_hosted_copy_differs(rsa_key):
    presented = hosted_assertion()
    presented["expires"] = "2030-01-01T00:00:00Z"
    report = await verify_ob2(presented, fetch_json=web_for(rsa_key), now=NOW)
    assert not report.verified
    assert_check(report, "proof", "failed", "ob2_hosted_mismatch")
    assert report.check("proof").detail == {"differing": ["expires"]}
    assert_check(report, "issuer", "skipped", "blocked_by_earlier_failure")
    assert_check(report, "status_revocation", "skipped", "blocked_by_earlier_failure")


async def test_hosted_copy_true_is_not_one(rsa_key):
    presented = hosted_assertion()
    presented["recipient"]["hashed"] = True
    hosted = hosted_assertion()
    hosted["recipient"]["hashed"] = 1
    report = await verify_ob2(presented, fetch_json=web_for(rsa_key, **{HOSTED_ID: hosted}),
                              now=NOW)
    assert_check(report, "proof", "failed", "ob2_hosted_mismatch")


@pytest.mark.parametrize("served", ["full_copy", "stripped_notice", "gone"])
async def test_hosted_revoked(rsa_key, served):
    if served == "full_copy":
        hosted: Any = {**hosted_assertion(), "revoked": True, "revocationReason": "Cheated"}
        proof = ("passed", "ok")
    elif served == "stripped_notice":
        hosted = {"@context": OB2_CONTEXT, "id": HOSTED_ID, "revoked": True,
                  "revocationReason": "Cheated"}
        proof = ("skipped", "ob2_revoked_at_source")
    else:
        hosted = GoneError(410)
        proof = ("skipped", "ob2_revoked_at_source")
    web = web_for(rsa_key, **{HOSTED_ID: hosted})
    report = await verify_ob2(hosted_assertion(), fetch_json=web, now=NOW)
    assert not report.verified
    assert outcomes(report)["proof"] == proof
    assert_check(report, "status_revocation", "failed", "revoked")


async def test_hosted_assertion_unreachable(rsa_key):
    report = await verify_ob2(hosted_assertion(),
                              fetch_json=web_for(rsa_key, **{HOSTED_ID: GoneError(503)}), now=NOW)
    assert not report.verified
    assert_check(report, "proof", "error", "ob2_fetch_failed")
    assert report.check("proof").detail == {"url": HOSTED_ID, "cause": "fetch_http_status"}
    assert_check(report, "status_revocation", "error", "ob2_fetch_failed")


async def test_hosted_id_must_be_https(rsa_key):
    assertion = {**hosted_assertion(), "id": "http://issuer.example/assertions/123"}
    report = await verify_ob2(assertion, fetch_json=web_for(rsa_key), now=NOW)
    assert_check(report, "proof", "failed", "ob2_hosted_id_not_https")


async def test_hosted_id_with_an_impossible_port(rsa_key):
    assertion = {**hosted_assertion(), "id": "https://issuer.example:99999/assertions/123"}
    report = await verify_ob2(assertion, fetch_json=web_for(rsa_key), now=NOW)
    assert_check(report, "proof", "failed", "ob2_hosted_id_not_https")


async def test_hosted_on_another_origin(rsa_key):
    elsewhere = "https://badges.other.example/assertions/123"
    assertion = {**hosted_assertion(), "id": elsewhere}
    report = await verify_ob2(assertion, fetch_json=web_for(rsa_key, **{elsewhere: assertion}),
                              now=NOW)
    assert_check(report, "proof", "passed", "ok")
    assert_check(report, "issuer", "failed", "ob2_origin_mismatch")
    assert not report.verified


@pytest.mark.parametrize("policy", [
    {"type": "VerificationObject", "allowedOrigins": "badges.other.example"},
    {"type": "VerificationObject", "allowedOrigins": ["x.example", "badges.other.example"]},
    {"type": "VerificationObject", "startsWith": "https://badges.other.example/assertions/"},
])
async def test_issuer_verification_policy_allows_another_origin(rsa_key, policy):
    elsewhere = "https://badges.other.example/assertions/123"
    assertion = {**hosted_assertion(), "id": elsewhere}
    profile = {**profile_doc(), "verification": policy}
    web = web_for(rsa_key, **{elsewhere: assertion, ISSUER: profile})
    report = await verify_ob2(assertion, fetch_json=web, now=NOW)
    assert report.verified, report.to_json()


async def test_start_with_policy_refuses_other_paths(rsa_key):
    profile = {**profile_doc(), "verification": {"startsWith": "https://issuer.example/ob2/"}}
    report = await verify_ob2(hosted_assertion(),
                              fetch_json=web_for(rsa_key, **{ISSUER: profile}), now=NOW)
    assert_check(report, "issuer", "failed", "ob2_origin_mismatch")


# --------------------------------------------------------------------------- issuer linkage


async def test_badge_issuer_mismatch(rsa_key):
    profile = {**profile_doc(), "id": "https://impostor.example/profile"}
    report = await verify_ob2(hosted_assertion(),
                              fetch_json=web_for(rsa_key, **{ISSUER: profile}), now=NOW)
    assert not report.verified
    assert_check(report, "issuer", "failed", "ob2_badge_issuer_mismatch")


async def test_badge_class_served_under_another_id(rsa_key):
    badge = {**badge_class_doc(), "id": "https://issuer.example/badges/other"}
    report = await verify_ob2(hosted_assertion(),
                              fetch_json=web_for(rsa_key, **{BADGE: badge}), now=NOW)
    assert_check(report, "issuer", "failed", "ob2_id_mismatch")


async def test_unreachable_badge_class(rsa_key):
    report = await verify_ob2(hosted_assertion(), fetch_json=web_for(rsa_key, **{BADGE: None}),
                              now=NOW)
    assert not report.verified
    assert_check(report, "proof", "passed", "ok")
    assert_check(report, "issuer", "error", "ob2_fetch_failed")
    assert report.check("issuer").detail == {"url": BADGE, "cause": "fetch_failed"}


async def test_unreachable_issuer_profile_for_signed(rsa_key):
    report = await verify_ob2(sign(signed_payload(), rsa_key),
                              fetch_json=web_for(rsa_key, **{ISSUER: None}), now=NOW)
    assert_check(report, "proof", "passed", "ok")
    assert_check(report, "issuer", "error", "ob2_fetch_failed")
    assert_check(report, "status_revocation", "error", "ob2_fetch_failed")


@pytest.mark.parametrize(("url", "change", "code"), [
    (BADGE, {"name": None}, "ob2_missing_field"),
    (BADGE, {"type": "Badge"}, "ob2_wrong_type"),
    (BADGE, {"@context": "https://w3id.org/openbadges/v1"}, "ob2_wrong_context"),
    (ISSUER, {"email": None}, "ob2_missing_field"),
    (ISSUER, {"type": "Person"}, "ob2_wrong_type"),
])
async def test_invalid_badge_class_or_profile(rsa_key, url, change, code):
    doc = profile_doc() if url == ISSUER else badge_class_doc()
    for name, value in change.items():
        if value is None:
            del doc[name]
        else:
            doc[name] = value
    report = await verify_ob2(hosted_assertion(), fetch_json=web_for(rsa_key, **{url: doc}),
                              now=NOW)
    assert_check(report, "issuer", "failed", code)


async def test_fetched_document_not_an_object(rsa_key):
    report = await verify_ob2(hosted_assertion(), fetch_json=web_for(rsa_key, **{BADGE: [1]}),
                              now=NOW)
    assert_check(report, "issuer", "failed", "ob2_wrong_type")


async def test_key_owner_mismatch(rsa_key):
    web = web_for(rsa_key, **{KEY: key_doc(rsa_key, owner="https://impostor.example/profile")})
    report = await verify_ob2(sign(signed_payload(), rsa_key), fetch_json=web, now=NOW)
    assert not report.verified
    assert_check(report, "proof", "passed", "ok")
    assert_check(report, "issuer", "failed", "ob2_key_owner_mismatch")


async def test_key_not_listed_in_profile(rsa_key):
    other = "https://issuer.example/keys/2"
    payload = signed_payload(verification={"type": "SignedBadge", "creator": other})
    web = web_for(rsa_key, **{other: key_doc(rsa_key, key_id=other)})
    report = await verify_ob2(sign(payload, rsa_key), fetch_json=web, now=NOW)
    assert_check(report, "issuer", "failed", "ob2_key_not_in_profile")


# --------------------------------------------------------------------------- signatures


async def test_tampered_signed_payload(rsa_key):
    header, _, signature = sign(signed_payload(), rsa_key).split(".")
    forged = signed_payload(badge="https://issuer.example/badges/phd")
    token = f"{header}.{b64(json.dumps(forged).encode())}.{signature}"
    report = await verify_ob2(token, fetch_json=web_for(rsa_key), now=NOW)
    assert not report.verified
    assert_check(report, "proof", "failed", "invalid_signature")


async def test_signed_by_another_key(rsa_key, other_rsa_key):
    report = await verify_ob2(sign(signed_payload(), other_rsa_key),
                              fetch_json=web_for(rsa_key), now=NOW)
    assert_check(report, "proof", "failed", "invalid_signature")


async def test_alg_none_is_refused(rsa_key):
    header = b64(json.dumps({"alg": "none"}).encode())
    token = f"{header}.{b64(json.dumps(signed_payload()).encode())}."
    report = await verify_ob2(token, fetch_json=web_for(rsa_key), now=NOW)
    assert not report.verified
    assert_check(report, "document", "passed", "ok")
    assert_check(report, "proof", "failed", "ob2_unsupported_algorithm")


async def test_other_algorithms_are_refused(rsa_key):
    report = await verify_ob2(sign(signed_payload(), rsa_key, alg="PS256"),
                              fetch_json=web_for(rsa_key), now=NOW)
    assert_check(report, "proof", "failed", "ob2_unsupported_algorithm")


async def test_weak_rsa_key_is_refused():
    weak = jwk.JWK.generate(kty="RSA", size=1024)
    report = await verify_ob2(sign(signed_payload(), weak), fetch_json=web_for(weak), now=NOW)
    assert_check(report, "proof", "failed", "ob2_weak_key")


async def test_key_document_without_pem(rsa_key):
    broken = key_doc(rsa_key)
    broken["publicKeyPem"] = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
    report = await verify_ob2(sign(signed_payload(), rsa_key),
                              fetch_json=web_for(rsa_key, **{KEY: broken}), now=NOW)
    assert_check(report, "proof", "failed", "ob2_invalid_key")


async def test_unreachable_key(rsa_key):
    report = await verify_ob2(sign(signed_payload(), rsa_key),
                              fetch_json=web_for(rsa_key, **{KEY: None}), now=NOW)
    assert_check(report, "proof", "error", "ob2_fetch_failed")
    assert_check(report, "issuer", "skipped", "blocked_by_earlier_failure")


async def test_signed_badge_presented_without_its_signature(rsa_key):
    report = await verify_ob2(signed_payload(), fetch_json=web_for(rsa_key), now=NOW)
    assert_check(report, "proof", "failed", "missing_proof")


async def test_jws_declaring_hosted_verification(rsa_key):
    report = await verify_ob2(sign(hosted_assertion(), rsa_key), fetch_json=web_for(rsa_key),
                              now=NOW)
    assert_check(report, "proof", "failed", "ob2_verification_type_mismatch")


# --------------------------------------------------------------------------- revocation list


@pytest.mark.parametrize("entry", [
    SIGNED_ID,
    {"id": SIGNED_ID, "revocationReason": "Honor code violation"},
    {"uid": "abc123", "revocationReason": "Issued in error."},
])
async def test_signed_assertion_in_revocation_list(rsa_key, entry):
    payload = signed_payload(uid="abc123")
    web = web_for(rsa_key, **{REVOCATIONS: revocation_list_doc(entry)})
    report = await verify_ob2(sign(payload, rsa_key), fetch_json=web, now=NOW)
    assert not report.verified
    assert_check(report, "proof", "passed", "ok")
    assert_check(report, "status_revocation", "failed", "revoked")


async def test_revocation_entry_marked_not_revoked(rsa_key):
    web = web_for(rsa_key, **{REVOCATIONS: revocation_list_doc({"id": SIGNED_ID,
                                                                 "revoked": False})})
    report = await verify_ob2(sign(signed_payload(), rsa_key), fetch_json=web, now=NOW)
    assert report.verified


async def test_unreachable_revocation_list_is_never_a_pass(rsa_key):
    report = await verify_ob2(sign(signed_payload(), rsa_key),
                              fetch_json=web_for(rsa_key, **{REVOCATIONS: None}), now=NOW)
    assert not report.verified
    assert_check(report, "status_revocation", "error", "ob2_fetch_failed")


@pytest.mark.parametrize("served", [
    "not a list",
    {"@context": OB2_CONTEXT, "type": "Issuer", "revokedAssertions": []},
    {"@context": OB2_CONTEXT, "type": "RevocationList"},
    {**revocation_list_doc(), "issuer": "https://impostor.example/profile"},
])
async def test_invalid_revocation_list_is_never_a_pass(rsa_key, served):
    report = await verify_ob2(sign(signed_payload(), rsa_key),
                              fetch_json=web_for(rsa_key, **{REVOCATIONS: served}), now=NOW)
    assert not report.verified
    assert_check(report, "status_revocation", "error", "ob2_revocation_list_invalid")


# --------------------------------------------------------------------------- validity


async def test_expired(rsa_key):
    payload = signed_payload(expires="2026-05-31T12:00:00Z")
    report = await verify_ob2(sign(payload, rsa_key), fetch_json=web_for(rsa_key), now=NOW)
    assert not report.verified
    assert_check(report, "validity", "failed", "expired")


async def test_issued_in_the_future(rsa_key):
    payload = signed_payload(issuedOn="2026-06-01T12:06:00+00:00")
    report = await verify_ob2(sign(payload, rsa_key), fetch_json=web_for(rsa_key), now=NOW)
    assert not report.verified
    assert_check(report, "validity", "failed", "not_yet_valid")


async def test_issued_within_the_clock_skew(rsa_key):
    payload = signed_payload(issuedOn="2026-06-01T14:04+02:00")
    report = await verify_ob2(sign(payload, rsa_key), fetch_json=web_for(rsa_key), now=NOW)
    assert report.verified


async def test_validity_uses_the_verifiers_skew(rsa_key):
    ahead = signed_payload(issuedOn="2026-06-01T12:04:00Z")
    report = await verify_ob2(sign(ahead, rsa_key), fetch_json=web_for(rsa_key), now=NOW,
                              skew=timedelta(minutes=1))
    assert_check(report, "validity", "failed", "not_yet_valid")
    just_expired = signed_payload(expires="2026-06-01T11:58:00Z")
    report = await verify_ob2(sign(just_expired, rsa_key), fetch_json=web_for(rsa_key), now=NOW)
    assert_check(report, "validity", "passed", "ok")


@pytest.mark.parametrize(("changes", "check_id", "expected"), [
    ({"expires": "9999-12-31T23:59:59Z"}, "validity", ("passed", "ok")),
    ({"issuedOn": "0001-01-01T00:00:00Z"}, "validity", ("passed", "ok")),
    # Before year 1 in UTC: the 2.0 DateTime parser refuses it rather than overflowing.
    ({"issuedOn": "0001-01-01T00:00:00+01:00"}, "schema", ("failed", "invalid_date")),
])
@pytest.mark.parametrize("skew", [timedelta(0), timedelta(minutes=5), timedelta(days=3650)])
async def test_dates_at_the_ends_of_the_calendar_never_raise(
    rsa_key, changes, check_id, expected, skew
):
    token = sign(signed_payload(**changes), rsa_key)
    report = await verify_ob2(token, fetch_json=web_for(rsa_key), now=NOW, skew=skew)
    assert outcomes(report)[check_id] == expected
    assert report.verified is (expected == ("passed", "ok"))
    json.dumps(report.to_json())


@pytest.mark.parametrize(("text", "expected"), [
    ("2016-12-31T23:59:59+00:00", datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ("2016-12-31T23:59Z", datetime(2016, 12, 31, 23, 59, tzinfo=UTC)),
    ("2017-01-01T01:00:00.250+0100", datetime(2017, 1, 1, 0, 0, 0, 250000, tzinfo=UTC)),
])
def test_datetime_forms(text, expected):
    assert parse_ob2_datetime(text) == expected


@pytest.mark.parametrize("text", ["2016-12-31", "2016-12-31T23:59:59", 1483228799,
                                  "2016-13-31T23:59:59Z", "2016-12-31T23:59:59+24:00",
                                  "0001-01-01T00:00:00+01:00"])
def test_datetime_refused(text):
    with pytest.raises(ValueError):
        parse_ob2_datetime(text)


# --------------------------------------------------------------------------- recipient


@pytest.mark.parametrize(("recipient", "given", "expected"), [
    ({"type": "email", "hashed": True, "salt": SALT, "identity": hashed_identity(EMAIL)},
     EMAIL, ("passed", "ok")),
    ({"type": "email", "hashed": True, "salt": SALT,
      "identity": hashed_identity(EMAIL).upper().replace("SHA256$", "sha256$")},
     "Beth@Example.org", ("passed", "ok")),
    ({"type": "email", "hashed": True, "salt": SALT, "identity": hashed_identity(EMAIL)},
     "someone@example.org", ("failed", "recipient_mismatch")),
    ({"type": "email", "hashed": True, "identity": hashed_identity(EMAIL, salt="")},
     EMAIL, ("passed", "ok")),
    ({"type": "email", "hashed": True, "salt": "pepper",
      "identity": hashed_identity(EMAIL, salt="pepper", algorithm="md5")},
     EMAIL, ("passed", "ok")),
    # The spec's IdentityHash example: SHA-256 of "mayze", unsalted.
    ({"type": "url", "hashed": True,
      "identity": "sha256$7a1a1b3f7d40552e4299180e346e3add12bf9a751a43d9c4ca4518febc2c60c6"},
     "mayze", ("passed", "ok")),
    ({"type": "email", "identity": EMAIL}, "BETH@example.org", ("passed", "ok")),
    ({"type": "email", "hashed": False, "identity": EMAIL}, "alice@example.org",
     ("failed", "recipient_mismatch")),
    ({"type": "telephone", "hashed": False, "identity": "+16175551212"}, "+16175551213",
     ("failed", "recipient_mismatch")),
])
async def test_recipient(rsa_key, recipient, given, expected):
    token = sign(signed_payload(recipient=recipient), rsa_key)
    report = await verify_ob2(token, fetch_json=web_for(rsa_key), now=NOW, recipient=given)
    assert outcomes(report)["recipient"] == expected
    assert report.verified is (expected[0] == "passed")


async def test_hosted_hashed_recipient(rsa_key):
    report = await verify_ob2(hosted_assertion(), fetch_json=web_for(rsa_key), now=NOW,
                              recipient=EMAIL)
    assert report.verified
    assert_check(report, "recipient", "passed", "ok")
    report = await verify_ob2(hosted_assertion(), fetch_json=web_for(rsa_key), now=NOW,
                              recipient="alice@example.org")
    assert_check(report, "recipient", "failed", "recipient_mismatch")


# --------------------------------------------------------------------------- malformed shapes


def _without(name: str) -> dict[str, Any]:
    doc = hosted_assertion()
    del doc[name]
    return doc


def _with(path: str, value: Any) -> dict[str, Any]:
    doc = hosted_assertion()
    *parents, last = path.split(".")
    target = doc
    for p in parents:
        target = target[p]
    target[last] = value
    return doc


@pytest.mark.parametrize(("assertion", "check_id", "code"), [
    ([hosted_assertion()], "document", "not_an_object"),
    (42, "document", "not_an_object"),
    ("{not json", "document", "malformed_json"),
    ("not-a-jws", "document", "ob2_malformed_jws"),
    ("a.b", "document", "ob2_malformed_jws"),
    ("e30.!!!.sig", "document", "ob2_malformed_jws"),
    (f"{b64(b'[1]')}.{b64(b'{}')}.sig", "document", "ob2_malformed_jws"),
    (f"{b64(b'{}')}.{b64(b'not json')}.sig", "document", "malformed_json"),
    (f"{b64(b'{}')}.{b64(b'[]')}.sig", "document", "not_an_object"),
    (_without("@context"), "document", "missing_context"),
    (_with("@context", "https://w3id.org/openbadges/v1"), "document", "ob2_wrong_context"),
    (_with("type", "VerifiableCredential"), "document", "ob2_wrong_type"),
    (_without("id"), "document", "ob2_missing_field"),
    (_without("recipient"), "document", "ob2_missing_field"),
    (_without("badge"), "document", "ob2_missing_field"),
    (_without("verification"), "document", "ob2_missing_field"),
    (_without("issuedOn"), "document", "ob2_missing_field"),
    (_with("id", "not an iri"), "schema", "ob2_wrong_type"),
    (_with("recipient", "beth@example.org"), "schema", "ob2_wrong_type"),
    (_with("recipient.hashed", "true"), "schema", "ob2_wrong_type"),
    (_with("recipient.identity", "sha256$abc"), "schema", "ob2_invalid_identity_hash"),
    (_with("recipient.identity", None), "schema", "ob2_wrong_type"),
    (_with("recipient.salt", 7), "schema", "ob2_wrong_type"),
    (_with("issuedOn", 1483228799), "schema", "ob2_wrong_type"),
    (_with("issuedOn", "31/12/2016"), "schema", "invalid_date"),
    (_with("expires", "2017-06-30"), "schema", "invalid_date"),
    (_with("badge", 5), "schema", "ob2_wrong_type"),
    (_with("badge", {"type": "BadgeClass", "id": BADGE}), "schema", "ob2_missing_field"),
    (_with("verification", "hosted"), "schema", "ob2_wrong_type"),
    (_with("verification", {"type": "BlockchainBadge"}), "schema", "ob2_wrong_type"),
    (_with("verification", {}), "schema", "ob2_missing_field"),
    (_with("revoked", "no"), "schema", "ob2_wrong_type"),
])
async def test_malformed_shapes(rsa_key, assertion, check_id, code):
    web = web_for(rsa_key)
    report = await verify_ob2(assertion, fetch_json=web, now=NOW)
    assert not report.verified
    assert_check(report, check_id, "failed", code)
    blocked = OB2_CHECK_ORDER[OB2_CHECK_ORDER.index(check_id) + 1:]
    assert all(report.check(c).outcome is Outcome.SKIPPED for c in blocked)
    assert web.requested == []
    json.dumps(report.to_json())


async def test_verify_alias_is_accepted(rsa_key):
    assertion = hosted_assertion()
    assertion["verify"] = assertion.pop("verification")
    report = await verify_ob2(assertion,
                              fetch_json=web_for(rsa_key, **{HOSTED_ID: assertion}), now=NOW)
    assert report.verified


async def test_naive_now_is_a_programming_error(rsa_key):
    with pytest.raises(ValueError):
        await verify_ob2(hosted_assertion(), fetch_json=web_for(rsa_key),
                         now=NOW.replace(tzinfo=None))


async def test_each_url_is_fetched_once(rsa_key):
    payload = signed_payload(verification={"type": "SignedBadge"})
    web = web_for(rsa_key)
    await verify_ob2(sign(payload, rsa_key), fetch_json=web, now=NOW + timedelta(days=1))
    assert sorted(web.requested) == sorted({BADGE, ISSUER, KEY, REVOCATIONS})


# --------------------------------------------------------------------------- issuer trust


async def test_unlisted_issuer_is_known_only_by_its_profiles_claim(rsa_key):
    embedded = badge_class_doc()
    embedded["issuer"] = {"id": ISSUER, "type": "Profile", "name": "Someone Else Entirely"}
    hosted = {**hosted_assertion(), "badge": embedded}
    for assertion, web in ((hosted, web_for(rsa_key, **{HOSTED_ID: hosted})),
                           (sign(signed_payload(), rsa_key), web_for(rsa_key))):
        report = await verify_ob2(assertion, fetch_json=web, now=NOW)
        assert report.verified and not report.issuer_trusted
        check = report.check("issuer_trust")
        assert (check.outcome.value, check.code) == ("failed", "issuer_unknown")
        assert check.detail == {"claimed_name": "Example Maker Society", "issuer": ISSUER}
        assert check.message == ("the issuer calls itself Example Maker Society; not in your "
                                 "trusted issuers")


async def test_listed_issuer_is_trusted(rsa_key):
    makers = {ISSUER: TrustedIssuer(ISSUER, "Example Makers", "https://issuer.example")}
    report = await verify_ob2(sign(signed_payload(), rsa_key), fetch_json=web_for(rsa_key),
                              now=NOW, trusted_issuers=makers)
    assert report.verified and report.issuer_trusted
    assert report.to_json()["issuerTrusted"] is True
    assert_check(report, "issuer_trust", "passed", "issuer_listed")
    assert report.check("issuer_trust").detail == {
        "name": "Example Makers", "registry": "trusted issuer list",
        "url": "https://issuer.example"}
    registries = IssuerRegistries.from_trust_list(makers, name="Makers Registry")
    report = await verify_ob2(hosted_assertion(), fetch_json=web_for(rsa_key), now=NOW,
                              registries=registries)
    assert report.issuer_trusted
    assert report.check("issuer_trust").detail["registry"] == "Makers Registry"


async def test_tampered_signature_fetches_no_revocation_list(rsa_key):
    header, payload, signature = sign(signed_payload(), rsa_key).split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 0x01
    web = web_for(rsa_key)
    makers = {ISSUER: TrustedIssuer(ISSUER, "Example Makers")}
    report = await verify_ob2(f"{header}.{payload}.{b64(bytes(raw))}", fetch_json=web, now=NOW,
                              trusted_issuers=makers)
    assert not report.verified and not report.issuer_trusted
    assert_check(report, "proof", "failed", "invalid_signature")
    for blocked in ("issuer", "issuer_trust", "status_revocation"):
        assert_check(report, blocked, "skipped", "blocked_by_earlier_failure")
    assert web.requested.count(REVOCATIONS) == 0
    assert sorted(web.requested) == sorted([BADGE, ISSUER, KEY])

"""verify() on credentials: the report, and one code per way a credential can be wrong."""

import copy
import json
from dataclasses import replace
from datetime import timedelta

import pytest
from clock import ISSUED, NOW

from vcbadges import issue, verify
from vcbadges.credentials.sample import sample_badge
from vcbadges.jsonld.loader import StaticLoader
from vcbadges.proofs.di import add_proof
from vcbadges.report import Outcome


def outcomes(report):
    return {c.id: (c.outcome.value, c.code) for c in report.checks}


async def test_issued_badge_verifies_with_every_check_reported(signed):
    report = await verify(signed, now=NOW)
    assert report.verified
    assert [c.id for c in report.checks] == ["document", "schema", "proof", "issuer",
                                            "issuer_trust", "validity", "endorsements"]
    assert outcomes(report)["proof"] == ("passed", "ok")
    assert report.credential["achievement"] == "Data Literacy 101"
    wire = report.to_json()
    assert wire["verified"] is True and wire["checks"][0]["id"] == "document"
    json.dumps(wire)


async def test_key_order_and_whitespace_do_not_matter(signed):
    text = json.dumps(signed, sort_keys=True, indent=7)
    assert (await verify(text, now=NOW)).verified
    reordered = dict(reversed(list(signed.items())))
    assert (await verify(reordered, now=NOW)).verified


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022", "ed25519-2020"])
async def test_each_ed25519_suite_round_trips(unsigned, issuer_key, suite):
    signed = await issue(unsigned, key=issuer_key, cryptosuite=suite, now=ISSUED)
    assert (await verify(signed, now=NOW)).verified


async def test_p256_issuer_uses_ecdsa_rdfc_2019(holder_key, issuer_key):
    badge = sample_badge(issuer=holder_key.controller, subject=issuer_key.controller,
                         valid_from=ISSUED).to_json()
    signed = await issue(badge, key=holder_key, now=ISSUED)
    assert signed["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    assert (await verify(signed, now=NOW)).verified


async def test_vcdm_1_1_badge_issues_and_verifies(issuer_key, holder_key):
    badge = replace(sample_badge(issuer=issuer_key.controller, subject=holder_key.controller,
                                 valid_from=ISSUED), vcdm="1.1").to_json()
    signed = await issue(badge, key=issuer_key, now=ISSUED)
    assert "issuanceDate" in signed and "validFrom" not in signed
    assert (await verify(signed, now=NOW)).verified
    expired = dict(signed, expirationDate="2026-01-01T00:00:00Z")
    assert outcomes(await verify(expired, now=NOW))["validity"] == ("failed", "expired")


async def test_issue_never_mutates_its_input(unsigned, issuer_key):
    before = copy.deepcopy(unsigned)
    await issue(unsigned, key=issuer_key, now=ISSUED)
    assert unsigned == before


async def test_trusted_issuer_is_named_and_unknown_issuer_is_a_verdict_of_its_own(
        signed, issuer_key):
    trusted = await verify(signed, now=NOW, trusted_issuers={issuer_key.controller: "Example U"})
    assert outcomes(trusted)["issuer_trust"] == ("passed", "issuer_listed")
    assert "Example U" in trusted.check("issuer_trust").message
    unknown = await verify(signed, now=NOW, trusted_issuers={"did:example:else": "Else"})
    assert unknown.verified and not unknown.issuer_trusted
    assert outcomes(unknown)["issuer_trust"] == ("failed", "issuer_unknown")


def _set(doc, path, value):
    node = doc
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value


_DELETE = object()
DEEP: list = []
for _ in range(70):
    DEEP = [DEEP]


async def _resigned_by_other(doc, other_key, issuer_key):
    unsigned = {k: v for k, v in doc.items() if k != "proof"}
    forged = await add_proof(unsigned, key=other_key, loader=StaticLoader(), now=ISSUED)
    forged["proof"]["verificationMethod"] = issuer_key.verification_method
    return forged


NEGATIVE = [
    # scenario, mutation (path, value) or callable, check id, outcome, code
    ("changed_value", (("credentialSubject", "achievement", "name"), "Brain Surgery"),
     "proof", "failed", "invalid_signature"),
    ("added_field", (("description",), "An extra claim."), "proof", "failed", "invalid_signature"),
    ("removed_field", (("name",), _DELETE), "proof", "failed", "invalid_signature"),
    ("changed_context", (("@context", 1), "https://example.com/my-context.json"),
     "document", "failed", "unknown_context"),
    ("unknown_cryptosuite", (("proof", "cryptosuite"), "eddsa-rdfc-2099"),
     "proof", "failed", "unsupported_cryptosuite"),
    ("truncated_signature", "truncate", "proof", "failed", "invalid_signature"),
    ("bad_multibase", (("proof", "proofValue"), "z0OIl"), "proof", "failed",
     "malformed_proof_value"),
    ("missing_proof", (("proof",), _DELETE), "proof", "failed", "missing_proof"),
    ("unknown_did_method", (("proof", "verificationMethod"), "did:example:123#key-1"),
     "proof", "failed", "method_not_supported"),
    ("undefined_term", (("credentialSubject", "favouriteColour"), "blue"),
     "document", "failed", "undefined_term"),
    ("undefined_top_level_term", (("giftAid",), True), "document", "failed", "undefined_term"),
    ("undefined_type", (("type",), ["VerifiableCredential", "OpenBadgeCredential", "Diploma"]),
     "document", "failed", "undefined_term"),
    ("missing_vc_context", (("@context", 0), "https://www.w3.org/ns/did/v1"),
     "document", "failed", "missing_context"),
    ("schema_missing_achievement", (("credentialSubject", "achievement"), _DELETE),
     "schema", "failed", "schema_violation"),
    ("malformed_valid_until", (("validUntil",), "next tuesday"), "validity", "failed",
     "invalid_date"),
    ("expired", (("validUntil",), "2026-01-01T00:00:00Z"), "validity", "failed", "expired"),
    ("not_yet_valid", (("validFrom",), "2027-01-01T00:00:00Z"), "validity", "failed",
     "not_yet_valid"),
    ("proof_expired", (("proof", "expires"), "2026-02-01T00:00:00Z"), "proof", "failed",
     "proof_expired"),
    ("proof_created_in_future", (("proof", "created"), "2027-01-01T00:00:00Z"), "proof",
     "failed", "proof_created_in_future"),
]


@pytest.mark.parametrize(("scenario", "mutation", "check_id", "outcome", "code"), NEGATIVE,
                         ids=[n[0] for n in NEGATIVE])
async def test_negative_table(signed, scenario, mutation, check_id, outcome, code):
    doc = copy.deepcopy(signed)
    if mutation == "truncate":
        doc["proof"]["proofValue"] = doc["proof"]["proofValue"][:-6]
    else:
        _set(doc, *mutation)
    report = await verify(doc, now=NOW)
    assert not report.verified
    assert outcomes(report)[check_id] == (outcome, code)


async def test_wrong_key_claiming_the_issuers_method(signed, other_key, issuer_key):
    forged = await _resigned_by_other(signed, other_key, issuer_key)
    assert outcomes(await verify(forged, now=NOW))["proof"] == ("failed", "invalid_signature")


async def test_key_of_another_did_is_not_the_issuer(unsigned, other_key, issuer_key):
    doc = await add_proof(unsigned, key=other_key, loader=StaticLoader(), now=ISSUED)
    report = await verify(doc, now=NOW)
    assert outcomes(report)["proof"] == ("passed", "ok")
    assert outcomes(report)["issuer"] == ("failed", "issuer_mismatch")
    assert not report.verified


async def test_proof_purpose_mismatch(unsigned, issuer_key):
    doc = await add_proof(unsigned, key=issuer_key, loader=StaticLoader(), now=ISSUED,
                          purpose="authentication")
    assert outcomes(await verify(doc, now=NOW))["proof"] == ("failed", "wrong_proof_purpose")


async def test_proof_set_needs_every_proof_valid(signed, other_key, issuer_key):
    both = await add_proof(signed, key=other_key, loader=StaticLoader(), now=ISSUED)
    assert len(both["proof"]) == 2
    assert (await verify(both, now=NOW)).verified
    both["proof"][1]["proofValue"] = signed["proof"]["proofValue"]
    assert outcomes(await verify(both, now=NOW))["proof"] == ("failed", "invalid_signature")


async def test_clock_skew_is_honoured(signed):
    early = ISSUED - timedelta(minutes=2)
    assert (await verify(signed, now=early)).verified
    report = await verify(signed, now=early, skew=timedelta(0))
    assert outcomes(report)["validity"] == ("failed", "not_yet_valid")


@pytest.mark.parametrize(
    ("document", "code"),
    [("{not json", "malformed_json"), ("[1, 2]", "not_an_object"), (b"\xff\xfe", "malformed_json"),
     ("42", "not_an_object"), ({"@context": 5}, "missing_context"),
     ("[" * 5000 + "]" * 5000, "document_too_deep"),
     ({"a": DEEP}, "document_too_deep"),
     ('{"id": 1, "id": 2}', "malformed_json"), ('{"a": NaN}', "malformed_json"),
     ('{"a": Infinity}', "malformed_json"), ({"a": float("nan")}, "malformed_json"),
     ({"a": 10**5000}, "malformed_json")],
)
async def test_bad_input_is_a_failed_document_check_never_an_exception(document, code):
    report = await verify(document, now=NOW)
    assert not report.verified
    assert report.checks[0].id == "document"
    assert report.checks[0].code == code
    assert all(c.outcome is Outcome.SKIPPED for c in report.checks[1:])


async def test_wrong_types_are_reported_not_raised(signed):
    for path, value in [(("credentialSubject",), 7), (("issuer",), ["x"]), (("proof",), "abc"),
                        (("proof",), [1, 2]), (("type",), {"a": 1}), (("validFrom",), 5)]:
        doc = copy.deepcopy(signed)
        _set(doc, path, value)
        report = await verify(doc, now=NOW)
        assert not report.verified, path
        assert any(c.outcome is Outcome.FAILED for c in report.checks), path


class Unreachable:
    async def get_json(self, url, *, accept="application/json"):
        from vcbadges.errors import FetchError

        raise FetchError(f"cannot reach {url}", code="fetch_failed")


async def test_unreachable_status_list_is_an_error_never_a_pass(unsigned, issuer_key):
    doc = copy.deepcopy(unsigned)
    doc["credentialStatus"] = {"id": "https://example.com/status/1#5",
                               "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
                               "statusListIndex": "5",
                               "statusListCredential": "https://example.com/status/1"}
    doc = await issue(doc, key=issuer_key, now=ISSUED)
    report = await verify(doc, now=NOW, fetcher=Unreachable())
    assert outcomes(report)["status_revocation"] == ("error", "status_list_unreachable")
    assert not report.verified


async def test_report_raise_for_failure(signed):
    doc = copy.deepcopy(signed)
    doc["name"] = "changed"
    report = await verify(doc, now=NOW)
    from vcbadges.report import VerificationFailed

    with pytest.raises(VerificationFailed) as info:
        report.raise_for_failure()
    assert info.value.code == "invalid_signature"

"""present() and verify() on presentations: holder proof, challenge, domain, holder binding."""

import copy

import pytest
from clock import ISSUED, NOW

from vcbadges import present, verify, verify_presentation
from vcbadges.jsonld.loader import StaticLoader
from vcbadges.proofs.di import add_proof

CHALLENGE = "c0ffee-4711"
DOMAIN = "https://employer.example"


def outcomes(report):
    return {c.id: (c.outcome.value, c.code) for c in report.checks}


@pytest.fixture
async def vp(signed, holder_key):
    return await present([signed], key=holder_key, challenge=CHALLENGE, domain=DOMAIN, now=NOW)


async def test_presentation_verifies_with_its_credential(vp, holder_key):
    assert vp["holder"] == holder_key.controller
    assert vp["proof"]["proofPurpose"] == "authentication"
    report = await verify(vp, challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    assert report.verified
    assert [c.id for c in report.checks] == ["document", "presentation_proof", "challenge",
                                            "domain", "holder"]
    assert len(report.credentials) == 1 and report.credentials[0].verified
    report = await verify_presentation(vp, challenge=CHALLENGE, domain=DOMAIN, now=NOW,
                                       holder_must_be_subject=True)
    assert report.verified


async def test_replay_with_another_challenge_fails(vp):
    report = await verify(vp, challenge="another-session", domain=DOMAIN, now=NOW)
    assert not report.verified
    assert outcomes(report)["challenge"] == ("failed", "challenge_mismatch")


async def test_presentation_for_another_verifier_fails(vp):
    report = await verify(vp, challenge=CHALLENGE, domain="https://other.example", now=NOW)
    assert outcomes(report)["domain"] == ("failed", "domain_mismatch")


async def test_missing_expectations_are_warnings_not_passes(vp):
    report = await verify(vp, now=NOW)
    assert outcomes(report)["challenge"] == ("skipped", "not_applicable")
    assert {"challenge_not_checked", "domain_not_checked"} <= {w.code for w in report.warnings}


async def test_tampered_embedded_credential_fails_the_presentation(vp):
    doc = copy.deepcopy(vp)
    doc["verifiableCredential"][0]["credentialSubject"]["achievement"]["name"] = "Forged"
    report = await verify(doc, challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    assert not report.verified
    assert outcomes(report)["presentation_proof"] == ("failed", "invalid_signature")
    # Nothing is verified (or fetched) on behalf of a presentation that is not genuine.
    assert report.credentials == ()


async def test_credential_proof_purpose_is_not_accepted_for_presentations(signed, holder_key):
    unsigned = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiablePresentation"], "holder": holder_key.controller,
                "verifiableCredential": [signed]}
    doc = await add_proof(unsigned, key=holder_key, loader=StaticLoader(), now=NOW,
                          suite="ecdsa-rdfc-2019", challenge=CHALLENGE, domain=DOMAIN)
    report = await verify(doc, challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    assert outcomes(report)["presentation_proof"] == ("failed", "wrong_proof_purpose")


async def test_holder_must_sign_and_may_be_required_to_be_the_subject(signed, other_key):
    # Signed by someone who is not the subject of the badge.
    vp = await present([signed], key=other_key, challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    report = await verify(vp, challenge=CHALLENGE, domain=DOMAIN, now=NOW,
                          holder_must_be_subject=True)
    assert outcomes(report)["holder"] == ("failed", "holder_not_subject")
    # Claiming another holder than the signer is caught even without that requirement.
    doc = await add_proof(dict({k: v for k, v in vp.items() if k != "proof"},
                               holder="did:example:someone"),
                          key=other_key, loader=StaticLoader(), now=NOW, purpose="authentication",
                          challenge=CHALLENGE, domain=DOMAIN)
    report = await verify(doc, challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    assert outcomes(report)["holder"] == ("failed", "holder_mismatch")


async def test_presentation_needs_challenge_and_domain(signed, holder_key):
    with pytest.raises(ValueError):
        await present([signed], key=holder_key, challenge="", domain=DOMAIN)


async def test_vcdm_1_1_credentials_travel_in_a_1_1_presentation(issuer_key, holder_key):
    from dataclasses import replace

    from vcbadges import issue
    from vcbadges.credentials.sample import sample_badge

    badge = replace(sample_badge(issuer=issuer_key.controller, subject=holder_key.controller,
                                 valid_from=ISSUED), vcdm="1.1").to_json()
    signed = await issue(badge, key=issuer_key, now=ISSUED)
    vp = await present([signed], key=holder_key, challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    assert vp["@context"][0] == "https://www.w3.org/2018/credentials/v1"
    assert (await verify(vp, challenge=CHALLENGE, domain=DOMAIN, now=NOW)).verified

"""Embedded EndorsementCredentials are verified recursively and summarised in one check."""

import copy
from dataclasses import replace

from clock import ISSUED, NOW

from vcbadges import issue, verify
from vcbadges.credentials.obv3 import EndorsementCredential, EndorsementSubject, Profile
from vcbadges.credentials.sample import sample_badge
from vcbadges.jsonld.loader import StaticLoader
from vcbadges.proofs.di import add_proof


async def _endorsement(key, subject_id: str) -> dict:
    unsigned = EndorsementCredential(
        issuer=Profile(id=key.controller, name="Quality Agency"),
        credential_subject=EndorsementSubject(id=subject_id,
                                              endorsement_comment="Meets our standard."),
        name="Endorsement of Data Literacy 101", valid_from=ISSUED).to_json()
    return await issue(unsigned, key=key, now=ISSUED)


async def _badge_with(issuer_key, holder_key, endorsement: dict) -> dict:
    badge = sample_badge(issuer=issuer_key.controller, subject=holder_key.controller,
                         valid_from=ISSUED)
    achievement = replace(badge.credential_subject.achievement, endorsement=[endorsement])
    badge = replace(badge, credential_subject=replace(badge.credential_subject,
                                                      achievement=achievement))
    return await issue(badge.to_json(), key=issuer_key, now=ISSUED)


async def test_valid_endorsement_on_the_achievement_is_verified(issuer_key, holder_key,
                                                                other_key):
    endorsement = await _endorsement(other_key, "https://badges.example.edu/achievements/x")
    signed = await _badge_with(issuer_key, holder_key, endorsement)
    report = await verify(signed, now=NOW)
    assert report.verified, report.to_json()
    check = report.check("endorsements")
    assert (check.outcome.value, check.code) == ("passed", "ok")
    assert check.detail["endorsements"][0]["issuer"] == other_key.controller
    assert check.detail["endorsements"][0]["on"] == "achievement"


async def test_forged_endorsement_fails_the_check(issuer_key, holder_key, other_key):
    endorsement = await _endorsement(other_key, "https://badges.example.edu/achievements/x")
    forged = copy.deepcopy(endorsement)
    forged["credentialSubject"]["endorsementComment"] = "The best course ever."
    # The badge issuer signs over the forged endorsement: the badge is intact, the
    # endorsement inside it is not.
    signed = await _badge_with(issuer_key, holder_key, forged)
    report = await verify(signed, now=NOW)
    assert report.check("proof").outcome.value == "passed"
    check = report.check("endorsements")
    assert (check.outcome.value, check.code) == ("failed", "endorsement_invalid")
    assert "invalid_signature" in check.message
    assert not report.verified


async def test_a_badge_is_not_an_endorsement(issuer_key, holder_key, other_key):
    not_endorsement = await issue(
        sample_badge(issuer=other_key.controller, subject=holder_key.controller,
                     valid_from=ISSUED).to_json(), key=other_key, now=ISSUED)
    badge = sample_badge(issuer=issuer_key.controller, subject=holder_key.controller,
                         valid_from=ISSUED).to_json()
    badge["credentialSubject"]["achievement"]["endorsement"] = [not_endorsement]
    # issue() refuses this structure, so sign it below the structural check.
    signed = await add_proof(badge, key=issuer_key, loader=StaticLoader(), now=ISSUED)
    report = await verify(signed, now=NOW)
    assert report.check("schema").code == "schema_violation"
    check = report.check("endorsements")
    assert (check.outcome.value, check.code) == ("failed", "endorsement_invalid")
    assert "not an EndorsementCredential" in check.message

"""verify_held: the holder's own check of an ecdsa-sd-2023 base proof before keeping it.

A verifier refuses a base proof; its holder checks it through a derivation that discloses
every statement, and must find out about everything a forger or a careless issuer could have
got wrong: a value changed (mandatory or not), a statement added or removed, the HMAC key
or the mandatory pointers in the proof value changed, a key that is not the issuer's, dates,
and status. Each ends in its own check and code.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import timedelta

import pytest
from clock import ISSUED, NOW
from test_status import BASE, Lists, rev

from vcbadges import derive, issue, present, verify, verify_held
from vcbadges._api import verify_held_credential_document
from vcbadges.credentials.sample import sample_badge
from vcbadges.jsonld.loader import StaticLoader
from vcbadges.primitives import multibase
from vcbadges.primitives.keys import P256SigningKey
from vcbadges.proofs import sd_proof_value as pv
from vcbadges.proofs.di import add_proof

SUITE = "ecdsa-sd-2023"
EMAIL = {"type": "IdentityObject", "identityHash": "ada@example.org",
         "identityType": "emailAddress", "hashed": False}
NAME = {"type": "IdentityObject", "identityHash": "Ada Lovelace", "identityType": "name",
        "hashed": False}


@pytest.fixture
def p256_issuer() -> P256SigningKey:
    return P256SigningKey.from_scalar(bytes(range(40, 72)))


@pytest.fixture
def stranger() -> P256SigningKey:
    return P256SigningKey.from_scalar(bytes(range(80, 112)))


@pytest.fixture
def anonymous_badge(p256_issuer) -> dict:
    """A badge whose learner is known by name and e-mail only."""
    badge = sample_badge(issuer=p256_issuer.controller, subject="did:example:unused",
                         valid_from=ISSUED).to_json()
    subject = badge["credentialSubject"]
    del subject["id"]
    subject["name"] = "Ada Lovelace"
    subject["identifier"] = [EMAIL, NAME]
    return badge


@pytest.fixture
async def base(anonymous_badge, p256_issuer) -> dict:
    return await issue(anonymous_badge, key=p256_issuer, cryptosuite=SUITE, now=ISSUED)


def outcomes(report) -> dict[str, tuple[str, str]]:
    return {c.id: (c.outcome.value, c.code) for c in report.checks}


def with_base_value(document: dict, **changes) -> dict:
    """``document`` with its base proof value re-encoded after ``changes``."""
    doc = copy.deepcopy(document)
    value = pv.parse_base(doc["proof"]["proofValue"])
    doc["proof"]["proofValue"] = pv.serialize_base(dataclasses.replace(value, **changes))
    return doc


async def test_a_genuine_base_proof_passes_for_its_holder_and_still_not_for_a_verifier(base):
    report = await verify_held(base, now=NOW)
    assert report.verified, outcomes(report)
    checks = outcomes(report)
    assert checks["proof"] == ("passed", "base_proof_checked_by_holder")
    assert checks["issuer"] == ("passed", "ok")
    assert checks["validity"] == ("passed", "ok")
    assert checks["schema"] == ("passed", "ok")
    assert "derivation disclosing every statement" in report.check("proof").message
    assert report.credential["achievement"] == "Data Literacy 101"
    # The same document is still refused to a verifier.
    assert outcomes(await verify(base, now=NOW))["proof"] == ("failed", "base_proof_presented")


async def test_the_check_does_not_change_the_credential(base):
    kept = copy.deepcopy(base)
    await verify_held(base, now=NOW)
    assert base == kept


def _set(path: tuple, value):
    def change(doc: dict) -> None:
        node = doc
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    return change


def _delete(path: tuple):
    def change(doc: dict) -> None:
        node = doc
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]
    return change


def _append(path: tuple, value):
    def change(doc: dict) -> None:
        node = doc
        for part in path:
            node = node[part]
        node.append(value)
    return change


@pytest.mark.parametrize("change, code", [
    pytest.param(_set(("credentialSubject", "achievement", "name"), "Rocket Science 101"),
                 "invalid_signature", id="mandatory-achievement-name"),
    pytest.param(_set(("issuer", "name"), "Another Academy"), "invalid_signature",
                 id="mandatory-issuer-name"),
    pytest.param(_set(("validFrom",), "2020-01-01T00:00:00Z"), "invalid_signature",
                 id="mandatory-date"),
    pytest.param(_set(("credentialSubject", "name"), "Charles Babbage"), "invalid_signature",
                 id="non-mandatory-name"),
    pytest.param(_set(("credentialSubject", "identifier", 0, "identityHash"),
                      "mallory@example.org"), "invalid_signature", id="non-mandatory-email"),
    pytest.param(_delete(("credentialSubject", "name")), "base_proof_mismatch",
                 id="statement-removed"),
    pytest.param(_append(("credentialSubject", "identifier"), dict(EMAIL, identityHash="m@x.org")),
                 "base_proof_mismatch", id="statement-added"),
])
async def test_a_changed_credential_fails_the_holders_check(base, change, code):
    changed = copy.deepcopy(base)
    change(changed)
    report = await verify_held(changed, now=NOW)
    assert not report.verified
    assert outcomes(report)["proof"] == ("failed", code)
    assert outcomes(report)["issuer"][0] == "skipped"


async def test_a_changed_hmac_key_renames_blank_nodes_and_fails(base):
    forged = with_base_value(base, hmac_key=bytes(32))
    assert outcomes(await verify_held(forged, now=NOW))["proof"] == (
        "failed", "invalid_signature")


async def test_changed_mandatory_pointers_fail(base):
    pointers = pv.parse_base(base["proof"]["proofValue"]).mandatory_pointers
    assert "/issuer" in pointers
    fewer = with_base_value(base, mandatory_pointers=[p for p in pointers if p != "/issuer"])
    assert outcomes(await verify_held(fewer, now=NOW))["proof"] == (
        "failed", "base_proof_mismatch")
    # As many statements, another split between mandatory and not: the signatures tell.
    shifted = with_base_value(base, mandatory_pointers=[*pointers, "/credentialSubject/name"])
    assert outcomes(await verify_held(shifted, now=NOW))["proof"][0] == "failed"


async def test_changed_signatures_fail(base):
    value = pv.parse_base(base["proof"]["proofValue"])
    assert len(value.signatures) > 1
    swapped = [value.signatures[1], value.signatures[0], *value.signatures[2:]]
    assert outcomes(await verify_held(with_base_value(base, signatures=swapped), now=NOW))[
        "proof"] == ("failed", "invalid_signature")
    flipped = bytes([value.base_signature[0] ^ 1]) + value.base_signature[1:]
    assert outcomes(await verify_held(with_base_value(base, base_signature=flipped), now=NOW))[
        "proof"] == ("failed", "invalid_signature")


async def test_a_malformed_base_proof_value_fails(base):
    broken = copy.deepcopy(base)
    raw = multibase.decode(broken["proof"]["proofValue"])
    broken["proof"]["proofValue"] = "u" + multibase.b64url_encode(raw[:-7])
    assert outcomes(await verify_held(broken, now=NOW))["proof"] == (
        "failed", "malformed_proof_value")


async def test_a_key_that_is_not_the_issuers_fails(base, anonymous_badge, stranger):
    # Another key named as the signer: the base signature does not verify under it.
    renamed = copy.deepcopy(base)
    renamed["proof"]["verificationMethod"] = stranger.verification_method
    assert outcomes(await verify_held(renamed, now=NOW))["proof"] == (
        "failed", "invalid_signature")
    # Signed by another key from the start, the credential naming the issuer: the proof
    # holds, but the key is not the issuer's.
    unsigned = {**anonymous_badge, "id": "urn:uuid:7a9d4c3e-0000-4000-8000-000000000001",
                "validFrom": anonymous_badge["validFrom"]}
    forged = await add_proof(unsigned, key=stranger, loader=StaticLoader(), suite=SUITE, now=ISSUED,
                             mandatory_pointers=["/issuer", "/credentialSubject/achievement"])
    report = await verify_held(forged, now=NOW)
    assert outcomes(report)["proof"] == ("passed", "base_proof_checked_by_holder")
    assert outcomes(report)["issuer"] == ("failed", "issuer_mismatch")
    assert not report.verified


async def test_dates_are_checked(anonymous_badge, p256_issuer):
    expired = await issue({**anonymous_badge, "validUntil": "2026-05-15T00:00:00Z"},
                          key=p256_issuer, cryptosuite=SUITE, now=ISSUED)
    report = await verify_held(expired, now=NOW)
    assert outcomes(report)["proof"][0] == "passed"
    assert outcomes(report)["validity"] == ("failed", "expired")
    assert not report.verified
    early = await issue(anonymous_badge, key=p256_issuer, cryptosuite=SUITE,
                        now=NOW + timedelta(days=1))
    assert outcomes(await verify_held(early, now=NOW))["proof"] == (
        "failed", "proof_created_in_future")


@pytest.fixture
async def lists(p256_issuer):
    served = Lists()
    await served.publish(p256_issuer, "rev", "revocation", set_bits=[42])
    return served


async def test_status_is_checked(anonymous_badge, p256_issuer, lists):
    revoked = await issue({**anonymous_badge, "credentialStatus": rev(42)}, key=p256_issuer,
                          cryptosuite=SUITE, now=ISSUED)
    report = await verify_held(revoked, now=NOW, fetcher=lists)
    assert outcomes(report)["proof"] == ("passed", "base_proof_checked_by_holder")
    assert outcomes(report)["status_revocation"] == ("failed", "revoked")
    assert not report.verified
    good = await issue({**anonymous_badge, "credentialStatus": rev(5)}, key=p256_issuer,
                       cryptosuite=SUITE, now=ISSUED)
    report = await verify_held(good, now=NOW, fetcher=lists)
    assert report.verified, outcomes(report)
    assert outcomes(report)["status_revocation"] == ("passed", "not_revoked")
    assert rev(5)["statusListCredential"].startswith(BASE)


async def test_a_derived_credential_is_checked_as_a_verifier_checks_it(base):
    derived = await derive(base, ["/credentialSubject/name"])
    report = await verify_held(derived, now=NOW)
    assert report.verified and outcomes(report)["proof"] == ("passed", "ok")
    labels = pv.parse_derived(derived["proof"]["proofValue"]).label_map
    missing = {k: v for k, v in labels.items() if k != sorted(labels)[0]}
    value = pv.parse_derived(derived["proof"]["proofValue"])
    derived["proof"]["proofValue"] = pv.serialize_derived(
        dataclasses.replace(value, label_map=missing))
    assert outcomes(await verify_held(derived, now=NOW))["proof"] == (
        "failed", "label_map_mismatch")


async def test_a_base_proof_inside_a_presentation_is_still_refused(base, stranger):
    presentation = await present([base], key=stranger, challenge="c-1", domain="example.org",
                                 now=NOW)
    report = await verify_held(presentation, now=NOW)
    assert not report.verified
    (inner,) = report.credentials
    assert outcomes(inner)["proof"] == ("failed", "base_proof_presented")


async def test_two_base_proofs_are_ambiguous(base):
    doubled = copy.deepcopy(base)
    doubled["proof"] = [base["proof"], base["proof"]]
    assert outcomes(await verify_held(doubled, now=NOW))["proof"] == (
        "failed", "ambiguous_base_proof")


async def test_every_proof_of_a_set_is_checked(base, p256_issuer):
    both = await add_proof(base, key=p256_issuer, loader=StaticLoader(), suite="ecdsa-rdfc-2019",
                           now=ISSUED)
    report = await verify_held(both, now=NOW)
    assert report.verified, outcomes(report)
    assert "2 proof(s)" in report.check("proof").message
    both["proof"][1]["proofValue"] = base["proof"]["proofValue"]
    assert outcomes(await verify_held(both, now=NOW))["proof"][0] == "failed"


async def test_the_credential_only_form_checks_a_base_proof_and_takes_no_presentation(
        base, stranger):
    report = await verify_held_credential_document(json.dumps(base), now=NOW)
    assert report.verified, outcomes(report)
    assert outcomes(report)["proof"] == ("passed", "base_proof_checked_by_holder")
    presentation = await present([base], key=stranger, challenge="c-1", domain="example.org",
                                 now=NOW)
    refused = await verify_held_credential_document(presentation, now=NOW)
    assert outcomes(refused)["document"] == ("failed", "missing_type")

"""ecdsa-sd-2023 through the public verbs: issue a base proof, derive, verify the derivation.

Every way a holder or a thief could bend a derived proof must fail with its own code: a
changed or added claim, a dropped mandatory claim, a label map or signature list that was
tampered with, a proof value that is not what it claims to be, a key that is not the
issuer's, and the base proof itself shown to a verifier.
"""

from __future__ import annotations

import copy
import dataclasses

import cbor2
import pytest
from clock import ISSUED, NOW

from vcbadges import derive, issue, verify
from vcbadges.credentials.sample import sample_badge
from vcbadges.errors import JSONLDError, ProofError
from vcbadges.primitives import multibase
from vcbadges.primitives.keys import P256SigningKey
from vcbadges.proofs import sd_proof_value as pv

SUITE = "ecdsa-sd-2023"
EMAIL = [{"type": "IdentityObject", "identityHash": "ada@example.org",
          "identityType": "emailAddress", "hashed": False}]


@pytest.fixture
def p256_issuer() -> P256SigningKey:
    return P256SigningKey.from_scalar(bytes(range(40, 72)))


@pytest.fixture
def anonymous_badge(p256_issuer) -> dict:
    """A badge whose learner is known by name and e-mail only (no DID to give them away)."""
    badge = sample_badge(issuer=p256_issuer.controller, subject="did:example:unused",
                         valid_from=ISSUED).to_json()
    subject = badge["credentialSubject"]
    del subject["id"]
    subject["name"] = "Ada Lovelace"
    subject["identifier"] = EMAIL
    return badge


@pytest.fixture
async def base(anonymous_badge, p256_issuer) -> dict:
    return await issue(anonymous_badge, key=p256_issuer, cryptosuite=SUITE, now=ISSUED)


def outcomes(report):
    return {c.id: (c.outcome.value, c.code) for c in report.checks}


def proof_code(report):
    return outcomes(report)["proof"]


def with_value(document: dict, **changes) -> dict:
    """``document`` with its derived proof value re-encoded after ``changes``."""
    doc = copy.deepcopy(document)
    value = pv.parse_derived(doc["proof"]["proofValue"])
    doc["proof"]["proofValue"] = pv.serialize_derived(dataclasses.replace(value, **changes))
    return doc


@pytest.mark.parametrize("selection, shown, hidden", [
    ([], [], ["name", "identifier", "result"]),
    (["/credentialSubject/name"], ["name"], ["identifier", "result"]),
    (["/credentialSubject/identifier"], ["identifier"], ["name", "result"]),
    (["/credentialSubject/name", "/credentialSubject/identifier", "/credentialSubject/result",
      "/evidence"], ["name", "identifier", "result"], []),
])
async def test_each_selection_round_trips_and_withholds_the_rest(base, selection, shown, hidden):
    derived = await derive(base, selection)
    subject = derived["credentialSubject"]
    assert [k for k in shown if k in subject] == shown
    assert not [k for k in hidden if k in subject]
    # What the issuer made mandatory is always there.
    assert derived["issuer"] == base["issuer"] and derived["validFrom"] == base["validFrom"]
    assert subject["achievement"] == base["credentialSubject"]["achievement"]
    assert ("evidence" in derived) == ("/evidence" in selection)
    report = await verify(derived, now=NOW)
    assert report.verified, outcomes(report)
    checks = outcomes(report)
    assert checks["proof"] == ("passed", "ok") and checks["schema"] == ("passed", "ok")
    assert checks["issuer"] == ("passed", "ok")
    assert report.credential["achievement"] == "Data Literacy 101"
    assert "ecdsa-sd-2023" in next(c for c in report.checks if c.id == "proof").message


async def test_a_base_proof_is_refused_by_verifiers(base):
    assert multibase.decode(base["proof"]["proofValue"])[:3] == b"\xd9\x5d\x00"
    report = await verify(base, now=NOW)
    assert not report.verified
    assert proof_code(report) == ("failed", "base_proof_presented")


async def test_a_tampered_disclosed_value_fails(base):
    derived = await derive(base, ["/credentialSubject/name"])
    derived["credentialSubject"]["name"] = "Charles Babbage"
    assert proof_code(await verify(derived, now=NOW)) == ("failed", "invalid_signature")


async def test_a_tampered_mandatory_value_fails(base):
    derived = await derive(base, [])
    derived["credentialSubject"]["achievement"]["name"] = "Rocket Science 101"
    assert proof_code(await verify(derived, now=NOW)) == ("failed", "invalid_signature")


async def test_dropping_a_mandatory_claim_fails(base):
    derived = await derive(base, ["/credentialSubject/name"])
    del derived["credentialSubject"]["achievement"]["description"]
    assert not (await verify(derived, now=NOW)).verified
    del derived["validFrom"]
    report = await verify(derived, now=NOW)
    assert not report.verified


async def test_an_added_claim_is_an_extra_statement_without_signature(base):
    derived = await derive(base, [])
    derived["credentialSubject"]["name"] = "Mallory"
    assert proof_code(await verify(derived, now=NOW)) == ("failed", "signature_count_mismatch")


async def test_reordered_signatures_fail(base):
    derived = await derive(base, ["/credentialSubject/name", "/credentialSubject/identifier"])
    signatures = pv.parse_derived(derived["proof"]["proofValue"]).signatures
    assert len(signatures) > 1
    swapped = with_value(derived, signatures=[signatures[1], signatures[0], *signatures[2:]])
    assert proof_code(await verify(swapped, now=NOW)) == ("failed", "invalid_signature")


async def test_a_wrong_label_map_fails(base):
    derived = await derive(base, ["/credentialSubject/name"])
    labels = pv.parse_derived(derived["proof"]["proofValue"]).label_map
    assert len(labels) >= 2
    keys = sorted(labels)
    swapped = dict(labels)
    swapped[keys[0]], swapped[keys[1]] = labels[keys[1]], labels[keys[0]]
    assert proof_code(await verify(with_value(derived, label_map=swapped), now=NOW)) == (
        "failed", "invalid_signature")
    forged = {**labels, keys[0]: "u" + multibase.b64url_encode(bytes(32))}
    assert proof_code(await verify(with_value(derived, label_map=forged), now=NOW)) == (
        "failed", "invalid_signature")
    missing = {k: v for k, v in labels.items() if k != keys[0]}
    assert proof_code(await verify(with_value(derived, label_map=missing), now=NOW)) == (
        "failed", "label_map_mismatch")
    merged = {**labels, keys[0]: labels[keys[1]]}
    assert proof_code(await verify(with_value(derived, label_map=merged), now=NOW)) == (
        "failed", "label_map_mismatch")


async def test_wrong_mandatory_indexes_fail(base):
    derived = await derive(base, ["/credentialSubject/name"])
    indexes = pv.parse_derived(derived["proof"]["proofValue"]).mandatory_indexes
    assert proof_code(await verify(with_value(derived, mandatory_indexes=indexes[1:]),
                                   now=NOW))[0] == "failed"
    assert proof_code(await verify(with_value(derived, mandatory_indexes=[*indexes, 10_000]),
                                   now=NOW)) == ("failed", "malformed_proof_value")
    assert proof_code(await verify(with_value(derived, mandatory_indexes=indexes[::-1]),
                                   now=NOW)) == ("failed", "malformed_proof_value")


async def test_a_proof_from_another_key_fails(anonymous_badge, base):
    stranger = P256SigningKey.from_scalar(bytes(range(80, 112)))
    derived = await derive(base, ["/credentialSubject/name"])
    derived["proof"]["verificationMethod"] = stranger.verification_method
    assert proof_code(await verify(derived, now=NOW)) == ("failed", "invalid_signature")
    # Signed by the stranger from the start: the proof holds, the issuer check does not.
    own = await issue({**anonymous_badge, "issuer": {**anonymous_badge["issuer"],
                                                      "id": stranger.controller}},
                      key=stranger, cryptosuite=SUITE, now=ISSUED)
    own = await derive(own, [])
    own["issuer"] = base["issuer"]
    assert proof_code(await verify(own, now=NOW)) == ("failed", "invalid_signature")


def _raw_proof_value(body: bytes) -> str:
    return "u" + multibase.b64url_encode(body)


@pytest.mark.parametrize("mangle", [
    pytest.param(lambda raw: raw[:3] + b"\xff\xff", id="not-cbor"),
    pytest.param(lambda raw: raw + b"\x00", id="trailing-bytes"),
    pytest.param(lambda raw: raw[:-5], id="truncated"),
    pytest.param(lambda raw: raw[:3] + cbor2.dumps([1, 2, 3]), id="wrong-shape"),
    pytest.param(lambda raw: raw[:3] + cbor2.dumps({"a": 1}), id="not-an-array"),
    pytest.param(lambda raw: b"\xd9\x5d\x02" + raw[3:], id="unknown-header"),
    pytest.param(lambda raw: b"\xd9\x5e\x01" + raw[3:], id="wrong-tag-header"),
])
async def test_malformed_proof_values_are_refused(base, mangle):
    derived = await derive(base, [])
    raw = multibase.decode(derived["proof"]["proofValue"])
    derived["proof"]["proofValue"] = _raw_proof_value(mangle(raw))
    assert proof_code(await verify(derived, now=NOW)) == ("failed", "malformed_proof_value")


async def test_a_proof_value_not_in_base64url_is_refused(base):
    derived = await derive(base, [])
    value = multibase.decode(derived["proof"]["proofValue"])
    derived["proof"]["proofValue"] = multibase.encode(value, "z")
    assert proof_code(await verify(derived, now=NOW)) == ("failed", "malformed_proof_value")


async def test_members_of_the_wrong_size_are_refused(base):
    derived = await derive(base, ["/credentialSubject/name"])
    assert proof_code(await verify(with_value(derived, base_signature=bytes(63)), now=NOW)) == (
        "failed", "malformed_proof_value")
    value = pv.parse_derived(derived["proof"]["proofValue"])
    assert proof_code(await verify(with_value(derived, public_key=value.public_key[:-1]),
                                   now=NOW)) == ("failed", "malformed_proof_value")


async def test_derive_refuses_what_it_cannot_do(base, anonymous_badge, p256_issuer):
    with pytest.raises(JSONLDError) as bad_pointer:
        await derive(base, ["/credentialSubject/nickname"])
    assert bad_pointer.value.code == "pointer_mismatch"
    with pytest.raises(JSONLDError) as bad_syntax:
        await derive(base, ["credentialSubject"])
    assert bad_syntax.value.code == "invalid_pointer"
    plain = await issue(anonymous_badge, key=p256_issuer, now=ISSUED)
    with pytest.raises(ProofError) as no_base:
        await derive(plain, [])
    assert no_base.value.code == "no_base_proof"
    derived = await derive(base, [])
    with pytest.raises(ProofError) as from_derived:
        await derive(derived, [])
    assert from_derived.value.code == "malformed_proof_value"
    changed = copy.deepcopy(base)
    changed["credentialSubject"]["nickname"] = "Ada"
    changed["@context"] = [*changed["@context"], {"nickname": "https://schema.org/alternateName"}]
    with pytest.raises(ProofError) as mismatch:
        await derive(changed, [])
    assert mismatch.value.code == "base_proof_mismatch"


async def test_mandatory_pointers_can_be_chosen_by_the_issuer(anonymous_badge, p256_issuer):
    base = await issue(anonymous_badge, key=p256_issuer, cryptosuite=SUITE, now=ISSUED,
                       mandatory_pointers=["/issuer", "/validFrom", "/credentialSubject/name",
                                           "/credentialSubject/achievement"])
    derived = await derive(base, [])
    assert derived["credentialSubject"]["name"] == "Ada Lovelace"
    assert "identifier" not in derived["credentialSubject"]
    assert (await verify(derived, now=NOW)).verified


async def test_a_subject_did_is_disclosed_with_any_subject_claim(p256_issuer, holder_key):
    badge = sample_badge(issuer=p256_issuer.controller, subject=holder_key.controller,
                         valid_from=ISSUED).to_json()
    base = await issue(badge, key=p256_issuer, cryptosuite=SUITE, now=ISSUED)
    derived = await derive(base, [])
    assert derived["credentialSubject"]["id"] == holder_key.controller
    assert (await verify(derived, now=NOW)).verified


async def test_an_ed25519_key_cannot_make_an_sd_proof(unsigned, issuer_key):
    with pytest.raises(ValueError, match="P-256"):
        await issue(unsigned, key=issuer_key, cryptosuite=SUITE, now=ISSUED)

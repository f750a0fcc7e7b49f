"""Interoperability with Digital Bazaar's @digitalbazaar/vc, in both directions, per suite.

The Node side is tests/interop/dbvc.mjs; its dependencies are pinned in the lockfile beside
it and installed by `npm ci --prefix tests/interop`.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from vcbadges import derive, issue, present, verify
from vcbadges.primitives.keys import (
    Ed25519SigningKey,
    P256SigningKey,
    SigningKey,
    signing_key_from_multikey,
)

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "dbvc.mjs"
SUITES = {"eddsa-rdfc-2022": "Ed25519", "eddsa-jcs-2022": "Ed25519", "ecdsa-rdfc-2019": "P-256"}


def node(command: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    exe = shutil.which("node")
    assert exe is not None, "node is needed for the interop tests"
    assert (HERE / "node_modules").is_dir(), "run `npm ci --prefix tests/interop` first"
    result = subprocess.run(
        [exe, str(SCRIPT), command], input=json.dumps(payload or {}), capture_output=True,
        text=True, timeout=120)
    out: dict[str, Any] = json.loads(result.stdout)
    assert result.returncode == 0, out.get("error") or result.stderr
    return out


def key_for(algorithm: str) -> SigningKey:
    if algorithm == "Ed25519":
        return Ed25519SigningKey.generate()
    return P256SigningKey.generate()


def key_json(key: SigningKey) -> dict[str, str]:
    return {"publicKeyMultibase": key.public_key.to_multikey(),
            "secretKeyMultibase": key.to_secret_multikey()}


def sample_for(key: SigningKey) -> dict[str, Any]:
    doc = json.loads((HERE / "sample_ob3.json").read_text())
    doc["issuer"]["id"] = key.controller
    return doc


@pytest.mark.parametrize("suite", SUITES)
async def test_vcbadges_signs_digital_bazaar_verifies(suite):
    key = key_for(SUITES[suite])
    signed = await issue(sample_for(key), key=key, cryptosuite=suite)
    assert node("verify", {"credential": signed}) == {"verified": True, "error": None}
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["name"] = "Something else"
    assert node("verify", {"credential": tampered})["verified"] is False


@pytest.mark.parametrize("suite", SUITES)
async def test_digital_bazaar_signs_vcbadges_verifies(suite):
    key = key_for(SUITES[suite])
    signed = node("sign", {"credential": sample_for(key), "suite": suite,
                           "key": key_json(key)})["credential"]
    report = await verify(signed)
    assert report.verified, report.to_json()
    assert report.check("proof").code == "ok"
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["name"] = "Something else"
    assert (await verify(tampered)).check("proof").code == "invalid_signature"


@pytest.mark.parametrize("key_type", ["ed25519", "p256"])
async def test_keys_generated_by_digital_bazaar_decode_identically(key_type):
    pair = node_keygen(key_type)
    key = signing_key_from_multikey(pair["secretKeyMultibase"])
    assert key.public_key.to_multikey() == pair["publicKeyMultibase"]


def node_keygen(key_type: str) -> dict[str, Any]:
    exe = shutil.which("node")
    assert exe is not None
    result = subprocess.run([exe, str(SCRIPT), "keygen", "--type", key_type],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout
    out: dict[str, Any] = json.loads(result.stdout)
    return out


async def test_presentations_interoperate_both_ways():
    issuer = Ed25519SigningKey.generate()
    holder = Ed25519SigningKey.generate()
    badge = sample_for(issuer)
    badge["credentialSubject"]["id"] = holder.controller
    credential = await issue(badge, key=issuer)
    ours = await present([credential], key=holder, challenge="n-0S6_WzA2Mj",
                         domain="https://verifier.example")
    answer = node("verify", {"presentation": ours, "challenge": "n-0S6_WzA2Mj",
                             "domain": "https://verifier.example"})
    assert answer == {"verified": True, "error": None}
    wrong = node("verify", {"presentation": ours, "challenge": "other",
                            "domain": "https://verifier.example"})
    assert wrong["verified"] is False

    unsigned = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiablePresentation"], "holder": holder.controller,
                "verifiableCredential": [credential]}
    theirs = node("sign", {"presentation": unsigned, "suite": "eddsa-rdfc-2022",
                           "key": key_json(holder), "challenge": "c-123",
                           "domain": "https://verifier.example"})["presentation"]
    report = await verify(theirs, challenge="c-123", domain="https://verifier.example")
    assert report.verified, report.to_json()
    assert not (await verify(theirs, challenge="c-999", domain="https://verifier.example")).verified


# ecdsa-sd-2023: the issuer's base proof, the holder's derivation and the verifier's check
# each made by a different implementation.
SD = "ecdsa-sd-2023"
SELECTIVE = ["/credentialSubject/activityStartDate", "/evidence"]


def anonymous_sample(key: SigningKey) -> dict[str, Any]:
    """The sample without a subject DID, and without ``allowedValue``: Digital Bazaar's
    skolemization puts an ``@id`` on JSON-LD lists, which its JSON-LD processor then refuses."""
    doc = sample_for(key)
    for description in doc["credentialSubject"]["achievement"]["resultDescription"]:
        description.pop("allowedValue", None)
    del doc["credentialSubject"]["id"]
    doc["credentialSubject"]["name"] = "Ada Lovelace"
    doc["credentialSubject"]["identifier"] = [{
        "type": "IdentityObject", "identityHash": "ada@example.org",
        "identityType": "emailAddress", "hashed": False}]
    return doc


async def test_vcbadges_base_proof_digital_bazaar_derives_vcbadges_verifies():
    key = P256SigningKey.generate()
    base = await issue(anonymous_sample(key), key=key, cryptosuite=SD)
    derived = node("derive", {"credential": base,
                              "selectivePointers": SELECTIVE})["credential"]
    assert "name" not in derived["credentialSubject"]
    assert "identifier" not in derived["credentialSubject"]
    assert "activityStartDate" in derived["credentialSubject"] and "evidence" in derived
    assert "activityEndDate" not in derived["credentialSubject"]
    report = await verify(derived)
    assert report.verified, report.to_json()
    assert report.check("proof").code == "ok"
    tampered = copy.deepcopy(derived)
    tampered["credentialSubject"]["activityStartDate"] = "2020-01-01T00:00:00Z"
    assert (await verify(tampered)).check("proof").code == "invalid_signature"
    # Digital Bazaar's own verifier agrees with ours on its derivation.
    assert node("verify", {"credential": derived}) == {"verified": True, "error": None}


async def test_digital_bazaar_base_proof_vcbadges_derives_digital_bazaar_verifies():
    key = P256SigningKey.generate()
    mandatory = ["/issuer", "/validFrom", "/credentialSubject/achievement"]
    base = node("sign", {"credential": anonymous_sample(key), "suite": SD, "key": key_json(key),
                         "mandatoryPointers": mandatory})["credential"]
    derived = await derive(base, SELECTIVE)
    assert "name" not in derived["credentialSubject"]
    assert node("verify", {"credential": derived}) == {"verified": True, "error": None}
    assert (await verify(derived)).verified
    tampered = copy.deepcopy(derived)
    tampered["evidence"][0]["name"] = "Something else"
    assert node("verify", {"credential": tampered})["verified"] is False
    # Neither verifier takes the base proof itself.
    assert node("verify", {"credential": base})["verified"] is False
    assert (await verify(base)).check("proof").code == "base_proof_presented"

"""did:key resolution options (did:key spec, "Document Creation Algorithm"): each format
against the CCG and Digital Bazaar vectors, and each of the spec's errors in its order."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared_data import VECTORS, need_shared
from vcbadges.dids.base import public_key_from_verification_method
from vcbadges.dids.key import ED25519_2020, KeyOptions, did_key_document
from vcbadges.errors import DIDResolutionError
from vcbadges.primitives.keys import generate_key

ED = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
EXPERIMENTAL_2018 = KeyOptions(public_key_format="Ed25519VerificationKey2018",
                               enable_experimental_public_key_types=True,
                               enable_encryption_key_derivation=True)


def _ccg(name: str) -> dict[str, Any]:
    return dict(json.loads(need_shared(VECTORS / "did-key" / name).read_text()))


def _normalised(document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The methods of a document by id, and each relationship as ids: a method embedded
    in a relationship and one listed and referred to are the same to DID Core."""
    methods = {m["id"]: m for m in document.get("verificationMethod", [])}
    relationships = {}
    for name in ("authentication", "assertionMethod", "capabilityDelegation",
                 "capabilityInvocation", "keyAgreement"):
        ids = []
        for entry in document.get(name, []):
            if isinstance(entry, dict):
                methods[entry["id"]] = entry
                entry = entry["id"]
            ids.append(entry)
        relationships[name] = ids
    return methods, relationships


def test_default_is_the_multikey_form_without_key_agreement():
    document = did_key_document(ED).raw
    assert document == did_key_document(ED, KeyOptions()).raw
    assert document["@context"] == ["https://www.w3.org/ns/did/v1",
                                    "https://w3id.org/security/multikey/v1"]
    assert "keyAgreement" not in document


def test_ed25519_2020_form_is_the_specs_example_document():
    # The did:key spec's (pre-v0.9) example, which the Digital Bazaar driver reproduces.
    did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    document = did_key_document(did, ED25519_2020).raw
    assert document["@context"] == ["https://www.w3.org/ns/did/v1",
                                    "https://w3id.org/security/suites/ed25519-2020/v1",
                                    "https://w3id.org/security/suites/x25519-2020/v1"]
    assert document["verificationMethod"][0]["type"] == "Ed25519VerificationKey2020"
    [agreement] = document["keyAgreement"]
    assert agreement == {
        "id": f"{did}#z6LSj72tK8brWgZja8NLRwPigth2T9QRiG1uH9oKZuKjdh9p",
        "type": "X25519KeyAgreementKey2020", "controller": did,
        "publicKeyMultibase": "z6LSj72tK8brWgZja8NLRwPigth2T9QRiG1uH9oKZuKjdh9p"}


def test_experimental_2018_form_matches_the_ccg_vectors():
    checked = 0
    for did, entry in _ccg("ccg-ed25519-x25519.json").items():
        expected = entry["didDocument"]
        if expected["verificationMethod"][0]["type"] != "Ed25519VerificationKey2018":
            continue
        ours = did_key_document(did, EXPERIMENTAL_2018).raw
        assert ours["@context"] == expected["@context"]
        assert _normalised(ours) == _normalised(expected)
        checked += 1
    assert checked == 4


def test_json_web_key_form_carries_the_ccg_vectors_keys():
    """The CCG vectors write the JWKs under the earlier type name JsonWebKey2020."""
    checked = 0
    vectors = {**_ccg("ccg-nist-curves.json"), **_ccg("ccg-ed25519-x25519.json")}
    options = KeyOptions(public_key_format="JsonWebKey", enable_encryption_key_derivation=True)
    for did, entry in vectors.items():
        expected = entry["didDocument"]
        if expected["verificationMethod"][0]["type"] != "JsonWebKey2020" or not (
                did.startswith(("did:key:zDna", "did:key:z6Mk"))):
            continue  # P-384 and P-521 are not keys of this implementation.
        ours = did_key_document(did, options).raw
        assert ours["@context"] == ["https://www.w3.org/ns/did/v1",
                                    "https://w3id.org/security/jwk/v1"]
        methods, relationships = _normalised(ours)
        want_methods, want_relationships = _normalised(expected)
        assert {k: {**m, "type": "JsonWebKey2020"} for k, m in methods.items()} == want_methods
        if did.startswith("did:key:zDna"):
            # A P-256 key has no key agreement key derived from it (the spec derives one
            # from Ed25519 only); the CCG vector lists the signing key there.
            want_relationships["keyAgreement"] = []
        assert relationships == want_relationships
        checked += 1
    assert checked == 3


@pytest.mark.parametrize("algorithm", ["Ed25519", "P-256"])
def test_every_standard_format_holds_the_same_key(algorithm):
    key = generate_key(algorithm).public_key
    did = key.did_key
    formats = ["Multikey", "JsonWebKey"] + (
        ["Ed25519VerificationKey2020"] if algorithm == "Ed25519" else [])
    for name in formats:
        [method] = did_key_document(did, KeyOptions(public_key_format=name)).raw[
            "verificationMethod"]
        assert method["type"] == name and method["controller"] == did
        assert public_key_from_verification_method(method) == key


def test_default_context_comes_first_and_is_not_repeated():
    options = KeyOptions(default_context=("https://www.w3.org/ns/did/v1",
                                          "https://w3id.org/security/multikey/v1",
                                          "https://example.com/extra"))
    assert did_key_document(ED, options).raw["@context"] == list(options.default_context)
    options = KeyOptions(default_context=("https://www.w3.org/ns/did/v1.1",))
    assert did_key_document(ED, options).raw["@context"] == [
        "https://www.w3.org/ns/did/v1.1", "https://w3id.org/security/multikey/v1"]


def test_key_agreement_is_derived_from_ed25519_only():
    p256 = generate_key("P-256").public_key.did_key
    options = KeyOptions(enable_encryption_key_derivation=True)
    assert "keyAgreement" not in did_key_document(p256, options).raw
    [agreement] = did_key_document(ED, options).raw["keyAgreement"]
    assert agreement["type"] == "Multikey"
    assert agreement["publicKeyMultibase"].startswith("z6LS")


@pytest.mark.parametrize(("did", "options", "code"), [
    (ED, KeyOptions(public_key_format="unknown"), "unsupported_public_key_type"),
    (ED, KeyOptions(public_key_format="JsonWebKey2020"), "unsupported_public_key_type"),
    (ED, KeyOptions(public_key_format="Ed25519VerificationKey2018"), "invalid_public_key_type"),
    (ED, KeyOptions(public_key_format="Ed25519VerificationKey2018",
                    enable_encryption_key_derivation=True), "invalid_public_key_type"),
    (ED, KeyOptions(public_key_format="X25519KeyAgreementKey2020"), "invalid_public_key_type"),
    (ED, KeyOptions(public_key_format="X25519KeyAgreementKey2019",
                    enable_experimental_public_key_types=True), "invalid_public_key_type"),
    ("did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv",
     KeyOptions(public_key_format="Ed25519VerificationKey2020"), "invalid_public_key_type"),
    # The identifier is checked before the options: a bad DID stays invalidDid.
    ("did:key:6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
     KeyOptions(public_key_format="unknown"), "invalid_did"),
    ("did:key:zTjsVPtY", KeyOptions(public_key_format="unknown"), "invalid_public_key_length"),
])
def test_the_specs_errors(did, options, code):
    with pytest.raises(DIDResolutionError) as info:
        did_key_document(did, options)
    assert info.value.code == code


def test_options_from_strings():
    assert KeyOptions.from_strings({}) == KeyOptions()
    options = KeyOptions.from_strings({
        "publicKeyFormat": ["Ed25519VerificationKey2018"],
        "enableExperimentalPublicKeyTypes": ["true"],
        "enableEncryptionKeyDerivation": ["false"],
        "defaultContext": ["https://www.w3.org/ns/did/v1", "https://example.com/c"],
    })
    assert options == KeyOptions(
        public_key_format="Ed25519VerificationKey2018",
        enable_experimental_public_key_types=True,
        default_context=("https://www.w3.org/ns/did/v1", "https://example.com/c"))


@pytest.mark.parametrize("values", [
    {"enableExperimentalPublicKeyTypes": ["yes"]},
    {"enableEncryptionKeyDerivation": ["TRUE"]},
    {"enableEncryptionKeyDerivation": ["true", "false"]},
    {"publicKeyFormat": ["Multikey", "JsonWebKey"]},
    {"publicKeyFormat": [""]},
    {"defaultContext": ["not a url"]},
    {"defaultContext": ["https://www.w3.org/ns/did/v1", "javascript:alert(1)"]},
    {"defaultContext": ["https://" + "a" * 2100]},
])
def test_options_that_are_not_valid(values):
    with pytest.raises(DIDResolutionError) as info:
        KeyOptions.from_strings(values)
    assert info.value.code == "invalid_options"

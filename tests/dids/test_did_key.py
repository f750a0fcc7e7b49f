import json

import pytest

from shared_data import VECTORS, need_shared
from vcbadges.dids.base import DIDDocument
from vcbadges.dids.jwk import did_jwk_document, did_jwk_from_public_key
from vcbadges.dids.key import ED25519_2020, did_key_document
from vcbadges.dids.resolver import (
    StaticResolver,
    default_resolver,
    resolve_verification_method,
)
from vcbadges.errors import DIDResolutionError
from vcbadges.primitives.keys import generate_key


def multikey_vectors():
    path = need_shared(VECTORS / "did-key" / "did-key-multikey.json")
    return json.loads(path.read_text())["vectors"]


def test_did_key_documents_match_digital_bazaar_vectors():
    vectors = multikey_vectors()
    assert len(vectors) == 5
    for v in vectors:
        assert did_key_document(v["did"]).raw == v["didDocumentMultikey"]
        if "didDocumentEd25519VerificationKey2020" in v:
            legacy = did_key_document(v["did"], ED25519_2020).raw
            assert legacy == v["didDocumentEd25519VerificationKey2020"]


def test_ccg_ed25519_vectors_give_the_same_public_keys():
    data = json.loads(need_shared(VECTORS / "did-key" / "ccg-ed25519-x25519.json").read_text())
    checked = 0
    for did, entry in data.items():
        doc = entry.get("didDocument", {})
        for vm in doc.get("verificationMethod", []):
            if vm.get("type") == "Ed25519VerificationKey2018":
                ours = did_key_document(did).raw["verificationMethod"][0]
                from vcbadges.dids.base import public_key_from_verification_method

                assert public_key_from_verification_method(vm) == \
                    public_key_from_verification_method(ours)
                checked += 1
    assert checked >= 4


async def test_verification_method_dereferences_for_each_vector():
    resolver = default_resolver()
    for v in multikey_vectors():
        vm = await resolve_verification_method(
            resolver, v["verificationMethodUrl"], purpose="assertionMethod"
        )
        assert vm.document == {k: x for k, x in v["verificationMethodMultikey"].items()
                               if k != "@context"}
        assert vm.public_key.to_multikey() == v["did"][len("did:key:"):]


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#other",
         "verification_method_not_found"),
        ("did:key:zNotAKey#zNotAKey", "invalid_did"),
        ("did:example:123#key-1", "method_not_supported"),
        ("https://example.com/key#1", "method_not_supported"),
        ("http://example.com/key#1", "invalid_did"),
    ],
)
async def test_bad_verification_method_urls_fail_with_codes(url, code):
    with pytest.raises(DIDResolutionError) as info:
        await resolve_verification_method(default_resolver(), url, purpose="assertionMethod")
    assert info.value.code == code


async def test_method_must_be_authorized_for_the_purpose():
    did = "did:example:issuer"
    vm = f"{did}#k1"
    key = generate_key()
    doc = {
        "id": did,
        "verificationMethod": [{"id": vm, "type": "Multikey", "controller": did,
                                "publicKeyMultibase": key.public_key.to_multikey()}],
        "authentication": ["#k1"],
    }
    resolver = StaticResolver({did: doc})
    got = await resolve_verification_method(resolver, vm, purpose="authentication")
    assert got.public_key == key.public_key
    with pytest.raises(DIDResolutionError) as info:
        await resolve_verification_method(resolver, vm, purpose="assertionMethod")
    assert info.value.code == "verification_method_not_authorized"


async def test_method_controlled_by_another_did_is_refused():
    did = "did:example:issuer"
    key = generate_key()
    doc = {
        "id": did,
        "verificationMethod": [{"id": f"{did}#k1", "type": "Multikey",
                                "controller": "did:example:someone-else",
                                "publicKeyMultibase": key.public_key.to_multikey()}],
        "assertionMethod": [f"{did}#k1"],
    }
    with pytest.raises(DIDResolutionError) as info:
        await resolve_verification_method(StaticResolver({did: doc}), f"{did}#k1",
                                          purpose="assertionMethod")
    assert info.value.code == "verification_method_not_authorized"


@pytest.mark.parametrize("algorithm", ["Ed25519", "P-256"])
async def test_did_jwk_round_trip(algorithm):
    key = generate_key(algorithm)
    did = did_jwk_from_public_key(key.public_key)
    doc = did_jwk_document(did)
    assert doc.raw["assertionMethod"] == [f"{did}#0"]
    vm = await resolve_verification_method(default_resolver(), f"{did}#0",
                                           purpose="authentication")
    assert vm.public_key == key.public_key


def test_did_document_id_must_match():
    with pytest.raises(DIDResolutionError) as info:
        DIDDocument.from_json("did:example:a", {"id": "did:example:b"})
    assert info.value.code == "invalid_did_document"


async def test_a_bare_did_key_names_its_only_method():
    did = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    vm = await resolve_verification_method(default_resolver(), did, purpose="assertionMethod")
    assert vm.id == f"{did}#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


async def test_a_bare_did_with_several_methods_is_refused():
    did = "did:example:two"
    key = generate_key()
    methods = [{"id": f"{did}#{n}", "type": "Multikey", "controller": did,
                "publicKeyMultibase": key.public_key.to_multikey()} for n in ("a", "b")]
    doc = {"id": did, "verificationMethod": methods, "assertionMethod": ["#a", "#b"]}
    with pytest.raises(DIDResolutionError) as info:
        await resolve_verification_method(StaticResolver({did: doc}), did,
                                          purpose="assertionMethod")
    assert info.value.code == "invalid_did_url"


def _did_key_of(code: int, raw: bytes) -> str:
    from vcbadges.primitives import multibase, multicodec

    return "did:key:" + multibase.encode(multicodec.add_prefix(code, raw))


def test_did_key_errors_name_what_is_wrong_with_the_key():
    """The did:key spec's distinctions: a key of the wrong length, a P-256 value that is no
    point on the curve, a key type we do not sign with; the rest is an invalid DID."""
    from vcbadges.dids.key import public_key_from_did_key
    from vcbadges.primitives import multicodec

    p256 = next(v["did"] for v in multikey_vectors() if v["did"].startswith("did:key:zDn"))
    public_key_from_did_key(p256)
    not_on_curve = bytes([2]) + bytes(31) + bytes([1])  # x = 1: x^3 - 3x + b is no square
    cases = [
        ("did:key:zTjsVPtY", "invalid_public_key_length"),  # the did-key test suite's value
        (_did_key_of(multicodec.ED25519_PUB, bytes(31)), "invalid_public_key_length"),
        (_did_key_of(multicodec.P256_PUB, not_on_curve), "invalid_public_key"),
        (_did_key_of(multicodec.X25519_PUB, bytes(range(32))), "invalid_public_key_type"),
        ("did:key:6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", "invalid_did"),
        ("did:key:1:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", "invalid_did"),
        ("did:key:z0OIl", "invalid_did"),  # not base58btc digits
    ]
    for did, code in cases:
        with pytest.raises(DIDResolutionError) as info:
            public_key_from_did_key(did)
        assert info.value.code == code, did

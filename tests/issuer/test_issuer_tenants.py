"""Tenants: API keys that authenticate (and stop when revoked), keys encrypted at rest,
did:key and did:web identities."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from issuer_support import NOW

from storage.dbtesting import database_bytes
from vcbadges.errors import StorageError
from vcbadges.issuer import (
    MasterKeyStore,
    api_key_prefix,
    authenticate,
    create_api_key,
    create_tenant,
    did_document,
    revoke_api_key,
    signing_key,
    tenant_by_name,
)
from vcbadges.issuer.tenants import did_web, did_web_path
from vcbadges.primitives.keys import Ed25519SigningKey, P256SigningKey


async def test_a_new_tenant_gets_an_api_key_that_authenticates(db, new_tenant):
    tenant, api_key = await new_tenant("acme")
    assert api_key.startswith("vcb_") and len(api_key) == 47
    async with db.sessionmaker(write=False)() as session:
        found = await authenticate(session, api_key)
    assert found is not None and found.id == tenant.id and found.name == "acme"


@pytest.mark.parametrize("mangle", [
    lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"),  # right prefix, wrong secret
    lambda k: k[:-1],                                    # too short
    lambda k: "vcb_" + "A" * 43,                         # unknown prefix
    lambda k: k.replace("vcb_", "xyz_"),                 # not one of ours
    lambda k: k[:-1] + "é",                              # not ASCII
    lambda k: "",
])
async def test_a_wrong_api_key_does_not_authenticate(db, new_tenant, mangle):
    _, api_key = await new_tenant("acme")
    async with db.sessionmaker(write=False)() as session:
        assert await authenticate(session, mangle(api_key)) is None


async def test_a_revoked_api_key_no_longer_authenticates(db, new_tenant):
    tenant, first = await new_tenant("acme")
    async with db.sessionmaker()() as session, session.begin():
        second = await create_api_key(session, tenant, now=NOW)
    prefix = api_key_prefix(first)
    assert prefix is not None and first.startswith(prefix)
    async with db.sessionmaker()() as session, session.begin():
        assert await revoke_api_key(session, tenant, prefix, now=NOW)
        assert not await revoke_api_key(session, tenant, prefix, now=NOW)  # Already revoked.
    async with db.sessionmaker(write=False)() as session:
        assert await authenticate(session, first) is None
        rotated = await authenticate(session, second)
        assert rotated is not None and rotated.id == tenant.id


async def test_a_tenant_cannot_revoke_another_tenants_api_key(db, new_tenant):
    _, key_a = await new_tenant("acme")
    tenant_b, _ = await new_tenant("globex")
    prefix = api_key_prefix(key_a)
    assert prefix is not None
    async with db.sessionmaker()() as session, session.begin():
        assert not await revoke_api_key(session, tenant_b, prefix, now=NOW)
    async with db.sessionmaker(write=False)() as session:
        assert await authenticate(session, key_a) is not None


async def test_api_keys_are_stored_only_as_a_prefix_and_a_hash(db, new_tenant):
    _, api_key = await new_tenant("acme")
    stored = await database_bytes(db)
    assert api_key.encode() not in stored
    # Not even the secret part after the public prefix, in text or decoded.
    secret = api_key[16:]
    assert secret.encode() not in stored
    raw = base64.urlsafe_b64decode(api_key[4:] + "=")
    assert raw[9:] not in stored
    assert hashlib.sha256(api_key.encode()).digest() in stored


async def test_signing_keys_are_encrypted_at_rest(db, new_tenant, keystore):
    for name, algorithm in [("acme", "Ed25519"), ("globex", "P-256")]:
        tenant, _ = await new_tenant(name, algorithm=algorithm)
        async with db.sessionmaker(write=False)() as session:
            key = await signing_key(session, tenant, keystore)
        der = key.cryptography_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        pem_body = base64.b64encode(der)[:48]
        stored = await database_bytes(db)
        for secret in (key.private_bytes(), der, pem_body, key.to_secret_multikey().encode(),
                       key.private_bytes().hex().encode()):
            assert secret not in stored
        # The public key is there, in clear: that is what did:web documents serve.
        assert key.public_key.to_multikey().encode() in stored


async def test_the_signing_key_needs_the_right_master_key(db, new_tenant):
    tenant, _ = await new_tenant("acme")
    async with db.sessionmaker(write=False)() as session:
        with pytest.raises(StorageError) as caught:
            await signing_key(session, tenant, MasterKeyStore(bytes(32)))
    assert caught.value.code == "wrong_master_key"


async def test_a_did_key_tenant_signs_as_its_did_key(db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme")
    assert tenant.did.startswith("did:key:z6Mk") and tenant.did_web_host is None
    async with db.sessionmaker(write=False)() as session:
        key = await signing_key(session, tenant, keystore)
        assert await did_document(session, tenant) is None
    assert isinstance(key, Ed25519SigningKey)
    assert key.controller == tenant.did
    assert did_web_path(tenant) is None


async def test_a_did_web_tenant_gets_a_hosted_did_document(db, new_tenant, keystore):
    tenant, _ = await new_tenant("acme", did_web_host="Badges.Example.EDU", algorithm="P-256")
    assert tenant.did == "did:web:badges.example.edu:acme"
    assert tenant.did_web_host == "badges.example.edu"
    assert did_web_path(tenant) == "/acme/did.json"
    async with db.sessionmaker(write=False)() as session:
        key = await signing_key(session, tenant, keystore)
        document = await did_document(session, tenant)
    assert isinstance(key, P256SigningKey)
    assert key.verification_method == "did:web:badges.example.edu:acme#key-1"
    assert document == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": tenant.did,
        "verificationMethod": [{
            "id": key.verification_method, "type": "Multikey", "controller": tenant.did,
            "publicKeyMultibase": key.public_key.to_multikey()}],
        "assertionMethod": [key.verification_method],
        "authentication": [key.verification_method],
    }


def test_did_web_encodes_a_port():
    assert did_web("localhost:8080", "acme") == "did:web:localhost%3A8080:acme"


@pytest.mark.parametrize("host", ["https://example.com", "example.com/path", "exa mple.com",
                                  "-bad.example", ""])
def test_did_web_refuses_what_is_not_a_host(host):
    with pytest.raises(ValueError):
        did_web(host, "acme")


@pytest.mark.parametrize("name", ["Acme", "acme corp", "-acme", "acme-", "a" * 64, "",
                                  "ac/me", "acmé"])
async def test_tenant_names_are_slugs(db, keystore, name):
    async with db.sessionmaker()() as session:
        with pytest.raises(ValueError):
            await create_tenant(session, name, keystore=keystore, now=NOW)


async def test_tenant_names_are_unique(db, new_tenant):
    await new_tenant("acme")
    with pytest.raises(StorageError) as caught:
        await new_tenant("acme")
    assert caught.value.code == "conflict"


async def test_tenants_are_found_by_name(db, new_tenant):
    tenant, _ = await new_tenant("acme")
    async with db.sessionmaker(write=False)() as session:
        found = await tenant_by_name(session, "acme")
        assert found is not None and found.id == tenant.id
        assert await tenant_by_name(session, "globex") is None

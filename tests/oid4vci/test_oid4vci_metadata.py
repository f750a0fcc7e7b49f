"""Metadata documents, well-known URLs, and the wallet's checks of offers and metadata."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from oid4vci_support import BASE, FakeIssuer

from protocol_support import json_response
from vcbadges.errors import ProtocolError
from vcbadges.oid4vci import (
    DEFAULT_CONFIGURATIONS,
    OPEN_BADGE_LDP_VC,
    PRE_AUTHORIZED_GRANT,
    authorization_server_metadata,
    authorization_server_metadata_url,
    configurations_for,
    create_offer,
    credential_issuer_metadata,
    credential_issuer_metadata_url,
    offer_uri,
    parse_offer_uri,
    resolve_offer,
)


def test_issuer_metadata_document():
    metadata = credential_issuer_metadata(BASE + "/", display_name="Example University")
    assert metadata["credential_issuer"] == BASE
    assert metadata["credential_endpoint"] == BASE + "/credential"
    assert metadata["nonce_endpoint"] == BASE + "/nonce"
    assert metadata["display"] == [{"name": "Example University"}]
    assert "authorization_servers" not in metadata
    ldp = metadata["credential_configurations_supported"]["OpenBadgeCredential_ldp_vc"]
    assert ldp["format"] == "ldp_vc"
    assert ldp["credential_definition"] == {
        "@context": ["https://www.w3.org/ns/credentials/v2",
                     "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"]}
    assert ldp["credential_signing_alg_values_supported"] == ["eddsa-rdfc-2022"]
    assert ldp["cryptographic_binding_methods_supported"] == ["did:key", "did:jwk"]
    assert ldp["proof_types_supported"] == {
        "jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}}
    jwt = metadata["credential_configurations_supported"]["OpenBadgeCredential_jwt_vc_json"]
    assert jwt["format"] == "jwt_vc_json"
    assert jwt["credential_definition"] == {"type": ["VerifiableCredential",
                                                     "OpenBadgeCredential"]}


def test_authorization_server_metadata_document():
    assert authorization_server_metadata(BASE) == {
        "issuer": BASE,
        "token_endpoint": BASE + "/token",
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


@pytest.mark.parametrize("issuer, expected", [
    ("https://badges.example.edu/issuer",
     "https://badges.example.edu/.well-known/openid-credential-issuer/issuer"),
    ("https://tenant.example.com", "https://tenant.example.com/.well-known/openid-credential-issuer"),
    ("https://x.example:8443/a/b", "https://x.example:8443/.well-known/openid-credential-issuer/a/b"),
])
def test_well_known_urls(issuer, expected):
    assert credential_issuer_metadata_url(issuer) == expected
    assert authorization_server_metadata_url(issuer) == expected.replace(
        "openid-credential-issuer", "oauth-authorization-server")


@pytest.mark.parametrize("bad", ["ftp://x.example", "https://x.example/?q=1", "https://x/#f",
                                 "https://user:pw@x.example"])
def test_bad_base_urls(bad):
    with pytest.raises(ValueError):
        credential_issuer_metadata(bad)


def test_offer_uri_too_long_for_a_qr_code():
    with pytest.raises(ValueError):
        offer_uri("https://badges.example.edu/" + "x" * 300, "id")


def test_parse_offer_uri_by_reference_and_by_value():
    url = BASE + "/credential-offers/abc"
    ref = parse_offer_uri("openid-credential-offer://?credential_offer_uri=" + quote(url, safe=""))
    assert ref.offer_uri == url and ref.offer is None
    offer = {"credential_issuer": BASE, "credential_configuration_ids": ["x"]}
    ref = parse_offer_uri("openid-credential-offer://?credential_offer=" + quote(json.dumps(offer)))
    assert ref.offer == offer and ref.offer_uri is None


@pytest.mark.parametrize("uri", [
    "openid-credential-offer://?credential_offer_uri=http%3A%2F%2Fbadges.example.edu%2Fo",
    "openid-credential-offer://?credential_offer_uri=ftp%3A%2F%2Fbadges.example.edu%2Fo",
    "openid-credential-offer://?",
    "openid-credential-offer://?credential_offer=%7B%7D&credential_offer_uri=https%3A%2F%2Fa",
    "openid-credential-offer://?credential_offer=not-json",
    "openid-credential-offer://?credential_offer=%5B%5D",
    "openid4vp://?client_id=x",
    "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fa&credential_offer_uri=x",
])
def test_parse_offer_uri_refuses(uri):
    with pytest.raises(ProtocolError) as caught:
        parse_offer_uri(uri)
    assert caught.value.error == "invalid_request"


def test_http_offer_uri_allowed_for_listed_local_hosts():
    ref = parse_offer_uri("openid-credential-offer://?credential_offer_uri="
                          "http%3A%2F%2Flocalhost%3A8080%2Fo", allow_http_hosts={"localhost"})
    assert ref.offer_uri == "http://localhost:8080/o"


async def test_metadata_of_another_issuer_is_refused(issuer, clock):
    created = await create_offer(issuer.store, base_url=BASE, award={},
                                 configuration_ids=[OPEN_BADGE_LDP_VC.id], now=clock.now)

    async def fetch(url, *, accept):
        if url == credential_issuer_metadata_url(BASE):
            return json_response(200, credential_issuer_metadata("https://evil.example"))
        return await issuer.fetch(url, accept=accept)

    with pytest.raises(ProtocolError) as caught:
        await resolve_offer(created.uri, fetch=fetch)
    assert caught.value.error == "invalid_request"


async def test_offered_configuration_must_be_in_the_metadata(issuer, clock):
    created = await create_offer(issuer.store, base_url=BASE, award={},
                                 configuration_ids=["NotInMetadata"], now=clock.now)
    with pytest.raises(ProtocolError):
        await resolve_offer(created.uri, fetch=issuer.fetch)


async def test_endpoints_must_be_https(issuer_key, clock):
    # The metadata names a plain-http credential endpoint: the wallet sends nothing there.
    plain = FakeIssuer(key=issuer_key, clock=clock, base="http://badges.example.edu/issuer")
    created = await create_offer(plain.store, base_url=plain.base, award={},
                                 configuration_ids=[OPEN_BADGE_LDP_VC.id], now=clock.now)
    with pytest.raises(ProtocolError):
        await resolve_offer(created.uri, fetch=plain.fetch)
    resolved = await resolve_offer(created.uri, fetch=plain.fetch,
                                   allow_http_hosts={"badges.example.edu"})
    assert resolved.credential_endpoint == "http://badges.example.edu/issuer/credential"


async def test_offer_without_pre_authorized_grant_is_refused(issuer):
    offer = {"credential_issuer": BASE, "credential_configuration_ids": ["x"],
             "grants": {"authorization_code": {}}}
    uri = "openid-credential-offer://?credential_offer=" + quote(json.dumps(offer))
    with pytest.raises(ProtocolError) as caught:
        await resolve_offer(uri, fetch=issuer.fetch)
    assert "pre-authorized" in caught.value.message


def test_configurations_for_each_key_algorithm():
    ed = {c.format: c.signing_algs for c in configurations_for("Ed25519")}
    p256 = {c.format: c.signing_algs for c in configurations_for("P-256")}
    assert ed == {"ldp_vc": ("eddsa-rdfc-2022",), "jwt_vc_json": ("EdDSA",)}
    assert p256 == {"ldp_vc": ("ecdsa-rdfc-2019",), "jwt_vc_json": ("ES256",)}
    assert [c.id for c in configurations_for("P-256")] == [c.id for c in DEFAULT_CONFIGURATIONS]
    with pytest.raises(ValueError, match="unsupported key algorithm"):
        configurations_for("RSA")

"""Signed Request Objects: ``decentralized_identifier:`` and ``x509_san_dns:`` verifiers,
by reference and by value, and the wallet's refusals of every way to fake one."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from oid4vp_support import VERIFIER

from protocol_support import START
from vcbadges.errors import ProtocolError
from vcbadges.oid4vp import create_request, resolve_request, respond, sign_presentations
from vcbadges.oid4vp.request import (
    MAX_BY_VALUE_PAYLOAD,
    RequestSigner,
    RequestTooLarge,
    unsigned_request_object,
)
from vcbadges.oid4vp.wallet import MAX_REQUEST_BY_VALUE
from vcbadges.oid4vp.x509 import load_signing_key
from vcbadges.primitives.keys import Ed25519SigningKey, P256SigningKey
from x509_support import authority, leaf

HOST = "employer.example.com"


@pytest.fixture
def verifier_key() -> Ed25519SigningKey:
    return Ed25519SigningKey.from_seed(bytes(range(100, 132)))


def signing_key(private) -> P256SigningKey:
    return P256SigningKey(private)


@pytest.fixture
def certificate():
    """A CA, and a verifier certificate it issued for the verifier's host."""
    ca = authority(START - timedelta(days=1))
    key, cert = leaf(HOST, ca=ca, not_before=START - timedelta(days=1))
    return ca[1], signing_key(key), cert


async def made(verifier, signer=None, **kwargs):
    return await create_request(verifier.store, base_url=verifier.base, signer=signer,
                                now=verifier.clock.now, **kwargs)


async def resolved(verifier, uri, **kwargs):
    return await resolve_request(uri, fetch=verifier.fetch, now=verifier.clock.now, **kwargs)


async def refusal(verifier, uri, **kwargs) -> str:
    with pytest.raises(ProtocolError) as caught:
        await resolved(verifier, uri, **kwargs)
    assert caught.value.error == "invalid_request"
    return caught.value.message


def parts(token):
    head, body, sig = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (json.loads(base64.urlsafe_b64decode(pad(head))),
            json.loads(base64.urlsafe_b64decode(pad(body))), sig)


def b64(value) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def by_value(client_id, token):
    return "openid4vp://?" + urlencode({"client_id": client_id, "request": token})


# --- decentralized_identifier ------------------------------------------------------------------


async def test_did_signed_request_by_reference_answers_and_verifies(
        verifier, verifier_key, holder_key, jwt_credential):
    request = await made(verifier, RequestSigner.for_did(verifier_key))
    assert request.client_id == "decentralized_identifier:" + verifier_key.controller
    header, claims, _ = parts(request.request_object())
    assert header == {"alg": "EdDSA", "typ": "oauth-authz-req+jwt",
                      "kid": verifier_key.verification_method}
    assert claims["client_id"] == request.client_id
    assert set(parse_qs(urlsplit(request.qr_payload()).query)) == {"client_id", "request_uri"}
    found = await resolved(verifier, request.qr_payload())
    assert found.describe()["verifier"]["prefix"] == "decentralized_identifier"
    assert found.describe()["verifier"]["identifier"] == verifier_key.controller
    token = await sign_presentations(found, {"openbadge_jwt_vc_json": [jwt_credential]},
                                     key=holder_key, now=verifier.clock.now)
    await respond(found, token, post=verifier.post)
    result = verifier.results[request.transaction_id]
    assert result.verified, result.to_json()


async def test_did_signed_request_by_value_needs_no_fetch(verifier, verifier_key):
    request = await made(verifier, RequestSigner.for_did(verifier_key), by_value=True)
    query = parse_qs(urlsplit(request.qr_payload()).query)
    assert query == {"client_id": [request.client_id], "request": [request.request_object()]}

    async def no_fetch(url, *, accept):
        raise AssertionError("a request by value is not fetched")

    found = await resolve_request(request.qr_payload(), fetch=no_fetch, now=verifier.clock.now)
    assert found.nonce == request.nonce and found.client_id == request.client_id


async def test_tampered_did_request_is_refused(verifier, verifier_key):
    request = await made(verifier, RequestSigner.for_did(verifier_key))
    head, body, sig = request.request_object().split(".")
    _, claims, _ = parts(request.request_object())
    forged = f"{head}.{b64({**claims, 'response_uri': 'https://evil.example/response'})}.{sig}"
    message = await refusal(verifier, by_value(request.client_id, forged))
    assert "signature" in message


async def test_did_request_signed_by_another_key_is_refused(verifier, verifier_key):
    """The kid names the client's DID, the signature is another key's: it does not verify."""
    intruder = Ed25519SigningKey.from_seed(bytes(range(1, 33)))
    request = await made(verifier, RequestSigner.for_did(verifier_key))
    forged = RequestSigner(client_id=request.client_id, key=intruder,
                           header={"kid": verifier_key.verification_method})
    message = await refusal(verifier, by_value(request.client_id, forged.sign(request.claims())))
    assert "signature" in message


async def test_kid_not_of_the_did_is_refused(verifier, verifier_key):
    intruder = Ed25519SigningKey.from_seed(bytes(range(1, 33)))
    request = await made(verifier, RequestSigner.for_did(verifier_key))
    for kid in (intruder.verification_method,               # another DID's method
                verifier_key.controller + "#key-2",          # not a method of the DID
                verifier_key.controller):                    # no method at all
        forged = RequestSigner(client_id=request.client_id, key=intruder, header={"kid": kid})
        token = forged.sign(request.claims())
        await refusal(verifier, by_value(request.client_id, token))


async def test_did_request_with_an_embedded_key_is_refused(verifier, verifier_key):
    from vcbadges.primitives.jwk import public_key_to_jwk
    request = await made(verifier, RequestSigner.for_did(verifier_key))
    forged = RequestSigner(client_id=request.client_id, key=verifier_key,
                           header={"kid": verifier_key.verification_method,
                                   "jwk": public_key_to_jwk(verifier_key.public_key)})
    message = await refusal(verifier, by_value(request.client_id, forged.sign(request.claims())))
    assert "kid only" in message


async def test_unsigned_did_request_is_refused(verifier, verifier_key):
    request = await made(verifier, RequestSigner.for_did(verifier_key))
    token = unsigned_request_object(request.claims())
    assert "must be signed" in await refusal(verifier, by_value(request.client_id, token))
    plain = {k: json.dumps(v) if isinstance(v, dict) else v
             for k, v in request.claims().items() if k not in ("aud", "iat", "exp")}
    assert "not supported unsigned" in await refusal(
        verifier, "openid4vp://?" + urlencode(plain))


# --- prefix mismatches -------------------------------------------------------------------------


async def test_client_id_of_the_link_must_be_the_request_objects(verifier, verifier_key):
    request = await made(verifier, RequestSigner.for_did(verifier_key))
    link = "openid4vp://?" + urlencode({"client_id": f"redirect_uri:{VERIFIER}/response",
                                        "request_uri": request.request_uri})
    assert "differs" in await refusal(verifier, link)


async def test_signed_redirect_uri_request_is_refused(verifier, verifier_key):
    request = await made(verifier)
    forged = RequestSigner(client_id=request.client_id, key=verifier_key,
                           header={"kid": verifier_key.verification_method})
    assert "must not be signed" in await refusal(
        verifier, by_value(request.client_id, forged.sign(request.claims())))


async def test_did_client_id_signed_with_a_certificate_is_refused(verifier, verifier_key,
                                                                  certificate):
    anchor, key, cert = certificate
    request = await made(verifier, RequestSigner.for_did(verifier_key))
    forged = replace(RequestSigner.for_certificate(key, [cert], HOST),
                     client_id=request.client_id)
    assert "kid only" in await refusal(
        verifier, by_value(request.client_id, forged.sign(request.claims())),
        x509_trust_anchors=[anchor])


async def test_unknown_prefix_is_refused(verifier, verifier_key):
    request = await made(verifier, RequestSigner.for_did(verifier_key))
    claims = {**request.claims(), "client_id": "verifier_attestation:employer"}
    forged = RequestSigner(client_id="verifier_attestation:employer", key=verifier_key,
                           header={"kid": verifier_key.verification_method})
    assert "not supported" in await refusal(
        verifier, by_value(claims["client_id"], forged.sign(claims)))


# --- x509_san_dns ------------------------------------------------------------------------------


async def test_x509_request_by_reference_is_accepted(verifier, certificate):
    anchor, key, cert = certificate
    request = await made(verifier, RequestSigner.for_certificate(key, [cert], HOST))
    assert request.client_id == "x509_san_dns:" + HOST
    header, _, _ = parts(request.request_object())
    assert header["alg"] == "ES256" and len(header["x5c"]) == 1 and "kid" not in header
    found = await resolved(verifier, request.qr_payload(), x509_trust_anchors=[anchor])
    assert found.describe()["verifier"]["identifier"] == HOST


async def test_x509_self_signed_certificate_trusted_as_itself(verifier):
    private, cert = leaf(HOST, not_before=START - timedelta(days=1))
    request = await made(verifier, RequestSigner.for_certificate(P256SigningKey(private),
                                                                 [cert], HOST))
    found = await resolved(verifier, request.qr_payload(), x509_trust_anchors=[cert])
    assert found.client_id == "x509_san_dns:" + HOST


async def test_x509_untrusted_chain_is_refused(verifier, certificate):
    _, key, cert = certificate
    request = await made(verifier, RequestSigner.for_certificate(key, [cert], HOST))
    assert "trusts no" in await refusal(verifier, request.qr_payload())
    other_root = authority(START - timedelta(days=1))[1]
    assert "not trusted" in await refusal(verifier, request.qr_payload(),
                                          x509_trust_anchors=[other_root])


async def test_x509_expired_certificate_is_refused(verifier):
    ca = authority(START - timedelta(days=100))
    private, cert = leaf(HOST, ca=ca, not_before=START - timedelta(days=100), days=30)
    request = await made(verifier, RequestSigner.for_certificate(P256SigningKey(private),
                                                                 [cert], HOST))
    assert "not trusted" in await refusal(verifier, request.qr_payload(),
                                          x509_trust_anchors=[ca[1]])


async def test_x509_san_mismatch(verifier, certificate):
    anchor, key, cert = certificate
    with pytest.raises(ValueError, match="does not name"):
        RequestSigner.for_certificate(key, [cert], "other.example.com")
    # A certificate for another name, presented for this host, is refused by the wallet.
    ca = authority(START - timedelta(days=1))
    private, other = leaf("other.example.com", ca=ca, not_before=START - timedelta(days=1))
    request = await made(verifier, RequestSigner.for_certificate(key, [cert], HOST))
    forged = RequestSigner(client_id=request.client_id, key=P256SigningKey(private),
                           header=RequestSigner.for_certificate(
                               P256SigningKey(private), [other], "other.example.com").header)
    assert "does not name" in await refusal(
        verifier, by_value(request.client_id, forged.sign(request.claims())),
        x509_trust_anchors=[ca[1]])


async def test_x509_response_uri_must_be_on_the_certificates_host(verifier, certificate):
    anchor, key, cert = certificate
    signer = RequestSigner.for_certificate(key, [cert], HOST)
    with pytest.raises(ValueError, match="host"):
        await create_request(verifier.store, base_url="https://elsewhere.example/verifier",
                             signer=signer, now=verifier.clock.now)
    request = await made(verifier, signer)
    claims = {**request.claims(), "response_uri": "https://elsewhere.example/response"}
    assert "host" in await refusal(verifier, by_value(request.client_id, signer.sign(claims)),
                                   x509_trust_anchors=[anchor])


async def test_x5c_chain_not_matching_the_key(verifier, certificate):
    anchor, key, cert = certificate
    intruder = P256SigningKey.generate()
    with pytest.raises(ValueError, match="leaf certificate"):
        RequestSigner.for_certificate(intruder, [cert], HOST)
    request = await made(verifier, RequestSigner.for_certificate(key, [cert], HOST))
    forged = replace(RequestSigner.for_certificate(key, [cert], HOST), key=intruder)
    assert "signature" in await refusal(
        verifier, by_value(request.client_id, forged.sign(request.claims())),
        x509_trust_anchors=[anchor])


async def test_malformed_x5c_is_refused(verifier, certificate):
    anchor, key, cert = certificate
    request = await made(verifier, RequestSigner.for_certificate(key, [cert], HOST))
    for x5c in ("MIIB", ["not base64!"], [], ["TUlJQg=="] * 6):
        forged = replace(RequestSigner.for_certificate(key, [cert], HOST),
                         header={"x5c": x5c})
        await refusal(verifier, by_value(request.client_id, forged.sign(request.claims())),
                      x509_trust_anchors=[anchor])


def test_certificate_key_from_pem(certificate):
    from x509_support import pem_key
    ca_key, _ = authority()
    assert load_signing_key(pem_key(ca_key)).jose_alg == "ES256"


# --- size and replay ---------------------------------------------------------------------------


async def test_by_value_too_large_is_refused(verifier, certificate):
    _, key, cert = certificate
    ca_cert = authority()[1]
    with pytest.raises(RequestTooLarge):
        await made(verifier, RequestSigner.for_certificate(key, [cert, ca_cert], HOST),
                   by_value=True)
    request = await made(verifier, RequestSigner.for_certificate(key, [cert], HOST))
    assert len(request.qr_payload()) < MAX_BY_VALUE_PAYLOAD
    assert "longer than" in await refusal(verifier, by_value(request.client_id,
                                                             "a" * (MAX_REQUEST_BY_VALUE + 1)))


async def test_replayed_request_is_refused(verifier, verifier_key, holder_key, jwt_credential):
    request = await made(verifier, RequestSigner.for_did(verifier_key))
    found = await resolved(verifier, request.qr_payload())
    token = await sign_presentations(found, {"openbadge_jwt_vc_json": [jwt_credential]},
                                     key=holder_key, now=verifier.clock.now)
    await respond(found, token, post=verifier.post)
    # The request object is not handed out again, by reference...
    with pytest.raises(ProtocolError) as caught:
        await resolved(verifier, request.qr_payload())
    assert caught.value.error == "invalid_request_uri"
    # ...and a second answer, to the same request, is refused.
    with pytest.raises(ProtocolError):
        await respond(found, token, post=verifier.post)
    # A by-value copy still reads (nothing to ask), but its answer is refused likewise.
    copy = by_value(request.client_id, request.request_object())
    again = await resolved(verifier, copy)
    with pytest.raises(ProtocolError):
        await respond(again, token, post=verifier.post)
    assert len(verifier.results) == 1


async def test_expired_signed_request_is_refused(verifier, verifier_key):
    request = await made(verifier, RequestSigner.for_did(verifier_key), by_value=True)
    verifier.clock.advance(minutes=11)
    assert "expired" in await refusal(verifier, request.qr_payload())

"""The wallet's checks of an Authorization Request before it shows or sends anything."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import pytest

from protocol_support import FakeResponse, json_response
from vcbadges.errors import ProtocolError
from vcbadges.oid4vp import open_badge_query, resolve_request
from vcbadges.oid4vp.request import unsigned_request_object
from vcbadges.primitives.keys import Ed25519SigningKey
from vcbadges.proofs import _jws

RESPONSE = "https://verifier.example/response"
REQUEST_URI = "https://verifier.example/requests/abc"


def good_claims(**changes):
    claims = {
        "client_id": "redirect_uri:" + RESPONSE,
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": RESPONSE,
        "nonce": "n-0S6_WzA2Mj",
        "state": "eyJhb-6.sVA~",
        "dcql_query": open_badge_query(),
        "client_metadata": {"vp_formats_supported": {"ldp_vc": {}}},
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def serving(body, status=200, calls=None):
    async def fetch(url, *, accept):
        if calls is not None:
            calls.append(url)
        assert accept == "application/oauth-authz-req+jwt"
        if url != REQUEST_URI:
            return json_response(404, {})
        return FakeResponse(status, {"content-type": "application/oauth-authz-req+jwt"},
                            body.encode())
    return fetch


def link(client_id="redirect_uri:" + RESPONSE, request_uri=REQUEST_URI, **extra):
    params = {"client_id": client_id, "request_uri": request_uri, **extra}
    return "openid4vp://?" + urlencode({k: v for k, v in params.items() if v is not None})


async def refused(claims=None, *, uri=None, body=None, status=200, **kwargs):
    body = body if body is not None else unsigned_request_object(claims or good_claims())
    with pytest.raises(ProtocolError) as caught:
        await resolve_request(uri or link(), fetch=serving(body, status), **kwargs)
    return caught.value.error


async def test_a_good_request_is_read():
    request = await resolve_request(link(), fetch=serving(unsigned_request_object(
        good_claims())))
    assert request.response_uri == RESPONSE and request.request_uri == REQUEST_URI
    assert request.presentation_options() == {"challenge": "n-0S6_WzA2Mj",
                                              "domain": "redirect_uri:" + RESPONSE}


async def test_response_uri_must_be_https():
    plain = "http://verifier.example/response"
    claims = good_claims(response_uri=plain, client_id="redirect_uri:" + plain)
    assert await refused(claims, uri=link(client_id="redirect_uri:" + plain)) == (
        "invalid_request")
    # Plain http is allowed for hosts the fetch policy lists (local development).
    request = await resolve_request(link(client_id="redirect_uri:" + plain),
                                    fetch=serving(unsigned_request_object(claims)),
                                    allow_http_hosts={"verifier.example"})
    assert request.response_uri == plain


async def test_request_uri_must_be_https_and_is_not_fetched_otherwise():
    calls = []
    with pytest.raises(ProtocolError):
        await resolve_request(link(request_uri="http://verifier.example/requests/abc"),
                              fetch=serving("", calls=calls))
    assert calls == []


@pytest.mark.parametrize("changes, error", [
    ({"client_id": "redirect_uri:https://elsewhere.example/response"}, "invalid_request"),
    ({"response_uri": "https://elsewhere.example/response"}, "invalid_request"),
    ({"client_id": "decentralized_identifier:did:example:123"}, "invalid_request"),
    ({"client_id": "preregistered-client"}, "invalid_request"),
    ({"response_mode": "direct_post.jwt"}, "invalid_request"),
    ({"response_mode": None}, "invalid_request"),
    ({"response_type": "vp_token id_token"}, "invalid_request"),
    ({"redirect_uri": RESPONSE}, "invalid_request"),
    ({"response_uri": None}, "invalid_request"),
    ({"nonce": None}, "invalid_request"),
    ({"nonce": "has space"}, "invalid_request"),
    ({"state": "a/b"}, "invalid_request"),
    ({"dcql_query": None}, "invalid_request"),
    ({"dcql_query": None, "scope": "openbadge"}, "invalid_request"),
    ({"scope": "openbadge"}, "invalid_request"),
    ({"dcql_query": {"credentials": []}}, "invalid_request"),
    ({"transaction_data": ["eyJ0eXBlIjoieCJ9"]}, "invalid_transaction_data"),
    ({"request_uri_method": "put"}, "invalid_request_uri_method"),
    ({"client_metadata": {"vp_formats_supported": {"dc+sd-jwt": {}}}},
     "vp_formats_not_supported"),
    ({"exp": 1_700_000_000}, "invalid_request"),
])
async def test_bad_request_parameters(changes, error):
    outer = changes.get("client_id", "redirect_uri:" + RESPONSE) or "x"
    assert await refused(good_claims(**changes), uri=link(client_id=outer)) == error


async def test_client_id_in_the_link_must_match_the_request_object():
    assert await refused(uri=link(client_id="redirect_uri:https://other.example/r")) == (
        "invalid_request")
    assert await refused(uri=link(client_id=None)) == "invalid_request"


def _jwt(header, claims, signature=""):
    def b64(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    return f"{b64(header)}.{b64(claims)}.{signature}"


@pytest.mark.parametrize("header", [
    {"alg": "none"},
    {"alg": "none", "typ": "JWT"},
    {"alg": "none", "typ": "oauth-authz-req+jwt+x"},
])
async def test_request_object_typ_is_required(header):
    assert await refused(body=_jwt(header, good_claims())) == "invalid_request"


async def test_unsigned_object_with_a_signature_is_refused():
    body = _jwt({"alg": "none", "typ": "oauth-authz-req+jwt"}, good_claims(), "c2ln")
    assert await refused(body=body) == "invalid_request"


async def test_signed_request_objects_are_not_supported():
    key = Ed25519SigningKey.from_seed(bytes(32))
    body = _jws.sign_compact({"alg": "EdDSA", "typ": "oauth-authz-req+jwt",
                              "kid": key.verification_method}, good_claims(), key)
    assert await refused(body=body) == "invalid_request"


@pytest.mark.parametrize("body", ["not a jwt", '{"client_id": "x"}'])
async def test_request_object_must_be_a_jwt(body):
    assert await refused(body=body) == "invalid_request"


async def test_http_error_from_the_request_uri():
    assert await refused(status=404) == "invalid_request_uri"


async def test_request_by_value_as_parameters_and_as_request_jwt():
    claims = good_claims()
    params = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in claims.items()}
    by_params = await resolve_request("openid4vp://?" + urlencode(params),
                                      fetch=serving("unused"))
    assert by_params.dcql_query == claims["dcql_query"]
    by_jwt = await resolve_request(
        "openid4vp://?" + urlencode({"client_id": claims["client_id"],
                                     "request": unsigned_request_object(claims)}),
        fetch=serving("unused"))
    assert by_jwt.nonce == claims["nonce"] and by_jwt.request_uri is None


@pytest.mark.parametrize("uri", ["https://x.example", "mailto:x@example.com",
                                 "openid4vp://?client_id=a&client_id=b"])
async def test_not_a_request_uri(uri):
    assert await refused(uri=uri) == "invalid_request"

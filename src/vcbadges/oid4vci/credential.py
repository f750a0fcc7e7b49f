"""The Credential Endpoint (OpenID4VCI 1.0, "Credential Endpoint").

:func:`handle_credential_request` checks, in this order:

1. the bearer access token ("Authorization Errors", RFC 6750 §3.1): ``invalid_token``, 401;
2. the Credential Request ("Credential Request"): ``credential_configuration_id`` is required
   (this issuer never returns ``credential_identifiers``), must be one this issuer has
   (``unknown_credential_configuration``) and one the token's offer covers
   (``insufficient_scope``, 403); anything malformed is ``invalid_credential_request``;
   encryption is not offered (``invalid_encryption_parameters``);
3. the key proof, of type ``jwt`` ("jwt Proof Type", "Verifying Proof"): exactly one proof
   in ``proofs`` (no batch issuance); header ``typ`` ``openid4vci-proof+jwt``, an ``alg``
   the configuration lists, and the key in ``kid`` (a DID URL, dereferenced for
   ``authentication``) or in ``jwk`` (never both, never ``x5c``, never private members);
   the signature; ``aud`` equal to the Credential Issuer Identifier; ``iat`` recent; all
   ``invalid_proof``; then ``nonce``: missing is ``invalid_proof``, not an unused ``c_nonce``
   of ours is ``invalid_nonce`` ("Credential Request Errors");
4. only then the access token is consumed, so a wallet told ``invalid_nonce`` can fetch a
   new ``c_nonce`` and retry with the same token, while two concurrent requests with one
   token never both get a credential.

The holder's DID is the DID of the ``kid`` method, or the ``did:jwk`` of an embedded ``jwk``,
and the key must be one that DID's document lists for ``authentication``: the key binding
rule of every JWT here (:mod:`vcbadges.proofs._binding`). The caller's ``issue_fn``
receives it and must put it in ``credentialSubject.id`` (:func:`bind_subject` does that)
before signing: the binding of the credential to the key that proved possession ("Binding
the Issued Credential to the Identifier of the End-User").

For draft-era wallets, a single ``proof`` object (``{"proof_type": "jwt", "jwt": ...}``) is
read when ``proofs`` is absent; 1.0 wallets send ``proofs``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from vcbadges.dids.resolver import default_resolver
from vcbadges.errors import ProtocolError, VCBadgesError
from vcbadges.oauth.common import current, digest, from_timestamp, safe_text, strict_json
from vcbadges.oid4vci.metadata import (
    DEFAULT_CONFIGURATIONS,
    CredentialConfiguration,
    configuration_map,
    issuer_identifier,
)
from vcbadges.oid4vci.nonce import consume_nonce
from vcbadges.oid4vci.store import ACCESS_TOKEN, OID4VCIStore
from vcbadges.primitives.keys import PublicKey
from vcbadges.proofs import _jws
from vcbadges.proofs._binding import BoundKey, bound_key, key_controller

__all__ = [
    "PROOF_TYP",
    "IssueFunction",
    "KeyProof",
    "bearer_token",
    "bind_subject",
    "names_subject",
    "verify_key_proof",
    "handle_credential_request",
]

PROOF_TYP = "openid4vci-proof+jwt"
DEFAULT_MAX_PROOF_AGE = timedelta(minutes=5)
DEFAULT_LEEWAY = timedelta(seconds=60)


class IssueFunction(Protocol):
    """Sign (and record) the credential for an access token's award.

    Called once per successful request with the holder's DID, the requested configuration
    and the ``award`` given to :func:`~vcbadges.oid4vci.offers.create_offer`. Returns the
    credential as the format requires: a JSON object for ``ldp_vc``, a compact JWT string
    for ``jwt_vc_json`` ("Credential Format Profiles"). Exceptions propagate to the caller.
    """

    async def __call__(
        self,
        credential_subject_id: str,
        configuration: CredentialConfiguration,
        award: dict[str, Any],
    ) -> dict[str, Any] | str: ...


@dataclass(frozen=True)
class KeyProof:
    """A key proof that verified: who the credential is to be bound to."""

    holder: str
    verification_method: str
    public_key: PublicKey
    nonce: str
    issued_at: datetime


def _invalid_proof(description: str) -> ProtocolError:
    # Descriptions may quote the proof (a kid, a key type): keep them to safe ASCII.
    return ProtocolError("invalid_proof", safe_text(description))


def _bad_request(description: str) -> ProtocolError:
    return ProtocolError("invalid_credential_request", description)


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header (RFC 6750 §2.1).

    Raises ``ProtocolError("invalid_token", status=401)`` when it is missing or malformed;
    the web layer adds ``WWW-Authenticate: Bearer``.
    """
    if not authorization:
        raise ProtocolError("invalid_token", "the request has no access token", status=401)
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise ProtocolError("invalid_token", "the Authorization header is not a Bearer token",
                            status=401)
    return token


def bind_subject(credential: Mapping[str, Any], holder: str) -> dict[str, Any]:
    """A copy of ``credential`` whose (single) ``credentialSubject`` has ``id`` = ``holder``.

    Raises ``ValueError`` when the credential has no subject object, several subjects, or a
    subject already naming someone else.
    """
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise ValueError("the credential must have exactly one credentialSubject object")
    existing = subject.get("id")
    if existing is not None and existing != holder:
        raise ValueError("the credentialSubject already names another subject")
    return {**credential, "credentialSubject": {**subject, "id": holder}}


def names_subject(credential: Any, holder: str) -> bool:
    """True when ``credential`` (a JSON object or a VC-JWT, read without verifying) names
    ``holder`` as the ``id`` of a ``credentialSubject`` (or as a VC-JWT's ``sub``)."""
    document: Any = credential
    if isinstance(document, str):
        try:
            claims = _jws.parse_compact(document).claims
        except VCBadgesError:
            return False
        if claims.get("sub") == holder:
            return True
        document = claims.get("vc", claims)
    subject = document.get("credentialSubject") if isinstance(document, dict) else None
    subjects = subject if isinstance(subject, list) else [subject]
    return any(isinstance(s, dict) and s.get("id") == holder for s in subjects)


def _typ_ok(typ: Any) -> bool:
    # RFC 7515 §4.1.9: media type names compare case-insensitively, "application/" optional.
    return isinstance(typ, str) and typ.lower().removeprefix("application/") == PROOF_TYP


async def _proof_key(header: dict[str, Any], alg: str, resolver: Any) -> BoundKey:
    """The holder's key a proof's header names, bound to the holder's DID.

    The header says who the holder is only through the key: a DID URL ``kid`` (with a
    fragment) or a ``jwk`` (its did:jwk), never both ("jwt Proof Type"), and never an
    ``x5c`` or ``trust_chain``, which this issuer does not evaluate.
    """
    if "x5c" in header or "trust_chain" in header:
        raise _invalid_proof("x5c and trust_chain keys are not supported; use kid or jwk")
    if "kid" in header and "jwk" in header:
        raise _invalid_proof("the proof header must not carry both kid and jwk")
    if "kid" not in header and "jwk" not in header:
        raise _invalid_proof("the proof header names no key (kid or jwk)")
    try:
        return await bound_key(header, alg, controller=key_controller(header),
                               purpose="authentication", resolver=resolver)
    except VCBadgesError as exc:
        raise _invalid_proof(f"the key of the proof cannot be used: {exc.message}") from exc


async def verify_key_proof(
    proof: Any,
    *,
    store: OID4VCIStore,
    credential_issuer: str,
    configuration: CredentialConfiguration,
    resolver: Any = None,
    max_age: timedelta = DEFAULT_MAX_PROOF_AGE,
    leeway: timedelta = DEFAULT_LEEWAY,
    now: datetime | None = None,
) -> KeyProof:
    """Verify one ``jwt`` key proof and consume its ``c_nonce``; return the holder's key.

    Raises ``ProtocolError``: ``invalid_proof`` for anything wrong with the JWT, its key,
    signature, ``aud`` or ``iat``, or a missing ``nonce``; ``invalid_nonce`` when ``nonce`` is
    not an unused ``c_nonce`` of this issuer. The nonce is consumed only once everything
    else has been checked.
    """
    when = current(now)
    resolver = resolver if resolver is not None else default_resolver()
    try:
        parsed = _jws.parse_compact(proof)
        alg = _jws.check_alg(parsed.header)
    except VCBadgesError as exc:
        raise _invalid_proof(f"the key proof is not a usable JWT: {exc.message}") from exc
    if not _typ_ok(parsed.header.get("typ")):
        raise _invalid_proof(f"the key proof's typ must be {PROOF_TYP}")
    if alg not in configuration.proof_signing_algs:
        raise _invalid_proof(f"alg {alg} is not accepted for key proofs of this credential")
    key = await _proof_key(parsed.header, alg, resolver)
    holder = key.controller
    if ":".join(holder.split(":", 2)[:2]) not in configuration.binding_methods:
        raise _invalid_proof("the key's DID method is not one this credential can be bound to")
    try:
        _jws.verify_signature(parsed, alg, key.public_key)
    except VCBadgesError as exc:
        raise _invalid_proof("the key proof's signature does not verify") from exc
    claims = parsed.claims
    if claims.get("aud") != credential_issuer:
        raise _invalid_proof("the key proof's aud is not this Credential Issuer")
    try:
        iat = _jws.numeric_date(claims, "iat")
    except VCBadgesError as exc:
        raise _invalid_proof("the key proof's iat is not a NumericDate in range") from exc
    if iat is None:
        raise _invalid_proof("the key proof has no numeric iat")
    issued_at = from_timestamp(iat)
    if issued_at > when + leeway:
        raise _invalid_proof("the key proof was issued in the future (iat)")
    if issued_at < when - max_age:
        raise _invalid_proof("the key proof is too old (iat)")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise _invalid_proof("the key proof has no nonce; get one from the Nonce Endpoint")
    if not await consume_nonce(store, nonce, now=when):
        raise ProtocolError("invalid_nonce", "the c_nonce is unknown, expired or already used; "
                            "get a new one from the Nonce Endpoint")
    return KeyProof(holder=holder, verification_method=key.verification_method,
                    public_key=key.public_key, nonce=nonce, issued_at=issued_at)


def _single_jwt_proof(body: Mapping[str, Any]) -> Any:
    """The one ``jwt`` proof of a Credential Request (``proofs``, or a draft ``proof``)."""
    proofs, proof = body.get("proofs"), body.get("proof")
    if proofs is not None and proof is not None:
        raise _bad_request("proofs and proof must not both be present")
    if proofs is None and proof is not None:
        if not isinstance(proof, Mapping) or proof.get("proof_type") != "jwt":
            raise _invalid_proof("only the jwt proof type is supported")
        return proof.get("jwt")
    if proofs is None:
        raise _invalid_proof("the request has no proofs; a jwt key proof is required")
    if not isinstance(proofs, Mapping) or len(proofs) != 1:
        raise _invalid_proof("proofs must contain exactly one proof type")
    if "jwt" not in proofs:
        raise _invalid_proof("only the jwt proof type is supported")
    values = proofs["jwt"]
    if not isinstance(values, list) or not values:
        raise _invalid_proof("proofs.jwt must be a non-empty array")
    if len(values) != 1:
        raise _invalid_proof("batch issuance is not supported: send exactly one proof")
    return values[0]


def _request_body(body: Any) -> Mapping[str, Any]:
    if isinstance(body, (bytes, str)):
        body = strict_json(body, error="invalid_credential_request", what="the request body")
    if not isinstance(body, Mapping):
        raise _bad_request("the Credential Request must be a JSON object")
    return body


async def handle_credential_request(
    store: OID4VCIStore,
    *,
    authorization: str | None,
    body: Any,
    base_url: str,
    issue_fn: IssueFunction,
    configurations: Sequence[CredentialConfiguration] = DEFAULT_CONFIGURATIONS,
    resolver: Any = None,
    max_proof_age: timedelta = DEFAULT_MAX_PROOF_AGE,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Handle a Credential Request and return the Credential Response body.

    ``authorization`` is the ``Authorization`` header; ``body`` the request's JSON (parsed, or
    the raw bytes). ``resolver`` dereferences ``kid`` DID URLs (default: did:key and did:jwk,
    offline). Returns ``{"credentials": [{"credential": ...}]}`` (HTTP 200, ``Cache-Control:
    no-store``). Raises ``ProtocolError`` as listed in the module docstring; what
    ``issue_fn`` raises propagates unchanged (the token is spent by then), and a credential
    from ``issue_fn`` that does not name the holder as its subject is a ``ValueError``.
    """
    when = current(now)
    identifier = issuer_identifier(base_url)
    token = bearer_token(authorization)
    grant = await store.get(ACCESS_TOKEN, digest(token), now=when)
    if grant is None or grant.get("credential_issuer") != identifier:
        raise ProtocolError("invalid_token", "the access token is unknown, expired or already "
                            "used", status=401)
    request = _request_body(body)
    if "credential_response_encryption" in request:
        raise ProtocolError("invalid_encryption_parameters",
                            "this issuer does not encrypt Credential Responses")
    if "credential_identifier" in request:
        raise _bad_request("credential_identifier is not used by this issuer; send "
                           "credential_configuration_id")
    config_id = request.get("credential_configuration_id")
    if not isinstance(config_id, str) or not config_id:
        raise _bad_request("credential_configuration_id is missing")
    known = configuration_map(configurations)
    configuration = known.get(config_id)
    if configuration is None:
        raise ProtocolError("unknown_credential_configuration",
                            safe_text(f"no credential configuration {config_id!r}"))
    if config_id not in grant.get("credential_configuration_ids", []):
        raise ProtocolError("insufficient_scope",
                            "the access token does not cover this credential configuration",
                            status=403)
    key_proof = await verify_key_proof(
        _single_jwt_proof(request), store=store, credential_issuer=identifier,
        configuration=configuration, resolver=resolver, max_age=max_proof_age, now=when)
    if await store.consume(ACCESS_TOKEN, digest(token), now=when) is None:
        raise ProtocolError("invalid_token", "the access token is unknown, expired or already "
                            "used", status=401)
    credential = await issue_fn(key_proof.holder, configuration, dict(grant["award"]))
    expected = dict if configuration.format == "ldp_vc" else str
    if not isinstance(credential, expected):
        raise TypeError(f"issue_fn must return a {expected.__name__} for "
                        f"{configuration.format}")
    if not names_subject(credential, key_proof.holder):
        # The holder proved possession of this key only; a credential naming anyone else
        # would not be bound to it. A programming error in issue_fn, not the wallet's.
        raise ValueError("issue_fn returned a credential whose subject is not the holder")
    return {"credentials": [{"credential": credential}]}

"""OpenID for Verifiable Credential Issuance 1.0: the pre-authorized code flow, both sides.

A protocol core in the manner of authlib: no web framework, no global state, no clock of its
own (every function takes ``now``) and no I/O except through what the caller passes in (an
:class:`OID4VCIStore` on the issuer side, ``fetch`` and ``post`` callables on the wallet
side). Errors are :class:`vcbadges.errors.ProtocolError` carrying the spec's ``error`` code
and the HTTP status to answer with; the web layer turns them into
``{"error", "error_description"}``.

Issuer side, one function per endpoint:

=================================  ======================================================
``credential_issuer_metadata``     ``GET /.well-known/openid-credential-issuer{path}``
``authorization_server_metadata``  ``GET /.well-known/oauth-authorization-server{path}``
``create_offer``                   (the issuer's own API) an offer and its QR URI and PIN
``serve_offer``                    ``GET {base}/credential-offers/{offer_id}``
``handle_token_request``           ``POST {base}/token`` (form)
``create_nonce``                   ``POST {base}/nonce``
``handle_credential_request``      ``POST {base}/credential`` (JSON, bearer token)
=================================  ======================================================

Wallet side: :func:`resolve_offer` then :func:`accept_offer` (module
:mod:`vcbadges.oid4vci.wallet`).
"""

from vcbadges.oid4vci.credential import (
    IssueFunction,
    KeyProof,
    bearer_token,
    bind_subject,
    handle_credential_request,
    verify_key_proof,
)
from vcbadges.oid4vci.metadata import (
    DEFAULT_CONFIGURATIONS,
    OPEN_BADGE_JWT_VC_JSON,
    OPEN_BADGE_LDP_VC,
    PRE_AUTHORIZED_GRANT,
    CredentialConfiguration,
    authorization_server_metadata,
    authorization_server_metadata_url,
    configurations_for,
    credential_endpoint,
    credential_issuer_metadata,
    credential_issuer_metadata_url,
    credential_offer_url,
    nonce_endpoint,
    token_endpoint,
)
from vcbadges.oid4vci.nonce import consume_nonce, create_nonce
from vcbadges.oid4vci.offers import (
    CreatedOffer,
    create_offer,
    offer_uri,
    offer_uri_by_value,
    serve_offer,
)
from vcbadges.oid4vci.store import MemoryStore, OID4VCIStore
from vcbadges.oid4vci.token import handle_token_request
from vcbadges.oid4vci.wallet import (
    IssuedCredential,
    ResolvedOffer,
    accept_offer,
    build_key_proof,
    parse_offer_uri,
    resolve_offer,
)

__all__ = [
    "PRE_AUTHORIZED_GRANT",
    "CredentialConfiguration",
    "OPEN_BADGE_LDP_VC",
    "OPEN_BADGE_JWT_VC_JSON",
    "DEFAULT_CONFIGURATIONS",
    "configurations_for",
    "credential_issuer_metadata",
    "authorization_server_metadata",
    "credential_issuer_metadata_url",
    "authorization_server_metadata_url",
    "token_endpoint",
    "nonce_endpoint",
    "credential_endpoint",
    "credential_offer_url",
    "OID4VCIStore",
    "MemoryStore",
    "CreatedOffer",
    "create_offer",
    "serve_offer",
    "offer_uri",
    "offer_uri_by_value",
    "handle_token_request",
    "create_nonce",
    "consume_nonce",
    "IssueFunction",
    "KeyProof",
    "bearer_token",
    "bind_subject",
    "verify_key_proof",
    "handle_credential_request",
    "ResolvedOffer",
    "IssuedCredential",
    "parse_offer_uri",
    "resolve_offer",
    "build_key_proof",
    "accept_offer",
]

"""OpenID for Verifiable Presentations 1.0 with DCQL and ``direct_post``: both sides.

A protocol core in the manner of authlib: no web framework, no global state, no clock of its
own (every function takes ``now``), no I/O except through what the caller passes in (an
:class:`OID4VPStore` on the verifier side; ``fetch`` and ``post`` callables on the wallet
side). Errors are :class:`vcbadges.errors.ProtocolError` with the spec's ``error`` code and
the HTTP status to answer with.

Verifier side:

=======================  ==============================================================
``create_request``       a request: ``request.qr_payload()`` for the QR code, and a
                         secret ``transaction_id`` for the verifier page
``request_object``       ``GET {base}/requests/{request_id}``
                         (``application/oauth-authz-req+jwt``)
``handle_response``      ``POST {base}/response`` (form): the reports, per DCQL query
``load_result``          the verifier page's poll, by its secret ``transaction_id``
=======================  ==============================================================

Wallet side: :func:`resolve_request`, ``request.describe()``, ``request.match(...)``,
:func:`sign_presentations` (or :func:`vcbadges.present` and :func:`build_vp_token`),
:func:`respond` or :func:`decline`.
"""

from vcbadges.oid4vp.dcql import (
    OPEN_BADGE_TYPE,
    VC_TYPE,
    credential_matches,
    expanded_types,
    match,
    open_badge_query,
    satisfied,
    validate_query,
)
from vcbadges.oid4vp.jwt_vp import sign_presentation_jwt, verify_presentation_jwt
from vcbadges.oid4vp.request import (
    AuthorizationRequest,
    create_request,
    load_request,
    qr_payload,
    request_object,
)
from vcbadges.oid4vp.response import PresentationResult, handle_response, load_result
from vcbadges.oid4vp.store import MemoryStore, OID4VPStore
from vcbadges.oid4vp.wallet import (
    PresentationRequest,
    build_vp_token,
    decline,
    parse_request_uri,
    resolve_request,
    respond,
    sign_presentations,
    validate_request,
)

__all__ = [
    "VC_TYPE",
    "OPEN_BADGE_TYPE",
    "open_badge_query",
    "validate_query",
    "match",
    "credential_matches",
    "expanded_types",
    "satisfied",
    "OID4VPStore",
    "MemoryStore",
    "AuthorizationRequest",
    "create_request",
    "load_request",
    "request_object",
    "qr_payload",
    "PresentationResult",
    "handle_response",
    "load_result",
    "sign_presentation_jwt",
    "verify_presentation_jwt",
    "PresentationRequest",
    "parse_request_uri",
    "validate_request",
    "resolve_request",
    "build_vp_token",
    "sign_presentations",
    "respond",
    "decline",
]

"""Credential Issuer metadata and OAuth 2.0 Authorization Server metadata (OpenID4VCI 1.0).

The issuer is its own Authorization Server (OpenID4VCI 1.0, "Credential Issuer Metadata
Parameters": with ``authorization_servers`` omitted, the Credential Issuer Identifier is used
to find the Authorization Server metadata) and supports only the pre-authorized code grant.

Everything is derived from one **base URL**, the Credential Issuer Identifier ("Credential
Issuer Identifier": https, host, optional port and path, no query or fragment). The endpoints
live under it at fixed paths that the web layer routes:

=====================  ==========================================================
``{base}/token``       Token Endpoint ("Token Endpoint")
``{base}/nonce``       Nonce Endpoint ("Nonce Endpoint")
``{base}/credential``  Credential Endpoint ("Credential Endpoint")
``{base}/credential-offers/{offer_id}``  what ``credential_offer_uri`` points at
=====================  ==========================================================

and the two metadata documents at the well-known URLs formed by inserting
``/.well-known/openid-credential-issuer`` ("Credential Issuer Metadata Retrieval") and
``/.well-known/oauth-authorization-server`` (RFC 8414 §3) between the host and the path of the
base URL: for ``https://badges.example.edu/issuer`` they are
``https://badges.example.edu/.well-known/openid-credential-issuer/issuer`` and
``https://badges.example.edu/.well-known/oauth-authorization-server/issuer``, so the root
application, which owns ``/.well-known/``, serves them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

__all__ = [
    "PRE_AUTHORIZED_GRANT",
    "OB3_CONTEXT",
    "VC_V2",
    "CredentialConfiguration",
    "OPEN_BADGE_LDP_VC",
    "OPEN_BADGE_JWT_VC_JSON",
    "DEFAULT_CONFIGURATIONS",
    "configurations_for",
    "issuer_identifier",
    "token_endpoint",
    "nonce_endpoint",
    "credential_endpoint",
    "credential_offer_url",
    "credential_issuer_metadata_url",
    "authorization_server_metadata_url",
    "credential_issuer_metadata",
    "authorization_server_metadata",
    "configuration_map",
]

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

TOKEN_PATH = "/token"
NONCE_PATH = "/nonce"
CREDENTIAL_PATH = "/credential"
OFFER_PATH = "/credential-offers/"
ISSUER_WELL_KNOWN = "/.well-known/openid-credential-issuer"
AS_WELL_KNOWN = "/.well-known/oauth-authorization-server"

Format = Literal["ldp_vc", "jwt_vc_json"]


@dataclass(frozen=True)
class CredentialConfiguration:
    """One entry of ``credential_configurations_supported``.

    ``type`` and (for ``ldp_vc``) ``context`` form the ``credential_definition`` ("Credential
    Format Profiles", W3C Verifiable Credentials); ``signing_algs`` is
    ``credential_signing_alg_values_supported`` (cryptosuite names for ``ldp_vc``, JWS
    algorithm names for ``jwt_vc_json``); ``proof_signing_algs`` the algorithms accepted for
    the ``jwt`` key proof; ``binding_methods`` the DID methods a holder may be bound to.
    """

    id: str
    format: Format
    type: tuple[str, ...]
    signing_algs: tuple[str, ...]
    context: tuple[str, ...] = ()
    proof_signing_algs: tuple[str, ...] = ("EdDSA", "ES256")
    binding_methods: tuple[str, ...] = ("did:key", "did:jwk")
    name: str = "Open Badge"
    description: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.format not in ("ldp_vc", "jwt_vc_json"):
            raise ValueError(f"unsupported credential format {self.format!r}")
        if self.format == "ldp_vc" and not self.context:
            raise ValueError("an ldp_vc configuration needs its @context")
        if not self.type or not self.signing_algs or not self.proof_signing_algs:
            raise ValueError("type, signing_algs and proof_signing_algs must not be empty")

    def to_json(self) -> dict[str, Any]:
        """The configuration object as it appears in the issuer metadata."""
        definition: dict[str, Any] = {"type": list(self.type)}
        if self.format == "ldp_vc":
            definition = {"@context": list(self.context), **definition}
        display: dict[str, Any] = {"name": self.name}
        if self.description:
            display["description"] = self.description
        return {
            "format": self.format,
            "credential_definition": definition,
            "credential_signing_alg_values_supported": list(self.signing_algs),
            "cryptographic_binding_methods_supported": list(self.binding_methods),
            "proof_types_supported": {
                "jwt": {"proof_signing_alg_values_supported": list(self.proof_signing_algs)}},
            "credential_metadata": {"display": [display]},
            **self.extra,
        }


OPEN_BADGE_LDP_VC = CredentialConfiguration(
    id="OpenBadgeCredential_ldp_vc",
    format="ldp_vc",
    context=(VC_V2, OB3_CONTEXT),
    type=("VerifiableCredential", "OpenBadgeCredential"),
    signing_algs=("eddsa-rdfc-2022",),
    description="An Open Badges 3.0 credential secured with a Data Integrity proof.",
)
"""An Open Badges 3.0 credential, Data Integrity ``eddsa-rdfc-2022`` (``ldp_vc``)."""

OPEN_BADGE_JWT_VC_JSON = CredentialConfiguration(
    id="OpenBadgeCredential_jwt_vc_json",
    format="jwt_vc_json",
    type=("VerifiableCredential", "OpenBadgeCredential"),
    signing_algs=("EdDSA", "ES256", "RS256"),
    description="An Open Badges 3.0 credential as a VC-JWT.",
)
"""An Open Badges 3.0 VC-JWT (``jwt_vc_json``): OB 3.0's JSON Web Token proof format."""

DEFAULT_CONFIGURATIONS = (OPEN_BADGE_LDP_VC, OPEN_BADGE_JWT_VC_JSON)

# What an issuer with a key of each algorithm signs: the Data Integrity cryptosuite of an
# ldp_vc (the default suite for the key) and the JWS algorithm of a VC-JWT.
_SIGNED_WITH: dict[str, dict[Format, tuple[str, ...]]] = {
    "Ed25519": {"ldp_vc": ("eddsa-rdfc-2022",), "jwt_vc_json": ("EdDSA",)},
    "P-256": {"ldp_vc": ("ecdsa-rdfc-2019",), "jwt_vc_json": ("ES256",)},
}


def configurations_for(
    key_algorithm: str,
    configurations: Sequence[CredentialConfiguration] = DEFAULT_CONFIGURATIONS,
) -> tuple[CredentialConfiguration, ...]:
    """``configurations`` advertising what an issuer whose key is ``key_algorithm``
    (``Ed25519`` or ``P-256``) signs with, so that a wallet that can only check some
    algorithms knows before it asks; ``ValueError`` for another algorithm."""
    signed = _SIGNED_WITH.get(key_algorithm)
    if signed is None:
        raise ValueError(f"unsupported key algorithm {key_algorithm!r}")
    return tuple(replace(config, signing_algs=signed[config.format])
                 for config in configurations)


def issuer_identifier(base_url: str) -> str:
    """The Credential Issuer Identifier for ``base_url``: the URL without a trailing slash.

    Raises ``ValueError`` for a URL with a query, a fragment, credentials or no host. Plain
    http is accepted here (local development); wallets refuse it unless told otherwise.
    """
    parts = urlsplit(base_url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("the issuer base URL must be an absolute https URL")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("the issuer base URL must not have a query, fragment or credentials")
    return base_url.rstrip("/")


def token_endpoint(base_url: str) -> str:
    return issuer_identifier(base_url) + TOKEN_PATH


def nonce_endpoint(base_url: str) -> str:
    return issuer_identifier(base_url) + NONCE_PATH


def credential_endpoint(base_url: str) -> str:
    return issuer_identifier(base_url) + CREDENTIAL_PATH


def credential_offer_url(base_url: str, offer_id: str) -> str:
    """The https URL a ``credential_offer_uri`` names: where the offer JSON is served."""
    return issuer_identifier(base_url) + OFFER_PATH + quote(offer_id, safe="")


def _well_known(identifier: str, suffix: str) -> str:
    parts = urlsplit(identifier)
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, suffix + path, "", ""))


def credential_issuer_metadata_url(credential_issuer: str) -> str:
    """Where a wallet reads the metadata of ``credential_issuer`` ("Credential Issuer Metadata
    Retrieval": ``/.well-known/openid-credential-issuer`` inserted before the path)."""
    return _well_known(credential_issuer, ISSUER_WELL_KNOWN)


def authorization_server_metadata_url(issuer: str) -> str:
    """Where a wallet reads the Authorization Server metadata of ``issuer`` (RFC 8414 §3)."""
    return _well_known(issuer, AS_WELL_KNOWN)


def configuration_map(
    configurations: Iterable[CredentialConfiguration],
) -> dict[str, CredentialConfiguration]:
    """The configurations by id; raises ``ValueError`` for a repeated id."""
    out: dict[str, CredentialConfiguration] = {}
    for config in configurations:
        if config.id in out:
            raise ValueError(f"credential configuration id {config.id!r} is repeated")
        out[config.id] = config
    return out


def credential_issuer_metadata(
    base_url: str,
    configurations: Sequence[CredentialConfiguration] = DEFAULT_CONFIGURATIONS,
    *,
    display_name: str | None = None,
    locale: str | None = None,
    logo_uri: str | None = None,
) -> dict[str, Any]:
    """The Credential Issuer Metadata document ("Credential Issuer Metadata Parameters").

    Served as ``application/json`` at :func:`credential_issuer_metadata_url`. The issuer has a
    Nonce Endpoint, so every key proof must carry a fresh ``c_nonce``; ``authorization_servers``
    is omitted because the issuer is its own Authorization Server.
    """
    identifier = issuer_identifier(base_url)
    metadata: dict[str, Any] = {
        "credential_issuer": identifier,
        "credential_endpoint": identifier + CREDENTIAL_PATH,
        "nonce_endpoint": identifier + NONCE_PATH,
        "credential_configurations_supported": {
            cid: config.to_json() for cid, config in configuration_map(configurations).items()},
    }
    if display_name:
        display: dict[str, Any] = {"name": display_name}
        if locale:
            display["locale"] = locale
        if logo_uri:
            display["logo"] = {"uri": logo_uri}
        metadata["display"] = [display]
    return metadata


def authorization_server_metadata(base_url: str) -> dict[str, Any]:
    """The OAuth 2.0 Authorization Server Metadata (RFC 8414) of the issuer.

    Only the pre-authorized code grant, without client authentication
    (``pre-authorized_grant_anonymous_access_supported``, "OAuth 2.0 Authorization Server
    Metadata"); ``response_types_supported`` is omitted, as OpenID4VCI allows for an
    Authorization Server that supports only that grant.
    """
    identifier = issuer_identifier(base_url)
    return {
        "issuer": identifier,
        "token_endpoint": identifier + TOKEN_PATH,
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }

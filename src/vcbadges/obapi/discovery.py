"""The Service Description Document (section "Service Discovery") this service publishes at
``GET /ims/ob/v3p0/discovery``.

It is a profiled OpenAPI 3.0 document: ``info`` with the terms of service and the
``x-imssf-privacyPolicyUrl``, the ``servers`` URL the API is under, the four operations this
service implements, and the ``OAuth2ACG`` security scheme with the registration
(``x-imssf-registrationUrl``), authorization, token and refresh URLs and the scopes. A client
reads nothing else from it (see :func:`vcbadges.obapi.client.discover`).
"""

from __future__ import annotations

from typing import Any

from vcbadges.obapi.scopes import (
    CREDENTIAL_READONLY,
    CREDENTIAL_UPSERT,
    PROFILE_READONLY,
    PROFILE_UPDATE,
    SCOPES,
)

__all__ = ["API_PATH", "Endpoints", "service_description"]

#: Where the API lives under a service's public URL (the spec's fixed path).
API_PATH = "/ims/ob/v3p0"


class Endpoints:
    """The URLs of the API and of its OAuth 2.0 endpoints under one public URL."""

    def __init__(self, base_url: str) -> None:
        self.api = base_url.rstrip("/") + API_PATH
        self.discovery = self.api + "/discovery"
        self.registration = self.api + "/register"
        self.authorization = self.api + "/authorize"
        self.token = self.api + "/token"
        self.revocation = self.api + "/revoke"
        self.policies = self.api + "/policies"


def _operation(operation_id: str, scope: str, summary: str) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "summary": summary,
        "tags": ["OpenBadgeCredentials"],
        "security": [{"OAuth2ACG": [scope]}],
        "responses": {"default": {"description": "See the Open Badges 3.0 specification."}},
    }


def service_description(base_url: str, *, title: str = "vcbadges") -> dict[str, Any]:
    """The Service Description Document of the service at ``base_url``."""
    urls = Endpoints(base_url)
    return {
        "openapi": "3.0.1",
        "info": {
            "title": title,
            "version": "3.0",
            "description": "Open Badges 3.0 API of a vcbadges wallet: its holders' badges "
                           "and profiles, shared with the applications they connect.",
            "termsOfService": urls.policies + "#terms",
            "x-imssf-privacyPolicyUrl": urls.policies + "#privacy",
        },
        "servers": [{"url": urls.api}],
        "tags": [{"name": "OpenBadgeCredentials"}, {"name": "Discovery"}],
        "paths": {
            "/credentials": {
                "get": _operation("getCredentials", CREDENTIAL_READONLY,
                                  "The holder's OpenBadgeCredentials, paged"),
                "post": _operation("upsertCredential", CREDENTIAL_UPSERT,
                                   "Create or replace one of the holder's credentials"),
            },
            "/profile": {
                "get": _operation("getProfile", PROFILE_READONLY, "The holder's profile"),
                "put": _operation("putProfile", PROFILE_UPDATE, "Replace the holder's profile"),
            },
            "/discovery": {"get": {
                "operationId": "getServiceDescription", "tags": ["Discovery"],
                "responses": {"default": {"description": "This document."}}}},
        },
        "components": {"securitySchemes": {"OAuth2ACG": {
            "type": "oauth2",
            "description": "OAuth 2.0 Authorization Code Grant with PKCE (S256), clients "
                           "registered dynamically (RFC 7591).",
            "x-imssf-registrationUrl": urls.registration,
            "flows": {"authorizationCode": {
                "authorizationUrl": urls.authorization,
                "tokenUrl": urls.token,
                "refreshUrl": urls.token,
                "x-imssf-revocationUrl": urls.revocation,
                "scopes": dict(SCOPES),
            }},
        }}},
    }



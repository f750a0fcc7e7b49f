"""An in-memory OpenID4VCI issuer behind fake fetch/post functions, and a pinned clock.

The fake transport routes the wallet's requests to the issuer-side protocol core exactly as a
web layer would: a ``ProtocolError`` becomes its status and ``{"error", "error_description"}``.
No sockets, no wall clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from protocol_support import Clock, FakeResponse, json_response
from vcbadges import issue, issue_jwt
from vcbadges.credentials.sample import sample_badge
from vcbadges.errors import ProtocolError
from vcbadges.oid4vci import (
    DEFAULT_CONFIGURATIONS,
    CredentialConfiguration,
    MemoryStore,
    authorization_server_metadata,
    authorization_server_metadata_url,
    bind_subject,
    create_nonce,
    credential_issuer_metadata,
    credential_issuer_metadata_url,
    handle_credential_request,
    handle_token_request,
    serve_offer,
)
from vcbadges.primitives.keys import Ed25519SigningKey

BASE = "https://badges.example.edu/issuer"


def error_response(exc: ProtocolError) -> FakeResponse:
    return json_response(exc.status, {"error": exc.error, "error_description": exc.message})


@dataclass
class FakeIssuer:
    """The issuer's endpoints over a MemoryStore, as the web layer would wire them."""

    key: Ed25519SigningKey
    clock: Clock
    store: MemoryStore = field(default_factory=MemoryStore)
    base: str = BASE
    configurations: tuple[CredentialConfiguration, ...] = DEFAULT_CONFIGURATIONS
    issued: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)

    async def issue_fn(self, subject: str, configuration: CredentialConfiguration,
                       award: dict[str, Any]) -> dict[str, Any] | str:
        self.issued.append((subject, configuration.id, award))
        unsigned = sample_badge(issuer=self.key.controller, subject=subject,
                                valid_from=self.clock.now - timedelta(days=1)).to_json()
        unsigned = bind_subject(unsigned, subject)
        if configuration.format == "jwt_vc_json":
            return await issue_jwt(unsigned, key=self.key, now=self.clock.now)
        return await issue(unsigned, key=self.key, now=self.clock.now)

    async def fetch(self, url: str, *, accept: str) -> FakeResponse:
        self.requests.append(("GET", url))
        try:
            if url == credential_issuer_metadata_url(self.base):
                return json_response(200, credential_issuer_metadata(
                    self.base, self.configurations, display_name="Example University"))
            if url == authorization_server_metadata_url(self.base):
                return json_response(200, authorization_server_metadata(self.base))
            prefix = self.base + "/credential-offers/"
            if url.startswith(prefix):
                offer_id = unquote(url[len(prefix):])
                return json_response(200, await serve_offer(self.store, offer_id,
                                                            now=self.clock.now))
        except ProtocolError as exc:
            return error_response(exc)
        return json_response(404, {"error": "not_found"})

    async def post(self, url: str, *, form: Mapping[str, str] | None = None, json: Any = None,
                   headers: Mapping[str, str] | None = None) -> FakeResponse:
        self.requests.append(("POST", url))
        path = urlsplit(url).path
        try:
            if path.endswith("/token"):
                return json_response(200, await handle_token_request(
                    self.store, form or {}, credential_issuer=self.base, now=self.clock.now))
            if path.endswith("/nonce"):
                return json_response(200, await create_nonce(self.store, now=self.clock.now))
            if path.endswith("/credential"):
                return json_response(200, await handle_credential_request(
                    self.store, authorization=(headers or {}).get("Authorization"),
                    body=json, base_url=self.base, issue_fn=self.issue_fn,
                    configurations=self.configurations, now=self.clock.now))
        except ProtocolError as exc:
            return error_response(exc)
        return json_response(404, {"error": "not_found"})

"""The authorization server of the Open Badges 3.0 API: registration, consent, codes,
tokens, refresh, revocation, and the bearer check of the resource endpoints.

OAuth 2.0 as section "OAuth 2.0" of the spec asks: the authorization code grant (RFC 6749
§4.1) with PKCE (RFC 7636), ``S256`` only (a request without ``code_challenge_method`` or with
``plain`` is refused, since ``plain`` protects nothing once the request leaks); clients
registered dynamically (:mod:`vcbadges.obapi.registration`) and authenticated with HTTP Basic;
refresh tokens (RFC 6749 §6) and revocation (RFC 7009).

The holder's credentials are sealed under their wallet's data key, which only the passphrase
opens. Consent is given by signing in with the passphrase on the consent page, which is when
the service holds the data key; from then on each secret that stands for the holder's
consent (the code, then the access and refresh tokens) carries the data key, wrapped under a
key derived from that very secret and the service master key (HMAC-SHA256), so that:

- the database keeps only the SHA-256 of each secret and the wrapped key: a copy of it opens
  no wallet, and neither does a token without this service;
- a token opens exactly the wallet of the holder who granted it, for the scopes granted.

Codes are single use (one atomic ``consume``) and live :data:`CODE_LIFETIME`; a code presented
a second time also revokes the tokens issued for it (RFC 6749 §4.1.2). Refresh tokens rotate:
each refresh spends the one presented (one conditional ``UPDATE``) and issues a new pair; a
spent refresh token presented again revokes its whole grant (RFC 9700 §4.14.2).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from vcbadges.errors import ProtocolError, StorageError
from vcbadges.oauth.common import digest, form_pairs, new_secret, safe_text
from vcbadges.oauth.store import ProtocolStore
from vcbadges.obapi.registration import ClientMetadata, new_registration, read_metadata
from vcbadges.obapi.scopes import parse_scope, scope_string
from vcbadges.obapi.status import insufficient_scope, invalid_token
from vcbadges.storage import obapi_queries as queries
from vcbadges.storage.db import DatabaseConfig
from vcbadges.wallet import UnlockedWallet, WalletStore, crypto as wallet_crypto

__all__ = [
    "ACCESS_TOKEN_LIFETIME",
    "REFRESH_TOKEN_LIFETIME",
    "CODE_LIFETIME",
    "CONSENT_LIFETIME",
    "AuthorizationRequest",
    "RedirectError",
    "Grant",
    "OBAuthorizationServer",
    "token_key",
    "purge_tokens",
]

ACCESS_TOKEN_LIFETIME = timedelta(hours=1)
REFRESH_TOKEN_LIFETIME = timedelta(days=30)
CODE_LIFETIME = timedelta(minutes=2)
#: How long the consent page of one authorization request stays usable.
CONSENT_LIFETIME = timedelta(minutes=10)

_CONSENT = "ob_consent"
_CODE = "ob_code"
_WRAP_PURPOSE = "ob-api:"
_MAX_STATE = 500
# RFC 7636 §4.1 and §4.2: 43 to 128 unreserved characters; an S256 challenge is 43.
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")


def token_key(master_derived: bytes) -> bytes:
    """The key under which token-wrapping keys are derived, from a master-derived key."""
    return hmac.new(master_derived, b"vcbadges ob api tokens v1", hashlib.sha256).digest()


def _grant_of_code(code: str) -> uuid.UUID:
    """The grant id of the tokens a code yields, derived from the code, so that a replayed
    code names the grant to revoke while an unknown code names none that exists."""
    return uuid.UUID(bytes=hashlib.sha256(b"ob-grant\x00" + code.encode()).digest()[:16])


@dataclass(frozen=True)
class AuthorizationRequest:
    """A checked authorization request, waiting for the holder's decision."""

    client_id: str
    client_name: str
    client_uri: str
    redirect_uri: str
    scopes: frozenset[str]
    state: str | None
    code_challenge: str

    def to_json(self) -> dict[str, Any]:
        return {"clientId": self.client_id, "clientName": self.client_name,
                "clientUri": self.client_uri, "redirectUri": self.redirect_uri,
                "scope": scope_string(self.scopes), "state": self.state,
                "codeChallenge": self.code_challenge}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AuthorizationRequest:
        return cls(client_id=data["clientId"], client_name=data["clientName"],
                   client_uri=data["clientUri"], redirect_uri=data["redirectUri"],
                   scopes=frozenset(str(data["scope"]).split()), state=data["state"],
                   code_challenge=data["codeChallenge"])

    def redirect(self, **params: str) -> str:
        """The redirect URI with ``params`` and the request's ``state`` added to its query."""
        if self.state is not None:
            params["state"] = self.state
        separator = "&" if urlsplit(self.redirect_uri).query else "?"
        return self.redirect_uri + separator + urlencode(params)


class RedirectError(ProtocolError):
    """An authorization request error to send back to the client at its redirect URI."""

    def __init__(self, request: AuthorizationRequest, error: str, description: str) -> None:
        super().__init__(error, description)
        self.location = request.redirect(error=error, error_description=safe_text(description))


@dataclass(frozen=True)
class Grant:
    """What an access token grants: the holder's open wallet, the scopes, the client."""

    wallet: UnlockedWallet
    scopes: frozenset[str]
    client_id: str

    def require(self, scope: str) -> None:
        """Raise the 403 ``insufficient_scope`` answer unless ``scope`` was granted."""
        if scope not in self.scopes:
            raise insufficient_scope(scope)


@dataclass(frozen=True)
class _Client:
    client_id: str
    metadata: ClientMetadata


class OBAuthorizationServer:
    """The authorization server on the vcbadges database, the protocol state store and the
    wallet store. ``token_key`` comes from :func:`token_key`; ``allow_http_hosts`` are the
    hosts a client's URLs may name over plain http (development and tests)."""

    def __init__(self, *, db: DatabaseConfig, states: ProtocolStore, wallets: WalletStore,
                 token_key: bytes, allow_http_hosts: Collection[str] = ()) -> None:
        self._db = db
        self._states = states
        self._wallets = wallets
        self._key = token_key
        self._allow_http_hosts = frozenset(allow_http_hosts)

    # Wrapping the data key under a secret.

    def _kek(self, secret: str) -> bytes:
        return hmac.new(self._key, secret.encode("ascii"), hashlib.sha256).digest()

    def _wrap(self, secret: str, account_id: uuid.UUID, data_key: bytes) -> bytes:
        return wallet_crypto.wrap_key(self._kek(secret), data_key, account_id=account_id,
                                      purpose=_WRAP_PURPOSE + digest(secret))

    def _unwrap(self, secret: str, account_id: uuid.UUID, wrapped: bytes) -> bytes:
        return wallet_crypto.unwrap_key(self._kek(secret), wrapped, account_id=account_id,
                                        purpose=_WRAP_PURPOSE + digest(secret))

    # Registration.

    async def register(self, body: Any, *, now: datetime) -> dict[str, Any]:
        """Register a client (RFC 7591); the registration response."""
        metadata = read_metadata(body, allow_http_hosts=self._allow_http_hosts)
        registered = new_registration(metadata, now=now)
        async with self._db.sessionmaker()() as session, session.begin():
            await queries.insert_client(session, client_id=registered.client_id,
                                        secret_hash=registered.secret_hash,
                                        metadata=metadata.values, created_at=now)
        return registered.response

    async def _client(self, client_id: str) -> _Client | None:
        if not client_id or len(client_id) > 64:
            return None
        async with self._db.sessionmaker(write=False)() as session:
            row = await queries.get_client(session, client_id)
        return None if row is None else _Client(row.client_id, ClientMetadata(row.metadata_))

    async def _authenticated(self, authorization: str | None) -> _Client:
        """The client of an HTTP Basic ``Authorization`` header (RFC 6749 §2.3.1)."""
        error = ProtocolError("invalid_client", "authenticate the client with HTTP Basic",
                              status=401)
        if not authorization or not authorization[:6].lower() == "basic ":
            raise error
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise error from None
        client_id, colon, secret = decoded.partition(":")
        client_id, secret = unquote(client_id), unquote(secret)
        if not colon:
            raise error
        async with self._db.sessionmaker(write=False)() as session:
            row = await queries.get_client(session, client_id) if len(client_id) <= 64 else None
        if row is None or not hmac.compare_digest(row.secret_hash, digest(secret)):
            raise ProtocolError("invalid_client", "the client credentials are not valid",
                                status=401)
        return _Client(row.client_id, ClientMetadata(row.metadata_))

    # Authorization requests and consent.

    async def authorization_request(
        self, query: Any, *, now: datetime
    ) -> tuple[str, AuthorizationRequest]:
        """Check an authorization request and keep it for the consent page; return its
        handle and the request.

        Raises ``ProtocolError`` (to show, never to redirect) when the client or its
        redirect URI cannot be trusted, and :class:`RedirectError` for every other problem.
        """
        params = form_pairs(query)
        client = await self._client(params.get("client_id", ""))
        if client is None:
            raise ProtocolError("invalid_client", "no client is registered with this client_id")
        redirect_uri = params.get("redirect_uri")
        if redirect_uri not in client.metadata.redirect_uris:
            raise ProtocolError("invalid_request",
                                "redirect_uri is not one the client registered")
        state = params.get("state")
        too_long = state is not None and len(state) > _MAX_STATE
        request = AuthorizationRequest(
            client_id=client.client_id, client_name=client.metadata.client_name,
            client_uri=str(client.metadata.values["client_uri"]), redirect_uri=redirect_uri,
            scopes=frozenset(), state=None if too_long else state, code_challenge="")
        if too_long:
            raise RedirectError(request, "invalid_request",
                                f"state is longer than {_MAX_STATE} characters")
        if params.get("response_type") != "code":
            raise RedirectError(request, "unsupported_response_type",
                                "response_type must be code")
        if params.get("code_challenge_method") != "S256":
            raise RedirectError(request, "invalid_request",
                                "PKCE is required, with code_challenge_method S256")
        challenge = params.get("code_challenge", "")
        if not _CHALLENGE.fullmatch(challenge):
            raise RedirectError(request, "invalid_request",
                                "code_challenge must be a base64url SHA-256 (43 characters)")
        try:
            scopes = parse_scope(params.get("scope"))
        except ProtocolError as exc:
            raise RedirectError(request, "invalid_scope", exc.message) from None
        if not scopes <= client.metadata.scopes:
            raise RedirectError(request, "invalid_scope",
                                "scope asks for more than the client registered")
        request = AuthorizationRequest(
            client_id=request.client_id, client_name=request.client_name,
            client_uri=request.client_uri, redirect_uri=redirect_uri, scopes=scopes,
            state=state, code_challenge=challenge)
        handle = new_secret()
        await self._states.save(_CONSENT, digest(handle), request.to_json(),
                                expires_at=now + CONSENT_LIFETIME)
        return handle, request

    async def pending(self, handle: str, *, now: datetime) -> AuthorizationRequest | None:
        """The request waiting for consent under ``handle``, if it has not expired."""
        payload = await self._states.get(_CONSENT, digest(handle), now=now)
        return None if payload is None else AuthorizationRequest.from_json(payload)

    async def _decided(self, handle: str, now: datetime) -> AuthorizationRequest:
        payload = await self._states.consume(_CONSENT, digest(handle), now=now)
        if payload is None:
            raise ProtocolError("invalid_request",
                                "this authorization request has expired or was answered")
        return AuthorizationRequest.from_json(payload)

    async def deny(self, handle: str, *, now: datetime) -> str:
        """The holder refused: where to send the browser (``access_denied``)."""
        request = await self._decided(handle, now)
        return request.redirect(error="access_denied",
                                error_description="the holder did not allow access")

    async def approve(self, handle: str, wallet: UnlockedWallet, *, now: datetime) -> str:
        """The holder signed in and allowed access: a new code for the client, and where to
        send the browser with it."""
        request = await self._decided(handle, now)
        code = new_secret()
        account_id = wallet.account.id
        wrapped = self._wrap(code, account_id, wallet.data_key)
        await self._states.save(_CODE, digest(code), {
            **request.to_json(), "accountId": str(account_id),
            "wrapped": base64.b64encode(wrapped).decode("ascii")},
            expires_at=now + CODE_LIFETIME)
        return request.redirect(code=code)

    # The token endpoint.

    async def token(self, form: Any, authorization: str | None, *,
                    now: datetime) -> dict[str, Any]:
        """Answer a token request (``authorization_code`` or ``refresh_token``)."""
        params = form_pairs(form)
        client = await self._authenticated(authorization)
        grant_type = params.get("grant_type")
        if grant_type not in client.metadata.grant_types:
            raise ProtocolError("unsupported_grant_type" if grant_type not in (
                "authorization_code", "refresh_token") else "unauthorized_client",
                "this grant type is not available to the client")
        if grant_type == "authorization_code":
            return await self._code_grant(client, params, now)
        return await self._refresh_grant(client, params, now)

    async def _code_grant(self, client: _Client, params: Mapping[str, str],
                          now: datetime) -> dict[str, Any]:
        code = params.get("code", "")
        if not code or len(code) > 200:
            raise ProtocolError("invalid_request", "code is missing")
        payload = await self._states.consume(_CODE, digest(code), now=now)
        grant_id = _grant_of_code(code)
        if payload is None:
            async with self._db.sessionmaker()() as session, session.begin():
                await queries.revoke_grant(session, grant_id, now)
            raise ProtocolError("invalid_grant", "the code is not valid, expired or was used")
        request = AuthorizationRequest.from_json(payload)
        if request.client_id != client.client_id:
            raise ProtocolError("invalid_grant", "the code was issued to another client")
        if params.get("redirect_uri") != request.redirect_uri:
            raise ProtocolError("invalid_grant",
                                "redirect_uri differs from the authorization request's")
        verifier = params.get("code_verifier", "")
        if not _VERIFIER.fullmatch(verifier):
            raise ProtocolError("invalid_request", "code_verifier is missing or malformed")
        computed = base64.urlsafe_b64encode(
            hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")
        if not hmac.compare_digest(computed, request.code_challenge):
            raise ProtocolError("invalid_grant", "code_verifier does not match code_challenge")
        account_id = uuid.UUID(payload["accountId"])
        data_key = self._unwrap(code, account_id, base64.b64decode(payload["wrapped"]))
        return await self._issue(client, grant_id, account_id, request.scopes, data_key, now)

    async def _refresh_grant(self, client: _Client, params: Mapping[str, str],
                             now: datetime) -> dict[str, Any]:
        refresh = params.get("refresh_token", "")
        if not refresh or len(refresh) > 200:
            raise ProtocolError("invalid_request", "refresh_token is missing")
        async with self._db.sessionmaker()() as session, session.begin():
            row = await queries.spend_refresh_token(session, digest(refresh), client.client_id,
                                                    now)
            if row is None:
                known = await queries.token_row(session, digest(refresh))
                if known is not None and known.client_id == client.client_id \
                        and known.revoked_at is not None:
                    await queries.revoke_grant(session, known.grant_id, now)
        if row is None:
            raise ProtocolError("invalid_grant", "the refresh token is not valid")
        scopes = frozenset(row.scope.split())
        if "scope" in params:
            asked = parse_scope(params["scope"])
            if not asked <= scopes:
                raise ProtocolError("invalid_scope", "scope asks for more than was granted")
            scopes = asked
        data_key = self._unwrap(refresh, row.account_id, row.wrapped_data_key)
        return await self._issue(client, row.grant_id, row.account_id, scopes, data_key, now)

    async def _issue(self, client: _Client, grant_id: uuid.UUID, account_id: uuid.UUID,
                     scopes: frozenset[str], data_key: bytes, now: datetime) -> dict[str, Any]:
        scope = scope_string(scopes)
        tokens = [("access", new_secret(), ACCESS_TOKEN_LIFETIME)]
        if "refresh_token" in client.metadata.grant_types:
            tokens.append(("refresh", new_secret(), REFRESH_TOKEN_LIFETIME))
        async with self._db.sessionmaker()() as session, session.begin():
            for kind, secret, lifetime in tokens:
                await queries.insert_token(
                    session, token_hash=digest(secret), kind=kind, grant_id=grant_id,
                    client_id=client.client_id, account_id=account_id, scope=scope,
                    wrapped_data_key=self._wrap(secret, account_id, data_key),
                    created_at=now, expires_at=now + lifetime)
        answer: dict[str, Any] = {"access_token": tokens[0][1], "token_type": "Bearer",
                                  "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()),
                                  "scope": scope}
        if len(tokens) > 1:
            answer["refresh_token"] = tokens[1][1]
        return answer

    # Revocation (RFC 7009).

    async def revoke(self, form: Any, authorization: str | None, *, now: datetime) -> None:
        """Revoke a token of the authenticated client: a refresh token ends its whole grant,
        an access token itself. Unknown tokens and other clients' tokens change nothing and
        are not reported (RFC 7009 §2.2)."""
        params = form_pairs(form)
        client = await self._authenticated(authorization)
        token = params.get("token", "")
        if not token:
            raise ProtocolError("invalid_request", "token is missing")
        if len(token) > 200:
            return
        async with self._db.sessionmaker()() as session, session.begin():
            row = await queries.token_row(session, digest(token))
            if row is None or row.client_id != client.client_id:
                return
            if row.kind == "refresh":
                await queries.revoke_grant(session, row.grant_id, now)
            else:
                await queries.revoke_token(session, row.token_hash, now)

    # The resource endpoints' bearer check.

    async def authenticate(self, authorization: str | None, *, now: datetime) -> Grant:
        """The grant of a ``Bearer`` access token (RFC 6750 §2.1); raises the 401
        :class:`ResourceError` for a missing, unknown, expired or revoked token."""
        if not authorization:
            raise invalid_token("")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > 200:
            raise invalid_token("send the access token as a Bearer token")
        async with self._db.sessionmaker(write=False)() as session:
            row = await queries.live_token(session, digest(token), "access", now)
        if row is None:
            raise invalid_token("the access token is not valid, expired or was revoked")
        try:
            data_key = self._unwrap(token, row.account_id, row.wrapped_data_key)
            wallet = await self._wallets.resume(row.account_id, data_key)
        except StorageError:
            raise invalid_token("the access token no longer opens the wallet") from None
        return Grant(wallet=wallet, scopes=frozenset(row.scope.split()),
                     client_id=row.client_id)




async def purge_tokens(db: DatabaseConfig, *, now: datetime) -> int:
    """Delete the tokens that expired before ``now``; return how many."""
    async with db.sessionmaker()() as session, session.begin():
        return await queries.purge_tokens(session, now)

"""The wallet's connections to other hosts' Open Badges 3.0 APIs: the holder connects their
wallet to another host, then pushes badges to it or pulls badges from it.

:meth:`OBConnections.start` reads the host's Service Description Document, registers this
wallet there as a client (RFC 7591) and returns the authorization URL to send the browser to
(authorization code with PKCE ``S256``, :mod:`vcbadges.obapi.client`). What the wallet must
remember meanwhile (the host, the registration, the PKCE verifier, the ``state``) waits in
the protocol state store under the SHA-256 of the ``state``, sealed under the account's data
key together with the wallet session it was started from; :meth:`OBConnections.finish`
accepts the browser's return only in that same session, once (a ``state`` it does not know,
or that another session or account started, is ``invalid_state``).

A connection (host, endpoints, registration, tokens, their expiry) is then one record of
``ob_connections`` sealed under the data key: only the unlocked wallet can use its tokens.
Before each use the access token is renewed when it has expired (or is about to), with the
row locked, so that two requests never spend the same refresh token: a host may end the
whole grant when one is replayed. :meth:`OBConnections.disconnect` revokes both tokens at the
host (RFC 7009) and deletes the record whatever the host answered, saying whether the
revocation succeeded.

:meth:`OBConnections.pull` verifies every credential the host sends with the verifier it is
given before keeping it, keeps none twice (the same JWT, or the same JSON document), and
says of each one it refused why. Every outbound request goes through the injected
:class:`~vcbadges.obapi.client.Send` (the wallet's SafeFetcher and its policy).

Errors: ``ProtocolError`` from the exchange with the host (the host's own code, or
``invalid_response``, ``invalid_state``), ``FetchError`` from the fetcher, and
:class:`ConnectionNotFound` for an id this wallet has no connection under.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from vcbadges.errors import CredentialError, FetchError, ProtocolError, StorageError
from vcbadges.oauth.common import digest
from vcbadges.oauth.store import ProtocolStore
from vcbadges.obapi import client
from vcbadges.obapi.client import ClientRegistration, PendingAuthorization, Send, Tokens
from vcbadges.obapi.scopes import CREDENTIAL_READONLY, CREDENTIAL_UPSERT
from vcbadges.report import ADVISORY_CHECKS, Outcome, VerificationReport
from vcbadges.storage import ob_connection_queries as queries
from vcbadges.storage.db import DatabaseConfig
from vcbadges.wallet import CredentialRecord, UnlockedWallet, crypto as wallet_crypto

__all__ = [
    "SCOPES",
    "PENDING_LIFETIME",
    "MAX_PULL",
    "Connection",
    "ConnectionNotFound",
    "Refused",
    "Pulled",
    "Revocation",
    "Verify",
    "OBConnections",
]

#: What the wallet asks a host for: reading the holder's badges there, and adding to them.
SCOPES = (CREDENTIAL_READONLY, CREDENTIAL_UPSERT)
#: How long the wallet waits for the browser to come back from the host.
PENDING_LIFETIME = timedelta(minutes=10)
#: The most credentials one pull takes from a host (each is verified: that costs).
MAX_PULL = 200
#: An access token this close to its expiry is renewed before use.
_EARLY = timedelta(seconds=30)
_PENDING = "wallet_ob_pending"
_KIND = "ob_connection"

#: Verifies one credential as the service verifies every credential.
Verify = Callable[[str | dict[str, Any]], Awaitable[VerificationReport]]


class ConnectionNotFound(StorageError):
    """This wallet has no connection with this id."""

    def __init__(self) -> None:
        super().__init__("there is no such connection in this wallet", code="not_found")


@dataclass(frozen=True)
class Connection:
    """One connection, opened. ``expires_at`` is when the access token expires (None when
    the host did not say)."""

    id: uuid.UUID
    host_url: str
    service: client.ServiceDescription
    registration: ClientRegistration
    tokens: Tokens
    expires_at: datetime | None
    connected_at: datetime

    @property
    def host(self) -> str:
        """The host's name (and port), as the holder recognises it."""
        return urlsplit(self.service.api_url).netloc

    def to_json(self) -> dict[str, Any]:
        """The connection as the wallet page shows it: never its tokens or secret."""
        return {"id": str(self.id), "host": self.host, "hostUrl": self.host_url,
                "apiUrl": self.service.api_url, "scopes": sorted(self.tokens.scopes),
                "connectedAt": self.connected_at.isoformat().replace("+00:00", "Z")}


@dataclass(frozen=True)
class Refused:
    """A credential a pull did not keep: ``check`` and ``code`` of the first check it
    failed (``None`` when it could not even be stored), and why in words."""

    index: int
    name: str | None
    check: str | None
    code: str | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "name": self.name, "check": self.check,
                "code": self.code, "reason": self.reason}


@dataclass(frozen=True)
class Pulled:
    """What a pull did: the records it added, how many it already had, what it refused."""

    imported: tuple[CredentialRecord, ...]
    duplicates: int
    refused: tuple[Refused, ...]


@dataclass(frozen=True)
class Revocation:
    """Whether the host confirmed the revocation of the connection's tokens, and if not,
    why."""

    revoked: bool
    problem: str | None = None


# --- sealed JSON -----------------------------------------------------------------------


def _service_json(service: client.ServiceDescription) -> dict[str, Any]:
    return {"apiUrl": service.api_url, "registrationUrl": service.registration_url,
            "authorizationUrl": service.authorization_url, "tokenUrl": service.token_url,
            "revocationUrl": service.revocation_url, "scopes": sorted(service.scopes),
            "allowHttpHosts": sorted(service.allow_http_hosts)}


def _service_of(value: Mapping[str, Any]) -> client.ServiceDescription:
    return client.ServiceDescription(
        api_url=value["apiUrl"], registration_url=value["registrationUrl"],
        authorization_url=value["authorizationUrl"], token_url=value["tokenUrl"],
        revocation_url=value["revocationUrl"], scopes=frozenset(value["scopes"]),
        allow_http_hosts=frozenset(value["allowHttpHosts"]))


def _registration_json(registration: ClientRegistration) -> dict[str, str]:
    return {"clientId": registration.client_id, "clientSecret": registration.client_secret}


def _registration_of(value: Mapping[str, Any]) -> ClientRegistration:
    return ClientRegistration(client_id=value["clientId"], client_secret=value["clientSecret"])


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _connection_json(connection: Connection) -> dict[str, Any]:
    tokens = connection.tokens
    return {"hostUrl": connection.host_url, "service": _service_json(connection.service),
            "registration": _registration_json(connection.registration),
            "tokens": {"accessToken": tokens.access_token, "refreshToken": tokens.refresh_token,
                       "scopes": sorted(tokens.scopes), "expiresIn": tokens.expires_in},
            "expiresAt": _when(connection.expires_at),
            "connectedAt": _when(connection.connected_at)}


def _connection_of(connection_id: uuid.UUID, value: Mapping[str, Any]) -> Connection:
    tokens = value["tokens"]
    expires_at = value["expiresAt"]
    return Connection(
        id=connection_id, host_url=value["hostUrl"], service=_service_of(value["service"]),
        registration=_registration_of(value["registration"]),
        tokens=Tokens(access_token=tokens["accessToken"], refresh_token=tokens["refreshToken"],
                      scopes=frozenset(tokens["scopes"]), expires_in=tokens["expiresIn"]),
        expires_at=None if expires_at is None else datetime.fromisoformat(expires_at),
        connected_at=datetime.fromisoformat(value["connectedAt"]))


def _seal(wallet: UnlockedWallet, record_id: uuid.UUID, kind: str,
          value: Mapping[str, Any]) -> bytes:
    return wallet_crypto.seal_record(
        wallet.data_key, json.dumps(value, separators=(",", ":")).encode("utf-8"),
        account_id=wallet.account.id, record_id=record_id, kind=kind)


def _open(wallet: UnlockedWallet, record_id: uuid.UUID, kind: str, blob: bytes) -> Any:
    return json.loads(wallet_crypto.open_record(
        wallet.data_key, blob, account_id=wallet.account.id, record_id=record_id, kind=kind))


def _expiry(tokens: Tokens, now: datetime) -> datetime | None:
    return None if tokens.expires_in is None else now + timedelta(seconds=tokens.expires_in)


# --- pulled credentials ------------------------------------------------------------------


def _identity(credential: str | Mapping[str, Any]) -> str:
    """The same for the same credential however its JSON was laid out: the JWT itself, or
    the document with sorted keys."""
    if isinstance(credential, str):
        return credential.strip()
    return json.dumps(credential, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _name_of(credential: str | Mapping[str, Any]) -> str | None:
    if isinstance(credential, str):
        return None
    name = credential.get("name")
    return name[:200] if isinstance(name, str) else None


def _first_failure(report: VerificationReport) -> tuple[str | None, str | None, str]:
    for check in report.checks:
        if check.id not in ADVISORY_CHECKS and check.outcome in (Outcome.FAILED,
                                                                  Outcome.ERROR):
            return check.id, check.code, check.message or f"{check.id}: {check.code}"
    if report.errors:
        problem = report.errors[0]
        return None, problem.code, problem.message
    return None, None, "the credential did not verify"


# --- the connections ----------------------------------------------------------------------


class OBConnections:
    """A holder's connections, on the database, the protocol state store and ``send``;
    ``allow_http_hosts`` are the hosts plain http may reach (development and tests)."""

    def __init__(self, *, db: DatabaseConfig, states: ProtocolStore, send: Send,
                 allow_http_hosts: Collection[str] = ()) -> None:
        self._db = db
        self._states = states
        self._send = send
        self._allow_http_hosts = frozenset(allow_http_hosts)

    # Connecting.

    async def start(self, wallet: UnlockedWallet, *, host_url: str, session_id: str,
                    redirect_uri: str, metadata: Mapping[str, Any], now: datetime) -> str:
        """Discover and register at the host of ``host_url``; the URL of its authorization
        page. ``session_id`` names the wallet session the browser must come back in;
        ``metadata`` is this client's RFC 7591 registration (its ``redirect_uris`` and
        ``scope`` are set here)."""
        service = await client.discover(self._send, host_url,
                                        allow_http_hosts=self._allow_http_hosts)
        asked = [scope for scope in SCOPES if scope in service.scopes]
        if not asked:
            raise ProtocolError("invalid_response", "the host offers none of the scopes a "
                                "wallet needs to exchange badges", status=502)
        registration = await client.register(self._send, service, metadata={
            **metadata, "redirect_uris": [redirect_uri], "scope": " ".join(asked)})
        url, pending = client.authorization_request(service, registration,
                                                    redirect_uri=redirect_uri, scopes=asked)
        record_id = uuid.uuid4()
        sealed = _seal(wallet, record_id, _PENDING, {
            "sessionId": session_id, "hostUrl": host_url, "service": _service_json(service),
            "registration": _registration_json(registration),
            "pending": {"state": pending.state, "codeVerifier": pending.code_verifier,
                        "redirectUri": pending.redirect_uri}})
        await self._states.save(_PENDING, digest(pending.state), {
            "recordId": str(record_id), "sealed": base64.b64encode(sealed).decode("ascii")},
            expires_at=now + PENDING_LIFETIME)
        return url

    async def finish(self, wallet: UnlockedWallet, *, session_id: str,
                     callback: Mapping[str, str], now: datetime) -> Connection:
        """Complete the connection the browser came back for (``callback``: ``state`` and
        ``code``, or the host's ``error``) and keep it."""
        state = callback.get("state", "")
        key = digest(state) if state and len(state) <= 500 else None
        entry = None if key is None else await self._states.get(_PENDING, key, now=now)
        kept: Any = None
        if entry is not None:
            try:
                kept = _open(wallet, uuid.UUID(str(entry.get("recordId"))), _PENDING,
                             base64.b64decode(str(entry.get("sealed"))))
            except (StorageError, ValueError):
                kept = None
        if not isinstance(kept, dict) or kept.get("sessionId") != session_id:
            raise ProtocolError("invalid_state", "this wallet session started no connection "
                                "with this state, or it has expired; connect again")
        # Once only: a second return with the same state is refused from here on.
        if key is None or await self._states.consume(_PENDING, key, now=now) is None:
            raise ProtocolError("invalid_state", "this connection was already completed")
        service, registration = _service_of(kept["service"]), _registration_of(
            kept["registration"])
        pending = PendingAuthorization(state=kept["pending"]["state"],
                                       code_verifier=kept["pending"]["codeVerifier"],
                                       redirect_uri=kept["pending"]["redirectUri"])
        tokens = await client.exchange_code(self._send, service, registration, pending,
                                            callback=callback)
        connection = Connection(id=uuid.uuid4(), host_url=kept["hostUrl"], service=service,
                                registration=registration, tokens=tokens,
                                expires_at=_expiry(tokens, now), connected_at=now)
        async with self._db.sessionmaker()() as session, session.begin():
            await queries.insert_connection(
                session, connection_id=connection.id, account_id=wallet.account.id,
                sealed=_seal(wallet, connection.id, _KIND, _connection_json(connection)),
                now=now)
        return connection

    # Reading.

    async def list(self, wallet: UnlockedWallet) -> list[Connection]:
        """The wallet's connections, oldest first."""
        async with self._db.sessionmaker(write=False)() as session, session.begin():
            rows = await queries.connections(session, wallet.account.id)
        return [_connection_of(row.id, _open(wallet, row.id, _KIND, row.sealed)) for row in rows]

    async def _usable(self, wallet: UnlockedWallet, connection_id: uuid.UUID, *,
                      now: datetime) -> Connection:
        """The connection with an access token that has not expired, renewed first when
        needed (holding the row, see the module docstring)."""
        async with self._db.sessionmaker()() as session, session.begin():
            row = await queries.lock_connection(session, wallet.account.id, connection_id)
            if row is None:
                raise ConnectionNotFound()
            connection = _connection_of(row.id, _open(wallet, row.id, _KIND, row.sealed))
            if connection.expires_at is None or connection.expires_at > now + _EARLY:
                return connection
            tokens = await client.refresh(self._send, connection.service,
                                          connection.registration, connection.tokens)
            connection = replace(connection, tokens=tokens, expires_at=_expiry(tokens, now))
            row.sealed = _seal(wallet, row.id, _KIND, _connection_json(connection))
            row.updated_at = now
        return connection

    # Using.

    async def push(self, wallet: UnlockedWallet, connection_id: uuid.UUID,
                   record: CredentialRecord, *, now: datetime) -> bool:
        """Send one of the wallet's credentials to the host (``upsertCredential``); True
        when it replaced one the host had."""
        connection = await self._usable(wallet, connection_id, now=now)
        return await client.upsert_credential(self._send, connection.service,
                                               connection.tokens, record.document())

    async def pull(self, wallet: UnlockedWallet, connection_id: uuid.UUID, *, verify: Verify,
                   now: datetime) -> Pulled:
        """Take the host's credentials into the wallet: each verified with ``verify``
        first, none kept twice."""
        connection = await self._usable(wallet, connection_id, now=now)
        found = await client.get_credentials(self._send, connection.service,
                                             connection.tokens, max_items=MAX_PULL)
        held = {_identity(record.document()) for record in await wallet.list_credentials()}
        imported: list[CredentialRecord] = []
        refused: list[Refused] = []
        duplicates = 0
        for index, credential in enumerate(found):
            identity = _identity(credential)
            if identity in held:
                duplicates += 1
                continue
            report = await verify(credential)
            if not report.verified:
                check, code, reason = _first_failure(report)
                refused.append(Refused(index, _name_of(credential), check, code, reason))
                continue
            text = credential if isinstance(credential, str) else json.dumps(
                credential, ensure_ascii=False)
            try:
                imported.append(await wallet.add_credential(text, now=now))
            except (CredentialError, UnicodeEncodeError) as exc:
                refused.append(Refused(index, _name_of(credential), None, "not_storable",
                                       str(exc)))
                continue
            held.add(identity)
        return Pulled(imported=tuple(imported), duplicates=duplicates, refused=tuple(refused))

    # Disconnecting.

    async def disconnect(self, wallet: UnlockedWallet, connection_id: uuid.UUID) -> Revocation:
        """Revoke the connection's tokens at the host, then delete it whatever the host
        said: the refresh token first (at most hosts that ends the grant), then the access
        token."""
        async with self._db.sessionmaker(write=False)() as session, session.begin():
            row = await queries.get_connection(session, wallet.account.id, connection_id)
        if row is None:
            raise ConnectionNotFound()
        connection = _connection_of(row.id, _open(wallet, row.id, _KIND, row.sealed))
        tokens: Sequence[tuple[str | None, str]] = (
            (connection.tokens.refresh_token, "refresh_token"),
            (connection.tokens.access_token, "access_token"))
        problem = None
        for token, hint in tokens:
            if token is None:
                continue
            try:
                await client.revoke(self._send, connection.service, connection.registration,
                                    token, hint=hint)
            except (ProtocolError, FetchError) as exc:
                problem = problem or exc.message
        async with self._db.sessionmaker()() as session, session.begin():
            await queries.delete_connection(session, wallet.account.id, connection_id)
        return Revocation(revoked=problem is None, problem=problem)

"""A client of another host's Open Badges 3.0 API: how a holder connects this wallet to
another badge host, then pulls badges from it or pushes badges to it.

The steps follow section "Open Badges API" → "Getting started": :func:`discover` reads the
host's Service Description Document, :func:`register` registers this client there (RFC 7591),
:func:`authorization_request` builds the URL to send the holder's browser to (authorization
code with PKCE ``S256`` and a fresh ``state``), :func:`exchange_code` turns the code the
browser comes back with into tokens, and :func:`get_credentials`, :func:`upsert_credential`
and :func:`get_profile` use them (:func:`refresh` renews them, :func:`revoke` ends them at
the host, RFC 7009).

No I/O happens here but through the injected :class:`Send`, whose every URL this module has
checked first (https, or plain http only for ``allow_http_hosts``);
``SafeFetcher.send`` fits, and adds the SSRF policy of the fetcher. Every failure raises
``ProtocolError``: the host's own OAuth ``error`` code when it sent one, ``invalid_response``
for an answer this client cannot use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, urlencode, urlsplit

from vcbadges.errors import ProtocolError
from vcbadges.oauth.common import HTTPResponse, check_url, new_secret, safe_text, strict_json
from vcbadges.obapi.discovery import API_PATH
from vcbadges.obapi.scopes import scope_string

__all__ = [
    "Send",
    "ServiceDescription",
    "ClientRegistration",
    "PendingAuthorization",
    "Tokens",
    "discover",
    "register",
    "authorization_request",
    "exchange_code",
    "refresh",
    "get_credentials",
    "upsert_credential",
    "get_profile",
    "revoke",
]

_MAX_PAGES = 1000
_LINK_NEXT = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?')


class Send(Protocol):
    """Send one HTTP request and return the response whatever its status, following no
    redirect: a ``form``, a ``json`` body, a ``text/plain`` body or nothing, with extra
    ``headers``."""

    async def __call__(
        self, method: str, url: str, *, form: Mapping[str, str] | None = None,
        json: Any = None, text: str | None = None, headers: Mapping[str, str] | None = None,
    ) -> HTTPResponse: ...


def _invalid(description: str) -> ProtocolError:
    return ProtocolError("invalid_response", description, status=502)


def _json(response: HTTPResponse, what: str) -> Any:
    return strict_json(response.body, error="invalid_response", what=what, status=502)


def _refused(response: HTTPResponse, what: str) -> ProtocolError:
    """The host's OAuth error (or ``Imsx_StatusInfo`` description) as a ``ProtocolError``."""
    try:
        body = _json(response, what)
    except ProtocolError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        text = body.get("error_description")
        return ProtocolError(safe_text(body["error"], 60), safe_text(
            f"{what}: {text if isinstance(text, str) else body['error']}"), status=502)
    if isinstance(body, dict) and isinstance(body.get("imsx_description"), str):
        # A resource endpoint's 401 means the access token is no longer accepted (RFC 6750).
        code = "invalid_token" if response.status == 401 else "refused"
        return ProtocolError(code, safe_text(
            f"{what}: HTTP {response.status}: {body['imsx_description']}"), status=502)
    return ProtocolError("refused", f"{what}: HTTP {response.status}", status=502)


@dataclass(frozen=True)
class ServiceDescription:
    """What this client uses of a host's Service Description Document."""

    api_url: str
    registration_url: str
    authorization_url: str
    token_url: str
    scopes: frozenset[str]
    allow_http_hosts: frozenset[str]
    #: The RFC 7009 endpoint (``x-imssf-revocationUrl``), when the host names one.
    revocation_url: str | None = None

    def url(self, value: Any, what: str) -> str:
        return check_url(value, what=what, error="invalid_response",
                         allow_http_hosts=self.allow_http_hosts)


async def discover(send: Send, host_url: str, *,
                   allow_http_hosts: Collection[str] = ()) -> ServiceDescription:
    """Read the Service Description Document of the host at ``host_url`` (its public URL,
    or the discovery URL itself)."""
    hosts = frozenset(allow_http_hosts)
    base = check_url(host_url, what="the host URL", error="invalid_request",
                     allow_http_hosts=hosts).rstrip("/")
    url = base if base.endswith(API_PATH + "/discovery") else base + API_PATH + "/discovery"
    response = await send("GET", url, headers={"Accept": "application/json"})
    if response.status != 200:
        raise _refused(response, "discovery")
    document = _json(response, "the service description")
    try:
        scheme = document["components"]["securitySchemes"]["OAuth2ACG"]
        flow = scheme["flows"]["authorizationCode"]
        scopes = flow["scopes"]
        servers = document["servers"]
        api = servers[0]["url"]
        registration = scheme["x-imssf-registrationUrl"]
        authorization, token = flow["authorizationUrl"], flow["tokenUrl"]
    except (KeyError, IndexError, TypeError):
        raise _invalid("the service description has no OAuth2ACG scheme or servers") from None
    if not isinstance(scopes, dict):
        raise _invalid("the service description lists no scopes")
    revocation = flow.get("x-imssf-revocationUrl") if isinstance(flow, dict) else None

    def checked(value: Any, what: str) -> str:
        return check_url(value, what=what, error="invalid_response", allow_http_hosts=hosts)

    return ServiceDescription(
        api_url=checked(api, "servers[0].url").rstrip("/"),
        registration_url=checked(registration, "x-imssf-registrationUrl"),
        authorization_url=checked(authorization, "authorizationUrl"),
        token_url=checked(token, "tokenUrl"), scopes=frozenset(scopes),
        allow_http_hosts=hosts,
        revocation_url=None if revocation is None else checked(
            revocation, "x-imssf-revocationUrl"))


@dataclass(frozen=True)
class ClientRegistration:
    client_id: str
    client_secret: str

    def basic(self) -> dict[str, str]:
        """The HTTP Basic header of RFC 6749 §2.3.1 (each part form-encoded first)."""
        pair = f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode("ascii")}


async def register(send: Send, service: ServiceDescription, *, metadata: Mapping[str, Any],
                   ) -> ClientRegistration:
    """Register this client with ``metadata`` (the RFC 7591 members the spec requires:
    ``client_name``, ``client_uri``, ``logo_uri``, ``tos_uri``, ``policy_uri``,
    ``software_id``, ``software_version``, ``redirect_uris``, ``scope``)."""
    response = await send("POST", service.registration_url, json=dict(metadata))
    if response.status not in (200, 201):
        raise _refused(response, "registration")
    body = _json(response, "the registration response")
    client_id = body.get("client_id") if isinstance(body, dict) else None
    secret = body.get("client_secret") if isinstance(body, dict) else None
    if not isinstance(client_id, str) or not client_id or not isinstance(secret, str):
        raise _invalid("the registration response has no client_id and client_secret")
    return ClientRegistration(client_id=client_id, client_secret=secret)


@dataclass(frozen=True)
class PendingAuthorization:
    """What to keep between sending the browser away and its return."""

    state: str
    code_verifier: str
    redirect_uri: str


def authorization_request(
    service: ServiceDescription, registration: ClientRegistration, *, redirect_uri: str,
    scopes: Sequence[str],
) -> tuple[str, PendingAuthorization]:
    """The authorization URL to send the holder's browser to, and what to keep meanwhile."""
    verifier, state = new_secret(48), new_secret()
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")
    query = urlencode({
        "response_type": "code", "client_id": registration.client_id,
        "redirect_uri": redirect_uri, "scope": scope_string(scopes), "state": state,
        "code_challenge": challenge, "code_challenge_method": "S256"})
    separator = "&" if urlsplit(service.authorization_url).query else "?"
    return (service.authorization_url + separator + query,
            PendingAuthorization(state=state, code_verifier=verifier, redirect_uri=redirect_uri))


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    scopes: frozenset[str]
    #: The access token's lifetime in seconds, when the host said (``expires_in``).
    expires_in: int | None = None

    def bearer(self) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.access_token}


async def _token_request(send: Send, service: ServiceDescription,
                         registration: ClientRegistration, form: dict[str, str],
                         previous: Tokens | None = None) -> Tokens:
    response = await send("POST", service.token_url, form=form, headers=registration.basic())
    if response.status != 200:
        raise _refused(response, "token request")
    body = _json(response, "the token response")
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str) \
            or str(body.get("token_type", "")).lower() != "bearer":
        raise _invalid("the token response has no Bearer access_token")
    refresh_token = body.get("refresh_token")
    if not isinstance(refresh_token, str):
        refresh_token = previous.refresh_token if previous is not None else None
    scope = body.get("scope")
    scopes = frozenset(scope.split()) if isinstance(scope, str) else (
        previous.scopes if previous is not None else frozenset())
    expires_in = body.get("expires_in")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in <= 0:
        expires_in = None
    return Tokens(access_token=body["access_token"], refresh_token=refresh_token,
                  scopes=scopes, expires_in=expires_in)


async def exchange_code(
    send: Send, service: ServiceDescription, registration: ClientRegistration,
    pending: PendingAuthorization, *, callback: Mapping[str, str],
) -> Tokens:
    """The tokens for the query the browser came back with (``code`` and ``state``, or the
    host's ``error``). A ``state`` other than the one sent is refused (``invalid_state``)."""
    state = callback.get("state", "")
    if not hmac.compare_digest(state.encode(), pending.state.encode()):
        raise ProtocolError("invalid_state", "the state does not match the request's")
    if "error" in callback:
        raise ProtocolError(safe_text(callback["error"], 60), safe_text(
            callback.get("error_description", "the host refused the authorization")))
    code = callback.get("code")
    if not code:
        raise ProtocolError("invalid_request", "the callback carries no code")
    return await _token_request(send, service, registration, {
        "grant_type": "authorization_code", "code": code,
        "redirect_uri": pending.redirect_uri, "code_verifier": pending.code_verifier})


async def refresh(send: Send, service: ServiceDescription, registration: ClientRegistration,
                  tokens: Tokens) -> Tokens:
    """New tokens for the refresh token of ``tokens`` (which is spent)."""
    if tokens.refresh_token is None:
        raise ProtocolError("invalid_grant", "there is no refresh token")
    return await _token_request(send, service, registration, {
        "grant_type": "refresh_token", "refresh_token": tokens.refresh_token}, tokens)


def _items(body: Any) -> list[str | dict[str, Any]]:
    if not isinstance(body, dict):
        raise _invalid("getCredentials answered something other than a JSON object")
    found: list[str | dict[str, Any]] = []
    for item in body.get("credential", []):
        if not isinstance(item, dict):
            raise _invalid("a credential in the response is not a JSON object")
        found.append(item)
    for item in body.get("compactJwsString", []):
        if not isinstance(item, str):
            raise _invalid("a compactJwsString in the response is not a string")
        found.append(item)
    return found


async def get_credentials(send: Send, service: ServiceDescription, tokens: Tokens, *,
                          max_items: int | None = None) -> list[str | dict[str, Any]]:
    """Every credential the host holds for the holder, page after page (``Link`` ``next``,
    RFC 8288), JWTs as their compact strings; more than ``max_items`` is refused
    (``invalid_response``). Not verified here: the caller verifies each before keeping it."""
    url: str | None = service.api_url + "/credentials"
    found: list[str | dict[str, Any]] = []
    for _ in range(_MAX_PAGES):
        if url is None:
            return found
        response = await send("GET", url, headers={**tokens.bearer(),
                                                   "Accept": "application/json"})
        if response.status != 200:
            raise _refused(response, "getCredentials")
        found.extend(_items(_json(response, "the getCredentials response")))
        if max_items is not None and len(found) > max_items:
            raise _invalid(f"the host sent more than {max_items} credentials")
        match = _LINK_NEXT.search(response.headers.get("link", ""))
        url = service.url(match.group(1), "the next page") if match else None
    raise _invalid(f"getCredentials has more than {_MAX_PAGES} pages")


async def upsert_credential(send: Send, service: ServiceDescription, tokens: Tokens,
                            credential: str | Mapping[str, Any]) -> bool:
    """Send one credential to the host (a JWT as ``text/plain``, a JSON document as is);
    True when it replaced one the host had (200), False when it was new (201)."""
    url = service.api_url + "/credentials"
    if isinstance(credential, str):
        response = await send("POST", url, text=credential, headers=tokens.bearer())
    else:
        response = await send("POST", url, json=dict(credential), headers=tokens.bearer())
    if response.status not in (200, 201):
        raise _refused(response, "upsertCredential")
    return response.status == 200


async def get_profile(send: Send, service: ServiceDescription, tokens: Tokens) -> dict[str, Any]:
    response = await send("GET", service.api_url + "/profile",
                          headers={**tokens.bearer(), "Accept": "application/json"})
    if response.status != 200:
        raise _refused(response, "getProfile")
    body = _json(response, "the profile")
    if not isinstance(body, dict):
        raise _invalid("the profile is not a JSON object")
    return body


async def revoke(send: Send, service: ServiceDescription, registration: ClientRegistration,
                 token: str, *, hint: str) -> None:
    """Revoke ``token`` at the host (RFC 7009), ``hint`` being ``access_token`` or
    ``refresh_token``. The host answers 200 for a token it did not know too (§2.2), so
    success says the token no longer works, not that it did before. Raises
    ``ProtocolError`` (``unsupported_token_type`` when the host names no revocation
    endpoint)."""
    if service.revocation_url is None:
        raise ProtocolError("unsupported_token_type",
                            "the host names no revocation endpoint", status=502)
    response = await send("POST", service.revocation_url,
                          form={"token": token, "token_type_hint": hint},
                          headers=registration.basic())
    if response.status != 200:
        raise _refused(response, "revocation")

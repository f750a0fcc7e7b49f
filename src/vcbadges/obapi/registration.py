"""Dynamic client registration (RFC 7591) as the Open Badges 3.0 API profiles it (section
"Dynamic Client Registration").

A client sends its metadata once, before its first authorization request: ``client_name``,
``client_uri``, ``logo_uri``, ``tos_uri``, ``policy_uri``, ``software_id``,
``software_version``, ``redirect_uris`` and ``scope`` are required; ``contacts``,
``token_endpoint_auth_method`` (only ``client_secret_basic``), ``grant_types``
(``authorization_code`` and ``refresh_token``) and ``response_types`` (``code``) are optional.
The answer repeats the accepted metadata with a new ``client_id`` and ``client_secret``
(which never expires: ``client_secret_expires_at`` 0). Bad metadata is refused with RFC 7591
§3.2.2 ``invalid_redirect_uri`` or ``invalid_client_metadata``.

Only the SHA-256 of the secret is stored; the client authenticates at the token and
revocation endpoints with HTTP Basic (RFC 6749 §2.3.1).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vcbadges.errors import ProtocolError
from vcbadges.oauth.common import check_url, digest, new_secret, safe_text, timestamp
from vcbadges.obapi.scopes import parse_scope, scope_string

__all__ = ["ClientMetadata", "read_metadata", "Registered", "new_registration"]

_REQUIRED_TEXT = ("client_name", "software_id", "software_version")
_REQUIRED_URLS = ("client_uri", "logo_uri", "tos_uri", "policy_uri")
_GRANT_TYPES = frozenset({"authorization_code", "refresh_token"})
_MAX_TEXT = 200
_MAX_URL = 1000
_MAX_REDIRECTS = 10
_MAX_CONTACTS = 10


def _metadata_error(description: str) -> ProtocolError:
    return ProtocolError("invalid_client_metadata", safe_text(description))


def _text(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_TEXT:
        raise _metadata_error(f"{name} is a string of 1 to {_MAX_TEXT} characters")
    return value


def _url(value: Any, name: str, *, error: str, allow_http_hosts: Collection[str]) -> str:
    if isinstance(value, str) and len(value) > _MAX_URL:
        raise ProtocolError(error, f"{name} is longer than {_MAX_URL} characters")
    return check_url(value, what=name, error=error, allow_http_hosts=allow_http_hosts)


def _string_list(value: Any, name: str, *, limit: int) -> list[str]:
    if not isinstance(value, list) or not 0 < len(value) <= limit \
            or not all(isinstance(v, str) and 0 < len(v) <= _MAX_URL for v in value):
        raise _metadata_error(f"{name} is a list of 1 to {limit} strings")
    return list(value)


@dataclass(frozen=True)
class ClientMetadata:
    """A client's accepted registration metadata (as the registration response shows it)."""

    values: dict[str, Any]

    @property
    def client_name(self) -> str:
        return str(self.values["client_name"])

    @property
    def redirect_uris(self) -> tuple[str, ...]:
        return tuple(self.values["redirect_uris"])

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(str(self.values["scope"]).split())

    @property
    def grant_types(self) -> frozenset[str]:
        return frozenset(self.values["grant_types"])


def read_metadata(body: Any, *, allow_http_hosts: Collection[str] = ()) -> ClientMetadata:
    """The metadata of a registration request body, checked; raises ``ProtocolError``.

    URLs must be https (plain http only for ``allow_http_hosts``) without a fragment.
    Members this service does not know are ignored (RFC 7591 §2).
    """
    if not isinstance(body, dict):
        raise _metadata_error("the registration request is a JSON object")
    values: dict[str, Any] = {name: _text(body, name) for name in _REQUIRED_TEXT}
    for name in _REQUIRED_URLS:
        values[name] = _url(body.get(name), name, error="invalid_client_metadata",
                            allow_http_hosts=allow_http_hosts)
    redirects = body.get("redirect_uris")
    if not isinstance(redirects, list) or not 0 < len(redirects) <= _MAX_REDIRECTS:
        raise ProtocolError("invalid_redirect_uri",
                            f"redirect_uris is a list of 1 to {_MAX_REDIRECTS} URLs")
    values["redirect_uris"] = [
        _url(uri, "each redirect URI", error="invalid_redirect_uri",
             allow_http_hosts=allow_http_hosts) for uri in redirects]
    values["scope"] = scope_string(parse_scope(body.get("scope"),
                                               error="invalid_client_metadata"))
    method = body.get("token_endpoint_auth_method", "client_secret_basic")
    if method != "client_secret_basic":
        raise _metadata_error("token_endpoint_auth_method must be client_secret_basic")
    values["token_endpoint_auth_method"] = method
    grants = body.get("grant_types", sorted(_GRANT_TYPES))
    if not isinstance(grants, list) or not set(grants) <= _GRANT_TYPES \
            or "authorization_code" not in grants:
        raise _metadata_error("grant_types is authorization_code, and may add refresh_token")
    values["grant_types"] = sorted(set(grants))
    if body.get("response_types", ["code"]) != ["code"]:
        raise _metadata_error("response_types must be [\"code\"]")
    values["response_types"] = ["code"]
    if "contacts" in body:
        values["contacts"] = _string_list(body["contacts"], "contacts", limit=_MAX_CONTACTS)
    return ClientMetadata(values)


@dataclass(frozen=True)
class Registered:
    """A new registration: what to store and what to answer."""

    client_id: str
    secret_hash: str
    metadata: ClientMetadata
    response: dict[str, Any]


def new_registration(metadata: ClientMetadata, *, now: datetime) -> Registered:
    """A new client id and secret for ``metadata``; the secret appears only in the
    response."""
    client_id, secret = new_secret(18), new_secret(32)
    response = {"client_id": client_id, "client_secret": secret,
                "client_id_issued_at": timestamp(now), "client_secret_expires_at": 0,
                **metadata.values}
    return Registered(client_id=client_id, secret_hash=digest(secret), metadata=metadata,
                      response=response)

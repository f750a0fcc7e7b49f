"""Small pieces the OpenID4VCI and OpenID4VP modules share: secrets, clocks, URLs, strict JSON,
HTTP shapes.

Nothing here does I/O. The wallet side talks HTTP only through the two injected callables
described by :class:`Fetch` and :class:`Post`; ``SafeFetcher.get`` already has the shape of
``Fetch``, so a caller can pass it as is.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from vcbadges.errors import JSONInputError, ProtocolError
from vcbadges.primitives.dates import utcnow
from vcbadges.primitives.jsonlimits import loads_strict

__all__ = [
    "HTTPResponse",
    "Fetch",
    "Post",
    "new_secret",
    "digest",
    "current",
    "timestamp",
    "from_timestamp",
    "strict_json",
    "check_url",
    "HttpAllowed",
    "wallet_url",
    "form_pairs",
    "safe_text",
]


class HTTPResponse(Protocol):
    """What the wallet needs from an HTTP response; ``vcbadges.net.FetchResponse`` fits.

    Header names are lower case.
    """

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def body(self) -> bytes: ...


class Fetch(Protocol):
    """GET ``url`` with an ``Accept`` header and return the response.

    ``SafeFetcher.get`` is one (https only, no private addresses, size and time caps). It may
    raise ``FetchError`` for refused URLs, transport failures and non-2xx statuses.
    """

    async def __call__(self, url: str, *, accept: str) -> HTTPResponse: ...


class Post(Protocol):
    """POST to ``url`` a form (``application/x-www-form-urlencoded``), a JSON body, or nothing,
    with extra ``headers``; return the response whatever its status (an error response carries
    the protocol's ``error`` code in its JSON body). It must not follow redirects.
    """

    async def __call__(
        self,
        url: str,
        *,
        form: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> HTTPResponse: ...


def new_secret(nbytes: int = 32) -> str:
    """A fresh unguessable value, base64url without padding (``nbytes`` bytes of entropy)."""
    return secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    """The key a secret is stored under: its SHA-256, so the store never holds the secret.

    Pre-authorized codes, access tokens and nonces are bearer values with 256 bits of entropy;
    a plain hash is enough to keep a read of the store from turning into their use.
    """
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def current(now: datetime | None) -> datetime:
    """``now``, or the wall clock when the caller gives none; always timezone-aware."""
    when = now if now is not None else utcnow()
    if when.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return when.astimezone(UTC)


def timestamp(when: datetime) -> int:
    return int(when.timestamp())


def from_timestamp(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def strict_json(data: bytes | str, *, error: str, what: str, status: int = 400) -> Any:
    """Parse strict JSON (the project's one parser: no duplicate members, no NaN, bounded);
    raise ``ProtocolError(error)``."""
    try:
        return loads_strict(data)
    except JSONInputError as exc:
        raise ProtocolError(error, f"{what} is not valid JSON", status=status) from exc


def check_url(
    url: Any, *, what: str, error: str, allow_http_hosts: Collection[str] = ()
) -> str:
    """Return ``url`` if it is an absolute https URL (http only for ``allow_http_hosts``)
    without credentials or fragment; raise ``ProtocolError(error)`` otherwise.

    The same rule ``SafeFetcher`` applies to the URLs it reads; a wallet checks the URLs it will
    send data to (token, credential and response endpoints) with it before any request.
    """
    if not isinstance(url, str) or not url:
        raise ProtocolError(error, f"{what} is missing or not a string")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - parsing the port validates it.
    except ValueError as exc:
        raise ProtocolError(error, f"{what} is not a valid URL") from exc
    if not host or parts.username is not None or parts.password is not None:
        raise ProtocolError(error, f"{what} must be an absolute URL with a host and no "
                                   "credentials")
    if parts.fragment:
        raise ProtocolError(error, f"{what} must not have a fragment")
    allowed = {h.rstrip(".").lower() for h in allow_http_hosts}
    scheme = parts.scheme.lower()
    if scheme == "https" or (scheme == "http" and host.rstrip(".").lower() in allowed):
        return url
    raise ProtocolError(error, f"{what} must use https")


#: Which plain-http URLs a wallet may also use (its own service's origin, exactly).
HttpAllowed = Callable[[str], bool]


def wallet_url(value: Any, what: str, allow_http_hosts: Collection[str],
               http_allowed: HttpAllowed | None) -> str:
    """``check_url`` (an ``invalid_request``), with plain http also for what
    ``http_allowed`` accepts: the wallet's one rule for the URLs an offer or request names."""
    hosts = allow_http_hosts
    if http_allowed is not None and isinstance(value, str) and http_allowed(value):
        hosts = {*allow_http_hosts, urlsplit(value).hostname or ""}
    return check_url(value, what=what, error="invalid_request", allow_http_hosts=hosts)


def form_pairs(form: Any, *, error: str = "invalid_request") -> dict[str, str]:
    """The parameters of a form body as a dict of strings.

    ``form`` is a mapping; a multidict (whose ``items()`` repeats a name given twice) is
    welcome, since RFC 6749 §3.1 forbids repeating a parameter and the repetition is refused
    here. Values must be strings.
    """
    if not isinstance(form, Mapping):
        raise ProtocolError(error, "the request body must be a form")
    out: dict[str, str] = {}
    for name, value in form.items():
        if name in out:
            raise ProtocolError(error, safe_text(f"the parameter {name} is repeated"))
        if not isinstance(name, str) or not isinstance(value, str):
            raise ProtocolError(error, safe_text(f"the parameter {name} is not a string"))
        out[name] = value
    return out


def safe_text(text: str, limit: int = 200) -> str:
    """``text`` reduced to what an OAuth ``error_description`` may hold (RFC 6749 §5.2:
    printable ASCII without ``"`` and ``\\``), shortened to ``limit`` characters; for messages
    that quote untrusted input."""
    cleaned = "".join(c if " " <= c <= "~" and c not in "\"\\" else "?" for c in text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 3] + "..."

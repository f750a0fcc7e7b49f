"""The holder's credentials through the API: ``getCredentials`` and ``upsertCredential``.

Only Open Badges 3.0 credentials travel (``OpenBadgeCredential`` or ``AchievementCredential``
in their ``type``): a wallet may also hold other things (Open Badges 2.0 assertions), which
this API has no place for. A credential is exchanged exactly as the wallet keeps it: JSON
documents in ``credential``, VC-JWTs in ``compactJwsString`` (section "getCredentials").

Paging (section "Paging"): ``limit`` (1 to :data:`MAX_LIMIT`, default :data:`MAX_LIMIT`) and
``offset`` (from 0) over the credentials oldest first, after the ``since`` filter (issued,
i.e. ``validFrom`` or ``issuanceDate``, after that instant); the total goes in
``X-Total-Count`` and the ``first``, ``prev``, ``next`` and ``last`` pages in ``Link``
(RFC 8288).

``upsertCredential`` replaces the credential with the same ``id`` (a JWT's is the ``id`` of
the credential it carries) when the wallet has one, and adds it otherwise. The
caller verifies it first: a wallet keeps no credential it could not verify.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from vcbadges.credentials.vcdm import types_of
from vcbadges.errors import JSONInputError, ProofError
from vcbadges.obapi.status import ResourceError
from vcbadges.primitives.dates import parse_datetime
from vcbadges.primitives.jsonlimits import loads_strict
from vcbadges.proofs.jose import looks_like_jwt, read_jwt_credential
from vcbadges.wallet import CredentialRecord, UnlockedWallet

__all__ = [
    "MAX_LIMIT",
    "OB_TYPES",
    "Paging",
    "Page",
    "read_paging",
    "credentials_page",
    "link_header",
    "Upserted",
    "Received",
    "read_credential",
    "upsert",
]

#: The largest page, and the page size when ``limit`` is not given.
MAX_LIMIT = 100
OB_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int
    since: datetime | None


def _integer(value: str, name: str, minimum: int) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 9 or int(value) < minimum:
        raise ResourceError(400, "invalid_query_parameter",
                            f"{name} is an integer of at least {minimum}")
    return int(value)


def read_paging(query: Mapping[str, str]) -> Paging:
    """``limit``, ``offset`` and ``since`` of a ``getCredentials`` query; 400
    ``invalid_query_parameter`` for a bad value or an unknown parameter."""
    unknown = sorted(set(query) - {"limit", "offset", "since"})
    if unknown:
        raise ResourceError(400, "invalid_query_parameter",
                            f"unknown query parameter {unknown[0][:40]!r}")
    limit = min(_integer(query["limit"], "limit", 1), MAX_LIMIT) if "limit" in query \
        else MAX_LIMIT
    offset = _integer(query["offset"], "offset", 0) if "offset" in query else 0
    since = None
    if "since" in query:
        try:
            since = parse_datetime(query["since"])
        except ValueError:
            raise ResourceError(400, "invalid_query_parameter",
                                "since is a date-time with a time zone") from None
    return Paging(limit=limit, offset=offset, since=since)


def _document(record: CredentialRecord) -> dict[str, Any] | None:
    if record.format == "jwt":
        try:
            return read_jwt_credential(record.credential.strip())
        except ProofError:
            return None
    document = record.document()
    return document if isinstance(document, dict) else None


def _issued(document: Mapping[str, Any]) -> datetime | None:
    for name in ("validFrom", "issuanceDate"):
        try:
            return parse_datetime(document.get(name))
        except ValueError:
            continue
    return None


def _is_open_badge(document: Mapping[str, Any] | None) -> bool:
    return document is not None and bool(OB_TYPES & set(types_of(document)))


@dataclass(frozen=True)
class Page:
    """One page of ``getCredentials``: the response body and the total before paging."""

    body: dict[str, Any]
    total: int


async def credentials_page(wallet: UnlockedWallet, paging: Paging) -> Page:
    """The page of the wallet's Open Badges that ``paging`` asks for."""
    chosen: list[CredentialRecord] = []
    for record in await wallet.list_credentials():
        document = _document(record)
        if not _is_open_badge(document):
            continue
        if paging.since is not None:
            issued = _issued(document or {})
            if issued is None or issued <= paging.since:
                continue
        chosen.append(record)
    page = chosen[paging.offset:paging.offset + paging.limit]
    body: dict[str, Any] = {
        "credential": [r.document() for r in page if r.format == "json"],
        "compactJwsString": [r.credential.strip() for r in page if r.format == "jwt"],
    }
    return Page(body=body, total=len(chosen))


def link_header(url: str, paging: Paging, total: int, query: Mapping[str, str]) -> str:
    """The ``Link`` header of a page (RFC 8288): ``first`` and ``last`` always, ``prev`` and
    ``next`` when there are such pages; ``url`` is the endpoint without a query."""
    def link(offset: int, rel: str) -> str:
        params = {k: v for k, v in query.items() if k == "since"}
        params.update(limit=str(paging.limit), offset=str(offset))
        return f'<{url}?{urlencode(params)}>; rel="{rel}"'

    last = max(0, (total - 1) // paging.limit * paging.limit) if total else 0
    links = [link(0, "first")]
    if paging.offset > 0:
        links.append(link(max(0, min(paging.offset - paging.limit, last)), "prev"))
    if paging.offset + paging.limit < total:
        links.append(link(paging.offset + paging.limit, "next"))
    links.append(link(last, "last"))
    return ", ".join(links)


@dataclass(frozen=True)
class Upserted:
    record: CredentialRecord
    replaced: bool


@dataclass(frozen=True)
class Received:
    """An ``upsertCredential`` body: the text exactly as sent, and what to verify (the
    JSON document, or the JWT itself)."""

    text: str
    document: dict[str, Any]
    verifiable: str | dict[str, Any]


def read_credential(content_type: str, raw: bytes) -> Received:
    """The credential of an ``upsertCredential`` body: a JSON object (``application/json``)
    or a compact JWS (``text/plain``); 400 ``invalid_data`` for anything else, 415 for
    another media type."""
    if content_type == "text/plain":
        try:
            text = raw.decode("ascii").strip()
        except UnicodeDecodeError:
            text = ""
        if not looks_like_jwt(text):
            raise ResourceError(400, "invalid_data", "the body is not a compact JWS")
        try:
            document = read_jwt_credential(text)
        except ProofError:
            raise ResourceError(400, "invalid_data",
                                "the JWT does not carry a credential") from None
        if not _is_open_badge(document):
            raise ResourceError(400, "invalid_data", "the JWT does not carry an Open Badge")
        return Received(text=text, document=document, verifiable=text)
    if content_type != "application/json":
        raise ResourceError(415, "not_acceptable",
                            "send the credential as application/json or text/plain")
    try:
        value = loads_strict(raw, max_bytes=len(raw) or 1)
        text = raw.decode("utf-8")
    except (JSONInputError, UnicodeDecodeError):
        raise ResourceError(400, "invalid_data", "the body is not valid JSON") from None
    if not isinstance(value, dict) or not _is_open_badge(value):
        raise ResourceError(400, "invalid_data",
                            "the body is not an OpenBadgeCredential or AchievementCredential")
    return Received(text=text, document=value, verifiable=value)


async def upsert(wallet: UnlockedWallet, received: Received, *, now: datetime) -> Upserted:
    """Add the credential to the wallet (its text as sent), then delete any other with the
    same ``id``: added first, so that a failure never leaves the wallet without either."""
    earlier = []
    wanted = received.document.get("id")
    if isinstance(wanted, str) and wanted:
        for record in await wallet.list_credentials():
            document = _document(record)
            if document is not None and document.get("id") == wanted:
                earlier.append(record.id)
    record = await wallet.add_credential(received.text, now=now)
    for record_id in earlier:
        await wallet.delete_credential(record_id)
    return Upserted(record=record, replaced=bool(earlier))

"""What a verification depends on, and turning raw input into a JSON object."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from vcbadges import report as r
from vcbadges.dids.resolver import default_resolver
from vcbadges.errors import JSONInputError
from vcbadges.jsonld.canon import DEFAULT_MAX_WORK
from vcbadges.jsonld.loader import DocumentLoader, StaticLoader
from vcbadges.primitives.jsonlimits import check_value, loads_strict
from vcbadges.report import Check, Outcome
from vcbadges.verifier.listcache import VerifiedListCache
from vcbadges.verifier.registry import IssuerRegistries
from vcbadges.verifier.trust import TrustList

FetchJSON = Callable[[str], Awaitable[Any]]

__all__ = ["DEFAULT_SKEW", "MAX_JSON_BYTES", "MAX_JSON_DEPTH", "MAX_ENDORSEMENT_DEPTH",
           "FetchJSON", "VerifyOptions", "Checked", "parse_document"]

MAX_JSON_BYTES = 1 << 20
MAX_JSON_DEPTH = 64
DEFAULT_SKEW = timedelta(minutes=5)
# Endorsements may themselves carry endorsements; deeper nesting is not followed.
MAX_ENDORSEMENT_DEPTH = 2

@dataclass(frozen=True)
class VerifyOptions:
    """Everything a verification depends on, passed in rather than read from globals.

    ``trusted_issuers`` (a trust list) and ``registries`` (issuer registries) name the issuers
    the verifier recognises; they decide the ``issuer_trust`` check, a verdict reported beside
    ``verified``, never part of it. ``fetch_json`` reads status
    lists and legacy Open Badges 2.0 documents; without it those checks end in ``error``
    (could not decide), never in a pass. ``verified_lists`` lets a long-running service skip
    re-verifying status list credentials it has verified recently.
    """

    loader: DocumentLoader = field(default_factory=StaticLoader)
    resolver: Any = field(default_factory=default_resolver)
    now: datetime | None = None
    skew: timedelta = DEFAULT_SKEW
    trusted_issuers: TrustList | None = None
    max_work: int = DEFAULT_MAX_WORK
    fetch_json: FetchJSON | None = None
    verified_lists: VerifiedListCache | None = None
    registries: IssuerRegistries | None = None


@dataclass(frozen=True)
class Checked:
    """A document :func:`parse_document` has accepted already, handed on so that the next
    verifier does not walk it again (the depth check visits every value)."""

    value: dict[str, Any]


def parse_document(document: Any) -> tuple[Any, Check | None]:
    """Accept a parsed object, or JSON text/bytes; return it or a failed ``document`` check.

    Text is read by the project's one strict parser (no NaN, Infinity or repeated member
    names, bounded size and depth); an object handed in already gets the same limits.
    """
    if isinstance(document, Checked):
        return document.value, None
    try:
        if isinstance(document, (bytes, bytearray, str)):
            document = loads_strict(bytes(document) if isinstance(document, bytearray)
                                    else document, max_bytes=MAX_JSON_BYTES,
                                    max_depth=MAX_JSON_DEPTH)
        if not isinstance(document, dict):
            return None, _failed(r.DOCUMENT, r.NOT_AN_OBJECT, "document must be a JSON object")
        check_value(document, max_depth=MAX_JSON_DEPTH, max_nodes=MAX_JSON_BYTES // 2,
                    max_chars=MAX_JSON_BYTES)
    except JSONInputError as exc:
        return None, _failed(r.DOCUMENT, exc.code, exc.message)
    return document, None


def _failed(check_id: str, code: str, message: str) -> Check:
    return Check(check_id, Outcome.FAILED, code, message)

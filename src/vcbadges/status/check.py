"""Checking a credential's ``credentialStatus`` entries against their status lists.

One :class:`~vcbadges.report.Check` per entry, in document order, whatever the entry's
position: a credential whose second entry says "revoked" fails even if the first says
nothing. I/O is injected: ``fetch_list(url)`` returns the parsed list document and
``verify_list(document)`` checks the list credential's own proof, so this module never
touches the network and never imports the proof layer.

Supported status methods:

- ``BitstringStatusListEntry`` (W3C Bitstring Status List v1.0): purposes ``revocation``,
  ``suspension``, ``refresh`` and ``message``, any ``statusSize`` from 1 to 16 bits, with
  ``statusMessage``. Follows the spec's Validate Algorithm: dereference, verify every proof,
  match the purpose, expand, check the length against 131,072 entries, read the index.
- ``StatusList2021Entry`` (the predecessor, VC 1.1): purposes ``revocation`` and
  ``suspension``, one bit per entry, ``encodedList`` with or without the multibase prefix.
- ``1EdTechRevocationList`` (1EdTech Revocation List Status Method, VCRL-10): a JSON list
  of revoked credential ids served at ``credentialStatus.id``. See
  :func:`_check_1edtech` for what is and is not verified for it.

Outcomes: ``passed`` when the list was trusted and says the status is clear (or the purpose
never invalidates); ``failed`` when the credential is revoked or suspended, or its own entry
is malformed; ``error`` when we could not decide (list unreachable, unverified, from another
issuer, malformed, too large, a purpose we do not know). An ``error`` is never a pass, so a
report with one is not verified.

Deliberate choices where the specs leave room:

- The list must come from the credential's issuer (``status_list_issuer_mismatch``). The
  spec allows another issuer to own the list; accepting one safely needs a trust decision
  the caller has not given us.
- A list shorter than the spec's minimum is an ``error``, since a verifier following the
  spec raises STATUS_LIST_LENGTH_ERROR. Pass ``min_entries`` for an ecosystem that sets a
  lower bound.
- The ``message`` purpose never fails a credential: the spec leaves the meaning of each
  message to the issuer. The message is reported in the check's ``message`` and ``detail``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from vcbadges.errors import StatusError, VCBadgesError
from vcbadges.primitives.dates import is_after, is_before, parse_datetime
from vcbadges.report import STATUS_PREFIX, Check, Outcome
from vcbadges.status.bitstring import (
    DEFAULT_MAX_LIST_BYTES,
    MIN_LIST_ENTRIES,
    STATUS_INDEX_OUT_OF_RANGE,
    STATUS_LIST_MALFORMED,
    STATUS_LIST_TOO_LARGE,
    STATUS_LIST_TOO_SHORT,
    check_length,
    decode_list,
    get_status,
)
from vcbadges.status.decodecache import DecodeCache

__all__ = [
    "ListVerification",
    "FetchList",
    "VerifyList",
    "check_status",
    "BITSTRING_STATUS_LIST_ENTRY",
    "STATUS_LIST_2021_ENTRY",
    "ONEEDTECH_REVOCATION_LIST",
    "MAX_STATUS_SIZE",
    "MAX_LISTS",
    "OK",
    "NOT_REVOKED",
    "NOT_SUSPENDED",
    "REVOKED",
    "SUSPENDED",
    "REFRESH_AVAILABLE",
    "STATUS_LIST_UNREACHABLE",
    "STATUS_LIST_UNVERIFIED",
    "STATUS_LIST_ISSUER_MISMATCH",
    "STATUS_PURPOSE_MISMATCH",
    "STATUS_ENTRY_MALFORMED",
    "STATUS_TYPE_UNSUPPORTED",
    "STATUS_PURPOSE_UNSUPPORTED",
    "STATUS_SIZE_UNSUPPORTED",
    "STATUS_TOO_MANY_LISTS",
    "STATUS_LIST_MALFORMED",
    "STATUS_LIST_TOO_LARGE",
    "STATUS_LIST_TOO_SHORT",
    "STATUS_INDEX_OUT_OF_RANGE",
]

BITSTRING_STATUS_LIST_ENTRY = "BitstringStatusListEntry"
STATUS_LIST_2021_ENTRY = "StatusList2021Entry"
ONEEDTECH_REVOCATION_LIST = "1EdTechRevocationList"

# Status sizes above this are refused as unsupported (the spec allows a conforming
# processor to support only size 1); 16 bits already needs 65,536 statusMessage entries.
MAX_STATUS_SIZE = 16
# Distinct lists fetched for one credential; entries naming further lists are not fetched,
# so a crafted credential cannot turn one verification into thousands of requests.
MAX_LISTS = 16
DEFAULT_SKEW = timedelta(minutes=5)

# Check codes. Passed: the status is clear (or informational).
OK = "ok"
NOT_REVOKED = "not_revoked"
NOT_SUSPENDED = "not_suspended"
REFRESH_AVAILABLE = "refresh_available"
# Failed: the credential is revoked or suspended, or its own entry is malformed.
REVOKED = "revoked"
SUSPENDED = "suspended"
STATUS_ENTRY_MALFORMED = "status_entry_malformed"
# Error: could not decide.
STATUS_LIST_UNREACHABLE = "status_list_unreachable"
STATUS_LIST_UNVERIFIED = "status_list_unverified"
STATUS_LIST_ISSUER_MISMATCH = "status_list_issuer_mismatch"
STATUS_PURPOSE_MISMATCH = "status_purpose_mismatch"
STATUS_TYPE_UNSUPPORTED = "status_type_unsupported"
STATUS_PURPOSE_UNSUPPORTED = "status_purpose_unsupported"
STATUS_SIZE_UNSUPPORTED = "status_size_unsupported"
STATUS_TOO_MANY_LISTS = "status_too_many_lists"

# Codes whose outcome is "failed": the credential itself is wrong or its status is bad.
_FAILED_CODES = frozenset({REVOKED, SUSPENDED, STATUS_ENTRY_MALFORMED, STATUS_INDEX_OUT_OF_RANGE})

_Kind = Literal["bitstring", "sl2021", "1edtech"]
_TYPES: dict[str, _Kind] = {
    BITSTRING_STATUS_LIST_ENTRY: "bitstring",
    STATUS_LIST_2021_ENTRY: "sl2021",
    ONEEDTECH_REVOCATION_LIST: "1edtech",
}
_PURPOSES: dict[_Kind, frozenset[str]] = {
    "bitstring": frozenset({"revocation", "suspension", "refresh", "message"}),
    "sl2021": frozenset({"revocation", "suspension"}),
    "1edtech": frozenset({"revocation"}),
}
# The list credential type and list (credentialSubject) type each entry type requires.
_LIST_TYPES: dict[_Kind, tuple[str, str]] = {
    "bitstring": ("BitstringStatusListCredential", "BitstringStatusList"),
    "sl2021": ("StatusList2021Credential", "StatusList2021"),
}
_INDEX = re.compile(r"[0-9]+")
_HEX_STATUS = re.compile(r"0x[0-9a-fA-F]+")
_PURPOSE_ID = re.compile(r"[a-z][a-z0-9_]{0,31}")
_DEFAULT_MESSAGES = {0: "unset", 1: "set"}
# Decoded lists, shared by every check in the process (decoding is a pure function).
_DECODED = DecodeCache()


@dataclass(frozen=True)
class ListVerification:
    """What ``verify_list`` concluded about a status list credential.

    ``verified`` means every proof verified, was made by the list's issuer, and the list is
    within its validity period. ``issuer`` is the issuer id the proof was checked for (used
    to compare with the credential's issuer); ``code`` and ``message`` explain a refusal.
    """

    verified: bool
    issuer: str | None = None
    code: str = OK
    message: str = ""


FetchList = Callable[[str], Awaitable[Any]]
VerifyList = Callable[[dict[str, Any]], Awaitable[ListVerification]]


@dataclass(frozen=True)
class _Entry:
    """One well-formed status entry, reduced to what the check needs."""

    kind: _Kind
    type: str
    purpose: str
    url: str
    index: int = 0
    size: int = 1
    # Status value → message, from the entry's statusMessage (empty when it has none).
    messages: dict[int, str] = field(default_factory=dict)
    reference: Any = None


class _Undecided(Exception):
    """Internal: carries a finished check out of a nested step."""

    def __init__(self, code: str, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail


def _outcome(code: str) -> Outcome:
    return Outcome.FAILED if code in _FAILED_CODES else Outcome.ERROR


def _entries(credential: dict[str, Any]) -> list[Any]:
    value = credential.get("credentialStatus")
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _type_names(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str)]


def _node_id(value: Any) -> str | None:
    """The id of a value that is either an id string or an object with ``id``."""
    value = value.get("id") if isinstance(value, dict) else value
    return value if isinstance(value, str) and value else None


def _purpose_slug(entry: Any) -> str:
    """The purpose part of the check id; ``revocation`` when the entry names none.

    A purpose that is not a short snake_case word is folded into one, so check ids stay
    predictable whatever text a credential carries.
    """
    purpose = entry.get("statusPurpose") if isinstance(entry, dict) else None
    if not isinstance(purpose, str) or ONEEDTECH_REVOCATION_LIST in _type_names(
            entry.get("type")):
        return "revocation"
    if _PURPOSE_ID.fullmatch(purpose):
        return purpose
    slug = re.sub(r"[^a-z0-9]+", "_", purpose.lower()).strip("_")[:32]
    return slug if slug and slug[0].isalpha() else "unknown"


def _check_ids(entries: list[Any]) -> list[str]:
    """``status_<purpose>``, with ``_2``, ``_3`` … on repeats so every id is unique."""
    seen: dict[str, int] = {}
    ids = []
    for entry in entries:
        base = STATUS_PREFIX + _purpose_slug(entry)
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}_{seen[base]}")
    return ids


def _is_url(value: Any) -> bool:
    if not isinstance(value, str) or not value or value != value.strip():
        return False
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


def _parse_messages(entry: dict[str, Any], size: int) -> dict[int, str]:
    """Read ``statusMessage`` for an entry of ``size`` bits (spec 2.1).

    The array must hold exactly 2**size objects, each with a ``0x``-prefixed hex ``status``
    and a ``message`` string. Returns an empty mapping when it is absent (allowed for one
    bit, where the spec names the values "unset" and "set").
    """
    raw = entry.get("statusMessage")
    if raw is None:
        if size > 1:
            raise _Undecided(STATUS_ENTRY_MALFORMED,
                             "statusMessage is required when statusSize is greater than 1")
        return {}
    count = 1 << size
    if not isinstance(raw, list) or len(raw) != count:
        raise _Undecided(STATUS_ENTRY_MALFORMED,
                         f"statusMessage must be an array of {count} entries for "
                         f"statusSize {size}")
    messages: dict[int, str] = {}
    for item in raw:
        status = item.get("status") if isinstance(item, dict) else None
        text = item.get("message") if isinstance(item, dict) else None
        if not isinstance(status, str) or _HEX_STATUS.fullmatch(status) is None \
                or not isinstance(text, str):
            raise _Undecided(STATUS_ENTRY_MALFORMED,
                             "each statusMessage entry needs a hex status (0x…) and a message")
        value = int(status, 16)
        if value >= count or value in messages:
            raise _Undecided(STATUS_ENTRY_MALFORMED,
                             f"statusMessage status {status} is repeated or does not fit "
                             f"in {size} bit(s)")
        messages[value] = text
    return messages


def _parse_index(value: Any) -> int:
    """``statusListIndex``: an integer ≥ 0 written as a base-10 string (spec 2.1)."""
    if not isinstance(value, str) or _INDEX.fullmatch(value) is None:
        raise _Undecided(STATUS_ENTRY_MALFORMED,
                         "statusListIndex must be a non-negative integer written as a string")
    try:
        return int(value)
    except ValueError:  # More digits than Python converts; no list is that long anyway.
        raise _Undecided(STATUS_INDEX_OUT_OF_RANGE,
                         "statusListIndex is beyond the end of any status list") from None


def _parse_entry(entry: Any) -> _Entry:
    """Validate one ``credentialStatus`` entry; raise ``_Undecided`` with the reason if not."""
    if not isinstance(entry, dict):
        raise _Undecided(STATUS_ENTRY_MALFORMED, "a credentialStatus entry must be an object")
    names = _type_names(entry.get("type"))
    if not names:
        raise _Undecided(STATUS_ENTRY_MALFORMED, "the credentialStatus entry has no type")
    known = [n for n in names if n in _TYPES]
    if not known:
        raise _Undecided(STATUS_TYPE_UNSUPPORTED,
                         f"status type {', '.join(names)} is not supported", type=names)
    type_name = known[0]
    kind = _TYPES[type_name]
    if kind == "1edtech":
        if not _is_url(entry.get("id")):
            raise _Undecided(STATUS_ENTRY_MALFORMED,
                             "a 1EdTechRevocationList entry needs the list URL as its id")
        return _Entry(kind, type_name, "revocation", entry["id"])
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        raise _Undecided(STATUS_ENTRY_MALFORMED, "statusPurpose must be a non-empty string")
    if not _is_url(entry.get("statusListCredential")):
        raise _Undecided(STATUS_ENTRY_MALFORMED, "statusListCredential must be a URL")
    index = _parse_index(entry.get("statusListIndex"))
    if purpose not in _PURPOSES[kind]:
        raise _Undecided(STATUS_PURPOSE_UNSUPPORTED,
                         f"status purpose {purpose!r} of {type_name} is not supported",
                         statusPurpose=purpose)
    size, messages = 1, {}
    if kind == "bitstring":
        size = entry.get("statusSize", 1)
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise _Undecided(STATUS_ENTRY_MALFORMED,
                             "statusSize must be an integer greater than zero")
        if size > MAX_STATUS_SIZE:
            raise _Undecided(STATUS_SIZE_UNSUPPORTED,
                             f"statusSize {size} is larger than the {MAX_STATUS_SIZE} bits "
                             "supported")
        messages = _parse_messages(entry, size)
    return _Entry(kind, type_name, purpose, entry["statusListCredential"], index, size,
                  messages, entry.get("statusReference"))


@dataclass
class _Lists:
    """Per-call caches: each list URL is fetched, verified and decoded at most once."""

    fetch_list: FetchList
    verify_list: VerifyList
    max_bytes: int
    documents: dict[str, Any] = field(default_factory=dict)
    verifications: dict[str, ListVerification | VCBadgesError] = field(default_factory=dict)
    decoded: dict[str, bytes | StatusError] = field(default_factory=dict)

    async def load_all(self, urls: list[str], *, verify: Collection[str]) -> None:
        """Fetch every list of ``urls`` and verify those in ``verify``, the lists
        concurrently (a lone list is awaited directly, sparing a task).

        Once every list is done, the first exception that is not a ``VCBadgesError`` is
        raised: a bug or a cancellation is not a verdict about a list.
        """
        loads = [self._load(url, verify=url in verify) for url in urls]
        if len(loads) == 1:
            await loads[0]
            return
        for result in await asyncio.gather(*loads, return_exceptions=True):
            if isinstance(result, BaseException):
                raise result

    async def _load(self, url: str, *, verify: bool) -> None:
        try:
            document = await self.fetch_list(url)
        except VCBadgesError as exc:
            self.documents[url] = exc
            return
        self.documents[url] = document
        if not verify or not isinstance(document, dict):
            return
        try:
            result: ListVerification | VCBadgesError = await self.verify_list(document)
        except VCBadgesError as exc:
            result = exc
        if not isinstance(result, (ListVerification, VCBadgesError)):
            raise TypeError("verify_list must return a ListVerification")
        self.verifications[url] = result

    def decode(self, url: str, encoded: Any, *, require_prefix: bool) -> bytes:
        cached = self.decoded.get(url)
        if cached is None:
            try:
                if require_prefix and not (isinstance(encoded, str) and encoded[:1] == "u"):
                    raise StatusError("encodedList must be multibase base64url (prefix u)",
                                      code=STATUS_LIST_MALFORMED)
                if isinstance(encoded, str):
                    cached = _DECODED.decode(encoded, max_bytes=self.max_bytes)
                else:  # decode_list refuses it, in its own words.
                    cached = decode_list(encoded, max_bytes=self.max_bytes, min_bytes=0)
            except StatusError as exc:
                cached = exc
            self.decoded[url] = cached
        if isinstance(cached, StatusError):
            raise _Undecided(cached.code, cached.message)
        return cached


def _list_subject(document: dict[str, Any]) -> dict[str, Any]:
    subject = document.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, dict):
        raise _Undecided(STATUS_LIST_MALFORMED,
                         "the status list credential has no single credentialSubject")
    return subject


def _check_list_validity(document: dict[str, Any], now: datetime, skew: timedelta) -> None:
    """The list's own validity period, under VCDM 2.0 or 1.1 names."""
    start_name = "validFrom" if "validFrom" in document else "issuanceDate"
    end_name = "validUntil" if "validUntil" in document else "expirationDate"
    try:
        start = parse_datetime(document[start_name]) if start_name in document else None
        end = parse_datetime(document[end_name]) if end_name in document else None
    except ValueError as exc:
        raise _Undecided(STATUS_LIST_MALFORMED,
                         f"the status list credential has an invalid date: {exc}") from exc
    if start is not None and is_before(now, start, skew):
        raise _Undecided(STATUS_LIST_UNVERIFIED,
                         f"the status list is not valid before {start.isoformat()}",
                         reason="not_yet_valid")
    if end is not None and is_after(now, end, skew):
        raise _Undecided(STATUS_LIST_UNVERIFIED,
                         f"the status list expired at {end.isoformat()}", reason="expired")


def _fetched(lists: _Lists, url: str) -> dict[str, Any]:
    document = lists.documents.get(url)
    if isinstance(document, VCBadgesError):
        raise _Undecided(STATUS_LIST_UNREACHABLE,
                         f"the status list {url} could not be fetched: {document.message}",
                         cause=document.code)
    if not isinstance(document, dict):
        raise _Undecided(STATUS_LIST_MALFORMED, f"the status list {url} is not a JSON object")
    return document


def _check_w3c(
    entry: _Entry, lists: _Lists, *, issuer: str, now: datetime, skew: timedelta,
    min_entries: int,
) -> tuple[str, str, dict[str, Any]]:
    """Bitstring Status List 3.2 Validate Algorithm (and StatusList2021's, which it extends).

    Returns ``(code, message, detail)`` for a decided status; raises ``_Undecided``
    otherwise.
    """
    document = _fetched(lists, entry.url)
    verification = lists.verifications.get(entry.url)
    if isinstance(verification, VCBadgesError):
        raise _Undecided(STATUS_LIST_UNVERIFIED,
                         f"the status list credential did not verify: {verification.message}",
                         cause=verification.code)
    if verification is None or not verification.verified:
        reason = verification.message if verification is not None else "not checked"
        raise _Undecided(STATUS_LIST_UNVERIFIED,
                         f"the status list credential did not verify: {reason}",
                         cause=verification.code if verification is not None else None)
    list_issuer = verification.issuer or _node_id(document.get("issuer"))
    if list_issuer != issuer:
        raise _Undecided(STATUS_LIST_ISSUER_MISMATCH,
                         f"the status list is issued by {list_issuer}, not by the credential's "
                         f"issuer {issuer}", list_issuer=list_issuer)
    _check_list_validity(document, now, skew)
    credential_type, list_type = _LIST_TYPES[entry.kind]
    subject = _list_subject(document)
    if credential_type not in _type_names(document.get("type")) \
            or list_type not in _type_names(subject.get("type")):
        raise _Undecided(STATUS_LIST_MALFORMED,
                         f"a {entry.type} must point at a {credential_type} whose subject is "
                         f"a {list_type}")
    purposes = _type_names(subject.get("statusPurpose"))
    if entry.purpose not in purposes:
        raise _Undecided(STATUS_PURPOSE_MISMATCH,
                         f"the entry's purpose is {entry.purpose} but the list's is "
                         f"{', '.join(purposes) or 'missing'}", list_purposes=purposes)
    bits = lists.decode(entry.url, subject.get("encodedList"),
                        require_prefix=entry.kind == "bitstring")
    try:
        check_length(bits, size=entry.size, min_entries=min_entries)
        value = get_status(bits, entry.index, size=entry.size)
    except StatusError as exc:
        raise _Undecided(exc.code, exc.message, statusListIndex=str(entry.index)) from exc
    return _verdict(entry, value)


def _verdict(entry: _Entry, value: int) -> tuple[str, str, dict[str, Any]]:
    """Turn a status value into a code, by purpose (spec 2.1, statusPurpose)."""
    detail: dict[str, Any] = {
        "type": entry.type,
        "statusListCredential": entry.url,
        "statusListIndex": str(entry.index),
        "status": hex(value),
    }
    if entry.size != 1:
        detail["statusSize"] = entry.size
    text = entry.messages.get(value)
    if text is not None:
        detail["message"] = text
    if isinstance(entry.reference, (str, list)):
        detail["statusReference"] = entry.reference
    if entry.purpose == "revocation":
        return (REVOKED, "the credential has been revoked", detail) if value \
            else (NOT_REVOKED, "the credential has not been revoked", detail)
    if entry.purpose == "suspension":
        return (SUSPENDED, "the credential is suspended", detail) if value \
            else (NOT_SUSPENDED, "the credential is not suspended", detail)
    if entry.purpose == "refresh":
        return (REFRESH_AVAILABLE, "an updated credential is available from its refresh service",
                detail) if value else (OK, "no refresh is signalled", detail)
    # "message": informational; the spec leaves what each message means to the issuer.
    # Without statusMessage the spec's names for a one-bit entry are "unset" and "set".
    if text is None:
        text = _DEFAULT_MESSAGES.get(value, "undefined") if entry.size == 1 else "undefined"
        detail["message"] = text
    return OK, f"status message {hex(value)}: {detail['message']}", detail


def _check_1edtech(
    entry: _Entry, lists: _Lists, *, credential: dict[str, Any], issuer: str,
) -> tuple[str, str, dict[str, Any]]:
    """1EdTech Revocation List Status Method (VCRL-10).

    ``credentialStatus.id`` is the URL of a JSON document
    ``{"id", "issuer", "revokedCredentials": [{"id", "revoked"?, "revocationReason"?}]}``.
    A credential is revoked when its ``id`` appears there with ``revoked`` true or absent.

    What is verified: the list URL itself, since it sits inside the credential's signed
    ``credentialStatus``; that the list is well formed; and, when the list names an
    ``issuer``, that it is the credential's issuer. What is not: the list carries no proof,
    so its content is only as trustworthy as the HTTPS fetch that delivered it, and a list
    without ``issuer`` cannot be tied to the issuer at all (reported as
    ``issuer_checked: false``). Only the document the URL returns is read: if an issuer
    splits a long list into pages, revocations on later pages are not seen. The VCRL text
    itself was not available when this was written; the format follows the Open Badges 3.0
    verification section and the 1EdTech validator's quotation of VCRL.
    """
    credential_id = credential.get("id")
    if not isinstance(credential_id, str) or not credential_id:
        raise _Undecided(STATUS_ENTRY_MALFORMED,
                         "1EdTechRevocationList identifies credentials by id, and this "
                         "credential has none")
    document = _fetched(lists, entry.url)
    list_issuer = _node_id(document.get("issuer"))
    if "issuer" in document and list_issuer != issuer:
        raise _Undecided(STATUS_LIST_ISSUER_MISMATCH,
                         f"the revocation list is published by {list_issuer}, not by the "
                         f"credential's issuer {issuer}", list_issuer=list_issuer)
    # VCRL names the array revokedCredentials; the 1EdTech validator reads revokedCredential.
    # Both are read, so a list written for either is never mistaken for an empty one.
    items: list[Any] = []
    for name in ("revokedCredentials", "revokedCredential"):
        if name in document:
            value = document[name]
            if not isinstance(value, list):
                raise _Undecided(STATUS_LIST_MALFORMED, f"the revocation list's {name} must "
                                 "be an array")
            items.extend(value)
    if "revokedCredentials" not in document and "revokedCredential" not in document:
        raise _Undecided(STATUS_LIST_MALFORMED,
                         "the revocation list has no revokedCredentials array")
    detail: dict[str, Any] = {"type": entry.type, "revocationList": entry.url,
                              "list_signed": False, "issuer_checked": list_issuer is not None}
    for item in items:
        if item == credential_id:
            return REVOKED, "the credential has been revoked", detail
        if not isinstance(item, dict) or item.get("id") != credential_id:
            continue
        revoked = item.get("revoked", True)
        if not isinstance(revoked, bool):
            raise _Undecided(STATUS_LIST_MALFORMED,
                             "the revocation list's revoked value must be a boolean")
        if revoked:
            reason = item.get("revocationReason")
            if isinstance(reason, str):
                detail["revocationReason"] = reason
            suffix = f": {reason}" if isinstance(reason, str) and reason else ""
            return REVOKED, f"the credential has been revoked{suffix}", detail
    return NOT_REVOKED, "the credential is not on its issuer's revocation list", detail


async def check_status(
    credential: dict[str, Any],
    *,
    issuer: str,
    fetch_list: FetchList,
    verify_list: VerifyList,
    now: datetime,
    min_entries: int = MIN_LIST_ENTRIES,
    max_list_bytes: int = DEFAULT_MAX_LIST_BYTES,
    skew: timedelta = DEFAULT_SKEW,
) -> list[Check]:
    """Check every ``credentialStatus`` entry of ``credential``; one ``Check`` per entry.

    ``issuer`` is the credential's (already verified) issuer id; every status list must come
    from it. ``fetch_list(url)`` returns the parsed list document or raises a
    ``VCBadgesError`` (reported as ``status_list_unreachable``). ``verify_list(document)``
    verifies a W3C status list credential's proofs and returns a :class:`ListVerification`
    (raising ``VCBadgesError`` counts as unverified). ``now`` and ``skew`` bound the list's
    validity period. ``min_entries`` is the minimum list length (the spec's 131,072 unless an
    ecosystem sets a lower bound) and ``max_list_bytes`` caps a list's decompressed size.

    Each list URL is fetched and verified once per call, however many entries name it, and
    at most :data:`MAX_LISTS` distinct lists are fetched. Returns an empty list when the
    credential has no ``credentialStatus``. Never raises for a bad credential or list;
    exceptions other than ``VCBadgesError`` from the injected functions propagate.
    """
    raw_entries = _entries(credential)
    ids = _check_ids(raw_entries)
    parsed: list[_Entry | _Undecided] = []
    for raw in raw_entries:
        try:
            parsed.append(_parse_entry(raw))
        except _Undecided as exc:
            parsed.append(exc)

    urls: list[str] = []
    for item in parsed:
        if isinstance(item, _Entry) and item.url not in urls and len(urls) < MAX_LISTS:
            urls.append(item.url)
    lists = _Lists(fetch_list, verify_list, max_list_bytes)
    # Only W3C list credentials carry proofs; a 1EdTech revocation list is plain JSON.
    await lists.load_all(urls, verify={
        i.url for i in parsed if isinstance(i, _Entry) and i.kind != "1edtech"})

    checks: list[Check] = []
    for check_id, item in zip(ids, parsed, strict=True):
        try:
            if isinstance(item, _Undecided):
                raise item
            if item.url not in lists.documents:
                raise _Undecided(STATUS_TOO_MANY_LISTS,
                                 f"the credential names more than {MAX_LISTS} status lists; "
                                 "this one was not fetched", statusListCredential=item.url)
            if item.kind == "1edtech":
                code, message, detail = _check_1edtech(item, lists, credential=credential,
                                                       issuer=issuer)
            else:
                code, message, detail = _check_w3c(item, lists, issuer=issuer, now=now,
                                                   skew=skew, min_entries=min_entries)
        except _Undecided as exc:
            detail = {k: v for k, v in exc.detail.items() if v is not None}
            if isinstance(item, _Entry):
                detail.setdefault("type", item.type)
                detail.setdefault("statusList", item.url)
            checks.append(Check(check_id, _outcome(exc.code), exc.code, exc.message, detail))
            continue
        outcome = Outcome.FAILED if code in _FAILED_CODES else Outcome.PASSED
        checks.append(Check(check_id, outcome, code, message, detail))
    return checks

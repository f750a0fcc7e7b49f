"""W3C Verifiable Credentials Data Model 1.1 and 2.0: versions, dates, and summaries.

vcbadges issues VCDM 2.0 by default and accepts VCDM 1.1 everywhere; the two differ in their
base context and in the names of the validity dates, which is all this module needs to know.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from vcbadges.errors import CredentialError
from vcbadges.primitives.dates import parse_datetime

__all__ = [
    "VC_V1",
    "VC_V2",
    "Version",
    "version_of",
    "types_of",
    "issuer_id",
    "validity_window",
    "subjects",
    "summary",
]

VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"

Version = Literal["1.1", "2.0"]


def version_of(document: dict[str, Any]) -> Version:
    """The data model version, from the first ``@context`` entry; ``CredentialError`` if none."""
    context = document.get("@context")
    first = context[0] if isinstance(context, list) and context else context
    if first == VC_V2:
        return "2.0"
    if first == VC_V1:
        return "1.1"
    raise CredentialError(
        "the first @context must be the VC 2.0 or VC 1.1 context", code="missing_context"
    )


def types_of(node: Any) -> list[str]:
    """The ``type`` values of a node as a list of strings (empty when absent or malformed)."""
    if not isinstance(node, dict):
        return []
    value = node.get("type")
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str)]


def issuer_id(document: dict[str, Any]) -> str:
    """The issuer's id, whether ``issuer`` is a URL or a Profile object."""
    issuer = document.get("issuer")
    value = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(value, str) or not value:
        raise CredentialError("credential has no issuer id", code="missing_issuer")
    return value


def validity_window(document: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    """``(valid from, valid until)`` under either data model; ``CredentialError`` if malformed."""
    if version_of(document) == "2.0":
        names = ("validFrom", "validUntil")
    else:
        names = ("issuanceDate", "expirationDate")
    out: list[datetime | None] = []
    for name in names:
        if name not in document:
            out.append(None)
            continue
        try:
            out.append(parse_datetime(document[name]))
        except ValueError as exc:
            raise CredentialError(f"{name} is not a valid date-time: {exc}",
                                  code="invalid_date") from exc
    return out[0], out[1]


def subjects(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Each ``credentialSubject`` object."""
    value = document.get("credentialSubject")
    for subject in value if isinstance(value, list) else [value]:
        if isinstance(subject, dict):
            yield subject


def _name(node: Any) -> str | None:
    if isinstance(node, dict):
        name = node.get("name")
        if isinstance(name, str):
            return name
        if isinstance(name, dict) and isinstance(name.get("@value"), str):
            return str(name["@value"])
    return None


def summary(document: dict[str, Any]) -> dict[str, Any]:
    """What a person needs to recognise a credential: id, issuer, name, achievement, subject."""
    out: dict[str, Any] = {}
    if isinstance(document.get("id"), str):
        out["id"] = document["id"]
    issuer = document.get("issuer")
    issuer_ref = issuer.get("id") if isinstance(issuer, dict) else issuer
    if isinstance(issuer_ref, str):
        out["issuer"] = issuer_ref
    if _name(issuer):
        out["issuerName"] = _name(issuer)
    if _name(document):
        out["name"] = _name(document)
    out["type"] = types_of(document)
    for subject in subjects(document):
        if isinstance(subject.get("id"), str):
            out.setdefault("subject", subject["id"])
        achievement = subject.get("achievement")
        if _name(achievement):
            out.setdefault("achievement", _name(achievement))
    return out

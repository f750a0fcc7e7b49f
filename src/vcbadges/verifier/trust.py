"""The trusted-issuer list: which issuers an employer recognises, by DID, with their names.

The list changes how an issuer is *named* in the report, never whether a credential is
valid: an issuer outside the list is a warning (``unknown_issuer``), not a failure.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vcbadges.errors import CredentialError

__all__ = ["TrustedIssuer", "TrustList", "load_trust_list", "parse_trust_list", "trust_list_of"]


@dataclass(frozen=True)
class TrustedIssuer:
    """One recognised issuer: its DID (or other issuer id), display name and optional URL."""

    id: str
    name: str
    url: str | None = None


TrustList = Mapping[str, TrustedIssuer]


def parse_trust_list(data: Any) -> dict[str, TrustedIssuer]:
    """Parse ``[{"did": ..., "name": ..., "url": ...}, ...]``; raise ``CredentialError`` if malformed."""
    if not isinstance(data, list):
        raise CredentialError("a trust list is a JSON array of issuers", code="invalid_trust_list")
    out: dict[str, TrustedIssuer] = {}
    for i, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise CredentialError(f"trust list entry {i} is not an object", code="invalid_trust_list")
        did, name, url = entry.get("did"), entry.get("name"), entry.get("url")
        if not isinstance(did, str) or not did or not isinstance(name, str) or not name:
            raise CredentialError(f"trust list entry {i} needs a did and a name",
                                  code="invalid_trust_list")
        if url is not None and not isinstance(url, str):
            raise CredentialError(f"trust list entry {i} has a non-string url",
                                  code="invalid_trust_list")
        out[did] = TrustedIssuer(id=did, name=name, url=url)
    return out


def load_trust_list(path: Path) -> dict[str, TrustedIssuer]:
    """Read a trust list file (JSON); ``CredentialError`` for bad content, ``OSError`` for I/O."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise CredentialError(f"trust list {path} is not valid JSON",
                              code="invalid_trust_list") from exc
    return parse_trust_list(data)


def trust_list_of(
    trusted: Collection[str] | Mapping[str, str] | Mapping[str, TrustedIssuer] | None,
) -> TrustList | None:
    """Accept a list of ids, a mapping id → name, or a parsed trust list."""
    if trusted is None:
        return None
    if isinstance(trusted, Mapping):
        return {k: v if isinstance(v, TrustedIssuer) else TrustedIssuer(id=k, name=str(v))
                for k, v in trusted.items()}
    return {i: TrustedIssuer(id=i, name=i) for i in trusted}

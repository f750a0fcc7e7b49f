"""The four scopes of the Open Badges 3.0 API (section "Scopes"), and scope strings."""

from __future__ import annotations

from collections.abc import Iterable

from vcbadges.errors import ProtocolError

__all__ = [
    "CREDENTIAL_READONLY",
    "CREDENTIAL_UPSERT",
    "PROFILE_READONLY",
    "PROFILE_UPDATE",
    "SCOPES",
    "parse_scope",
    "scope_string",
]

_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
CREDENTIAL_READONLY = _BASE + "credential.readonly"
CREDENTIAL_UPSERT = _BASE + "credential.upsert"
PROFILE_READONLY = _BASE + "profile.readonly"
PROFILE_UPDATE = _BASE + "profile.update"

#: Every scope with the description the spec gives it (shown on the consent page too).
SCOPES: dict[str, str] = {
    CREDENTIAL_READONLY: "Permission to read AchievementCredentials for the authenticated "
                         "entity.",
    CREDENTIAL_UPSERT: "Permission to create or update AchievementCredentials for the "
                       "authenticated entity.",
    PROFILE_READONLY: "Permission to read the profile for the authenticated entity.",
    PROFILE_UPDATE: "Permission to update the profile for the authenticated entity.",
}


def parse_scope(value: object, *, error: str = "invalid_scope") -> frozenset[str]:
    """The scopes of a space-separated ``scope`` string (RFC 6749 §3.3); each must be one of
    :data:`SCOPES`, and at least one given. Raises ``ProtocolError(error)``."""
    if not isinstance(value, str) or not value.strip():
        raise ProtocolError(error, "scope is missing")
    scopes = frozenset(value.split())
    unknown = sorted(scopes - SCOPES.keys())
    if unknown:
        raise ProtocolError(error, "scope names a scope this service does not have")
    return scopes


def scope_string(scopes: Iterable[str]) -> str:
    """Scopes as one string, in a fixed order."""
    return " ".join(sorted(scopes))

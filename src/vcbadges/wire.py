"""The names of vcbadges' own JSON members: camelCase, as the VC-API and Open Badges 3.0 name
theirs, so a client reading a report next to the credential it describes meets one convention.

Python keeps snake_case attributes and keyword arguments; a key made from a Python name goes
through :func:`camel` where it becomes JSON, never spelled twice. Names a standard fixes
(OAuth 2.0, OpenID4VCI/VP messages, JWT claims, CSV columns) are not vcbadges' to rename and
never pass through here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["camel", "camel_keys"]


def camel(name: str) -> str:
    """``"claimed_name"`` -> ``"claimedName"``; a name without ``_`` is returned unchanged."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def camel_keys(members: Mapping[str, Any]) -> dict[str, Any]:
    """``members`` with each key through :func:`camel` (the values are left as they are: they
    may be documents whose names are not vcbadges' own)."""
    return {camel(key): value for key, value in members.items()}

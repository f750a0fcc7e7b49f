"""The service's catalog: which issuers issue here, and which achievements they award.

An employer asking for a badge should be able to choose "Open Badges Explorer from
vcbadges demo issuer" rather than type an IRI. The catalog lists, for every tenant, the
issuer id its badges carry (its DID) with its display name, and, for every achievement
template, the achievement id its badges carry (``credentialSubject.achievement.id``) with its
name: exactly the values a presentation request filters on. It is public by design: these
are the names and ids every badge of the service shows anyway. Nothing else of a tenant
(its name, keys, credentials) is in it.

The catalog is a convenience for choosing, never evidence: a presented badge is still
verified, and its issuer still checked against the issuer registries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vcbadges.issuer.tenants import display_name_of
from vcbadges.storage import queries
from vcbadges.storage.db import Session

__all__ = ["CatalogIssuer", "CatalogAchievement", "Catalog", "service_catalog",
           "MAX_CATALOG_ITEMS"]

#: At most this many issuers and this many achievements are listed (the oldest first), so
#: that a public answer stays bounded however many tenants a service has.
MAX_CATALOG_ITEMS = 1000


@dataclass(frozen=True)
class CatalogIssuer:
    id: str
    name: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class CatalogAchievement:
    id: str
    name: str
    issuer: CatalogIssuer

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "issuer": self.issuer.to_json()}


@dataclass(frozen=True)
class Catalog:
    """Issuers and achievements, each sorted by name (case-insensitively) for choosing."""

    achievements: tuple[CatalogAchievement, ...]
    issuers: tuple[CatalogIssuer, ...]

    def to_json(self) -> dict[str, Any]:
        return {"achievements": [a.to_json() for a in self.achievements],
                "issuers": [i.to_json() for i in self.issuers]}


async def service_catalog(session: Session, *, limit: int = MAX_CATALOG_ITEMS) -> Catalog:
    """Every tenant as an issuer and every achievement template, at most ``limit`` of each.

    A template's name is its achievement's ``name`` (which a stored template always has);
    its ``id`` is the achievement id the badges awarded from it carry.
    """
    tenants = await queries.catalog_tenants(session, limit=limit)
    issuers = {t.id: CatalogIssuer(id=t.did, name=display_name_of(t)) for t in tenants}
    achievements = []
    for row in await queries.catalog_achievements(session, limit=limit):
        issuer = issuers.get(row.tenant_id)
        if issuer is not None:
            achievements.append(CatalogAchievement(id=str(row.document["id"]),
                                                   name=str(row.document["name"]),
                                                   issuer=issuer))
    return Catalog(
        achievements=tuple(sorted(achievements,
                                  key=lambda a: (a.name.casefold(), a.issuer.name.casefold()))),
        issuers=tuple(sorted(issuers.values(), key=lambda i: i.name.casefold())))

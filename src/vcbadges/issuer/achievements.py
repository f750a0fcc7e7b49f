"""Achievement templates: a tenant's reusable Open Badges ``Achievement`` objects.

An issuer describes an achievement once (name, description, criteria, image, ...) under a
slug of its own choosing, then awards it many times with a short body naming the slug and a
recipient (:func:`award_credential` builds the unsigned credential; issuance signs it as
any other). A template is checked when it is stored, so that an award cannot fail later on
the achievement: it must make a valid Open Badges 3.0 credential and pass safe-mode JSON-LD
(every term defined by the bundled contexts).

A template without an ``id`` gets ``urn:uuid:<template id>``, stable for its lifetime, so
that every badge awarded from it names the same achievement.

A template may also choose the status entries its badges get (``status_purposes``, e.g.
revocation and suspension; default: :data:`~vcbadges.issuer.issuance.DEFAULT_PURPOSES`).
The choice is kept in the stored document beside the achievement's own members, under
``statusPurposes``, and taken out again when the template is read: an achievement can never
carry that member itself, since no Open Badges context defines it (safe-mode JSON-LD refuses
it when the template is checked).

Like the rest of the issuer core, every function takes the caller's session, never commits,
and reads through the tenant: another tenant's slug is reported exactly like an unknown one.
"""

from __future__ import annotations

import copy
import re
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from vcbadges.credentials.obv3 import IdentityObject
from vcbadges.credentials.schema import check_ob3
from vcbadges.errors import CredentialError, StorageError, VCBadgesError
from vcbadges.issuer.issuance import DEFAULT_PURPOSES, StoredCredential, issue_for_tenant
from vcbadges.issuer.keystore import KeyStore
from vcbadges.issuer.status import StatusPurpose
from vcbadges.issuer.tenants import Tenant, display_name_of
from vcbadges.jsonld.expansion import to_quads_async
from vcbadges.jsonld.loader import DocumentLoader, StaticLoader
from vcbadges.primitives.dates import format_datetime, utcnow
from vcbadges.storage import queries
from vcbadges.storage.db import Session
from vcbadges.storage.records import AchievementRecord

__all__ = [
    "AchievementTemplate",
    "Recipient",
    "MAX_RECIPIENT_NAME",
    "UNKNOWN_ACHIEVEMENT",
    "INVALID_ACHIEVEMENT",
    "create_achievement",
    "get_achievement",
    "list_achievements",
    "award_credential",
    "issue_award",
    "issuer_profile",
]

#: Error codes of this module (``CredentialError.code``).
UNKNOWN_ACHIEVEMENT = "unknown_achievement"
INVALID_ACHIEVEMENT = "invalid_achievement"
INVALID_RECIPIENT = "invalid_recipient"

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")
_MAX_PAGE = 1000
_CONTEXTS = ["https://www.w3.org/ns/credentials/v2",
             "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
# Any scheme, then no white space: the shape an absolute IRI has.
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_MAX_EMAIL = 254
_MAX_ACHIEVEMENT_ID = 1000
#: The longest recipient name an award takes (as an offer's ``recipientName``).
MAX_RECIPIENT_NAME = 200
_LOADER = StaticLoader()
# The member of a stored template document that keeps the template's status purposes.
_PURPOSES_MEMBER = "statusPurposes"
_PURPOSES: tuple[StatusPurpose, ...] = ("revocation", "suspension")


@dataclass(frozen=True)
class AchievementTemplate:
    """A stored template: its slug, the ``Achievement`` JSON object (with its ``id``), and
    the status purposes of the badges awarded from it (None: the default)."""

    slug: str
    achievement: dict[str, Any]
    created_at: datetime
    status_purposes: tuple[StatusPurpose, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"slug": self.slug, "achievement": copy.deepcopy(self.achievement),
                "createdAt": format_datetime(self.created_at),
                "statusPurposes": list(self.status_purposes or DEFAULT_PURPOSES)}

    @classmethod
    def _of(cls, row: AchievementRecord) -> AchievementTemplate:
        document = copy.deepcopy(dict(row.document))
        purposes = document.pop(_PURPOSES_MEMBER, None)
        return cls(slug=row.slug, achievement=document, created_at=row.created_at,
                   status_purposes=None if purposes is None else _status_purposes(purposes))


@dataclass(frozen=True)
class Recipient:
    """Whom a badge is awarded to: a DID or other IRI the holder controls, or an e-mail
    address, which the credential carries only as a salted SHA-256 hash; and optionally the
    person's name, which it carries in clear, so that whoever is shown the badge sees whose
    it is (an ``IdentityObject`` of type ``name``: see :mod:`vcbadges.issuer.recipients`)."""

    id: str | None = None
    email: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if (self.id is None) == (self.email is None):
            raise CredentialError("a recipient is either an id or an email",
                                  code=INVALID_RECIPIENT)
        if self.id is not None and (not isinstance(self.id, str) or len(self.id) > 1000
                                    or not _ABSOLUTE_IRI.match(self.id)):
            raise CredentialError("the recipient id must be an absolute IRI such as a DID",
                                  code=INVALID_RECIPIENT)
        if self.email is not None and (
                not isinstance(self.email, str) or len(self.email) > _MAX_EMAIL
                or self.email.count("@") != 1 or any(c.isspace() for c in self.email)
                or not all(self.email.split("@"))):
            raise CredentialError("the recipient email is not an e-mail address",
                                  code=INVALID_RECIPIENT)
        if self.name is not None and (
                not isinstance(self.name, str) or not self.name.strip()
                or len(self.name) > MAX_RECIPIENT_NAME
                or any(unicodedata.category(c) == "Cc" for c in self.name)):
            raise CredentialError(f"the recipient name is 1 to {MAX_RECIPIENT_NAME} characters, "
                                  "not blank, without control characters",
                                  code=INVALID_RECIPIENT)


def _subject(recipient: Recipient, achievement: Mapping[str, Any]) -> dict[str, Any]:
    subject: dict[str, Any] = {}
    if recipient.id is not None:
        subject["id"] = recipient.id
    subject["type"] = ["AchievementSubject"]
    identifiers: list[dict[str, Any]] = []
    if recipient.email is not None:
        identifiers.append(IdentityObject.hashed_email(recipient.email).to_json())
    if recipient.name is not None:
        identifiers.append(IdentityObject(identity_hash=recipient.name,
                                          identity_type="name").to_json())
    if identifiers:
        subject["identifier"] = identifiers
    subject["achievement"] = copy.deepcopy(dict(achievement))
    return subject


def award_credential(
    template: AchievementTemplate,
    recipient: Recipient,
    *,
    issuer: Mapping[str, Any],
    now: datetime | None = None,
) -> dict[str, Any]:
    """The unsigned ``OpenBadgeCredential`` awarding ``template`` to ``recipient``.

    ``issuer`` is the issuer's ``Profile`` object (with its ``id``). The credential has no
    ``id`` and no ``credentialStatus``: issuance adds both. Pure: nothing is stored.
    """
    achievement = template.achievement
    credential: dict[str, Any] = {
        "@context": list(_CONTEXTS),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": copy.deepcopy(dict(issuer)),
        "validFrom": format_datetime(now or utcnow()),
        "credentialSubject": _subject(recipient, achievement),
    }
    if isinstance(achievement.get("name"), str):
        credential["name"] = achievement["name"]
    return credential


def _status_purposes(value: Any) -> tuple[StatusPurpose, ...]:
    if (not isinstance(value, list | tuple) or any(p not in _PURPOSES for p in value)
            or len(set(value)) != len(value)):
        raise CredentialError("statusPurposes lists revocation and/or suspension, once each",
                              code=INVALID_ACHIEVEMENT)
    return tuple(p for p in _PURPOSES if p in value)


def _slug(slug: Any) -> str:
    if not isinstance(slug, str) or not _SLUG.match(slug):
        raise CredentialError(
            "an achievement slug is 1 to 100 lowercase letters, digits and inner hyphens",
            code=INVALID_ACHIEVEMENT)
    return slug


async def _check_template(achievement: dict[str, Any], loader: DocumentLoader) -> None:
    """Refuse a template that would not make a valid, signable Open Badge."""
    trial = award_credential(
        AchievementTemplate(slug="trial", achievement=achievement, created_at=utcnow()),
        Recipient(id="did:example:recipient"),
        issuer={"id": "did:example:issuer", "type": ["Profile"], "name": "Issuer"})
    trial["id"] = "urn:uuid:00000000-0000-4000-8000-000000000000"
    issues = check_ob3(trial)
    if issues:
        first = issues[0]
        path = first.path.removeprefix("credentialSubject.")
        raise CredentialError(f"not a valid Open Badges 3.0 Achievement: {path}: "
                              f"{first.message}", code=INVALID_ACHIEVEMENT)
    try:
        await to_quads_async(trial, loader=loader)
    except VCBadgesError as exc:
        raise CredentialError(f"the achievement is not valid JSON-LD: {exc.message}",
                              code=INVALID_ACHIEVEMENT) from exc


async def create_achievement(
    session: Session,
    tenant: Tenant,
    slug: str,
    achievement: Mapping[str, Any],
    *,
    status_purposes: Sequence[StatusPurpose] | None = None,
    loader: DocumentLoader | None = None,
    now: datetime | None = None,
) -> AchievementTemplate:
    """Store a new template for the tenant and return it.

    ``achievement`` is an Open Badges ``Achievement`` object; ``type`` defaults to
    ``["Achievement"]`` and ``id`` to ``urn:uuid:<template id>`` (an absolute IRI of at most
    1000 characters). ``status_purposes`` chooses the status entries of the badges awarded
    from it (default: :data:`~vcbadges.issuer.issuance.DEFAULT_PURPOSES`, a revocation entry
    only, as the OB 3.0 schema allows one entry; add ``suspension`` for badges that can be
    suspended). Raises ``CredentialError`` (code ``invalid_achievement``) for a bad slug, a
    bad id, bad purposes or an achievement that would not make a valid badge, and
    ``StorageError`` (``conflict``) when the tenant already has the slug. Nothing is
    committed.
    """
    slug = _slug(slug)
    purposes = None if status_purposes is None else _status_purposes(status_purposes)
    if not isinstance(achievement, Mapping):
        raise CredentialError("the achievement must be a JSON object", code=INVALID_ACHIEVEMENT)
    when = now or utcnow()
    row_id = uuid.uuid4()
    document = copy.deepcopy(dict(achievement))
    document.setdefault("id", f"urn:uuid:{row_id}")
    document.setdefault("type", ["Achievement"])
    achievement_id = document["id"]
    if (not isinstance(achievement_id, str) or len(achievement_id) > _MAX_ACHIEVEMENT_ID
            or not _ABSOLUTE_IRI.fullmatch(achievement_id)):
        # An employer asks for a badge by its achievement id (POST /verifier/requests),
        # which takes absolute IRIs of at most this length: every template must be askable.
        raise CredentialError(f"the achievement id must be an absolute IRI of at most "
                              f"{_MAX_ACHIEVEMENT_ID} characters", code=INVALID_ACHIEVEMENT)
    await _check_template(document, loader or _LOADER)
    if await queries.get_achievement(session, tenant.id, slug) is not None:
        raise StorageError(f"an achievement with slug {slug!r} already exists", code="conflict")
    stored = document if purposes is None else {**document, _PURPOSES_MEMBER: list(purposes)}
    row = AchievementRecord(id=row_id, tenant_id=tenant.id, slug=slug, document=stored,
                            created_at=when, updated_at=when)
    await queries.add_achievement(session, row)
    return AchievementTemplate._of(row)


async def get_achievement(
    session: Session, tenant: Tenant, slug: str
) -> AchievementTemplate | None:
    """The tenant's template with this slug, or None (also for another tenant's)."""
    if not isinstance(slug, str) or not _SLUG.match(slug):
        return None
    row = await queries.get_achievement(session, tenant.id, slug)
    return None if row is None else AchievementTemplate._of(row)


async def list_achievements(
    session: Session, tenant: Tenant, *, limit: int = 100, offset: int = 0
) -> list[AchievementTemplate]:
    """The tenant's templates by slug, one page of at most ``limit`` (≤ 1000)."""
    if not 0 < limit <= _MAX_PAGE or offset < 0:
        raise ValueError(f"limit must be 1 to {_MAX_PAGE} and offset not negative")
    rows = await queries.list_achievements(session, tenant.id, limit=limit, offset=offset)
    return [AchievementTemplate._of(row) for row in rows]


def issuer_profile(tenant: Tenant) -> dict[str, Any]:
    """The ``Profile`` a tenant's awarded badges name as their issuer: its DID, and its
    display name (its name when it has none)."""
    return {"id": tenant.did, "type": ["Profile"], "name": display_name_of(tenant)}


async def issue_award(
    session: Session,
    tenant: Tenant,
    slug: str,
    recipient: Recipient,
    *,
    keystore: KeyStore,
    base_url: str,
    suite: str | None = None,
    format: Literal["di", "jwt", "vc+jwt"] = "di",
    purposes: Sequence[StatusPurpose] | None = None,
    loader: DocumentLoader | None = None,
    now: datetime | None = None,
) -> StoredCredential:
    """Award the tenant's achievement ``slug`` to ``recipient``: build the badge with
    :func:`award_credential` and issue it with
    :func:`~vcbadges.issuer.issuance.issue_for_tenant` (same options, same errors), which
    keeps the recipient's e-mail address, if any, sealed with the record.

    ``purposes`` None takes the template's status purposes. Raises ``CredentialError`` with
    code ``unknown_achievement`` when the tenant has no such template. Nothing is committed.
    """
    when = now or utcnow()
    template = await get_achievement(session, tenant, slug)
    if template is None:
        raise CredentialError(f"there is no achievement template {slug!r}",
                              code=UNKNOWN_ACHIEVEMENT)
    unsigned = award_credential(template, recipient, issuer=issuer_profile(tenant), now=when)
    return await issue_for_tenant(session, tenant, unsigned, keystore=keystore,
                                  base_url=base_url, suite=suite,
                                  purposes=template.status_purposes if purposes is None
                                  else purposes,
                                  loader=loader, now=when, format=format,
                                  recipient_email=recipient.email)

"""Publishing a wallet badge on a public page: what is published, under which address.

A learner may publish a badge of their wallet (opt-in, one badge at a time, revocable). The
page must be readable by anybody, without the passphrase, so a copy of the badge leaves the
sealed wallet: the ``public_badges`` table (:mod:`vcbadges.storage.public_badge_models`).
What that copy holds is the learner's choice, within what the issuer's signature allows:

- A badge with an ecdsa-sd-2023 base proof is published as a *derivation*: every statement
  of the issuer except the subject's identity, plus their name when they chose to show it.
  Their e-mail identity (and any other ``identifier`` but the name) is not in the copy at
  all, so neither the page nor the download can reveal it.
- Any other badge is signed as a whole and cannot lose a statement without losing its
  signature: its copy is the badge exactly as the wallet holds it. The page still shows only
  what the learner chose (no name unless asked, never an ``identifier``), but the credential
  offered for download carries what was signed: the name, and the salted hash of the e-mail
  address when the issuer put one in. The wallet says so before publishing
  (:class:`Disclosure`), and the learner may publish without offering the download.

The page's address is ``/b/{slug}`` with a slug of 128 random bits (:func:`new_slug`), so
published badges cannot be listed or guessed. Unpublishing deletes the copy; publishing
again makes a new slug, so a link shared before stays dead.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from vcbadges._api import derive
from vcbadges.credentials.disclosure import pointer_to
from vcbadges.errors import ProofError
from vcbadges.primitives.dates import parse_datetime
from vcbadges.proofs.derive import base_proof_of
from vcbadges.proofs.sd_proof_value import is_base_proof_value
from vcbadges.storage import public_badge_queries as queries
from vcbadges.storage.db import Session
from vcbadges.storage.records import PublicBadgeRecord

__all__ = [
    "Disclosure",
    "Publication",
    "disclosure_of",
    "is_slug",
    "new_slug",
    "published_copy",
    "publish",
    "unpublish",
    "publication_of",
    "publication_by_slug",
    "linkedin_url",
    "LINKEDIN_ADD_URL",
]

#: LinkedIn's "Add to profile" form for a licence or certification, filled from the query.
LINKEDIN_ADD_URL = "https://www.linkedin.com/profile/add"
_SLUG = re.compile(r"[A-Za-z0-9_-]{22}")
# Members of the credential that are the issuer's statements about the badge (selected when
# a derivation is published); "@context", "type", "id" and "proof" come along by themselves.
_NOT_SELECTED = frozenset({"@context", "type", "id", "proof", "credentialSubject"})
# Members of a subject that identify the learner: never published but for a chosen name.
_IDENTITY = frozenset({"identifier", "name", "id", "type"})
_MAX_LINKEDIN_TEXT = 200


def new_slug() -> str:
    """A new page slug: 128 random bits in 22 base64url characters."""
    return secrets.token_urlsafe(16)


def is_slug(text: str) -> bool:
    """Whether ``text`` has the shape of a slug (checked before any lookup)."""
    return _SLUG.fullmatch(text) is not None


@dataclass(frozen=True)
class Disclosure:
    """What publishing a badge can withhold, for the wallet to say before publishing.

    ``selective``: the badge has an ecdsa-sd-2023 base proof, so the published copy leaves
    out the learner's identity (and their name unless shown). ``names_subject``: the badge
    gives its subject's name. ``email_hash``: it identifies its subject by a (salted, hashed)
    e-mail address. For a badge that is not ``selective``, the credential offered for
    download holds both.
    """

    selective: bool
    names_subject: bool
    email_hash: bool

    def to_json(self) -> dict[str, bool]:
        return {"selective": self.selective, "namesSubject": self.names_subject,
                "emailHash": self.email_hash}


def _subjects(document: Mapping[str, Any]) -> list[tuple[tuple[str | int, ...], dict[str, Any]]]:
    subject = document.get("credentialSubject")
    if isinstance(subject, list):
        return [(("credentialSubject", i), s) for i, s in enumerate(subject)
                if isinstance(s, dict)]
    return [(("credentialSubject",), subject)] if isinstance(subject, dict) else []


def _identifiers(subject: Mapping[str, Any]) -> list[tuple[tuple[int, ...], Any]]:
    value = subject.get("identifier")
    if isinstance(value, list):
        return [((i,), item) for i, item in enumerate(value)]
    return [((), value)] if value is not None else []


def _is_name(identity: Any) -> bool:
    return (isinstance(identity, dict) and identity.get("identityType") == "name"
            and identity.get("hashed") is False)


def _selective(document: Any) -> bool:
    try:
        proof = base_proof_of(document)
    except ProofError:
        return False
    return proof is not None and is_base_proof_value(proof.get("proofValue"))


def disclosure_of(document: Any) -> Disclosure:
    """What publishing ``document`` (a credential object or a VC-JWT's credential) can
    withhold."""
    names = email = False
    if isinstance(document, dict):
        for _, subject in _subjects(document):
            for _, identity in _identifiers(subject):
                names = names or _is_name(identity)
                email = email or (isinstance(identity, dict)
                                  and identity.get("identityType") == "emailAddress")
            names = names or isinstance(subject.get("name"), str)
    return Disclosure(selective=_selective(document), names_subject=names, email_hash=email)


def _pointers(document: Mapping[str, Any], *, show_name: bool) -> list[str]:
    """The statements a published derivation selects: all the issuer's statements, no
    identity of the learner but their name when they chose to show it."""
    pointers = [pointer_to(name) for name in document if name not in _NOT_SELECTED]
    for path, subject in _subjects(document):
        pointers += [pointer_to(*path, name) for name in subject if name not in _IDENTITY]
        if not show_name:
            continue
        if isinstance(subject.get("name"), str):
            pointers.append(pointer_to(*path, "name"))
        pointers += [pointer_to(*path, "identifier", *index)
                     for index, identity in _identifiers(subject) if _is_name(identity)]
    return pointers


async def published_copy(stored: str, document: Any, *, show_name: bool) -> str:
    """The text to publish for a wallet badge kept as ``stored`` (JSON text or a JWT) whose
    parsed form is ``document``: a derivation for a badge with an ecdsa-sd-2023 base proof,
    else ``stored`` itself, byte for byte. Raises what :func:`vcbadges.derive` raises."""
    if not isinstance(document, dict) or not _selective(document):
        return stored
    derived = await derive(document, _pointers(document, show_name=show_name))
    return json.dumps(derived, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Publication:
    """A published badge as its owner and its page see it."""

    slug: str
    record_id: uuid.UUID
    document: str
    show_name: bool
    offer_download: bool
    published_at: datetime

    @classmethod
    def of(cls, row: PublicBadgeRecord) -> Publication:
        return cls(slug=row.slug, record_id=row.record_id, document=row.document,
                   show_name=row.show_name, offer_download=row.offer_download,
                   published_at=row.published_at)


async def publish(session: Session, *, account_id: uuid.UUID, record_id: uuid.UUID,
                  document: str, show_name: bool, offer_download: bool,
                  now: datetime) -> tuple[Publication, bool]:
    """Publish (or re-publish with new choices, under the same slug) a wallet record;
    returns the publication and whether it is new."""
    before = await queries.publication_of(session, account_id, record_id)
    row = await queries.put_publication(
        session, slug=new_slug(), account_id=account_id, record_id=record_id,
        document=document, show_name=show_name, offer_download=offer_download,
        published_at=now)
    return Publication.of(row), before is None


async def unpublish(session: Session, *, account_id: uuid.UUID, record_id: uuid.UUID) -> bool:
    """Delete the published copy of the record; whether it was published."""
    return await queries.delete_publication(session, account_id, record_id)


async def publication_of(session: Session, *, account_id: uuid.UUID,
                         record_id: uuid.UUID) -> Publication | None:
    row = await queries.publication_of(session, account_id, record_id)
    return None if row is None else Publication.of(row)


async def publication_by_slug(session: Session, slug: str) -> Publication | None:
    """The publication at ``slug``; None for an unknown slug or text that is no slug."""
    if not is_slug(slug):
        return None
    row = await queries.publication_by_slug(session, slug)
    return None if row is None else Publication.of(row)


def _month(value: Any) -> datetime | None:
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def linkedin_url(*, name: str, organization: str | None, issued: Any, expires: Any,
                 page_url: str, credential_id: str | None) -> str:
    """LinkedIn's "Add licence or certification" link, filled in: the badge's ``name``, the
    issuing ``organization``, the month it was issued (``issued``, an xsd:dateTime, usually
    ``validFrom``) and the one it expires (``expires``), the public page as the credential
    URL and ``credential_id`` as the credential ID (each left out when missing)."""
    params: list[tuple[str, str]] = [("startTask", "CERTIFICATION_NAME"),
                                     ("name", name[:_MAX_LINKEDIN_TEXT])]
    if organization:
        params.append(("organizationName", organization[:_MAX_LINKEDIN_TEXT]))
    for prefix, value in (("issue", _month(issued)), ("expiration", _month(expires))):
        if value is not None:
            params += [(prefix + "Year", str(value.year)), (prefix + "Month", str(value.month))]
    params.append(("certUrl", page_url))
    if credential_id and len(credential_id) <= _MAX_LINKEDIN_TEXT:
        params.append(("certId", credential_id))
    return LINKEDIN_ADD_URL + "?" + urlencode(params)

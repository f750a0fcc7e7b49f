"""What the pages show of an Open Badge, read from the credential and made safe to show.

The verifier page, the wallet and the wallet's offer screen show names, descriptions, links
and images taken from documents somebody else wrote. These functions keep what a page may
use as it is: non-blank text without NUL, cut to a length; https links; images as https or
base64 ``data:image/…`` URLs. Nothing here verifies anything: the employer's page shows a
display only for a credential whose issuer signed it (see
:func:`vcbadges.oid4vp.response.handle_response`), and the issuer's name here is what the
credential calls its issuer, which the pages present as a claim unless a registry lists it.
The subject's name is the one the signed credential gives its subject (see
:func:`vcbadges.issuer.recipients.subject_name`), so that an employer sees whose badge it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from vcbadges.errors import JSONInputError
from vcbadges.issuer.recipients import subject_name
from vcbadges.oid4vp.response import checked_credential
from vcbadges.primitives.jsonlimits import loads_strict

__all__ = ["credential_display", "describe_credential", "display_text", "display_url",
           "display_image"]

_MAX_IRI = 1000
_MAX_TEXT = 2000
_MAX_EVIDENCE = 50
_MAX_DATA_URL = 512 * 1024
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=]+$")


def display_text(value: Any) -> str | None:
    """A non-blank string, without NUL, cut to 2000 characters; else None."""
    if isinstance(value, str) and value.strip():
        text = value.replace("\x00", "")
        return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT - 1] + "…"
    return None


def display_url(value: Any) -> str | None:
    """An https URL (or the ``id`` of an object holding one) of at most 1000 characters,
    safe to put in ``href``/``src``; else None."""
    if isinstance(value, dict):
        value = value.get("id")
    if not isinstance(value, str):
        return None
    if value.startswith("https://") and len(value) <= _MAX_IRI and " " not in value:
        return value
    return None


def display_image(value: Any) -> str | None:
    """An https URL or a base64 ``data:image/(png|jpeg|gif|webp|svg+xml)`` URL (or the
    ``id`` of an ``Image`` object holding one), safe for ``<img src>``; else None."""
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, str) and len(value) <= _MAX_DATA_URL and _DATA_IMAGE.match(value):
        return value
    return display_url(value)


def _first(value: Any) -> dict[str, Any]:
    items = value if isinstance(value, list) else [value]
    return next((item for item in items if isinstance(item, dict)), {})


def credential_display(document: Any) -> dict[str, Any]:
    """:func:`describe_credential` of the credential in ``document`` (a credential object, its
    JSON text, a VC-JWT or an ``EnvelopedVerifiableCredential``), read, not verified: for a
    JWT, the credential inside it, never the members of an envelope around it."""
    if isinstance(document, str) and document.lstrip().startswith("{"):
        try:
            document = loads_strict(document)
        except JSONInputError:
            document = None
    return describe_credential(checked_credential(document) or {})


def describe_credential(view: Mapping[str, Any]) -> dict[str, Any]:
    """What a person needs to see of one Open Badge credential object, taken as it is (no
    JWT or envelope in it is opened):

    ``{"name", "issuer", "issuerName", "subjectName"?, "image"?, "achievement",
    "achievementId"?, "description"?, "criteria"?: {"id"?, "narrative"?}, "evidence":
    [{"id"?, "name"?, "narrative"?, "description"?}]}``. ``issuerName`` is the name the
    credential gives its issuer, not a confirmed one; ``subjectName`` the name it gives its
    subject (an unhashed ``IdentityObject`` of type ``name``), when it gives one. Links are
    https only and images https or base64 ``data:image/…`` URLs, so a page may use them as
    they are; missing texts are None.
    """
    subject = _first(view.get("credentialSubject"))
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    issuer = view.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    issuer_name = display_text(issuer.get("name")) if isinstance(issuer, dict) else None
    out: dict[str, Any] = {
        "name": display_text(view.get("name")) or display_text(achievement.get("name")),
        "issuer": issuer_id if isinstance(issuer_id, str) else None,
        "issuerName": issuer_name,
        "achievement": display_text(achievement.get("name")),
    }
    named = display_text(subject_name(view))
    if named is not None:
        out["subjectName"] = named
    if isinstance(achievement.get("id"), str):
        out["achievementId"] = achievement["id"]
    image = display_image(achievement.get("image")) or display_image(view.get("image"))
    if image is not None:
        out["image"] = image
    description = (display_text(achievement.get("description"))
                   or display_text(view.get("description")))
    if description is not None:
        out["description"] = description
    criteria = achievement.get("criteria")
    if isinstance(criteria, dict):
        shown = {k: v for k, v in (("id", display_url(criteria.get("id"))),
                                   ("narrative", display_text(criteria.get("narrative"))))
                 if v is not None}
        if shown:
            out["criteria"] = shown
    evidence = view.get("evidence")
    items = evidence if isinstance(evidence, list) else [evidence] if evidence else []
    out["evidence"] = [
        {k: v for k, v in (("id", display_url(item.get("id"))),
                           ("name", display_text(item.get("name"))),
                           ("narrative", display_text(item.get("narrative"))),
                           ("description", display_text(item.get("description"))))
         if v is not None}
        for item in items[:_MAX_EVIDENCE] if isinstance(item, dict)]
    return out

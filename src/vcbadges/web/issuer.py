"""The issuer sub-application (mounted at ``/issuer``): W3C VC-API issuance and status.

Every route but the status lists (and the offer QR codes and the console's page added by
:mod:`vcbadges.web.oid4vci` and the app) needs a tenant's API key (``Authorization:
Bearer``), checked by the sub-application's middleware (:func:`vcbadges.web.auth.
tenant_auth`), and every read or change goes through that tenant, so a credential of
another tenant is ``404 not-found``, exactly like one that was never issued. Handlers parse
and check the request, make one call into :mod:`vcbadges.issuer` (issuance and status
changes through the :class:`~vcbadges.issuer.service.IssuerService`, which owns their
transactions), and answer with JSON.

- ``POST /credentials/issue``: ``{"credential": {...}, "options": {...}}`` (an unsigned
  credential) or ``{"award": {"achievement": slug, "recipient": {"id"|"email": ...,
  "name"?: ...}}, "options": {...}}``; options ``format`` (``di``, ``jwt``, ``vc+jwt``),
  ``cryptosuite``, ``statusPurposes``, ``bake`` (``png``, ``svg``) and, with
  ``cryptosuite`` ``ecdsa-sd-2023``, ``mandatoryPointers`` (JSON pointers of what every
  disclosure must show, beside the issuer, validity, status and achievement, which always
  are; ``400 invalid-options`` with code ``mandatory_pointers_need_sd`` for another suite,
  ``invalid_pointer`` for one that is not an RFC 6901 pointer; one the credential does not
  have is ``400 invalid-credential``, ``pointer_mismatch``). Answers ``201
  {"verifiableCredential": ...}`` (and ``bakedImage``, a data URL). The recipient's name
  goes into the badge in clear (an ``IdentityObject`` of type ``name``), the e-mail
  address only hashed.
- ``POST /credentials/status``: VC-API ``{"credentialId", "credentialStatus": {"type",
  "statusPurpose"}, "status": bool}``; also DCC's ``credentialStatus: [{"type":
  "BitstringStatusListCredential", "status": "revoked"|"suspended"|"unsuspended"}]``. An optional
  ``reason`` goes to the audit record.
- ``GET /credentials`` and ``GET /credentials/{id}``: the tenant's credentials, as issued,
  with their status and status history, and ``recipient`` ``{"name"?, "email"?, "id"?}``:
  the name the badge gives its subject, the e-mail address of an award (which the badge
  holds only hashed; the issuer keeps it sealed), the subject's id.
- ``GET /status/{list_id}``: public; the signed ``BitstringStatusListCredential``, with
  ``Cache-Control``, a weak ``ETag`` and ``304`` answers to ``If-None-Match``.
- ``POST /achievements``, ``GET /achievements``, ``GET /achievements/{slug}``: templates;
  ``statusPurposes`` (default ``["revocation"]``) chooses the status entries of its badges.
- ``GET /tenant``: who the API key belongs to, ``{"name", "displayName", "did"}`` (the
  console shows the display name).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import format_datetime as http_date
from typing import Any, Literal, cast

from aiohttp import web

from vcbadges.errors import JSONLDError
from vcbadges.issuer.achievements import MAX_RECIPIENT_NAME, AchievementTemplate, Recipient
from vcbadges.issuer.images import bake_badge
from vcbadges.issuer.issuance import StoredCredential
from vcbadges.issuer.records import recipient_of
from vcbadges.issuer.status import StatusPurpose, status_list_url
from vcbadges.issuer.tenants import display_name_of
from vcbadges.jsonld.pointers import parse_pointer
from vcbadges.proofs.cryptosuites import ecdsa_sd_2023
from vcbadges.proofs.di import SUITES
from vcbadges.proofs.jose import enveloped_credential
from vcbadges.web.auth import caller_of, tenant_auth
from vcbadges.web.bodies import one_of, read_object
from vcbadges.web.keys import DB, ISSUER, KEYSTORE, SETTINGS, STATUS_LISTS
from vcbadges.web.paging import page
from vcbadges.web.problems import ProblemError

__all__ = ["PREFIX", "create_issuer_app"]

#: Where the root application mounts this one (route patterns below it carry the prefix).
PREFIX = "/issuer"

Format = Literal["di", "jwt", "vc+jwt"]
_FORMATS: tuple[Format, ...] = ("di", "jwt", "vc+jwt")
_BAKES = ("png", "svg")
_PURPOSES: tuple[StatusPurpose, ...] = ("revocation", "suspension")
_OPTIONS = frozenset({"format", "cryptosuite", "bake", "statusPurposes", "credentialId",
                      "mandatoryPointers"})
_ENTRY_TYPES = frozenset({"BitstringStatusListEntry", "BitstringStatusList"})
# In the list form, DCC's status service names the list's credential type instead.
_LIST_ENTRY_TYPES = _ENTRY_TYPES | {"BitstringStatusListCredential"}
# The brief form of a status change: the status a credential should end up with.
_CHANGES: dict[str, tuple[StatusPurpose, bool]] = {
    "revoked": ("revocation", True),
    "suspended": ("suspension", True),
    "unsuspended": ("suspension", False),
}
_MAX_ID = 1000
_MAX_REASON = 1000
# Far above what a badge has claims for; each pointer is matched against the credential.
_MAX_POINTERS = 100
_MAX_POINTER = 1000


def _invalid(detail: str) -> ProblemError:
    return ProblemError(400, "invalid-request", "The request is not valid", detail)


def _invalid_options(detail: str) -> ProblemError:
    return ProblemError(400, "invalid-options", "The options are not valid", detail)


def _not_found(what: str) -> ProblemError:
    return ProblemError(404, "not-found", "Not found", f"there is no such {what}")


# --- issue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueOptions:
    format: Format = "di"
    cryptosuite: str | None = None
    bake: Literal["png", "svg"] | None = None
    purposes: tuple[StatusPurpose, ...] | None = None
    mandatory_pointers: tuple[str, ...] | None = None


def _mandatory_pointers(value: Any, suite: str | None) -> tuple[str, ...]:
    """``options.mandatoryPointers``: only for ecdsa-sd-2023, whose base proof is the only
    one that lets a holder leave claims out; a bounded list of RFC 6901 pointers."""
    if suite != ecdsa_sd_2023.NAME:
        raise ProblemError(400, "invalid-options", "The options are not valid",
                           f"mandatoryPointers needs cryptosuite {ecdsa_sd_2023.NAME}: no other "
                           "suite lets a holder leave claims out",
                           code="mandatory_pointers_need_sd")
    if (not isinstance(value, list) or len(value) > _MAX_POINTERS
            or not all(isinstance(p, str) and 0 < len(p) <= _MAX_POINTER for p in value)):
        raise _invalid_options(f"mandatoryPointers is an array of at most {_MAX_POINTERS} "
                               f"JSON pointers of 1 to {_MAX_POINTER} characters")
    for pointer in value:
        try:
            parse_pointer(pointer)
        except JSONLDError as exc:
            raise ProblemError(400, "invalid-options", "The options are not valid",
                               f"mandatoryPointers: {exc.message}", code=exc.code) from exc
    return tuple(value)


def _issue_options(value: Any) -> IssueOptions:
    if value is None:
        return IssueOptions()
    if not isinstance(value, dict):
        raise _invalid_options("options must be a JSON object")
    unknown = sorted(set(value) - _OPTIONS)
    if unknown:
        raise _invalid_options(f"unknown option {unknown[0]!r}")
    fmt = value.get("format", "di")
    if fmt not in _FORMATS:
        raise _invalid_options("format is one of di, jwt, vc+jwt")
    suite = value.get("cryptosuite")
    if suite is not None and (not isinstance(suite, str) or suite not in SUITES):
        raise _invalid_options(f"cryptosuite is one of {', '.join(sorted(SUITES))}")
    if suite is not None and fmt != "di":
        raise _invalid_options("a cryptosuite applies to format di only")
    bake = value.get("bake")
    if bake is not None and bake not in _BAKES:
        raise _invalid_options("bake is png or svg")
    purposes = value.get("statusPurposes")
    if purposes is not None:
        if (not isinstance(purposes, list) or any(p not in _PURPOSES for p in purposes)
                or len(set(purposes)) != len(purposes)):
            raise _invalid_options("statusPurposes lists revocation and/or suspension, once each")
        purposes = tuple(purposes)
    # Checked here, with every other option, whether or not a credential takes it up.
    credential_id = value.get("credentialId")
    if credential_id is not None and (not isinstance(credential_id, str)
                                      or not 0 < len(credential_id) <= _MAX_ID):
        raise _invalid_options(f"credentialId is a string of 1 to {_MAX_ID} characters")
    pointers = (None if "mandatoryPointers" not in value
                else _mandatory_pointers(value["mandatoryPointers"], suite))
    return IssueOptions(format=cast(Format, fmt), cryptosuite=suite,
                        bake=cast(Literal["png", "svg"] | None, bake), purposes=purposes,
                        mandatory_pointers=pointers)


def _unsigned_credential(value: Any, options: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _invalid("credential must be a JSON object")
    credential = dict(value)
    credential_id = options.get("credentialId") if isinstance(options, dict) else None
    if credential_id is not None:
        if "id" in credential:
            raise _invalid_options("credentialId is for a credential without an id")
        credential["id"] = credential_id
    if "id" in credential and (not isinstance(credential["id"], str)
                               or not 0 < len(credential["id"]) <= _MAX_ID
                               or "\x00" in credential["id"]):
        raise _invalid(f"the credential id must be a string of 1 to {_MAX_ID} characters")
    return credential


def _recipient(value: Any) -> Recipient:
    if not isinstance(value, dict) or set(value) - {"name"} not in ({"id"}, {"email"}):
        raise _invalid('award.recipient is {"id": "did:..."} or {"email": "..."}, with an '
                       'optional "name"')
    name = value.get("name")
    if name is not None and (not isinstance(name, str)
                             or not 0 < len(name.strip()) <= MAX_RECIPIENT_NAME):
        raise _invalid(f"award.recipient.name is a string of 1 to {MAX_RECIPIENT_NAME} "
                       "characters")
    return Recipient(id=value.get("id"), email=value.get("email"),
                     name=None if name is None else name.strip())


def _issued(stored: StoredCredential, options: IssueOptions, title: str) -> dict[str, Any]:
    """The VC-API answer: the credential as issued (object, VC-JWT, or an envelope of a
    ``vc+jwt``), and the baked image when asked for."""
    document: Any
    if stored.format == "di":
        document = stored.json()
    elif options.format == "vc+jwt":
        document = enveloped_credential(stored.document)
    else:
        document = stored.document
    answer: dict[str, Any] = {"verifiableCredential": document}
    if options.bake is not None:
        image = bake_badge(options.bake, stored.document, title=title)
        media = "image/png" if options.bake == "png" else "image/svg+xml"
        answer["bakedImage"] = f"data:{media};base64,{base64.b64encode(image).decode('ascii')}"
    return answer


async def issue_credential(request: web.Request) -> web.Response:
    settings = request.config_dict[SETTINGS]
    caller = caller_of(request)
    body = await read_object(request, max_depth=settings.max_json_depth)
    options = _issue_options(body.get("options"))
    service = request.config_dict[ISSUER]
    common: dict[str, Any] = {
        "suite": options.cryptosuite, "purposes": options.purposes, "format": options.format,
        "mandatory_pointers": options.mandatory_pointers}
    if ("credential" in body) == ("award" in body):
        raise _invalid("send either credential (an unsigned credential) or award")
    if "credential" in body:
        credential = _unsigned_credential(body["credential"], body.get("options"))
        title = credential.get("name") if isinstance(credential.get("name"), str) else ""
        stored = await service.issue(caller.tenant, credential, **common)
    else:
        award = body["award"]
        if not isinstance(award, dict) or not isinstance(award.get("achievement"), str):
            raise _invalid("award names an achievement template by its slug, and a recipient")
        recipient = _recipient(award.get("recipient"))
        title = award["achievement"]
        stored = await service.award(caller.tenant, award["achievement"], recipient, **common)
    return web.json_response(_issued(stored, options, str(title)), status=201)


# --- status ------------------------------------------------------------------------------


def _status_changes(body: Mapping[str, Any]) -> list[tuple[StatusPurpose, bool]]:
    """The (purpose, value) changes a status request asks for, in order.

    Two forms: VC-API's one entry naming its purpose, with the new ``status`` a boolean
    beside it; and a list of entries, each saying the status the credential should end up
    with, as DCC's status service and its clients send it (``{"type":
    "BitstringStatusListCredential", "status": "revoked"}``). Each malformed part gets a
    problem naming it, and a request that would set one purpose twice is refused rather
    than applied in some order.
    """
    entries = body.get("credentialStatus")
    if isinstance(entries, dict):
        if "statusPurpose" not in entries and isinstance(entries.get("status"), str):
            raise _invalid('credentialStatus with a "status" word is a list: '
                           '[{"type": ..., "status": "revoked"}]')
        one_of(entries.get("type"), _ENTRY_TYPES,
               "credentialStatus.type must be BitstringStatusListEntry")
        purpose = one_of(entries.get("statusPurpose"), _PURPOSES,
                         "credentialStatus.statusPurpose is revocation or suspension")
        status = body.get("status")
        if not isinstance(status, bool):
            raise _invalid("status must be true or false")
        return [(cast(StatusPurpose, purpose), status)]
    if isinstance(entries, list):
        if not 0 < len(entries) <= len(_PURPOSES):
            raise _invalid(f"credentialStatus lists 1 to {len(_PURPOSES)} entries, "
                           "one for each status purpose")
        if "status" in body:
            raise _invalid("status goes inside each credentialStatus entry when "
                           "credentialStatus is a list")
        changes: list[tuple[StatusPurpose, bool]] = []
        for n, entry in enumerate(entries):
            where = f"credentialStatus[{n}]"
            if not isinstance(entry, dict):
                raise _invalid(f'{where} is an object {{"type": ..., "status": ...}}')
            one_of(entry.get("type"), _LIST_ENTRY_TYPES,
                   f"{where}.type is one of {', '.join(sorted(_LIST_ENTRY_TYPES))}")
            change = _CHANGES[one_of(entry.get("status"), _CHANGES,
                                     f"{where}.status is revoked, suspended or unsuspended")]
            if any(purpose == change[0] for purpose, _ in changes):
                raise _invalid(f"{where} changes the {change[0]} status a second time")
            changes.append(change)
        return changes
    raise _invalid("credentialStatus is an object (with status) or a list of entries")


async def update_status(request: web.Request) -> web.Response:
    settings = request.config_dict[SETTINGS]
    caller = caller_of(request)
    body = await read_object(request, max_depth=settings.max_json_depth)
    credential_id = body.get("credentialId")
    if not isinstance(credential_id, str) or not 0 < len(credential_id) <= _MAX_ID:
        raise _invalid(f"credentialId is a string of 1 to {_MAX_ID} characters")
    if "\x00" in credential_id:
        # Names no credential (and PostgreSQL cannot take a NUL in a text parameter).
        raise _not_found("credential")
    reason = body.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > _MAX_REASON):
        raise _invalid(f"reason is a string of at most {_MAX_REASON} characters")
    changes = _status_changes(body)
    # Committed before it returns; the service then tells the status list publisher.
    done = await request.config_dict[ISSUER].set_statuses(
        caller.tenant, credential_id, changes, actor=caller.actor, reason=reason)
    return web.json_response({
        "credentialId": credential_id,
        "credentialStatus": [
            {"type": "BitstringStatusListEntry", "statusPurpose": c.purpose,
             "statusListCredential": status_list_url(settings.base_url, c.status_list.id),
             "statusListIndex": str(c.index), "status": c.value, "changed": c.changed}
            for c in done],
    })


# --- reading back ------------------------------------------------------------------------


async def _summary(request: web.Request, stored: StoredCredential) -> dict[str, Any]:
    """A credential's summary; ``subject`` (its subject's id) stays for older clients beside
    ``recipient``, which says whom it was awarded to in words."""
    recipient = await recipient_of(stored, request.config_dict[KEYSTORE])
    return {"id": stored.id, "format": stored.format, "subject": stored.subject,
            "recipient": recipient.to_json(),
            "issuedAt": stored.issued_at.isoformat().replace("+00:00", "Z")}


async def credentials(request: web.Request) -> web.Response:
    caller = caller_of(request)
    limit, offset = page(request)
    found = await request.config_dict[ISSUER].credentials(caller.tenant, limit=limit,
                                                          offset=offset)
    return web.json_response({"credentials": [await _summary(request, c) for c in found],
                              "limit": limit, "offset": offset})


async def credential(request: web.Request) -> web.Response:
    caller = caller_of(request)
    credential_id = request.match_info["credential_id"]
    if "\x00" in credential_id:
        raise _not_found("credential")  # No credential id holds one; never looked up.
    record = await request.config_dict[ISSUER].credential_record(caller.tenant, credential_id)
    if record is None:
        raise _not_found("credential")
    stored = record.credential
    return web.json_response({
        **await _summary(request, stored),
        "verifiableCredential": stored.json() if stored.format == "di" else stored.document,
        "credentialStatus": record.status,
        "statusEvents": [e.to_json() for e in record.events],
    })


async def status_list(request: web.Request) -> web.Response:
    settings = request.config_dict[SETTINGS]
    try:
        list_id = uuid.UUID(request.match_info["list_id"])
    except ValueError:
        raise _not_found("status list") from None
    signed = await request.config_dict[STATUS_LISTS].serve(request.config_dict[DB], list_id)
    if signed is None:
        raise _not_found("status list")
    headers = {
        "ETag": signed.etag,
        "Cache-Control": f"public, max-age={settings.status_list_max_age}",
        "Last-Modified": http_date(signed.updated_at.replace(microsecond=0), usegmt=True),
    }
    wanted = request.headers.get("If-None-Match", "")
    if any(tag.strip().removeprefix("W/") == signed.etag.removeprefix("W/") or tag.strip() == "*"
           for tag in wanted.split(",")):
        return web.Response(status=304, headers=headers)
    return web.Response(body=signed.document, content_type="application/json",
                        headers=headers)


# --- achievement templates ---------------------------------------------------------------


def _template(template: AchievementTemplate) -> dict[str, Any]:
    return template.to_json()


async def add_achievement(request: web.Request) -> web.Response:
    settings = request.config_dict[SETTINGS]
    caller = caller_of(request)
    body = await read_object(request, max_depth=settings.max_json_depth)
    if not {"slug", "achievement"} <= set(body) <= {"slug", "achievement", "statusPurposes"}:
        raise _invalid('send {"slug": "...", "achievement": {...}}, and optionally '
                       '"statusPurposes": ["revocation", "suspension"]')
    template = await request.config_dict[ISSUER].add_achievement(
        caller.tenant, body["slug"], body["achievement"],
        status_purposes=body.get("statusPurposes"))
    return web.json_response(_template(template), status=201)


async def achievements(request: web.Request) -> web.Response:
    caller = caller_of(request)
    limit, offset = page(request)
    found = await request.config_dict[ISSUER].achievements(caller.tenant, limit=limit,
                                                           offset=offset)
    return web.json_response({"achievements": [_template(t) for t in found],
                              "limit": limit, "offset": offset})


async def achievement(request: web.Request) -> web.Response:
    caller = caller_of(request)
    template = await request.config_dict[ISSUER].achievement(caller.tenant,
                                                             request.match_info["slug"])
    if template is None:
        raise _not_found("achievement template")
    return web.json_response(_template(template))


async def tenant(request: web.Request) -> web.Response:
    caller = caller_of(request)
    return web.json_response({"name": caller.tenant.name,
                              "displayName": display_name_of(caller.tenant),
                              "did": caller.tenant.did}, headers={"Cache-Control": "no-store"})


def create_issuer_app() -> web.Application:
    """The ``/issuer`` sub-application; shared state comes from the root app."""
    app = web.Application(middlewares=[tenant_auth(
        public_paths={f"{PREFIX}/status/{{list_id}}", f"{PREFIX}/offers/{{offer_id}}/qr.svg"},
        public_prefixes=(f"{PREFIX}/console",))])
    app.router.add_post("/credentials/issue", issue_credential)
    app.router.add_post("/credentials/status", update_status)
    app.router.add_get("/credentials", credentials)
    app.router.add_get("/credentials/{credential_id:.+}", credential)
    app.router.add_get("/status/{list_id}", status_list)
    app.router.add_post("/achievements", add_achievement)
    app.router.add_get("/achievements", achievements)
    app.router.add_get("/achievements/{slug}", achievement)
    app.router.add_get("/tenant", tenant)
    return app

"""The wallet's publication routes: a badge on a public page, and back off it.

=================================================  ==========================================
``GET /wallet/api/credentials/{id}/publication``    ``{"published": false, "disclosure"}`` or
                                                    ``{"published": true, "url",
                                                    "showName", "offerDownload",
                                                    "publishedAt", "linkedinUrl",
                                                    "credentialUrl"?, "bakedUrl"?,
                                                    "disclosure"}``
``POST /wallet/api/credentials/{id}/publication``   ``{"showName"?: false, "offerDownload"?:
                                                    false}`` → ``201`` (published) or ``200``
                                                    (choices changed, same address)
``DELETE /wallet/api/credentials/{id}/publication`` ``204``; the copy is deleted
=================================================  ==========================================

All three need the wallet's session (and ``POST``/``DELETE`` its CSRF token); the badge is
looked up in the caller's own wallet, so another holder's badge is ``404`` whatever its id.
``disclosure`` (see :class:`vcbadges.wallet.publication.Disclosure`) says what the published
copy can withhold, so that the wallet can tell the learner before they publish: a badge with
an ecdsa-sd-2023 base proof is published as a derivation without their identity (and without
their name unless ``showName``); any other badge is published as signed, and its download
holds what the issuer signed. Publishing verifies the copy first, as the page will: a badge
that does not verify now is ``422 credential-not-verified`` and nothing is published.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from vcbadges.errors import VCBadgesError
from vcbadges.oid4vp.response import checked_credential
from vcbadges.primitives.dates import format_datetime
from vcbadges.wallet import CredentialRecord
from vcbadges.wallet.publication import (
    Publication,
    disclosure_of,
    publication_of,
    publish,
    published_copy,
    unpublish,
)
from vcbadges.web.auth import reading, writing
from vcbadges.web.bodies import read_object
from vcbadges.web.keys import CLOCK, SETTINGS
from vcbadges.web.problems import ProblemError
from vcbadges.web.public_badge import published_document, share_links, verify_published
from vcbadges.web.wallet.common import opened as _opened, record_id as _record_id

__all__ = ["add_wallet_publish_routes"]

_NO_STORE = {"Cache-Control": "no-store"}
_PATH = "/api/credentials/{credential_id}/publication"


def _state(request: web.Request, record: CredentialRecord,
           publication: Publication | None) -> dict[str, Any]:
    disclosure = disclosure_of(checked_credential(record.document())).to_json()
    if publication is None:
        return {"published": False, "disclosure": disclosure}
    return {
        "published": True,
        "showName": publication.show_name,
        "offerDownload": publication.offer_download,
        "publishedAt": format_datetime(publication.published_at),
        **share_links(request.config_dict[SETTINGS].base_url, publication),
        "disclosure": disclosure,
    }


async def publication_state(request: web.Request) -> web.Response:
    record_id = _record_id(request)
    async with _opened(request, csrf=False) as opened:
        record = await opened.wallet.get_credential(record_id)
        async with reading(request) as session:
            found = await publication_of(session, account_id=opened.wallet.account.id,
                                         record_id=record_id)
    return web.json_response(_state(request, record, found), headers=_NO_STORE)


def _choice(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise ProblemError(400, "invalid-request", "The request is not valid",
                           f"{name} is true or false")
    return value


async def publish_badge(request: web.Request) -> web.Response:
    record_id = _record_id(request)
    async with _opened(request) as opened:
        body = await read_object(request, max_depth=2) if request.can_read_body else {}
        unknown = sorted(set(body) - {"showName", "offerDownload"})
        if unknown:
            raise ProblemError(400, "invalid-request", "The request is not valid",
                               f"unknown member {unknown[0]!r}")
        show_name, offer_download = _choice(body, "showName"), _choice(body, "offerDownload")
        record = await opened.wallet.get_credential(record_id)
        try:
            text = await published_copy(record.credential, record.document(),
                                        show_name=show_name)
        except VCBadgesError as exc:
            raise ProblemError(422, "cannot-publish", "This badge cannot be published",
                               exc.message, code=exc.code) from None
        report = await verify_published(request, published_document(text))
        if not report.verified:
            raise ProblemError(422, "credential-not-verified", "The credential did not verify",
                               "a badge that does not verify now is not published",
                               report=report.to_json())
        async with writing(request) as session:
            publication, new = await publish(
                session, account_id=opened.wallet.account.id, record_id=record_id,
                document=text, show_name=show_name, offer_download=offer_download,
                now=request.config_dict[CLOCK].now())
    return web.json_response(_state(request, record, publication), status=201 if new else 200,
                             headers=_NO_STORE)


async def unpublish_badge(request: web.Request) -> web.Response:
    record_id = _record_id(request)
    async with _opened(request) as opened:
        async with writing(request) as session:
            gone = await unpublish(session, account_id=opened.wallet.account.id,
                                   record_id=record_id)
    if not gone:
        raise ProblemError(404, "not-found", "Not found",
                           "this wallet has no published badge of that id")
    return web.Response(status=204, headers=_NO_STORE)


def add_wallet_publish_routes(app: web.Application) -> web.Application:
    """Add the publication routes to the ``/wallet`` sub-application; returns it."""
    app.router.add_get(_PATH, publication_state)
    app.router.add_post(_PATH, publish_badge)
    app.router.add_delete(_PATH, unpublish_badge)
    return app

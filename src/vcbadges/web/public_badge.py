"""Published badges' public pages (on the root application, no session, no script).

================================  ===========================================================
``GET /b/{slug}``                 the badge's page (HTML), verified live on every visit
``GET /b/{slug}/credential.json`` the published credential (``.jwt`` for a VC-JWT), when its
                                  owner offers the download
``GET /b/{slug}/badge.png``       the badge image with the credential baked in (``.svg`` when
                                  the badge's image is SVG or cannot be used), likewise
``GET /b/{slug}/image``           the image of the link card (``og:image``)
================================  ===========================================================

Each visit verifies the published credential afresh, as the employer's page does (the
service's verifier: signature, issuer, dates, revocation and suspension status through the
service's :class:`~vcbadges.net.fetcher.SafeFetcher`, and the issuer registries), so a badge
its issuer revoked says so at the next visit. The badge's content is shown only when its
issuer's signature verified (:func:`vcbadges.web.display.describe_credential`); the
learner's name only when they chose to show it; an ``identifier`` (the e-mail identity)
never. A slug that is not one, or where nothing is published (any more), is a ``404``: an
HTML page for the page itself, a problem for the other routes.

:func:`share_links` gives the wallet the same addresses and LinkedIn link the page shows.
"""

from __future__ import annotations

import base64
import re
from typing import Any, Literal

from aiohttp import web

from vcbadges._api import verify_credential_document
from vcbadges.credentials.baking import bake_png, bake_svg
from vcbadges.errors import CredentialError, JSONInputError
from vcbadges.oid4vp.response import checked_credential
from vcbadges.primitives.dates import parse_datetime
from vcbadges.primitives.jsonlimits import loads_strict
from vcbadges.proofs.jose import looks_like_jwt
from vcbadges.report import (
    ADVISORY_CHECKS,
    ISSUER,
    ISSUER_TRUST,
    PROOF,
    Outcome,
    VerificationReport,
)
from vcbadges.wallet.publication import Publication, linkedin_url, publication_by_slug
from vcbadges.web.auth import reading
from vcbadges.web.badge_art import medal_png, medal_svg
from vcbadges.web.display import credential_display
from vcbadges.web.keys import (
    CLOCK,
    DOCUMENTS,
    ISSUER_REGISTRIES,
    RESOLVER,
    SETTINGS,
    VERIFIED_LISTS,
)
from vcbadges.web.problems import ProblemError
from vcbadges.web.public_page import (
    PAGE_CSP,
    IssuerView,
    PageView,
    render_badge_page,
    render_gone_page,
)

__all__ = ["PUBLIC_PREFIX", "add_public_badge_routes", "share_links", "page_url",
           "published_document", "verify_published"]

#: Where published badges live on the root application.
PUBLIC_PREFIX = "/b"
_NO_STORE = {"Cache-Control": "no-store"}
_DATA_IMAGE = re.compile(r"^data:(image/(?:png|jpeg|gif|webp|svg\+xml));base64,(.*)$", re.S)
_IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def page_url(base_url: str, slug: str) -> str:
    return f"{base_url.rstrip('/')}{PUBLIC_PREFIX}/{slug}"


def published_document(text: str) -> dict[str, Any] | str:
    """The published document: the JWT, or the JSON object (stored by the service itself)."""
    if looks_like_jwt(text):
        return text.strip()
    value = loads_strict(text)
    if not isinstance(value, dict):
        raise JSONInputError("a published credential is a JSON object", code="not_an_object")
    return value


def _data_image(image: str | None) -> tuple[str, bytes] | None:
    """The media type and bytes of a ``data:image/…;base64`` URL, or None."""
    found = _DATA_IMAGE.match(image or "")
    if found is None:
        return None
    try:
        return found.group(1), base64.b64decode(found.group(2), validate=True)
    except ValueError:
        return None


def _baked_kind(display: dict[str, Any]) -> Literal["png", "svg"]:
    """PNG when the badge's own image is a PNG the page can bake into, else SVG (the badge's
    SVG image, or the medal)."""
    data = _data_image(display.get("image"))
    return "png" if data is not None and data[0] == "image/png" else "svg"


def share_links(base_url: str, publication: Publication, *, organization: str | None = None,
                display: dict[str, Any] | None = None) -> dict[str, str]:
    """The page's address (``url``), the credential and baked image downloads when offered
    (``credentialUrl``, ``bakedUrl``) and LinkedIn's add-certification link (``linkedinUrl``)
    for ``publication``; ``organization`` is the issuer's name to give LinkedIn (by default
    the name the badge gives its issuer)."""
    url = page_url(base_url, publication.slug)
    document = published_document(publication.document)
    credential = checked_credential(document) or {}
    display = display if display is not None else credential_display(document)
    links = {"url": url}
    if publication.offer_download:
        links["credentialUrl"] = url + "/credential." + (
            "jwt" if isinstance(document, str) else "json")
        links["bakedUrl"] = url + "/badge." + _baked_kind(display)
    badge_id = credential.get("id")
    links["linkedinUrl"] = linkedin_url(
        name=display.get("name") or "Open Badge",
        organization=organization or display.get("issuerName"),
        issued=credential.get("validFrom") or credential.get("issuanceDate"),
        expires=credential.get("validUntil") or credential.get("expirationDate"),
        page_url=url, credential_id=badge_id if isinstance(badge_id, str) else None)
    return links


# --- the page ------------------------------------------------------------------------------


async def _published(request: web.Request) -> Publication | None:
    async with reading(request) as session:
        return await publication_by_slug(session, request.match_info["slug"])


def _gone() -> ProblemError:
    return ProblemError(404, "not-found", "Not found", "no badge is published at this address")


async def verify_published(request: web.Request, document: Any) -> VerificationReport:
    """Verify a published document now, as the employer's page verifies (status included)."""
    return await verify_credential_document(
        document, fetcher=request.config_dict[DOCUMENTS], resolver=request.config_dict[RESOLVER],
        verified_lists=request.config_dict[VERIFIED_LISTS],
        registries=request.config_dict[ISSUER_REGISTRIES], now=request.config_dict[CLOCK].now())


def _signed_by_its_issuer(report: VerificationReport) -> bool:
    passed = {c.id for c in report.checks if c.outcome is Outcome.PASSED}
    return {PROOF, ISSUER} <= passed


def _issuer(report: VerificationReport, claimed: str | None) -> IssuerView:
    check = next((c for c in report.checks if c.id == ISSUER_TRUST), None)
    detail = (check.detail if check is not None else None) or {}
    if check is not None and check.outcome is Outcome.PASSED and detail.get("name"):
        return IssuerView(listed=True, name=str(detail["name"]),
                          registry=str(detail.get("registry") or "a registry"))
    return IssuerView(listed=False, claimed=detail.get("claimed_name") or claimed,
                      unknown=check is not None and check.code == "issuer_unknown")


def _state(report: VerificationReport, issuer: IssuerView) -> tuple[str, str, str]:
    """The badge's standing: (state, label, one plain sentence)."""
    if report.verified:
        if issuer.listed:
            return "ok", "Verified", "This badge is genuine and valid today."
        return ("caution", "Valid · issuer not confirmed",
                "This badge is genuine and valid today; who the issuer is, is its own claim.")
    counted = [c for c in report.checks if c.id not in ADVISORY_CHECKS]
    failed = next((c for c in counted if c.outcome is Outcome.FAILED), None)
    if failed is not None and failed.id == "status_revocation":
        return "bad", "Revoked", "The issuer has revoked this badge. It is no longer valid."
    if failed is not None and failed.id == "status_suspension":
        return "bad", "Suspended", "The issuer has suspended this badge. It is not valid now."
    if failed is not None and failed.id == "validity" and failed.code == "expired":
        return "bad", "Expired", "This badge has expired. It is no longer valid."
    if failed is None and any(c.outcome is Outcome.ERROR for c in counted):
        return ("warn", "Could not check",
                "Whether this badge is still valid could not be checked just now.")
    return "bad", "Not valid", "This badge did not pass its checks."


def _when(value: Any) -> Any:
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def _view(request: web.Request, publication: Publication, document: Any,
          report: VerificationReport) -> PageView:
    base = request.config_dict[SETTINGS].base_url
    url = page_url(base, publication.slug)
    signed = _signed_by_its_issuer(report)
    display = credential_display(document) if signed else {}
    credential = (checked_credential(document) or {}) if signed else {}
    issuer = _issuer(report, display.get("issuerName")) if signed else None
    state, label, verdict = _state(report, issuer or IssuerView(listed=False))
    image = display.get("image")
    og_image = image if isinstance(image, str) and image.startswith("https://") else \
        url + "/image"
    links = share_links(base, publication, organization=issuer.organization,
                        display=display) if signed and issuer is not None else {}
    return PageView(
        page_url=url, state=state, state_label=label, verdict=verdict, checks=report.checks,
        checked_at=report.checked_at,
        name=display.get("name") or "A badge that did not verify",
        og_image=og_image, description=display.get("description"), image=image,
        subject_name=display.get("subjectName") if publication.show_name else None,
        issuer=issuer, issuer_id=display.get("issuer"),
        achievement_id=display.get("achievementId"),
        badge_id=credential.get("id") if isinstance(credential.get("id"), str) else None,
        criteria=display.get("criteria"), evidence=display.get("evidence") or (),
        issued=_when(credential.get("validFrom") or credential.get("issuanceDate")),
        expires=_when(credential.get("validUntil") or credential.get("expirationDate")),
        credential_url=links.get("credentialUrl"),
        credential_type="application/jwt" if isinstance(document, str) else "application/ld+json",
        baked_url=links.get("bakedUrl"), linkedin_url=links.get("linkedinUrl"))


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", headers={
        **_NO_STORE, "Content-Security-Policy": PAGE_CSP})


async def badge_page(request: web.Request) -> web.Response:
    publication = await _published(request)
    if publication is None:
        return _html(render_gone_page(), status=404)
    document = published_document(publication.document)
    report = await verify_published(request, document)
    return _html(render_badge_page(_view(request, publication, document, report)))


# --- downloads -----------------------------------------------------------------------------


async def _offered(request: web.Request) -> tuple[Publication, Any]:
    publication = await _published(request)
    if publication is None or not publication.offer_download:
        raise _gone()
    return publication, published_document(publication.document)


def _attachment(name: str) -> dict[str, str]:
    return {**_NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}


async def credential_download(request: web.Request) -> web.Response:
    publication, document = await _offered(request)
    jwt = isinstance(document, str)
    if request.match_info["ext"] != ("jwt" if jwt else "json"):
        raise _gone()
    return web.Response(
        text=publication.document.strip() if jwt else publication.document,
        content_type="application/jwt" if jwt else "application/ld+json",
        headers=_attachment(f"badge-{publication.slug}.{request.match_info['ext']}"))


def _baked(publication: Publication, document: Any) -> tuple[str, bytes]:
    display = credential_display(document)
    kind = _baked_kind(display)
    data = _data_image(display.get("image"))
    if kind == "png" and data is not None:
        return "png", bake_png(data[1], publication.document.strip())
    svg = data[1] if data is not None and data[0] == "image/svg+xml" else \
        medal_svg(display.get("name") or "Open Badge")
    try:
        return "svg", bake_svg(svg, publication.document.strip())
    except CredentialError:
        # The badge's own SVG cannot take it (not well-formed, say): the medal can.
        return "svg", bake_svg(medal_svg(display.get("name") or "Open Badge"),
                               publication.document.strip())


async def baked_download(request: web.Request) -> web.Response:
    publication, document = await _offered(request)
    kind, data = _baked(publication, document)
    if request.match_info["ext"] != kind:
        raise _gone()
    headers = _attachment(f"badge-{publication.slug}.{kind}")
    if kind == "svg":
        headers["Content-Security-Policy"] = _IMAGE_CSP
    return web.Response(body=data, content_type="image/png" if kind == "png" else "image/svg+xml",
                        headers=headers)


async def card_image(request: web.Request) -> web.Response:
    """The link card's image: the badge's own when it is a raster ``data:`` image, else the
    medal as PNG (social sites read neither ``data:`` URLs nor SVG)."""
    publication = await _published(request)
    if publication is None:
        raise _gone()
    display = credential_display(published_document(publication.document))
    data = _data_image(display.get("image"))
    if data is not None and data[0] != "image/svg+xml":
        media, body = data
    else:
        media, body = "image/png", medal_png(display.get("name") or "Open Badge")
    return web.Response(body=body, content_type=media, headers={
        "Cache-Control": "no-cache", "Content-Security-Policy": _IMAGE_CSP})


def add_public_badge_routes(app: web.Application) -> None:
    """The public badge routes, on the root application."""
    app.router.add_get(PUBLIC_PREFIX + "/{slug}", badge_page)
    app.router.add_get(PUBLIC_PREFIX + "/{slug}/credential.{ext:json|jwt}", credential_download)
    app.router.add_get(PUBLIC_PREFIX + "/{slug}/badge.{ext:png|svg}", baked_download)
    app.router.add_get(PUBLIC_PREFIX + "/{slug}/image", card_image)

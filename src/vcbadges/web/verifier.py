"""The verifier sub-application (mounted at ``/verifier``): W3C VC-API verification.

- ``POST /credentials/verify``: ``{"verifiableCredential": <object, VC-JWT or envelope>,
  "options": {...}}``. A string must be a compact JWT: a credential serialized as JSON text
  inside the JSON body is refused rather than parsed a second time.
- ``POST /presentations/verify``: ``{"verifiablePresentation": {...}, "options":
  {"challenge": ..., "domain": ..., "holderMustBeSubject": true}}``. The presentation's proof
  must carry the challenge and domain given in the options. A challenge that
  ``POST /challenges`` made (recognised by its form, see
  :func:`~vcbadges.issuer.challenges.is_issued_form`) must also be unexpired and never used
  before: it is used up here, and an expired, used or unknown one fails the report's
  ``challenge`` check. Any other challenge is the caller's own (VC-API): the caller chose
  it and keeps its own record of its use, so the proof is checked against it and nothing
  is stored.
  ``holderMustBeSubject`` (default true; VC-API leaves verification options open) set to
  false accepts credentials about someone other than the presentation's holder.
- ``POST /challenges``: ``{"challenge": "..."}``, single use.
- ``GET /catalog``: this service's issuers and achievements by name, for choosing what to
  ask for (:mod:`vcbadges.web.catalog`).

Both verify routes answer with the verification report (``report.to_json()``): ``200`` when
it is verified, ``400`` when it is not. A request that is not a verification request at all
gets a ``400`` problem instead. Status lists and did:web documents are read through the
application's one :class:`~vcbadges.net.fetcher.SafeFetcher`, and issuers are looked up in
the service's issuer registries (the report's ``issuer_trust`` check); the proofs are checked
in worker processes (:mod:`vcbadges.web.verifying`).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from aiohttp import web

from vcbadges.issuer.challenges import (
    consume_challenge,
    create_challenge,
    is_issued_form,
    with_challenge_outcome,
)
from vcbadges.report import PresentationReport, VerificationReport
from vcbadges.web.auth import writing
from vcbadges.web.bodies import read_object
from vcbadges.web.catalog import add_catalog_route
from vcbadges.web.keys import SETTINGS
from vcbadges.web.problems import ProblemError
from vcbadges.web.verifying import verify_offloaded

__all__ = ["create_verifier_app"]

_MAX_OPTION = 1000
# The shape of a compact JWS (three base64url parts); whether it is a valid VC-JWT is the
# report's to say.
_COMPACT_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def _invalid(detail: str) -> ProblemError:
    return ProblemError(400, "invalid-request", "The request is not valid", detail)


def _options(body: dict[str, Any]) -> dict[str, Any]:
    options = body.get("options", {})
    if not isinstance(options, dict):
        raise _invalid("options must be a JSON object")
    for name in ("challenge", "domain"):
        value = options.get(name)
        if value is not None and (not isinstance(value, str) or not value
                                  or len(value) > _MAX_OPTION):
            raise _invalid(f"options.{name} is a non-empty string")
    if not isinstance(options.get("holderMustBeSubject", True), bool):
        raise _invalid("options.holderMustBeSubject is a boolean")
    return options


def _answer(report: VerificationReport | PresentationReport) -> web.Response:
    return web.json_response(report.to_json(), status=200 if report.verified else 400)


async def verify_credential(request: web.Request) -> web.Response:
    settings = request.config_dict[SETTINGS]
    body = await read_object(request, max_depth=settings.max_json_depth)
    _options(body)
    document = body.get("verifiableCredential")
    if isinstance(document, str) and _COMPACT_JWT.fullmatch(document) is None:
        raise _invalid("verifiableCredential is a string but not a compact JWT; send a "
                       "credential as a JSON object")
    if not isinstance(document, (dict, str)):
        raise _invalid("verifiableCredential is a credential object or a VC-JWT")
    report = await verify_offloaded(request, document, kind="credential")
    return _answer(report)


async def verify_presentation(request: web.Request) -> web.Response:
    settings = request.config_dict[SETTINGS]
    body = await read_object(request, max_depth=settings.max_json_depth)
    options = _options(body)
    document = body.get("verifiablePresentation")
    if not isinstance(document, dict):
        raise _invalid("verifiablePresentation is a presentation object")
    challenge = options.get("challenge")
    fresh = True
    if challenge is not None and is_issued_form(challenge):
        async with writing(request) as session:
            fresh = await consume_challenge(session, challenge)
    report = await verify_offloaded(
        request, document, kind="presentation", challenge=challenge, domain=options.get("domain"),
        holder_must_be_subject=options.get("holderMustBeSubject", True))
    assert isinstance(report, PresentationReport)
    return _answer(with_challenge_outcome(report, fresh=fresh))


async def challenges(request: web.Request) -> web.Response:
    settings = request.config_dict[SETTINGS]
    async with writing(request) as session:
        made = await create_challenge(session, ttl=timedelta(seconds=settings.challenge_ttl))
    return web.json_response({"challenge": made.challenge})


def create_verifier_app() -> web.Application:
    """The ``/verifier`` sub-application; shared state comes from the root app."""
    app = web.Application()
    app.router.add_post("/credentials/verify", verify_credential)
    app.router.add_post("/presentations/verify", verify_presentation)
    app.router.add_post("/challenges", challenges)
    add_catalog_route(app)
    return app

"""Presentations for the ``jwt_vc_json`` format: a VP signed as a JWT (OpenID4VP 1.0, "VC
signed as a JWT, not using JSON-LD", Presentation Response).

The VCDM 1.1 JWT encoding: the presentation sits in the ``vp`` claim, ``iss`` is the holder,
and OpenID4VP binds it to the request with ``nonce`` (the request's nonce) and ``aud`` (the
verifier's Client Identifier). The credentials inside are VC-JWT strings.

:func:`verify_presentation_jwt` checks what OpenID4VP asks of the format and hands the
token to the verifier's engine for JWT presentations, so the report, checks and holder rule
are the ones ``vcbadges.verify`` gives: ``document``, ``presentation_proof``, ``challenge``
(the ``nonce`` claim), ``domain`` (the ``aud`` claim) and ``holder``; each credential is
verified by the ``verify_credential`` callable the caller passes.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from vcbadges import report as r
from vcbadges.errors import VCBadgesError
from vcbadges.oauth.common import current, timestamp
from vcbadges.primitives.keys import SigningKey
from vcbadges.proofs import _jws
from vcbadges.report import PresentationReport, VerificationReport
from vcbadges.verifier.checks import blocked_presentation, failed
from vcbadges.verifier.jwt_presentation import verify_presentation_token
from vcbadges.verifier.options import VerifyOptions

__all__ = ["sign_presentation_jwt", "verify_presentation_jwt"]

VC_V1 = "https://www.w3.org/2018/credentials/v1"
JWT_WRONG_TYPE = "jwt_wrong_type"
MALFORMED_PRESENTATION = "malformed_presentation"
DEFAULT_VP_LIFETIME = timedelta(minutes=5)


def sign_presentation_jwt(
    credentials: Sequence[str],
    *,
    key: SigningKey,
    nonce: str,
    audience: str,
    lifetime: timedelta = DEFAULT_VP_LIFETIME,
    now: datetime | None = None,
) -> str:
    """A VP-JWT of the VC-JWT ``credentials``, signed by the holder ``key``.

    Header ``{"alg", "typ": "JWT", "kid"}``; claims ``iss`` (the holder's DID), ``aud``
    (``audience``: the verifier's Client Identifier), ``nonce``, ``iat``, ``exp``, ``jti`` and
    ``vp`` (``@context``, ``type``, ``holder``, ``verifiableCredential``).
    """
    if not credentials or not all(isinstance(c, str) for c in credentials):
        raise ValueError("a VP-JWT carries one or more VC-JWT strings")
    if not nonce or not audience:
        raise ValueError("a presentation needs the verifier's nonce and audience")
    when = current(now)
    holder = key.controller
    claims = {
        "iss": holder,
        "aud": audience,
        "nonce": nonce,
        "iat": timestamp(when),
        "exp": timestamp(when + lifetime),
        "jti": f"urn:uuid:{uuid.uuid4()}",
        "vp": {"@context": [VC_V1], "type": ["VerifiablePresentation"], "holder": holder,
               "verifiableCredential": list(credentials)},
    }
    header = {"alg": key.jose_alg, "typ": "JWT", "kid": key.verification_method}
    return _jws.sign_compact(header, claims, key)


async def verify_presentation_jwt(
    token: str,
    *,
    nonce: str,
    audience: str,
    resolver: Any,
    verify_credential: Callable[[Any], Awaitable[VerificationReport]],
    holder_must_be_subject: bool = True,
    skew: timedelta = timedelta(minutes=5),
    now: datetime | None = None,
) -> PresentationReport:
    """Verify a VP-JWT bound to ``nonce`` and ``audience``; never raises for a bad token.

    OpenID4VP's ``jwt_vc_json`` asks for the VCDM 1.1 form with credentials inside; past that,
    the verifier's one engine (:func:`~vcbadges.verifier.jwt_presentation.
    verify_presentation_token`) decides, with the same checks and holder rule as ``verify``.
    """
    when = current(now)
    try:
        parsed = _jws.parse_compact(token)
    except VCBadgesError as exc:
        return blocked_presentation(failed(r.DOCUMENT, exc.code, exc.message), when)
    typ = parsed.header.get("typ")
    vp = parsed.claims.get("vp")
    embedded = vp.get("verifiableCredential") if isinstance(vp, dict) else None
    # jwt_vc_json presentations are VCDM 1.1 VP-JWTs; a vp+jwt carries no vp claim.
    if typ is not None and (not isinstance(typ, str) or typ.lower() != "jwt"):
        return blocked_presentation(failed(r.DOCUMENT, JWT_WRONG_TYPE,
                                f"a JWT of type {typ!r} is not a jwt_vc_json presentation"), when)
    if not isinstance(embedded, list) or not embedded:
        return blocked_presentation(failed(r.DOCUMENT, MALFORMED_PRESENTATION,
                                "the JWT has no vp claim with credentials"), when)
    return await verify_presentation_token(
        token, VerifyOptions(resolver=resolver, now=when, skew=skew), challenge=nonce,
        domain=audience, holder_must_be_subject=holder_must_be_subject,
        verify_embedded=verify_credential)

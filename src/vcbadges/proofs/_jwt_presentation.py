"""Hazardous materials: presentations secured as JWTs, verified by the JOSE core.

Two formats, told apart by the JOSE header ``typ`` as credentials are:

* ``vp-jwt``: the VCDM 1.1 JWT encoding that OpenID4VP's ``jwt_vc_json`` uses: the
  presentation sits in the ``vp`` claim, ``iss`` is the holder (``typ`` absent or ``JWT``);
* ``vp+jwt``: W3C VC-JOSE-COSE (``application/vp+jwt``): the presentation is the payload.

Either way the key must be bound to the holder for ``authentication``, by the same rule as
every other JWT here (:mod:`vcbadges.proofs._binding`). The holder is the one the token
states, in ``iss`` and the presentation's ``holder``, which must agree; only a token that
states neither is taken to be presented by its key's DID. ``nonce`` and ``aud`` are returned,
not judged: what the verifier expects is the caller's to compare.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from vcbadges.errors import ProofError
from vcbadges.proofs import _jws
from vcbadges.proofs._binding import HOLDER_MISMATCH, bound_key, key_controller

__all__ = ["VerifiedJWTPresentation", "read_jwt_presentation", "verify_jwt_presentation"]

PresentationFormat = Literal["vp-jwt", "vp+jwt"]

# JWT claims that are not presentation properties: a vp+jwt payload carries them beside it.
_JWT_CLAIM_NAMES = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "cnf", "nonce"})
_TYP_VP_JWT = frozenset({"jwt"})
_TYP_VP_JOSE = frozenset({"vp+jwt", "vp+ld+jwt", "vp+ld+json+jwt"})
_CTY_VP_JOSE = frozenset({"vp", "vp+ld+json"})
_PRESENTATION_TYPE = "VerifiablePresentation"


@dataclass(frozen=True)
class VerifiedJWTPresentation:
    """A JWT presentation whose signature verified with a key bound to its holder.

    ``presentation`` is the ``vp`` claim (or the ``vp+jwt`` payload without its JWT claims),
    with ``holder`` and ``id`` filled from ``iss`` and ``jti`` where it is silent. ``holder``
    is the controller the key was bound to; ``aud`` lists the audiences (one string or an
    array in the token), ``nonce`` is the token's, both for the caller to compare.
    """

    presentation: dict[str, Any]
    holder: str
    verification_method: str
    nonce: str | None
    aud: tuple[str, ...]
    header: dict[str, Any]
    claims: dict[str, Any]
    format: PresentationFormat


def _malformed(message: str) -> ProofError:
    return ProofError(message, code=_jws.MALFORMED_JWT)


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _format_of(header: Mapping[str, Any], claims: Mapping[str, Any]) -> PresentationFormat:
    """Tell the format from ``typ`` (and, without one, from the payload's shape).

    Explicit typing (RFC 8725 §3.11) keeps a credential or key proof signed by the same key
    from being taken for a presentation.
    """
    typ = _jws.media_type(header.get("typ"), "typ")
    cty = _jws.media_type(header.get("cty"), "cty")
    if typ in _TYP_VP_JOSE:
        if cty is not None and cty not in _CTY_VP_JOSE:
            raise ProofError(f"a vp+jwt with cty {cty!r} is not a presentation",
                             code=_jws.JWT_WRONG_TYPE)
        if "vc" in claims or "vp" in claims:
            raise _malformed("a vp+jwt must not have vc or vp claims")
        return "vp+jwt"
    if typ is not None and typ not in _TYP_VP_JWT:
        raise ProofError(f"a JWT of type {typ!r} is not a presentation",
                         code=_jws.JWT_WRONG_TYPE)
    if "vp" in claims:
        if not isinstance(claims["vp"], dict):
            raise _malformed("the vp claim is not a JSON object")
        return "vp-jwt"
    if "@context" in claims and _PRESENTATION_TYPE in _types(claims.get("type")):
        return "vp+jwt"
    raise _malformed("the JWT carries no presentation (no vp claim)")


def _string_claim(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is not None and not isinstance(value, str):
        raise _malformed(f"JWT claim {name} is not a string")
    return value


def _carried(parsed: _jws.CompactJWS) -> tuple[dict[str, Any], PresentationFormat]:
    """The presentation a token carries, completed with ``holder`` and ``id`` from the claims."""
    fmt = _format_of(parsed.header, parsed.claims)
    if fmt == "vp-jwt":
        presentation = dict(parsed.claims["vp"])
    else:
        presentation = {k: v for k, v in parsed.claims.items() if k not in _JWT_CLAIM_NAMES}
    iss, jti = _string_claim(parsed.claims, "iss"), _string_claim(parsed.claims, "jti")
    if iss is not None and "holder" not in presentation:
        presentation["holder"] = iss
    if jti is not None and "id" not in presentation:
        presentation["id"] = jti
    return presentation, fmt


def read_jwt_presentation(token: str) -> dict[str, Any]:
    """The presentation a JWT carries, WITHOUT verifying it: for the structural checks and
    the summary a report shows next to a failed signature. Raises ``ProofError``
    (``malformed_jwt``, ``jwt_wrong_type``)."""
    return _carried(_jws.parse_compact(token))[0]


def _stated_holder(presentation: Mapping[str, Any], claims: Mapping[str, Any]) -> str | None:
    """The holder the token names: ``iss`` and the presentation's ``holder`` must agree."""
    holder = presentation.get("holder")
    holder_id = holder.get("id") if isinstance(holder, Mapping) else holder
    if holder_id is not None and not isinstance(holder_id, str):
        raise _malformed("the presentation's holder is not a string or an object with an id")
    iss = _string_claim(claims, "iss")
    if iss is not None and holder_id is not None and iss != holder_id:
        raise ProofError(f"iss {iss!r} is not the presentation's holder {holder_id!r}",
                         code=HOLDER_MISMATCH)
    return iss or holder_id


def _audience(claims: Mapping[str, Any]) -> tuple[str, ...]:
    aud = claims.get("aud")
    values = [] if aud is None else aud if isinstance(aud, list) else [aud]
    if not all(isinstance(value, str) for value in values):
        raise _malformed("JWT claim aud is not a string or an array of strings")
    return tuple(values)


def _check_times(claims: Mapping[str, Any], now: datetime, skew: timedelta) -> None:
    # Compared as timestamps, the skew applied to the clock, never to a date from the token.
    current, margin = now.timestamp(), skew.total_seconds()
    for name in ("iat", "nbf"):
        when = _jws.numeric_date(claims, name)
        if when is not None and when > current + margin:
            raise ProofError(f"the presentation is dated in the future ({name})",
                             code=_jws.PROOF_CREATED_IN_FUTURE)
    exp = _jws.numeric_date(claims, "exp")
    if exp is not None and current - margin > exp:
        raise ProofError("the presentation has expired (exp)", code=_jws.PROOF_EXPIRED)


async def verify_jwt_presentation(token: str, *, resolver: Any, now: datetime,
                                  skew: timedelta) -> VerifiedJWTPresentation:
    """Verify a VP-JWT or ``vp+jwt`` presentation: its key is bound to its holder for
    ``authentication``, its signature and its times (``iat``, ``nbf``, ``exp``, within
    ``skew``). The credentials inside are not verified here.

    Raises ``ProofError`` (``malformed_jwt``, ``jwt_alg_none``, ``jwt_alg_unsupported``,
    ``jwt_crit_unsupported``, ``jwt_wrong_type``, ``holder_mismatch``, ``jwt_no_key``,
    ``jwt_weak_rsa_key``, ``jwt_alg_key_mismatch``, ``proof_created_in_future``,
    ``proof_expired``), ``InvalidProof`` (``invalid_signature``), ``DIDResolutionError`` and
    ``KeyFormatError``.
    """
    parsed = _jws.parse_compact(token)
    alg = _jws.check_alg(parsed.header)
    presentation, fmt = _carried(parsed)
    holder = _stated_holder(presentation, parsed.claims) or key_controller(parsed.header)
    nonce = _string_claim(parsed.claims, "nonce")
    aud = _audience(parsed.claims)
    key = await bound_key(parsed.header, alg, controller=holder, purpose="authentication",
                          resolver=resolver)
    _jws.verify_signature(parsed, alg, key.public_key)
    _check_times(parsed.claims, now, skew)
    return VerifiedJWTPresentation(
        presentation=presentation, holder=key.controller,
        verification_method=key.verification_method, nonce=nonce, aud=aud,
        header=parsed.header, claims=parsed.claims, format=fmt)

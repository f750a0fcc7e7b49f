"""Hazardous materials: credentials secured as JWTs (VC-JWT and VC-JOSE), sign and verify.

Three formats, told apart by the JOSE header ``typ`` and the payload's shape:

* ``ob-jwt``: the Open Badges 3.0 "JSON Web Token Proof Format" as revised for VCDM 2.0
  (``typ`` absent or ``JWT``): the payload is the credential itself, and the registered
  claims ``iss``, ``jti``, ``sub``, ``nbf`` and ``exp`` repeat its issuer, id, subject,
  ``validFrom`` and ``validUntil``. What the issuer writes for a VCDM 2.0 credential.
* ``vc-jwt``: the same section's earlier text, the VCDM 1.1 JWT encoding: the credential
  sits in the ``vc`` claim beside those claims. What the issuer writes for a VCDM 1.1
  credential; verified for either version, since tokens of that form exist.
* ``vc+jwt``: W3C VC-JOSE-COSE for VCDM 2.0 (``application/vc+jwt``): the credential itself
  is the payload; ``typ`` is ``vc+jwt`` and ``cty`` is ``vc``.

A payload is read as one credential only: one that has both a ``vc`` claim and credential
members of its own is refused (``jwt_two_credentials``), and in the ``ob-jwt`` form every
registered claim must name exactly what the credential's member says
(``jwt_claims_mismatch``), so no value is read from a claim in one place and from the
credential in another.

``verify_jwt_credential`` raises on failure, never returns a bool: ``ProofError`` with the
codes below, ``InvalidProof`` (``invalid_signature``), ``DIDResolutionError`` and
``KeyFormatError``. It checks that the key is bound to the credential's issuer (the rule of
:mod:`vcbadges.proofs._binding`: listed for ``assertionMethod`` by the issuer's own DID
document, ``issuer_mismatch`` otherwise), the signature, and that the JWT claims agree with
the credential. It does not decide whether the credential is currently valid: it returns the
credential for the caller's validity checks. :func:`verify_jwt_presentation` does the same
for presentations signed as JWTs, with the key bound to the holder.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from vcbadges.errors import CredentialError, ProofError
from vcbadges.primitives.dates import parse_datetime, utcnow
from vcbadges.primitives.keys import SigningKey
from vcbadges.proofs import _jws
from vcbadges.proofs._binding import HOLDER_MISMATCH, ISSUER_MISMATCH, bound_key
from vcbadges.proofs._jws import (
    JWT_ALG_KEY_MISMATCH,
    JWT_ALG_NONE,
    JWT_ALG_UNSUPPORTED,
    JWT_CRIT_UNSUPPORTED,
    JWT_NO_KEY,
    JWT_WEAK_RSA_KEY,
    JWT_WRONG_TYPE,
    MALFORMED_JWT,
    PROOF_CREATED_IN_FUTURE,
    PROOF_EXPIRED,
)
from vcbadges.proofs._jwt_presentation import (
    VerifiedJWTPresentation,
    read_jwt_presentation,
    verify_jwt_presentation,
)

__all__ = [
    "VerifiedJWT",
    "VerifiedJWTPresentation",
    "sign_vc_jwt",
    "sign_vc_jose",
    "verify_jwt_credential",
    "verify_jwt_presentation",
    "read_jwt_presentation",
    "enveloped_credential",
    "token_from_envelope",
    "read_jwt_credential",
    "looks_like_jwt",
    "MALFORMED_JWT",
    "JWT_ALG_NONE",
    "JWT_ALG_UNSUPPORTED",
    "JWT_ALG_KEY_MISMATCH",
    "JWT_NO_KEY",
    "JWT_WEAK_RSA_KEY",
    "JWT_CRIT_UNSUPPORTED",
    "JWT_CLAIMS_MISMATCH",
    "JWT_TWO_CREDENTIALS",
    "JWT_WRONG_TYPE",
    "ISSUER_MISMATCH",
    "HOLDER_MISMATCH",
]

JWT_CLAIMS_MISMATCH = "jwt_claims_mismatch"
JWT_TWO_CREDENTIALS = "jwt_two_credentials"

VC_V2 = "https://www.w3.org/ns/credentials/v2"
ENVELOPED_TYPE = "EnvelopedVerifiableCredential"
_ENVELOPE_PREFIXES = ("data:application/vc+jwt,", "data:application/jwt,")
# JWT claims (RFC 7519 and those VC-JOSE-COSE names) that are not credential properties: a
# vc+jwt payload may carry them beside the credential, and they are not part of it.
_JWT_CLAIM_NAMES = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "cnf"})
# Members that make a payload the credential itself (beside or instead of a vc claim).
_CREDENTIAL_MEMBERS = frozenset({"@context", "type", "credentialSubject", "issuer"})
Format = Literal["ob-jwt", "vc-jwt", "vc+jwt"]
# typ values after RFC 7515 §4.1.9 normalisation (case-insensitive, "application/" optional).
# The vc+ld forms are the VC-JOSE-COSE drafts' names for the same thing.
_TYP_VC_JWT = frozenset({"jwt"})
_TYP_VC_JOSE = frozenset({"vc+jwt", "vc+ld+jwt", "vc+ld+json+jwt"})
_CTY_VC_JOSE = frozenset({"vc", "vc+ld+json"})


@dataclass(frozen=True)
class VerifiedJWT:
    """A JWT credential whose signature verified.

    ``credential`` is the credential as the token carries it: the payload without the JWT
    claims (such as ``iat``) for ``ob-jwt`` and ``vc+jwt``, or the ``vc`` claim. A ``vc``
    is completed from the claims where it is silent: the older Open Badges text says
    ``nbf``/``exp`` set ``validFrom``/``validUntil`` and ``iss``/``sub``/``jti`` the issuer,
    subject and id (that is what the signed token asserts). Where both speak they must agree.
    ``controller`` is the issuer the key was bound to, and ``verification_method`` the method
    of the issuer's document that lists the key.
    """

    credential: dict[str, Any]
    header: dict[str, Any]
    claims: dict[str, Any]
    verification_method: str
    controller: str
    format: Format


# --- credential fields --------------------------------------------------------------------


def _issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, Mapping) and isinstance(issuer.get("id"), str):
        return str(issuer["id"])
    return None


def _subjects(credential: Mapping[str, Any]) -> list[Any]:
    subject = credential.get("credentialSubject")
    return list(subject) if isinstance(subject, list) else [] if subject is None else [subject]


def _subject_ids(credential: Mapping[str, Any]) -> list[str]:
    return [s["id"] for s in _subjects(credential)
            if isinstance(s, Mapping) and isinstance(s.get("id"), str)]


def _numeric_date(credential: Mapping[str, Any], name: str) -> int | float:
    """A credential date as a JWT NumericDate: whole seconds as an int, fractions kept."""
    try:
        stamp = parse_datetime(credential[name]).timestamp()
    except (ValueError, OverflowError) as exc:
        raise CredentialError(f"{name} is not a date-time a JWT can carry: {exc}") from exc
    return int(stamp) if stamp.is_integer() else stamp


def _first_date(credential: Mapping[str, Any], *names: str) -> int | float | None:
    for name in names:
        if name in credential:
            return _numeric_date(credential, name)
    return None


# --- signing --------------------------------------------------------------------------------


def _iat(now: datetime | None) -> int:
    when = now or utcnow()
    if when.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return int(when.timestamp())


def _unsecured(credential: Mapping[str, Any]) -> dict[str, Any]:
    """The credential without ``proof``: the JWS secures it, and a Data Integrity proof
    inside the payload is one that JWT verifiers never check, so it is not carried along."""
    if not isinstance(credential, Mapping):
        raise TypeError("credential must be a mapping")
    return {k: v for k, v in credential.items() if k != "proof"}


def _is_vcdm2(credential: Mapping[str, Any]) -> bool:
    context = credential.get("@context")
    return VC_V2 in (context if isinstance(context, list) else [context])


def sign_vc_jwt(credential: Mapping[str, Any], *, key: SigningKey,
                now: datetime | None = None) -> str:
    """Return ``credential`` as an Open Badges 3.0 VC-JWT (compact JWS), signed with ``key``.

    Header ``{"alg", "typ": "JWT", "kid"}`` with ``kid`` the key's verification method; claims
    ``iss`` (issuer id), ``sub`` (subject id, when there is exactly one), ``nbf``
    (``validFrom``/``issuanceDate``), ``exp`` (``validUntil``/``expirationDate``, when present),
    ``jti`` (credential id, when present) and ``iat`` (``now``). A VCDM 2.0 credential
    (without ``proof``) is the payload itself, beside those claims (OB 3.0 as revised for
    VCDM 2.0); a VCDM 1.1 one goes in the ``vc`` claim. Raises ``CredentialError`` when the
    issuer has no id, a date is malformed, or a VCDM 2.0 credential has members named like
    the claims.
    """
    vc = _unsecured(credential)
    issuer = _issuer_id(vc)
    if issuer is None:
        raise CredentialError("credential has no issuer id to put in iss")
    claims: dict[str, Any] = {"iss": issuer}
    subject_ids = _subject_ids(vc)
    if len(subject_ids) == 1 and len(_subjects(vc)) == 1:
        claims["sub"] = subject_ids[0]
    nbf = _first_date(vc, "validFrom", "issuanceDate")
    if nbf is not None:
        claims["nbf"] = nbf
    exp = _first_date(vc, "validUntil", "expirationDate")
    if exp is not None:
        claims["exp"] = exp
    if isinstance(vc.get("id"), str):
        claims["jti"] = vc["id"]
    claims["iat"] = _iat(now)
    if _is_vcdm2(vc):
        clash = (_JWT_CLAIM_NAMES | {"vc", "vp"}) & vc.keys()
        if clash:
            raise CredentialError(
                f"credential has members named like JWT claims: {sorted(clash)}")
        payload = {**vc, **claims}
    else:
        payload = {**claims, "vc": vc}
    header = {"alg": key.jose_alg, "typ": "JWT", "kid": key.verification_method}
    return _jws.sign_compact(header, payload, key)


def sign_vc_jose(credential: Mapping[str, Any], *, key: SigningKey,
                 now: datetime | None = None) -> str:
    """Return ``credential`` secured as ``application/vc+jwt`` (W3C VC-JOSE-COSE, VCDM 2.0).

    Header ``{"alg", "kid", "typ": "vc+jwt", "cty": "vc"}``; the payload is the credential
    without ``proof`` plus ``iat`` (``now``), which VC-JOSE-COSE defines as the time of the
    signature, not of the credential.
    """
    payload = _unsecured(credential)
    clash = _JWT_CLAIM_NAMES & payload.keys()
    if clash:
        raise CredentialError(f"credential has members named like JWT claims: {sorted(clash)}")
    payload["iat"] = _iat(now)
    header = {"alg": key.jose_alg, "kid": key.verification_method, "typ": "vc+jwt", "cty": "vc"}
    return _jws.sign_compact(header, payload, key)


# --- verifying ------------------------------------------------------------------------------


def _format_of(header: dict[str, Any], claims: dict[str, Any]) -> Format:
    """Tell the format from ``typ`` (and, without one, from the payload's shape).

    Explicit typing (RFC 8725 §3.11) keeps other JWTs signed by the same key, such as an
    OpenID4VCI proof or a presentation, from being accepted as credentials.
    """
    typ = _jws.media_type(header.get("typ"), "typ")
    cty = _jws.media_type(header.get("cty"), "cty")
    if typ in _TYP_VC_JOSE:
        if cty is not None and cty not in _CTY_VC_JOSE:
            raise ProofError(f"a vc+jwt with cty {cty!r} is not a credential", code=JWT_WRONG_TYPE)
        if "vc" in claims or "vp" in claims:
            raise ProofError("a vc+jwt must not have vc or vp claims", code=MALFORMED_JWT)
        return "vc+jwt"
    if typ is not None and typ not in _TYP_VC_JWT:
        raise ProofError(f"a JWT of type {typ!r} is not a credential", code=JWT_WRONG_TYPE)
    if "vc" in claims:
        if _CREDENTIAL_MEMBERS & claims.keys():
            raise ProofError("the JWT carries a credential both in its vc claim and as its "
                             "payload", code=JWT_TWO_CREDENTIALS)
        if not isinstance(claims["vc"], dict):
            raise ProofError("the vc claim is not a JSON object", code=MALFORMED_JWT)
        return "vc-jwt"
    if "@context" in claims and "type" in claims:
        return "ob-jwt"
    raise ProofError("the JWT carries no credential (no vc claim)", code=MALFORMED_JWT)


def _mismatch(message: str) -> ProofError:
    return ProofError(message, code=JWT_CLAIMS_MISMATCH)


def _check_identity(credential: dict[str, Any], claims: dict[str, Any]) -> None:
    """``iss``, ``jti`` and ``sub`` must name the issuer, the credential and its subject."""
    iss, jti, sub = claims.get("iss"), claims.get("jti"), claims.get("sub")
    for name, value in (("iss", iss), ("jti", jti), ("sub", sub)):
        if value is not None and not isinstance(value, str):
            raise ProofError(f"JWT claim {name} is not a string", code=MALFORMED_JWT)
    issuer = _issuer_id(credential)
    if iss is not None and issuer is not None and iss != issuer:
        raise _mismatch(f"iss {iss!r} is not the credential's issuer {issuer!r}")
    if jti is not None and isinstance(credential.get("id"), str) and jti != credential["id"]:
        raise _mismatch(f"jti {jti!r} is not the credential's id {credential['id']!r}")
    ids = _subject_ids(credential)
    if sub is not None and ids and sub not in ids:
        raise _mismatch(f"sub {sub!r} is not the id of the credential's subject")


def _same_second(claim: float, credential: Mapping[str, Any], name: str) -> bool:
    """Whether a NumericDate claim and a credential date name the same second.

    NumericDates may carry fractions that a credential date drops, or the other way round:
    both are compared at whole-second precision. A credential date that cannot be read, or
    lies outside the years 1 to 9999 once in UTC, never equals a claim, which
    :func:`~vcbadges.proofs._jws.numeric_date` keeps within them.
    """
    try:
        stamp = parse_datetime(credential[name]).timestamp()
    except (ValueError, OverflowError):
        return False
    return math.floor(stamp) == math.floor(claim)


def _check_payload_claims(credential: dict[str, Any], claims: dict[str, Any]) -> None:
    """In the ``ob-jwt`` form each registered claim repeats a member of the credential: it
    must be there and say the same (``nbf``/``exp`` to the second), or the token would say
    one thing to JWT readers and another to credential readers."""
    _check_identity(credential, claims)
    if claims.get("iss") is not None and _issuer_id(credential) is None:
        raise _mismatch("iss names an issuer but the credential has no issuer id")
    if claims.get("jti") is not None and not isinstance(credential.get("id"), str):
        raise _mismatch("jti names a credential id but the credential has no id")
    if claims.get("sub") is not None and not _subject_ids(credential):
        raise _mismatch("sub names a subject but the credential's subject has no id")
    for claim, names in (("nbf", ("validFrom", "issuanceDate")),
                         ("exp", ("validUntil", "expirationDate"))):
        when = _jws.numeric_date(claims, claim)
        if when is None:
            continue
        present = [n for n in names if n in credential]
        if not present:
            raise _mismatch(f"{claim} is set but the credential has no {names[0]}")
        for name in present:
            if not _same_second(when, credential, name):
                raise _mismatch(f"{claim} does not match the credential's {name}")


def _xsd_date(stamp: float) -> str:
    # isoformat, not strftime: "%Y" drops the leading zeros of years before 1000.
    when = datetime.fromtimestamp(math.floor(stamp), UTC)
    return when.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _complete(vc: dict[str, Any], claims: dict[str, Any]) -> dict[str, Any]:
    """Check a VC-JWT's claims against its ``vc`` and fill what the ``vc`` leaves out."""
    _check_identity(vc, claims)
    credential = dict(vc)
    context = vc.get("@context")
    v2 = VC_V2 in (context if isinstance(context, list) else [context])
    iss = claims.get("iss")
    if iss is not None and _issuer_id(vc) is None:
        issuer = vc.get("issuer")
        if issuer is None:
            credential["issuer"] = iss
        elif isinstance(issuer, dict):
            credential["issuer"] = {**issuer, "id": iss}
        else:
            raise CredentialError("credential issuer is neither an IRI nor an object")
    if claims.get("jti") is not None and "id" not in vc:
        credential["id"] = claims["jti"]
    subject = vc.get("credentialSubject")
    if claims.get("sub") is not None and isinstance(subject, dict) and "id" not in subject:
        credential["credentialSubject"] = {**subject, "id": claims["sub"]}
    for claim, names, default in (("nbf", ("validFrom", "issuanceDate"),
                                   "validFrom" if v2 else "issuanceDate"),
                                  ("exp", ("validUntil", "expirationDate"),
                                   "validUntil" if v2 else "expirationDate")):
        when = _jws.numeric_date(claims, claim)
        if when is None:
            continue
        present = [n for n in names if n in vc]
        for name in present:
            if not _same_second(when, vc, name):
                raise _mismatch(f"{claim} does not match the credential's {name}")
        if not present:
            credential[default] = _xsd_date(when)
    return credential


def _check_signature_times(claims: dict[str, Any], fmt: str, now: datetime,
                           skew: timedelta) -> None:
    """``iat`` is when the token was signed; for vc+jwt ``exp`` is when the signature expires.

    A VC-JWT's ``exp`` is the credential's ``validUntil`` and is left to the validity check.
    """
    # Compared as timestamps, the skew applied to the clock, never to a date from the token.
    current, margin = now.timestamp(), skew.total_seconds()
    iat = _jws.numeric_date(claims, "iat")
    if iat is not None and iat > current + margin:
        raise ProofError("the JWT was issued in the future (iat)", code=PROOF_CREATED_IN_FUTURE)
    _jws.numeric_date(claims, "nbf")
    exp = _jws.numeric_date(claims, "exp")
    if fmt == "vc+jwt" and exp is not None and current - margin > exp:
        raise ProofError("the JWT signature has expired (exp)", code=PROOF_EXPIRED)


async def verify_jwt_credential(token: str, *, resolver: Any, now: datetime,
                                skew: timedelta) -> VerifiedJWT:
    """Verify a VC-JWT (either form) or ``vc+jwt`` credential; return it with its header,
    claims and key.

    The key is the one the header names (``kid``) or carries (``jwk``), and it must be bound
    to the credential's issuer (its ``issuer``, else ``iss``) through ``resolver`` for
    ``assertionMethod``. Raises ``ProofError`` (``malformed_jwt``, ``jwt_two_credentials``,
    ``jwt_alg_none``, ``jwt_alg_unsupported``, ``jwt_crit_unsupported``, ``jwt_wrong_type``,
    ``issuer_mismatch``, ``jwt_no_key``, ``jwt_weak_rsa_key``, ``jwt_alg_key_mismatch``,
    ``jwt_claims_mismatch``, ``proof_created_in_future``, ``proof_expired``), ``InvalidProof``
    (``invalid_signature``), ``CredentialError``, ``DIDResolutionError`` and
    ``KeyFormatError``.
    """
    parsed = _jws.parse_compact(token)
    alg = _jws.check_alg(parsed.header)
    fmt = _format_of(parsed.header, parsed.claims)
    if fmt == "vc-jwt":
        carried: dict[str, Any] = parsed.claims["vc"]
    else:
        carried = {k: v for k, v in parsed.claims.items() if k not in _JWT_CLAIM_NAMES}
    iss = parsed.claims.get("iss")
    issuer = _issuer_id(carried) or (iss if isinstance(iss, str) else None)
    if issuer is None:
        raise ProofError("the credential names no issuer, so no key can be bound to it",
                         code=ISSUER_MISMATCH)
    key = await bound_key(parsed.header, alg, controller=issuer, purpose="assertionMethod",
                          resolver=resolver)
    _jws.verify_signature(parsed, alg, key.public_key)
    _check_signature_times(parsed.claims, fmt, now, skew)
    if fmt == "vc-jwt":
        credential = _complete(carried, parsed.claims)
    elif fmt == "ob-jwt":
        _check_payload_claims(carried, parsed.claims)
        credential = carried
    else:
        _check_identity(carried, parsed.claims)
        credential = carried
    return VerifiedJWT(credential=credential, header=parsed.header, claims=parsed.claims,
                       verification_method=key.verification_method, controller=key.controller,
                       format=fmt)


def read_jwt_credential(token: str) -> dict[str, Any]:
    """The credential a JWT carries, WITHOUT verifying it: for the structural checks and the
    summary a report shows next to a failed signature. Raises ``ProofError`` (``malformed_jwt``).
    """
    parsed = _jws.parse_compact(token)
    vc = parsed.claims.get("vc")
    if isinstance(vc, dict):
        return dict(vc)
    return {k: v for k, v in parsed.claims.items() if k not in _JWT_CLAIM_NAMES}


def looks_like_jwt(value: Any) -> bool:
    """True for a string shaped like a compact JWS (three base64url parts)."""
    if not isinstance(value, str) or value.count(".") != 2 or len(value) < 16:
        return False
    return all(part and all(c.isalnum() or c in "-_" for c in part)
               for part in value.strip().split("."))


# --- envelopes ------------------------------------------------------------------------------


def enveloped_credential(token: str) -> dict[str, Any]:
    """Wrap a ``vc+jwt`` (or VC-JWT) token as a VCDM 2.0 ``EnvelopedVerifiableCredential``,
    the form a presentation uses to carry a JWT credential in ``verifiableCredential``."""
    if not isinstance(token, str) or not token:
        raise TypeError("token must be a non-empty string")
    return {"@context": VC_V2, "id": "data:application/vc+jwt," + token, "type": ENVELOPED_TYPE}


def token_from_envelope(obj: Any) -> str | None:
    """The JWT inside an ``EnvelopedVerifiableCredential``, or None when ``obj`` is not one.

    Accepts ``data:application/vc+jwt,`` and the generic ``data:application/jwt,`` media types;
    other envelopes (SD-JWT, COSE) are not JWT credentials and give None.
    """
    if not isinstance(obj, Mapping):
        return None
    types = obj.get("type")
    if not (types == ENVELOPED_TYPE or isinstance(types, list) and ENVELOPED_TYPE in types):
        return None
    data = obj.get("id")
    if not isinstance(data, str):
        return None
    for prefix in _ENVELOPE_PREFIXES:
        if data.startswith(prefix) and len(data) > len(prefix):
            return data[len(prefix):]
    return None

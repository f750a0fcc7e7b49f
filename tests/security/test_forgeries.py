"""Named forgeries: each one a way testers got ``verified: true`` for a credential that must fail.

Every test builds the forgery the way an attacker would (by hand where the library would refuse
to help), verifies it, and asserts that it is not verified and why. The JSON-LD forgeries first
assert that the rewrite really keeps the signed RDF, so each one is a forgery a verifier that
only checked signatures would accept.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterator
from typing import Any, Literal

import pytest
from mutations import (
    ATTACKER,
    CHALLENGE,
    DOMAIN,
    EXPIRED,
    HIDING,
    HOLDER,
    ISSUED,
    ISSUER,
    ISSUER_P256,
    NOW,
    OTHER_SUBJECT,
    REVOKED_INDEX,
    Path,
    Report,
    all_checks,
    assert_fails_closed,
    badge,
    hidden,
    plain_rdf,
    proof_configs,
    resigned,
    rsa_public_jwk,
    rsa_signer,
    sign,
    sign_jwt,
    unsecured,
    world,
)

from vcbadges import generate_key, issue, issue_jwt, present, verify
from vcbadges.primitives.keys import SigningKey
from vcbadges.proofs.jose import enveloped_credential
from vcbadges.report import PresentationReport, VerificationReport


async def options(**extra: Any) -> dict[str, Any]:
    """The pinned clock and the signed status lists; no verification reaches the network."""
    built = await world()
    return {"now": NOW, "fetcher": built.lists, **extra}


def codes(report: Report) -> set[str]:
    return {code for _, _, code in all_checks(report)}


def failed_codes(report: Report) -> set[str]:
    return {code for _, outcome, code in all_checks(report) if outcome in ("failed", "error")}


def check_of(report: Report, check_id: str) -> tuple[str, str]:
    found = report.check(check_id)
    return found.outcome.value, found.code


async def presented(credentials: list[Any], key: SigningKey = HOLDER) -> dict[str, Any]:
    vp: dict[str, Any] = await present(credentials, key=key, challenge=CHALLENGE, domain=DOMAIN,
                                       now=NOW)
    return vp


# --- a VC-JWT signed by the attacker's RSA key, claiming a did:key issuer ----------------------


def rsa_forgery(alg: Literal["RS256", "PS256"], typ: str, kid: str | None) -> str:
    """A badge naming the victim's did:key as issuer and the attacker as subject, signed by
    an RSA key the attacker made and put in the ``jwk`` header."""
    credential = badge(ISSUER, subject=ATTACKER, status=False, name="Harvard University")
    header: dict[str, Any] = {"alg": alg, "typ": typ, "jwk": rsa_public_jwk()}
    if kid is not None:
        header["kid"] = kid
    issued_at = int(ISSUED.timestamp())
    if typ == "vc+jwt":
        header["cty"] = "vc"
        payload: dict[str, Any] = {**credential, "iat": issued_at}
    else:
        payload = {"iss": ISSUER.controller, "sub": ATTACKER.controller, "jti": credential["id"],
                   "nbf": issued_at, "iat": issued_at, "vc": credential}
    return sign_jwt(header, payload, rsa_signer(alg))


RSA_CASES = [pytest.param(alg, typ, kid, id=f"{alg}-{typ}-{'kid' if kid else 'no kid'}")
             for alg in ("RS256", "PS256") for typ in ("JWT", "vc+jwt")
             for kid in (None, "attacker-rsa-1")]


@pytest.mark.parametrize("trusted", [False, True], ids=["no trust list", "issuer trusted"])
@pytest.mark.parametrize(("alg", "typ", "kid"), RSA_CASES)
async def test_a_jwt_signed_by_an_embedded_rsa_key_does_not_speak_for_a_did_key_issuer(
        alg: Literal["RS256", "PS256"], typ: str, kid: str | None, trusted: bool) -> None:
    """An RSA key in the header belongs to whoever put it there; it is no key of the did:key
    the token names as issuer, so the issuer check must fail, not be skipped."""
    extra = {"trusted_issuers": [ISSUER.controller]} if trusted else {}
    report = await verify(rsa_forgery(alg, typ, kid), **await options(**extra))
    assert report.verified is False
    assert "issuer_mismatch" in codes(report), report.to_json()


@pytest.mark.parametrize("trusted", [False, True], ids=["no trust list", "issuer trusted"])
@pytest.mark.parametrize(("alg", "typ", "kid"), RSA_CASES)
async def test_a_presented_rsa_forgery_does_not_speak_for_a_did_key_issuer(
        alg: Literal["RS256", "PS256"], typ: str, kid: str | None, trusted: bool) -> None:
    """The attacker presents the forged badge as its own; the presentation's valid proof
    must not lend the credential inside it any authority."""
    vp = await presented([enveloped_credential(rsa_forgery(alg, typ, kid))], key=ATTACKER)
    extra = {"trusted_issuers": [ISSUER.controller]} if trusted else {}
    report = await verify(vp, challenge=CHALLENGE, domain=DOMAIN, **await options(**extra))
    assert report.verified is False
    assert "issuer_mismatch" in codes(report), report.to_json()


# --- expiry, revocation and proof expiry hidden by JSON-LD rewrites ---------------------------

SUITES = [("eddsa-rdfc-2022", ISSUER), ("ecdsa-rdfc-2019", ISSUER_P256),
          ("ed25519-2020", ISSUER)]
# What verification must find instead: the real failure, or a refusal of the spelling. A
# proof whose members are spelled differently is malformed as a proof.
REFUSED_SPELLING = {"noncanonical_spelling"}
EXPECTED = {
    "expired": {"expired"},
    "revoked": {"revoked"},
    "proof expired": {"proof_expired", "malformed_proof"},
}
TARGETS: dict[str, Path] = {"expired": ("validUntil",), "revoked": ("credentialStatus",),
                            "proof expired": ("proof", "expires")}


async def bad_credential(case: str, suite: str, key: SigningKey) -> dict[str, Any]:
    """A credential signed by its real issuer that must fail for the reason ``case`` names."""
    if case == "expired":
        return await sign(badge(key, valid_until=EXPIRED), key, suite)
    if case == "revoked":
        return await sign(badge(key, status_index=REVOKED_INDEX), key, suite)
    if case == "expired 1.1":
        return await sign(badge(key, vcdm="1.1", status=False, valid_until=EXPIRED), key, suite)
    return await sign(badge(key), key, suite, expires=EXPIRED)


def hiding_cases() -> Iterator[Any]:
    for suite, key in SUITES:
        for case in EXPECTED:
            for rewrite in HIDING:
                # An alias in a @context of the proof's own changes the proof configuration,
                # whose @context is the document's: that is not a rewrite that keeps the RDF.
                if case == "proof expired" and rewrite == "node-scoped alias":
                    continue
                yield pytest.param(case, suite, key, rewrite, id=f"{case}-{suite}-{rewrite}")
    for rewrite in HIDING:
        yield pytest.param("expired 1.1", "eddsa-rdfc-2022", ISSUER, rewrite,
                           id=f"VCDM 1.1 expirationDate-{rewrite}")


def assert_same_signed_rdf(original: dict[str, Any], forged: dict[str, Any]) -> None:
    """The forgery is real: the document and proof configurations keep their RDF."""
    assert plain_rdf(unsecured(forged)) == plain_rdf(unsecured(original))
    assert sorted(map(plain_rdf, proof_configs(forged))) == sorted(
        map(plain_rdf, proof_configs(original)))


def assert_refused(report: Report, case: str) -> None:
    expected = EXPECTED.get(case, {"expired"})
    assert report.verified is False
    found = failed_codes(report)
    assert found & (expected | REFUSED_SPELLING), (
        f"expected one of {sorted(expected | REFUSED_SPELLING)}, the report failed with "
        f"{sorted(found)}")


@pytest.mark.parametrize(("case", "suite", "key", "rewrite"), list(hiding_cases()))
async def test_a_rewrite_that_keeps_the_signature_does_not_hide_why_a_credential_fails(
        case: str, suite: str, key: SigningKey, rewrite: str) -> None:
    """The signature covers RDF, the checks read JSON: moving a member to another spelling
    of the same RDF keeps the signature and must not take the member out of the checks."""
    credential = await bad_credential(case, suite, key)
    target = ("expirationDate",) if case == "expired 1.1" else TARGETS[case]
    forged = hidden(credential, target, rewrite)
    assert_same_signed_rdf(credential, forged)
    report = await verify(forged, **await options())
    assert_refused(report, case)


@pytest.mark.parametrize(("case", "suite", "key", "rewrite"), list(hiding_cases()))
async def test_a_rewrite_inside_a_presentation_does_not_hide_why_its_credential_fails(
        case: str, suite: str, key: SigningKey, rewrite: str) -> None:
    """Rewritten after the holder signed: the holder's proof covers the same RDF too, so
    nobody needs a key to make this forgery."""
    credential = await bad_credential(case, suite, key)
    vp = await presented([credential])
    target = ("expirationDate",) if case == "expired 1.1" else TARGETS[case]
    forged = hidden(vp, ("verifiableCredential", 0, *target), rewrite)
    assert_same_signed_rdf(vp, forged)
    assert_same_signed_rdf(credential, forged["verifiableCredential"][0])
    report = await verify(forged, challenge=CHALLENGE, domain=DOMAIN, **await options())
    assert_refused(report, case)


# --- holder binding ---------------------------------------------------------------------------


async def test_a_holder_who_is_not_the_subject_cannot_present_someone_elses_badge() -> None:
    """Verifying a presentation means the person presenting is the one the badge is about."""
    credential = await sign(badge(ISSUER, subject=OTHER_SUBJECT), ISSUER, "eddsa-rdfc-2022")
    vp = await presented([credential], key=ATTACKER)
    trusted = {"trusted_issuers": {ISSUER.controller: "Example University"}}
    report = await verify(vp, challenge=CHALLENGE, domain=DOMAIN, **await options(**trusted))
    assert report.verified is False
    assert check_of(report, "holder") == ("failed", "holder_not_subject")
    relaxed = await verify(vp, challenge=CHALLENGE, domain=DOMAIN, holder_must_be_subject=False,
                           **await options(**trusted))
    assert relaxed.verified, relaxed.to_json()
    assert check_of(relaxed, "holder")[0] == "passed"
    assert_fails_closed(relaxed)


@pytest.mark.parametrize("fmt", ["jwt", "vc+jwt"])
async def test_an_envelope_cannot_name_a_subject_the_token_inside_does_not(
        fmt: Literal["jwt", "vc+jwt"]) -> None:
    """Only the JWT inside an EnvelopedVerifiableCredential is signed; members the envelope
    carries beside it are the presenter's words and must not satisfy holder binding."""
    token = await issue_jwt(badge(ISSUER, subject=OTHER_SUBJECT), key=ISSUER,
                            format=fmt, now=ISSUED)
    envelope = {**enveloped_credential(token),
                "type": ["EnvelopedVerifiableCredential", "VerifiableCredential"],
                "credentialSubject": {"id": ATTACKER.controller}}
    vp = await presented([envelope], key=ATTACKER)
    report = await verify(vp, challenge=CHALLENGE, domain=DOMAIN, **await options())
    assert report.verified is False
    assert "holder_not_subject" in codes(report), report.to_json()


# --- inputs at the edges ------------------------------------------------------------------------

EDGE_DATES = ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+01:00"]
# The same instants as JWT NumericDates, and the one just past each.
EDGE_STAMPS = [253402300799, 253402300800, -62135600400, -62135596800, 1e300, -1e300]


def survivable(report: Any) -> None:
    """A report came back, and it can be shown: serialising it does not fail either."""
    assert isinstance(report, (VerificationReport, PresentationReport))
    json.dumps(report.to_json())


@pytest.mark.parametrize("date", EDGE_DATES)
@pytest.mark.parametrize("member", ["validFrom", "validUntil"])
async def test_validity_dates_at_the_edge_of_the_calendar_never_raise(date: str,
                                                                       member: str) -> None:
    """Adding the clock skew to such a date, or moving it to UTC, leaves the calendar."""
    document = badge(ISSUER)
    document[member] = date
    signed = await sign(document, ISSUER, "eddsa-rdfc-2022")
    survivable(await verify(signed, **await options()))
    survivable(await verify(await presented([signed]), challenge=CHALLENGE, domain=DOMAIN,
                            **await options()))


@pytest.mark.parametrize("date", EDGE_DATES)
@pytest.mark.parametrize("member", ["created", "expires"])
async def test_proof_dates_at_the_edge_of_the_calendar_never_raise(date: str,
                                                                    member: str) -> None:
    """Signed over the edge date, so a verifier that checks the signature first still has to
    read it."""
    signed = await sign(badge(ISSUER), ISSUER, "eddsa-rdfc-2022")
    signed["proof"][member] = date
    survivable(await verify(signed, **await options()))
    survivable(await verify(resigned(signed, ISSUER), **await options()))
    vp = await presented([await sign(badge(ISSUER), ISSUER, "eddsa-rdfc-2022")])
    vp["proof"][member] = date
    for presentation in (vp, resigned(vp, HOLDER)):
        survivable(await verify(presentation, challenge=CHALLENGE, domain=DOMAIN,
                                **await options()))


@pytest.mark.parametrize("stamp", EDGE_STAMPS)
@pytest.mark.parametrize("claim", ["nbf", "exp", "iat"])
@pytest.mark.parametrize("typ", ["JWT", "vc+jwt"])
async def test_jwt_dates_at_the_edge_of_the_calendar_never_raise(stamp: float, claim: str,
                                                                  typ: str) -> None:
    """Signed by the real issuer, so every claim is read after the signature verifies."""
    credential = badge(ISSUER)
    header = {"alg": "EdDSA", "typ": typ, "kid": ISSUER.verification_method}
    if typ == "vc+jwt":
        payload: dict[str, Any] = {**credential, claim: stamp}
    else:
        payload = {"iss": ISSUER.controller, "sub": HOLDER.controller, "jti": credential["id"],
                   "nbf": int(ISSUED.timestamp()), "vc": credential, claim: stamp}
    survivable(await verify(sign_jwt(header, payload, ISSUER.sign), **await options()))


@pytest.mark.parametrize("date", EDGE_DATES)
async def test_credential_dates_at_the_edge_inside_a_jwt_never_raise(date: str) -> None:
    """The VC-JWT's exp must be compared with the credential's validUntil at the edge too."""
    credential = {**badge(ISSUER), "validUntil": date}
    header = {"alg": "EdDSA", "typ": "JWT", "kid": ISSUER.verification_method}
    payload = {"iss": ISSUER.controller, "vc": credential, "exp": 253402300799}
    survivable(await verify(sign_jwt(header, payload, ISSUER.sign), **await options()))


HUGE = 10**5000


def with_value(document: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(document)
    node: Any = out
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return out


ODD_NUMBERS = [
    pytest.param(("credentialSubject", "result", 0, "value"), HUGE, id="huge result value"),
    pytest.param(("extra",), HUGE, id="huge new member"),
    pytest.param(("credentialStatus", 0, "statusListIndex"), HUGE, id="huge status index"),
    pytest.param(("validUntil",), math.nan, id="NaN validUntil"),
    pytest.param(("validFrom",), math.inf, id="infinite validFrom"),
    pytest.param(("proof", "created"), math.nan, id="NaN proof created"),
    pytest.param(("proof", "expires"), HUGE, id="huge proof expires"),
]


@pytest.mark.parametrize(("path", "value"), ODD_NUMBERS)
async def test_numbers_json_text_cannot_carry_neither_raise_nor_verify(path: Path,
                                                                      value: Any) -> None:
    """Python objects handed to verify() can hold what JSON text cannot: ints of thousands of
    digits (which str() refuses) and NaN."""
    signed = await sign(badge(ISSUER), ISSUER, "eddsa-rdfc-2022")
    forged = with_value(signed, path, value)
    report = await verify(forged, **await options())
    survivable(report)
    assert report.verified is False
    vp = with_value(await presented([signed]), ("verifiableCredential", 0, *path), value)
    report = await verify(vp, challenge=CHALLENGE, domain=DOMAIN, **await options())
    survivable(report)
    assert report.verified is False


@pytest.mark.parametrize("as_text", [False, True], ids=["object", "JSON text"])
async def test_sixteen_thousand_values_in_one_property_are_refused_as_too_large(
        as_text: bool) -> None:
    """Expanding and canonicalising such a document is work an attacker chooses; it is
    refused for its size, whatever the signature says."""
    signed = await sign(badge(ISSUER), ISSUER, "eddsa-rdfc-2022")
    signed["credentialSubject"]["achievement"]["tag"] = [f"tag-{i}" for i in range(16_000)]
    report = await verify(json.dumps(signed) if as_text else signed, **await options())
    assert report.verified is False
    assert "document_too_large" in failed_codes(report), report.to_json()["checks"][:2]


def malformed(text: str, variant: str) -> str:
    """The signed badge's JSON text with one construct JSON parsers disagree about."""
    until = '"validUntil": '
    at = text.index(until) + len(until)
    value_end = text.index('"', at + 1) + 1
    if variant in ("NaN", "Infinity", "-Infinity"):
        return text[:at] + variant + text[value_end:]
    member = {"duplicate validUntil": '"validUntil"', "duplicate proof expires": '"expires"',
              "duplicate credentialStatus": '"credentialStatus"'}[variant]
    first = text.index(member)
    decoy = '[]' if "Status" in member else '"2099-01-01T00:00:00Z"'
    return f"{text[:first]}{member}: {decoy}, {text[first:]}"


MALFORMED = ["NaN", "Infinity", "-Infinity", "duplicate validUntil", "duplicate proof expires",
             "duplicate credentialStatus"]


@pytest.mark.parametrize("as_bytes", [False, True], ids=["str", "bytes"])
@pytest.mark.parametrize("variant", MALFORMED)
async def test_json_text_that_parsers_read_differently_is_malformed(variant: str,
                                                                    as_bytes: bool) -> None:
    """NaN and Infinity are not JSON; with duplicate names, which value wins depends on the
    parser, so a signer and a verifier could read two different credentials."""
    signed = await sign(badge(ISSUER), ISSUER, "eddsa-rdfc-2022")
    text = malformed(json.dumps(signed), variant)
    report = await verify(text.encode() if as_bytes else text, **await options())
    assert report.verified is False
    assert check_of(report, "document") == ("failed", "malformed_json")


# --- issuer names are claims until a trust list confirms them ---------------------------------


async def harvard_badge() -> tuple[dict[str, Any], str]:
    key = generate_key("Ed25519")
    unsigned = badge(key, status=False, name="Harvard University")
    return await issue(unsigned, key=key, now=ISSUED), key.controller


@pytest.mark.parametrize("trusted", [None, {"did:web:registry.example:other": "Other"}],
                         ids=["no trust list", "someone else trusted"])
async def test_a_fresh_did_calling_itself_harvard_is_not_a_trusted_issuer(
        trusted: dict[str, str] | None) -> None:
    """Anyone can write "Harvard University" into a badge they sign; the report must say the
    issuer is unknown rather than repeat the name as if it were confirmed."""
    signed, _ = await harvard_badge()
    report = await verify(signed, trusted_issuers=trusted, **await options())
    assert check_of(report, "issuer_trust") == ("failed", "issuer_unknown")
    assert report.to_json()["issuerTrusted"] is False


async def test_the_same_badge_is_trusted_once_a_trust_list_names_its_did() -> None:
    signed, did = await harvard_badge()
    report = await verify(signed, trusted_issuers={did: "Harvard University"}, **await options())
    assert check_of(report, "issuer_trust")[0] == "passed"
    assert_fails_closed(report)

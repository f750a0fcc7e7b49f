"""JSON-LD rewrites that keep an RDFC signature valid must not hide what the checks read.

Each test signs a badge that is expired (or has an expired proof), rewrites the JSON so the
signed RDF stays the same but the plain JSON name disappears, and expects the verifier to
refuse it: either the real failure or ``noncanonical_spelling``, never a pass.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from clock import ISSUED, NOW

from vcbadges import issue, verify
from vcbadges.credentials.presentation import build_presentation
from vcbadges.credentials.sample import sample_badge
from vcbadges.jsonld.loader import StaticLoader
from vcbadges.proofs.di import add_proof
from vcbadges.verifier import reading
from vcbadges.primitives.keys import Ed25519SigningKey, P256SigningKey

CRED = "https://www.w3.org/2018/credentials#"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
SEC = "https://w3id.org/security#"
PAST = NOW - timedelta(days=1)
CONTEXTS = Path(__file__).resolve().parents[2] / "contexts"
REFUSED = {"noncanonical_spelling", "expired", "proof_expired", "malformed_proof"}


def _hide(doc: dict[str, Any], name: str, how: str, iri: str) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    value = out.pop(name)
    if how == "nest":
        out["@nest"] = {name: value}
    elif how == "iri":
        out[iri] = value
    elif how == "alias":
        out["@context"] = [*out["@context"], {"hiddenDate": iri}]
        out["hiddenDate"] = value
    return out


def _bad_codes(report: Any) -> set[str]:
    return {c.code for c in report.checks if c.outcome.value in ("failed", "error")}


def _stamp(when: Any) -> str:
    return str(when.isoformat().replace("+00:00", "Z"))


async def _expired_badge(suite: str, version: str) -> dict[str, Any]:
    key: Any = (P256SigningKey.from_scalar(bytes(range(2, 34))) if suite == "ecdsa-rdfc-2019"
                else Ed25519SigningKey.from_seed(bytes(range(32))))
    badge = sample_badge(issuer=key.controller, subject="did:example:learner",
                         valid_from=ISSUED).to_json()
    if version == "1.1":
        badge["@context"] = [VC_V1, *badge["@context"][1:]]
        badge["issuanceDate"] = badge.pop("validFrom")
        badge["expirationDate"] = _stamp(PAST)
    else:
        badge["validUntil"] = _stamp(PAST)
    return await issue(badge, key=key, cryptosuite=suite, now=ISSUED)


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "ecdsa-rdfc-2019", "ed25519-2020"])
@pytest.mark.parametrize("how", ["nest", "iri", "alias"])
async def test_a_hidden_expiry_date_is_refused(suite: str, how: str) -> None:
    signed = await _expired_badge(suite, "2.0")
    assert "expired" in _bad_codes(await verify(signed, now=NOW))
    forged = _hide(signed, "validUntil", how, CRED + "validUntil")
    report = await verify(forged, now=NOW)
    assert not report.verified
    assert _bad_codes(report) & REFUSED, report.to_json()


@pytest.mark.parametrize("how", ["nest", "iri", "alias"])
async def test_a_hidden_vcdm_1_1_expiration_date_is_refused(how: str) -> None:
    signed = await _expired_badge("eddsa-rdfc-2022", "1.1")
    assert "expired" in _bad_codes(await verify(signed, now=NOW))
    forged = _hide(signed, "expirationDate", how, CRED + "expirationDate")
    report = await verify(forged, now=NOW)
    assert not report.verified
    assert _bad_codes(report) & REFUSED, report.to_json()


@pytest.mark.parametrize("how", ["nest", "iri", "alias"])
async def test_a_hidden_credential_status_is_refused(how: str) -> None:
    key = Ed25519SigningKey.from_seed(bytes(range(32)))
    badge = sample_badge(issuer=key.controller, subject="did:example:learner",
                         valid_from=ISSUED).to_json()
    badge["credentialStatus"] = {
        "id": "https://status.example/lists/1#7", "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": "7",
        "statusListCredential": "https://status.example/lists/1"}
    signed = await issue(badge, key=key, now=ISSUED)
    forged = _hide(signed, "credentialStatus", how, CRED + "credentialStatus")
    report = await verify(forged, now=NOW)
    assert not report.verified
    assert report.check("document").code == "noncanonical_spelling"


async def test_type_written_as_a_keyword_is_refused() -> None:
    signed = await _expired_badge("eddsa-rdfc-2022", "2.0")
    forged = copy.deepcopy(signed)
    forged["@type"] = forged.pop("type")
    assert not (await verify(forged, now=NOW)).verified


@pytest.mark.parametrize("member", ["@nest", SEC + "expiration", "expiration"])
async def test_a_hidden_proof_expiry_is_refused(member: str) -> None:
    key = Ed25519SigningKey.from_seed(bytes(range(32)))
    badge = sample_badge(issuer=key.controller, subject=key.controller,
                         valid_from=ISSUED).to_json()
    signed = await issue(badge, key=key, now=ISSUED)
    unsigned = build_presentation([signed], holder=key.controller)
    expired = await add_proof(unsigned, key=key, loader=StaticLoader(), purpose="authentication",
                              now=ISSUED, challenge="c", domain="https://d.example",
                              expires=PAST)
    proof = dict(expired["proof"])
    value = proof.pop("expires")
    proof[member] = {"expires": value} if member == "@nest" else value
    hidden = dict(expired, proof=proof)
    for doc in (expired, hidden):
        report = await verify(doc, challenge="c", domain="https://d.example", now=NOW)
        assert not report.verified
        assert report.check("presentation_proof").outcome.value == "failed"


async def test_a_plainly_spelled_badge_still_verifies_in_every_rdfc_suite() -> None:
    for suite in ("eddsa-rdfc-2022", "ecdsa-rdfc-2019", "ed25519-2020"):
        key: Any = (P256SigningKey.from_scalar(bytes(range(2, 34)))
                    if suite == "ecdsa-rdfc-2019" else Ed25519SigningKey.from_seed(bytes(32)))
        badge = sample_badge(issuer=key.controller, subject="did:example:learner",
                             valid_from=ISSUED).to_json()
        assert (await verify(await issue(badge, key=key, cryptosuite=suite, now=ISSUED),
                             now=NOW)).verified


def _definitions(context: Any, prefixes: dict[str, Any]) -> Iterator[tuple[str, str | None]]:
    """Every (term, IRI) a context defines, scoped contexts included."""
    if isinstance(context, list):
        for item in context:
            yield from _definitions(item, prefixes)
        return
    if not isinstance(context, dict):
        return
    scope = {**prefixes, **context}
    for term, value in context.items():
        if term.startswith("@"):
            continue
        iri = value if isinstance(value, str) else value.get("@id") if isinstance(
            value, dict) else None
        if isinstance(iri, str) and ":" in iri and not iri.startswith("http"):
            prefix, rest = iri.split(":", 1)
            if isinstance(scope.get(prefix), str):
                iri = scope[prefix] + rest
        elif isinstance(iri, str) and ":" not in iri:
            target = scope.get(iri)
            iri = target if isinstance(target, str) else (
                target.get("@id") if isinstance(target, dict) else iri)
        yield term, iri
        if isinstance(value, dict) and "@context" in value:
            yield from _definitions(value["@context"], scope)


def test_the_reading_knows_every_definition_of_an_interpreted_term_in_the_bundled_contexts(
) -> None:
    properties, types = reading._PROPERTIES, reading._TYPES
    interpreted_iris = {iri for iris in properties.values() for iri in iris}
    for path in sorted(CONTEXTS.glob("*.json*")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or "@context" not in document:
            continue
        for term, iri in _definitions(document["@context"], {}):
            if term in properties:
                assert iri in properties[term], (path.name, term, iri)
            elif term in types:
                assert iri == types[term], (path.name, term, iri)
            elif term[:1].islower():
                # Another name for an interpreted property would hide it from the checks.
                assert iri not in interpreted_iris, (path.name, term, iri)


async def test_validity_says_when_a_credential_states_no_period_and_needs_one() -> None:
    key = Ed25519SigningKey.from_seed(bytes(range(32)))
    badge = sample_badge(issuer=key.controller, subject="did:example:learner",
                         valid_from=ISSUED).to_json()
    badge.pop("validFrom")
    timeless = await add_proof(badge, key=key, loader=StaticLoader(), now=ISSUED)
    check = (await verify(timeless, now=NOW)).check("validity")
    assert (check.outcome.value, check.message) == ("passed", "states no validity period")
    old = dict(badge, **{"@context": [VC_V1, *badge["@context"][1:]]})
    undated = await add_proof(old, key=key, loader=StaticLoader(), now=ISSUED)
    check = (await verify(undated, now=NOW)).check("validity")
    assert (check.outcome.value, check.code) == ("failed", "missing_valid_from")

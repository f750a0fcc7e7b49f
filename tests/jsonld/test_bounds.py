"""JSON-LD processing refuses, before its quadratic node map, documents that would make it
compare values pairwise without end; real badges and status lists stay well inside."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from vcbadges import issue, verify
from vcbadges.credentials.sample import sample_badge
from vcbadges.errors import JSONInputError
from vcbadges.jsonld.bounds import MAX_ARRAY_ITEMS, MAX_NODES
from vcbadges.jsonld.expansion import getter_for, to_quads
from vcbadges.jsonld.loader import ChainLoader, StaticLoader
from vcbadges.primitives.keys import Ed25519SigningKey
from vcbadges.status.bitstring import new_list, status_list_credential

GET = StaticLoader().get
KEY = Ed25519SigningKey.from_seed(bytes(range(32)))
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
KEYWORDS = "https://schema.org/keywords"  # what an achievement's "tag" expands to


def badge() -> dict[str, Any]:
    return sample_badge(issuer=KEY.controller, subject="did:example:holder",
                        valid_from=NOW).to_json()


def with_achievement(**members: Any) -> dict[str, Any]:
    document = badge()
    document["credentialSubject"]["achievement"].update(members)
    return document


def refused(document: Any) -> str:
    with pytest.raises(JSONInputError) as caught:
        to_quads(document, get=GET)
    return caught.value.code


SIXTEEN_THOUSAND = with_achievement(tag=[f"t{i}" for i in range(16_000)])


def test_sixteen_thousand_values_in_one_property_are_refused() -> None:
    assert len(json.dumps(SIXTEEN_THOUSAND)) < 160_000
    assert refused(SIXTEEN_THOUSAND) == "document_too_large"


async def test_verify_refuses_them_as_text_and_as_a_parsed_object() -> None:
    signed = await issue(badge(), key=KEY, now=NOW)
    signed["credentialSubject"]["achievement"]["tag"] = [f"t{i}" for i in range(16_000)]
    for document in (signed, json.dumps(signed), json.dumps(signed).encode()):
        report = await verify(document, now=NOW)
        assert not report.verified
        assert report.check("document").code == "document_too_large"


async def test_signing_refuses_them() -> None:
    with pytest.raises(JSONInputError) as caught:
        await issue(SIXTEEN_THOUSAND, key=KEY, now=NOW)
    assert caught.value.code == "document_too_large"


def test_terms_that_expand_to_one_property_are_counted_together() -> None:
    half = MAX_ARRAY_ITEMS
    assert len(to_quads(with_achievement(tag=[f"a{i}" for i in range(half)]), get=GET)) > half
    document = with_achievement(tag=[f"a{i}" for i in range(half)],
                                **{KEYWORDS: [f"b{i}" for i in range(half)]})
    assert refused(document) == "document_too_large"


def test_nodes_that_share_an_id_are_counted_together() -> None:
    same = [[{"id": "urn:example:alignment", "type": "Alignment", "targetName": f"n{j}.{i}"}
             for i in range(900)] for j in range(3)]
    assert refused(with_achievement(alignment=same)) == "document_too_large"


def test_reverse_properties_are_counted_on_their_target() -> None:
    def pointing(prefix: str) -> list[dict[str, Any]]:
        return [{"id": f"urn:example:{prefix}{i}",
                 "@reverse": {"https://example.org/pointedAtBy": {"id": "urn:example:target"}}}
                for i in range(800)]

    document = with_achievement(**{"https://example.org/a": pointing("a"),
                                   "https://example.org/b": pointing("b")})
    assert refused(document) == "document_too_large"


def test_the_number_of_values_is_capped() -> None:
    many = [{"type": ["Evidence"], "name": f"e{i}", "narrative": "n"} for i in range(900)]
    document = badge()
    document["evidence"] = many
    document["credentialSubject"]["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetName": f"a{i}", "targetUrl": f"https://a.example/{i}",
         "targetDescription": "d", "targetCode": "c", "targetFramework": "f"}
        for i in range(MAX_NODES // 8)]
    assert refused(document) == "document_too_large"


@pytest.mark.parametrize(("value", "code"), [
    (float("nan"), "malformed_json"), (float("inf"), "malformed_json"),
    (10**5000, "malformed_json"), ({1: "x"}, "malformed_json"),
], ids=["nan", "infinity", "huge-int", "int-key"])
def test_values_json_cannot_carry_are_refused(value: Any, code: str) -> None:
    assert refused(with_achievement(tag=[value])) == code


async def test_a_document_that_contains_itself_is_refused_by_every_path() -> None:
    document = badge()
    document["credentialSubject"]["achievement"]["tag"] = [document]
    assert refused(document) == "document_too_deep"
    loader = ChainLoader(StaticLoader(), {})
    with pytest.raises(JSONInputError) as caught:
        await getter_for(document, loader)
    assert caught.value.code == "document_too_deep"
    report = await verify(document, now=NOW)
    assert not report.verified


async def test_a_badge_with_hundreds_of_entries_is_signed_and_verified() -> None:
    document = badge()
    document["evidence"] = [
        {"id": f"https://badges.example.edu/evidence/{i}", "type": ["Evidence"],
         "name": f"Project {i}", "narrative": "An analysis.", "genre": "Project"}
        for i in range(300)]
    document["credentialSubject"]["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetName": f"Skill {i}", "targetType": "CFItem",
         "targetUrl": f"https://frameworks.example/skills/{i}"} for i in range(300)]
    document["credentialSubject"]["achievement"]["tag"] = [f"tag {i}" for i in range(300)]
    signed = await issue(document, key=KEY, now=NOW)
    report = await verify(signed, now=NOW)
    assert report.verified, report.to_json()


def test_a_status_list_credential_of_131072_entries_is_processed() -> None:
    listed = status_list_credential(list_id="https://issuer.example/status/1",
                                    issuer=KEY.controller, purpose="revocation",
                                    bits=new_list(131072), valid_from=NOW)
    assert any(q[1].endswith("#encodedList>") for q in to_quads(copy.deepcopy(listed), get=GET))

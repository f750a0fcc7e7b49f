"""DCQL: building the Open Badge query, validating queries, claims paths, matching."""

from __future__ import annotations

import json

import pytest
from oid4vp_support import ACHIEVEMENT

from vcbadges.errors import ProtocolError
from vcbadges.oid4vp import (
    OPEN_BADGE_TYPE,
    VC_TYPE,
    credential_matches,
    expanded_types,
    match,
    open_badge_query,
    satisfied,
    validate_query,
)
from vcbadges.oid4vp.dcql import claims_at
from vcbadges.proofs.jose import enveloped_credential

OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
ISSUER = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


def badge(*, types=("VerifiableCredential", "OpenBadgeCredential"), issuer=ISSUER,
          achievement=ACHIEVEMENT, context=(VC_V2, OB3)):
    # Matching reads credentials without verifying them, so a placeholder proof will do.
    return {"@context": list(context), "type": list(types),
            "issuer": {"id": issuer, "type": ["Profile"]} if issuer else None,
            "credentialSubject": {"id": "did:key:holder", "achievement": {"id": achievement}},
            "proof": {"type": "DataIntegrityProof"}}


def degree():
    return {"@context": [VC_V1, "https://www.w3.org/2018/credentials/examples/v1"],
            "type": ["VerifiableCredential", "UniversityDegreeCredential"],
            "issuer": "did:example:university", "credentialSubject": {"id": "did:key:holder"},
            "proof": {"type": "Ed25519Signature2020"}}


def test_open_badge_query_shape():
    assert open_badge_query() == {
        "credentials": [
            {"id": "openbadge_ldp_vc", "format": "ldp_vc",
             "meta": {"type_values": [[VC_TYPE, OPEN_BADGE_TYPE]]}},
            {"id": "openbadge_jwt_vc_json", "format": "jwt_vc_json",
             "meta": {"type_values": [[VC_TYPE, OPEN_BADGE_TYPE]]}},
        ],
        "credential_sets": [{"options": [["openbadge_ldp_vc"], ["openbadge_jwt_vc_json"]]}],
    }
    query = open_badge_query(achievement_id=ACHIEVEMENT, issuer=ISSUER, formats=["ldp_vc"])
    assert query["credentials"][0]["claims"] == [
        {"id": "achievement", "path": ["credentialSubject", "achievement", "id"],
         "values": [ACHIEVEMENT]},
        {"id": "issuer_profile", "path": ["issuer", "id"], "values": [ISSUER]},
        {"id": "issuer_iri", "path": ["issuer"], "values": [ISSUER]},
    ]
    assert query["credentials"][0]["claim_sets"] == [["achievement", "issuer_profile"],
                                                     ["achievement", "issuer_iri"]]
    assert "credential_sets" not in query
    validate_query(query)
    with pytest.raises(ValueError):
        open_badge_query(formats=["mso_mdoc"])


def test_expanded_types_follow_the_contexts():
    assert expanded_types(badge()) == {VC_TYPE, OPEN_BADGE_TYPE}
    # AchievementCredential is an alias of OpenBadgeCredential in the OB 3.0 context.
    assert expanded_types(badge(types=["VerifiableCredential", "AchievementCredential"])) == {
        VC_TYPE, OPEN_BADGE_TYPE}
    # A term no context defines stays as it is; an unbundled context is never fetched.
    assert expanded_types(badge(types=["VerifiableCredential", "Mystery"],
                                context=[VC_V2, "https://unknown.example/ctx"])) == {
        VC_TYPE, "Mystery"}
    inline = {"ex": "https://example.org/vocab#", "Thing": "ex:Thing"}
    assert expanded_types({"@context": [VC_V2, inline], "type": ["Thing", "ex:Other"]}) == {
        "https://example.org/vocab#Thing", "https://example.org/vocab#Other"}


def test_match_by_type_json():
    ob, other = badge(), degree()
    alias = badge(types=["VerifiableCredential", "AchievementCredential"])
    result = match(open_badge_query(formats=["ldp_vc"]), [ob, other, alias])
    assert result == {"openbadge": [ob, alias]}
    degree_query = {"credentials": [{"id": "d", "format": "ldp_vc", "meta": {"type_values": [[
        VC_TYPE, "https://example.org/examples#UniversityDegreeCredential"]]}}]}
    assert match(degree_query, [ob, other]) == {"d": [other]}


def test_match_by_achievement_id():
    wanted, other = badge(), badge(achievement="https://badges.example.edu/achievements/x")
    query = open_badge_query(achievement_id=ACHIEVEMENT, formats=["ldp_vc"])
    assert match(query, [wanted, other]) == {"openbadge": [wanted]}


def test_match_by_issuer_as_profile_or_iri():
    profile = badge()
    iri = badge(issuer=None)
    iri["issuer"] = ISSUER
    stranger = badge(issuer="did:key:z6MkSomeoneElse")
    query = open_badge_query(issuer=ISSUER, formats=["ldp_vc"])
    assert match(query, [profile, iri, stranger]) == {"openbadge": [profile, iri]}
    both = open_badge_query(issuer=ISSUER, achievement_id=ACHIEVEMENT, formats=["ldp_vc"])
    other_badge = badge(achievement="https://badges.example.edu/achievements/x")
    assert match(both, [profile, iri, other_badge]) == {"openbadge": [profile, iri]}


async def test_match_jwt_credentials(jwt_credential, ldp_credential, issuer_key):
    query = open_badge_query(achievement_id=ACHIEVEMENT, issuer=issuer_key.controller)
    held = [jwt_credential, ldp_credential, json.dumps(ldp_credential),
            enveloped_credential(jwt_credential)]
    result = match(query, held)
    assert result["openbadge_jwt_vc_json"] == [jwt_credential, held[3]]
    assert result["openbadge_ldp_vc"] == [ldp_credential, held[2]]
    assert match(open_badge_query(issuer="did:key:z6MkOther"), held) == {
        "openbadge_ldp_vc": [], "openbadge_jwt_vc_json": []}


def test_things_that_are_not_credentials_never_match():
    query = open_badge_query()
    unsigned = badge()
    del unsigned["proof"]
    for thing in [unsigned, "not.a.jwt", "{broken json", 42, None, {"proof": {}}]:
        assert match(query, [thing]) == {"openbadge_ldp_vc": [], "openbadge_jwt_vc_json": []}


def test_claims_path_pointer_examples_from_the_spec():
    doc = {"name": "Arthur Dent",
           "address": {"street_address": "42 Market Street", "locality": "Milliways"},
           "degrees": [{"type": "Bachelor of Science"}, {"type": "Master of Science"}],
           "nationalities": ["British", "Betelgeusian"]}
    assert claims_at(doc, ["name"]) == ["Arthur Dent"]
    assert claims_at(doc, ["address", "street_address"]) == ["42 Market Street"]
    assert claims_at(doc, ["degrees", None, "type"]) == ["Bachelor of Science",
                                                         "Master of Science"]
    assert claims_at(doc, ["nationalities", 1]) == ["Betelgeusian"]
    assert claims_at(doc, ["nationalities", 5]) is None
    assert claims_at(doc, ["name", "first"]) is None  # a key into a string: an error
    assert claims_at(doc, ["address", None]) is None  # null over an object: an error
    assert claims_at(doc, ["missing"]) is None


def test_values_match_type_and_value_exactly():
    doc = badge()
    doc["credentialSubject"]["flag"] = True
    doc["credentialSubject"]["count"] = 1

    def query(path, values):
        return {"id": "q", "format": "ldp_vc", "meta": {"type_values": [[VC_TYPE]]},
                "claims": [{"path": path, "values": values}]}

    assert credential_matches(query(["credentialSubject", "flag"], [True]), doc)
    assert not credential_matches(query(["credentialSubject", "flag"], [1]), doc)
    assert not credential_matches(query(["credentialSubject", "count"], [True]), doc)
    assert credential_matches(query(["credentialSubject", "count"], [1, 2]), doc)


@pytest.mark.parametrize("query", [
    None, [], {}, {"credentials": []},
    {"credentials": [{"id": "a b", "format": "ldp_vc", "meta": {"type_values": [["x"]]}}]},
    {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {"type_values": [["x"]]}},
                     {"id": "a", "format": "ldp_vc", "meta": {"type_values": [["x"]]}}]},
    {"credentials": [{"id": "a", "format": "ldp_vc"}]},
    {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {}}]},
    {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {"type_values": [[]]}}]},
    {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {"type_values": [["x"]]},
                      "claims": [{"path": []}]}]},
    {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {"type_values": [["x"]]},
                      "claims": [{"path": ["a", -1]}]}]},
    {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {"type_values": [["x"]]},
                      "claims": [{"path": ["a"]}], "claim_sets": [["b"]]}]},
    {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {"type_values": [["x"]]},
                      "claims": [{"path": ["a"], "values": [1.5]}]}]},
    {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {"type_values": [["x"]]}}],
     "credential_sets": [{"options": [["b"]]}]},
])
def test_malformed_queries(query):
    with pytest.raises(ProtocolError) as caught:
        validate_query(query)
    assert caught.value.error == "invalid_request"


def test_unknown_formats_are_valid_but_match_nothing():
    query = {"credentials": [{"id": "mdl", "format": "mso_mdoc",
                              "meta": {"doctype_value": "org.iso.18013.5.1.mDL"}}]}
    assert match(query, [badge()]) == {"mdl": []}


def test_satisfied_follows_credential_sets():
    query = open_badge_query()
    assert satisfied(query, ["openbadge_jwt_vc_json"])
    assert not satisfied(query, [])
    plain = open_badge_query(formats=["ldp_vc"])
    assert satisfied(plain, ["openbadge"]) and not satisfied(plain, [])
    optional = {"credentials": [{"id": "a"}, {"id": "b"}],
                "credential_sets": [{"options": [["a"]]},
                                    {"options": [["b"]], "required": False}]}
    assert satisfied(optional, ["a"]) and not satisfied(optional, ["b"])

"""What an issuer must refuse to sign (``vcbadges.credentials.issuable``), and that ``issue``
refuses it before signing.

The cases follow the VCDM 2.0 statements that the W3C vc-data-model-2.0-test-suite checks on
an issuer (its test title is quoted beside each group), written here from the spec text.
"""

from __future__ import annotations

import base64
import copy
import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest

from vcbadges import issue, issue_jwt
from vcbadges.credentials import issuable
from vcbadges.credentials.issuable import check_issuable
from vcbadges.errors import CredentialError
from vcbadges.jsonld import contexts
from vcbadges.primitives import multibase
from vcbadges.primitives.keys import generate_key

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
# The digests the VCDM 2.0 Recommendation publishes for its base context.
V2_MULTIBASE = "uEiBZlVztZpfWHgPyslVv6-UwirFoQoRvW1htfx963sknNA"
V2_SRI_SHA384 = "sha384-l/HrjlBCNWyAX91hr6LFV2Y3heB5Tcr6IeE4/Tje8YyzYBM8IhqjHWiWpr8+ZbYU"
V2_SRI_SHA256 = "sha256-" + base64.b64encode(
    bytes.fromhex("59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734")).decode()


def base(**changes: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [VC_V2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject"},
    }
    credential.update(changes)
    return {k: v for k, v in credential.items() if v is not _DROP}


_DROP = object()


def _sri(algorithm: str, data: bytes) -> str:
    return f"{algorithm}-{base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def _multihash(code: int, digest: bytes) -> str:
    return multibase.encode(bytes([code, len(digest)]) + digest, "u")


REFUSED: list[tuple[str, dict[str, Any], str]] = [
    # "Verifiable Credential objects MUST have a type specified." (4.5)
    ("no_type", base(type=_DROP), issuable.MISSING_TYPE),
    ("type_without_verifiable_credential", base(type=["OpenBadgeCredential"]),
     issuable.MISSING_TYPE),
    # "If present, id MUST be a single URL" (4.4)
    ("null_id", base(id=None), issuable.INVALID_ID),
    ("two_ids", base(id=["urn:uuid:1", "urn:uuid:2"]), issuable.INVALID_ID),
    ("id_with_space", base(id="https ://example.org/1"), issuable.INVALID_ID),
    ("subject_with_two_ids", base(credentialSubject={"id": ["did:example:a", "did:example:b"]}),
     issuable.INVALID_ID),
    # "The value of the issuer property MUST be either a URL or an object containing an id
    # property whose value is a URL" (4.7)
    ("null_issuer", base(issuer=None), issuable.INVALID_ISSUER),
    ("issuer_not_a_url", base(issuer="fake-issuer"), issuable.INVALID_ISSUER),
    ("issuer_object_with_null_id", base(issuer={"id": None}), issuable.INVALID_ISSUER),
    ("issuer_object_id_not_a_url", base(issuer={"id": "fake-issuer"}), issuable.INVALID_ISSUER),
    ("issuer_a_number", base(issuer=7), issuable.INVALID_ISSUER),
    # "A verifiable credential MUST contain a credentialSubject property." and "each object
    # MUST be the subject of one or more claims" (4.8)
    ("no_subject", base(credentialSubject=_DROP), issuable.MISSING_CREDENTIAL_SUBJECT),
    ("null_subject", base(credentialSubject=None), issuable.MISSING_CREDENTIAL_SUBJECT),
    ("empty_subject_array", base(credentialSubject=[]), issuable.MISSING_CREDENTIAL_SUBJECT),
    ("empty_subject", base(credentialSubject={}), issuable.EMPTY_CREDENTIAL_SUBJECT),
    ("one_empty_subject_of_two",
     base(credentialSubject=[{"id": "did:example:a"}, {}]), issuable.EMPTY_CREDENTIAL_SUBJECT),
    ("subject_a_string", base(credentialSubject="did:example:a"),
     issuable.EMPTY_CREDENTIAL_SUBJECT),
    # "If present, the value of the validFrom / validUntil property MUST be an XMLSCHEMA11-2
    # dateTimeStamp string value" and "the validFrom value MUST express a datetime that is
    # temporally the same or earlier than validUntil" (4.9)
    ("valid_from_in_words", base(validFrom="Sat 25 Feb 2023 07:16:31 PM CST"),
     issuable.INVALID_DATE),
    ("valid_from_without_zone", base(validFrom="2026-01-01T00:00:00"), issuable.INVALID_DATE),
    ("valid_from_a_date", base(validFrom="2026-01-01"), issuable.INVALID_DATE),
    ("valid_until_rfc2822", base(validUntil="Sun, 26 Feb 2023 01:22:14 +0000"),
     issuable.INVALID_DATE),
    ("valid_until_null", base(validUntil=None), issuable.INVALID_DATE),
    ("validity_ends_before_it_starts",
     base(validFrom="2026-01-02T00:00:00Z", validUntil="2026-01-01T23:59:59Z"),
     issuable.INVALID_VALIDITY_PERIOD),
    ("v1_issuance_date_without_zone",
     base(**{"@context": [VC_V1], "issuanceDate": "2026-01-01T00:00:00"}),
     issuable.INVALID_DATE),
    ("v1_expiry_before_issuance",
     base(**{"@context": [VC_V1], "issuanceDate": "2026-01-02T00:00:00Z",
             "expirationDate": "2026-01-01T00:00:00Z"}), issuable.INVALID_VALIDITY_PERIOD),
    # Names and descriptions: a string or language value objects (4.6)
    ("name_with_extra_member", base(name={"@value": "Badge", "@language": "en", "x": "y"}),
     issuable.INVALID_LANGUAGE_VALUE),
    ("issuer_description_a_number",
     base(issuer={"id": "did:example:issuer", "description": 5}),
     issuable.INVALID_LANGUAGE_VALUE),
    # "... objects MUST have a type specified" for credentialStatus, termsOfUse, evidence,
    # refreshService, credentialSchema (4.5, 4.10, 4.11, 5.4-5.6)
    ("status_without_type", base(credentialStatus={"id": "https://example.org/status#1"}),
     issuable.MISSING_TYPE),
    ("status_id_not_a_url",
     base(credentialStatus={"id": "not a url", "type": "BitstringStatusListEntry"}),
     issuable.INVALID_ID),
    ("terms_of_use_without_type", base(termsOfUse={"id": "did:example:terms/1"}),
     issuable.MISSING_TYPE),
    ("terms_of_use_empty", base(termsOfUse={}), issuable.MISSING_TYPE),
    ("evidence_without_type", base(evidence=[{"type": "Evidence"}, {"name": "x"}]),
     issuable.MISSING_TYPE),
    ("evidence_a_string", base(evidence="https://example.org/evidence"), issuable.MISSING_TYPE),
    ("evidence_empty_array", base(evidence=[]), issuable.MISSING_TYPE),
    ("refresh_service_without_type", base(refreshService={"id": "did:example:refresh/1"}),
     issuable.MISSING_TYPE),
    ("schema_without_type", base(credentialSchema={"id": "did:example:schemas/1"}),
     issuable.MISSING_TYPE),
    ("schema_without_id", base(credentialSchema={"type": "JsonSchema"}),
     issuable.INVALID_CREDENTIAL_SCHEMA),
    ("schema_id_not_a_url",
     base(credentialSchema={"type": "JsonSchema", "id": "https ://example.org/s"}),
     issuable.INVALID_ID),
    # "The value of the relatedResource property MUST be one or more objects", "The
    # identifier for the resource is REQUIRED", "The value MUST be unique", "MUST contain at
    # least a digestSRI or a digestMultibase value" (5.3)
    ("related_resource_strings", base(relatedResource=[VC_V2]),
     issuable.INVALID_RELATED_RESOURCE),
    ("related_resource_empty", base(relatedResource=[]), issuable.INVALID_RELATED_RESOURCE),
    ("related_resource_without_id", base(relatedResource=[{"digestMultibase": V2_MULTIBASE}]),
     issuable.INVALID_RELATED_RESOURCE),
    ("related_resource_duplicate_id",
     base(relatedResource=[{"id": VC_V2, "digestSRI": V2_SRI_SHA384},
                           {"id": VC_V2, "digestMultibase": V2_MULTIBASE}]),
     issuable.INVALID_RELATED_RESOURCE),
    ("related_resource_without_digest", base(relatedResource=[{"id": VC_V2}]),
     issuable.INVALID_RELATED_RESOURCE),
    ("related_resource_sri_base64url",
     base(relatedResource={"id": "https://example.org/r", "digestSRI":
                           "sha384-_rCVIV7fSXXTNIvpiq26jRDyj8JG8TDjij-tD0ewLk4JpnXEz6a5AeeY_1qQ0d0P"}),
     issuable.INVALID_RELATED_RESOURCE),
    ("related_resource_sri_unknown_algorithm",
     base(relatedResource={"id": "https://example.org/r",
                           "digestSRI": "md5-AAAAAAAAAAAAAAAAAAAAAA=="}),
     issuable.INVALID_RELATED_RESOURCE),
    ("related_resource_sri_short",
     base(relatedResource={"id": "https://example.org/r", "digestSRI": "sha256-AAAA"}),
     issuable.INVALID_RELATED_RESOURCE),
    ("related_resource_multibase_without_multihash_header",
     base(relatedResource={"id": "https://example.org/r", "digestMultibase":
                           multibase.encode(hashlib.sha256(b"x").digest(), "u")}),
     issuable.INVALID_RELATED_RESOURCE),
    ("related_resource_multibase_not_multibase",
     base(relatedResource={"id": "https://example.org/r", "digestMultibase": "!nope"}),
     issuable.INVALID_RELATED_RESOURCE),
    ("related_resource_media_type_a_number",
     base(relatedResource={"id": "https://example.org/r", "mediaType": 1,
                           "digestSRI": _sri("sha256", b"x")}),
     issuable.INVALID_RELATED_RESOURCE),
    # "If the digest provided by the issuer does not match the digest computed for the
    # retrieved resource ... MUST produce an error" (5.3), for the resources vcbadges has.
    ("related_resource_wrong_multibase",
     base(relatedResource={"id": VC_V2,
                           "digestMultibase": _multihash(0x12, hashlib.sha256(b"x").digest())}),
     issuable.RELATED_RESOURCE_DIGEST_MISMATCH),
    ("related_resource_wrong_sha256_sri",
     base(relatedResource={"id": VC_V2, "digestSRI": _sri("sha256", b"x")}),
     issuable.RELATED_RESOURCE_DIGEST_MISMATCH),
    ("related_resource_digest_of_the_bundled_reformatted_copy",
     base(relatedResource={"id": VC_V2,
                           "digestSRI": _sri("sha256", contexts.context_bytes(VC_V2))}),
     issuable.RELATED_RESOURCE_DIGEST_MISMATCH),
    ("related_resource_wrong_sha384_of_a_byte_exact_context",
     base(relatedResource={"id": VC_V1, "digestSRI": _sri("sha384", b"x")}),
     issuable.RELATED_RESOURCE_DIGEST_MISMATCH),
    ("related_resource_one_good_one_wrong",
     base(relatedResource={"id": VC_V2,
                           "digestSRI": V2_SRI_SHA256 + " " + _sri("sha256", b"x")}),
     issuable.RELATED_RESOURCE_DIGEST_MISMATCH),
    # The base context first (4.3).
    ("no_context", base(**{"@context": _DROP}), "missing_context"),
    ("base_context_not_first", base(**{"@context": ["https://example.org/c", VC_V2]}),
     "missing_context"),
]


@pytest.mark.parametrize(("credential", "code"), [(c, code) for _, c, code in REFUSED],
                         ids=[name for name, _, _ in REFUSED])
def test_a_credential_the_data_model_forbids_is_refused_with_its_rule(credential, code):
    with pytest.raises(CredentialError) as caught:
        check_issuable(credential)
    assert caught.value.code == code


ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    ("minimal", base()),
    ("issuer_left_to_the_signer", base(issuer=_DROP)),
    ("issuer_object_without_id", base(issuer={"name": "Issuer"})),
    ("subject_with_only_an_id", base(credentialSubject=[{"id": "did:example:a"},
                                                        {"id": "did:example:b"}])),
    ("subject_without_id", base(credentialSubject={"name": "Someone"})),
    ("dates_with_fraction_and_offset",
     base(validFrom="2026-02-26T01:02:58.447-06:00", validUntil="2026-02-26T07:02:58.447Z")),
    ("validity_of_one_instant",
     base(validFrom="2026-01-01T00:00:00Z", validUntil="2026-01-01T01:00:00+01:00")),
    ("names_in_two_languages",
     base(name=[{"@value": "Badge", "@language": "en"},
                {"@value": "Abzeichen", "@language": "de", "@direction": "ltr"}],
          description="plain")),
    ("typed_objects", base(credentialStatus={"type": "BitstringStatusListEntry"},
                           termsOfUse=[{"type": "OdrlPolicy2017", "id": "did:example:t"}],
                           evidence={"type": ["Evidence"]},
                           refreshService={"type": "Refresh", "id": "https://example.org/r"},
                           credentialSchema=[{"type": "JsonSchema",
                                              "id": "https://example.org/s"}])),
    ("related_resource_rec_multibase", base(relatedResource={"id": VC_V2,
                                                             "digestMultibase": V2_MULTIBASE})),
    ("related_resource_rec_sri_sha384_which_cannot_be_recomputed",
     base(relatedResource=[{"id": VC_V2, "digestSRI": V2_SRI_SHA384,
                            "mediaType": "application/ld+json"}])),
    ("related_resource_sha256_sri_and_multibase",
     base(relatedResource={"id": VC_V2, "digestSRI": V2_SRI_SHA256,
                           "digestMultibase": [V2_MULTIBASE]})),
    ("related_resource_sha384_of_a_byte_exact_context",
     base(relatedResource={"id": VC_V1,
                           "digestSRI": _sri("sha384", contexts.context_bytes(VC_V1))})),
    ("related_resource_not_bundled_checked_for_form_only",
     base(relatedResource=[{"id": "https://example.org/image.png",
                            "digestSRI": _sri("sha512", b"anything")},
                           {"id": "https://example.org/other",
                            "digestMultibase": _multihash(0x12, b"\0" * 32)}])),
    ("v1_dates", base(**{"@context": [VC_V1], "issuanceDate": "2026-01-01T00:00:00Z",
                         "expirationDate": "2027-01-01T00:00:00Z"})),
]


@pytest.mark.parametrize("credential", [c for _, c in ACCEPTED],
                         ids=[name for name, _ in ACCEPTED])
def test_a_well_formed_credential_may_be_signed(credential):
    before = copy.deepcopy(credential)
    check_issuable(credential)
    assert credential == before


# --- through issue and issue_jwt ------------------------------------------------------------


@pytest.fixture(scope="module")
def key():
    return generate_key("Ed25519")


@pytest.mark.parametrize("name", ["null_issuer", "empty_subject", "valid_from_in_words",
                                  "terms_of_use_without_type", "related_resource_wrong_multibase"])
async def test_issue_and_issue_jwt_refuse_before_signing(key, name):
    credential, code = next((c, code) for n, c, code in REFUSED if n == name)
    if credential.get("issuer") == "did:example:issuer":
        credential = {**credential, "issuer": key.controller}
    with pytest.raises(CredentialError) as caught:
        await issue(credential, key=key, now=NOW)
    assert caught.value.code == code
    with pytest.raises(CredentialError) as caught:
        await issue_jwt(credential, key=key, now=NOW)
    assert caught.value.code == code


async def test_a_null_issuer_is_not_replaced_but_an_absent_one_is_filled(key):
    with pytest.raises(CredentialError):
        await issue(base(issuer=None), key=key, now=NOW)
    signed = await issue(base(issuer=_DROP), key=key, now=NOW)
    assert signed["issuer"] == key.controller
    signed = await issue(base(issuer={"name": "Me"}), key=key, now=NOW)
    assert signed["issuer"] == {"id": key.controller, "name": "Me"}


async def test_a_credential_with_a_matching_related_resource_is_signed(key):
    credential = base(issuer=key.controller,
                      relatedResource={"id": VC_V2, "digestMultibase": V2_MULTIBASE})
    signed = await issue(credential, key=key, now=NOW)
    assert signed["relatedResource"] == credential["relatedResource"]

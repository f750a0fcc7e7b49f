"""Python names become the camelCase member names of the service's own JSON in one place."""

from vcbadges.wire import camel, camel_keys


def test_camel_joins_the_words_of_a_snake_case_name():
    assert camel("claimed_name") == "claimedName"
    assert camel("verification_methods") == "verificationMethods"
    assert camel("registry") == "registry"
    assert camel("statusListCredential") == "statusListCredential"


def test_camel_keys_renames_the_keys_and_leaves_the_values_alone():
    nested = {"claimed_name": "left as it is"}
    assert camel_keys({"issuer_id": "did:example:1", "detail": nested}) == {
        "issuerId": "did:example:1", "detail": nested}

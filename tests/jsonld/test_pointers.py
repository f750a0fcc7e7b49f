"""JSON pointer selection (selectJsonLd): ids and types along the path, arrays made dense."""

import pytest

from vcbadges.errors import JSONLDError
from vcbadges.jsonld.pointers import parse_pointer, select_json_ld

DOC = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "urn:uuid:1",
    "type": ["VerifiableCredential"],
    "credentialSubject": {
        "type": "Person",
        "name": "Ada",
        "knows": [{"id": "_:b1", "name": "A"}, {"id": "urn:x:2", "type": "Person", "name": "B"},
                  {"name": "C"}],
        "a/b": 1, "c~d": 2,
    },
}


def test_parse_pointer_unescapes_in_rfc_6901_order():
    assert parse_pointer("/a~1b/c~0d/~01") == ["a/b", "c~d", "~1"]
    assert parse_pointer("") == []
    for bad in ("a", "/x~2", "/x~"):
        with pytest.raises(JSONLDError) as err:
            parse_pointer(bad)
        assert err.value.code == "invalid_pointer"


def test_selection_keeps_context_ids_and_types_on_the_way():
    assert select_json_ld(DOC, ["/credentialSubject/name"]) == {
        "@context": DOC["@context"], "id": "urn:uuid:1", "type": ["VerifiableCredential"],
        "credentialSubject": {"type": "Person", "name": "Ada"}}


def test_array_items_keep_their_order_and_gaps_close():
    selected = select_json_ld(DOC, ["/credentialSubject/knows/2/name",
                                    "/credentialSubject/knows/0/name",
                                    "/credentialSubject/knows/1/name"])
    # A blank node id is not kept; a real one is.
    assert selected["credentialSubject"]["knows"] == [
        {"name": "A"}, {"id": "urn:x:2", "type": "Person", "name": "B"}, {"name": "C"}]
    only_last = select_json_ld(DOC, ["/credentialSubject/knows/2/name"])
    assert only_last["credentialSubject"]["knows"] == [{"name": "C"}]


def test_whole_values_and_escaped_names():
    selected = select_json_ld(DOC, ["/credentialSubject/knows", "/credentialSubject/a~1b",
                                    "/credentialSubject/c~0d", "/credentialSubject/knows/1/name"])
    assert selected["credentialSubject"]["knows"] == DOC["credentialSubject"]["knows"]
    assert selected["credentialSubject"]["a/b"] == 1 and selected["credentialSubject"]["c~d"] == 2


def test_no_pointers_select_nothing_and_the_empty_pointer_everything():
    assert select_json_ld(DOC, []) is None
    assert select_json_ld(DOC, [""]) == DOC


@pytest.mark.parametrize("pointer", ["/nothing", "/credentialSubject/knows/3",
                                     "/credentialSubject/knows/01", "/credentialSubject/name/x",
                                     "/credentialSubject/knows/-"])
def test_pointers_that_do_not_match_are_refused(pointer):
    with pytest.raises(JSONLDError) as err:
        select_json_ld(DOC, [pointer])
    assert err.value.code == "pointer_mismatch"

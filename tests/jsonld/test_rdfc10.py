"""RDFC-1.0: the W3C test suite, canonical N-Quads escaping, the parser and the work limit.

The suite lives in ``../shared/vectors/rdfc-1.0/`` (W3C rdf-canon tests, manifest.jsonld);
only the vector tests are skipped when that folder is absent.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pyld import jsonld

from shared_data import VECTORS
from vcbadges.errors import CanonicalizationError, JSONLDError
from vcbadges.jsonld.canon import (
    DEFAULT_MAX_WORK,
    Quad,
    canonicalize,
    issue_canonical_labels,
    parse_nquads,
    quads_from_pyld,
    serialize_iri,
    serialize_literal,
)

SUITE = VECTORS / "rdfc-1.0"
MANIFEST = SUITE / "manifest.jsonld"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def _manifest_entries() -> list[Any]:
    if not MANIFEST.exists():
        return [pytest.param(None, id="rdfc-1.0-suite-absent")]
    entries = json.loads(MANIFEST.read_text(encoding="utf-8"))["entries"]
    return [pytest.param(entry, id=entry["id"].lstrip("#")) for entry in entries]


def _need_suite() -> None:
    if not MANIFEST.exists():
        pytest.skip(f"reference data not present: {SUITE}")


def _read(relative: str) -> str:
    # Read bytes and decode, so that no newline translation touches the expected output.
    return (SUITE / relative).read_bytes().decode("utf-8")


def test_manifest_has_the_expected_tests() -> None:
    _need_suite()
    entries = json.loads(MANIFEST.read_text(encoding="utf-8"))["entries"]
    kinds = [entry["type"] for entry in entries]
    assert len(entries) == 86
    assert kinds.count("rdfc:RDFC10EvalTest") == 64
    assert kinds.count("rdfc:RDFC10MapTest") == 21
    assert kinds.count("rdfc:RDFC10NegativeEvalTest") == 1


@pytest.mark.parametrize("entry", _manifest_entries())
def test_rdfc10_suite(entry: dict[str, Any] | None) -> None:
    _need_suite()
    assert entry is not None
    quads = parse_nquads(_read(entry["action"]))
    algorithm = entry.get("hashAlgorithm", "SHA256")
    kind = entry["type"]
    if kind == "rdfc:RDFC10EvalTest":
        assert canonicalize(quads, hash_algorithm=algorithm) == _read(entry["result"])
    elif kind == "rdfc:RDFC10MapTest":
        expected = json.loads(_read(entry["result"]))
        assert issue_canonical_labels(quads, hash_algorithm=algorithm) == expected
    elif kind == "rdfc:RDFC10NegativeEvalTest":
        with pytest.raises(CanonicalizationError) as caught:
            canonicalize(quads, hash_algorithm=algorithm)
        assert caught.value.code == "canonicalization_limit"
        assert "max_work" in caught.value.message
    else:
        pytest.fail(f"unknown test type {kind}")


def test_the_hash_algorithm_decides_the_order_and_accepts_spellings() -> None:
    # The first-degree hashes of x and y sort one way under SHA-256, the other under SHA-384.
    quads = parse_nquads("<urn:ex:s> <urn:ex:name> _:x .\n<urn:ex:s> <urn:ex:age> _:y .\n")
    assert issue_canonical_labels(quads) == {"y": "c14n0", "x": "c14n1"}
    assert issue_canonical_labels(quads, hash_algorithm="SHA-256") == {"y": "c14n0", "x": "c14n1"}
    for spelling in ("SHA384", "sha384", "SHA-384"):
        assert issue_canonical_labels(quads, hash_algorithm=spelling) == {"x": "c14n0", "y": "c14n1"}
    with pytest.raises(ValueError):
        canonicalize(quads, hash_algorithm="md5")


# --------------------------------------------------------------------------------------
# Canonical N-Quads terms
# --------------------------------------------------------------------------------------


def test_every_control_character_is_escaped_as_the_spec_says() -> None:
    controls = "".join(chr(cp) for cp in range(0x20)) + "\x7f"
    expected = (
        "\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
        "\\b\\t\\n\\u000B\\f\\r\\u000E\\u000F"
        "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
        "\\u0018\\u0019\\u001A\\u001B\\u001C\\u001D\\u001E\\u001F"
        "\\u007F"
    )
    assert serialize_literal(controls) == f'"{expected}"'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("it's <ok> {}|^`", "\"it's <ok> {}|^`\""),
        # C1 controls, NBSP, line separator and astral characters stay as they are.
        ("\x80\x9f\xa0\u2028\U0001f303", '"\x80\x9f\xa0\u2028\U0001f303"'),
        # Code points that are not XML 1.1 Chars are escaped.
        ("\ufffe\uffff\ud800", '"\\uFFFE\\uFFFF\\uD800"'),
        ("", '""'),
    ],
)
def test_literal_escaping(value: str, expected: str) -> None:
    assert serialize_literal(value) == expected


def test_literal_datatypes_and_languages() -> None:
    assert serialize_literal("x", datatype=XSD + "string") == '"x"'
    assert serialize_literal("5", datatype=XSD + "integer") == f'"5"^^<{XSD}integer>'
    assert serialize_literal("x", datatype=RDF + "langString", language="en-US") == '"x"@en-US'
    assert serialize_literal("a\tb", language="fr") == '"a\\tb"@fr'


def test_iris_are_written_raw_except_where_iriref_needs_an_escape() -> None:
    assert serialize_iri("urn:ex:∞") == "<urn:ex:∞>"
    assert serialize_iri("http://ex/a b>c\\") == "<http://ex/a\\u0020b\\u003Ec\\u005C>"


# --------------------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------------------


def test_parser_decodes_escapes_and_writes_terms_canonically() -> None:
    text = (
        "# a comment line\r\n"
        "<urn:ex:\\u0073> <urn:ex:p> \"\\u0009\\U0001F303\\'\"  <urn:ex:g> . # trailing comment\r\n"
        "\n"
        "_:b.1\t<urn:ex:p>\t\"x\"^^<http://www.w3.org/2001/XMLSchema#string>\t_:g.\n"
        "_:b.1 <urn:ex:p> \"x\"@en-GB .\n"
        "_:b.1 <urn:ex:p> \"5\"^^<http://www.w3.org/2001/XMLSchema#int\\u0065ger> ."
    )
    assert parse_nquads(text) == [
        ("<urn:ex:s>", "<urn:ex:p>", '"\\t\U0001f303\'"', "<urn:ex:g>"),
        ("_:b.1", "<urn:ex:p>", '"x"', "_:g"),
        ("_:b.1", "<urn:ex:p>", '"x"@en-GB', ""),
        ("_:b.1", "<urn:ex:p>", f'"5"^^<{XSD}integer>', ""),
    ]


def test_parser_keeps_line_separators_inside_literals() -> None:
    assert parse_nquads('<urn:s> <urn:p> "a\u2028b\x85c" .\n') == [
        ("<urn:s>", "<urn:p>", '"a\u2028b\x85c"', "")
    ]


def test_parse_then_canonicalize_round_trips() -> None:
    text = (
        '_:x <urn:ex:p> "tab\\there\\u0007" _:g .\n'
        "_:x <urn:ex:q> _:y .\n"
        '_:y <urn:ex:p> "∞"@en .\n'
        "<urn:ex:s> <urn:ex:p> _:x .\n"
    )
    canonical = canonicalize(parse_nquads(text))
    assert canonical.splitlines()[0].startswith("<urn:ex:s> <urn:ex:p> _:c14n")
    assert '"tab\\there\\u0007"' in canonical
    reparsed = parse_nquads(canonical)
    assert canonicalize(reparsed) == canonical
    assert "".join(
        f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n" for s, p, o, g in reparsed
    ) == canonical


@pytest.mark.parametrize(
    "line",
    [
        "<urn:s> <urn:p> <urn:o>",  # no '.'
        "<urn:s> <urn:p> .",  # no object
        "<urn:s> _:p <urn:o> .",  # blank node predicate
        '"lit" <urn:p> <urn:o> .',  # literal subject
        '<urn:s> <urn:p> "open .',  # unterminated literal
        '<urn:s> <urn:p> "bad \\x escape" .',
        '<urn:s> <urn:p> "bad \\u12 escape" .',
        '<urn:s> <urn:p> "surrogate \\uD800" .',
        "<urn:s> <urn:p> <urn:with space> .",
        "<urn:s> <urn:p> <urn:\\n> .",  # ECHAR is not allowed in IRIs
        '<urn:s> <urn:p> "x"@ .',
        '<urn:s> <urn:p> "x"^^"y" .',
        "<urn:s> <urn:p> <urn:o> <urn:g> <urn:h> .",
        "<urn:s> <urn:p> <urn:o> . extra",
        "_:-bad <urn:p> <urn:o> .",
    ],
)
def test_parser_rejects_malformed_lines(line: str) -> None:
    with pytest.raises(JSONLDError) as caught:
        parse_nquads("<urn:ok> <urn:p> <urn:o> .\n" + line + "\n")
    assert caught.value.code == "invalid_nquads"
    assert "line 2" in caught.value.message


def test_parser_accepts_terms_without_white_space_where_unambiguous() -> None:
    assert parse_nquads("<urn:s><urn:p>_:o.\n") == [("<urn:s>", "<urn:p>", "_:o", "")]


# --------------------------------------------------------------------------------------
# Algorithm details and the work limit
# --------------------------------------------------------------------------------------

DIAMOND = parse_nquads(
    "_:a <urn:ex:p> _:b .\n"
    "_:a <urn:ex:p> _:c .\n"
    "_:b <urn:ex:p> _:d .\n"
    "_:c <urn:ex:p> _:d .\n"
)


def test_duplicates_are_removed_and_order_does_not_matter() -> None:
    doubled = DIAMOND + list(reversed(DIAMOND))
    assert canonicalize(doubled) == canonicalize(DIAMOND)
    assert canonicalize(DIAMOND).count("\n") == 4


def test_labels_do_not_depend_on_input_labels() -> None:
    renamed = [
        tuple(term.replace("_:a", "_:z9").replace("_:d", "_:a") for term in quad) for quad in DIAMOND
    ]
    assert canonicalize(renamed) == canonicalize(DIAMOND)  # type: ignore[arg-type]
    labels = issue_canonical_labels(DIAMOND)
    assert sorted(labels) == ["a", "b", "c", "d"]
    assert sorted(labels.values()) == ["c14n0", "c14n1", "c14n2", "c14n3"]


def test_a_blank_node_in_two_positions_of_one_quad_is_mentioned_once() -> None:
    # pyld 3.3.0 counts such a quad twice in the mention set and orders these two blank
    # nodes the other way round; rdf-canonize and the Recommendation count it once.
    quads = parse_nquads("_:n1 <http://ex/p0> _:n1 .\n_:n1 <http://ex/p0> _:n0 .\n")
    assert canonicalize(quads) == (
        "_:c14n0 <http://ex/p0> _:c14n0 .\n_:c14n0 <http://ex/p0> _:c14n1 .\n"
    )


def test_a_lowered_max_work_refuses_a_dataset_that_the_default_accepts() -> None:
    # The diamond needs Hash N-Degree Quads for b and c, which share a first-degree hash.
    assert canonicalize(DIAMOND).startswith("_:c14n0 ")
    with pytest.raises(CanonicalizationError) as caught:
        canonicalize(DIAMOND, max_work=len(DIAMOND) + 2)
    assert caught.value.code == "canonicalization_limit"
    assert f"max_work={len(DIAMOND) + 2}" in caught.value.message
    with pytest.raises(CanonicalizationError):
        issue_canonical_labels(DIAMOND, max_work=len(DIAMOND) + 2)


def test_the_number_of_quads_counts_against_max_work() -> None:
    ground: list[Quad] = [(f"<urn:s{i}>", "<urn:p>", f'"{i}"', "") for i in range(50)]
    assert canonicalize(ground, max_work=50).count("\n") == 50
    with pytest.raises(CanonicalizationError):
        canonicalize(ground, max_work=49)
    # Duplicates are free.
    assert canonicalize(ground + ground, max_work=50) == canonicalize(ground)


def test_a_clique_of_blank_nodes_is_refused_by_default() -> None:
    # A smaller cousin of test074, built here so that it runs without the shared suite.
    nodes = [f"_:e{i}" for i in range(8)]
    clique: list[Quad] = [(a, "<urn:ex:p>", b, "") for a in nodes for b in nodes]
    with pytest.raises(CanonicalizationError):
        canonicalize(clique)
    assert len(clique) < DEFAULT_MAX_WORK


def test_deep_recursion_needs_no_python_recursion() -> None:
    # Two identical chains: each node shares its first-degree hash with its twin, so Hash
    # N-Degree Quads recurses along a whole chain, deeper than Python's recursion limit.
    length = 1500
    quads: list[Quad] = []
    for chain in "ab":
        for i in range(length - 1):
            quads.append((f"_:{chain}{i}", f"<urn:ex:p{i}>", f"_:{chain}{i + 1}", ""))
    labels = issue_canonical_labels(quads, max_work=100_000)
    assert len(labels) == 2 * length
    assert len(set(labels.values())) == 2 * length
    # One traversal labels a whole chain, so the chains get c14n0… and c14n1500… in turn.
    offsets = {int(labels[f"b{i}"][4:]) - int(labels[f"a{i}"][4:]) for i in range(length)}
    assert offsets in ({length}, {-length})


def test_predicates_must_be_iris() -> None:
    with pytest.raises(JSONLDError):
        canonicalize([("_:a", "_:p", "_:b", "")])


# --------------------------------------------------------------------------------------
# pyld datasets
# --------------------------------------------------------------------------------------


def test_quads_from_pyld_escapes_what_pyld_does_not() -> None:
    doc = {"@context": {"name": "http://schema.org/name"}, "name": "x\u0007y"}
    dataset = jsonld.to_rdf(doc, {})
    assert canonicalize(quads_from_pyld(dataset)) == (
        '_:c14n0 <http://schema.org/name> "x\\u0007y" .\n'
    )


def test_quads_from_pyld_literals_graphs_and_blank_nodes() -> None:
    doc = {
        "@context": {
            "name": "http://schema.org/name",
            "age": {"@id": "http://schema.org/age", "@type": XSD + "integer"},
            "knows": {"@id": "http://schema.org/knows", "@type": "@id"},
            "claims": {"@id": "http://ex/claims", "@container": "@graph"},
        },
        "@id": "urn:ex:alice",
        "name": {"@value": "Alice\n", "@language": "en"},
        "age": "42",
        "knows": "urn:ex:bob",
        "claims": {"name": "inside"},
    }
    quads = quads_from_pyld(jsonld.to_rdf(doc, {}))
    # pyld gives the language-tagged literal the datatype rdf:langString; only @en remains.
    assert canonicalize(quads) == (
        "<urn:ex:alice> <http://ex/claims> _:c14n0 .\n"
        f'<urn:ex:alice> <http://schema.org/age> "42"^^<{XSD}integer> .\n'
        "<urn:ex:alice> <http://schema.org/knows> <urn:ex:bob> .\n"
        '<urn:ex:alice> <http://schema.org/name> "Alice\\n"@en .\n'
        '_:c14n1 <http://schema.org/name> "inside" _:c14n0 .\n'
    )


def test_quads_from_pyld_rejects_blank_node_predicates() -> None:
    dataset = {
        "@default": [
            {
                "subject": {"type": "IRI", "value": "urn:s"},
                "predicate": {"type": "blank node", "value": "_:p"},
                "object": {"type": "IRI", "value": "urn:o"},
            }
        ]
    }
    with pytest.raises(JSONLDError):
        quads_from_pyld(dataset)

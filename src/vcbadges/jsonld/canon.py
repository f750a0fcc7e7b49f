"""RDF Dataset Canonicalization (RDFC-1.0) with a bound on the work it may do.

Written from the W3C Recommendation (https://www.w3.org/TR/rdf-canon/) rather than taken
from pyld, for two reasons: pyld 3.3.0 writes some control characters in literals
unescaped (RDFC-1.0 test060), and it has no limit on the work it does, so a small "poison"
dataset (RDFC-1.0 test074, a clique of ten blank nodes) keeps it busy for minutes.

A quad is a tuple of four strings, each already a term in canonical N-Quads form:
``<iri>``, ``_:label`` or a literal (``"lexical"``, ``"lexical"@lang`` or
``"lexical"^^<datatype>``), and the graph is ``""`` for the default graph. Terms are kept
as strings because the algorithm hashes and sorts serialized quads again and again; with
terms already serialized, relabelling a blank node is a string comparison and a quad is
serialized by joining four strings. A term is a blank node exactly when it starts with
``_:``.

Work is counted in steps, about a microsecond each: one step per quad of the dataset, and
one per call of Hash N-Degree Quads, per quad it examines and per permutation it tries.
When a dataset needs more than ``max_work`` steps, :class:`CanonicalizationError` is
raised. The count depends only on the dataset, never on the clock, so an issuer and a
verifier with the same limit always agree on whether a dataset is accepted.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from itertools import permutations
from typing import Any, Final, Protocol

from vcbadges.errors import CanonicalizationError, JSONLDError

__all__ = [
    "DEFAULT_MAX_WORK",
    "Quad",
    "XSD_STRING",
    "RDF_LANGSTRING",
    "canonicalize",
    "issue_canonical_labels",
    "parse_nquads",
    "quads_from_pyld",
    "serialize_iri",
    "serialize_literal",
]

Quad = tuple[str, str, str, str]
"""``(subject, predicate, object, graph)``, canonical N-Quads terms; ``""`` = default graph."""

DEFAULT_MAX_WORK: Final = 20_000
"""Steps allowed by default.

Every dataset of up to 20,000 quads whose blank nodes are told apart by their first-degree
hashes (credentials and presentations in practice) fits. The hardest positive tests of the
RDFC-1.0 suite, the "poison – evil" graphs test044–test046 (twelve blank nodes in two
3-regular graphs), need 6,192 steps, so there is a threefold margin. The test074 poison
clique is refused after 20,000 steps, 25–30 ms on a 2-core machine, where unbounded
implementations run for minutes. The smallest ordinary shape we know that exceeds the
default is a JSON-LD ``@list`` of 60 identical values, told apart only by their position.
"""

XSD_STRING: Final = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# --------------------------------------------------------------------------------------
# Canonical N-Quads terms (RDFC-1.0 appendix A, "A Canonical form of N-Quads")
# --------------------------------------------------------------------------------------


def _uchar(cp: int) -> str:
    return f"\\u{cp:04X}"


# Within a string literal, BS, HT, LF, FF, CR, '"' and '\' are written as ECHAR; the other
# C0 controls, DEL and the code points that are not XML 1.1 Chars (U+0000, the surrogates,
# U+FFFE and U+FFFF) as UCHAR with upper-case hex; everything else as itself.
# (rdf-canonize 5.0.0 writes U+FFFE and U+FFFF unescaped; the Recommendation does not.)
_LITERAL_ESCAPES: dict[int, str] = {cp: _uchar(cp) for cp in range(0x20)}
_LITERAL_ESCAPES.update(
    {
        0x08: "\\b",
        0x09: "\\t",
        0x0A: "\\n",
        0x0C: "\\f",
        0x0D: "\\r",
        0x22: '\\"',
        0x5C: "\\\\",
        0x7F: _uchar(0x7F),
        0xFFFE: _uchar(0xFFFE),
        0xFFFF: _uchar(0xFFFF),
    }
)
_LITERAL_ESCAPES.update({cp: _uchar(cp) for cp in range(0xD800, 0xE000)})
_LITERAL_NEEDS_ESCAPE: Final = re.compile('[\x00-\x1f"\\\\\x7f\ud800-\udfff\ufffe\uffff]')

# IRIREF admits every character but these, which it can only carry as UCHAR escapes.
# Such IRIs are not valid RDF, but writing the escape keeps the output parseable N-Quads.
# Lone surrogates are escaped too, since they cannot be encoded as UTF-8.
_IRI_ESCAPES: dict[int, str] = {cp: _uchar(cp) for cp in range(0x21)}
_IRI_ESCAPES.update({ord(c): _uchar(ord(c)) for c in '<>"{}|^`\\'})
_IRI_ESCAPES.update({cp: _uchar(cp) for cp in range(0xD800, 0xE000)})
_IRI_NEEDS_ESCAPE: Final = re.compile('[\x00-\x20<>"{}|^`\\\\\ud800-\udfff]')


def serialize_iri(iri: str) -> str:
    """Return ``iri`` as a canonical N-Quads IRI term, ``<iri>``.

    Characters are written as themselves; only those that IRIREF cannot hold directly
    (controls, space, ``<>"{}|^`\\``) are written as ``\\uXXXX``, their only valid form.
    """
    if _IRI_NEEDS_ESCAPE.search(iri) is None:
        return f"<{iri}>"
    return f"<{iri.translate(_IRI_ESCAPES)}>"


def serialize_literal(
    value: str, *, datatype: str | None = None, language: str | None = None
) -> str:
    """Return a literal term in canonical N-Quads form.

    A language-tagged literal is written ``"…"@lang`` (its ``rdf:langString`` datatype is
    implied); an ``xsd:string`` literal is written without its datatype, as the canonical
    form requires; any other datatype is written ``"…"^^<datatype>``.
    """
    if _LITERAL_NEEDS_ESCAPE.search(value) is not None:
        value = value.translate(_LITERAL_ESCAPES)
    if language:
        return f'"{value}"@{language}'
    if datatype is None or datatype == XSD_STRING:
        return f'"{value}"'
    return f'"{value}"^^{serialize_iri(datatype)}'


# --------------------------------------------------------------------------------------
# N-Quads parser
# --------------------------------------------------------------------------------------

_ECHAR: Final = {
    "t": "\t",
    "b": "\b",
    "n": "\n",
    "r": "\r",
    "f": "\f",
    '"': '"',
    "'": "'",
    "\\": "\\",
}
_HEX: Final = frozenset("0123456789abcdefABCDEF")
_IRI_FORBIDDEN: Final = re.compile('[\x00-\x20<>"{}|^`\\\\]')
_LANGTAG: Final = re.compile(r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*")


def _pn_chars_base(c: str) -> bool:
    cp = ord(c)
    return (
        ("A" <= c <= "Z")
        or ("a" <= c <= "z")
        or 0x00C0 <= cp <= 0x00D6
        or 0x00D8 <= cp <= 0x00F6
        or 0x00F8 <= cp <= 0x02FF
        or 0x0370 <= cp <= 0x037D
        or 0x037F <= cp <= 0x1FFF
        or 0x200C <= cp <= 0x200D
        or 0x2070 <= cp <= 0x218F
        or 0x2C00 <= cp <= 0x2FEF
        or 0x3001 <= cp <= 0xD7FF
        or 0xF900 <= cp <= 0xFDCF
        or 0xFDF0 <= cp <= 0xFFFD
        or 0x10000 <= cp <= 0xEFFFF
    )


def _pn_chars_u(c: str) -> bool:
    return c == "_" or c == ":" or _pn_chars_base(c)


def _pn_chars(c: str) -> bool:
    cp = ord(c)
    return (
        _pn_chars_u(c)
        or c == "-"
        or "0" <= c <= "9"
        or cp == 0x00B7
        or 0x0300 <= cp <= 0x036F
        or 0x203F <= cp <= 0x2040
    )


class _NQuadsSyntaxError(Exception):
    """Raised inside the parser with a column; turned into JSONLDError with the line number."""

    def __init__(self, pos: int, what: str) -> None:
        super().__init__(what)
        self.pos = pos
        self.what = what


def _read_uchar(text: str, pos: int) -> tuple[str, int]:
    """Decode ``\\uXXXX`` or ``\\UXXXXXXXX``; ``pos`` is on the ``u``/``U``."""
    width = 4 if text[pos] == "u" else 8
    digits = text[pos + 1 : pos + 1 + width]
    if len(digits) != width or not _HEX.issuperset(digits):
        raise _NQuadsSyntaxError(pos, "malformed \\u or \\U escape")
    cp = int(digits, 16)
    if cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
        raise _NQuadsSyntaxError(pos, f"\\{text[pos]}{digits} is not a Unicode scalar value")
    return chr(cp), pos + 1 + width


def _read_iri(text: str, pos: int) -> tuple[str, int]:
    """Read an IRIREF; return the IRI it denotes and the position after ``>``."""
    end = text.find(">", pos + 1)
    if end < 0:
        raise _NQuadsSyntaxError(pos, "IRI without a closing '>'")
    raw = text[pos + 1 : end]
    if "\\" not in raw:
        bad = _IRI_FORBIDDEN.search(raw)
        if bad is not None:
            raise _NQuadsSyntaxError(pos + 1 + bad.start(), "character not allowed in an IRI")
        return raw, end + 1
    # Decode the UCHAR escapes; the '>' found above may itself follow an escape, so rescan.
    out: list[str] = []
    pos += 1
    while True:
        c = text[pos] if pos < len(text) else ""
        if c == ">":
            return "".join(out), pos + 1
        if c == "\\":
            if text[pos + 1 : pos + 2] not in ("u", "U"):
                raise _NQuadsSyntaxError(pos, "only \\u and \\U escapes are allowed in an IRI")
            decoded, pos = _read_uchar(text, pos + 1)
            out.append(decoded)
        elif c == "" or _IRI_FORBIDDEN.match(c):
            raise _NQuadsSyntaxError(pos, "character not allowed in an IRI")
        else:
            out.append(c)
            pos += 1


def _read_blank_node(text: str, pos: int) -> tuple[str, int]:
    """Read a BLANK_NODE_LABEL; return it with its ``_:`` and the position after it."""
    start = pos
    if text[pos : pos + 2] != "_:":
        raise _NQuadsSyntaxError(pos, "expected a blank node label '_:…'")
    pos += 2
    if pos >= len(text) or not (_pn_chars_u(text[pos]) or "0" <= text[pos] <= "9"):
        raise _NQuadsSyntaxError(pos, "malformed blank node label")
    pos += 1
    while pos < len(text) and (text[pos] == "." or _pn_chars(text[pos])):
        pos += 1
    while text[pos - 1] == ".":  # A label cannot end with '.'; that one ends the statement.
        pos -= 1
    return text[start:pos], pos


def _read_literal(text: str, pos: int) -> tuple[str, int]:
    """Read a literal; return it in canonical form and the position after it."""
    out: list[str] = []
    start = pos
    pos += 1
    while True:
        # Copy each run of plain characters up to the next quote or backslash at once.
        quote = text.find('"', pos)
        if quote < 0:
            raise _NQuadsSyntaxError(start, "literal without a closing '\"'")
        backslash = text.find("\\", pos, quote)
        if backslash < 0:
            out.append(text[pos:quote])
            pos = quote + 1
            break
        out.append(text[pos:backslash])
        c = text[backslash + 1 : backslash + 2]
        if c == "u" or c == "U":
            decoded, pos = _read_uchar(text, backslash + 1)
            out.append(decoded)
        elif c in _ECHAR:
            out.append(_ECHAR[c])
            pos = backslash + 2
        else:
            raise _NQuadsSyntaxError(backslash, "unknown escape in a literal")
    value = "".join(out)
    if text[pos : pos + 1] == "@":
        m = _LANGTAG.match(text, pos)
        if m is None:
            raise _NQuadsSyntaxError(pos, "malformed language tag")
        return serialize_literal(value, language=m.group()[1:]), m.end()
    if text[pos : pos + 2] == "^^":
        if text[pos + 2 : pos + 3] != "<":
            raise _NQuadsSyntaxError(pos + 2, "expected a datatype IRI after '^^'")
        datatype, pos = _read_iri(text, pos + 2)
        return serialize_literal(value, datatype=datatype), pos
    return serialize_literal(value), pos


def _skip_ws(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and (text[pos] == " " or text[pos] == "\t"):
        pos += 1
    if pos < n and text[pos] == "#":
        return n
    return pos


def _parse_statement(text: str) -> Quad | None:
    """Parse one line; return None for a blank or comment-only line."""
    terms: list[str] = []
    pos = _skip_ws(text, 0)
    n = len(text)
    if pos >= n:
        return None
    while True:
        c = text[pos] if pos < n else ""
        if c == "." and len(terms) >= 3:
            break
        role = _ROLES[len(terms)] if len(terms) < 4 else "'.'"
        if c == "<" and len(terms) < 4:
            iri, pos = _read_iri(text, pos)
            terms.append(serialize_iri(iri))
        elif c == "_" and len(terms) in (0, 2, 3):
            term, pos = _read_blank_node(text, pos)
            terms.append(term)
        elif c == '"' and len(terms) == 2:
            term, pos = _read_literal(text, pos)
            terms.append(term)
        else:
            raise _NQuadsSyntaxError(pos, f"expected the {role}")
        # Terms need no white space between them: each ends unambiguously, and a blank
        # node label swallows whatever label characters follow it.
        pos = _skip_ws(text, pos)
    pos = _skip_ws(text, pos + 1)
    if pos < n:
        raise _NQuadsSyntaxError(pos, "unexpected text after '.'")
    if len(terms) == 3:
        terms.append("")
    s, p, o, g = terms
    return (s, p, o, g)


_ROLES: Final = ("subject", "predicate", "object", "graph label or '.'")


def parse_nquads(text: str) -> list[Quad]:
    """Parse an N-Quads document into quads whose terms are in canonical form.

    ``\\uXXXX``/``\\UXXXXXXXX`` escapes (in IRIs and literals) and ``\\t``-style escapes (in
    literals; N-Quads allows no others in IRIs) are decoded and every term is written again
    canonically, so two documents that denote the same quads give equal tuples. Blank node
    labels are kept as written. Blank lines and comments are skipped; duplicates are kept.

    Raises :class:`JSONLDError` (code ``invalid_nquads``) on the first malformed line.
    """
    quads: list[Quad] = []
    # EOL is any run of CR and LF; str.splitlines would also split on U+2028 and others,
    # which a literal may contain.
    for number, line in enumerate(text.replace("\r", "\n").split("\n"), start=1):
        try:
            quad = _parse_statement(line)
        except _NQuadsSyntaxError as exc:
            raise JSONLDError(
                f"N-Quads line {number}, column {exc.pos + 1}: {exc.what}.", code="invalid_nquads"
            ) from None
        if quad is not None:
            quads.append(quad)
    return quads


# --------------------------------------------------------------------------------------
# pyld datasets
# --------------------------------------------------------------------------------------


def _pyld_node(node: Mapping[str, Any], role: str) -> str:
    kind = node.get("type")
    value = node.get("value")
    if not isinstance(value, str):
        raise JSONLDError(f"pyld gave a {role} without a string value.")
    if kind == "IRI":
        return serialize_iri(value)
    if kind == "blank node":
        return value if value.startswith("_:") else "_:" + value
    raise JSONLDError(f"pyld gave a {role} of unexpected type {kind!r}.")


def quads_from_pyld(dataset: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[Quad]:
    """Convert the dataset returned by ``pyld.jsonld.to_rdf(doc, options)`` into quads.

    pyld maps each graph name (``"@default"``, an IRI or ``"_:b0"``) to a list of triples
    whose subject, predicate and object are dicts with ``type`` (``IRI``, ``blank node`` or
    ``literal``) and ``value``, plus ``datatype`` and ``language`` for literals. Literals
    are escaped here, so the result does not depend on pyld's N-Quads writer.

    Raises :class:`JSONLDError` if a triple has a blank node predicate (generalized RDF,
    which canonical N-Quads cannot express) or is not shaped as described.
    """
    quads: list[Quad] = []
    iri_cache: dict[str, str] = {}
    for name, triples in dataset.items():
        if name == "@default":
            g = ""
        elif name.startswith("_:"):
            g = name
        else:
            g = serialize_iri(name)
        for triple in triples:
            subject, predicate, obj = triple["subject"], triple["predicate"], triple["object"]
            if subject.get("type") == "IRI" and isinstance(subject.get("value"), str):
                s = iri_cache.get(subject["value"])
                if s is None:
                    s = iri_cache[subject["value"]] = serialize_iri(subject["value"])
            else:
                s = _pyld_node(subject, "subject")
            if predicate.get("type") != "IRI" or not isinstance(predicate.get("value"), str):
                raise JSONLDError("pyld gave a predicate that is not an IRI.")
            p = iri_cache.get(predicate["value"])
            if p is None:
                p = iri_cache[predicate["value"]] = serialize_iri(predicate["value"])
            if obj.get("type") == "literal":
                value = obj.get("value")
                if not isinstance(value, str):
                    raise JSONLDError("pyld gave a literal without a string value.")
                language = obj.get("language")
                datatype = obj.get("datatype")
                if language:
                    o = serialize_literal(value, language=language)
                else:
                    o = serialize_literal(value, datatype=datatype)
            else:
                o = _pyld_node(obj, "object")
            quads.append((s, p, o, g))
    return quads


# --------------------------------------------------------------------------------------
# RDFC-1.0
# --------------------------------------------------------------------------------------


class _Hash(Protocol):
    def hexdigest(self) -> str: ...


_HashFactory = Callable[[bytes], _Hash]


_HASHES: Final[dict[str, _HashFactory]] = {
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
    "sha3256": hashlib.sha3_256,
    "sha3384": hashlib.sha3_384,
    "sha3512": hashlib.sha3_512,
}


def _hash_factory(name: str) -> _HashFactory:
    """Map ``sha256``, ``SHA-256``, ``SHA384``… to a hashlib constructor."""
    factory = _HASHES.get(name)
    if factory is None:
        factory = _HASHES.get(name.lower().replace("-", "").replace("_", ""))
        if factory is None:
            raise ValueError(f"unsupported RDFC-1.0 hash algorithm {name!r}")
    return factory


def _too_much_work(max_work: int) -> CanonicalizationError:
    return CanonicalizationError(
        f"RDFC-1.0 canonicalization needs more than max_work={max_work} steps, "
        "so the dataset was refused as too large or too symmetric (a possible poison graph)."
    )


# The result of Hash N-Degree Quads: the hash and the temporary issuer that produced it.
# An issuer is a dict from blank node term to issued label, in order of issue; its counter
# is its length, since labels are only ever added.
_Result = tuple[str, dict[str, str]]
_Request = tuple[str, dict[str, str]]


class _Canonicalizer:
    """State of one run: the blank node to quads map, first-degree hashes, issuers, work."""

    __slots__ = (
        "mentions",
        "digest",
        "canonical",
        "first_degree",
        "related_memo",
        "work",
        "max_work",
    )

    def __init__(
        self,
        mentions: dict[str, list[Quad]],
        digest: _HashFactory,
        work: int,
        max_work: int,
    ) -> None:
        self.mentions = mentions
        self.digest = digest
        self.canonical: dict[str, str] = {}
        self.first_degree: dict[str, str] = {}
        self.related_memo: dict[str, str] = {}
        self.work = work
        self.max_work = max_work

    def hash(self, data: str) -> str:
        return self.digest(data.encode()).hexdigest()

    def spend(self, steps: int) -> None:
        self.work += steps
        if self.work > self.max_work:
            raise _too_much_work(self.max_work)

    def hash_first_degree(self, node: str) -> str:
        """Hash First Degree Quads: hash the mention set, ``node`` as ``_:a``, others ``_:z``."""
        lines = []
        for s, p, o, g in self.mentions[node]:
            if s[0] == "_":
                s = "_:a" if s == node else "_:z"
            if o[0] == "_":
                o = "_:a" if o == node else "_:z"
            if g:
                if g[0] == "_":
                    g = "_:a" if g == node else "_:z"
                lines.append(f"{s} {p} {o} {g} .\n")
            else:
                lines.append(f"{s} {p} {o} .\n")
        lines.sort()
        return self.hash("".join(lines))

    def hash_related(
        self, related: str, predicate: str, issuer: dict[str, str], position: str
    ) -> str:
        """Hash Related Blank Node; the predicate term already has its ``<>``."""
        label = self.canonical.get(related) or issuer.get(related)
        tail = "_:" + label if label is not None else self.first_degree[related]
        data = position + tail if position == "g" else position + predicate + tail
        result = self.related_memo.get(data)
        if result is None:
            result = self.related_memo[data] = self.hash(data)
        return result

    def hash_n_degree(self, node: str, issuer: dict[str, str]) -> _Result:
        """Hash N-Degree Quads, run without Python recursion.

        Each call is a generator that yields a request for a recursive call and receives its
        result; this loop keeps the generators on an explicit stack. The depth of recursion
        is bounded only by the number of blank nodes, which may exceed Python's limit.
        """
        stack = [self._hash_n_degree(node, issuer)]
        reply: _Result | None = None
        while True:
            try:
                request = stack[-1].send(reply)  # type: ignore[arg-type]
            except StopIteration as done:
                stack.pop()
                if not stack:
                    result: _Result = done.value
                    return result
                reply = done.value
                continue
            stack.append(self._hash_n_degree(*request))
            reply = None

    def _hash_n_degree(
        self, node: str, issuer: dict[str, str]
    ) -> Generator[_Request, _Result, _Result]:
        quads = self.mentions[node]
        self.spend(1 + len(quads))
        canonical = self.canonical

        # Group the blank nodes related to `node` by their related hash (step 3).
        groups: dict[str, list[str]] = {}
        for quad in quads:
            s, p, o, g = quad
            if s[0] == "_" and s != node:
                groups.setdefault(self.hash_related(s, p, issuer, "s"), []).append(s)
            if o[0] == "_" and o != node:
                groups.setdefault(self.hash_related(o, p, issuer, "o"), []).append(o)
            if g and g[0] == "_" and g != node:
                groups.setdefault(self.hash_related(g, p, issuer, "g"), []).append(g)

        data: list[str] = []
        for related_hash in sorted(groups):
            data.append(related_hash)
            chosen_path = ""
            chosen_issuer: dict[str, str] | None = None
            for permutation in permutations(groups[related_hash]):
                self.spend(1)
                issuer_copy = dict(issuer)
                path = ""
                recursion: list[str] = []
                skipped = False
                for related in permutation:
                    label = canonical.get(related)
                    if label is None:
                        label = issuer_copy.get(related)
                        if label is None:
                            recursion.append(related)
                            label = issuer_copy[related] = "b" + str(len(issuer_copy))
                    path += "_:" + label
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skipped = True
                        break
                if skipped:
                    continue
                for related in recursion:
                    result_hash, result_issuer = yield (related, issuer_copy)
                    # `related` already has a label in issuer_copy, issued above.
                    path += "_:" + issuer_copy[related] + "<" + result_hash + ">"
                    issuer_copy = result_issuer
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skipped = True
                        break
                if skipped:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            data.append(chosen_path)
            assert chosen_issuer is not None  # The first permutation is never skipped.
            issuer = chosen_issuer
        return self.hash("".join(data)), issuer


def _label_dataset(
    quads: Iterable[Quad], hash_algorithm: str, max_work: int
) -> tuple[list[Quad], dict[str, str]]:
    """Run RDFC-1.0 steps 1–6; return the unique quads and the map ``_:x`` → canonical label."""
    digest = _hash_factory(hash_algorithm)
    # Step 2: the dataset is a set, and each blank node gets its mention set.
    unique = list(dict.fromkeys(quads))
    if len(unique) > max_work:
        raise _too_much_work(max_work)
    mentions: dict[str, list[Quad]] = {}
    try:
        for quad in unique:
            s, p, o, g = quad
            if p[0] != "<":
                raise JSONLDError(f"the predicate {p!r} of a quad is not an IRI term.")
            if s[0] == "_":
                mentions.setdefault(s, []).append(quad)
            if o[0] == "_" and o != s:
                mentions.setdefault(o, []).append(quad)
            if g and g[0] == "_" and g != s and g != o:
                mentions.setdefault(g, []).append(quad)
    except IndexError:
        raise JSONLDError("a quad has an empty subject, predicate or object.") from None
    if len(mentions) <= 1:
        # A lone blank node always has a unique first-degree hash; skip computing it.
        return unique, {node: "c14n0" for node in mentions}

    state = _Canonicalizer(mentions, digest, len(unique), max_work)
    canonical = state.canonical

    # Step 3: first-degree hashes.
    by_hash: dict[str, list[str]] = {}
    first_degree = state.first_degree
    for node in mentions:
        h = first_degree[node] = state.hash_first_degree(node)
        by_hash.setdefault(h, []).append(node)

    # Step 4: blank nodes with a unique first-degree hash, in hash order.
    shared: list[list[str]] = []
    for h in sorted(by_hash):
        nodes = by_hash[h]
        if len(nodes) == 1:
            canonical[nodes[0]] = "c14n" + str(len(canonical))
        else:
            shared.append(nodes)

    # Step 5: the others, through Hash N-Degree Quads, in first-degree hash order.
    for nodes in shared:
        results: list[_Result] = []
        for node in nodes:
            if node in canonical:
                continue
            results.append(state.hash_n_degree(node, {node: "b0"}))
        results.sort(key=lambda result: result[0])
        for _, issuer in results:
            for node in issuer:
                if node not in canonical:
                    canonical[node] = "c14n" + str(len(canonical))
    return unique, canonical


def canonicalize(
    quads: Iterable[Quad], *, hash_algorithm: str = "sha256", max_work: int = DEFAULT_MAX_WORK
) -> str:
    """Return the RDFC-1.0 serialized canonical form of a dataset.

    The result is an N-Quads document: one line per distinct quad, each ending with
    ``"\\n"``, blank nodes relabelled ``_:c14n0``, ``_:c14n1``…, lines in code point order.
    ``hash_algorithm`` is ``sha256`` (the default of RDFC-1.0) or another SHA-2/SHA-3
    name such as ``sha384``.

    Raises :class:`CanonicalizationError` when the dataset needs more than ``max_work``
    steps (see the module docstring), :class:`JSONLDError` when a quad has a predicate that
    is not an IRI, and :class:`ValueError` for an unknown hash algorithm.
    """
    unique, canonical = _label_dataset(quads, hash_algorithm, max_work)
    if canonical:
        labels = {node: "_:" + label for node, label in canonical.items()}
        get = labels.get
        lines = [
            f"{get(s, s)} {p} {get(o, o)} {get(g, g)} .\n"
            if g
            else f"{get(s, s)} {p} {get(o, o)} .\n"
            for s, p, o, g in unique
        ]
    else:
        lines = [f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n" for s, p, o, g in unique]
    lines.sort()
    return "".join(lines)


def issue_canonical_labels(
    quads: Iterable[Quad], *, hash_algorithm: str = "sha256", max_work: int = DEFAULT_MAX_WORK
) -> dict[str, str]:
    """Return RDFC-1.0's issued identifiers map: input label → canonical label.

    Labels are given without ``_:`` (``{"e0": "c14n0"}``), as in the RDFC-1.0 map tests.
    Selective-disclosure suites use this map to relate input blank nodes to the canonical
    output. Raises as :func:`canonicalize` does.
    """
    _, canonical = _label_dataset(quads, hash_algorithm, max_work)
    return {node[2:]: label for node, label in canonical.items()}

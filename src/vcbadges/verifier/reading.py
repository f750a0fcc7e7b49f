"""What the checks interpret must be what was signed, whatever the JSON spelling.

A Data Integrity proof over RDFC-1.0 signs RDF, not JSON. Many JSON spellings give the same
RDF: a term moved under ``@nest``, written as its full or compact IRI, renamed by an inline
context alias, or ``@type`` written for ``type``. The checks (validity dates, status entries,
endorsements, issuer, subjects, holder, types) read plain JSON keys, so such a rewrite would
keep the signature valid while hiding an expired date or a revoked status from them.

Rather than re-implementing every check over RDF, this module reads the interpreted values
twice, from the JSON keys the checks use and from the signed quads, and refuses the document
(``noncanonical_spelling``) unless both readings agree. Agreement means the checks see exactly
the values the issuer signed; documents spelled as their contexts define their terms (every
issuer we know of) always agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vcbadges.jsonld.canon import Quad, serialize_literal

__all__ = ["NONCANONICAL_SPELLING", "spelling_mismatch"]

NONCANONICAL_SPELLING = "noncanonical_spelling"

_CRED = "https://www.w3.org/2018/credentials#"
_STATUS = "https://www.w3.org/ns/credentials/status#"
_SL2021 = "https://w3id.org/vc/status-list#"
_OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

# Each interpreted term and the IRIs its bundled contexts give it.
_PROPERTIES: dict[str, tuple[str, ...]] = {
    "issuer": (_CRED + "issuer",),
    "validFrom": (_CRED + "validFrom",),
    "validUntil": (_CRED + "validUntil",),
    "issuanceDate": (_CRED + "issuanceDate",),
    "expirationDate": (_CRED + "expirationDate",),
    "credentialStatus": (_CRED + "credentialStatus",),
    "credentialSubject": (_CRED + "credentialSubject",),
    "holder": (_CRED + "holder",),
    "verifiableCredential": (_CRED + "verifiableCredential",),
    "statusPurpose": (_STATUS + "statusPurpose", _SL2021 + "statusPurpose"),
    "statusListIndex": (_STATUS + "statusListIndex", _SL2021 + "statusListIndex"),
    "statusListCredential": (_STATUS + "statusListCredential", _SL2021 + "statusListCredential"),
    "statusSize": (_STATUS + "statusSize",),
    "statusMessage": (_STATUS + "statusMessage",),
    "statusReference": (_STATUS + "statusReference",),
    "encodedList": (_STATUS + "encodedList", _SL2021 + "encodedList"),
    # OB 3.0.0 gave it the class's IRI and 3.0.1-3.0.2 "achievement-0"; 3.0.3 fixed it.
    "achievement": (_OB + "achievement", _OB + "Achievement", _OB + "achievement-0"),
    "endorsement": (_OB + "endorsement",),
    "endorsementJwt": (_OB + "endorsementJwt",),
}
# Each interpreted type and its IRI (the OB contexts make AchievementCredential an alias of
# OpenBadgeCredential, which the checks treat alike too).
_TYPES: dict[str, str] = {
    "VerifiableCredential": _CRED + "VerifiableCredential",
    "VerifiablePresentation": _CRED + "VerifiablePresentation",
    "EnvelopedVerifiableCredential": _CRED + "EnvelopedVerifiableCredential",
    "OpenBadgeCredential": _OB + "OpenBadgeCredential",
    "AchievementCredential": _OB + "OpenBadgeCredential",
    "EndorsementCredential": _OB + "EndorsementCredential",
    "BitstringStatusListEntry": _STATUS + "BitstringStatusListEntry",
    "BitstringStatusListCredential": _STATUS + "BitstringStatusListCredential",
    "BitstringStatusList": _STATUS + "BitstringStatusList",
    "StatusList2021Entry": _SL2021 + "StatusList2021Entry",
    "StatusList2021Credential": _SL2021 + "StatusList2021Credential",
    "StatusList2021": _SL2021 + "StatusList2021",
}
_TERM_OF_PREDICATE = {f"<{iri}>": term for term, iris in _PROPERTIES.items() for iri in iris}
_TYPE_OF_OBJECT = {f"<{iri}>": iri for iri in _TYPES.values()}
_RDF_TYPE_IRI = _RDF_TYPE
_SKIPPED_KEYS = frozenset({"@context", "proof"})
# Objects of these terms are graphs holding documents that are checked on their own.
_GRAPH_VALUED = frozenset({"verifiableCredential"})
_MAX_DEPTH = 8

# A reading is a set of (term, value); a value is ("str", text, reading of the node the text
# names, if any) for literals and identified nodes, ("blank", reading) for anonymous nodes,
# or ("graph",) for an embedded document.
Value = tuple[Any, ...]
Reading = frozenset[tuple[str, Value]]


class _JSONSide:
    """Reads the JSON the way the checks do: plain names, each at its own node."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.by_id: dict[str, list[dict[str, Any]]] = {}
        stack: list[Any] = [document]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                node_id = node.get("id")
                if isinstance(node_id, str):
                    self.by_id.setdefault(node_id, []).append(node)
                stack.extend(v for k, v in node.items()
                             if k not in _SKIPPED_KEYS and k not in _GRAPH_VALUED)

    def value(self, term: str, value: Any, path: tuple[str, ...]) -> Value:
        if term in _GRAPH_VALUED:
            return ("graph",)
        if isinstance(value, bool):
            return ("str", "true" if value else "false", None)
        if isinstance(value, int):
            return ("str", str(value) if abs(value) < 10**30 else "<huge>", None)
        if isinstance(value, str):
            return ("str", _literal_form(value), self.named(value, path))
        if isinstance(value, dict):
            if "@value" in value:
                return self.value(term, value["@value"], path)
            node_id = value.get("id")
            if isinstance(node_id, str):
                return ("str", _literal_form(node_id), self.named(node_id, path))
            return ("blank", self.reading([value], path))
        return ("other", type(value).__name__)

    def named(self, node_id: str, path: tuple[str, ...]) -> Reading | None:
        nodes = self.by_id.get(node_id)
        if not nodes or node_id in path or len(path) >= _MAX_DEPTH:
            return None
        return self.reading(nodes, (*path, node_id)) or None

    def reading(self, nodes: list[dict[str, Any]], path: tuple[str, ...]) -> Reading:
        out: set[tuple[str, Value]] = set()
        if len(path) >= _MAX_DEPTH:
            return frozenset()
        for node in nodes:
            for key, value in node.items():
                values = value if isinstance(value, list) else [value]
                if key == "type":
                    out.update(("type", ("str", _TYPES[t], None)) for t in values
                               if isinstance(t, str) and t in _TYPES)
                elif key in _PROPERTIES:
                    out.update((key, self.value(key, v, (*path, key))) for v in values)
        return frozenset(out)


class _GraphSide:
    """Reads the default graph of the signed quads: subjects, interpreted predicates."""

    def __init__(self, quads: Iterable[Quad]) -> None:
        self.edges: dict[str, list[tuple[str, str]]] = {}
        self.objects: set[str] = set()
        self.subjects: list[str] = []
        for subject, predicate, obj, graph in quads:
            if graph:
                continue
            if subject not in self.edges:
                self.edges[subject] = []
                self.subjects.append(subject)
            self.edges[subject].append((predicate, obj))
            self.objects.add(obj)

    def root(self, document_id: Any) -> str | None:
        if isinstance(document_id, str):
            term = f"<{document_id}>"
            return term if term in self.edges else None
        roots = [s for s in self.subjects if s not in self.objects]
        return roots[0] if len(roots) == 1 else None

    def value(self, term: str, obj: str, path: tuple[str, ...]) -> Value:
        if term in _GRAPH_VALUED:
            return ("graph",)
        if obj.startswith("_:"):
            return ("blank", self.reading(obj, path))
        if obj.startswith("<"):
            return ("str", obj[1:-1], self.named(obj, path))
        return ("str", obj[1:obj.rindex('"')], None)

    def named(self, subject: str, path: tuple[str, ...]) -> Reading | None:
        if subject not in self.edges or subject[1:-1] in path or len(path) >= _MAX_DEPTH:
            return None
        return self.reading(subject, (*path, subject[1:-1])) or None

    def reading(self, subject: str, path: tuple[str, ...]) -> Reading:
        out: set[tuple[str, Value]] = set()
        if len(path) >= _MAX_DEPTH:
            return frozenset()
        for predicate, obj in self.edges.get(subject, ()):
            if predicate == _RDF_TYPE_IRI:
                iri = _TYPE_OF_OBJECT.get(obj)
                if iri is not None:
                    out.add(("type", ("str", iri, None)))
                continue
            term = _TERM_OF_PREDICATE.get(predicate)
            if term is not None:
                out.add((term, self.value(term, obj, (*path, term))))
        return frozenset(out)


def _literal_form(value: str) -> str:
    return serialize_literal(value)[1:-1]


def _first_difference(spelled: Reading, signed: Reading) -> str:
    missing = sorted(t for t, _ in signed - spelled)
    if missing:
        return (f"the signed data holds a {missing[0]!r} value that the JSON does not spell "
                f"as {missing[0]!r} where the checks read it")
    extra = sorted(t for t, _ in spelled - signed)
    return f"the JSON has a {extra[0]!r} value that the signed data does not hold as such"


def spelling_mismatch(document: dict[str, Any], quads: Iterable[Quad]) -> str | None:
    """Compare the interpreted values of ``document`` (without its proof) with its quads.

    Both sides are read node by node from the document's root, so a value moved to another
    JSON position (``@nest``) differs as much as one renamed. Returns None when they agree,
    else a sentence naming the first term whose JSON spelling does not carry what was signed.
    """
    if any(k.startswith("@") and k != "@context" for k in document):
        return "the document uses a JSON-LD keyword where the checks read plain names"
    graph = _GraphSide(quads)
    root = graph.root(document.get("id"))
    if root is None:
        return "the signed data does not have the document as its one root node"
    json_side = _JSONSide(document)
    document_id = document.get("id")
    nodes = json_side.by_id.get(document_id, [document]) if isinstance(document_id, str) \
        else [document]
    path = (document_id,) if isinstance(document_id, str) else ()
    spelled, signed = json_side.reading(nodes, path), graph.reading(root, path)
    return None if spelled == signed else _first_difference(spelled, signed)

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

from collections import Counter
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
_NODE = "_node"

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
# Named graphs that hold other documents: proofs and the credentials of a presentation are
# each checked on their own, so neither reading looks inside them.
_CONTAINER_PREDICATES = frozenset({"<https://w3id.org/security#proof>",
                                   f"<{_CRED}verifiableCredential>"})
_SKIPPED_KEYS = frozenset({"@context", "proof"})
# Objects of these terms are graphs (or stand for one): compared as nodes, not by id.
_GRAPH_VALUED = frozenset({"verifiableCredential"})
Reading = Counter[tuple[str, str]]


def _literal_form(value: str) -> str:
    text = serialize_literal(value)
    return text[1:-1]


def _raw_value(term: str, value: Any) -> str:
    if term in _GRAPH_VALUED:
        return _NODE
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if abs(value) < 10**30 else "<huge>"
    if isinstance(value, str):
        return _literal_form(value)
    if isinstance(value, dict):
        if "@value" in value:
            return _raw_value(term, value["@value"])
        node_id = value.get("id")
        return _literal_form(node_id) if isinstance(node_id, str) else _NODE
    return f"<{type(value).__name__}>"


def _json_reading(document: dict[str, Any]) -> Reading:
    reading: Reading = Counter()
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            if key in _SKIPPED_KEYS:
                continue
            values = value if isinstance(value, list) else [value]
            if key == "type":
                # A node has each type once in RDF, however often the JSON names it.
                reading.update({("type", _TYPES[t]) for t in values
                                if isinstance(t, str) and t in _TYPES})
            elif key in _PROPERTIES:
                reading.update((key, _raw_value(key, v)) for v in values)
            if key not in _GRAPH_VALUED:
                stack.append(value)
    return reading


def _graph_value(term: str, obj: str) -> str:
    if term in _GRAPH_VALUED or obj.startswith("_:"):
        return _NODE
    if obj.startswith("<"):
        return obj[1:-1]
    return obj[1:obj.rindex('"')]


def _graph_reading(quads: Iterable[Quad]) -> Reading:
    quads = list(quads)
    contained = {o for _, p, o, _ in quads if p in _CONTAINER_PREDICATES}
    reading: Reading = Counter()
    for _, predicate, obj, graph in quads:
        if graph in contained:
            continue
        if predicate == _RDF_TYPE:
            name = _TYPE_OF_OBJECT.get(obj)
            if name is not None:
                reading[("type", name)] += 1
            continue
        term = _TERM_OF_PREDICATE.get(predicate)
        if term is not None:
            reading[(term, _graph_value(term, obj))] += 1
    return reading


def spelling_mismatch(document: dict[str, Any], quads: Iterable[Quad]) -> str | None:
    """Compare the interpreted values of ``document`` (without its proof) with its quads.

    Returns None when they agree, else a sentence naming the first term whose JSON spelling
    does not carry what was signed.
    """
    spelled, signed = _json_reading(document), _graph_reading(quads)
    if spelled == signed:
        return None
    for term, value in sorted((signed - spelled) + (spelled - signed)):
        if (term, value) in signed and signed[(term, value)] > spelled[(term, value)]:
            return (f"the signed data holds a {term!r} value that the JSON does not spell as "
                    f"{term!r} where its contexts define it")
        return (f"the JSON has a {term!r} value that the signed data does not hold as "
                f"{term!r}")
    return "the interpreted values differ from the signed data"

"""Skolemization: give every blank node a temporary IRI (VC DI ECDSA §3.4.3-3.4.7).

Selecting part of a JSON-LD document with JSON pointers must keep each selected value on the
same RDF node as in the whole document. Blank nodes have no name to keep, so before
selecting, every node object without an ``@id`` gets ``urn:custom-scheme:_<random>_<n>`` (an
existing ``_:x`` becomes ``urn:custom-scheme:x``). After selecting, those IRIs turn back
into blank nodes (deskolemization), which now have the same labels in the whole document's
quads and in every selection's quads, so the two can be matched.
"""

from __future__ import annotations

import secrets
from itertools import count
from typing import Any, Final

from vcbadges.jsonld.canon import Quad
from vcbadges.jsonld.expansion import Getter, compact, expand, expanded_to_quads, to_quads

__all__ = ["SKOLEM_PREFIX", "Skolemized", "deskolemize", "skolemize", "deskolemized_quads"]

SKOLEM_PREFIX: Final = "urn:custom-scheme:"
_TERM_PREFIX: Final = "<" + SKOLEM_PREFIX


class Skolemized:
    """A document with every node named: its expanded and its compact (original context) form."""

    __slots__ = ("compact", "expanded")

    def __init__(self, expanded: list[Any], compact: dict[str, Any]) -> None:
        self.expanded = expanded
        self.compact = compact


def _name_nodes(value: Any, random: str, counter: count[int]) -> Any:
    """``value`` with an ``@id`` on every node object that lacks a non-blank one."""
    if isinstance(value, list):
        return [_name_nodes(item, random, counter) for item in value]
    if not isinstance(value, dict) or "@value" in value:
        return value
    node = {key: _name_nodes(item, random, counter) if key != "@reverse"
            else {k: _name_nodes(v, random, counter) for k, v in item.items()}
            for key, item in value.items()}
    if "@list" in node or "@set" in node:
        return node
    node_id = node.get("@id")
    if node_id is None:
        node["@id"] = f"{SKOLEM_PREFIX}_{random}_{next(counter)}"
    elif isinstance(node_id, str) and node_id.startswith("_:"):
        node["@id"] = SKOLEM_PREFIX + node_id[2:]
    return node


def skolemize(document: dict[str, Any], *, get: Getter) -> Skolemized:
    """Name every blank node of ``document`` (safe-mode JSON-LD; raises as ``to_quads``)."""
    expanded = _name_nodes(expand(document, get=get), secrets.token_hex(16), count())
    return Skolemized(expanded, compact(expanded, document.get("@context"), get=get))


def _deskolemize_term(term: str) -> str:
    if term.startswith(_TERM_PREFIX):
        return "_:" + term[len(_TERM_PREFIX):-1]
    return term


def deskolemize(quads: list[Quad]) -> list[Quad]:
    """Turn the skolem IRIs of ``quads`` back into blank nodes, keeping their names as labels."""
    return [(_deskolemize_term(s), p, _deskolemize_term(o), _deskolemize_term(g) if g else g)
            for s, p, o, g in quads]


def deskolemized_quads(document: dict[str, Any] | list[Any], *, get: Getter) -> list[Quad]:
    """The quads of a skolemized document (compact, or expanded as a list), deskolemized."""
    if isinstance(document, list):
        return deskolemize(expanded_to_quads(document, get=get))
    return deskolemize(to_quads(document, get=get))

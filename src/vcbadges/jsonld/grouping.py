"""Canonicalize a document and sort its N-Quads into groups named by JSON pointers.

This is ``canonicalizeAndGroup`` (VC DI ECDSA §3.4.14): the document is skolemized, its
quads canonicalized with label replacement, and for each group of pointers the selected
part of the document is turned into quads under the same labels; each canonical quad is then
*matching* (in the selection) or *non-matching*, by its index in the sorted canonical list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vcbadges.errors import JSONLDError
from vcbadges.jsonld.canon import Quad
from vcbadges.jsonld.expansion import Getter
from vcbadges.jsonld.labels import (
    LabelMapFactory,
    label_replacement_canonicalize,
    relabel,
    serialize_quad,
)
from vcbadges.jsonld.pointers import select_json_ld
from vcbadges.jsonld.skolem import deskolemized_quads, skolemize

__all__ = ["Group", "Grouping", "canonicalize_and_group"]


@dataclass(frozen=True)
class Group:
    """The canonical quads one group of pointers selects, by index, and the rest."""

    matching: dict[int, str]
    non_matching: dict[int, str]
    deskolemized: list[Quad]
    """The selection's quads, with the (skolem) labels the whole document's quads use."""


@dataclass(frozen=True)
class Grouping:
    groups: dict[str, Group]
    nquads: list[str]
    """The whole document's canonical N-Quads lines, labels replaced, sorted."""
    label_map: dict[str, str]
    """Skolem label -> replacement label."""


def canonicalize_and_group(
    document: dict[str, Any],
    factory: LabelMapFactory,
    groups: Mapping[str, Sequence[str]],
    *,
    get: Getter,
    max_work: int,
) -> Grouping:
    """Group the canonical quads of ``document`` by each named list of JSON pointers.

    Raises ``JSONLDError`` for a pointer that does not match, for a selection whose quads
    are not all among the document's (a shape selection cannot express, such as a JSON-LD
    list), and as safe-mode JSON-LD and RDFC-1.0 do.
    """
    skolemized = skolemize(document, get=get)
    quads = deskolemized_quads(skolemized.expanded, get=get)
    nquads, label_map = label_replacement_canonicalize(quads, factory, max_work=max_work)
    known = set(nquads)
    result: dict[str, Group] = {}
    for name, pointers in groups.items():
        selection = select_json_ld(skolemized.compact, pointers)
        selected_quads = [] if selection is None else deskolemized_quads(selection, get=get)
        selected = {serialize_quad(q) for q in relabel(selected_quads, label_map)}
        if not selected <= known:
            raise JSONLDError(f"the {name} selection holds data that cannot be matched to the "
                              "document's signed statements", code="unmatched_selection")
        matching = {i: nq for i, nq in enumerate(nquads) if nq in selected}
        non_matching = {i: nq for i, nq in enumerate(nquads) if nq not in selected}
        result[name] = Group(matching, non_matching, selected_quads)
    return Grouping(result, nquads, label_map)

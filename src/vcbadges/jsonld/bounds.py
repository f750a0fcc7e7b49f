"""Caps on the work a document may ask of JSON-LD processing, checked before that work.

pyld's expansion and RDF conversion are linear in the document, but building the node map
is not: every value added to a property is compared with the values already there, so one
property holding n values costs n²/2 comparisons. 16,000 strings in one array (150 KB of
JSON) took over a minute. Two checks keep every step bounded:

- :func:`check_document`, before expansion: strict JSON values only (no NaN, huge integers
  or non-string keys, which pyld would turn into exceptions or nonsense), at most
  :data:`MAX_DEPTH` levels, :data:`MAX_NODES` values and :data:`MAX_ARRAY_ITEMS` items in
  one array. Linear, and it stops at the first limit.
- :func:`check_expanded`, between expansion and the node map: values are counted by the
  node and property they will be merged into (node objects sharing an ``@id`` merge, and
  so do terms that expand to the same property), and the comparisons that merging costs
  must stay within :data:`MAX_MERGE_COMPARISONS`.

The quads follow: each expanded value makes at most three (a typed node in a list: its
link, ``rdf:rest`` and its type), so a document that passes has at most 75,000, and
RDFC-1.0 compares that count with its work limit (20,000 by default) before hashing any.

The limits admit an Open Badge with five hundred evidence, alignment or result entries, and
a status list credential (its list is one string, however many entries it holds). Every
refusal is a :class:`~vcbadges.errors.JSONInputError` with code ``document_too_large``
(or the code :func:`~vcbadges.primitives.jsonlimits.check_value` gives).
"""

from __future__ import annotations

from typing import Any, Final

from vcbadges.errors import JSONInputError
from vcbadges.primitives.jsonlimits import check_value

__all__ = [
    "MAX_ARRAY_ITEMS",
    "MAX_DEPTH",
    "MAX_MERGE_COMPARISONS",
    "MAX_NODES",
    "check_document",
    "check_expanded",
]

MAX_DEPTH: Final = 64
MAX_NODES: Final = 25_000
MAX_ARRAY_ITEMS: Final = 500
# One property with MAX_ARRAY_ITEMS values costs about 60% of this; the whole budget is about
# 0.1 s of pyld's node map on one core, the most one request may ask of it.
MAX_MERGE_COMPARISONS: Final = 200_000


def check_document(document: Any) -> int:
    """Refuse a document whose shape alone would make JSON-LD processing too costly; return
    the number of JSON values it holds."""
    return check_value(document, max_depth=MAX_DEPTH, max_nodes=MAX_NODES,
                       max_items=MAX_ARRAY_ITEMS)


def check_expanded(expanded: Any, *, nodes: int) -> None:
    """Refuse an expanded document whose node map would need too many comparisons.

    Adding n values to a property that holds c already costs up to n·c + n(n-1)/2
    comparisons. Counting by ``@id`` (or by object, for a node without one) and expanded
    property, across named graphs, over-estimates that cost and never under-estimates it.

    ``nodes`` is what :func:`check_document` returned for the unexpanded document. Expansion
    turns each JSON value into at most one value, and a ``@type`` map adds one type to each
    node object it holds, so there are at most ``2 * nodes`` values to merge: a document
    small enough that even merging all of them pairwise stays in budget is not walked again.
    """
    if 2 * nodes * nodes <= MAX_MERGE_COMPARISONS:
        return
    held: dict[tuple[object, str], int] = {}
    comparisons = 0
    stack: list[Any] = [expanded]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict) or "@value" in item:
            continue
        if "@list" in item:
            stack.append(item["@list"])
            continue
        node = _node_key(item)
        for prop, values in item.items():
            if prop == "@reverse" and isinstance(values, dict):
                # Each reverse value gains this node as a value of the reverse property.
                for reverse_prop, targets in values.items():
                    for target in targets if isinstance(targets, list) else [targets]:
                        comparisons += _add(held, (_node_key(target), reverse_prop), 1)
                    stack.append(targets)
            elif prop in ("@graph", "@included"):
                stack.append(values)
            elif prop == "@type" or not prop.startswith("@"):
                count = len(values) if isinstance(values, list) else 1
                comparisons += _add(held, (node, prop), count)
                if prop != "@type":
                    stack.append(values)
        if comparisons > MAX_MERGE_COMPARISONS:
            raise JSONInputError(
                "the document repeats values of one property too often for JSON-LD processing "
                f"(more than {MAX_MERGE_COMPARISONS} comparisons)", code="document_too_large")


def _node_key(node: Any) -> object:
    ident = node.get("@id") if isinstance(node, dict) else None
    return ident if isinstance(ident, str) else id(node)


def _add(held: dict[tuple[object, str], int], key: tuple[object, str], count: int) -> int:
    """Record ``count`` more values under ``key``; return the comparisons adding them costs."""
    before = held.get(key, 0)
    held[key] = before + count
    return count * before + count * (count - 1) // 2

"""JSON Pointer selection of a JSON-LD document (VC DI ECDSA §3.4.11-3.4.13, ``selectJsonLd``).

Selective disclosure names what to reveal with JSON Pointers (RFC 6901). A selection keeps
the ``@context``, and for every object on the way to a selected value its ``id`` (unless a
blank node identifier) and ``type``: without them the selected values would lose the node
they belong to and its class, and the signed quads could not be matched. Arrays keep the
selected items in their original order, with the gaps closed.

A pointer that does not match the document raises ``JSONLDError`` (``pointer_mismatch``),
a syntactically bad one ``JSONLDError`` (``invalid_pointer``): a holder asking for data the
credential does not hold should hear so, not get a proof for less than they asked.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any

from vcbadges.errors import JSONLDError

__all__ = ["parse_pointer", "select_json_ld"]

_ESCAPE = re.compile("~(.?)")
_INDEX = re.compile(r"0|[1-9][0-9]*")


def parse_pointer(pointer: str) -> list[str]:
    """Split a JSON Pointer into its unescaped reference tokens (RFC 6901 §3-4)."""
    if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
        raise JSONLDError(f"{pointer!r} is not a JSON pointer", code="invalid_pointer")

    def unescape(match: re.Match[str]) -> str:
        if match.group(1) == "0":
            return "~"
        if match.group(1) == "1":
            return "/"
        raise JSONLDError(f"JSON pointer {pointer!r} has a bad ~ escape", code="invalid_pointer")

    return [_ESCAPE.sub(unescape, token) for token in pointer.split("/")[1:]]


class _Sparse(dict[int, Any]):
    """An array being selected: chosen items by their index, made dense at the end."""


def _initial(source: dict[str, Any]) -> dict[str, Any]:
    selection: dict[str, Any] = {}
    node_id = source.get("id")
    if isinstance(node_id, str) and not node_id.startswith("_:"):
        selection["id"] = node_id
    if "type" in source:
        selection["type"] = copy.deepcopy(source["type"])
    return selection


def _step(value: Any, token: str, pointer: str) -> Any:
    if isinstance(value, dict) and token in value:
        return value[token]
    if isinstance(value, list) and _INDEX.fullmatch(token) and int(token) < len(value):
        return value[int(token)]
    raise JSONLDError(f"JSON pointer {pointer!r} does not match the document",
                      code="pointer_mismatch")


def _child(parent: Any, key: Any) -> Any:
    """What the selection already holds at ``key`` (a whole array may have been selected)."""
    if isinstance(parent, list):
        return parent[key]
    return parent.get(key)


def _select_path(document: dict[str, Any], pointer: str, tokens: list[str],
                 selection: dict[str, Any]) -> None:
    value: Any = document
    parent: Any = selection
    for position, token in enumerate(tokens):
        value = _step(value, token, pointer)
        key: Any = int(token) if isinstance(parent, (_Sparse, list)) else token
        if position == len(tokens) - 1:
            if isinstance(value, dict):
                already = _child(parent, key)
                merged = dict(already) if isinstance(already, dict) else {}
                merged.update(copy.deepcopy(value))
                parent[key] = merged
            else:
                parent[key] = copy.deepcopy(value)
            return
        child = _child(parent, key)
        if child is None:
            child = _Sparse() if isinstance(value, list) else _initial(value) \
                if isinstance(value, dict) else None
            if child is None:
                raise JSONLDError(f"JSON pointer {pointer!r} goes through a value that is "
                                  "neither an object nor an array", code="pointer_mismatch")
            parent[key] = child
        parent = child


def _dense(value: Any) -> Any:
    if isinstance(value, _Sparse):
        return [_dense(value[i]) for i in sorted(value)]
    if isinstance(value, dict):
        return {k: _dense(v) for k, v in value.items()}
    return value


def select_json_ld(document: dict[str, Any], pointers: Sequence[str]) -> dict[str, Any] | None:
    """The part of ``document`` the ``pointers`` select, or None when there are no pointers.

    The empty pointer ``""`` selects the whole document.
    """
    if not pointers:
        return None
    selection: dict[str, Any] = _initial(document)
    if "@context" in document:
        selection = {"@context": copy.deepcopy(document["@context"]), **selection}
    for pointer in pointers:
        tokens = parse_pointer(pointer)
        if not tokens:
            return copy.deepcopy(document)
        _select_path(document, pointer, tokens, selection)
    result: dict[str, Any] = _dense(selection)
    return result

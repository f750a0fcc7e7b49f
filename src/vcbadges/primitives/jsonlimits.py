"""Limits on untrusted JSON, shared by every place that parses it."""

from __future__ import annotations

from typing import Any

__all__ = ["within_depth"]


def within_depth(value: Any, limit: int) -> bool:
    """True when ``value`` nests at most ``limit`` levels of arrays and objects.

    Iterative, so a hostile document cannot exhaust the interpreter's recursion limit here.
    """
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return True

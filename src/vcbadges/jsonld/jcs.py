"""JSON Canonicalization Scheme (RFC 8785), through the ``rfc8785`` package."""

from __future__ import annotations

from typing import Any

import rfc8785

from vcbadges.errors import JSONLDError

__all__ = ["canonicalize_json"]


def canonicalize_json(value: Any) -> bytes:
    """Return the RFC 8785 bytes of ``value``; raise ``JSONLDError`` for non-JSON values."""
    try:
        return bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise JSONLDError(f"value cannot be canonicalized as JSON: {exc}",
                          code="invalid_json") from exc

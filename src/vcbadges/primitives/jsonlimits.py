"""One strict reading of untrusted JSON, and the same rules for values that arrive parsed.

Every reader of JSON from outside (request bodies, fetched documents, documents handed to
``verify``) goes through :func:`loads_strict`, and every already-parsed document through
:func:`check_value`, so a document is refused or accepted the same way whatever its path:

- **Strict JSON.** No ``NaN``, ``Infinity`` or ``-Infinity``; no number that overflows to an
  infinity; no member name twice in one object (two parsers may keep different values for
  it, and a signed document must mean one thing); UTF-8 only (a leading byte order mark on
  bytes is ignored, as RFC 8259 allows). Escaped lone surrogates are legal JSON and kept.
- **Integers** have at most :data:`MAX_INT_DIGITS` digits, so each converts to a float
  (JSON-LD writes integers from 10^21 up as doubles) and to text (Python refuses to format
  integers beyond 4,300 digits) without raising.
- **Size and depth** are checked before the parser runs: the byte count first, then the
  nesting of brackets outside strings, found with a few passes of C-speed byte operations.
  A document nested 100,000 deep is refused without recursing into it.

Every refusal is a :class:`~vcbadges.errors.JSONInputError` whose code is
``malformed_json``, ``document_too_large`` or ``document_too_deep``.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any, Final, NoReturn

from vcbadges.errors import JSONInputError

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_INT_DIGITS", "check_value", "loads_strict"]

# The limits of documents from outside that have none of their own (a credential, a JWT's
# header or claims, a protocol message): the verifier's 1 MiB and 64 levels.
MAX_BYTES: Final = 1 << 20
MAX_DEPTH: Final = 64
MAX_INT_DIGITS: Final = 300
_INT_BOUND: Final = 10**MAX_INT_DIGITS

# The depth scan keeps only quotes and brackets, then turns brackets into "(" and ")".
_NOT_STRUCTURE: Final = bytes(b for b in range(256) if b not in b'"[]{}')
_PARENS: Final = bytes.maketrans(b"[{]}", b"(())")
# A string that still holds a bracket once everything but quotes and brackets is gone.
_STRING: Final = re.compile(rb'"[^"]*"')
_STEP: Final = tuple(1 if b == ord("(") else -1 for b in range(256))
_PAIR_PASSES: Final = 4


def _refuse(code: str, message: str) -> NoReturn:
    raise JSONInputError(message, code=code)


def loads_strict(data: str | bytes, *, max_bytes: int = MAX_BYTES,
                 max_depth: int = MAX_DEPTH) -> Any:
    """Parse ``data`` as strict JSON of at most ``max_bytes`` UTF-8 bytes and ``max_depth``
    levels of arrays and objects; raise ``JSONInputError`` for anything else."""
    if len(data) > max_bytes:
        _refuse("document_too_large", f"the JSON is larger than {max_bytes} bytes")
    if isinstance(data, str):
        raw = data.encode("utf-8", "surrogatepass")
        if len(raw) > max_bytes:
            _refuse("document_too_large", f"the JSON is larger than {max_bytes} bytes")
        text = data
    else:
        raw = bytes(data)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            _refuse("malformed_json", "the JSON is not UTF-8 text")
    _check_nesting(raw, max_depth)
    try:
        return json.loads(text, object_pairs_hook=_object, parse_constant=_constant,
                          parse_float=_float, parse_int=_int)
    except RecursionError:
        # Not expected after the scan above; even so, a RecursionError must never escape.
        _refuse("document_too_deep", f"the JSON nests deeper than {max_depth} levels")
    except ValueError as exc:
        _refuse("malformed_json", f"the JSON is not valid: {exc}")


def _check_nesting(raw: bytes, max_depth: int) -> None:
    """Refuse JSON whose brackets nest deeper than ``max_depth``, without parsing it.

    Escapes go first (``\\\\`` then ``\\"``, left to right as a parser reads them), so every
    remaining quote opens or closes a string. Dropping all but quotes and brackets, then
    every pair of adjacent quotes (an empty string, or two strings with nothing structural
    between them), leaves few strings to remove with a regular expression. Where the text
    is not valid JSON the count may differ from the parser's, but only after the point where
    the parser stops with an error, so the parser never nests deeper than counted here.
    """
    if raw.count(b"[") + raw.count(b"{") <= max_depth:
        return  # too few openers to nest that deep, wherever they are
    unescaped = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    marks = _STRING.sub(b"", unescaped.translate(None, _NOT_STRUCTURE).replace(b'""', b""))
    marks = marks.translate(_PARENS, b'"')
    # Each pass drops the innermost pairs, one level, and shrinks most documents to little;
    # the deepest point is at most ``passes`` plus the count of openers left. A long run of
    # openers is the usual attack and is found at memchr speed; otherwise the remainder's
    # deepest point is its largest running sum of +1 per opener and -1 per closer.
    passes = 0
    while marks.count(b"(") > max_depth - passes:
        if b"(" * (max_depth + 1 - passes) in marks:
            _refuse("document_too_deep", f"the JSON nests deeper than {max_depth} levels")
        shorter = marks.replace(b"()", b"") if passes < _PAIR_PASSES else marks
        if len(shorter) == len(marks):
            if max(accumulate(map(_STEP.__getitem__, marks))) > max_depth - passes:
                _refuse("document_too_deep", f"the JSON nests deeper than {max_depth} levels")
            return
        marks, passes = shorter, passes + 1


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"the member name {key[:64]!r} appears twice in one object")
            seen.add(key)
    return obj


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:32]} is too large for a float")
    return value


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"an integer has more than {MAX_INT_DIGITS} digits")
    return int(text)


def check_value(
    value: Any,
    *,
    max_depth: int,
    max_nodes: int,
    max_items: int | None = None,
    max_chars: int | None = None,
    max_int_digits: int = MAX_INT_DIGITS,
) -> int:
    """Apply the rules of :func:`loads_strict` to an already-parsed value; return the number
    of values it holds.

    A value is refused (``JSONInputError``) when it holds something JSON cannot carry (a
    NaN or infinite float, an integer of more than ``max_int_digits`` digits, a key that is
    not a string, a tuple, set or other non-JSON type), when arrays and objects nest deeper
    than ``max_depth``, when it has more than ``max_nodes`` values in all (objects, arrays
    and scalars; keys not counted), when one array has more than ``max_items`` items, or
    when its strings and keys hold more than ``max_chars`` characters (the counterpart of a
    byte limit on text). The walk is breadth-first without recursion, and stops at the
    first limit, so a cyclic or shared-reference structure is refused rather than followed.
    """
    bound = _INT_BOUND if max_int_digits == MAX_INT_DIGITS else 10**max_int_digits
    item_limit = max_nodes if max_items is None else max_items
    nodes, chars, depth = 1, 0, 0
    level: list[Any] = [value]
    while level:
        depth += 1
        below: list[Any] = []
        for node in level:
            if isinstance(node, str):
                chars += len(node)
                continue
            if isinstance(node, dict):
                try:
                    chars += len("".join(node))  # TypeError unless every key is a string
                except TypeError:
                    _refuse("malformed_json", "an object has a key that is not a string")
                below.extend(node.values())
            elif isinstance(node, list):
                if len(node) > item_limit:
                    _refuse("document_too_large", f"an array has more than {item_limit} items")
                below.extend(node)
            else:
                _check_scalar(node, bound, max_int_digits)
                continue
            if depth > max_depth:
                _refuse("document_too_deep", f"the JSON nests deeper than {max_depth} levels")
            nodes += len(node)
            if nodes > max_nodes:
                _refuse("document_too_large", f"the JSON has more than {max_nodes} values")
        level = below
    if max_chars is not None and chars > max_chars:
        _refuse("document_too_large", f"the JSON's strings hold more than {max_chars} characters")
    return nodes


def _check_scalar(node: Any, bound: int, max_int_digits: int) -> None:
    if node is None or isinstance(node, bool):
        return
    if isinstance(node, int):
        if not -bound < node < bound:
            _refuse("malformed_json", f"an integer has more than {max_int_digits} digits")
    elif isinstance(node, float):
        if not math.isfinite(node):
            _refuse("malformed_json", f"{node} is not a JSON number")
    else:
        _refuse("malformed_json", f"a {type(node).__name__} is not a JSON value")

"""The walk shared by compression and decompression, and its two directions.

Both directions visit a JSON-LD object the same way: apply the object's own ``@context``,
then the type-scoped contexts of its types (sorted), then visit its entries sorted by term,
applying a property-scoped context for the value of a term that has one. Only what happens
at each step differs: :class:`Compressor` turns keys into term ids and values into their
compressed forms (:mod:`.codecs`); :class:`Decompressor` does the reverse, reading ``@context``
and the types first because they decide which terms are in force.
"""

from __future__ import annotations

from typing import Any

from vcbadges.credentials.cborld import codecs
from vcbadges.credentials.cborld.contexts import (
    EMPTY_SCOPE,
    ContextLoader,
    ContextStack,
    Scope,
    Terms,
)
from vcbadges.credentials.cborld.errors import CborldError
from vcbadges.credentials.cborld.registry import CONTEXT_IDS, CONTEXTS_BY_ID, KEYWORD_IDS

__all__ = ["Compressor", "Decompressor", "plain_json"]

_CONTEXT = KEYWORD_IDS["@context"]
_CONTEXTS = _CONTEXT + 1


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


class _Walker:
    def __init__(self, load: ContextLoader) -> None:
        self.terms = Terms()
        self.contexts = ContextStack(self.terms, load)

    # Hooks of the two directions.
    def _json(self, source: Any, target: dict[Any, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def _before_contexts(self, source: Any, target: dict[Any, Any]) -> None:
        """Compression: nothing. Decompression: read ``@context`` into ``target``."""

    def _after_contexts(self, source: Any, target: dict[Any, Any]) -> None:
        """Compression: write the compressed ``@context``. Decompression: nothing."""

    def _before_types(self, scope: Scope, source: Any, target: dict[Any, Any]) -> None:
        """Compression: nothing. Decompression: read the types into ``target``."""

    def _entries(self, source: Any, scope: Scope) -> list[tuple[str, bool, Any]]:
        raise NotImplementedError

    def _id(self, target: dict[Any, Any], term: str, plural: bool, value: Any) -> None:
        raise NotImplementedError

    def _types(self, target: dict[Any, Any], term: str, plural: bool, value: Any) -> None:
        raise NotImplementedError

    def _typed(self, term_type: str | None, value: Any) -> Any:
        raise NotImplementedError

    def _assign(self, target: dict[Any, Any], term: str, plural: bool, values: list[Any]) -> None:
        raise NotImplementedError

    def _node(self, value: Any) -> Any:
        """A value to walk into as an object (else a CborldError)."""
        raise NotImplementedError

    # The walk.
    def walk(self, source: Any, target: dict[Any, Any], stack: list[Scope]) -> None:
        self._before_contexts(source, target)
        node = self._json(source, target)
        self.contexts.push(stack, node.get("@context"))
        scope = stack[-1] if stack else EMPTY_SCOPE
        self._after_contexts(source, target)
        # Values of plain properties see the contexts so far, not the type-scoped ones.
        child_stack = list(stack)
        self._before_types(scope, source, target)
        mark = len(stack)
        types: set[str] = set()
        for term in ("@type", *scope.type_aliases):
            found = node.get(term)
            for item in found if isinstance(found, list) else [found]:
                if isinstance(item, str):
                    types.add(item)
        scoped = scope.scoped
        for name in sorted(types):
            if name in scoped:
                self.contexts.push(stack, scoped[name])
                scoped = stack[-1].scoped
        scope = stack[-1] if stack else EMPTY_SCOPE
        for term, plural, value in self._entries(source, scope):
            if term == "@id" or term in scope.id_aliases:
                self._id(target, term, plural, value)
                continue
            if term == "@type" or term in scope.type_aliases:
                self._types(target, term, plural, value)
                continue
            property_stack = child_stack
            property_scope = scope
            inner_mark = len(stack)
            if term in scope.scoped:
                self.contexts.push(stack, scope.scoped[term])
                property_scope = stack[-1] if stack else EMPTY_SCOPE
                property_stack = list(stack)
            term_type = property_scope.term_type(scope.terms.get(term))
            out = [self._value(item, term_type, property_stack)
                   for item in (value if plural else [value])]
            del stack[inner_mark:]
            self._assign(target, term, plural, out)
        del stack[mark:]

    def _value(self, value: Any, term_type: str | None, stack: list[Scope]) -> Any:
        if value is None:
            return None
        typed = self._typed(term_type, value)
        if typed is not codecs.NOT_COMPRESSED:
            return typed
        if _scalar(value):
            return value
        if isinstance(value, list):
            children = []
            for item in value:
                child: dict[Any, Any] = {}
                self.walk(self._node(item), child, stack)
                children.append(child)
            return children
        result: dict[Any, Any] = {}
        self.walk(self._node(value), result, stack)
        return result


class Compressor(_Walker):
    """JSON-LD object → the map of term ids and compressed values (before CBOR)."""

    def compress(self, document: dict[str, Any]) -> dict[int, Any]:
        out: dict[Any, Any] = {}
        self.walk(document, out, [])
        return out

    def _json(self, source: Any, target: dict[Any, Any]) -> dict[str, Any]:
        node: dict[str, Any] = source
        return node

    def _after_contexts(self, source: Any, target: dict[Any, Any]) -> None:
        context = source.get("@context")
        if context is None:
            return
        many = isinstance(context, list)
        out: list[Any] = []
        for item in context if many else [context]:
            if isinstance(item, str):
                out.append(CONTEXT_IDS.get(item, item))
            elif isinstance(item, dict):
                out.append(item)
            else:
                raise CborldError("a context is a URL or an object",
                                  code="cborld_bad_value")
        target[_CONTEXTS if many else _CONTEXT] = out if many else out[0]

    def _entries(self, source: Any, scope: Scope) -> list[tuple[str, bool, Any]]:
        entries = []
        for key in sorted(source):
            if key == "@context":
                continue
            if key not in scope.terms and key not in KEYWORD_IDS:
                raise CborldError(f"the term {key!r} is not defined by the document's contexts; "
                                  "CBOR-LD compresses only defined terms",
                                  code="cborld_unknown_term")
            entries.append((key, isinstance(source[key], list), source[key]))
        return entries

    def _key(self, term: str, plural: bool) -> int:
        return self.terms.id_of(term, plural=plural)

    def _id(self, target: dict[Any, Any], term: str, plural: bool, value: Any) -> None:
        if not isinstance(value, str):
            raise CborldError(f"{term} is a string", code="cborld_bad_value")
        compressed = codecs.encode_url(value)
        target[self._key(term, plural)] = value if compressed is None else compressed

    def _types(self, target: dict[Any, Any], term: str, plural: bool, value: Any) -> None:
        out = []
        for item in value if plural else [value]:
            if not isinstance(item, str):
                raise CborldError(f"{term} is a string or strings", code="cborld_bad_value")
            compressed = codecs.encode_vocab(item, self.terms.ids)
            out.append(item if compressed is None else compressed)
        target[self._key(term, plural)] = out if plural else out[0]

    def _typed(self, term_type: str | None, value: Any) -> Any:
        compressed = codecs.encode_typed(term_type, value, self.terms.ids)
        return codecs.NOT_COMPRESSED if compressed is None else compressed

    def _node(self, value: Any) -> Any:
        if not isinstance(value, dict):
            raise CborldError("an array inside an array holds objects", code="cborld_bad_value")
        return value

    def _assign(self, target: dict[Any, Any], term: str, plural: bool, values: list[Any]) -> None:
        target[self._key(term, plural)] = values if plural else values[0]


def plain_json(value: Any) -> Any:
    """A value carried uncompressed (an embedded context object): JSON types only."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            if not all(isinstance(key, str) for key in item):
                raise CborldError("an uncompressed object has string keys")
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, bytes):
            raise CborldError("bytes where a JSON value is expected", code="cborld_bad_value")
    return value


class Decompressor(_Walker):
    """The map of term ids and compressed values → the JSON-LD object."""

    def decompress(self, compressed: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        self.walk(self._node(compressed), out, [])
        return out

    def _json(self, source: Any, target: dict[Any, Any]) -> dict[str, Any]:
        return target

    def _context(self, value: Any) -> Any:
        if isinstance(value, bool):
            raise CborldError("a context is a URL, an object or a registered id",
                              code="cborld_unknown_context")
        if isinstance(value, int):
            url = CONTEXTS_BY_ID.get(value)
            if url is None:
                raise CborldError(f"unknown context id {value}", code="cborld_unknown_context")
            return url
        if isinstance(value, (str, dict)):
            return plain_json(value)
        raise CborldError("a context is a URL, an object or a registered id",
                          code="cborld_unknown_context")

    def _before_contexts(self, source: Any, target: dict[Any, Any]) -> None:
        one, many = source.get(_CONTEXT), source.get(_CONTEXTS)
        if one is not None and many is not None:
            raise CborldError("both the single and the plural @context id are present")
        if one is not None:
            target["@context"] = self._context(one)
        elif many is not None:
            if not isinstance(many, list):
                raise CborldError("the plural @context holds an array")
            target["@context"] = [self._context(item) for item in many]

    def _before_types(self, scope: Scope, source: Any, target: dict[Any, Any]) -> None:
        # The types decide the type-scoped contexts, so they are read before the entries;
        # an id not known yet is read again (and checked) with the entries.
        for term in ("@type", *scope.type_aliases):
            term_id = self.terms.ids.get(term)
            if term_id is None:
                continue
            plural = term_id + 1 in source and term_id not in source
            value = source.get(term_id + 1 if plural else term_id)
            if value is None:
                continue
            try:
                self._types(target, term, plural, value)
            except CborldError:
                continue

    def _entries(self, source: Any, scope: Scope) -> list[tuple[str, bool, Any]]:
        entries = []
        for key, value in source.items():
            if key in (_CONTEXT, _CONTEXTS):
                continue
            term, plural = self.terms.term_of(key)
            if term not in scope.terms and term not in KEYWORD_IDS:
                raise CborldError(f"the term {term!r} is not defined where it is used",
                                  code="cborld_unknown_term")
            if plural and not isinstance(value, list):
                raise CborldError(f"the array term {term!r} holds no array")
            entries.append((term, plural, value))
        return sorted(entries, key=lambda entry: entry[0])

    def _id(self, target: dict[Any, Any], term: str, plural: bool, value: Any) -> None:
        if isinstance(value, list) and not plural:
            target[term] = codecs.decode_url(value)
        elif isinstance(value, str):
            target[term] = value
        else:
            raise CborldError(f"{term} is a URL", code="cborld_bad_value")

    def _types(self, target: dict[Any, Any], term: str, plural: bool, value: Any) -> None:
        out = [codecs.decode_vocab(item, self.terms.by_id)
               for item in (value if plural else [value])]
        target[term] = out if plural else out[0]

    def _typed(self, term_type: str | None, value: Any) -> Any:
        return codecs.decode_typed(term_type, value, self.terms.by_id)

    def _node(self, value: Any) -> Any:
        if not isinstance(value, dict):
            raise CborldError("a compressed object is a map of term ids")
        return value

    def _assign(self, target: dict[Any, Any], term: str, plural: bool, values: list[Any]) -> None:
        target[term] = values if plural else values[0]

"""The active JSON-LD context while a document is walked, and the term ids it hands out.

CBOR-LD replaces every key with a number. The numbers are not stored anywhere: both sides
derive them from the contexts in the same order. Each context, when first met, gives each of
its terms (keys sorted) the next free even id from 100, unless the term already has one;
keywords have fixed ids (:data:`~.registry.KEYWORD_IDS`). The encoder and the decoder walk the
document in the same order (keys sorted by term), so they meet the contexts in the same order
and agree on every id.

:class:`Terms` holds those ids for one document. :class:`Scope` is one entry of the context
stack: the term definitions in force, the aliases of ``@id`` and ``@type``, and the
property- and type-scoped contexts. :class:`ContextStack` pushes contexts (embedded, then
type-scoped, then property-scoped) the way ``@digitalcredentials/cborld`` 4.3 does, whose
output the Learner Credential Wallet reads; that includes its one quirk, that an embedded
context stays on the stack shared by the siblings after it.

Contexts come only from the ``load`` function given (vcbadges' bundled contexts): a URL it
does not know is ``cborld_unknown_context``, and nothing is fetched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vcbadges.credentials.cborld.errors import CborldError
from vcbadges.credentials.cborld.registry import FIRST_TERM_ID, KEYWORD_IDS

__all__ = ["Terms", "Scope", "ContextStack", "ContextLoader", "EMPTY_SCOPE"]

ContextLoader = Callable[[str], Any]

#: At most this many distinct contexts (documents and context objects) per document: a badge
#: meets about a dozen, and the cap bounds the work a hostile payload can ask for.
_MAX_CONTEXTS = 256


def _falsy(value: Any) -> bool:
    """JavaScript's falsiness, which decides whether a context entry defines a term: an
    empty object still defines one."""
    return value is None or value is False or value == "" or (
        isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0)


class Terms:
    """Term ↔ id for one document: keywords first, then terms as contexts bring them."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = dict(KEYWORD_IDS)
        self.by_id: dict[int, str] = {v: k for k, v in KEYWORD_IDS.items()}
        self._next = FIRST_TERM_ID

    def add(self, term: str) -> None:
        if term not in self.ids:
            self.ids[term] = self._next
            self.by_id[self._next] = term
            self._next += 2

    def id_of(self, term: str, *, plural: bool) -> int:
        term_id = self.ids.get(term)
        if term_id is None:
            raise CborldError(f"the term {term!r} has no id", code="cborld_unknown_term")
        return term_id + 1 if plural else term_id

    def term_of(self, key: Any) -> tuple[str, bool]:
        """The term and whether its value is an array, for a compressed key."""
        if isinstance(key, bool) or not isinstance(key, int):
            raise CborldError(f"a compressed key is a term id, not {str(key)[:40]!r}",
                              code="cborld_unknown_term")
        plural = bool(key & 1)
        term = self.by_id.get(key - 1 if plural else key)
        if term is None:
            raise CborldError(f"unknown term id {key}", code="cborld_unknown_term")
        return term, plural


@dataclass
class Scope:
    """The context in force at one point of the walk."""

    terms: dict[str, Any] = field(default_factory=dict)
    id_aliases: set[str] = field(default_factory=set)
    type_aliases: set[str] = field(default_factory=set)
    scoped: dict[str, Any] = field(default_factory=dict)

    def copy(self) -> Scope:
        return Scope(dict(self.terms), set(self.id_aliases), set(self.type_aliases),
                     dict(self.scoped))

    def term_type(self, definition: Any) -> str | None:
        """The term's ``@type``, with a compact IRI (``xsd:dateTime``) expanded."""
        if not isinstance(definition, dict):
            return None
        declared = definition.get("@type")
        if _falsy(declared):
            return None
        if not isinstance(declared, str):
            raise CborldError("a term's @type is a string", code="cborld_unknown_context")
        prefix, _, rest = declared.partition(":")
        prefix_definition = self.terms.get(prefix)
        if prefix_definition is None:
            return declared
        if isinstance(prefix_definition, str):
            return prefix_definition + rest
        if isinstance(prefix_definition, dict) and isinstance(prefix_definition.get("@id"), str):
            return str(prefix_definition["@id"]) + rest
        raise CborldError("a term definition is a string or an object with @id",
                          code="cborld_unknown_context")


EMPTY_SCOPE = Scope()


class ContextStack:
    """The stack of scopes for one document, over a shared :class:`Terms`."""

    def __init__(self, terms: Terms, load: ContextLoader) -> None:
        self.terms = terms
        self._load = load
        self._documents: dict[str, Scope] = {}
        # Context objects by identity (scoped contexts are the same object each time they
        # are met); the object is kept so that its id is not reused.
        self._objects: dict[int, tuple[Any, Scope]] = {}
        self._processed = 0

    def _context_of(self, url: str) -> Any:
        try:
            document = self._load(url)
        except CborldError:
            raise
        except Exception:
            raise CborldError(f"the context {url[:200]} is not one this service knows "
                              "(nothing is fetched)", code="cborld_unknown_context") from None
        if not isinstance(document, dict) or "@context" not in document:
            raise CborldError(f"{url[:200]} is not a JSON-LD context",
                              code="cborld_unknown_context")
        return document["@context"]

    def _scope_of(self, context: Any) -> Scope:
        """The definitions of one context (a URL or an object), giving new terms ids."""
        if isinstance(context, str) and context in self._documents:
            return self._documents[context]
        if id(context) in self._objects:
            return self._objects[id(context)][1]
        self._processed += 1
        if self._processed > _MAX_CONTEXTS:
            raise CborldError(f"more than {_MAX_CONTEXTS} contexts in one document",
                              code="cborld_too_large")
        body = self._context_of(context) if isinstance(context, str) else context
        if not isinstance(body, dict):
            raise CborldError("a context is a URL or an object", code="cborld_unknown_context")
        imported = body.get("@import")
        if isinstance(imported, str) and imported:
            base = self._context_of(imported)
            if not isinstance(base, dict):
                raise CborldError("an imported context is an object",
                                  code="cborld_unknown_context")
            body = {**base, **body}
        scope = Scope()
        for key in sorted(body):
            definition = body[key]
            if _falsy(definition):
                continue
            if definition == "@id" or (isinstance(definition, dict)
                                       and definition.get("id") == "@id"):
                scope.id_aliases.add(key)
            elif definition == "@type" or (isinstance(definition, dict)
                                           and definition.get("id") == "@type"):
                scope.type_aliases.add(key)
            if key in KEYWORD_IDS:
                continue
            self.terms.add(key)
            scope.terms[key] = definition
            if isinstance(definition, dict) and not _falsy(definition.get("@context")):
                scope.scoped[key] = definition["@context"]
        if isinstance(context, str):
            self._documents[context] = scope
        else:
            self._objects[id(context)] = (context, scope)
        return scope

    def push(self, stack: list[Scope], contexts: Any) -> None:
        """Push ``contexts`` (one or a list) onto ``stack``, each merged over the top."""
        if _falsy(contexts):
            return
        for context in contexts if isinstance(contexts, list) else [contexts]:
            scope = self._scope_of(context).copy()
            below = stack[-1] if stack else None
            stack.append(scope)
            if below is None:
                continue
            cleared = context if isinstance(context, dict) else {}

            def kept(key: str, *, fresh: Any, cleared: dict[str, Any] = cleared) -> bool:
                return not (key in cleared and cleared[key] is None) and key not in fresh

            for alias in below.id_aliases:
                if kept(alias, fresh=scope.terms):
                    scope.id_aliases.add(alias)
            for alias in below.type_aliases:
                if kept(alias, fresh=scope.terms):
                    scope.type_aliases.add(alias)
            for key, value in below.scoped.items():
                if kept(key, fresh=scope.scoped):
                    scope.scoped[key] = value
            for key, value in below.terms.items():
                if kept(key, fresh=scope.terms):
                    scope.terms[key] = value

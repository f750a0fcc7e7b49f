"""JSON-LD to RDF in safe mode, over pyld, with bundled contexts processed once.

Safe mode: a term the contexts do not define, a type or id that would stay a relative IRI, or
a term that only the VCDM 2.0 ``@vocab`` fallback (issuer-dependent terms) gives a meaning,
raises ``JSONLDError`` with code ``undefined_term``. Plain JSON-LD would silently drop or
vaguely map such data, so it would sit in the document without being covered by the signature
or without a defined meaning.

Speed: pyld caches processed contexts per active context, but keys inline (type-scoped)
contexts by a JCS serialization computed on every use. The bundled contexts never change, so
their scoped contexts are keyed here by object identity instead, which makes a warm expansion
of an Open Badges credential several times faster. Documents from non-static loaders keep
pyld's own behaviour.
"""

from __future__ import annotations

import copy
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from pyld import jsonld
from pyld.context_resolver import ContextResolver
from pyld.identifier_issuer import IdentifierIssuer
from pyld.resolved_context import ResolvedContext

from vcbadges.errors import JSONLDError, LoaderError, VCBadgesError
from vcbadges.jsonld import bounds
from vcbadges.jsonld.canon import Quad, quads_from_pyld
from vcbadges.jsonld.loader import DocumentLoader, RemoteDocument, StaticLoader

__all__ = [
    "ISSUER_DEPENDENT",
    "MAX_CONTEXTS",
    "Getter",
    "compact",
    "expand",
    "expanded_to_quads",
    "gather_documents",
    "getter_for",
    "to_quads",
    "to_quads_async",
]

ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"
MAX_CONTEXTS = 32

Getter = Callable[[str], RemoteDocument]

# Bundled context documents as handed to pyld (deep copies made once), and the identities of
# every dict inside them, so scoped contexts can be recognised without serializing them.
_STATIC_DOCS: dict[str, Any] = {}
_STATIC_IDS: set[int] = set()
_RESOLVED_BY_ID: dict[int, ResolvedContext] = {}


def _register_static(url: str, document: Any) -> Any:
    doc = _STATIC_DOCS.get(url)
    if doc is None:
        doc = copy.deepcopy(document)
        _STATIC_DOCS[url] = doc
        stack = [doc]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                _STATIC_IDS.add(id(node))
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    return doc


class _StaticAwareResolver(ContextResolver):  # type: ignore[misc]
    """pyld's context resolver, keying dicts from bundled contexts by identity."""

    def resolve(self, active_ctx: Any, context: Any, base: Any, cycles: Any = None) -> Any:
        if isinstance(context, dict) and "@context" in context:
            context = context["@context"]
        items = context if isinstance(context, list) else [context]
        out: list[Any] = []
        for item in items:
            if isinstance(item, dict) and id(item) in _STATIC_IDS:
                resolved = _RESOLVED_BY_ID.get(id(item))
                if resolved is None:
                    resolved = ResolvedContext(item)
                    _RESOLVED_BY_ID[id(item)] = resolved
                out.append(resolved)
            else:
                got = super().resolve(active_ctx, item, base, cycles)
                out.extend(got if isinstance(got, list) else [got])
        return out


def _undefined_term(expanded_property: Any) -> None:
    raise JSONLDError(
        f"term {expanded_property!r} is not defined by the document's contexts",
        code="undefined_term",
    )


class _ContextMemo:
    """Processed active contexts for (stable active context, bundled local context) pairs.

    pyld caches a processed context per active context, but gives every clone it makes for a
    type-scoped context a fresh identity, so nested contexts are processed again on every
    call. Results here are keyed by the active context's ``_uuid`` and the identity of a
    bundled local context; each result is itself stable, so the next level hits as well.
    The memo is bounded: an evicted entry is simply computed again.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._results: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
        self._stable: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def is_stable(self, active_ctx: Any) -> bool:
        return isinstance(active_ctx, Mapping) and active_ctx.get("_uuid") in self._stable

    def mark_stable(self, ctx: Any) -> None:
        uid = ctx.get("_uuid")
        if isinstance(uid, str):
            self._stable[uid] = ctx
            if len(self._stable) > self._size:
                self._stable.popitem(last=False)

    def get(self, key: tuple[Any, ...]) -> dict[str, Any] | None:
        hit = self._results.get(key)
        if hit is not None:
            self._results.move_to_end(key)
        return hit

    def put(self, key: tuple[Any, ...], ctx: dict[str, Any]) -> None:
        if "_uuid" not in ctx:
            ctx["_uuid"] = str(uuid.uuid4())
        self._results[key] = ctx
        self.mark_stable(ctx)
        if len(self._results) > self._size:
            self._results.popitem(last=False)


_MEMO = _ContextMemo(4096)


def _static_key(local_ctx: Any) -> Any:
    """A hashable identity for a local context made only of bundled parts, else None."""
    if isinstance(local_ctx, str):
        return ("url", local_ctx) if local_ctx in _STATIC_DOCS else None
    if isinstance(local_ctx, dict):
        return ("obj", id(local_ctx)) if id(local_ctx) in _STATIC_IDS else None
    if isinstance(local_ctx, list):
        parts = tuple(_static_key(item) for item in local_ctx)
        return None if any(p is None for p in parts) else ("list", parts)
    return None


class _SafeProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(on_property_dropped=_undefined_term)

    def _process_context(
        self, active_ctx: Any, local_ctx: Any, options: Any, override_protected: bool = False,
        propagate: bool = True, validate_scoped: bool = True, cycles: Any = None,
    ) -> Any:
        static = _static_key(local_ctx)
        if static is None or cycles:
            return super()._process_context(active_ctx, local_ctx, options, override_protected,
                                            propagate, validate_scoped, cycles)
        if active_ctx is self._get_initial_context(options):
            _MEMO.mark_stable(active_ctx)
        if not _MEMO.is_stable(active_ctx):
            return super()._process_context(active_ctx, local_ctx, options, override_protected,
                                            propagate, validate_scoped, cycles)
        key = (active_ctx["_uuid"], static, override_protected, propagate, validate_scoped)
        hit = _MEMO.get(key)
        if hit is None:
            hit = super()._process_context(active_ctx, local_ctx, options, override_protected,
                                           propagate, validate_scoped, cycles)
            _MEMO.put(key, hit)
        return hit


def _pyld_loader(get: Getter) -> Callable[[str, Any], dict[str, Any]]:
    def load(url: str, options: Any = None) -> dict[str, Any]:
        remote = get(url)
        if remote.static:
            return {"contextUrl": None, "documentUrl": url,
                    "document": _register_static(url, remote.document), "tag": "static"}
        return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(remote.document)}

    return load


def _is_absolute(iri: str) -> bool:
    colon = iri.find(":")
    return colon > 0 and iri[0].isalpha() and "/" not in iri[:colon] and "#" not in iri[:colon]


def _check_iri(value: Any, what: str) -> None:
    if not isinstance(value, str):
        return
    if value.startswith("_:"):
        return
    if not _is_absolute(value):
        raise JSONLDError(f"{what} {value!r} is not defined by the contexts and would be dropped",
                          code="undefined_term")
    if value.startswith(ISSUER_DEPENDENT):
        raise JSONLDError(
            f"{what} {value[len(ISSUER_DEPENDENT):]!r} is not defined by the document's contexts",
            code="undefined_term",
        )


def _walk_nodes(expanded: Any) -> Iterator[dict[str, Any]]:
    stack = [expanded]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if "@value" in node:
                continue
            yield node
            stack.extend(node.values())


def _check_expanded(expanded: Any) -> None:
    """Refuse relative or issuer-dependent IRIs that plain expansion would accept."""
    for node in _walk_nodes(expanded):
        for key, value in node.items():
            if key == "@id":
                _check_iri(value, "id")
            elif key == "@type":
                for t in value if isinstance(value, list) else [value]:
                    _check_iri(t, "type")
            elif not key.startswith("@"):
                _check_iri(key, "term")


def _unwrap(exc: BaseException) -> VCBadgesError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, VCBadgesError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _options(get: Getter) -> dict[str, Any]:
    options: dict[str, Any] = {
        "documentLoader": _pyld_loader(get),
        "base": None,
        "processingMode": "json-ld-1.1",
        "produceGeneralizedRdf": False,
    }
    options["contextResolver"] = _StaticAwareResolver(
        jsonld._resolved_context_cache, options["documentLoader"]
    )
    return options


def _reraise(exc: Exception) -> JSONLDError | VCBadgesError:
    """The error to raise for an exception out of pyld, which signals bad input many ways."""
    inner = _unwrap(exc)
    if inner is not None:
        return inner
    detail = getattr(exc, "code", None) or type(exc).__name__
    return JSONLDError(f"JSON-LD processing failed: {detail}", code="invalid_jsonld")


def expand(document: Any, *, get: Getter) -> list[Any]:
    """Expand ``document`` in safe mode (see :func:`to_quads` for what it raises)."""
    if not isinstance(document, dict):
        raise JSONLDError("a JSON-LD document must be a JSON object", code="invalid_jsonld")
    nodes = bounds.check_document(document)
    try:
        expanded: list[Any] = _SafeProcessor().expand(document, _options(get))
        _check_expanded(expanded)
        bounds.check_expanded(expanded, nodes=nodes)
    except VCBadgesError:
        raise
    except Exception as exc:
        raise _reraise(exc) from exc
    return expanded


def expanded_to_quads(expanded: list[Any], *, get: Getter) -> list[Quad]:
    """The RDF quads of a document :func:`expand` returned."""
    proc = _SafeProcessor()
    options = _options(get)
    try:
        issuer = IdentifierIssuer("_:b")
        node_map: dict[str, Any] = {"@default": {}}
        proc._create_node_map(expanded, node_map, "@default", issuer)
        dataset = {
            name: proc._graph_to_rdf(graph, issuer, options)
            for name, graph in sorted(node_map.items())
            if name == "@default" or name.startswith("_:") or _is_absolute(name)
        }
    except VCBadgesError:
        raise
    except Exception as exc:
        raise _reraise(exc) from exc
    return quads_from_pyld(dataset)


def compact(expanded: list[Any], context: Any, *, get: Getter) -> dict[str, Any]:
    """Compact an expanded document with ``context`` (pyld's defaults: arrays of one collapse)."""
    try:
        result: dict[str, Any] = _SafeProcessor().compact(
            expanded, {"@context": context} if context is not None else {}, _options(get))
    except VCBadgesError:
        raise
    except Exception as exc:
        raise _reraise(exc) from exc
    return result


def to_quads(document: Any, *, get: Getter) -> list[Quad]:
    """Expand ``document`` in safe mode and return its RDF quads.

    ``get`` returns the context for a URL (``StaticLoader.get`` by default) or raises
    ``LoaderError``. Raises ``JSONLDError`` (``undefined_term``, ``invalid_jsonld``),
    ``LoaderError`` (``unknown_context``) or, before any step whose cost the document could
    blow up (see :mod:`vcbadges.jsonld.bounds`), ``JSONInputError`` (``document_too_large``,
    ``document_too_deep``, ``malformed_json``).
    """
    return expanded_to_quads(expand(document, get=get), get=get)


def _context_urls(node: Any) -> Iterator[str]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "@context":
                    for ctx in value if isinstance(value, list) else [value]:
                        if isinstance(ctx, str):
                            yield ctx
                        else:
                            stack.append(ctx)
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


async def gather_documents(document: Any, loader: DocumentLoader) -> dict[str, RemoteDocument]:
    """Load every context ``document`` refers to, transitively, before synchronous processing."""
    # Checked first: looking for contexts in a dict that contains itself would never end.
    bounds.check_document(document)
    found: dict[str, RemoteDocument] = {}
    pending = list(_context_urls(document))
    while pending:
        url = pending.pop()
        if url in found:
            continue
        if len(found) >= MAX_CONTEXTS:
            raise LoaderError(f"document refers to more than {MAX_CONTEXTS} contexts",
                              code="too_many_contexts")
        remote = await loader.load(url)
        found[url] = remote
        pending.extend(_context_urls(remote.document))
    return found


async def getter_for(document: Any, loader: DocumentLoader) -> Getter:
    """A synchronous context getter for processing ``document`` with ``loader``.

    The static loader answers directly; any other loader is asked for every context the
    document needs first, so JSON-LD processing itself never waits on I/O.
    """
    if isinstance(loader, StaticLoader):
        return loader.get
    found = await gather_documents(document, loader)

    def get(url: str) -> RemoteDocument:
        try:
            return found[url]
        except KeyError:
            raise LoaderError(f"no loader serves {url}", code="unknown_context") from None

    return get


async def to_quads_async(document: Any, *, loader: DocumentLoader) -> list[Quad]:
    """Like :func:`to_quads`, loading contexts through any ``DocumentLoader`` first."""
    return to_quads(document, get=await getter_for(document, loader))

"""A DID resolver over HTTP: the "HTTP(S) Binding" of W3C DID Resolution.

``GET /1.0/identifiers/{did}`` resolves did:key, did:jwk and did:web (the latter through the
service's one :class:`~vcbadges.net.fetcher.SafeFetcher`, so its address policy applies: no
loopback or private address unless the settings allow it; this service's own did:web
documents are read from its database). The DID is sent as written or URL-encoded whole
(see :func:`_target`). A DID URL with only a fragment (``did:key:z6Mk…#z6Mk…``) is
dereferenced to the verification method or service of that id; paths and queries are not
(``501``).

Resolution options are query parameters. did:key takes the did:key spec's
(``publicKeyFormat``, ``enableExperimentalPublicKeyTypes``,
``enableEncryptionKeyDerivation``, ``defaultContext``, repeated for several contexts; see
:class:`~vcbadges.dids.key.KeyOptions`); an option the DID's method does not take is
``featureNotSupported`` and a value that is not one ``invalidOptions``.

What comes back depends on ``Accept``:

- ``application/did-resolution`` (and no ``Accept`` or ``*/*``): the resolution result,
  ``{"@context", "didDocument", "didResolutionMetadata", "didDocumentMetadata"}``, with
  errors as the current draft writes them: ``{"type":
  "https://www.w3.org/ns/did#INVALID_DID", "title", "detail"}``. For a DID URL,
  ``application/did-url-dereferencing`` gives ``{"@context", "contentStream",
  "dereferencingMetadata", "contentMetadata"}`` (this is also the answer to
  ``application/did-resolution`` for one);
- ``application/ld+json;profile="https://w3id.org/did-resolution"``: the same result in the
  earlier form the did:key test suite reads, errors as keywords (``"invalidDid"``) and a
  dereferenced DID URL's resource under ``didDocument`` with ``didDereferencingMetadata``;
- ``application/did+ld+json``, ``application/did+json`` or ``application/json``: the DID
  document (or dereferenced resource) alone; ``did+json`` without ``@context``.
- anything else: ``406`` (``representationNotSupported``).

Errors keep their HTTP status in either form: ``invalidDid``, ``invalidDidUrl``,
``invalidOptions`` and the did:key key errors (``invalidPublicKey``,
``invalidPublicKeyLength``, ``invalidPublicKeyType``) are ``400``, ``notFound`` ``404``
(also for a did:web of this service's host whose tenant does not exist),
``representationNotSupported`` ``406``, ``methodNotSupported``, ``featureNotSupported`` and
did:key's ``unsupportedPublicKeyType`` (a ``publicKeyFormat`` not known here) ``501``. A
did:web origin that serves something that is not the DID's document
(``invalidDidDocument``), or that could not be read or that the fetch policy refuses
(``internalError``), is answered ``502``: the spec's table gives ``500`` for both, but the
fault is the remote origin's, and a ``5xx`` other than a gateway error would say this
service failed. None of the supported methods can deactivate a DID, so ``410`` never
occurs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote

from aiohttp import web

from vcbadges.dids.base import DIDDocument
from vcbadges.dids.key import KeyOptions, did_key_document
from vcbadges.errors import DIDResolutionError, KeyFormatError
from vcbadges.web.keys import RESOLVER

__all__ = ["add_resolver_routes"]

RESOLUTION_CONTEXT = "https://w3id.org/did-resolution/v1"
_ERROR_BASE = "https://www.w3.org/ns/did#"
_RESULT = "application/did-resolution"
_DEREFERENCING = "application/did-url-dereferencing"
_LD_PROFILE = "https://w3id.org/did-resolution"
_LD_RESULT = f'application/ld+json;profile="{_LD_PROFILE}"'
_DID_LD = "application/did+ld+json"
_DID_JSON = "application/did+json"
_JSON = "application/json"

# DID Core "did" rule: "did:" method-name ":" method-specific-id, where the id is idchars
# and colons, not ending in a colon.
_IDCHAR = r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})"
_DID = re.compile(rf"did:[a-z0-9]+:(?:{_IDCHAR}|:)*{_IDCHAR}")
# RFC 3986 pchar, and query/fragment characters: what a DID URL may add to its DID.
_PCHAR = r"(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})"
_DID_URL_TAIL = re.compile(rf"(?P<path>(?:/{_PCHAR}*)*)(?:\?(?P<query>(?:{_PCHAR}|[/?])*))?"
                           rf"(?:#(?P<fragment>(?:{_PCHAR}|[/?])*))?")
_MAX_DID_URL = 4096
_PREFIX = "/1.0/identifiers/"
_ENCODED_DELIMITER = re.compile(r"%(?:23|3F|2F|25)", re.IGNORECASE)

# Our error code -> (the spec's keyword, HTTP status).
_ERRORS: dict[str, tuple[str, int]] = {
    "invalid_did": ("invalidDid", 400),
    "invalid_did_url": ("invalidDidUrl", 400),
    "invalid_public_key": ("invalidPublicKey", 400),
    "invalid_public_key_length": ("invalidPublicKeyLength", 400),
    "invalid_public_key_type": ("invalidPublicKeyType", 400),
    "invalid_options": ("invalidOptions", 400),
    "not_found": ("notFound", 404),
    "representation_not_supported": ("representationNotSupported", 406),
    "invalid_did_document": ("invalidDidDocument", 502),
    "internal_error": ("internalError", 502),
    "method_not_supported": ("methodNotSupported", 501),
    "feature_not_supported": ("featureNotSupported", 501),
    "unsupported_public_key_type": ("unsupportedPublicKeyType", 501),
}

Form = Literal["result", "ld-result", "document-ld", "document-json", "json"]
# Media range -> the form answered, and the Content-Type it is answered with.
_FORMS: dict[str, tuple[Form, str]] = {
    _RESULT: ("result", _RESULT),
    _DEREFERENCING: ("result", _DEREFERENCING),
    _DID_LD: ("document-ld", _DID_LD),
    _DID_JSON: ("document-json", _DID_JSON),
    _JSON: ("json", _JSON),
    "*/*": ("result", _RESULT),
    "application/*": ("result", _RESULT),
}


class _Failure(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class _Wanted:
    form: Form
    content_type: str


def _accepted(header: str | None) -> _Wanted | None:
    """The representation to answer with: the acceptable one with the highest ``q`` (the
    first listed among equals), or None when none is one this resolver writes."""
    if not header or not header.strip():
        return _Wanted("result", _RESULT)
    ranges: list[tuple[float, int, _Wanted]] = []
    for n, item in enumerate(header.split(",")):
        media, *params = [p.strip() for p in item.split(";")]
        values = {}
        for param in params:
            name, _, value = param.partition("=")
            values[name.strip().lower()] = value.strip().strip('"')
        try:
            q = float(values.get("q", "1"))
        except ValueError:
            continue
        media = media.lower()
        if media == "application/ld+json" and _LD_PROFILE in values.get("profile", "").split():
            wanted: _Wanted | None = _Wanted("ld-result", _LD_RESULT)
        else:
            form = _FORMS.get(media)
            wanted = _Wanted(*form) if form else None
        if wanted is not None and q > 0:
            ranges.append((-q, n, wanted))
    return min(ranges, key=lambda r: (r[0], r[1]))[2] if ranges else None


def _target(request: web.Request) -> str:
    """The DID or DID URL the request names.

    A client sends it as written (``did:web:example.com%3A8443``, whose percent-encoding is
    part of the DID) or URL-encoded whole (``did%3Aweb%3Aexample.com%253A8443``), as the
    binding requires when options are given. Some HTTP clients turn an encoded ``:`` back
    into ``:`` (both are allowed in a path), but they keep ``%23``, ``%3F``, ``%2F`` and
    ``%25`` encoded: those are how a DID URL's fragment, query and path, and a ``%`` of the
    DID, look once URL-encoded. So a target that begins with ``did:`` and has none of them
    is taken as written, and any other is decoded once; a DID holding one of them is sent
    URL-encoded whole, which is never ambiguous.
    """
    raw = request.rel_url.raw_path
    if not raw.startswith(_PREFIX):
        return request.match_info["did"]
    tail = raw[len(_PREFIX):]
    if tail.startswith("did:") and _ENCODED_DELIMITER.search(tail) is None:
        return tail
    try:
        return unquote(tail, errors="strict")
    except UnicodeDecodeError:
        raise _Failure("invalid_did", "the DID's percent-encoding is not UTF-8") from None


def _did_of(did_url: str) -> tuple[str | None, str]:
    """The DID ``did_url`` begins with (None when it begins with none), and what follows
    it: empty for a DID, a path, query or fragment for a DID URL."""
    match = _DID.match(did_url) if len(did_url) <= _MAX_DID_URL else None
    if match is None:
        return None, ""
    return match.group(0), did_url[match.end():]


def _fragment(did_url: str, tail: str) -> str | None:
    """The fragment of a DID URL this resolver dereferences; ``_Failure`` for a DID URL
    that is malformed or has a path or query."""
    parts = _DID_URL_TAIL.fullmatch(tail)
    if parts is None:
        raise _Failure("invalid_did_url", f"{did_url!r} is not a DID URL")
    if parts.group("path") or parts.group("query") is not None:
        raise _Failure("feature_not_supported",
                       "only DID URLs with a fragment are dereferenced here")
    return parts.group("fragment") or None


def _key_options(did: str, query: Any) -> KeyOptions:
    """The resolution options in the request's query. Only did:key has options here (the
    did:key spec's); any other is ``featureNotSupported``, as the resolution algorithm
    answers options it does not support."""
    names = set(query.keys())
    method = did.split(":", 2)[1]
    unknown = sorted(names - set(KeyOptions.NAMES)) if method == "key" else sorted(names)
    if unknown:
        raise _Failure("feature_not_supported",
                       f"resolution options not supported for did:{method}: "
                       + ", ".join(unknown)[:200])
    try:
        return KeyOptions.from_strings({name: query.getall(name) for name in names})
    except DIDResolutionError as exc:
        raise _Failure(exc.code, exc.message) from exc


async def _resolve(request: web.Request, did: str, options: KeyOptions) -> DIDDocument:
    method = did.split(":", 2)[1]
    if method not in ("key", "jwk", "web"):
        raise _Failure("method_not_supported", f"DID method {method!r} is not supported")
    try:
        if method == "key":
            return did_key_document(did, options)
        document: DIDDocument = await request.config_dict[RESOLVER].resolve(did)
    except DIDResolutionError as exc:
        code = exc.code if exc.code in _ERRORS else "internal_error"
        raise _Failure(code, exc.message) from exc
    except KeyFormatError as exc:
        raise _Failure("invalid_public_key", exc.message) from exc
    return document


def _resource(document: DIDDocument, fragment: str) -> dict[str, Any]:
    """The verification method (listed, or embedded in a relationship) or service of
    ``document`` with the id ``#fragment``."""
    entry = document.find_method(f"{document.id}#{fragment}")
    if entry is None:
        wanted = {f"{document.id}#{fragment}", f"#{fragment}"}
        entry = next((e for e in _entries(document.raw, "service") if e.get("id") in wanted),
                     None)
    if entry is None:
        raise _Failure("not_found", f"the DID document has nothing with the id #{fragment}")
    context = document.raw.get("@context")
    return {"@context": context, **entry} if context is not None else dict(entry)


def _entries(raw: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = raw.get(name)
    return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []


def _respond(body: dict[str, Any], status: int, content_type: str) -> web.Response:
    # Bytes, so that the Content-Type stays the media type alone (the suites compare it).
    return web.Response(body=json.dumps(body).encode("utf-8"), status=status,
                        headers={"Content-Type": content_type})


def _failure(failure: _Failure, wanted: _Wanted | None, dereferencing: bool) -> web.Response:
    keyword, status = _ERRORS[failure.code]
    ld = wanted is not None and wanted.form == "ld-result"
    error: Any = keyword if ld else {
        "type": _ERROR_BASE + re.sub(r"(?<!^)([A-Z])", r"_\1", keyword).upper(),
        "title": keyword, "detail": failure.detail}
    metadata: dict[str, Any] = {"error": error}
    if ld:
        metadata["errorMessage"] = failure.detail
    if dereferencing and not ld:
        body = {"@context": RESOLUTION_CONTEXT, "contentStream": None,
                "dereferencingMetadata": metadata, "contentMetadata": {}}
        return _respond(body, status, _DEREFERENCING)
    name = "didDereferencingMetadata" if dereferencing else "didResolutionMetadata"
    # The DID document of a failed resolution "MUST be empty" (DID Core §7.1): the current
    # draft writes null, the earlier form an empty map, which is what its readers expect.
    body = {"@context": RESOLUTION_CONTEXT, "didDocument": {} if ld else None, name: metadata,
            "didDocumentMetadata": {}}
    return _respond(body, status, _LD_RESULT if ld else _RESULT)


def _success(content: dict[str, Any], wanted: _Wanted, dereferencing: bool) -> web.Response:
    if wanted.form == "document-json":
        return _respond({k: v for k, v in content.items() if k != "@context"}, 200,
                        wanted.content_type)
    if wanted.form in ("document-ld", "json"):
        return _respond(content, 200, wanted.content_type)
    if wanted.form == "ld-result":
        name = "didDereferencingMetadata" if dereferencing else "didResolutionMetadata"
        body = {"@context": RESOLUTION_CONTEXT, "didDocument": content,
                name: {"contentType": _DID_LD}, "didDocumentMetadata": {}}
        return _respond(body, 200, wanted.content_type)
    if dereferencing:
        body = {"@context": RESOLUTION_CONTEXT, "contentStream": content,
                "dereferencingMetadata": {"contentType": _DEREFERENCING},
                "contentMetadata": {}}
        return _respond(body, 200, _DEREFERENCING)
    body = {"@context": RESOLUTION_CONTEXT, "didDocument": content,
            "didResolutionMetadata": {"contentType": _RESULT}, "didDocumentMetadata": {}}
    return _respond(body, 200, _RESULT)


async def resolve(request: web.Request) -> web.Response:
    wanted = _accepted(request.headers.get("Accept"))
    dereferencing = False
    try:
        did_url = _target(request)
        did, tail = _did_of(did_url)
        dereferencing = bool(tail)
        if wanted is None:
            raise _Failure("representation_not_supported",
                           "Accept names no representation this resolver writes: "
                           f"{_RESULT}, {_DID_LD}, {_DID_JSON} or {_JSON}")
        if did is None:
            raise _Failure("invalid_did", f"{did_url[:200]!r} is not a DID")
        fragment = _fragment(did_url, tail) if tail else None
        options = _key_options(did, request.rel_url.query)
        document = await _resolve(request, did, options)
        content = document.raw if fragment is None else _resource(document, fragment)
    except _Failure as failure:
        return _failure(failure, wanted, dereferencing)
    return _success(content, wanted, dereferencing)


def add_resolver_routes(app: web.Application) -> None:
    """``GET /1.0/identifiers/{did}`` on the root application."""
    app.router.add_get("/1.0/identifiers/{did:.+}", resolve)

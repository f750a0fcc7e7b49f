"""did:web: a DID document served over HTTPS by the web origin the DID names.

The did:web method specification (https://w3c-ccg.github.io/did-method-web/) maps a DID to
the URL of its document: the method-specific identifier's ``:``-separated segments become
the host and the path, a port is written percent-encoded (``did:web:localhost%3A8443``), a
bare host is served at ``/.well-known/did.json`` and a host with a path at ``<path>/did.json``::

    did:web:example.com                  https://example.com/.well-known/did.json
    did:web:example.com:user:alice       https://example.com/user/alice/did.json
    did:web:example.com%3A8443:user      https://example.com:8443/user/did.json

The document is read through the caller's :class:`~vcbadges.net.fetcher.SafeFetcher`, so the
SSRF policy, size and time limits and cache apply, and its ``id`` must be the DID itself.

Errors (``DIDResolutionError``) keep "the DID is bad" apart from "we could not decide":

- ``invalid_did``: not a did:web, an IP address as host (the spec forbids it), a bad port,
  empty segments, ``.``/``..`` or encoded ``/`` in the path, a query or fragment;
- ``not_found``: the server answered 404 or 410;
- ``invalid_did_document``: the body is not a JSON object or its ``id`` is another DID;
- ``did_resolution_unavailable``: any other fetch failure (refused by policy, unreachable,
  timeout, too large, other HTTP status). A verifier reports it as "could not decide".
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import quote, unquote

from vcbadges.dids.base import DIDDocument
from vcbadges.errors import DIDResolutionError, FetchError
from vcbadges.net.fetcher import FetchStatusError, JSONFetcher

__all__ = ["WebDriver", "did_web_to_url"]

ACCEPT = "application/did+json, application/did+ld+json;q=0.9, application/json;q=0.8"

# DID Core idchar: ALPHA / DIGIT / "." / "-" / "_" / pct-encoded.
_SEGMENT = re.compile(r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_PORT = re.compile(r"[0-9]{1,5}")
_NOT_FOUND = frozenset({404, 410})


def _invalid(did: str, why: str) -> DIDResolutionError:
    return DIDResolutionError(f"{did!r} is not a valid did:web ({why})", code="invalid_did")


def _host(did: str, segment: str) -> str:
    decoded = unquote(segment, errors="strict")
    name, sep, port = decoded.partition(":")
    if sep and (not _PORT.fullmatch(port) or not 0 < int(port) < 65536):
        raise _invalid(did, "bad port")
    try:
        ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        raise _invalid(did, "the host must be a domain name, not an IP address")
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise _invalid(did, "bad domain name")
    return decoded


def _path_segment(did: str, segment: str) -> str:
    decoded = unquote(segment, errors="strict")
    if decoded in (".", "..") or any(c in decoded for c in "/\\?#") or not decoded.isprintable():
        raise _invalid(did, "path segments must not traverse or contain separators")
    return quote(decoded, safe="")


def did_web_to_url(did: str) -> str:
    """Return the https URL of the document of ``did``; raise ``invalid_did`` for a bad DID."""
    prefix = "did:web:"
    if not isinstance(did, str) or not did.startswith(prefix):
        raise DIDResolutionError(f"{did!r} is not a did:web", code="invalid_did")
    if any(c in did for c in "?#/"):
        raise _invalid(did, "a DID has no path, query or fragment")
    segments = did[len(prefix):].split(":")
    for segment in segments:
        if not _SEGMENT.fullmatch(segment):
            raise _invalid(did, "empty segment or character outside the DID syntax")
    try:
        host = _host(did, segments[0])
        path = [_path_segment(did, s) for s in segments[1:]]
    except UnicodeDecodeError:
        raise _invalid(did, "percent-encoding is not UTF-8") from None
    if not path:
        return f"https://{host}/.well-known/did.json"
    return f"https://{host}/{'/'.join(path)}/did.json"


class WebDriver:
    """did:web driver for ``MethodResolver``; every read goes through ``fetcher``."""

    method = "web"

    def __init__(self, fetcher: JSONFetcher) -> None:
        self._fetcher = fetcher

    async def resolve(self, did: str) -> DIDDocument:
        """Fetch and check the document of ``did``; raises ``DIDResolutionError``."""
        url = did_web_to_url(did)
        try:
            raw = await self._fetcher.get_json(url, accept=ACCEPT)
        except FetchStatusError as exc:
            if exc.status in _NOT_FOUND:
                raise DIDResolutionError(f"{did} was not found (HTTP {exc.status})",
                                         code="not_found") from exc
            raise DIDResolutionError(f"{did} could not be resolved: {exc.message}",
                                     code="did_resolution_unavailable") from exc
        except FetchError as exc:
            if exc.code == "fetch_bad_json":
                raise DIDResolutionError(f"the DID document of {did} is not valid JSON",
                                         code="invalid_did_document") from exc
            raise DIDResolutionError(f"{did} could not be resolved: {exc.message}",
                                     code="did_resolution_unavailable") from exc
        return DIDDocument.from_json(did, raw)

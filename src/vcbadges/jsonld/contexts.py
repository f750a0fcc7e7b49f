"""The registry of bundled JSON-LD context documents.

vcbadges never fetches a JSON-LD context from the network (a remote context is an easy way to
change what a signed document means after it was signed). Every context a document may use is
a file shipped inside the package, under ``vcbadges/contexts/``, listed by URL in
``contexts/index.json`` together with its provenance and digest. ``contexts/refresh.py`` in
the repository writes those files; this module only reads them.

The index is read once, on first use, through :mod:`importlib.resources`, so the files are
found the same way in a source checkout, an installed wheel or a zip import. A file's bytes
are checked against the digest in the index when first read: a context that is not the
reviewed one is a packaging error, reported rather than used.

Some URLs are aliases: another URL under which the same document is published (for
example the GitHub Pages copy of the Open Badges 3.0.0 context). An alias has its own entry in
the index naming the same file, and resolves to the very same cached document.

Unknown URLs raise :class:`vcbadges.errors.LoaderError` with code ``unknown_context``; the
document loader turns that into a failed ``document`` check.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from vcbadges.errors import LoaderError

__all__ = ["bundled_urls", "context_bytes", "context_document", "published_sha256"]

_PACKAGE = "vcbadges"
_DIRECTORY = "contexts"
_INDEX = "index.json"


@dataclass(frozen=True, slots=True)
class _Entry:
    """What the registry needs from one ``index.json`` entry."""

    file: str
    sha256: str
    published_sha256: str


def _directory() -> resources.abc.Traversable:
    return resources.files(_PACKAGE) / _DIRECTORY


@functools.cache
def _index() -> Mapping[str, _Entry]:
    """URL -> entry, parsed once; a malformed index is a packaging error, never a silent gap."""
    try:
        raw = json.loads((_directory() / _INDEX).read_bytes())
        entries = {
            url: _Entry(
                file=str(item["file"]),
                sha256=str(item["sha256"]),
                published_sha256=str(item.get("published_sha256", item["sha256"])),
            )
            for url, item in raw.items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise LoaderError(f"the bundled context index {_DIRECTORY}/{_INDEX} cannot be read: {exc}",
                          code="context_index_invalid") from exc
    return entries


def _entry(url: str) -> _Entry:
    entry = _index().get(url)
    if entry is None:
        raise LoaderError(f"JSON-LD context {url!r} is not bundled with vcbadges "
                          "(contexts are never fetched from the network)",
                          code="unknown_context")
    return entry


@functools.cache
def _file_bytes(file: str, sha256: str) -> bytes:
    """Read one bundled file and check it against its indexed digest (once per file)."""
    data = (_directory() / file).read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise LoaderError(f"bundled context file {file!r} has sha256 {actual}, but the index "
                          f"pins {sha256}", code="context_digest_mismatch")
    return data


@functools.cache
def _file_document(file: str, sha256: str) -> dict[str, Any]:
    """Parse one bundled file; keyed by file so that aliases share one document object."""
    document = json.loads(_file_bytes(file, sha256))
    if not isinstance(document, dict):
        raise LoaderError(f"bundled context file {file!r} is not a JSON object",
                          code="context_index_invalid")
    return document


def bundled_urls() -> frozenset[str]:
    """Every URL the registry serves, aliases included."""
    return frozenset(_index())


def context_bytes(url: str) -> bytes:
    """The bundled bytes for ``url``; raise ``LoaderError`` (``unknown_context``) if none.

    These are the bytes whose sha256 ``index.json`` records. Use :func:`published_sha256`,
    not a digest of these bytes, to check a ``relatedResource`` digest: some files differ from
    the canonical publication in whitespace or key order.
    """
    entry = _entry(url)
    return _file_bytes(entry.file, entry.sha256)


def context_document(url: str) -> dict[str, Any]:
    """The parsed context document for ``url``; raise ``LoaderError`` (``unknown_context``).

    The dict is parsed once and shared by every caller (and by a URL and its aliases), so
    that pyld can cache the processed context across documents instead of re-hashing a fresh
    copy each time. Callers must treat it as read-only: mutating it would change what every
    later document in the process means. Pass ``copy.deepcopy(...)`` to code that may modify
    its input.
    """
    entry = _entry(url)
    return _file_document(entry.file, entry.sha256)


def published_sha256(url: str) -> str:
    """Hex sha256 of the canonical published bytes of ``url`` (for ``relatedResource`` checks).

    That is ``published_sha256`` from the index where the bundled file differs from the
    canonical publication only in formatting, and the bundled file's own ``sha256``
    otherwise. Raise ``LoaderError`` (``unknown_context``) for a URL that is not bundled.
    """
    return _entry(url).published_sha256

"""Issuer registries: who an issuer is, according to lists the verifier chose to rely on.

A credential names its issuer itself (``issuer.name``), so a fresh did:key can call itself
"Harvard University". Only a registry the verifier trusts can confirm the name: it maps issuer
ids (DIDs) to the name it vouches for. Three formats are read:

- a **registry document** of the Digital Credentials Consortium (the "dcc-legacy" format the
  Learner Credential Wallet and VerifierPlus read)::

      {"meta": {"created": ..., "updated": ...},
       "registry": {"did:key:z6Mk...": {"name": ..., "url": ..., "location": ...}}}

  (``entries`` instead of ``registry`` is accepted too: older copies use it);
- a **known-registries list** naming such documents, most authoritative first::

      [{"name": "DCC Sandbox Registry", "type": "dcc-legacy", "url": "https://..."}, ...]

  (``type`` may be missing; ``"oidf"`` registries, which need OpenID Federation trust chains,
  are reported as unsupported, never consulted);
- the **trust list** of ``vcbadges verify --trust`` (see :mod:`vcbadges.verifier.trust`).

Registries come from local files or https URLs; URLs are read through a fetcher (the
:class:`~vcbadges.net.fetcher.SafeFetcher`, whose policy and HTTP cache apply: a registry is
read again when its cache entry is no longer fresh). A registry that cannot be read or is
malformed is skipped and kept in :attr:`IssuerRegistries.problems`; it never lists anyone.
The first registry, in the order given, that lists an issuer names it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from vcbadges.errors import CredentialError, FetchError
from vcbadges.net.fetcher import FetchResponse, parse_json
from vcbadges.verifier.trust import TrustList, parse_trust_list

__all__ = ["RegistryEntry", "RegistryProblem", "RegistryFetcher", "IssuerRegistries",
           "RETRY_AFTER"]

#: After a registry could not be read, seconds before it is tried again (meanwhile it stays
#: skipped and reported), so that a registry that is down does not slow every verification.
RETRY_AFTER = 60.0
_ACCEPT = "application/json"
# Local registry files are the operator's own, but still read with a cap.
_MAX_FILE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class RegistryEntry:
    """An issuer as a registry lists it: ``name`` is the registry's word, not the issuer's."""

    issuer_id: str
    name: str
    registry: str
    url: str | None = None


@dataclass(frozen=True)
class RegistryProblem:
    """A registry that was skipped (or partly read), and why, for the report to say so."""

    registry: str
    message: str


class RegistryFetcher(Protocol):
    """Reads a registry URL: ``SafeFetcher`` (whose cached responses keep their body, so an
    unchanged registry is not parsed again)."""

    async def get(self, url: str, *, accept: str = _ACCEPT) -> FetchResponse: ...


class _Unreadable(Exception):
    """A registry that cannot be used; the message goes to ``problems``."""


_Problems = dict[str, str]


class _Source(Protocol):
    async def lookup(self, issuer_id: str, problems: _Problems) -> RegistryEntry | None: ...


class _Static:
    """Entries known up front (a trust list given as a mapping, or a parsed file)."""

    def __init__(self, entries: Mapping[str, RegistryEntry]) -> None:
        self._entries = entries

    async def lookup(self, issuer_id: str, problems: _Problems) -> RegistryEntry | None:
        return self._entries.get(issuer_id)


class _Listing:
    """The registries of a known-registries list, consulted in order."""

    def __init__(self, sources: Sequence[_Source]) -> None:
        self._sources = sources

    async def lookup(self, issuer_id: str, problems: _Problems) -> RegistryEntry | None:
        for source in self._sources:
            found = await source.lookup(issuer_id, problems)
            if found is not None:
                return found
        return None


class _Unsupported:
    """A known-registries entry of a kind not read here: reported whenever consulted."""

    def __init__(self, name: str, reason: str) -> None:
        self._name, self._reason = name, reason

    async def lookup(self, issuer_id: str, problems: _Problems) -> RegistryEntry | None:
        problems[self._name] = self._reason
        return None


class _Loaded:
    """A registry source read once (a file) or on every lookup through the fetcher's HTTP
    cache (a URL: parsed again only when the body changed)."""

    def __init__(self, name: str, read: Callable[[], Awaitable[bytes]], *, reread: bool,
                 fetcher: RegistryFetcher | None, listing_allowed: bool,
                 clock: Callable[[], float]) -> None:
        self._name = name
        self._read = read
        self._reread = reread
        self._fetcher = fetcher
        self._listing_allowed = listing_allowed
        self._clock = clock
        self._lock = asyncio.Lock()
        self._source: _Source | None = None
        self._body: bytes | None = None
        self._notes: str | None = None
        self._failed: tuple[float, str] | None = None

    async def _current(self) -> _Source:
        async with self._lock:
            if self._source is not None and not self._reread:
                return self._source
            if self._failed is not None and self._clock() < self._failed[0]:
                raise _Unreadable(self._failed[1])
            try:
                body = await self._read()
                if self._source is None or body != self._body:
                    self._source, self._notes = _interpret(
                        _strict_json(body), self._name, fetcher=self._fetcher,
                        listing_allowed=self._listing_allowed, clock=self._clock)
                    self._body = body
            except (_Unreadable, FetchError, OSError) as exc:
                # An OSError's text names the file's path, which reports must not show.
                message = (exc.strerror if isinstance(exc, OSError) else str(exc)) or (
                    type(exc).__name__)
                self._failed = (self._clock() + RETRY_AFTER, message)
                raise _Unreadable(message) from exc
            self._failed = None
            return self._source

    async def lookup(self, issuer_id: str, problems: _Problems) -> RegistryEntry | None:
        try:
            source = await self._current()
        except _Unreadable as exc:
            problems[self._name] = f"could not be read: {exc}"
            return None
        if self._notes is None:
            problems.pop(self._name, None)
        else:
            problems[self._name] = self._notes
        return await source.lookup(issuer_id, problems)


def _remote(name: str, url: str, *, fetcher: RegistryFetcher, listing_allowed: bool,
            clock: Callable[[], float]) -> _Loaded:
    async def read() -> bytes:
        return (await fetcher.get(url, accept=_ACCEPT)).body
    return _Loaded(name, read, reread=True, fetcher=fetcher, listing_allowed=listing_allowed,
                   clock=clock)


def _file(path: Path, *, fetcher: RegistryFetcher | None, clock: Callable[[], float]) -> _Loaded:
    async def read() -> bytes:
        return await asyncio.to_thread(_read_capped, path)
    return _Loaded(path.name, read, reread=False, fetcher=fetcher, listing_allowed=True,
                   clock=clock)


def _strict_json(body: bytes) -> Any:
    """The fetcher's strict JSON (no duplicate keys: a registry must mean one thing)."""
    try:
        return parse_json(body, host="")
    except FetchError as exc:
        raise _Unreadable("not valid JSON") from exc


def _read_capped(path: Path) -> bytes:
    with path.open("rb") as f:
        body = f.read(_MAX_FILE_BYTES + 1)
    if len(body) > _MAX_FILE_BYTES:
        raise _Unreadable(f"larger than {_MAX_FILE_BYTES} bytes")
    return body


def _interpret(data: Any, name: str, *, fetcher: RegistryFetcher | None, listing_allowed: bool,
               clock: Callable[[], float]) -> tuple[_Source, str | None]:
    """Turn a parsed registry file into a source, and a note when entries were ignored."""
    if isinstance(data, dict):
        return _registry_document(data, name)
    if isinstance(data, list) and any(isinstance(e, dict) and "did" in e for e in data):
        try:
            trusted = parse_trust_list(data)
        except CredentialError as exc:
            raise _Unreadable(f"not a valid trust list: {exc}") from exc
        return _Static(_from_trust_list(trusted, name)), None
    if isinstance(data, list):
        if not listing_allowed:
            raise _Unreadable("is a list of registries, not a registry")
        return _listing(data, fetcher=fetcher, clock=clock), None
    raise _Unreadable("is neither a registry, a list of registries nor a trust list")


def _registry_document(data: dict[str, Any], name: str) -> tuple[_Source, str | None]:
    listed = data.get("registry", data.get("entries"))
    if not isinstance(listed, dict):
        raise _Unreadable("has no \"registry\" object mapping issuers to entries")
    entries: dict[str, RegistryEntry] = {}
    ignored = 0
    for issuer_id, entry in listed.items():
        issuer_name = entry.get("name") if isinstance(entry, dict) else None
        if not issuer_id or not isinstance(issuer_name, str) or not issuer_name.strip():
            ignored += 1
            continue
        entries[issuer_id] = RegistryEntry(issuer_id=issuer_id, name=issuer_name, registry=name,
                                           url=_web_url(entry.get("url")))
    note = f"{ignored} malformed entries were ignored" if ignored else None
    return _Static(entries), note


def _web_url(value: Any) -> str | None:
    """An issuer's URL only if it is a web link: the report shows it as one."""
    if isinstance(value, str) and value.lower().startswith(("https://", "http://")):
        return value
    return None


def _listing(data: list[Any], *, fetcher: RegistryFetcher | None,
             clock: Callable[[], float]) -> _Source:
    sources: list[_Source] = []
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise _Unreadable(f"registry list entry {i} is not an object")
        name, kind, url = item.get("name"), item.get("type", "dcc-legacy"), item.get("url")
        if not isinstance(name, str) or not name.strip():
            raise _Unreadable(f"registry list entry {i} has no name")
        if kind != "dcc-legacy":
            sources.append(_Unsupported(name, f"registries of type {kind!r} are not supported"))
        elif not isinstance(url, str) or not url:
            sources.append(_Unsupported(name, "the registry list gives it no url"))
        elif fetcher is None:
            sources.append(_Unsupported(name, "registries on the web cannot be read here"))
        else:
            sources.append(_remote(name, url, fetcher=fetcher, listing_allowed=False,
                                   clock=clock))
    return _Listing(sources)


def _from_trust_list(trusted: TrustList, name: str) -> dict[str, RegistryEntry]:
    return {issuer_id: RegistryEntry(issuer_id=issuer_id, name=t.name, registry=name, url=t.url)
            for issuer_id, t in trusted.items()}


def _is_url(location: str) -> bool:
    return location.lower().startswith(("https://", "http://"))


class IssuerRegistries:
    """The registries a verifier relies on, most authoritative first.

    Build it with :meth:`from_trust_list`, :meth:`from_locations` (files and URLs) or
    :meth:`combine`. One instance may serve many verifications at once: files are read
    once, URLs through the fetcher's cache, and unreadable registries are retried after
    :data:`RETRY_AFTER` seconds.
    """

    def __init__(self, sources: Iterable[_Source] = ()) -> None:
        self._sources = tuple(sources)
        self._problems: _Problems = {}

    @classmethod
    def from_trust_list(cls, trusted: TrustList, *, name: str = "trusted issuers",
                        ) -> IssuerRegistries:
        """One registry from a parsed trust list (see :mod:`vcbadges.verifier.trust`)."""
        return cls([_Static(_from_trust_list(trusted, name))])

    @classmethod
    def from_locations(cls, locations: Iterable[str | Path], *,
                       fetcher: RegistryFetcher | None = None,
                       clock: Callable[[], float] = time.monotonic) -> IssuerRegistries:
        """Registries from files and ``https`` URLs, each a registry document, a
        known-registries list or a trust list. Nothing is read yet. A URL needs ``fetcher``
        (``ValueError`` otherwise); a file's registry is named after the file, a URL's after
        the URL, the registries of a known-registries list after the names it gives them."""
        sources: list[_Source] = []
        for location in locations:
            if isinstance(location, str) and _is_url(location):
                if fetcher is None:
                    raise ValueError(f"reading the registry {location} needs a fetcher")
                sources.append(_remote(location, location, fetcher=fetcher,
                                       listing_allowed=True, clock=clock))
            else:
                sources.append(_file(Path(location), fetcher=fetcher, clock=clock))
        return cls(sources)

    @classmethod
    def combine(cls, *registries: IssuerRegistries) -> IssuerRegistries:
        """All the registries of ``registries``, in that order."""
        return cls(source for r in registries for source in r._sources)

    @property
    def problems(self) -> tuple[RegistryProblem, ...]:
        """Registries skipped (or partly read) when last consulted, and why."""
        return tuple(RegistryProblem(name, message) for name, message in self._problems.items())

    async def lookup(self, issuer_id: str) -> RegistryEntry | None:
        """The entry of the first registry listing ``issuer_id``; never raises for a registry
        that cannot be read (it is skipped and named in :attr:`problems`)."""
        for source in self._sources:
            found = await source.lookup(issuer_id, self._problems)
            if found is not None:
                return found
        return None

    async def preload(self) -> tuple[RegistryProblem, ...]:
        """Read every registry now (a service does at start, to report problems early)."""
        # The empty id is listed nowhere, so every registry is consulted.
        await asyncio.gather(*(s.lookup("", self._problems) for s in self._sources))
        return self.problems

"""The wallet's way to issuers and verifiers: this service's own origin exactly, and every
other one under the wallet's fetch policy.

A service started with no settings offers badges and asks for them at its own public URL,
``http://127.0.0.1:8080``: plain http to a loopback address. The wallet's fetch policy refuses
both, as it must for URLs that a scanned code names; loosening it for the service's sake
(plain http to 127.0.0.1, or the loopback network) would let any QR code make the wallet
reach every port of the machine. So that policy stays as it is, and only the one origin the
service answers at (the scheme, host and port of its public URL, nothing broader) goes
through a fetcher of its own, allowed to reach that host: over plain http when the public
URL is http, and at the address an IP-literal host names, or for a host name at loopback and
private addresses (a public URL inside an organisation's network); public addresses are
reachable anyway. That fetcher follows no redirect and caches nothing (offers and requests
are single-use). Everything else goes through the wallet's :class:`SafeFetcher` unchanged.

Who sent a request is checked with the wallet's own means too: the DIDs of
``decentralized_identifier`` verifiers are resolved through the wallet's fetcher
(``WALLET_RESOLVER``; this service's own DID documents from its database, as verification
reads them), and ``x509_san_dns`` certificates are checked against the wallet's trust
anchors (:func:`wallet_trust_anchors`), never against the verification policy's allowances.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from cryptography import x509

from vcbadges.net.addresses import IPNetwork
from vcbadges.net.fetcher import FetchPolicy, FetchResponse, SafeFetcher
from vcbadges.web.settings import Settings

__all__ = ["WALLET_EXCHANGES", "WalletExchanges", "origin_of", "own_origin_policy",
           "wallet_trust_anchors"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Where a host name of the service's own public URL may point besides public addresses.
_SITE_NETWORKS: tuple[IPNetwork, ...] = tuple(ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
    "100.64.0.0/10", "fc00::/7"))


def origin_of(url: str) -> str | None:
    """``scheme://host:port`` of an absolute http(s) URL (lower case, the port always
    written), or None for anything else, including URLs with credentials."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host or parts.username is not None \
            or parts.password is not None:
        return None
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port or _DEFAULT_PORTS[scheme]}"


def own_origin_policy(base_url: str, like: FetchPolicy) -> FetchPolicy:
    """The policy of the fetcher that reaches the service at ``base_url``: ``like`` (its
    size, time and CA settings), allowed that URL's host as described above."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").rstrip(".").lower()
    try:
        networks: tuple[IPNetwork, ...] = (ipaddress.ip_network(host),)
    except ValueError:
        networks = _SITE_NETWORKS
    http_hosts = frozenset({host}) if parts.scheme.lower() == "http" else frozenset()
    return FetchPolicy(allow_http_hosts=http_hosts, allow_networks=networks,
                       max_bytes=like.max_bytes, timeout=like.timeout, max_redirects=0,
                       cache_max_age=0, ca_file=like.ca_file)


def wallet_trust_anchors(settings: Settings) -> tuple[x509.Certificate, ...]:
    """The certificates of ``Settings.wallet_trust_anchors`` (none when it is not set). Read
    once at start, so that a file that cannot be read or holds no PEM certificate stops the
    service then (``OSError``, ``ValueError``) instead of refusing every request later."""
    if settings.wallet_trust_anchors is None:
        return ()
    path = Path(settings.wallet_trust_anchors)
    try:
        return tuple(x509.load_pem_x509_certificates(path.read_bytes()))
    except ValueError:
        raise ValueError(f"the wallet trust anchors file {path} holds no PEM certificate"
                         ) from None


class WalletExchanges:
    """``get`` and ``post`` for the wallet's OpenID4VC cores (their ``fetch`` and ``post``),
    choosing the fetcher by origin; ``is_own`` tells the cores which plain-http URLs are the
    service's own, and ``allow_http_hosts`` which others the wallet's policy allows."""

    def __init__(self, *, base_url: str, own: SafeFetcher, others: SafeFetcher) -> None:
        origin = origin_of(base_url)
        if origin is None:
            raise ValueError(f"the public URL {base_url!r} is not an absolute http(s) URL")
        self._origin = origin
        self._own = own
        self._others = others

    @property
    def allow_http_hosts(self) -> frozenset[str]:
        return self._others.policy.allow_http_hosts

    def is_own(self, url: str) -> bool:
        """True when ``url`` is at the service's own origin (scheme, host and port)."""
        return origin_of(url) == self._origin

    def _fetcher(self, url: str) -> SafeFetcher:
        return self._own if self.is_own(url) else self._others

    async def get(self, url: str, *, accept: str = "application/json") -> FetchResponse:
        return await self._fetcher(url).get(url, accept=accept)

    async def post(self, url: str, *, form: Mapping[str, str] | None = None, json: Any = None,
                   headers: Mapping[str, str] | None = None) -> FetchResponse:
        return await self._fetcher(url).post(url, form=form, json=json, headers=headers)


#: The wallet's exchanges of the running service (set up beside its fetchers).
WALLET_EXCHANGES = web.AppKey("wallet_exchanges", WalletExchanges)

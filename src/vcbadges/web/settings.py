"""Service settings, from ``VCBADGES_*`` environment variables with embedded defaults.

With no configuration the service runs on SQLite in ``./vcbadges-data/``, creating its master
key there (mode 0600) on first start.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from vcbadges.primitives.workers import default_workers

__all__ = ["Settings"]

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(text: str) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(part.strip()) for part in text.split(",") if part.strip())


def _locations(text: str) -> tuple[str, ...]:
    return tuple(part for part in re.split(r"[,\s]+", text) if part)


def _hosts(text: str) -> frozenset[str]:
    return frozenset(part.strip().lower() for part in text.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """Everything the service is configured with; nothing is read from globals later.

    ``public_url`` is the origin other parties use to reach this service (status list URLs,
    did:web documents and OpenID4VC metadata embed it); it defaults to the listening address.
    The service records every public URL it starts under, so that it still reads the status
    lists of badges issued under an earlier one as its own.
    ``status_list_max_age`` (seconds) is the ``Cache-Control: max-age`` of status list
    credentials: how long a verifier may keep using a list before it sees a revocation.
    ``challenge_ttl`` (seconds) is how long a verifier challenge stays usable.
    ``max_body_bytes`` caps request bodies, but for bulk job uploads, which
    ``max_bulk_bytes`` caps (a CSV of a hundred thousand rows is a few megabytes).
    ``database_schema`` puts the service's tables in that PostgreSQL schema (created if
    missing), so that several services or test runs can share one database.

    Two fetch policies. ``fetch_allow_http_hosts`` and ``fetch_allow_networks`` loosen what
    verification may read (status lists, did:web and controller documents, OB 2.0 hosted
    documents): URLs that come from any document anybody presents to the public verifier
    endpoints. The service never needs them for its own documents, which it reads from
    its database. ``wallet_fetch_allow_http_hosts`` and ``wallet_fetch_allow_networks``
    loosen what the wallet's OpenID4VC exchanges may reach (issuers and verifiers named by
    codes a signed-in holder scanned); ``None`` (the default) means the same as the
    verification allowances. The wallet never needs them for this service itself, which it
    reaches at exactly the origin of ``base_url`` (see :mod:`vcbadges.web.exchanges`).

    ``issuer_registries`` are the files and https URLs of the issuer registries (registry
    documents or lists of registries of the Digital Credentials Consortium, or trust lists)
    that name issuers in verification reports, most authoritative first; URLs are read under
    the verification fetch policy. Without any, no issuer is reported as listed.

    ``wallet_trust_anchors`` is a PEM file of the certificates the wallet trusts for
    OpenID4VP verifiers known by a DNS name (``x509_san_dns``): a request signed with a
    certificate chaining to none of them is refused, and with none (the default) every
    such request is. Nothing is trusted implicitly, not even the Web PKI: an operator who
    wants it names a CA bundle (``/etc/ssl/certs/ca-certificates.crt``, certifi's
    ``cacert.pem``). Read at start, so a file that holds no certificate stops the service.

    ``verifier_cert_file`` (a PEM chain, leaf first) and ``verifier_key_file`` (the leaf's
    unencrypted PEM private key, Ed25519 or P-256) let the verifier sign OpenID4VP requests
    as ``x509_san_dns:<host of the public URL>``; the leaf must name that host as a
    ``dNSName``. Both or neither.

    Load. ``verify_workers`` worker processes check proofs (default: one per core; 0 checks
    them in the service's own process, holding its event loop meanwhile), each verification
    for at most ``verify_timeout`` seconds of work (see :mod:`vcbadges.web.verifying`).
    The public endpoints that cost work (verifying, challenges, wallet sign-in, decoding a
    QR picture, importing a badge, OpenID4VP responses) take at most
    ``endpoint_concurrency`` requests at once each, and at most ``client_concurrency`` from
    one client address across them; more get ``429`` with ``Retry-After: retry_after``
    (see :mod:`vcbadges.web.limits`). ``trusted_proxies`` is how many reverse proxies
    stand in front of the service: ``X-Forwarded-For`` is believed for that many hops and
    ignored when 0. A database that cannot be reached gives ``503`` with ``Retry-After``.
    """

    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("vcbadges-data")
    database_url: str | None = None
    database_schema: str | None = None
    public_url: str | None = None
    master_key: str | None = None
    max_body_bytes: int = 1024 * 1024
    max_bulk_bytes: int = 16 * 1024 * 1024
    max_json_depth: int = 64
    fetch_allow_http_hosts: frozenset[str] = frozenset()
    fetch_allow_networks: tuple[IPNetwork, ...] = ()
    fetch_ca_file: str | None = None
    wallet_fetch_allow_http_hosts: frozenset[str] | None = None
    wallet_fetch_allow_networks: tuple[IPNetwork, ...] | None = None
    wallet_trust_anchors: str | None = None
    demo_tenant: bool = True
    status_list_max_age: int = 60
    challenge_ttl: int = 600
    issuer_registries: tuple[str, ...] = ()
    verifier_cert_file: str | None = None
    verifier_key_file: str | None = None
    verify_workers: int = field(default_factory=default_workers)
    verify_timeout: float = 30.0
    client_concurrency: int = 8
    endpoint_concurrency: int = 32
    trusted_proxies: int = 0
    retry_after: int = 1

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def wallet_allow_http_hosts(self) -> frozenset[str]:
        """The hosts the wallet may reach over plain http."""
        if self.wallet_fetch_allow_http_hosts is None:
            return self.fetch_allow_http_hosts
        return self.wallet_fetch_allow_http_hosts

    @property
    def wallet_allow_networks(self) -> tuple[IPNetwork, ...]:
        """The otherwise refused address ranges the wallet may reach."""
        if self.wallet_fetch_allow_networks is None:
            return self.fetch_allow_networks
        return self.wallet_fetch_allow_networks

    @property
    def database(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.database_path.resolve()}"

    @property
    def master_key_path(self) -> Path:
        return self.data_dir / "master.key"

    @property
    def database_path(self) -> Path:
        """The SQLite file in the data directory (used when no database URL is set)."""
        return self.data_dir / "vcbadges.db"

    def database_location(self) -> str:
        """Where the service's database is, in words."""
        if self.database_url:
            return "the database of VCBADGES_DATABASE_URL"
        return f"the data directory {self.data_dir.resolve()}"

    def storage_location(self) -> str:
        """Where the service's database and master key are, in words."""
        if self.database_url is None and self.master_key is None:
            return self.database_location()
        master_key = ("VCBADGES_MASTER_KEY" if self.master_key
                      else str(self.master_key_path.resolve()))
        return f"{self.database_location()} with the master key of {master_key}"

    def missing_storage(self) -> str | None:
        """What of an existing service's storage is missing (the data directory, its
        database, its master key), or None.

        ``vcbadges serve`` creates them on first start. Commands that work on an existing
        service (``tenant``, ``status``, ``bulk``) ask this first, so that one run in another
        folder stops instead of starting a new, empty service there (and a new master key
        beside an existing database would make its tenants' keys unreadable).
        """
        where = self.data_dir.resolve()
        uses_dir = self.database_url is None or self.master_key is None
        if uses_dir and not self.data_dir.is_dir():
            return f"there is no data directory {where}"
        if self.database_url is None and not self.database_path.is_file():
            return f"the data directory {where} holds no database (vcbadges.db)"
        if self.master_key is None and not self.master_key_path.is_file():
            return f"the data directory {where} holds no master key (master.key)"
        return None

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: object) -> Settings:
        """Read ``VCBADGES_*`` variables; ``overrides`` (e.g. command-line flags) win."""
        values: dict[str, object] = {}
        if "VCBADGES_HOST" in env:
            values["host"] = env["VCBADGES_HOST"]
        if "VCBADGES_PORT" in env:
            values["port"] = int(env["VCBADGES_PORT"])
        if "VCBADGES_DATA_DIR" in env:
            values["data_dir"] = Path(env["VCBADGES_DATA_DIR"])
        for name, key in (("database_url", "VCBADGES_DATABASE_URL"),
                          ("database_schema", "VCBADGES_DATABASE_SCHEMA"),
                          ("public_url", "VCBADGES_PUBLIC_URL"),
                          ("master_key", "VCBADGES_MASTER_KEY"),
                          ("fetch_ca_file", "VCBADGES_FETCH_CA_FILE"),
                          ("wallet_trust_anchors", "VCBADGES_WALLET_TRUST_ANCHORS"),
                          ("verifier_cert_file", "VCBADGES_VERIFIER_CERT_FILE"),
                          ("verifier_key_file", "VCBADGES_VERIFIER_KEY_FILE")):
            if env.get(key):
                values[name] = env[key]
        for name, key in (("max_body_bytes", "VCBADGES_MAX_BODY_BYTES"),
                          ("max_bulk_bytes", "VCBADGES_MAX_BULK_BYTES"),
                          ("status_list_max_age", "VCBADGES_STATUS_LIST_MAX_AGE"),
                          ("challenge_ttl", "VCBADGES_CHALLENGE_TTL")):
            if key in env:
                values[name] = int(env[key])
        if "VCBADGES_FETCH_ALLOW_HTTP_HOSTS" in env:
            values["fetch_allow_http_hosts"] = _hosts(env["VCBADGES_FETCH_ALLOW_HTTP_HOSTS"])
        if "VCBADGES_FETCH_ALLOW_NETWORKS" in env:
            values["fetch_allow_networks"] = _networks(env["VCBADGES_FETCH_ALLOW_NETWORKS"])
        if "VCBADGES_WALLET_FETCH_ALLOW_HTTP_HOSTS" in env:
            values["wallet_fetch_allow_http_hosts"] = _hosts(
                env["VCBADGES_WALLET_FETCH_ALLOW_HTTP_HOSTS"])
        if "VCBADGES_WALLET_FETCH_ALLOW_NETWORKS" in env:
            values["wallet_fetch_allow_networks"] = _networks(
                env["VCBADGES_WALLET_FETCH_ALLOW_NETWORKS"])
        if "VCBADGES_VERIFY_WORKERS" in env:
            values["verify_workers"] = int(env["VCBADGES_VERIFY_WORKERS"])
        for name, key in (("client_concurrency", "VCBADGES_CLIENT_CONCURRENCY"),
                          ("endpoint_concurrency", "VCBADGES_ENDPOINT_CONCURRENCY"),
                          ("trusted_proxies", "VCBADGES_TRUSTED_PROXIES"),
                          ("retry_after", "VCBADGES_RETRY_AFTER")):
            if key in env:
                values[name] = int(env[key])
        if "VCBADGES_VERIFY_TIMEOUT" in env:
            values["verify_timeout"] = float(env["VCBADGES_VERIFY_TIMEOUT"])
        if "VCBADGES_ISSUER_REGISTRIES" in env:
            values["issuer_registries"] = _locations(env["VCBADGES_ISSUER_REGISTRIES"])
        if env.get("VCBADGES_DEMO_TENANT", "").lower() in ("0", "false", "no"):
            values["demo_tenant"] = False
        values.update({k: v for k, v in overrides.items() if v is not None})
        return dataclasses.replace(cls(), **values)  # type: ignore[arg-type]

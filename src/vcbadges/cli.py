"""The ``vcbadges`` command line.

Exit codes: 0 valid or success, 1 invalid (a report that is not verified), 2 usage or I/O
error. Errors are one line on stderr, never a traceback. Passphrases come from the
``VCBADGES_PASSPHRASE`` environment variable or an interactive prompt, and no command prints
a private key.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import ipaddress
import json
import logging
import multiprocessing
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from aiohttp import web

from vcbadges._api import issue, issue_jwt, present, verify
from vcbadges.bulkcli import add_bulk_commands
from vcbadges.credentials.baking import bake_png, bake_svg, unbake
from vcbadges.credentials.sample import sample_badge
from vcbadges.errors import (
    FetchError,
    JSONInputError,
    KeyFormatError,
    StatusError,
    StorageError,
    VCBadgesError,
)
from vcbadges.issuer.hosting import DEMO_TENANT
from vcbadges.issuer.keystore import KeyStore
from vcbadges.issuer.service import IssuerService
from vcbadges.issuer.status import StatusPurpose, status_list_url
from vcbadges.issuer.tenants import create_tenant, tenant_by_name
from vcbadges.net.fetcher import FetchPolicy, FetchResponse
from vcbadges.net.ondemand import OnDemandFetcher
from vcbadges.primitives.jsonlimits import loads_strict
from vcbadges.primitives.keyfile import MIN_PASSPHRASE, read_key_file, write_key_file
from vcbadges.primitives.keys import SigningKey, generate_key
from vcbadges.proofs.di import SUITES
from vcbadges.proofs.jose import looks_like_jwt
from vcbadges.report import Check, Outcome, PresentationReport, VerificationReport
from vcbadges.storage import DatabaseConfig, upgrade
from vcbadges.verifier.registry import IssuerRegistries
from vcbadges.verifier.trust import TrustList, load_trust_list
from vcbadges.web.app import create_app, database_for, keystore_for
from vcbadges.web.serving import service_runner
from vcbadges.web.settings import Settings

__all__ = ["main"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
PASSPHRASE_ENV = "VCBADGES_PASSPHRASE"


class UsageError(Exception):
    """A problem with the command line or the files it names (exit code 2)."""


def _fail(message: str) -> NoReturn:
    raise UsageError(message)


def _passphrase(*, new: bool) -> bytes:
    """The passphrase of a key file; for a ``new`` one, asked twice and at least
    :data:`MIN_PASSPHRASE` characters long (the wallet's minimum)."""
    value = os.environ.get(PASSPHRASE_ENV)
    if not value:
        if not sys.stdin.isatty():
            _fail(f"a passphrase is needed: set {PASSPHRASE_ENV} or run in a terminal")
        value = getpass.getpass("Key passphrase: ")
        if new and getpass.getpass("Repeat passphrase: ") != value:
            _fail("the passphrases do not match")
        if not value:
            _fail("the passphrase is empty")
    if new and len(value) < MIN_PASSPHRASE:
        _fail(f"the passphrase of a new key file needs at least {MIN_PASSPHRASE} characters")
    return value.encode("utf-8")


def _read_text(path: str) -> str:
    try:
        return sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read {path}: {exc}")


def _read_json(path: str) -> Any:
    try:
        return loads_strict(_read_text(path))
    except JSONInputError as exc:
        _fail(f"{path} is not valid JSON: {exc.message}")


def _load_key(path: str) -> SigningKey:
    file = Path(path)
    if not file.is_file():
        _fail(f"key file {path} does not exist")
    try:
        encrypted = json.loads(file.read_bytes()).get("encrypted") is not False
    except (ValueError, AttributeError, OSError):
        encrypted = True  # Let the key-file reader report what is wrong with it.
    return read_key_file(file, passphrase=_passphrase(new=False) if encrypted else None)


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


_MARKS = {Outcome.PASSED: "ok", Outcome.FAILED: "FAILED", Outcome.ERROR: "ERROR",
          Outcome.SKIPPED: "skipped"}


# Where the OB 3.0 structure says the start of validity is missing (VCDM 2.0, VCDM 1.1).
_START_OF_VALIDITY = ("validFrom", "issuanceDate")


def _schema_issues(rep: VerificationReport | PresentationReport) -> list[dict[str, Any]]:
    schema = next((c for c in rep.checks if c.id == "schema"), None)
    issues = schema.detail.get("issues") if schema is not None else None
    return [i for i in issues if isinstance(i, dict)] if isinstance(issues, list) else []


def _check_lines(check: Check, issues: list[dict[str, Any]]) -> list[str]:
    """The lines of one check: its message, every schema problem, and what the report does
    not say in words when the start of validity is missing (its check passes then)."""
    message = check.message
    if check.id == "schema" and len(issues) > 1:
        message = f"{len(issues)} problems"
    if check.id == "validity" and check.code == "ok":
        missing = [i["path"] for i in issues if i.get("path") in _START_OF_VALIDITY]
        if missing:
            message = f"no {missing[0]}: the credential does not say from when it is valid"
    lines = [f"[{_MARKS[check.outcome]:>7}] {check.id:<20} {check.code}: {message}"]
    if check.id == "schema" and len(issues) > 1:
        lines += [f"{'':30}{i.get('path') or '(document)'}: {i.get('message')}" for i in issues]
    return lines


def _print_report(rep: VerificationReport | PresentationReport, indent: str = "") -> None:
    verdict = "VALID" if rep.verified else "NOT VALID"
    kind = "presentation" if isinstance(rep, PresentationReport) else "credential"
    out = sys.stdout
    out.write(f"{indent}{verdict}: {kind} {rep.document_id or '(no id)'}\n")
    if isinstance(rep, VerificationReport) and rep.credential:
        c = rep.credential
        for label, key in (("badge", "name"), ("achievement", "achievement"),
                           ("issuer id", "issuer"), ("subject", "subject")):
            if c.get(key):
                out.write(f"{indent}  {label:<12}{c[key]}\n")
        out.write(f"{indent}  {_issuer_line(rep)}\n")
    issues = _schema_issues(rep)
    for check in rep.checks:
        for line in _check_lines(check, issues):
            out.write(f"{indent}  {line}\n")
    for warning in rep.warnings:
        out.write(f"{indent}  warning: {warning.code}: {warning.message}\n")
    if isinstance(rep, PresentationReport):
        for sub in rep.credentials:
            _print_report(sub, indent + "    ")


def _issuer_line(rep: VerificationReport) -> str:
    """Who the issuer is, in words that never present its own claim as confirmed: only a
    registry the user chose names it; otherwise the name is what the credential calls itself."""
    trust: Check | None = next((c for c in rep.checks if c.id == "issuer_trust"), None)
    if trust is not None and trust.outcome is Outcome.PASSED:
        return (f"Issuer: {trust.detail.get('name')} "
                f"(listed in {trust.detail.get('registry')})")
    claimed = rep.credential.get("issuerName")
    said = f"calls itself {claimed}" if claimed else "gives no name"
    if trust is None:
        return f"Issuer: {said}; not checked against any trusted issuers"
    return f"Issuer: {said}; not in your trusted issuers"


async def _cmd_keys_new(args: argparse.Namespace) -> int:
    key = generate_key("P-256" if args.type == "p256" else "Ed25519")
    out = Path(args.out)
    if out.exists():
        _fail(f"{out} already exists; refusing to overwrite a key file")
    passphrase = None if args.unencrypted else _passphrase(new=True)
    try:
        write_key_file(out, key, passphrase=passphrase, unencrypted=args.unencrypted)
    except OSError as exc:
        _fail(f"cannot write {out}: {exc}")
    sys.stdout.write(key.controller + "\n")
    return EXIT_OK


async def _cmd_issue(args: argparse.Namespace) -> int:
    credential = _read_json(args.credential)
    if not isinstance(credential, dict):
        _fail("the credential must be a JSON object")
    if "proof" in credential:
        _fail(f"{args.credential} is signed already (it has a proof); issue signs an unsigned "
              "credential")
    if args.suite and args.format != "di":
        _fail("--suite applies to Data Integrity proofs, not to JWTs")
    key = _load_key(args.key)
    try:
        if args.format == "di":
            _print_json(await issue(credential, key=key, cryptosuite=args.suite))
        else:
            sys.stdout.write(await issue_jwt(credential, key=key, format=args.format) + "\n")
    except ValueError as exc:  # A suite for another kind of key.
        _fail(str(exc))
    return EXIT_OK


def _read_bytes(path: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        _fail(f"cannot read {path}: {exc}")


def _trust_list(path: str) -> TrustList:
    try:
        return load_trust_list(Path(path))
    except OSError as exc:
        _fail(f"cannot read {path}: {exc}")
    except VCBadgesError as exc:
        _fail(exc.message)


def _host_and_port(entry: str) -> tuple[str, int | None]:
    """``HOST``, ``HOST:PORT`` or ``[IPv6]:PORT`` (a bare IPv6 address is a host)."""
    try:
        return str(ipaddress.ip_address(entry)), None
    except ValueError:
        pass
    try:
        parts = urlsplit("//" + entry)
        port = parts.port
    except ValueError:
        _fail(f"{entry!r} is not HOST or HOST:PORT")
    if not parts.hostname or parts.path or parts.query or parts.username is not None:
        _fail(f"{entry!r} is not HOST or HOST:PORT")
    return parts.hostname.rstrip("."), port


def _http_allowance(entries: Iterable[str]) -> dict[str, frozenset[int] | None]:
    """The hosts plain http may reach, each with the ports it may reach them at (None: any)."""
    allowed: dict[str, frozenset[int] | None] = {}
    for entry in entries:
        if not entry.strip():
            continue
        host, port = _host_and_port(entry.strip().lower())
        known = allowed.get(host, frozenset())
        allowed[host] = None if port is None or known is None else known | {port}
    return allowed


def _allowed_networks(entries: Iterable[str]) -> tuple[ipaddress.IPv4Network |
                                                       ipaddress.IPv6Network, ...]:
    networks = []
    for entry in entries:
        if entry.strip():
            try:
                networks.append(ipaddress.ip_network(entry.strip()))
            except ValueError as exc:
                _fail(f"{entry.strip()!r} is not a network (CIDR): {exc}")
    return tuple(networks)


def _split(value: str | None) -> list[str]:
    return (value or "").split(",")


class _HttpPorts:
    """Verification's fetcher, reading plain http only at the ports named for a host: the
    fetch policy allows plain http per host, and ``--allow-http-host HOST:PORT`` means that
    one service. The final URL after redirects is held to the same rule."""

    def __init__(self, fetcher: OnDemandFetcher,
                 ports: Mapping[str, frozenset[int] | None]) -> None:
        self._fetcher = fetcher
        self._ports = ports

    def _check(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            port = parts.port or 80
        except ValueError:
            return  # The fetcher refuses it.
        ports = self._ports.get((parts.hostname or "").rstrip("."))
        if parts.scheme.lower() == "http" and ports is not None and port not in ports:
            raise FetchError(f"{parts.hostname}: plain http is allowed only at port "
                             f"{', '.join(str(p) for p in sorted(ports))}",
                             code="fetch_scheme_not_allowed")

    async def get(self, url: str, *, accept: str = "application/json") -> FetchResponse:
        self._check(url)
        response = await self._fetcher.get(url, accept=accept)
        self._check(response.url)
        return response

    async def get_json(self, url: str, *, accept: str = "application/json") -> Any:
        return (await self.get(url, accept=accept)).json()


def _unread_status_lists(rep: VerificationReport | PresentationReport) -> bool:
    subs = rep.credentials if isinstance(rep, PresentationReport) else []
    return any(c.code == "status_list_unreachable" for c in rep.checks) or any(
        _unread_status_lists(sub) for sub in subs)


async def _cmd_verify(args: argparse.Namespace) -> int:
    data = _read_bytes(args.file)
    http = _http_allowance([*_split(os.environ.get("VCBADGES_FETCH_ALLOW_HTTP_HOSTS")),
                            *args.allow_http_host])
    networks = _allowed_networks([*_split(os.environ.get("VCBADGES_FETCH_ALLOW_NETWORKS")),
                                  *args.allow_network])
    fetcher = OnDemandFetcher(FetchPolicy(allow_http_hosts=frozenset(http),
                                          allow_networks=networks))
    source = _HttpPorts(fetcher, http)
    registries = IssuerRegistries.from_locations(args.registry, fetcher=source)
    if args.trust:
        # Read now, so that a bad trust list is a usage error; consulted first, as the
        # user's own list is the most authoritative.
        trusted = IssuerRegistries.from_trust_list(_trust_list(args.trust),
                                                   name=Path(args.trust).name)
        registries = IssuerRegistries.combine(trusted, registries)
    try:
        rep = await verify(data, challenge=args.challenge, domain=args.domain,
                           registries=registries, fetcher=source,
                           holder_must_be_subject=not args.no_holder_binding)
    finally:
        await fetcher.close()
    for problem in registries.problems:
        sys.stderr.write(f"vcbadges: registry {problem.registry}: {problem.message}\n")
    if args.json:
        _print_json(rep.to_json())
    else:
        _print_report(rep)
    if _unread_status_lists(rep) and not (http or networks):
        sys.stderr.write("vcbadges: a status list could not be read; for a badge of a local "
                         "or development service, allow it with --allow-http-host HOST[:PORT] "
                         "and --allow-network CIDR\n")
    return EXIT_OK if rep.verified else EXIT_INVALID


async def _cmd_present(args: argparse.Namespace) -> int:
    credentials = []
    for path in args.credentials:
        cred = _read_json(path)
        if not isinstance(cred, dict):
            _fail(f"{path} is not a JSON object")
        credentials.append(cred)
    key = _load_key(args.key)
    _print_json(await present(credentials, key=key, challenge=args.challenge, domain=args.domain))
    return EXIT_OK


def _signed_credential(path: str) -> str:
    """The text of a signed credential (JSON with a proof, or a compact JWT) to bake."""
    text = _read_text(path).strip()
    if looks_like_jwt(text):
        return text
    document = _read_json(path)
    if not isinstance(document, dict):
        _fail(f"{path} is not a credential (a JSON object or a JWT)")
    if "proof" not in document:
        _fail(f"{path} is not signed (it has no proof); sign it with vcbadges issue first")
    return text


async def _cmd_bake(args: argparse.Namespace) -> int:
    image = _read_bytes(args.image)
    credential = _signed_credential(args.credential)
    try:
        baked = (bake_svg(image, credential) if image.lstrip()[:1] == b"<"
                 else bake_png(image, credential))
    except VCBadgesError as exc:
        _fail(f"cannot bake {args.image}: {exc.message}")
    out = Path(args.out)
    if out.exists():
        _fail(f"{out} already exists; refusing to overwrite it")
    try:
        out.write_bytes(baked)
    except OSError as exc:
        _fail(f"cannot write {out}: {exc}")
    return EXIT_OK


async def _cmd_unbake(args: argparse.Namespace) -> int:
    found = unbake(_read_bytes(args.image))
    payload = found.payload
    if isinstance(payload, str):
        sys.stdout.write(payload + "\n")
    else:
        _print_json(payload)
    return EXIT_OK


async def _cmd_quickstart(args: argparse.Namespace) -> int:
    issuer_key = generate_key("Ed25519")
    holder_key = generate_key("Ed25519")
    out = sys.stdout
    out.write(f"1. Created an issuer key: {issuer_key.controller}\n")
    unsigned = sample_badge(issuer=issuer_key.controller, subject=holder_key.controller).to_json()
    signed = await issue(unsigned, key=issuer_key)
    out.write(f"2. Issued \"{signed['name']}\" to {holder_key.controller}, signed with "
              f"{signed['proof']['cryptosuite']}:\n\n")
    _print_json(signed)
    out.write("\n3. Verified it:\n\n")
    rep = await verify(signed)
    _print_report(rep)
    return EXIT_OK if rep.verified else EXIT_INVALID


def _settings(**overrides: object) -> Settings:
    try:
        return Settings.from_env(os.environ, **overrides)
    except ValueError as exc:
        _fail(f"bad VCBADGES_* setting: {exc}")


@contextlib.asynccontextmanager
async def _service_storage(settings: Settings) -> AsyncIterator[tuple[DatabaseConfig, KeyStore]]:
    """The service's database (migrated) and key store, as ``vcbadges serve`` uses them."""
    try:
        db = database_for(settings)
    except ValueError as exc:
        _fail(f"bad database setting: {exc}")
    try:
        keystore = keystore_for(settings)
        await upgrade(db)
        yield db, keystore
    except OSError as exc:
        _fail(f"cannot use the database or the data folder: {exc}")
    finally:
        await db.dispose()


async def _run_service(settings: Settings, sock: socket.socket,
                       announce: Callable[[], None] | None) -> None:
    """Serve ``settings`` on ``sock`` until SIGINT or SIGTERM."""
    runner = service_runner(create_app(settings))
    try:
        await runner.setup()
    except OSError as exc:
        sock.close()
        _fail(f"cannot start: {exc}")
    except ValueError as exc:
        sock.close()
        _fail(f"bad setting: {exc}")
    try:
        await web.SockSite(runner, sock).start()
        if announce is not None:
            announce()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()


def _listen(settings: Settings, *, shared: bool) -> socket.socket:
    try:
        return socket.create_server((settings.host, settings.port), reuse_port=shared)
    except OSError as exc:
        _fail(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}")


def _worker(settings: Settings) -> None:
    """One more serving process on the same port (the kernel spreads connections)."""
    logging.basicConfig(level=logging.WARNING)
    try:
        asyncio.run(_run_service(settings, _listen(settings, shared=True), None))
    except UsageError as exc:
        sys.stderr.write(f"vcbadges: {exc}\n")


async def _cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings(host=args.host, port=args.port)
    if args.workers < 1:
        _fail("--workers must be at least 1")
    # Listen first: a port in use is reported before anything else is set up.
    sock = _listen(settings, shared=args.workers > 1)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    workers: list[multiprocessing.process.BaseProcess] = []

    def announce() -> None:
        # The first process has migrated the database and made the demo tenant; the others
        # only serve, so they start now.
        context = multiprocessing.get_context("spawn")
        for _ in range(args.workers - 1):
            worker = context.Process(target=_worker, args=(replace(settings, demo_tenant=False),),
                                     daemon=True)
            worker.start()
            workers.append(worker)
        sys.stdout.write(f"vcbadges: serving on http://{settings.host}:{settings.port}/ "
                         f"(public URL {settings.base_url}/)"
                         f"{f' with {args.workers} processes' if args.workers > 1 else ''}\n")
        sys.stdout.flush()

    try:
        await _run_service(settings, sock, announce)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join(timeout=10)
    return EXIT_OK


def _existing_service(args: argparse.Namespace, *, create: bool = False) -> Settings:
    """The settings of the service a command works on: its data directory must be there
    (see :meth:`Settings.missing_storage`) unless ``create`` says to start a new one."""
    settings = _settings(data_dir=Path(args.data_dir) if args.data_dir else None)
    problem = settings.missing_storage()
    if problem is not None and not create:
        more = "; or add --create to start a new one" if args.command == "tenant" else ""
        _fail(f"{problem}: run this where vcbadges serve keeps its data, or give --data-dir "
              f"DIR (or VCBADGES_DATA_DIR){more}")
    return settings


async def _cmd_tenant_create(args: argparse.Namespace) -> int:
    settings = _existing_service(args, create=args.create)
    taken = f"there is already a tenant named {args.name!r} in {settings.database_location()}"
    async with _service_storage(settings) as (db, keystore):
        try:
            async with db.sessionmaker()() as session, session.begin():
                if await tenant_by_name(session, args.name) is not None:
                    _fail(taken)
                tenant, api_key = await create_tenant(session, args.name, keystore=keystore,
                                                      algorithm=args.key_type,
                                                      did_web_host=args.did_web,
                                                      display_name=args.display_name)
        except ValueError as exc:
            _fail(str(exc))
        except StorageError as exc:
            if exc.code != "conflict":  # Created by someone else at the same moment.
                raise
            _fail(taken)
    out = sys.stdout
    shown = f" ({tenant.display_name})" if tenant.display_name else ""
    out.write(f"tenant {tenant.name}{shown}: {tenant.did}\n")
    out.write(f"stored in {settings.storage_location()}\n")
    if tenant.did_web_host is not None:
        out.write(f"serve its DID document at https://{tenant.did_web_host}/{tenant.name}"
                  "/did.json (vcbadges serve does, at /<tenant>/did.json)\n")
    out.write(f"API key (shown only this once): {api_key}\n")
    return EXIT_OK


_STATUS_ACTIONS: dict[str, tuple[StatusPurpose, bool]] = {
    "revoke": ("revocation", True), "suspend": ("suspension", True),
    "unsuspend": ("suspension", False)}
_STATUS_DONE = {"revoke": "revoked", "suspend": "suspended", "unsuspend": "unsuspended"}


async def _cmd_status(args: argparse.Namespace) -> int:
    """Change a credential's status in the service's database.

    A running service (another process) sees the change without being told: its status
    list endpoint compares each list's ``version`` with the database on every request, and
    its own verifier confirms a list it holds in memory at most a second old (see
    :mod:`vcbadges.issuer.publish`).
    """
    settings = _existing_service(args)
    purpose, value = _STATUS_ACTIONS[args.action]
    async with _service_storage(settings) as (db, keystore):
        service = IssuerService(db, keystore, base_url=settings.base_url)
        tenant = await service.tenant_by_name(args.tenant)
        if tenant is None:
            _fail(f"there is no tenant named {args.tenant!r} in "
                  f"{settings.database_location()}")
        try:
            [change] = await service.set_statuses(
                tenant, args.credential_id, [(purpose, value)], actor="cli",
                reason=args.reason)
        except (StorageError, StatusError) as exc:
            if exc.code == "not_found":
                _fail(f"tenant {args.tenant!r} has no credential {args.credential_id!r} in "
                      f"{settings.database_location()}")
            if exc.code == "no_status_entry":
                _fail(exc.message)
            raise
        finally:
            await service.close()
    where = (f"{status_list_url(settings.base_url, change.status_list.id)} "
             f"index {change.index}")
    if change.changed:
        sys.stdout.write(f"{_STATUS_DONE[args.action]} {args.credential_id} ({where})\n")
    else:
        sys.stdout.write(f"{args.credential_id} was already {_STATUS_DONE[args.action]} "
                         f"({where})\n")
    sys.stdout.write(f"in {settings.database_location()}\n")
    return EXIT_OK


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", metavar="DIR",
                        help="the data directory of the service (default: VCBADGES_DATA_DIR, "
                             "else ./vcbadges-data); it must exist")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vcbadges", description="Issue, present and verify Open Badges 3.0 credentials.")
    sub = parser.add_subparsers(dest="command", required=True)

    keys = sub.add_parser("keys", help="manage signing keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    new = keys_sub.add_parser("new", help="create a key file and print its DID")
    new.add_argument("--type", choices=["ed25519", "p256"], default="ed25519")
    new.add_argument("--out", required=True, help="key file to create (never overwritten)")
    new.add_argument("--unencrypted", action="store_true",
                     help="store the private key without a passphrase (development only)")
    new.set_defaults(run=_cmd_keys_new)

    iss = sub.add_parser("issue", help="sign an unsigned credential and print it")
    iss.add_argument("credential", help="unsigned credential JSON file, or - for stdin")
    iss.add_argument("--key", required=True, help="key file")
    iss.add_argument("--suite", choices=sorted(SUITES), default=None,
                     help="cryptosuite (default: eddsa-rdfc-2022 for Ed25519 keys, "
                          "ecdsa-rdfc-2019 for P-256)")
    iss.add_argument("--format", choices=["di", "jwt", "vc+jwt"], default="di",
                     help="di: embedded Data Integrity proof (default); jwt: Open Badges 3.0 "
                          "VC-JWT; vc+jwt: W3C VC-JOSE")
    iss.set_defaults(run=_cmd_issue)

    ver = sub.add_parser("verify", help="verify a credential or presentation")
    ver.add_argument("file", help="credential, presentation, JWT, badge image or OB 2.0 "
                     "assertion file, or - for stdin")
    ver.add_argument("--json", action="store_true", help="print the report as JSON")
    ver.add_argument("--challenge", help="expected challenge of a presentation")
    ver.add_argument("--domain", help="expected domain of a presentation")
    ver.add_argument("--trust", help='trust list: JSON [{"did": ..., "name": ..., "url": ...}]')
    ver.add_argument("--registry", action="append", default=[], metavar="FILE|URL",
                     help="issuer registry (repeatable, most authoritative first): a Digital "
                          "Credentials Consortium registry or list of registries, or a trust "
                          "list; a file or an https URL")
    ver.add_argument("--no-holder-binding", action="store_true",
                     help="accept a presentation whose holder is not the subject of its "
                          "credentials")
    ver.add_argument("--allow-http-host", action="append", default=[], metavar="HOST[:PORT]",
                     help="read status lists and DID documents over plain http from HOST (at "
                          "PORT only, when given), e.g. a local vcbadges serve; repeatable "
                          "(also VCBADGES_FETCH_ALLOW_HTTP_HOSTS, comma separated)")
    ver.add_argument("--allow-network", action="append", default=[], metavar="CIDR",
                     help="allow the private or loopback addresses of CIDR, e.g. "
                          "127.0.0.1/32; repeatable (also VCBADGES_FETCH_ALLOW_NETWORKS)")
    ver.set_defaults(run=_cmd_verify)

    pre = sub.add_parser("present", help="sign a presentation of credentials")
    pre.add_argument("credentials", nargs="+", help="credential JSON files")
    pre.add_argument("--key", required=True, help="holder key file")
    pre.add_argument("--challenge", required=True, help="the verifier's challenge")
    pre.add_argument("--domain", required=True, help="the verifier's domain")
    pre.set_defaults(run=_cmd_present)

    bake = sub.add_parser("bake", help="bake a credential into a PNG or SVG badge image")
    bake.add_argument("image", help="PNG or SVG image")
    bake.add_argument("credential", help="signed credential (JSON or compact JWT)")
    bake.add_argument("-o", "--out", required=True, help="image file to create")
    bake.set_defaults(run=_cmd_bake)

    unb = sub.add_parser("unbake", help="print the credential baked into a badge image")
    unb.add_argument("image", help="PNG or SVG image, or - for stdin")
    unb.set_defaults(run=_cmd_unbake)

    quick = sub.add_parser("quickstart", help="create a key, issue a sample badge, verify it")
    quick.set_defaults(run=_cmd_quickstart)

    add_bulk_commands(sub)

    serve = sub.add_parser(
        "serve", help="run the issuer and verifier service (settings: VCBADGES_* variables)")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8080)")
    serve.add_argument("--workers", type=int, default=1,
                       help="serving processes sharing the port (default 1); with more than "
                            "one, use PostgreSQL or accept SQLite's single writer")
    serve.set_defaults(run=_cmd_serve)

    tenant = sub.add_parser("tenant", help="manage the service's issuer tenants")
    tenant_sub = tenant.add_subparsers(dest="tenant_command", required=True)
    create = tenant_sub.add_parser("create", help="create a tenant and print its API key once")
    create.add_argument("name", help="tenant name: lowercase letters, digits, inner hyphens")
    create.add_argument("--display-name", metavar="TEXT",
                        help='the issuer name people see, e.g. "Riverside College" (the '
                             "badges' issuer.name; default: NAME)")
    create.add_argument("--did-web", metavar="HOST",
                        help="issue as did:web:HOST:NAME (the service hosts its DID document) "
                             "instead of did:key")
    create.add_argument("--key-type", choices=("Ed25519", "P-256"), default="Ed25519",
                        help="the tenant's signing key: Ed25519 (eddsa-rdfc-2022 proofs, "
                             "EdDSA JWTs) or P-256 (ecdsa-rdfc-2019 proofs, ES256 JWTs); "
                             "default: Ed25519")
    _data_dir_option(create)
    create.add_argument("--create", action="store_true",
                        help="start a new data directory (database and master key) if there "
                             "is none yet")
    create.set_defaults(run=_cmd_tenant_create)

    status = sub.add_parser("status", help="revoke, suspend or unsuspend an issued credential")
    status.add_argument("action", choices=sorted(_STATUS_ACTIONS))
    status.add_argument("credential_id", help="the credential's id")
    status.add_argument("--tenant", default=DEMO_TENANT,
                        help=f"the issuing tenant (default: {DEMO_TENANT})")
    status.add_argument("--reason", help="why (kept in the audit record)")
    _data_dir_option(status)
    status.set_defaults(run=_cmd_status)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    try:
        code: int = asyncio.run(args.run(args))
        return code
    except UsageError as exc:
        sys.stderr.write(f"vcbadges: {exc}\n")
    except KeyFormatError as exc:
        sys.stderr.write(f"vcbadges: {exc.code}: {exc.message}\n")
    except VCBadgesError as exc:
        sys.stderr.write(f"vcbadges: {exc.code}: {exc.message}\n")
        return EXIT_INVALID
    except KeyboardInterrupt:
        sys.stderr.write("vcbadges: interrupted\n")
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())

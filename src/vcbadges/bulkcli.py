"""``vcbadges bulk issue`` and ``vcbadges bulk revoke``: bulk jobs from CSV files.

cli.py adds these commands with :func:`add_bulk_commands`. They use the service's settings
(``VCBADGES_DATA_DIR`` or ``--data-dir``, ``VCBADGES_DATABASE_URL``, ``VCBADGES_MASTER_KEY``,
``VCBADGES_PUBLIC_URL`` ...), so a job issues into the same database, with the same keys and
status list URLs, as ``vcbadges serve``; they say where that is, and stop when the service's
data directory is not there rather than start an empty one. ``bulk issue`` records the public
URL it issues under, so that the service recognises those status lists as its own. Progress
goes to stderr: a bar redrawn in place on a terminal, a line every few seconds otherwise (a
log file).

Exit codes, as for the rest of the command line: 0 when every row was issued (or revoked)
or skipped, 1 when some rows failed (see the result CSV), 2 for a usage or I/O error. An
interrupted job (Ctrl-C, a crash) is resumed by running the same command again.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from vcbadges.errors import StorageError, VCBadgesError
from vcbadges.issuer.bulk import (
    BulkResult,
    BulkRevokeResult,
    bulk_issue_csv,
    bulk_revoke_csv,
    default_job_key,
)
from vcbadges.primitives.dates import utcnow
from vcbadges.storage import DatabaseConfig, record_public_url, upgrade
from vcbadges.web.app import database_for, keystore_for
from vcbadges.web.settings import Settings

__all__ = ["ProgressBar", "add_bulk_commands"]

EXIT_OK, EXIT_FAILED_ROWS, EXIT_USAGE = 0, 1, 2


class ProgressBar:
    """A progress callback ``(done, total)`` that draws on ``stream`` (default stderr).

    On a terminal the line is redrawn in place (``\\r``) at most every ``interval`` seconds;
    elsewhere a full line is written every ``log_interval`` seconds. The last call (``done
    == total``) is always drawn; call :meth:`close` at the end to finish the line. A total of
    0 means unknown: the bar then shows the count and the rate only.
    """

    def __init__(
        self,
        label: str,
        *,
        stream: TextIO | None = None,
        width: int = 28,
        interval: float = 0.1,
        log_interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        interactive: bool | None = None,
    ) -> None:
        self._label = label
        self._stream = stream if stream is not None else sys.stderr
        self._width = width
        self._interactive = self._stream.isatty() if interactive is None else interactive
        self._interval = interval if self._interactive else log_interval
        self._clock = clock
        self._started = clock()
        self._drawn_at: float | None = None
        self._length = 0

    def __call__(self, done: int, total: int) -> None:
        now = self._clock()
        final = total > 0 and done >= total
        if (not final and self._drawn_at is not None
                and now - self._drawn_at < self._interval):
            return
        self._drawn_at = now
        text = self.render(done, total, now - self._started)
        if self._interactive:
            padding = " " * max(0, self._length - len(text))
            self._stream.write(f"\r{text}{padding}")
            self._length = len(text)
        else:
            self._stream.write(text + "\n")
        self._stream.flush()

    def render(self, done: int, total: int, elapsed: float) -> str:
        """The text of the bar after ``elapsed`` seconds."""
        rate = done / elapsed if elapsed > 0 else 0.0
        speed = f"{rate:,.0f}/s"
        if total <= 0:
            return f"{self._label}  {done:,} rows  {speed}"
        share = min(1.0, done / total)
        filled = int(share * self._width)
        bar = "#" * filled + "." * (self._width - filled)
        eta = ""
        if 0 < done < total and rate > 0:
            eta = f"  ETA {_duration((total - done) / rate)}"
        return (f"{self._label} [{bar}] {done:,}/{total:,} {share:4.0%}  {speed}{eta}")

    def close(self) -> None:
        """End the line on a terminal, so what follows starts on a fresh one."""
        if self._interactive and self._drawn_at is not None:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn_at = None


def _duration(seconds: float) -> str:
    whole = int(seconds + 0.5)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def add_bulk_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``bulk issue`` and ``bulk revoke`` to the ``vcbadges`` command line.

    Each command sets ``run``: an async function of the parsed arguments returning the exit
    code, the convention of cli.py's own commands.
    """
    bulk = subparsers.add_parser("bulk", help="issue or revoke many badges from a CSV file")
    sub = bulk.add_subparsers(dest="bulk_command", required=True)

    issue = sub.add_parser(
        "issue", help="issue a badge per CSV row (resumable: run it again after a crash)",
        description="Issue one badge per row of FILE (columns: row_id, recipient, and "
                    "optionally name, narrative, valid_until). Rows already issued by an "
                    "earlier run of the same job are skipped, so the command can simply be "
                    "run again after an interruption.")
    issue.add_argument("file", help="the CSV file of rows")
    issue.add_argument("--achievement", required=True, metavar="ID",
                       help="the slug of one of the tenant's achievement templates, or an "
                            "Achievement JSON file")
    issue.add_argument("--tenant", required=True, help="the issuing tenant")
    issue.add_argument("-o", "--out", metavar="RESULT.csv",
                       help="the result CSV (default: FILE with .result.csv)")
    issue.add_argument("--job", help="the job key (default: the achievement and the file "
                                     "name; rows already issued under it are skipped)")
    issue.add_argument("--workers", type=int, default=None,
                       help="signing processes (default: one per CPU for large files, none "
                            "for small ones); 0 signs in this process")
    issue.add_argument("--batch-size", type=int, default=250,
                       help="rows per transaction (default: 250)")
    issue.add_argument("--base-url", help="public URL of the service, for the status list "
                                          "URLs in the badges (default: VCBADGES_PUBLIC_URL)")
    issue.add_argument("--quiet", action="store_true", help="no progress bar")
    _data_dir_option(issue)
    issue.set_defaults(run=run_bulk_issue)

    revoke = sub.add_parser(
        "revoke", help="revoke the credentials listed in a CSV file",
        description="Revoke every credential named in the credential_id column of FILE; an "
                    "optional reason column gives each row's reason. Already revoked "
                    "credentials are skipped, so the command can be run again.")
    revoke.add_argument("file", help="the CSV file of credential ids")
    revoke.add_argument("--tenant", required=True, help="the issuing tenant")
    revoke.add_argument("-o", "--out", metavar="RESULT.csv",
                        help="the result CSV (default: FILE with .result.csv)")
    revoke.add_argument("--reason", help="the reason recorded for rows without their own")
    revoke.add_argument("--quiet", action="store_true", help="no progress bar")
    _data_dir_option(revoke)
    revoke.set_defaults(run=run_bulk_revoke)


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", metavar="DIR",
                        help="the data directory of the service (default: VCBADGES_DATA_DIR, "
                             "else ./vcbadges-data); it must exist")


def _error(message: str) -> int:
    sys.stderr.write(f"vcbadges: {message}\n")
    return EXIT_USAGE


def _settings(args: argparse.Namespace) -> Settings:
    """The service's settings (``--data-dir`` first); ``ValueError`` when its data directory
    is missing (see :meth:`Settings.missing_storage`) or a setting is bad."""
    settings = Settings.from_env(os.environ,
                                 data_dir=Path(args.data_dir) if args.data_dir else None)
    problem = settings.missing_storage()
    if problem is not None:
        raise ValueError(f"{problem}: run this where vcbadges serve keeps its data, or give "
                         "--data-dir DIR (or VCBADGES_DATA_DIR)")
    return settings


async def _record(db: DatabaseConfig, base_url: str) -> None:
    async with db.sessionmaker()() as session, session.begin():
        await record_public_url(session, base_url, utcnow())


def _result_path(args: argparse.Namespace) -> Path:
    if args.out:
        return Path(args.out)
    source = Path(args.file)
    return source.with_name(f"{source.stem}.result.csv")


def _achievement(value: str) -> str | dict[str, Any]:
    """A slug, or the Achievement object of a JSON file."""
    path = Path(value)
    if not (value.endswith(".json") or path.is_file()):
        return value
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise ValueError(f"{value} does not hold a JSON object")
    return document


async def run_bulk_issue(args: argparse.Namespace) -> int:
    """``vcbadges bulk issue``; returns the exit code."""
    if args.workers is not None and args.workers < 0 or args.batch_size < 1:
        return _error("--workers must not be negative and --batch-size must be positive")
    try:
        settings = _settings(args)
        achievement = _achievement(args.achievement)
        db = database_for(settings)
    except (OSError, ValueError) as exc:
        return _error(str(exc))
    base_url = (args.base_url or settings.base_url).rstrip("/")
    result = _result_path(args)
    label = args.achievement if isinstance(achievement, str) else str(achievement.get("id"))
    job = args.job or default_job_key(label, args.file)
    err = sys.stderr
    err.write(f"vcbadges: using {settings.storage_location()}\n")
    if not args.base_url and settings.public_url is None:
        err.write(f"vcbadges: warning: VCBADGES_PUBLIC_URL is not set; the badges' status "
                  f"lists will be announced at {base_url}\n")
    err.write(f"job {job!r}: results in {result}\n")
    bar = None if args.quiet else ProgressBar("issuing")
    try:
        keystore = keystore_for(settings)
        await upgrade(db)
        await _record(db, base_url)
        summary: BulkResult = await bulk_issue_csv(
            db, args.tenant, args.file, result, achievement=achievement, keystore=keystore,
            base_url=base_url, job=job, workers=args.workers, batch_size=args.batch_size,
            on_progress=bar)
    except asyncio.CancelledError:
        if bar is not None:
            bar.close()
        err.write("vcbadges: interrupted; every row committed so far is kept: run the same "
                  "command again to resume\n")
        raise
    except (OSError, ValueError, csv.Error) as exc:
        return _error(str(exc))
    except StorageError as exc:
        if exc.code != "not_found":
            raise
        return _error(exc.message)
    except VCBadgesError as exc:
        return _error(f"{exc.code}: {exc.message}")
    finally:
        if bar is not None:
            bar.close()
        await db.dispose()
    rate = summary.issued / summary.seconds if summary.seconds > 0 else 0.0
    err.write(f"issued {summary.issued}, skipped {summary.skipped} (issued before), "
              f"failed {summary.failed}, in {summary.seconds:.1f} s ({rate:,.0f} badges/s)\n")
    if summary.failed:
        err.write(f"the failed rows and why are in {result}; fix them and run the same "
                  "command again\n")
        return EXIT_FAILED_ROWS
    return EXIT_OK


async def run_bulk_revoke(args: argparse.Namespace) -> int:
    """``vcbadges bulk revoke``; returns the exit code."""
    try:
        settings = _settings(args)
        db = database_for(settings)
    except ValueError as exc:
        return _error(str(exc))
    result = _result_path(args)
    err = sys.stderr
    err.write(f"vcbadges: using {settings.storage_location()}\n")
    err.write(f"results in {result}\n")
    bar = None if args.quiet else ProgressBar("revoking")
    try:
        await upgrade(db)
        summary: BulkRevokeResult = await bulk_revoke_csv(
            db, args.tenant, args.file, result, actor="cli", reason=args.reason,
            on_progress=bar)
    except (OSError, ValueError, csv.Error) as exc:
        return _error(str(exc))
    except StorageError as exc:
        if exc.code != "not_found":
            raise
        return _error(exc.message)
    finally:
        if bar is not None:
            bar.close()
        await db.dispose()
    err.write(f"revoked {summary.revoked}, skipped {summary.skipped} (revoked before), "
              f"failed {summary.failed}, in {summary.seconds:.1f} s\n")
    if summary.failed:
        err.write(f"the failed rows and why are in {result}\n")
        return EXIT_FAILED_ROWS
    return EXIT_OK

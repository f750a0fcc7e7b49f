"""Bulk jobs over HTTP (under ``/issuer``): issue or revoke many badges, follow the progress.

- ``POST /bulk/issue``: ``{"achievement": slug, "rows": [{"rowId", "recipient", "name",
  "narrative", "validUntil"}], "job": key}``, or the CSV the ``vcbadges bulk issue``
  command reads (``Content-Type: text/csv``, ``?achievement=slug&job=key``). ``job`` is
  optional: by default it is a digest of the achievement and the rows, so sending the same
  rows again resumes a job that stopped, issuing only what was not issued.
- ``POST /bulk/revoke``: ``{"rows": [{"credentialId", "reason"}], "reason": default}``, or
  a CSV with a ``credential_id`` column (and ``reason``; ``?reason=`` for the default).
- Both answer ``202`` with the job and its ``Location``; ``GET /bulk/jobs/{id}`` reports
  its state and counts, ``GET /bulk/jobs/{id}/results`` the row outcomes (JSON pages, or
  ``results.csv`` with the columns of the command's result file: JSON members are camelCase
  like the rest of the API, CSV columns keep the file format's snake_case names), ``DELETE
  /bulk/jobs/{id}`` cancels it, and ``GET /bulk/jobs`` lists the tenant's jobs.

Bodies may be larger than other requests' (``max_bulk_bytes``, 16 MiB by default) and hold
at most :data:`MAX_ROWS` rows; they are parsed off the event loop.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any, Final

from aiohttp import web

from vcbadges.errors import StorageError
from vcbadges.issuer.bulk import (
    ISSUE_COLUMNS,
    RESULT_COLUMNS,
    BulkRow,
    RevokeRow,
    parse_issue_csv,
    parse_revoke_csv,
    spreadsheet_safe,
    storable,
)
from vcbadges.issuer.jobs import BulkJobs, JobRefused, JobView, job_key_of
from vcbadges.web.auth import Caller, caller_of
from vcbadges.web.bodies import read_json
from vcbadges.web.keys import BULK_JOBS, DB, KEYSTORE, SETTINGS, STATUS_LISTS
from vcbadges.web.paging import MAX_PAGE, page
from vcbadges.web.problems import ProblemError
from vcbadges.wire import camel

__all__ = ["MAX_ROWS", "add_bulk_routes", "bulk_jobs_ctx"]

#: The most rows one job takes: a bigger file is split into several jobs.
MAX_ROWS: Final = 100_000
_MAX_SLUG = 200
_MAX_REASON = 1000
# A JSON row names the fields of a CSV row in camelCase: the columns are a file format's, the
# members the API's.
_ISSUE_FIELDS = {camel(column): column for column in ISSUE_COLUMNS}
_REVOKE_FIELDS = frozenset({"credentialId", "reason"})


def _invalid(detail: str) -> ProblemError:
    return ProblemError(400, "invalid-request", "The request is not valid", detail)


def _not_found(what: str) -> ProblemError:
    return ProblemError(404, "not-found", "Not found", f"there is no such {what}")


async def bulk_jobs_ctx(app: web.Application) -> AsyncIterator[None]:
    """The bulk jobs of this process; those still running when it stops are interrupted."""
    settings = app[SETTINGS]
    jobs = BulkJobs(app[DB], keystore=app[KEYSTORE], base_url=settings.base_url,
                    lists=app[STATUS_LISTS])
    app[BULK_JOBS] = jobs
    yield
    await jobs.close()


# --- reading the rows --------------------------------------------------------------------


async def _body(request: web.Request) -> tuple[str, Any, bytes]:
    """``("csv", text, body)`` or ``("json", value, body)``, under the bulk size limit.

    A CSV's bytes that are not UTF-8 are read as lone surrogates: the rows holding them
    fail, each with its reason, and the others are issued (a header that is not UTF-8 names
    no known column, and the upload is refused)."""
    settings = request.config_dict[SETTINGS]
    big = request.clone(client_max_size=settings.max_bulk_bytes)
    if request.content_type == "text/csv":
        body = await big.read()
        return "csv", body.decode("utf-8", "surrogateescape"), body
    # read_json leaves a lone surrogate escape in place: it fails the row holding it (see
    # vcbadges.issuer.bulk.storable), not the other rows with it.
    return "json", await read_json(big, max_depth=settings.max_json_depth), b""


def _text_field(row: dict[str, Any], name: str, index: int) -> str | None:
    value = row.get(name)
    if value is not None and not isinstance(value, str):
        raise _invalid(f"rows[{index}].{name} must be a string")
    return value


def _issue_rows_of(value: Any) -> list[BulkRow]:
    if not isinstance(value, list) or not value:
        raise _invalid("rows is a non-empty list of objects")
    rows = []
    for index, row in enumerate(value):
        if not isinstance(row, dict):
            raise _invalid(f"rows[{index}] must be an object")
        unknown = sorted(set(row) - set(_ISSUE_FIELDS))
        if unknown:
            raise _invalid(f"rows[{index}] has an unknown field {unknown[0]!r}")
        fields = {column: _text_field(row, member, index)
                  for member, column in _ISSUE_FIELDS.items()}
        row_id, recipient = fields.pop("row_id"), fields.pop("recipient")
        if not row_id or not recipient:
            raise _invalid(f"rows[{index}] needs rowId and recipient")
        rows.append(BulkRow(row_id=row_id, recipient=recipient, **fields))
    return rows


def _revoke_rows_of(value: Any) -> list[RevokeRow]:
    if not isinstance(value, list) or not value:
        raise _invalid("rows is a non-empty list of objects")
    rows = []
    for index, row in enumerate(value):
        if not isinstance(row, dict) or not set(row) <= _REVOKE_FIELDS:
            raise _invalid(f'rows[{index}] is {{"credentialId": ..., "reason": ...}}')
        credential_id, reason = (_text_field(row, "credentialId", index),
                                 _text_field(row, "reason", index))
        if not credential_id:
            raise _invalid(f"rows[{index}] needs credentialId")
        if reason is not None and len(reason) > _MAX_REASON:
            raise _invalid(f"rows[{index}].reason is longer than {_MAX_REASON} characters")
        rows.append(RevokeRow(credential_id=credential_id, reason=reason))
    return rows


def _object(value: Any, fields: frozenset[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProblemError(400, "not-an-object", "The body must be a JSON object")
    unknown = sorted(set(value) - fields)
    if unknown:
        raise _invalid(f"unknown field {unknown[0]!r}")
    return value


def _optional_text(value: Any, name: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= limit or not storable(value):
        raise _invalid(f"{name} is a string of 1 to {limit} characters (UTF-8 text, no NUL)")
    return value


def _within_limit(rows: list[Any]) -> None:
    if len(rows) > MAX_ROWS:
        raise ProblemError(413, "too-many-rows", "Too many rows for one job",
                           f"at most {MAX_ROWS} rows; split the file into several jobs")


async def _parse(parse: Any, text: str) -> Any:
    try:
        return await asyncio.to_thread(parse, text, name="the CSV")
    except ValueError as exc:
        raise ProblemError(400, "invalid-csv", "The CSV is not valid", str(exc)) from None


def _accepted(view: JobView) -> web.Response:
    location = f"/issuer/bulk/jobs/{view.id}"
    return web.json_response(view.to_json(), status=202, headers={"Location": location})


def _refused(exc: JobRefused) -> ProblemError:
    if exc.code == "job_running" and exc.job is not None:
        return ProblemError(409, "job-running", "This job is already running", exc.message,
                            job=exc.job.to_json())
    return ProblemError(429, "too-many-jobs", "Too many bulk jobs running", exc.message,
                        headers={"Retry-After": "30"})


# --- handlers ----------------------------------------------------------------------------


async def issue_bulk(request: web.Request) -> web.Response:
    caller = caller_of(request)
    kind, value, content = await _body(request)
    if kind == "csv":
        achievement = request.query.get("achievement")
        job = request.query.get("job")
        rows: list[BulkRow] = await _parse(parse_issue_csv, value)
    else:
        body = _object(value, frozenset({"achievement", "rows", "job"}))
        achievement, job = body.get("achievement"), body.get("job")
        rows = _issue_rows_of(body.get("rows"))
        content = json.dumps(body.get("rows"), sort_keys=True).encode("utf-8")
    if (not isinstance(achievement, str) or not 0 < len(achievement) <= _MAX_SLUG
            or not storable(achievement)):
        raise _invalid("achievement names one of the tenant's achievement templates")
    job = _optional_text(job, "job", 200)
    _within_limit(rows)
    if not rows:
        raise _invalid("the CSV has no rows")
    jobs = request.config_dict[BULK_JOBS]
    try:
        view = await jobs.start_issue(caller.tenant, rows, achievement=achievement,
                                      job_key=job or job_key_of(achievement, content),
                                      actor=caller.actor)
    except JobRefused as exc:
        raise _refused(exc) from None
    except StorageError as exc:
        if exc.code != "not_found":
            raise
        raise _not_found("achievement template") from None
    return _accepted(view)


async def revoke_bulk(request: web.Request) -> web.Response:
    caller = caller_of(request)
    kind, value, _ = await _body(request)
    if kind == "csv":
        reason = request.query.get("reason")
        rows: list[RevokeRow] = await _parse(parse_revoke_csv, value)
    else:
        body = _object(value, frozenset({"rows", "reason"}))
        reason = body.get("reason")
        rows = _revoke_rows_of(body.get("rows"))
    reason = _optional_text(reason, "reason", _MAX_REASON)
    _within_limit(rows)
    if not rows:
        raise _invalid("the CSV has no rows")
    try:
        view = await request.config_dict[BULK_JOBS].start_revoke(
            caller.tenant, rows, reason=reason, actor=caller.actor)
    except JobRefused as exc:
        raise _refused(exc) from None
    return _accepted(view)


def _job_id(request: web.Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info["job_id"])
    except ValueError:
        raise _not_found("job") from None


async def _caller_job(request: web.Request) -> tuple[Caller, uuid.UUID, BulkJobs]:
    caller = caller_of(request)
    return caller, _job_id(request), request.config_dict[BULK_JOBS]


async def list_jobs(request: web.Request) -> web.Response:
    caller = caller_of(request)
    limit, offset = page(request, "offset")
    found = await request.config_dict[BULK_JOBS].jobs(caller.tenant, limit=limit,
                                                      offset=offset)
    return web.json_response({"jobs": [view.to_json() for view in found],
                              "limit": limit, "offset": offset})


async def get_job(request: web.Request) -> web.Response:
    caller, job_id, jobs = await _caller_job(request)
    view = await jobs.get(caller.tenant, job_id)
    if view is None:
        raise _not_found("job")
    return web.json_response(view.to_json(), headers={"Cache-Control": "no-store"})


async def cancel_job(request: web.Request) -> web.Response:
    caller, job_id, jobs = await _caller_job(request)
    view = await jobs.cancel(caller.tenant, job_id)
    if view is None:
        raise _not_found("job")
    return web.json_response(view.to_json())


async def job_results(request: web.Request) -> web.Response:
    caller, job_id, jobs = await _caller_job(request)
    limit, after = page(request, "after")
    chunk = await jobs.results(caller.tenant, job_id, after=after, limit=limit)
    if chunk is None:
        raise _not_found("job")
    return web.json_response({
        "results": [{"seq": seq, "rowId": row_id, "credentialId": credential_id,
                     "status": status, "error": error}
                    for seq, row_id, credential_id, status, error in chunk],
        "next": chunk[-1][0] if len(chunk) == limit else None,
    })


async def job_results_csv(request: web.Request) -> web.StreamResponse:
    caller, job_id, jobs = await _caller_job(request)
    view = await jobs.get(caller.tenant, job_id)
    if view is None:
        raise _not_found("job")
    columns = RESULT_COLUMNS if view.kind == "issue" else ("credential_id", "status", "error")
    response = web.StreamResponse(headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{view.kind}-{view.id}.csv"'})
    await response.prepare(request)
    after = 0
    while True:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        if after == 0:
            writer.writerow(columns)
        chunk = await jobs.results(caller.tenant, job_id, after=after, limit=MAX_PAGE) or []
        for _, row_id, credential_id, status, error in chunk:
            values = ([row_id, credential_id, status, error] if view.kind == "issue"
                      else [row_id, status, error])
            writer.writerow([spreadsheet_safe(v) for v in values])
        await response.write(buffer.getvalue().encode("utf-8"))
        if len(chunk) < MAX_PAGE:
            break
        after = chunk[-1][0]
    await response.write_eof()
    return response


def add_bulk_routes(app: web.Application) -> None:
    """Add the bulk job routes to the ``/issuer`` sub-application."""
    app.router.add_post("/bulk/issue", issue_bulk)
    app.router.add_post("/bulk/revoke", revoke_bulk)
    app.router.add_get("/bulk/jobs", list_jobs)
    app.router.add_get("/bulk/jobs/{job_id}", get_job)
    app.router.add_delete("/bulk/jobs/{job_id}", cancel_job)
    app.router.add_get("/bulk/jobs/{job_id}/results", job_results)
    app.router.add_get("/bulk/jobs/{job_id}/results.csv", job_results_csv)

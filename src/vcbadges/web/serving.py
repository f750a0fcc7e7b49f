"""The HTTP server around the application: time limits on slow clients, logs that hold no
request header, and no software versions in responses.

- **Slow request heads.** A connection must deliver a complete request head within
  :data:`HEAD_TIMEOUT` of opening, or of the previous response; one sending its headers a
  byte at a time (slowloris) is closed then. aiohttp's keep-alive timer does this: it starts
  when the connection opens and again after each response, and is not reset by incoming
  bytes, so it bounds an idle connection and a slow head alike.
- **Slow bodies.** :func:`body_deadline` gives a handler's body reads :data:`BODY_TIMEOUT`
  from when the head arrived; later, the read fails and the answer is a ``408`` problem on a
  closed connection.
- **No header values in logs.** aiohttp logs a request it cannot parse (a header line over
  8190 bytes, a malformed header or request line) with an exception whose message quotes the
  offending bytes: a wallet session cookie or an API key. The protocol logger here keeps the
  error's class and drops its message. The access log names the method, the path without its
  query string, the status, the size and the time: no header and no query.
- **No versions.** aiohttp names itself and Python (``Server: Python/3.11 aiohttp/3.x``) on
  every response, those it answers itself before any middleware included: the name is
  :data:`SERVER_NAME` instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web, web_response
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.streams import StreamReader

from vcbadges.web.problems import problem

__all__ = ["BODY_TIMEOUT", "HEAD_TIMEOUT", "SERVER_NAME", "body_deadline", "service_runner"]

#: Seconds a connection has for a complete request head (and stays open idle between requests).
HEAD_TIMEOUT = 15.0
#: Seconds a request has for its whole body once its head has arrived: a 16 MiB bulk upload
#: needs about 2.3 Mbit/s.
BODY_TIMEOUT = 60.0
#: The ``Server`` header of every response.
SERVER_NAME = "vcbadges"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class AccessLog(AbstractAccessLogger):
    """One line a request: client address, method, path, status, bytes and seconds.

    No header (a cookie, a bearer key, a referrer holding a URL with a code) and no query
    string (OAuth and OpenID4VC parameters) is written; the path is the raw, still
    percent-encoded one, so a request cannot forge a line break in the log.
    """

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info('%s "%s %s" %d %d %.3f', request.remote, request.method,
                         request.rel_url.raw_path, response.status, response.body_length, time)


class _WithoutRequestBytes(logging.Filter):
    """Replace the exception of a request aiohttp could not parse by its class name: its
    message quotes the bytes that failed, which may be a header value."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            record.msg, record.args = "%s: %s (what the client sent is not logged)", (
                record.getMessage(), type(error).__name__)
            record.exc_info = record.exc_text = None
        return True


def _protocol_logger() -> logging.Logger:
    logger = logging.getLogger("vcbadges.http")
    if not any(isinstance(f, _WithoutRequestBytes) for f in logger.filters):
        logger.addFilter(_WithoutRequestBytes())
    return logger


def service_runner(app: web.Application, *, head_timeout: float = HEAD_TIMEOUT) -> web.AppRunner:
    """The runner to serve ``app`` with: the limits and logging described above."""
    # aiohttp has no setting for the Server header: it fills in this module constant when
    # each response is prepared, its own error responses included.
    setattr(web_response, "SERVER_SOFTWARE", SERVER_NAME)  # noqa: B010
    return web.AppRunner(app, access_log_class=AccessLog, logger=_protocol_logger(),
                         keepalive_timeout=head_timeout)


class _BodyTimeout(Exception):
    """The body did not arrive within :data:`BODY_TIMEOUT`."""


def _expire(body: StreamReader) -> None:
    if not body.is_eof():
        body.set_exception(_BodyTimeout())


@web.middleware
async def body_deadline(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Fail the body reads of ``request`` once :data:`BODY_TIMEOUT` has passed; answer
    ``408`` and close the connection. Install it innermost: the handler's reads raise."""
    if not request.body_exists:
        return await handler(request)
    timer = asyncio.get_running_loop().call_later(BODY_TIMEOUT, _expire, request.content)
    try:
        return await handler(request)
    except _BodyTimeout:
        # Nothing more is read: the connection closes once the answer is sent.
        request.content.feed_eof()
        response = problem(408, "request-timeout", "Request body too slow",
                           f"the body must arrive within {BODY_TIMEOUT:g} seconds")
        response.force_close()
        return response
    finally:
        timer.cancel()

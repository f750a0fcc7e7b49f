"""Static pages: folders of the installed package served as they are.

Used for the wallet page and, through :mod:`vcbadges.web.app`, the issuer console, the
verifier page and the scripts they share. Files are read on each request (in a worker
thread), never cached here, and only known file types outside hidden paths are served.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from importlib import resources
from importlib.resources.abc import Traversable

from aiohttp import web

from vcbadges.web.problems import ProblemError

__all__ = ["static_page", "static_files"]

_MEDIA_TYPES = {
    ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript",
    ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
    ".ico": "image/x-icon", ".json": "application/json", ".txt": "text/plain",
    ".webmanifest": "application/manifest+json", ".woff2": "font/woff2",
    ".wasm": "application/wasm",
}
# A static file: path segments without a leading dot (so no "..", no hidden files), and a
# known extension, so that a static route never shadows an API route of another method.
_STATIC_PATH = (r"(?:[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}/){0,3}[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}"
                r"\.(?:" + "|".join(sorted(s.lstrip(".") for s in _MEDIA_TYPES)) + ")")
# 'wasm-unsafe-eval': the wallet compiles its vendored QR code reader (wallet_demo/vendor/,
# zxing-wasm) so that camera frames are read in the page, never uploaded. It admits
# WebAssembly compilation only, not eval(), new Function() or inline script: the pages still
# run only this origin's scripts. (The console and verifier pages share this policy.)
_PAGE_CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
             "style-src 'self' 'unsafe-inline'; "
             "img-src 'self' data: https: blob:; media-src 'self' blob: mediastream:; "
             "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
             "frame-ancestors 'none'")


def _folder(parts: Sequence[str]) -> Traversable:
    return resources.files("vcbadges").joinpath(*parts)


def _read_static(folder: Traversable, path: str) -> bytes | None:
    node = folder
    for part in path.split("/"):
        node = node.joinpath(part)
    try:
        return node.read_bytes() if node.is_file() else None
    except OSError:
        return None


def static_page(app: web.Application, path: str, parts: Sequence[str]) -> None:
    """Serve the folder ``vcbadges/<parts…>`` of the installed package on ``app``:
    ``index.html`` at ``{path}`` and ``{path}/``, other files at ``{path}/<file>`` (known
    types only, no hidden files). Files are read on each request, never cached here."""
    serve = _static_handler(tuple(parts))
    if path:
        app.router.add_get(path, serve)
    app.router.add_get(path + "/", serve)
    app.router.add_get(path + "/{file:" + _STATIC_PATH + "}", serve)


def static_files(app: web.Application, path: str, parts: Sequence[str]) -> None:
    """Serve the files of the folder ``vcbadges/<parts…>`` at ``{path}/<file>``, as
    :func:`static_page` does, without a page of its own (scripts the pages share)."""
    app.router.add_get(path + "/{file:" + _STATIC_PATH + "}", _static_handler(tuple(parts)))


def _static_handler(
    folder_parts: tuple[str, ...],
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def serve(request: web.Request) -> web.Response:
        name = request.match_info.get("file", "index.html")
        suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        media = _MEDIA_TYPES.get(suffix)
        body = None if media is None else await asyncio.to_thread(
            _read_static, _folder(folder_parts), name)
        if body is None or media is None:
            raise ProblemError(404, "not-found", "Not found", "there is no such page")
        headers = {"Cache-Control": "no-cache"}
        if media == "text/html":
            headers.update({"Content-Security-Policy": _PAGE_CSP,
                            "Permissions-Policy": "camera=(self)"})
        return web.Response(body=body, content_type=media, headers=headers)

    return serve

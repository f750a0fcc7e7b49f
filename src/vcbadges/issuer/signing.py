"""Signing many documents with one key: in this process, or in a pool of worker processes.

Bulk issuance signs batches of badges; signing (JSON-LD expansion, RDFC-1.0, Ed25519) is
nearly all its cost, about 2.5 ms of CPU per badge. :class:`Signer` signs a batch in this
process (``workers=0``) or spreads it over worker processes, which get the unwrapped key
once, at start. Each document's outcome is ``(True, JSON text)`` or ``(False, error
message)``, so that one document the signer refuses fails alone.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from multiprocessing.connection import wait as wait_for_connections
from typing import Any

from vcbadges._api import issue
from vcbadges.errors import VCBadgesError
from vcbadges.primitives.keyfile import dump_key, load_key
from vcbadges.primitives.keys import SigningKey

__all__ = ["Signer", "sign_all"]

_CHUNKS_PER_WORKER = 2  # Pieces a batch is cut into per worker, so no worker idles at the end.

# State of a worker process of the pool, set once by _init_worker in that process (the
# parent never touches it): the unwrapped signing key and the worker's event loop.
_WORKER: dict[str, Any] = {}


def _init_worker(key_file: bytes) -> None:
    # Ctrl-C goes to the whole process group: let the parent alone handle it, so that the
    # workers do not each print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER["key"] = load_key(key_file, passphrase=None)
    _WORKER["loop"] = asyncio.new_event_loop()
    parent = multiprocessing.parent_process()
    if parent is not None:
        # A worker blocked on the task queue would outlive a parent killed with SIGKILL;
        # leave as soon as the parent is gone.
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(sentinel: int) -> None:
    wait_for_connections([sentinel])
    os._exit(1)


def _ready() -> bool:
    """Run in a worker: nothing, so that the caller learns when the worker is up."""
    return True


def _start(pool: ProcessPoolExecutor, workers: int, ready: threading.Event) -> None:
    """Start the pool's workers; set ``ready`` once one of them answers."""
    if hasattr(signal, "pthread_sigmask"):
        # The processes started from this thread (the forkserver, the resource tracker)
        # inherit its signal mask: with SIGINT blocked, a Ctrl-C during their start (which
        # reaches the whole process group) cannot interrupt their imports with a traceback.
        # The workers ignore SIGINT anyway; this process still gets it in its main thread.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        started = [pool.submit(_ready) for _ in range(workers)]
        concurrent.futures.wait(started, return_when=concurrent.futures.FIRST_COMPLETED)
    except Exception:  # A pool shut down or broken meanwhile: sign() will say so.
        pass
    ready.set()


def _sign_chunk(
    documents: list[dict[str, Any]], when: datetime, suite: str | None
) -> list[tuple[bool, str]]:
    """Run in a worker: sign each document; (True, JSON text) or (False, error message)."""
    loop: asyncio.AbstractEventLoop = _WORKER["loop"]
    key: SigningKey = _WORKER["key"]
    return loop.run_until_complete(sign_all(documents, key, when, suite))


async def sign_all(
    documents: Sequence[dict[str, Any]], key: SigningKey, when: datetime, suite: str | None,
    *, gate: asyncio.Event | None = None,
) -> list[tuple[bool, str]]:
    """Sign each document in this process, one after another; ``gate``, when given, is
    waited for before each document (see :meth:`Signer.paused`)."""
    out: list[tuple[bool, str]] = []
    for document in documents:
        if gate is not None:
            # Signing in process waits on nothing, so it would hold the event loop for a
            # whole batch, and the store running beside it would crawl: each of its steps
            # waits for the loop, and the SQLite driver's thread waits for the GIL at every
            # row. Let the loop run between documents, and stand still during stores.
            await asyncio.sleep(0)
            await gate.wait()
        try:
            signed = await issue(document, key=key, cryptosuite=suite, now=when)
        except VCBadgesError as exc:
            out.append((False, f"{exc.code}: {exc.message}"))
        else:
            # Serialized once, as issue_for_tenant does: these bytes are what is stored.
            out.append((True, json.dumps(signed, ensure_ascii=False, separators=(",", ":"))))
    return out


def _worker_context() -> multiprocessing.context.BaseContext:
    """How worker processes start: forked from a forkserver that has imported this module.

    Never 'fork' from this process, whose threads (the event loop, database drivers) a
    forked child would inherit in whatever state they are. 'spawn' is safe too, but every
    worker then imports vcbadges itself: about 1.5 s per worker on a 2-core machine, versus
    one import in the forkserver and milliseconds per worker (and per later job, since the
    forkserver stays up). Preloading this module is a setting of the process's one
    forkserver; it only has an effect before that server starts. Where there is no
    forkserver (Windows), workers are spawned.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


class Signer:
    """Signs batches in this process (``workers=0``) or in a pool of worker processes."""

    def __init__(self, key: SigningKey, suite: str | None, workers: int) -> None:
        self._key = key
        self._suite = suite
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._gate = asyncio.Event()
        self._gate.set()
        self._ready = threading.Event()
        if workers > 0:
            pool = self._pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=_worker_context(), initializer=_init_worker,
                initargs=(dump_key(key, passphrase=None, unencrypted=True),))
            # Start the workers in the background: submitting blocks until a worker process
            # exists, which takes as long as the forkserver's start (imports included).
            # Until one worker is up, batches are signed in this process.
            threading.Thread(target=_start, args=(pool, workers, self._ready),
                             daemon=True).start()

    async def sign(
        self, documents: list[dict[str, Any]], when: datetime
    ) -> list[tuple[bool, str]]:
        if self._pool is None or not self._ready.is_set():
            return await sign_all(documents, self._key, when, self._suite, gate=self._gate)
        pieces = max(1, min(len(documents), self._workers * _CHUNKS_PER_WORKER))
        size = -(-len(documents) // pieces)
        loop = asyncio.get_running_loop()
        parts = await asyncio.gather(*(
            loop.run_in_executor(self._pool, _sign_chunk, documents[i:i + size], when,
                                 self._suite)
            for i in range(0, len(documents), size)))
        return [item for part in parts for item in part]

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Hold signing in this process for the duration (worker processes go on)."""
        self._gate.clear()
        try:
            yield
        finally:
            self._gate.set()

    def close(self, *, wait: bool = True) -> None:
        """Stop the workers; ``wait=False`` returns at once, and a worker still signing
        a piece of an abandoned batch exits when it is done."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None

"""A pool of worker processes for CPU-bound work, so that an event loop stays responsive.

Verifying a large presentation canonicalizes and checks one proof per credential: tenths
of a second of pure Python, during which an event loop running it answers nothing else. A
:class:`WorkerPool` runs such a function in another process and awaits its result.

- Workers are forked from a forkserver (never from the calling process, whose threads a
  forked child would inherit in whatever state they are), started on first use; ``spawn``
  where there is no forkserver. Submitting runs in a thread, since it blocks until a worker
  process exists.
- Each call has a deadline, enforced in the worker itself (an interval timer interrupts the
  function between two bytecodes) and, a little later, by the caller, which then replaces
  the pool and kills its processes: a call never hangs. Either way :class:`WorkerTimeout`.
- A worker that dies (killed, out of memory, a crash in C code) breaks the pool; the pool is
  replaced and the call tried once more, since the call that broke it may have been another
  one. A call that breaks a second pool raises :class:`WorkerCrashed`.
- Workers ignore SIGINT (the parent handles Ctrl-C) and leave when their parent is gone.

Functions and their arguments and results must pickle; a function runs in the worker's
main thread (where its timer's signal arrives).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait as wait_for_connections
from types import FrameType
from typing import Any, Final, TypeVar

__all__ = ["WorkerPool", "WorkerCrashed", "WorkerTimeout", "default_workers"]

T = TypeVar("T")

#: How much later than the worker the caller gives up on a call (seconds).
CALLER_GRACE: Final = 2.0


class WorkerCrashed(Exception):
    """The worker process running the call died, twice."""


class WorkerTimeout(Exception):
    """The call did not finish within its deadline."""


class _DeadlinePassed(BaseException):
    """Raised in a worker when its call's timer fires. A BaseException, so that no
    ``except Exception`` of the function running catches it."""


def default_workers() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # Not on Linux.
        return max(1, os.cpu_count() or 1)


def _context(preload: Sequence[str]) -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    if preload:
        # A setting of the process's one forkserver; it only has an effect before that
        # server starts (a pool started earlier with other modules still works: a worker
        # imports what a call needs when it unpickles it).
        context.set_forkserver_preload(list(preload))
    return context


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        # A worker blocked on the task queue would outlive a parent killed with SIGKILL.
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(sentinel: int) -> None:
    wait_for_connections([sentinel])
    os._exit(1)


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _DeadlinePassed


def _call(deadline: float, function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """Run in a worker: ``function(*args)``, interrupted once ``deadline`` seconds pass."""
    timed = hasattr(signal, "setitimer")
    if timed:
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, deadline)
    try:
        return function(*args)
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)


class WorkerPool:
    """Up to ``workers`` processes running calls; ``preload`` names modules the forkserver
    imports once, so that a new worker starts in milliseconds."""

    def __init__(self, workers: int, *, preload: Sequence[str] = ()) -> None:
        if workers < 1:
            raise ValueError("a worker pool needs at least one worker")
        self.workers = workers
        self._preload = tuple(preload)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                                 mp_context=_context(self._preload),
                                                 initializer=_init_worker)
            return self._pool

    def _replace(self, pool: ProcessPoolExecutor, *, kill: bool) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        if kill:
            # A worker stuck in C code ignores its timer; nothing else will stop it.
            processes = list((getattr(pool, "_processes", None) or {}).values())
            for process in processes:
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    async def run(self, function: Callable[..., T], *args: Any, timeout: float) -> T:
        """``function(*args)`` in a worker; :class:`WorkerTimeout` after ``timeout``
        seconds, :class:`WorkerCrashed` when workers die running it."""
        for _attempt in range(2):
            pool = self._current()
            try:
                future: concurrent.futures.Future[T] = await asyncio.to_thread(
                    pool.submit, _call, timeout, function, args)
            except (BrokenProcessPool, RuntimeError):
                # Broken, or shut down by another call that replaced it: try a new one.
                self._replace(pool, kill=False)
                continue
            try:
                return await asyncio.wait_for(asyncio.wrap_future(future),
                                              timeout + CALLER_GRACE)
            except _DeadlinePassed:
                raise WorkerTimeout(f"the work took more than {timeout:g} s") from None
            except TimeoutError:
                self._replace(pool, kill=True)
                raise WorkerTimeout(f"the work took more than {timeout:g} s") from None
            except BrokenProcessPool:
                self._replace(pool, kill=False)
        raise WorkerCrashed("the worker process died")

    def close(self) -> None:
        """Stop the workers, waiting for the calls under way to end."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

"""The worker pool: results come back, a crash or a runaway call ends in a specific error,
never a hang, and the pool keeps serving afterwards."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from vcbadges.primitives.workers import WorkerCrashed, WorkerPool, WorkerTimeout


def square(value: int) -> int:
    return value * value


def pid() -> int:
    return os.getpid()


def die() -> None:
    os._exit(3)


def spin() -> None:
    while True:
        pass


def refuse() -> None:
    raise ValueError("refused in the worker")


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    made = WorkerPool(1)
    yield made
    made.close()


async def test_a_call_runs_in_another_process(pool: WorkerPool) -> None:
    assert await pool.run(square, 12, timeout=30) == 144
    assert await pool.run(pid, timeout=30) != os.getpid()


async def test_an_exception_of_the_function_comes_back_as_it_is(pool: WorkerPool) -> None:
    with pytest.raises(ValueError, match="refused in the worker"):
        await pool.run(refuse, timeout=30)
    assert await pool.run(square, 3, timeout=30) == 9


async def test_a_worker_that_dies_is_a_crash_and_the_pool_recovers(pool: WorkerPool) -> None:
    first = await pool.run(pid, timeout=30)
    with pytest.raises(WorkerCrashed):
        await pool.run(die, timeout=30)
    assert await pool.run(pid, timeout=30) != first
    assert await pool.run(square, 5, timeout=30) == 25


async def test_a_runaway_call_is_stopped_by_its_deadline(pool: WorkerPool) -> None:
    started = time.monotonic()
    with pytest.raises(WorkerTimeout):
        await pool.run(spin, timeout=0.5)
    assert time.monotonic() - started < 10
    assert await pool.run(square, 7, timeout=30) == 49


def test_a_pool_needs_a_worker() -> None:
    with pytest.raises(ValueError):
        WorkerPool(0)

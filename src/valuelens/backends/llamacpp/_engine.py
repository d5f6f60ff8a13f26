"""One thread for every llama.cpp call of the process.

llama-cpp-python's wheels build llama.cpp with OpenMP, and ggml synchronises its worker threads with
OpenMP barriers hundreds of times per decode. libgomp gives every thread that starts a parallel region
its own team of workers. When models are evaluated from several threads (asyncio's default executor
hands successive batches to whichever of its threads is free; a benchmark or test calls from the main
thread; a judge or a sweep holds several models), the process holds several teams; once their threads
outnumber the CPUs, libgomp stops spinning at barriers and puts threads to sleep instead. On a 2-CPU
machine with 2 llama.cpp threads a run then made 40,000-90,000 voluntary context switches per 80
prompts instead of about 50, and its decodes took 1.1-2.0x as long as the same decodes replayed from
one thread (BENCHMARKS.md, "One engine thread"). Loading and evaluating every model on one thread of
the process keeps one team.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial, wraps
from typing import Concatenate, ParamSpec, Protocol, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class HasEngine(Protocol):
    _engine: EngineThread


S = TypeVar("S", bound=HasEngine)


class EngineThread:
    """A single worker thread on which models are loaded, evaluated and closed."""

    def __init__(self, name: str = "valuelens-llama") -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self.ident = self._pool.submit(threading.get_ident).result()

    def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)` on the engine thread (directly when already on it); waits for the result."""
        if threading.get_ident() == self.ident:
            return fn(*args, **kwargs)
        return self._pool.submit(fn, *args, **kwargs).result()

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)` on the engine thread, awaited without blocking the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, partial(fn, *args, **kwargs))


_shared: EngineThread | None = None
_shared_lock = threading.Lock()


def shared_engine() -> EngineThread:
    """The process's engine thread, started on first use; it lives as long as the process (idle, it
    costs nothing) so that every model loaded in the process shares one OpenMP team."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = EngineThread()
        return _shared


def _forget_after_fork() -> None:
    global _shared
    _shared = None  # a forked child has none of its parent's threads


os.register_at_fork(after_in_child=_forget_after_fork)


def runs_on_engine(method: Callable[Concatenate[S, P], T]) -> Callable[Concatenate[S, P], T]:
    """A method that runs on its object's engine thread, from whichever thread it is called."""

    @wraps(method)
    def bound(self: S, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._engine.call(method, self, *args, **kwargs)

    return bound

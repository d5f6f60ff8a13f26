"""llama-cpp-python's OpenAI-compatible server with valuelens's llama.cpp settings.

    python -m valuelens.backends.llamacpp.server --model model.gguf --port 8080 --n_ctx 4096

Takes exactly the arguments of `python -m llama_cpp.server` (which has no setting for it) and loads
the model without extra buffer types, as the in-process backend does (no AMX crash, same numbers).
Without `--n_threads`, it uses valuelens's default thread count (VALUELENS_THREADS, else one per
physical core). The server's model calls run on one engine thread, as the in-process backend's do,
instead of a pool of threads each with its own OpenMP team (see `_engine`).
"""

from __future__ import annotations

import runpy
import sys
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from valuelens.backends.llamacpp._engine import T, shared_engine
from valuelens.backends.llamacpp._load import EngineParams, cpu_flags, engine_params, llama_params, resolve_threads

_END = object()


async def run_on_engine(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`starlette.concurrency.run_in_threadpool`, on the engine thread."""
    return await shared_engine().run(func, *args, **kwargs)


async def iterate_on_engine(iterator: Iterable[T]) -> AsyncIterator[T]:
    """`starlette.concurrency.iterate_in_threadpool` (streamed answers), each step on the engine thread."""
    steps = iter(iterator)
    while (item := await shared_engine().run(next, steps, _END)) is not _END:
        yield item  # type: ignore[misc]


def use_one_engine_thread() -> None:
    """Make llama-cpp-python's server app run its model calls on the engine thread."""
    import llama_cpp.server.app as app

    app.run_in_threadpool = run_on_engine  # type: ignore[assignment]
    app.iterate_in_threadpool = iterate_on_engine  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not any(a == "--n_threads" or a.startswith("--n_threads=") for a in args):
        args += ["--n_threads", str(resolve_threads(None))]
    sys.argv = ["llama_cpp.server", *args]
    use_one_engine_thread()
    with llama_params(EngineParams(model=engine_params(cpu_flags()).model)):
        runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()

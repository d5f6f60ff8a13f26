"""Loading a GGUF into llama.cpp safely on every x86-64 CPU, with a thread count that suits the machine.

llama-cpp-python's `Llama` builds its model and context parameters from llama.cpp's defaults and
exposes only some fields. `llama_params` patches those defaults for the duration of one constructor
call, so fields such as `use_extra_bufts` reach llama.cpp without rebuilding `Llama` ourselves.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from valuelens.errors import BackendError

THREADS_ENV = "VALUELENS_THREADS"
_PATCH_LOCK = threading.Lock()


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The CPU feature flags of the first processor in /proc/cpuinfo (empty where there is none)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


def has_amx(flags: frozenset[str]) -> bool:
    return any(f.startswith("amx") for f in flags)


@dataclass(frozen=True)
class EngineParams:
    """What valuelens changes in llama.cpp's default model and context parameters."""

    model: dict[str, object] = field(default_factory=dict)
    context: dict[str, object] = field(default_factory=dict)


def engine_params(flags: frozenset[str]) -> EngineParams:
    """Model and context parameters for a CPU with these flags.

    Extra buffer types (weight repacking, and the AMX buffer that crashes in its first matrix multiply
    on some Intel CPUs) are never used: on a CPU without AMX they cost nothing measurable for the
    embedded model (docs/scale.md), and one setting everywhere keeps results the same on every CPU.
    `flags` is taken so the choice is testable for both kinds of CPU.
    """
    del flags  # the same choice on every CPU; kept in the signature so the test states both cases
    return EngineParams(model={"use_extra_bufts": False})


@contextlib.contextmanager
def llama_params(params: EngineParams) -> Iterator[None]:
    """Within this block, `llama_cpp.Llama(...)` starts from llama.cpp's defaults changed by `params`."""
    import llama_cpp.llama_cpp as lib

    def patched(original: Callable[[], object], changes: dict[str, object]) -> Callable[[], object]:
        def make() -> object:
            p = original()
            for name, value in changes.items():
                setattr(p, name, value)
            return p

        return make

    with _PATCH_LOCK:
        model_default, context_default = lib.llama_model_default_params, lib.llama_context_default_params
        lib.llama_model_default_params = patched(model_default, params.model)  # type: ignore[assignment]
        lib.llama_context_default_params = patched(context_default, params.context)  # type: ignore[assignment]
        try:
            yield
        finally:
            lib.llama_model_default_params = model_default  # type: ignore[assignment]
            lib.llama_context_default_params = context_default  # type: ignore[assignment]


def physical_cores() -> int:
    """Distinct (package, core) pairs among the CPUs this process may run on; cpu_count if unknown."""
    try:
        allowed = os.sched_getaffinity(0)
    except (AttributeError, OSError):
        allowed = set(range(os.cpu_count() or 1))
    cores: set[str] = set()
    for cpu in allowed:
        topo = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            cores.add((topo / "core_cpus_list").read_text().strip())
        except OSError:
            try:
                cores.add((topo / "thread_siblings_list").read_text().strip())
            except OSError:
                return max(1, len(allowed))
    return max(1, len(cores))


def default_threads() -> int:
    """llama.cpp threads when nobody says: one per physical core (see docs/scale.md for the measurements)."""
    return physical_cores()


def resolve_threads(option: str | None, env: dict[str, str] | None = None) -> int:
    """Threads from `?threads=N`, else VALUELENS_THREADS, else `default_threads()`."""
    env = os.environ if env is None else env
    for source, raw in (
        (f"?threads={option}", option),
        (f"{THREADS_ENV}={env.get(THREADS_ENV)}", env.get(THREADS_ENV)),
    ):
        if raw is None or raw == "":
            continue
        try:
            n = int(raw)
        except ValueError:
            n = 0
        if n < 1:
            raise BackendError(f"{source}: threads must be a whole number >= 1")
        return n
    return default_threads()


def load_failure(path: Path, what: str, exc: BaseException | str) -> BackendError:
    """One line naming the model file, what failed and what to try."""
    return BackendError(
        f"{path}: llama.cpp could not {what} this model ({exc}); check that the file is a complete GGUF "
        f"that this llama-cpp-python supports (pip install -U llama-cpp-python), or try {THREADS_ENV}=1"
    )


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Silence llama.cpp's C-level log lines while loading (verbose=False does not catch them all)."""
    try:
        fd = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(fd, 2)
        os.close(fd)

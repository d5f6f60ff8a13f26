"""The in-process llama.cpp backend starts llama.cpp safely on every x86-64 CPU, with a sane thread count,
and reports what llama.cpp cannot do as one line naming the model file."""

from __future__ import annotations

from pathlib import Path

import pytest

from valuelens.backends.llamacpp import _backend, _load
from valuelens.errors import BackendError

AMX_CPU = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni amx_bf16 amx_tile amx_int8\n"
ZEN4_CPU = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni avx512_bf16\n"


def test_cpu_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    (tmp_path / "amx").write_text(AMX_CPU)
    (tmp_path / "zen4").write_text(ZEN4_CPU)
    assert _load.has_amx(_load.cpu_flags(tmp_path / "amx"))
    assert not _load.has_amx(_load.cpu_flags(tmp_path / "zen4"))
    assert _load.cpu_flags(tmp_path / "missing") == frozenset()


@pytest.mark.parametrize("cpu", [AMX_CPU, ZEN4_CPU])
def test_no_extra_buffer_types_on_any_cpu(cpu: str, tmp_path: Path) -> None:
    (tmp_path / "cpuinfo").write_text(cpu)
    params = _load.engine_params(_load.cpu_flags(tmp_path / "cpuinfo"))
    assert params.model["use_extra_bufts"] is False


@pytest.mark.embedded
@pytest.mark.parametrize("cpu", [AMX_CPU, ZEN4_CPU])
def test_backend_hands_llama_cpp_no_extra_buffer_types(cpu: str, tmp_path: Path, monkeypatch) -> None:
    """What reaches llama_model_load_from_file, with the CPU simulated with and without AMX."""
    import llama_cpp._internals as internals

    (tmp_path / "cpuinfo").write_text(cpu)
    monkeypatch.setattr(_backend, "cpu_flags", lambda: _load.cpu_flags(tmp_path / "cpuinfo"))
    seen: list[bool] = []
    real = internals.llama_cpp.llama_model_load_from_file

    def spy(path: bytes, params):
        seen.append(bool(params.use_extra_bufts))
        return real(path, params)

    monkeypatch.setattr(internals.llama_cpp, "llama_model_load_from_file", spy)
    backend = _backend.LlamaCppBackend()
    try:
        assert seen == [False]
    finally:
        backend.close()
    # llama.cpp's own default is on, so without the protection the spy would see True
    import llama_cpp

    assert llama_cpp.llama_model_default_params().use_extra_bufts is True


def test_threads_come_from_the_option_then_the_environment_then_the_cores() -> None:
    assert _load.resolve_threads("3", {"VALUELENS_THREADS": "5"}) == 3
    assert _load.resolve_threads(None, {"VALUELENS_THREADS": "5"}) == 5
    assert _load.resolve_threads(None, {}) == _load.physical_cores() >= 1
    with pytest.raises(BackendError, match=r"VALUELENS_THREADS=zero: threads must be a whole number >= 1"):
        _load.resolve_threads(None, {"VALUELENS_THREADS": "zero"})
    with pytest.raises(BackendError, match=r"\?threads=0"):
        _load.resolve_threads("0", {})


def test_unknown_model_option_is_one_line() -> None:
    with pytest.raises(BackendError, match="unknown option 'thread' \\(known: threads, template\\)"):
        _backend.parse_spec("gemma-3-270m?thread=2")
    assert _backend.parse_spec("x.gguf?threads=2") == ("x.gguf", {"threads": "2"})


@pytest.mark.embedded
def test_a_file_llama_cpp_cannot_load_is_one_line_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + bytes(range(256)) * 8)
    with pytest.raises(BackendError) as err:
        _backend.LlamaCppBackend(str(bad))
    message = str(err.value)
    assert "\n" not in message and str(bad) in message and "could not load" in message
    assert "VALUELENS_THREADS=1" in message and "pip install -U llama-cpp-python" in message


@pytest.mark.embedded
def test_every_llama_cpp_call_runs_on_one_thread(monkeypatch) -> None:
    """Loading, scoring and generating, whether called directly, from another thread or from event loops
    (each with its own executor), and for every model loaded, reach llama.cpp from one thread. More
    threads would each get an OpenMP team; with more team threads than CPUs libgomp sleeps at ggml's
    barriers instead of spinning, and a run's decodes took 1.1-2x as long (BENCHMARKS.md)."""
    import asyncio
    import threading

    import llama_cpp._internals as internals

    from valuelens.prompts import Condition, dilemma_prompt
    from valuelens.suites import load_suite

    callers: list[tuple[str, int]] = []
    load, decode = internals.llama_cpp.llama_model_load_from_file, internals.llama_cpp.llama_decode

    def spy_load(path: bytes, params):
        callers.append(("load", threading.get_ident()))
        return load(path, params)

    def spy_decode(ctx, batch):
        callers.append(("decode", threading.get_ident()))
        return decode(ctx, batch)

    monkeypatch.setattr(internals.llama_cpp, "llama_model_load_from_file", spy_load)
    monkeypatch.setattr(internals.llama_cpp, "llama_decode", spy_decode)
    backend, second = _backend.LlamaCppBackend(), _backend.LlamaCppBackend()  # e.g. a model and its judge
    try:
        prompts = [dilemma_prompt(d, 0, Condition()) for d in load_suite("core").dilemmas[:2]]
        asyncio.run(second.choice_logprobs(prompts, ["A", "B"]))
        backend.score_chunks([backend.chunks(prompts[0])], ["A", "B"])  # from the main thread
        for _ in range(2):  # two event loops, two default executors
            asyncio.run(backend.choice_logprobs(prompts, ["A", "B"]))
        other = threading.Thread(target=lambda: backend.score_chunks([backend.chunks(prompts[1])], ["A", "B"]))
        other.start()
        other.join()
        asyncio.run(backend.generate(prompts[:1], 1, 3))
        engine = backend._engine.ident
    finally:
        backend.close()
        second.close()
    kinds = {kind for kind, _ in callers}
    assert kinds == {"load", "decode"} and len(callers) > 10 and callers.count(("load", engine)) == 2
    assert {ident for _, ident in callers} == {engine} and engine != threading.get_ident()


def test_the_server_wrapper_runs_model_calls_on_the_engine_thread(monkeypatch) -> None:
    """llama-cpp-python's server app calls the model through starlette's thread pool (any of its
    threads, each its own OpenMP team); the wrapper hands those calls, streamed steps too, to the
    process's one engine thread."""
    import asyncio
    import threading

    app = pytest.importorskip("llama_cpp.server.app", reason="the llama-cpp-python server extra is not installed")
    from valuelens.backends.llamacpp import server
    from valuelens.backends.llamacpp._engine import shared_engine

    monkeypatch.setattr(app, "run_in_threadpool", app.run_in_threadpool)  # restored after the test
    monkeypatch.setattr(app, "iterate_in_threadpool", app.iterate_in_threadpool)
    server.use_one_engine_thread()

    def steps():
        for _ in range(3):
            yield threading.get_ident()

    async def calls() -> tuple[set[int], list[int]]:
        called = await asyncio.gather(*(app.run_in_threadpool(threading.get_ident) for _ in range(8)))
        streamed = [ident async for ident in app.iterate_in_threadpool(await app.run_in_threadpool(steps))]
        return set(called), streamed

    called, streamed = asyncio.run(calls())
    engine = shared_engine().ident
    assert called == {engine} and streamed == [engine] * 3 and engine != threading.get_ident()

"""`openai/...` against llama-cpp-python's OpenAI-compatible server on the embedded Gemma model gives
the same choice probabilities as the in-process `llamacpp` backend."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.embedded
for _mod in ("uvicorn", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings", "openai"):
    pytest.importorskip(_mod, reason="the llama-cpp-python server extra is not installed")

LIFETIME = 240  # the server exits by itself after this many seconds, whatever happens to the test
_LAUNCH = (
    "import os, runpy, sys, threading; threading.Timer({life}, lambda: os._exit(0)).start(); "
    "sys.argv = ['llama_cpp.server'] + sys.argv[1:]; runpy.run_module('llama_cpp.server', run_name='__main__')"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from valuelens.backends.llamacpp import embedded_model_path

    port = _free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    cmd = [
        sys.executable,
        "-c",
        _LAUNCH.format(life=LIFETIME),
        "--model",
        str(embedded_model_path()),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "4096",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(url + "/models", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"llama-cpp-python server did not start:\n{Path(log).read_text()[-2000:]}")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _ask_in_order(backend, jobs, store: Path) -> dict[tuple[str, int], float]:
    """P(first-listed label) per (item, order), asking one prompt at a time in the order of `jobs`."""
    from valuelens._engine import execute, p_first, prompt_key
    from valuelens.prompts import LABELS
    from valuelens.store import Store

    keyed = {prompt_key(backend, j.prompt): j for j in jobs}
    with Store(store) as st:
        stats = asyncio.run(execute(backend, st, {k: j.prompt for k, j in keyed.items()}, max_concurrency=1))
        answers = st.get_ok(keyed)
    assert stats.failed == 0 and stats.model_calls == len(jobs) and stats.tokens_prompt > 0
    assert not any(a.get("bounded") for a in answers.values())
    return {(j.item_id, j.order): p_first(answers[k], LABELS) for k, j in keyed.items()}


def test_openai_completions_against_llama_server_matches_in_process_llamacpp(llama_server: str, tmp_path) -> None:
    from valuelens.backends import get_backend
    from valuelens.prompts import Condition, dilemma_jobs
    from valuelens.suites import load_suite

    jobs = dilemma_jobs(load_suite("core").dilemmas[:5], Condition())
    # Both orders of a dilemma share a long prefix, and reusing a cached prefix shifts log-probabilities
    # a little, differently in each engine (see docs/scale.md). Asking every first order, then every
    # second order, makes both sides evaluate each prompt (almost) from scratch.
    jobs.sort(key=lambda j: j.order)
    local_backend = get_backend("llamacpp/gemma-3-270m")
    try:
        local = _ask_in_order(local_backend, jobs, tmp_path / "local.sqlite")
    finally:
        local_backend.close()
    remote_backend = get_backend("openai/gemma-3-270m?api=completions", base_urls=[llama_server], max_concurrency=1)
    remote = _ask_in_order(remote_backend, jobs, tmp_path / "remote.sqlite")
    assert local.keys() == remote.keys() and len(local) == 10
    for key, p in local.items():
        assert abs(remote[key] - p) <= 0.01, (key, remote[key], p)

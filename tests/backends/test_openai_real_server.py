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


def test_openai_completions_against_llama_server_matches_in_process_llamacpp(llama_server: str, tmp_path) -> None:
    """Same prompts, same evaluation chunks on both sides, probabilities within 0.01.

    llama.cpp's log-probabilities shift a little with how a prompt is cut into evaluation chunks
    (see docs/scale.md), and the server reuses whatever prefix its previous prompt shared. A one-token
    prompt before each question leaves the server with only BOS cached, so it evaluates [BOS | rest];
    the in-process side evaluates exactly those chunks.
    """
    from valuelens.backends import get_backend
    from valuelens.backends.llamacpp import log_softmax_at
    from valuelens.prompts import LABELS, Condition, Prompt, dilemma_jobs
    from valuelens.runner import p_first
    from valuelens.suites import load_suite

    jobs = dilemma_jobs(load_suite("core").dilemmas[:5], Condition())
    remote_backend = get_backend("openai/gemma-3-270m?api=completions", base_urls=[llama_server], max_concurrency=1)
    local_backend = get_backend("llamacpp/gemma-3-270m")
    reset = Prompt(system=None, user="Z", text="Z")
    try:
        ids = [local_backend._label_id(lab) for lab in LABELS]
        for j in jobs:
            asyncio.run(remote_backend.choice_logprobs([reset], list(LABELS)))
            (answer,) = asyncio.run(remote_backend.choice_logprobs([j.prompt], list(LABELS)))
            assert isinstance(answer, dict) and not answer.get("bounded"), answer
            remote = p_first({"logprobs": answer.get("logprobs", answer)}, LABELS)
            tokens = local_backend.tokenize(j.prompt.text)
            lp = log_softmax_at(local_backend.next_token_logits(tokens, [0, 1, len(tokens)]), ids)
            local = p_first({"logprobs": dict(zip(LABELS, lp, strict=True))}, LABELS)
            assert abs(remote - local) <= 0.01, (j.item_id, j.order, remote, local)
    finally:
        local_backend.close()

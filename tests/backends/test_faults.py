"""A 2,000-request run against a server that fails in every way a real one does completes; every
prompt ends answered or failed with its reason; reruns retry only the failed ones; nothing is lost
or duplicated."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.servers.openai_fake import FakeOpenAI, Faults, serve
from typer.testing import CliRunner

from valuelens.cli import app

pytest.importorskip("openai")

FAULTS = Faults(
    rate_429=0.06,
    rate_500=0.05,
    rate_drop=0.04,
    rate_timeout=0.02,
    rate_malformed=0.04,
    rate_no_logprobs=0.04,
    retry_after="1",
    late=2.0,  # longer than the client timeout below
    max_faults_per_prompt=3,  # with 2 tries per run, a prompt is answered by its second run at the latest
    warmup=40,
    rate_bounded=0.05,
    seed=1,
)


@pytest.fixture
def fault_server() -> Iterator[tuple[str, FakeOpenAI]]:
    server, handler = serve(FAULTS, max_requests=20_000, max_seconds=240)
    try:
        yield server.url + "/v1", handler
    finally:
        server.stop()


def _run(suite: Path, store: Path, url: str) -> dict:
    args = [
        "run",
        "-m",
        "openai/fake?api=completions&retries=1&backoff=0.05",
        "-s",
        str(suite),
        "--base-url",
        url,
        "--timeout",
        "1",  # short, yet well above the latency of a loaded 2-core machine
        "--max-concurrency",
        "64",
        "--store",
        str(store),
        "--json",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_two_thousand_requests_through_faults_end_answered_after_reruns(
    fault_server, tmp_path: Path, suite_file
) -> None:
    url, handler = fault_server
    suite = suite_file(1000, seed=5)
    store = tmp_path / "faults.sqlite"
    started = time.monotonic()
    first = _run(suite, store, url)
    assert first["prompts"] == 2000 and first["model_calls"] == 2000
    assert 0 < first["failed"] < 2000, "the faults must fail some prompts in the first run"
    with sqlite3.connect(store) as db:
        failed_rows = db.execute("SELECT error FROM responses WHERE status='failed'").fetchall()
    assert len(failed_rows) == first["failed"] and all(reason for (reason,) in failed_rows)
    assert all(k in handler.kinds for k in ("429", "500", "drop", "timeout", "malformed", "no_logprobs"))
    assert first["bounded"] > 0  # labels left out of the top-k are bounded, not errors

    runs, last = [first], first
    while last["failed"] and len(runs) < 3:
        last = _run(suite, store, url)
        assert last["model_calls"] == runs[-1]["failed"], "a rerun asks only the failed prompts"
        assert last["cached_calls"] == 2000 - runs[-1]["failed"]
        runs.append(last)
    assert last["failed"] == 0, [r["failed"] for r in runs]

    with sqlite3.connect(store) as db:
        n, distinct, ok = db.execute("SELECT COUNT(*), COUNT(DISTINCT key), SUM(status='ok') FROM responses").fetchone()
        items = db.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM run_items").fetchone()
    assert n == distinct == ok == 2000 and items == (2000, 2000)
    assert time.monotonic() - started < 120

"""A process killed while it polls a batch: the rerun polls the same batch, submits nothing again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("anthropic")

from tests.servers.batch_fake import Behaviour, serve

from valuelens.runner._batch_exec import BatchOptions, execute_batch
from valuelens.store import Store
from valuelens.store._batches import BatchLedger

JOB = """
import asyncio, sys
from valuelens.runner._batch_exec import BatchOptions, execute_batch
from valuelens.runner._execute import prompt_key
from valuelens.backends.anthropic import AnthropicBackend
from valuelens.prompts import Prompt
from valuelens.store import Store
be = AnthropicBackend("claude-x", base_urls=[sys.argv[1]])
ps = [Prompt(system=None, user=f"Dilemma {i}: X or Y?", text="") for i in range(8)]
with Store(sys.argv[2]) as st:
    asyncio.run(execute_batch(be, st, {prompt_key(be, p, 2): p for p in ps}, 2, options=BatchOptions(poll_seconds=0.02)))
"""


def test_kill_while_polling_then_resume(tmp_path: Path) -> None:
    server, fake = serve(Behaviour(polls=1_000_000))
    store = tmp_path / "s.sqlite"
    with server:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2] / "src"), os.environ.get("PYTHONPATH", "")]),
        }
        proc = subprocess.Popen([sys.executable, "-c", JOB, server.url, str(store)], env=env)
        try:
            deadline = time.monotonic() + 60
            while fake.calls["poll"] < 3 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.02)
            assert fake.calls["poll"] >= 3, "the job never polled"
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        assert proc.returncode == -signal.SIGKILL and fake.calls["create"] == 1
        fake.batches["msgbatch_0"]["polls"] = 2  # the provider finishes the batch while no one is polling

        from valuelens.backends.anthropic import AnthropicBackend
        from valuelens.prompts import Prompt
        from valuelens.runner._execute import prompt_key

        be = AnthropicBackend("claude-x", base_urls=[server.url])
        ps = [Prompt(system=None, user=f"Dilemma {i}: X or Y?", text="") for i in range(8)]
        keyed = {prompt_key(be, p, 2): p for p in ps}
        with Store(store) as st:
            [open_batch] = BatchLedger(st).open_batches(be.fingerprint)
            assert open_batch.batch_id == "msgbatch_0" and open_batch.keys == set(keyed)
            stats = asyncio.run(execute_batch(be, st, keyed, 2, options=BatchOptions(poll_seconds=0.01)))
            assert fake.calls["create"] == 1  # resumed, not submitted again
            assert stats.batches_resumed == 1 and stats.model_calls == 8 and stats.failed == 0
            assert len(st.get_ok(keyed)) == 8

"""SIGKILL at any moment loses at most the prompts in flight; rerunning completes the same run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

MODEL = "synthetic/default?delay=0.004"


def _cmd(suite: Path, store: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "valuelens.cli",
        "run",
        "-m",
        MODEL,
        "-s",
        str(suite),
        "--store",
        str(store),
        "--json",
    ]


def _answered(store: Path) -> int:
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(store, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM responses WHERE status='ok'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _kill_when(suite: Path, store: Path, at_least: int) -> int:
    proc = subprocess.Popen(_cmd(suite, store), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while _answered(store) < at_least and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return _answered(store)


def test_kill_twice_then_resume_matches_an_uninterrupted_run(suite_file, tmp_path: Path) -> None:
    suite = suite_file(300)
    total = 600
    killed_store = tmp_path / "killed.sqlite"
    first = _kill_when(suite, killed_store, 150)
    assert 0 < first < total, "the first kill must land mid-run"
    second = _kill_when(suite, killed_store, first + 200)
    assert first <= second < total
    resumed = json.loads(subprocess.run(_cmd(suite, killed_store), capture_output=True, text=True, check=True).stdout)
    assert resumed["model_calls"] == total - second and resumed["cached_calls"] == second
    clean = json.loads(
        subprocess.run(_cmd(suite, tmp_path / "clean.sqlite"), capture_output=True, text=True, check=True).stdout
    )
    for key in ("run_id", "items", "failed", "position_bias", "values"):
        assert resumed[key] == clean[key], key
    with sqlite3.connect(killed_store) as db:
        n, distinct = db.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM responses").fetchone()
    assert n == distinct == total

"""Ctrl-C: one line saying how far the run got, exit 130; the run is labelled incomplete everywhere
until a rerun finishes it, and the rerun asks only what is missing."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.reliability.cli import valuelens as cli

MODEL = "synthetic/default?delay=0.02"
ARGS = ["run", "-m", MODEL, "--limit", "150", "--json"]


def _answered(store: Path) -> int:
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
            return db.execute("SELECT count(*) FROM responses WHERE status='ok'").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_ctrl_c_says_how_far_and_the_rerun_resumes(isolated_store: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "valuelens.cli", *ARGS], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while _answered(isolated_store) < 40 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    m = re.fullmatch(r"interrupted: (\d+) of 300 prompts answered; rerun the same command to resume\n", err)
    assert m, err
    answered = int(m.group(1))
    assert 40 <= answered < 300 and answered == _answered(isolated_store)

    listed = json.loads(cli("runs", "--json").stdout)
    assert [(r["status"], r["answered"]) for r in listed] == [("incomplete", f"{answered}/300")]
    shown = json.loads(cli("show", listed[0]["run_id"], "--json").stdout)
    assert (shown["status"], shown["answered"], shown["prompts"]) == ("incomplete", answered, 300)
    assert "INCOMPLETE: " in cli("show", listed[0]["run_id"]).stdout
    assert cli("report", listed[0]["run_id"], "-o", "r.html").returncode == 0
    assert f"INCOMPLETE: {answered} of 300 prompts answered" in Path("r.html").read_text(encoding="utf-8")

    done = cli(*ARGS)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["status"] == "complete" and summary["answered"] == 300
    assert summary["model_calls"] == 300 - answered and summary["cached_calls"] == answered
    assert json.loads(cli("runs", "--json").stdout)[0]["status"] == "complete"


def test_ctrl_c_outside_the_prompt_loop_prints_the_line_too(isolated_store: Path, monkeypatch) -> None:
    """A Ctrl-C after every prompt is answered (here: while the profile is computed) still says so, exit 130."""
    from typer.testing import CliRunner

    from valuelens.cli import app
    from valuelens.studies._run import Run

    def stopped(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Run, "summary", stopped)
    done = CliRunner().invoke(app, ["run", "-m", "synthetic/default", "--limit", "5"])
    assert done.exit_code == 130, done.output
    assert done.output == "interrupted; rerun the same command to resume\n"
    assert _answered(isolated_store) == 10  # the answers were stored before the interrupt

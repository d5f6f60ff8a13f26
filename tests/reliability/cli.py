"""Run the real `valuelens` entry point in a subprocess (its error boundary included)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def valuelens(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`valuelens ARGS` as a user types it; the store comes from $VALUELENS_STORE (see conftest)."""
    return subprocess.run(
        [sys.executable, "-m", "valuelens.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        check=False,
    )


def one_line_error(done: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    """Assert exit `code`, exactly one stderr line containing `words`, and no traceback; return the line."""
    assert done.returncode == code, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]

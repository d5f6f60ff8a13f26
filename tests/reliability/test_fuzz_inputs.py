"""Seeded fuzz: 600 malformed suite, outcome and scenario files each give exit 2 (InputError) with
`file:line:` lines, the broken line among them, and no other exception; a sample through the CLI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from tests.reliability.malformed import Case, cases

from valuelens.annotate import load_scenarios
from valuelens.errors import InputError
from valuelens.suites import load_outcomes, load_suite

SEED = 17
COUNT = 600
LOADERS = {
    "suite": lambda p: load_suite(str(p)),
    "outcomes": lambda p: load_outcomes(str(p)),
    "scenarios": lambda p: load_scenarios(p),
}
ALL = cases(SEED, COUNT)


def _lines_of(case: Case, path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        LOADERS[case.kind](path)
    assert caught.value.exit_code == 2
    return caught.value.lines


def test_the_fuzz_covers_every_kind_and_mutation() -> None:
    assert len(ALL) >= 500
    hows = {(c.kind, c.how) for c in ALL}
    assert {k for k, _ in hows} == {"suite", "outcomes", "scenarios"}
    assert len(hows) >= 40  # mutations x kinds actually drawn


def test_every_malformed_file_is_one_clear_line_per_problem(tmp_path: Path) -> None:
    wrong: list[str] = []
    for i, case in enumerate(ALL):
        path = tmp_path / f"{i:03d}-{case.name}"
        path.write_bytes(case.data)
        try:
            lines = _lines_of(case, path)
        except BaseException as exc:
            wrong.append(f"{i} {case.kind} {case.how}: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        pattern = re.compile(rf"^{re.escape(str(path))}:(\d+): \S.*: \S")
        numbers = []
        for line in lines:
            m = pattern.match(line)
            if m is None:
                wrong.append(f"{i} {case.kind} {case.how}: not file:line: field: problem: {line[:200]}")
            else:
                numbers.append(int(m.group(1)))
        if case.line is not None and case.line not in numbers:
            wrong.append(f"{i} {case.kind} {case.how}: expected line {case.line}, got {lines[:3]}")
    assert not wrong, f"{len(wrong)} of {len(ALL)} cases:\n" + "\n".join(wrong[:30])


@pytest.mark.parametrize("index", [0, 1, 2, 3, 4, 5, 9, 16, 23, 40, 77, 101])
def test_the_cli_says_one_line_and_exits_2(index: int, tmp_path: Path) -> None:
    case = ALL[index]
    path = tmp_path / case.name
    path.write_bytes(case.data)
    command = {
        "suite": ["run", "-m", "synthetic/default", "--suite", str(path)],
        "outcomes": ["utilities", "-m", "synthetic/default", "--outcomes", str(path)],
        "scenarios": ["annotate", str(path), "-m", "synthetic/default"],
    }[case.kind]
    done = subprocess.run(
        [sys.executable, "-m", "valuelens.cli", *command], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip(), "no message"
    assert all(line.startswith(f"{path}:") for line in done.stderr.strip().splitlines()), done.stderr
    assert not (tmp_path / f"{path.stem}-suite.jsonl").exists()  # nothing half-written

"""Output files: atomic, never over an input, one line for a folder or an unwritable path, and a
report that cannot be written never loses the run's printed results."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tests.reliability.cli import one_line_error
from tests.reliability.cli import valuelens as cli

import valuelens
from valuelens._io import atomic_path, write_text
from valuelens.errors import EnvironmentProblem, InputError

MODEL = "synthetic/default"


@pytest.fixture
def run_id(isolated_store: Path) -> str:
    return valuelens.run(MODEL, "core", limit=12, store=isolated_store).run_id


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "a_file"
    path.write_text("not a folder\n", encoding="utf-8")
    return path


def test_report_paths(run_id: str, tmp_path: Path, a_file: Path, isolated_store: Path) -> None:
    folder = tmp_path / "existing"
    folder.mkdir()
    one_line_error(cli("report", run_id, "-o", str(folder)), 2, "existing folder")
    one_line_error(cli("report", run_id, "-o", ""), 2, "empty path")
    one_line_error(cli("report", run_id, "-o", str(a_file / "r.html")), 1, "is a file, not a folder")
    one_line_error(cli("report", run_id, "-o", str(isolated_store)), 2, "overwrite an input")
    one_line_error(cli("report", run_id, "-o", str(tmp_path / "r.html"), "--figures", str(a_file)), 1, "is a file")
    assert isolated_store.read_bytes()[:15] == b"SQLite format 3"
    done = cli("report", run_id, "-o", str(tmp_path / "new" / "deeper" / "r.html"))
    assert done.returncode == 0 and (tmp_path / "new" / "deeper" / "r.html").stat().st_size > 1000
    assert not list(tmp_path.rglob("*.part*"))


def test_export_paths(run_id: str, tmp_path: Path, a_file: Path) -> None:
    one_line_error(cli("export", run_id, "-o", str(tmp_path)), 2, "existing folder")
    one_line_error(cli("export", run_id, "-o", ""), 2, "empty path")
    one_line_error(cli("export", run_id, "-o", str(a_file / "c.csv")), 1, "is a file")
    done = cli("export", run_id, "-f", "jsonl", "-o", str(tmp_path / "c.jsonl"))
    assert done.returncode == 0
    assert len((tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()) == 12


def test_annotate_never_writes_over_its_input(tmp_path: Path, a_file: Path) -> None:
    scen = tmp_path / "scen.jsonl"
    text = json.dumps({"id": "s1", "situation": "A friend is late.", "action_a": "Say so.", "action_b": "Wait."}) + "\n"
    scen.write_text(text, encoding="utf-8")
    one_line_error(cli("annotate", str(scen), "-m", MODEL, "-o", str(scen)), 2, "overwrite an input")
    assert scen.read_text(encoding="utf-8") == text
    one_line_error(cli("annotate", str(scen), "-m", MODEL, "-o", str(tmp_path)), 2, "existing folder")
    one_line_error(cli("annotate", str(scen), "-m", MODEL, "-o", str(a_file / "s.jsonl")), 1, "is a file")


def test_run_prints_its_results_when_the_report_cannot_be_written(tmp_path: Path) -> None:
    first = cli("run", "-m", MODEL, "--limit", "8", "--json")
    assert first.returncode == 0, first.stderr
    rid = json.loads(first.stdout)["run_id"]
    (tmp_path / f"valuelens-{rid}.html").mkdir()  # the report's path is taken by a folder
    done = cli("run", "-m", MODEL, "--limit", "8", "--json", "--report")
    one_line_error(done, 2, "existing folder")
    summary = json.loads(done.stdout)  # the results were printed all the same
    assert summary["run_id"] == rid and "report" not in summary
    done = cli("run", "-m", MODEL, "--limit", "8", "--report")
    one_line_error(done, 2, "existing folder")
    assert rid in done.stdout


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_text(target, "old\n")
    os.chmod(target, 0o640)
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("the writer failed")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temporary file left behind
    write_text(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n" and target.stat().st_mode & 0o777 == 0o640


def test_output_checks_in_process(tmp_path: Path, a_file: Path) -> None:
    with pytest.raises(InputError, match="existing folder"):
        write_text(tmp_path, "x")
    with pytest.raises(EnvironmentProblem, match="is a file"):
        write_text(a_file / "deeper" / "x.txt", "x")
    suite = tmp_path / "suite.jsonl"
    suite.write_text("\n", encoding="utf-8")
    with pytest.raises(InputError):
        valuelens.load_suite(str(suite))  # empty, but read: it is an input now
    with pytest.raises(InputError, match="overwrite an input"):
        write_text(suite, "x")

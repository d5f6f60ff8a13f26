"""A damaged, misplaced or read-only store is one line and a way out, never a traceback; read-only reads."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest
from tests.reliability.cli import one_line_error
from tests.reliability.cli import valuelens as cli
from typer.testing import CliRunner

import valuelens
from valuelens.cli import app
from valuelens.errors import EnvironmentProblem, StoreDamaged
from valuelens.store import Store, check_store, salvage_store

MODEL = "synthetic/default"


@pytest.fixture
def stored(isolated_store: Path) -> tuple[Path, str]:
    """A store holding one finished run of 30 dilemmas (60 prompts)."""
    run = valuelens.run(MODEL, "core", limit=30, store=isolated_store)
    assert not Path(f"{isolated_store}-wal").exists()  # closed cleanly: everything is in the main file
    return isolated_store, run.run_id


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 3])
    elif how == "random_bytes":
        mid = len(data) // 2
        path.write_bytes(data[:mid] + random.Random(7).randbytes(len(data) - mid))  # seeded
    elif how == "bad_header":
        path.write_bytes(b"NOT A SQLITE FILE" + data[17:])
    elif how == "text_file":
        path.write_text("id,name\n1,store\n", encoding="utf-8")


@pytest.mark.parametrize("how", ["truncated", "random_bytes", "bad_header", "text_file"])
def test_damaged_store_is_one_line_with_the_way_out(stored: tuple[Path, str], how: str) -> None:
    path, run_id = stored
    _damage(path, how)
    for args in (["runs"], ["show", run_id], ["run", "-m", MODEL, "--limit", "30"]):
        done = cli(*args)
        if done.returncode == 0:  # the damage missed what this command reads: it still works
            continue
        one_line_error(done, 1, str(path), "damaged", "store check")
    done = cli("store", "check", str(path))
    assert done.returncode == 1 and "DAMAGED" in done.stdout and "Traceback" not in done.stderr, done


@pytest.mark.parametrize("how", ["header_only", "text_file"])
def test_a_file_that_is_no_store_fails_every_command(stored: tuple[Path, str], how: str) -> None:
    path, _ = stored
    _damage(path, "bad_header" if how == "header_only" else "text_file")
    one_line_error(cli("runs"), 1, "damaged", "--salvage")


def test_salvage_copies_every_readable_row_into_a_working_store(stored: tuple[Path, str], tmp_path: Path) -> None:
    path, run_id = stored
    before = check_store(path)
    assert before.ok and before.rows["responses"] == 60 and before.rows["runs"] == 1
    _damage(path, "random_bytes")
    out = tmp_path / "saved.sqlite"
    found = salvage_store(path, out)
    assert found.salvaged == out and found.copied["runs"] == found.rows["runs"]
    assert 0 < sum(found.copied.values()) <= sum(before.rows.values())
    assert check_store(out).ok
    with Store(out) as st:
        assert len(st.run_items(run_id)) == found.copied["run_items"] if st.get_run(run_id) else True
    with pytest.raises(valuelens.errors.InputError, match="already exists"):
        salvage_store(path, out)


def test_salvage_of_a_text_file_writes_an_empty_sound_store(tmp_path: Path) -> None:
    bad = tmp_path / "notes.sqlite"
    bad.write_text("hello\n", encoding="utf-8")
    found = salvage_store(bad, tmp_path / "new.sqlite")
    assert not found.ok and sum(found.copied.values()) == 0
    assert check_store(tmp_path / "new.sqlite").ok


def test_store_path_that_is_a_folder_or_under_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "adir"
    folder.mkdir()
    one_line_error(cli("runs", "--store", str(folder)), 1, "is a directory")
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    one_line_error(cli("runs", "--store", str(blocker / "store.sqlite")), 1, "is a file, not a folder")


def test_damage_found_by_a_query_is_a_store_damaged_error(stored: tuple[Path, str]) -> None:
    path, run_id = stored
    _damage(path, "truncated")
    with pytest.raises((StoreDamaged, EnvironmentProblem)) as caught, Store(path) as st:
        st.run_items(run_id)
        st.get_ok(k for *_, k in st.run_items(run_id))
        st.run_payloads(run_id)
    assert caught.value.exit_code == 1 and "\n" not in str(caught.value)


def test_a_store_that_cannot_be_written_is_read_read_only(
    stored: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path, run_id = stored
    monkeypatch.setattr("valuelens.store._open._writable", lambda _p: False)  # as for a read-only file or folder
    with Store(path) as st:
        assert st.read_only and st.get_run(run_id) is not None
        with pytest.raises(EnvironmentProblem, match="read-only"):
            st.put_response("k", MODEL, "choice", {"x": 1})
    runner = CliRunner()
    for args in (["runs"], ["show", run_id], ["report", run_id, "-o", str(tmp_path / "r.html")],
                 ["export", run_id, "-o", str(tmp_path / "c.csv")]):  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
    assert (tmp_path / "r.html").stat().st_size > 1000 and (tmp_path / "c.csv").exists()
    with pytest.raises(EnvironmentProblem, match="read-only"):
        valuelens.run(MODEL, "core", limit=31, store=path)  # one new dilemma must be written


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file permissions")
@pytest.mark.parametrize("what", ["file", "folder"])
def test_real_read_only_store_lists_runs(stored: tuple[Path, str], what: str) -> None:
    path, run_id = stored
    target = path if what == "file" else path.parent
    mode = target.stat().st_mode
    target.chmod(0o444 if what == "file" else 0o555)
    try:
        done = cli("runs")
        assert done.returncode == 0 and run_id in done.stdout, done.stderr
        one_line_error(cli("run", "-m", MODEL, "--limit", "31"), 1, "read-only")
    finally:
        target.chmod(mode)


def test_store_check_of_a_sound_store(stored: tuple[Path, str], tmp_path: Path) -> None:
    path, _ = stored
    done = cli("store", "check", str(path))
    assert done.returncode == 0 and "sound" in done.stdout
    copy = tmp_path / "copy.sqlite"
    shutil.copy(path, copy)
    done = cli("store", "check", str(copy), "--salvage", str(tmp_path / "again.sqlite"))
    assert done.returncode == 0 and "responses 60" in done.stdout

"""`--shard I/N` splits a run's prompts deterministically by item; `valuelens store merge` joins the
shards' stores into the whole run (equal responses kept once, conflicting runs refused)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

import valuelens
from valuelens.cli import app
from valuelens.errors import InputError
from valuelens.runner import Shard, parse_shard
from valuelens.store import merge_stores

MODEL = "synthetic/default"


def test_parse_shard_and_partition() -> None:
    assert parse_shard("2/4") == Shard(2, 4) and parse_shard(None) is None
    for bad in ("0/4", "5/4", "2", "a/b", "1/0", ""):
        with pytest.raises(InputError, match="--shard: expected I/N"):
            parse_shard(bad)
    ids = [f"item-{i}" for i in range(400)]
    owners = [[s for s in range(1, 4) if Shard(s, 3).holds(i)] for i in ids]
    assert all(len(o) == 1 for o in owners)  # every item in exactly one shard
    sizes = [sum(o == [s] for o in owners) for s in range(1, 4)]
    assert min(sizes) > 100  # and the shares are even


def _rows(path: Path) -> set[tuple[str, str, str]]:
    with sqlite3.connect(path) as db:
        return set(db.execute("SELECT key, status, result FROM responses"))


def test_shards_merge_into_the_whole_run(suite_file, tmp_path: Path) -> None:
    suite = str(suite_file(30))
    whole = valuelens.run(MODEL, suite, store=tmp_path / "whole.sqlite")
    parts = [valuelens.run(MODEL, suite, store=tmp_path / f"s{i}.sqlite", shard=f"{i}/3") for i in (1, 2, 3)]
    asked = [p.summary()["model_calls"] for p in parts]
    assert sum(asked) == 60 and all(a > 0 and a % 2 == 0 for a in asked)  # both orders in the same shard
    assert len({p.run_id for p in parts} | {whole.run_id}) == 1  # one run, split three ways
    # a shard's run is not complete on its own
    assert {valuelens.load_run(whole.run_id, tmp_path / "s1.sqlite").record.status} == {"incomplete"}
    res = CliRunner().invoke(
        app, ["store", "merge", str(tmp_path / "m.sqlite"), *(str(tmp_path / f"s{i}.sqlite") for i in (1, 2, 3))]
    )
    assert res.exit_code == 0, res.output
    assert "60 responses (0 duplicates dropped" in res.stdout and "1 runs (1 complete)" in res.stdout
    merged = valuelens.load_run(whole.run_id, tmp_path / "m.sqlite")
    assert merged.record.status == "complete"
    assert merged.table.p_a_first.tolist() == pytest.approx(whole.table.p_a_first.tolist())
    assert _rows(tmp_path / "m.sqlite") == _rows(tmp_path / "whole.sqlite")
    assert merged.summary()["values"] == whole.summary()["values"]


def test_equal_responses_dedupe_and_answers_win_over_failures(suite_file, tmp_path: Path) -> None:
    suite = str(suite_file(10))
    valuelens.run(MODEL, suite, store=tmp_path / "a.sqlite")
    valuelens.run(MODEL, suite, store=tmp_path / "b.sqlite", limit=5)
    m = merge_stores(tmp_path / "m.sqlite", [tmp_path / "b.sqlite", tmp_path / "a.sqlite"])
    assert m.responses == 20 and m.duplicates == 10 and m.differing == 0 and m.runs == 2 and m.complete == 2
    # a failure in the first store does not hide the answer of the second
    with sqlite3.connect(tmp_path / "b.sqlite") as db:
        db.execute("UPDATE responses SET status='failed', result='null', error='boom' WHERE rowid=1")
    m2 = merge_stores(tmp_path / "m2.sqlite", [tmp_path / "b.sqlite", tmp_path / "a.sqlite"])
    assert m2.complete == 2 and _rows(tmp_path / "m2.sqlite") == _rows(tmp_path / "a.sqlite")


def test_conflicting_runs_are_refused_and_nothing_is_written(suite_file, tmp_path: Path) -> None:
    suite = str(suite_file(6))
    r = valuelens.run(MODEL, suite, store=tmp_path / "a.sqlite")
    valuelens.run(MODEL, suite, store=tmp_path / "b.sqlite")
    with sqlite3.connect(tmp_path / "b.sqlite") as db:  # same run id, another prompt behind one item
        db.execute("UPDATE run_items SET key='0000' WHERE rowid=1")
    out = tmp_path / "m.sqlite"
    res = CliRunner().invoke(app, ["store", "merge", str(out), str(tmp_path / "a.sqlite"), str(tmp_path / "b.sqlite")])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1
    assert f"run {r.run_id} conflicts with the same run in an earlier store" in res.stderr
    assert not out.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith((".m", "m"))] == []
    with sqlite3.connect(tmp_path / "b.sqlite") as db:
        spec = json.loads(db.execute("SELECT spec FROM runs").fetchone()[0])
        db.execute("UPDATE runs SET spec=?", (json.dumps({**spec, "samples": 99}),))
        db.execute("UPDATE run_items SET key=(SELECT key FROM run_items WHERE rowid=2) WHERE rowid=1")
    with pytest.raises(InputError, match="spec differs"):
        merge_stores(out, [tmp_path / "a.sqlite", tmp_path / "b.sqlite"])


def test_bad_merge_arguments_are_one_line(tmp_path: Path, suite_file) -> None:
    valuelens.run(MODEL, str(suite_file(2)), store=tmp_path / "a.sqlite")
    (tmp_path / "text.sqlite").write_text("not a database")
    cases = {
        "already exists": [str(tmp_path / "a.sqlite"), str(tmp_path / "a.sqlite"), str(tmp_path / "a.sqlite")],
        "no such store file": [str(tmp_path / "o.sqlite"), str(tmp_path / "a.sqlite"), str(tmp_path / "nope")],
        "not a valuelens store": [
            str(tmp_path / "o.sqlite"),
            str(tmp_path / "a.sqlite"),
            str(tmp_path / "text.sqlite"),
        ],
        "at least two stores": [str(tmp_path / "o.sqlite"), str(tmp_path / "a.sqlite")],
    }
    for message, args in cases.items():
        res = CliRunner().invoke(app, ["store", "merge", *args])
        assert res.exit_code == 2 and message in res.stderr and "Traceback" not in res.output, (message, res.output)
        assert not (tmp_path / "o.sqlite").exists()


def test_survey_shards_split_the_items_and_merge(tmp_path: Path) -> None:
    parts = [valuelens.survey(MODEL, store=tmp_path / f"v{i}.sqlite", shard=f"{i}/2") for i in (1, 2)]
    asked = [p.summary()["model_calls"] for p in parts]
    assert sum(asked) == 80 and all(a % 2 == 0 and a > 0 for a in asked)  # 40 items, both scale directions
    m = merge_stores(tmp_path / "all.sqlite", [tmp_path / "v1.sqlite", tmp_path / "v2.sqlite"])
    assert m.responses == 80 and m.complete == 1

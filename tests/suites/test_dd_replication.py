"""Replicating DailyDilemmas as published: its own theory mapping (values.csv), the situations-only
table refused by its columns, and the paper's one-order greedy protocol beside valuelens's.

Every table here is written by the tests in the DailyDilemmas layout; the real files in
../shared/data are used only by the last test, which skips when they are absent.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import valuelens
from valuelens.analysis import ChoiceTable, action_one_share, greedy_table, protocol_scores
from valuelens.cli import app
from valuelens.errors import InputError
from valuelens.lexicon import load_theory_map
from valuelens.suites import load_suite

DATA = os.environ.get("VALUELENS_SHARED_DATA") or Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
SHARED = Path(DATA) / "dailydilemmas"  # third-party files, by path only (env var, else ../shared/data of the repo)
ACTION_COLUMNS = ["idx", "dilemma_idx", "basic_situation", "dilemma_situation", "action_type", "action",
                  "negative_consequence", "values_aggregated", "topic", "topic_group"]  # fmt: skip
POOL = ["honesty", "care", "loyalty", "thrift", "courage", "neighbourliness", "tidiness", "punctuality"]
# name -> WVS, MFT, Virtue, Emotion, Maslow (a mapping written for these tests, in the paper's style)
MAPPING = {
    "honesty": ("", "Fairness", "Truthfulness", "trust", "self-esteem"),
    "care": ("Self-expression", "Care", "", "trust", "love and belonging"),
    "loyalty": ("Traditional", "Loyalty", "", "trust", "love and belonging"),
    "thrift": ("Survival", "", "Liberality", "", "safety"),
    "courage": ("Self-expression", "", "Courage", "anticipation", "self-esteem"),
    "neighbourliness": ("Traditional", "Purity", "Friendliness", "joy", "love and belonging"),
    "tidiness": ("Survival", "Purity", "", "", "safety"),
    "punctuality": ("Secular-rational", "Authority", "", "", "self-esteem"),
}


def write_actions(path: Path, n: int = 40, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(ACTION_COLUMNS)
        for i in range(n):
            pick = rng.choice(len(POOL), 4, replace=False)
            text = f"Case {i}: your street has a small problem that only you noticed. Do you act on it?"
            for j, (kind, act) in enumerate((("to_do", "Act on it today."), ("not_to_do", "Leave it be.")), 0):
                values = [POOL[k] for k in pick[2 * j : 2 * j + 2]]
                w.writerow([2 * i + j, i, "a street", text, kind, act, "", repr(values), "street", "community"])
    return path


def write_values(path: Path, extra: list[list[str]] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["", "value", "WVS", "MFT", "Virtue", "Emotion", "Maslow"])
        for i, (name, cells) in enumerate(MAPPING.items()):
            w.writerow([i, name, *cells])
        for row in extra or []:
            w.writerow(row)
    return path


def test_values_csv_places_every_value_in_five_theories(tmp_path: Path) -> None:
    m = load_theory_map(f"dailydilemmas:{write_values(tmp_path / 'values.csv')}")
    assert m.name == "dailydilemmas" and m.n_values == 8
    assert m.theories == ["wvs", "mft", "aristotle", "plutchik", "maslow"]
    assert m.dimensions("mft") == ["fairness", "care", "loyalty", "purity", "authority"]
    assert m.membership("mft")["thrift"] == [] and m.membership("aristotle")["honesty"] == ["truthfulness"]
    # a file name stored under a lexicon name carries its dimensions there too
    assert m.membership("wvs", lambda n: "kindness" if n == "care" else None)["kindness"] == ["self-expression"]


def test_values_csv_problems_are_one_line_each(tmp_path: Path) -> None:
    bad = write_values(tmp_path / "v.csv", [["8", "honesty", "", "", "", "", ""], ["9", "", "", "Care", "", "", ""]])
    with pytest.raises(InputError) as info:
        load_theory_map(f"dailydilemmas:{bad}")
    assert info.value.lines == [f"{bad}:10: value: 'honesty' already on line 2", f"{bad}:11: value: missing"]
    other = tmp_path / "o.csv"
    other.write_text("value,WVS\nhonesty,\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"o.csv:1: header: .*missing columns: MFT, Virtue, Emotion, Maslow"):
        load_theory_map(f"dailydilemmas:{other}")
    with pytest.raises(InputError, match="expected dailydilemmas:PATH"):
        load_theory_map(str(other))


def test_run_lenses_use_the_papers_mapping(tmp_path: Path) -> None:
    suite = write_actions(tmp_path / "actions.csv")
    values = write_values(tmp_path / "mapping.csv")
    r = valuelens.run("synthetic/default", f"dailydilemmas:{suite}", lexicon=f"dailydilemmas:{values}")
    s = r.summary()
    assert s["lexicon"]["name"] == "dailydilemmas" and s["lexicon"]["source"] == str(values)
    mft = {d["dimension"] for d in s["theories"]["mft"]["dimensions"]}
    assert mft <= {"fairness", "care", "loyalty", "purity", "authority"} and "purity" in mft
    assert "dailydilemmas mapping" in s["theories"]["mft"]["title"]
    assert {d["dimension"] for d in s["theories"]["schwartz"]["dimensions"]}  # valuelens's own lenses stay
    plain = valuelens.run("synthetic/default", f"dailydilemmas:{suite}").summary()
    assert plain["lexicon"]["name"] == "valuelens" and "purity" not in {
        d["dimension"] for d in plain["theories"].get("mft", {}).get("dimensions", [])
    }
    # named values.csv beside the per-action table: used without --lexicon
    write_values(tmp_path / "values.csv")
    auto = valuelens.run("synthetic/default", f"dailydilemmas:{suite}").summary()
    assert auto["lexicon"]["source"] == str(tmp_path / "values.csv")


def test_situations_only_table_is_refused_by_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "dilemma.csv"
    path.write_text('"",idx,basic_situation,dilemma_situation\n0,1,a gate,"A gate bangs. Do you act?"\n', "utf-8")
    with pytest.raises(InputError) as info:
        load_suite(str(path))
    (line,) = info.value.lines
    assert line.startswith(f"{path}:1: file: DailyDilemmas situations-only table")
    assert (
        "per-action table" in line and "kellycyy/daily_dilemmas" in line and "Dilemmas_with_values_aggregated" in line
    )
    res = CliRunner().invoke(app, ["run", "--model", "synthetic/default", "--suite", str(path)])
    assert res.exit_code == 2 and res.output.strip() == line


def _table(p_first: list[float], p_second: list[float]) -> ChoiceTable:
    return ChoiceTable(
        item_ids=["a", "b", "c", "d"],
        variants=np.zeros(4, dtype=int),
        values_a=[("x",), ("x",), ("y",), ("x", "y")],
        values_b=[("y",), ("z",), ("z",), ("z",)],
        p_a_first=np.array(p_first),
        p_a_second=np.array(p_second),
    )


def test_paper_scores_are_greedy_one_order_counts() -> None:
    paper = _table([0.9, 0.6, 0.4, 0.5], [np.nan] * 4)
    assert greedy_table(paper).p_a.tolist() == [1.0, 1.0, 0.0, 1.0]
    rows = {r["name"]: r for r in protocol_scores(paper, _table([0.9, 0.6, 0.4, 0.5], [0.1, 0.2, 0.2, 0.3]), n_boot=50)}
    # x: chosen in a, b, d (3 selected, 0 neglected) -> 100; y: chosen in d, neglected in a and c -> -33.3
    assert rows["x"]["paper"] == pytest.approx(100.0) and rows["y"]["paper"] == pytest.approx(-100 / 3)
    # valuelens: P(A) averaged over the orders = 0.5, 0.4, 0.3, 0.4 -> x: S 1.3, N 1.7 -> -13.3
    assert rows["x"]["valuelens"] == pytest.approx(-40 / 3)
    assert rows["x"]["difference"] == pytest.approx(100 + 40 / 3)
    share = action_one_share(paper, n_boot=200)
    assert share.value == 0.75 and share.n == 4 and share.ci_low <= 0.75 <= share.ci_high


def test_protocol_beside_both_orders_shows_position_bias(tmp_path: Path) -> None:
    suite = write_actions(tmp_path / "actions.csv", n=60)
    args = ["run", "--model", "synthetic/default?bias=2", "--suite", str(suite), "--protocol", "dailydilemmas"]
    res = CliRunner().invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    block = json.loads(res.stdout)["dailydilemmas_protocol"]
    assert block["n"] == 60 and block["model_calls"] == 60
    # a strong pull to the first-listed option reads as a preference for doing under the paper's protocol
    assert block["action_1_share"]["value"] > block["to_do_both_orders"]["value"] + 0.2
    assert block["position_bias"]["value"] > 0.2
    assert {"wvs", "mft", "maslow", "aristotle", "plutchik"} <= set(block["theories"])
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0 and "DailyDilemmas protocol" in res.stdout and "paper protocol" in res.stdout
    again = CliRunner().invoke(app, [*args, "--json"])
    assert json.loads(again.stdout)["dailydilemmas_protocol"]["model_calls"] == 0  # cached
    bad = CliRunner().invoke(app, ["run", "--model", "synthetic/default", "--protocol", "paper"])
    assert bad.exit_code == 2 and bad.output.strip() == "--protocol: expected valuelens or dailydilemmas, got 'paper'"


@pytest.mark.skipif(not (SHARED / "values.csv").exists(), reason="third-party DailyDilemmas files not present")
def test_real_dailydilemmas_files() -> None:
    m = load_theory_map(f"dailydilemmas:{SHARED / 'values.csv'}")
    assert m.n_values == 301
    assert set(m.dimensions("mft")) == {"loyalty", "fairness", "authority", "care", "purity"}
    assert set(m.dimensions("wvs")) == {"survival", "self-expression", "traditional", "secular-rational"}
    assert len(m.dimensions("maslow")) == 5
    with pytest.raises(InputError) as info:
        load_suite(str(SHARED / "dilemma.csv"))
    assert len(info.value.lines) == 1 and "per-action table" in info.value.lines[0]

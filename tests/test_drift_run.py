"""Value drift over checkpoints of the synthetic model: a planted drift, identical checkpoints,
refusals, and the CLI's JSON, terminal and HTML outputs.

A synthetic model is deterministic, so identical checkpoints are replications (`?rep=K`: the same
hidden utilities with a fresh per-prompt noise draw), and a drift is planted with `shift=`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import valuelens
from valuelens import StudyResult
from valuelens.cli import app
from valuelens.errors import InputError

runner = CliRunner()
SERIES = [
    "synthetic/default?rep=1",
    "synthetic/default?rep=2",
    "synthetic/default?rep=3&shift=honesty:2",
    "synthetic/default?rep=4&shift=honesty:2",
]
STEPS = [0, 200, 400, 600]


def test_planted_drift_is_found_at_its_step() -> None:
    s = valuelens.drift(models=SERIES, steps=STEPS, n_boot=40, theories=("schwartz",)).summary()
    assert s["kind"] == "drift" and s["steps"] == STEPS and s["n_shared"] == 360
    top = s["values"][0]
    assert top["value"] == "honesty" and top["significant"] and top["p_holm"] < 0.001
    assert top["drift_step"] == 400 and top["drift_step_ci_low"] >= 200 and top["drift_step_ci_high"] == 400
    assert top["magnitude"] > 1.5 and top["magnitude_ci_low"] > 0.5
    assert [p["step"] for p in top["trajectory"]] == STEPS
    first, last = top["trajectory"][0], top["trajectory"][-1]
    assert last["ci_low"] > first["ci_high"]  # the trajectory shows the move with its intervals
    assert s["moved_most"] == ["honesty"] and s["significant"] == 1
    assert s["correlations"][0]["spearman_first"] == pytest.approx(1.0)
    assert all(0.9 < c["spearman_last"] <= 1.0 for c in s["correlations"])
    assert set(s["runs"][0]) >= {"step", "run_id", "model", "suite", "items"}
    assert "schwartz" in s["theories"] and s["theories"]["schwartz"]["of"] == 10


@pytest.mark.parametrize("seed", [0, 1])
def test_identical_checkpoints_flag_nothing(seed: int) -> None:
    models = [f"synthetic/default@{seed}?rep={k}" for k in (1, 2, 3, 4)]
    s = valuelens.drift(models=models, n_boot=40, seed=seed, theories=("schwartz", "mft")).summary()
    assert s["significant"] <= 0.05 * s["of"]  # at least 95% of values flag nothing
    for block in s["theories"].values():
        assert block["significant"] <= 0.05 * block["of"] or block["significant"] == 0


def test_stored_runs_come_from_the_cache() -> None:
    ids = [valuelens.run(m, "core", limit=60).run_id for m in SERIES[:3]]
    result = valuelens.drift(ids, n_boot=10, theories=())
    assert [r.run_id for r in result.runs] == ids and result.steps == (0.0, 1.0, 2.0)
    assert isinstance(result, StudyResult) and result.kind == "drift" and result.run_id == "+".join(ids)
    frames = result.frames()
    assert list(frames) == list(result.frame_names) == ["trajectories", "drift"]
    assert len(frames["trajectories"]) == 3 * len(frames["drift"]) and set(frames["drift"]["set"]) == {"values"}
    assert frames["drift"]["name"].iloc[0] == result.summary()["values"][0]["value"]
    assert result.report_data()["steps"] == [0.0, 1.0, 2.0]
    again = valuelens.drift(models=SERIES[:3], limit=60, n_boot=10, theories=())
    assert [r.run_id for r in again.runs] == ids
    assert again.summary()["model_calls"] == 0 and again.summary()["cached_calls"] > 0


def test_refusals(suite_file) -> None:
    a = valuelens.run(SERIES[0], "core", limit=20).run_id
    b = valuelens.run(SERIES[1], str(suite_file(20))).run_id
    with pytest.raises(InputError, match="not asked the same dilemmas"):
        valuelens.drift([a, b], n_boot=10)
    with pytest.raises(InputError, match="at least two"):
        valuelens.drift([a])
    with pytest.raises(InputError, match="not both"):
        valuelens.drift([a, b], models=SERIES[:2])
    c = valuelens.run(SERIES[1], "core", limit=20).run_id
    with pytest.raises(InputError, match="--steps: must increase"):
        valuelens.drift([a, c], steps=[5, 5])
    with pytest.raises(InputError, match="2 steps for 3"):
        valuelens.drift([a, c, a], steps=[0, 1])


def test_cli_json_table_and_html(tmp_path: Path) -> None:
    args = [a for m in SERIES for a in ("--model", m)] + ["--steps", "0,200,400,600", "--n-boot", "20"]
    res = runner.invoke(app, ["drift", *args, "--json", "--limit", "200"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout)
    v = s["values"][0]
    assert set(v) >= {"value", "trajectory", "magnitude", "magnitude_ci_low", "magnitude_ci_high", "drift_step"}
    assert set(v) >= {"p_value", "significant"} and set(v["trajectory"][0]) == {"step", "utility", "ci_low", "ci_high"}
    page = tmp_path / "drift.html"
    res = runner.invoke(app, ["drift", *args, "--limit", "200", "--html", str(page)])
    assert res.exit_code == 0, res.output
    assert "honesty" in res.stdout and "drift step" in res.stdout and f"Report: {page}" in res.stdout
    html = page.read_text("utf-8")
    assert html.count('aria-label="Trajectory of ') >= 10 and "Heatmap: values x steps" in html
    assert re.search(r"<text[^>]*>600</text>", html)  # the heatmap's columns are the steps


def test_cli_bad_input_is_one_line(suite_file) -> None:
    res = runner.invoke(app, ["drift", "--model", SERIES[0], "--model", SERIES[1], "--steps", "0,x"])
    assert res.exit_code == 2 and res.stderr.strip() == "--steps: expected numbers separated by commas, got '0,x'"
    res = runner.invoke(app, ["drift", "nope1", "nope2"])
    assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1 and "not found" in res.stderr

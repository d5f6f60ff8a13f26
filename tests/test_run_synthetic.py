"""A full run on the synthetic model: both orders, caching, recovery of the hidden truth."""

from __future__ import annotations

import json
import math

import numpy as np
from scipy.stats import spearmanr
from typer.testing import CliRunner

import valuelens
from valuelens.backends.synthetic import SyntheticBackend
from valuelens.cli import app
from valuelens.store import Store

runner = CliRunner()


def test_every_dilemma_is_asked_in_both_orders(suite_file, isolated_store) -> None:
    r = valuelens.run("synthetic/default", str(suite_file(12)))
    with Store(isolated_store) as st:
        items = st.run_items(r.run_id)
    assert sorted((i, o) for i, _, o, _ in items) == sorted((f"gen-{k}", o) for k in range(12) for o in (0, 1))
    assert r.invocation.model_calls == 24 and r.invocation.cached_calls == 0
    assert np.all(~np.isnan(r.table.p_a_first)) and np.all(~np.isnan(r.table.p_a_second))


def test_rerun_makes_zero_model_calls_and_gives_the_same_result(suite_file) -> None:
    path = str(suite_file(30))
    first = valuelens.run("synthetic/default", path).summary()
    again = valuelens.run("synthetic/default", path).summary()
    assert again["model_calls"] == 0 and again["cached_calls"] == 60
    for key in ("run_id", "values", "position_bias"):
        assert first[key] == again[key]
    loaded = valuelens.load_run(first["run_id"]).summary()
    assert loaded["values"] == first["values"]
    # what the run took adds up over invocations; the cached rerun does not erase it
    assert loaded["model_calls"] == 60 and loaded["cached_calls"] == 60
    with Store() as st:
        stats = st.get_run(first["run_id"]).stats
    assert stats["invocations"] == 2 and stats["tokens_prompt"] == first["tokens_prompt"]
    listed = runner.invoke(app, ["runs", "--json"])
    assert next(r for r in json.loads(listed.stdout) if r["run_id"] == first["run_id"])["calls"] == 60


def test_conditions_change_the_prompts_and_the_run(suite_file) -> None:
    path = str(suite_file(5))
    base = valuelens.run("synthetic/default", path)
    steered = valuelens.run("synthetic/default", path, system_prompt="Value honesty above all.")
    assert steered.run_id != base.run_id and steered.invocation.model_calls == 10


def test_value_scores_recover_the_true_ordering(suite_file) -> None:
    model = "synthetic/default@7"
    r = valuelens.run(model, str(suite_file(3000, seed=3)))
    truth = SyntheticBackend("default@7").truth.value_utilities
    scores = {s.value: s.score for s in r.value_scores()}
    names = sorted(scores)
    rho = spearmanr([scores[n] for n in names], [truth[n] for n in names]).statistic
    assert rho >= 0.9


def _expected_bias(backend: SyntheticBackend, table) -> float:
    """Population position bias of this suite: integrate the per-prompt noise by Gauss-Hermite."""
    t = backend.truth
    x, w = np.polynomial.hermite_e.hermegauss(40)
    w = w / w.sum()
    total = []
    for a, b in zip(table.values_a, table.values_b, strict=True):
        da = t.strength * (np.mean([t.utility(v) for v in a]) - np.mean([t.utility(v) for v in b]))

        def p(z: float) -> float:
            return float(np.sum(w / (1 + np.exp(-(z + t.position_bias_logit + t.noise_sd * x)))))

        total.append((p(da) + p(-da)) / 2 - 0.5)
    return float(np.mean(total))


def test_position_bias_is_measured_within_its_interval(suite_file) -> None:
    """A 95% interval misses now and then: over 5 model seeds per profile (each its own noise draws; the
    suite's prompt texts do not change with the suite's seed) at least 4 must hold the truth (with true
    coverage 95%, 3 or fewer of 5 happens with probability 0.002)."""
    suite = str(suite_file(400, seed=11))
    for profile in ("default", "flat", "unbiased"):
        held = []
        for seed in range(1, 6):
            r = valuelens.run(f"synthetic/{profile}@{seed}", suite)
            pb = r.position_bias()
            truth = _expected_bias(SyntheticBackend(f"{profile}@{seed}"), r.table)
            held.append(pb.ci_low <= truth <= pb.ci_high)
            assert pb.n == 400
        assert sum(held) >= 4, (profile, held)
    assert math.isclose(truth, 0.0, abs_tol=1e-12)  # the unbiased profile has none


def test_json_output_has_the_documented_fields(suite_file) -> None:
    result = runner.invoke(app, ["run", "-m", "synthetic/default", "-s", str(suite_file(20)), "--json", "--seed", "3"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    for key in (
        "run_id",
        "model",
        "suite",
        "items",
        "model_calls",
        "cached_calls",
        "tokens_prompt",
        "tokens_evaluated",
        "seconds",
        "failed",
        "position_bias",
        "values",
    ):
        assert key in out
    assert out["items"] == 20 and out["model_calls"] == 40 and out["failed"] == 0
    assert set(out["position_bias"]) >= {"value", "ci_low", "ci_high"}
    v = out["values"][0]
    assert set(v) >= {"value", "score", "ci_low", "ci_high", "n"}
    ranks = [x["rank"] for x in out["values"]]
    assert ranks == sorted(ranks)  # most preferred value first
    utilities = [x["utility"] for x in out["values"]]
    assert utilities == sorted(utilities, reverse=True)


def test_same_seed_same_output_other_seed_other_intervals(suite_file) -> None:
    path = str(suite_file(60))
    a = valuelens.run("synthetic/default", path, seed=1).summary()
    b = valuelens.run("synthetic/default", path, seed=1).summary()
    c = valuelens.run("synthetic/default", path, seed=2).summary()
    assert a["values"] == b["values"]
    assert [v["score"] for v in a["values"]] == [v["score"] for v in c["values"]]
    assert [v["ci_low"] for v in a["values"]] != [v["ci_low"] for v in c["values"]]


def test_terminal_output_is_short_and_names_the_store(suite_file, isolated_store) -> None:
    result = runner.invoke(app, ["run", "-m", "synthetic/default", "-s", str(suite_file(40))])
    assert result.exit_code == 0, result.output
    assert "Values chosen most" in result.stdout and "Position bias" in result.stdout
    assert str(isolated_store) in result.stdout.replace("\n", "")
    assert len(result.stdout.splitlines()) < 60

"""The run summary carries the full profile: utilities with ranks, theories, graph, consistency, reliability."""

from __future__ import annotations

import json

from scipy.stats import spearmanr
from typer.testing import CliRunner

import valuelens
from valuelens.backends.synthetic import SyntheticBackend
from valuelens.cli import app
from valuelens.lexicon import load_lexicon

runner = CliRunner()


def test_run_json_has_utilities_theories_consistency_and_reliability() -> None:
    result = runner.invoke(app, ["run", "-m", "synthetic/default@2", "--paraphrases", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    v = out["values"][0]
    assert {"utility", "utility_ci_low", "utility_ci_high", "rank", "rank_low", "rank_high"} <= set(v)
    assert [x["rank"] for x in out["values"]] == sorted(x["rank"] for x in out["values"])
    assert set(out["theories"]) >= {"schwartz", "schwartz_higher", "mft", "wvs", "maslow", "aristotle", "plutchik"}
    schwartz = out["theories"]["schwartz"]
    assert schwartz["circle_order"] == load_lexicon().theory_dimensions("schwartz")
    assert {d["dimension"] for d in schwartz["dimensions"]} == set(schwartz["circle_order"])
    assert out["consistency"]["order"]["n"] == 360
    assert out["consistency"]["paraphrase"]["n"] == 60
    assert out["reliability"]["verdict"].startswith("Reliable profile")
    assert out["moral_graph"]["nodes"] and out["moral_graph"]["edges"]
    # the utilities recover the hidden truth on the core suite
    truth = SyntheticBackend("default@2").truth.value_utilities
    rho = spearmanr([x["utility"] for x in out["values"]], [truth[x["value"]] for x in out["values"]]).statistic
    assert rho >= 0.9


def test_a_model_without_value_preferences_is_reported_as_noise() -> None:
    run = valuelens.run("synthetic/flat@5", "core")
    summary = run.summary()
    assert summary["reliability"]["verdict"].startswith("No reliable value preference")
    assert not any(v["significant"] for v in summary["values"])
    result = runner.invoke(app, ["show", run.run_id])
    assert "No reliable value preference" in result.stdout.replace("\n", " ")


def test_a_stored_run_shows_what_producing_it_cost() -> None:
    first = valuelens.run("synthetic/default", "core", limit=20)
    loaded = valuelens.load_run(first.run_id).summary()
    assert loaded["model_calls"] == 40 and loaded["values"] == first.summary()["values"]


def test_a_tiny_run_still_summarises_and_says_why_reliability_is_unknown() -> None:
    summary = valuelens.run("synthetic/default", "core", limit=2).summary()
    assert summary["reliability"]["split_half"] is None
    assert summary["reliability"]["verdict"].startswith("Reliability unknown: split-half reliability needs")
    assert summary["values"] and summary["theories"]

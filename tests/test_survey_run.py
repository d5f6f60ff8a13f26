"""The survey on the synthetic model: both scale directions, PVQ scores, caching, the say-do gap."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import spearmanr
from typer.testing import CliRunner

import valuelens
from valuelens.backends.synthetic import SyntheticBackend
from valuelens.cli import app
from valuelens.errors import InputError
from valuelens.prompts import SCALE_LABELS, agreement, survey_prompt
from valuelens.runner import label_distribution
from valuelens.store import Store
from valuelens.studies import load_survey_run
from valuelens.studies._survey_result import _rating
from valuelens.suites import load_survey

runner = CliRunner()


def _recovery(model: str) -> float:
    scores = {v["value"]: v["score"] for v in valuelens.survey(model).summary()["values"]}
    truth = SyntheticBackend(model.removeprefix("synthetic/")).schwartz_truth()
    names = sorted(truth)
    assert sorted(scores) == names
    return float(spearmanr([scores[n] for n in names], [truth[n] for n in names]).statistic)


def test_both_scale_directions_share_the_prefix_and_map_back() -> None:
    item = load_survey()[0]
    up, down = survey_prompt(item, 0), survey_prompt(item, 1)
    assert up.labels == down.labels == SCALE_LABELS
    assert "1. strongly disagree" in up.text and "6. strongly agree" in up.text
    assert "1. strongly agree" in down.text and "6. strongly disagree" in down.text
    assert up.pieces()[0] == down.pieces()[0] and item.text in up.pieces()[0]
    assert [agreement(k, 1) for k in range(1, 7)] == [6, 5, 4, 3, 2, 1]
    # sampled answers: three "6" and one "5" in the reversed order are agreement 1, 1, 1, 2
    assert _rating({"counts": {"6": 3, "5": 1}}, 1) == pytest.approx(1.25)
    assert label_distribution({"counts": dict.fromkeys(SCALE_LABELS, 0)}, SCALE_LABELS) is None
    assert np.isnan(_rating(None, 0))


def test_every_item_is_asked_in_both_directions_and_a_rerun_is_free(isolated_store) -> None:
    first = valuelens.survey("synthetic/default")
    with Store(isolated_store) as st:
        items = st.run_items(first.run_id)
        assert st.get_run(first.run_id).kind == "survey"
    assert sorted((i, o) for i, _, o, _ in items) == sorted((it.id, o) for it in load_survey() for o in (0, 1))
    s = first.summary()
    assert s["model_calls"] == 80 and s["items_both_orders"] == 40 and len(s["values"]) == 10
    again = valuelens.survey("synthetic/default").summary()
    assert again["model_calls"] == 0 and again["cached_calls"] == 80
    assert again["values"] == s["values"] and again["run_id"] == s["run_id"]
    assert load_survey_run(s["run_id"]).summary()["values"] == s["values"]


def test_survey_recovers_the_synthetic_schwartz_ordering() -> None:
    for model in ("synthetic/default", "synthetic/default@1", "synthetic/strong@2"):
        assert _recovery(model) >= 0.8, model
    s = valuelens.survey("synthetic/default").summary()
    assert all(v["ci_low"] <= v["score"] <= v["ci_high"] and v["n"] == 4 for v in s["values"])
    # the model leans toward label "1" (position effect) and agrees overall (acquiescence 0.3)
    assert s["label_bias"]["ci_high"] < 0 and s["mean_rating"]["value"] > 3.5


def test_say_do_gap_needs_a_dilemma_run_then_finds_it() -> None:
    model = "synthetic/strong"
    missing = valuelens.survey(model).summary()["say_do_gap"]
    assert not missing["available"] and f"valuelens run --model {model}" in missing["reason"]
    valuelens.run(model, "core", principle="Always be kind.")  # a conditioned run is not the default
    assert not valuelens.survey(model).summary()["say_do_gap"]["available"]
    valuelens.steer(model, "power", n_boot=50)  # its plain baseline covers too few Schwartz values
    assert not valuelens.survey(model).summary()["say_do_gap"]["available"]
    plain = valuelens.run(model, "core")
    gap = valuelens.survey(model).summary()["say_do_gap"]
    assert gap["available"] and gap["against"]["run_id"] == plain.run_id and gap["n"] == 10
    assert gap["spearman"] >= 0.7 and gap["ci_low"] <= gap["spearman"] <= gap["ci_high"]
    # a model that says the opposite of what it does
    liar = "synthetic/strong?say=-1"
    against = valuelens.run(liar, "core").run_id
    reversed_gap = valuelens.survey(liar, against=against).summary()["say_do_gap"]
    assert reversed_gap["spearman"] <= -0.7
    with pytest.raises(InputError, match="needs a dilemma run"):
        valuelens.survey(model, against=valuelens.survey(model).run_id)
    with pytest.raises(InputError, match="not found"):
        valuelens.survey(model, against="nosuchrun")


def test_cli_survey_json_and_terminal() -> None:
    result = runner.invoke(app, ["survey", "--model", "synthetic/default", "--json"])
    assert result.exit_code == 0, result.output
    s = json.loads(result.stdout)
    assert s["kind"] == "survey" and s["items"] == 40 and s["prompts"] == 80
    assert set(s["values"][0]) == {"value", "score", "ci_low", "ci_high", "n", "rank"}
    assert {"mean_rating", "label_bias", "say_do_gap", "scale"} <= set(s)
    assert set(s["label_bias"]) == {"value", "ci_low", "ci_high", "n"}
    text = runner.invoke(app, ["survey", "--model", "synthetic/default"])
    assert text.exit_code == 0 and "Say-do gap not available" in text.stdout
    bad = runner.invoke(app, ["survey", "--model", "synthetic/default", "--against", "nosuchrun"])
    assert bad.exit_code == 2 and len(bad.stderr.strip().splitlines()) == 1


class _SamplingOnly(SyntheticBackend):
    """The synthetic model behind an API without log-probabilities: K samples per prompt."""

    async def choice_logprobs(self, prompts, labels):  # type: ignore[no-untyped-def]
        return None


def test_sampled_answers_score_like_log_probabilities() -> None:
    exact = valuelens.survey("synthetic/strong").summary()["values"]
    backend = _SamplingOnly("strong")
    sampled = valuelens.survey("synthetic/strong", backend=backend, samples=50).summary()
    assert sampled["model_calls"] == 80 and sampled["items_both_orders"] == 40
    got = {v["value"]: v["score"] for v in sampled["values"]}
    names = sorted(got)
    rho = spearmanr([got[n] for n in names], [{v["value"]: v["score"] for v in exact}[n] for n in names]).statistic
    assert rho >= 0.9


def test_show_prints_a_stored_survey_run() -> None:
    from typer.testing import CliRunner

    from valuelens.cli import app

    run_id = valuelens.survey("synthetic/default").summary()["run_id"]
    result = CliRunner().invoke(app, ["show", run_id])
    assert result.exit_code == 0, result.output
    assert "Stated values of synthetic/default" in result.stdout

"""The Inspect tasks valuelens/dilemmas and valuelens/outcomes on Inspect's mock model, offline."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest.importorskip("inspect_ai")

from inspect_ai import eval as inspect_eval
from tests.integrations.inspect_mock import mock_model, user_text
from tests.servers.openai_fake import p_first, serve

from valuelens.analysis._scores import value_scores
from valuelens.integrations.inspect import dilemmas, outcomes
from valuelens.integrations.inspect._scoring import choice_table
from valuelens.suites import load_suite


def _scores(log):
    return [s.scores["choice_probability"] for s in log.samples]


def test_dilemma_samples_scores_and_top_values(tmp_path: Path) -> None:
    [log] = inspect_eval(dilemmas(suite="core"), model=mock_model(), limit=8, log_dir=str(tmp_path), display="none")
    assert log.status == "success" and log.eval.task == "valuelens/dilemmas"
    core = {d.id: d for d in load_suite("core").dilemmas}
    ids = [str(s.id) for s in log.samples]
    assert ids[:2] == [f"{next(iter(core))}:0:0", f"{next(iter(core))}:0:1"]  # one dilemma, both orders, adjacent
    for sample, score in zip(log.samples, _scores(log), strict=True):
        m = sample.metadata
        d = core[m["dilemma_id"]]
        assert m["values_a"] == list(d.action_a.values) and m["values_b"] == list(d.action_b.values)
        assert str(sample.id) == f"{d.id}:0:{m['order']}"
        first_text = (d.action_a if m["order"] == 0 else d.action_b).text
        assert f"A. {first_text}" in user_text(sample.input)  # our prompt, options in this sample's order
        p = p_first(user_text(sample.input))  # the mock model's P(first-listed option)
        assert score.metadata["source"] == "logprobs"
        assert score.metadata["p_first"] == pytest.approx(p)
        assert score.value == pytest.approx(p if m["order"] == 0 else 1 - p)
        assert score.metadata["values_a"] == m["values_a"]
    metrics = log.results.scores[0].metrics
    tops = {k: v.value for k, v in metrics.items() if v.group == "value_scores"}
    assert 1 <= len(tops) <= 5
    from inspect_ai.scorer import SampleScore

    table = choice_table([SampleScore(score=s, sample_id=x.id) for s, x in zip(_scores(log), log.samples, strict=True)])
    expected = value_scores(table, n_boot=20)[:5]
    assert tops == {s.value: pytest.approx(s.score, abs=0.01) for s in expected}
    assert "position_bias" in metrics and math.isfinite(metrics["position_bias"].value)


def test_without_logprobs_the_parsed_answer_counts(tmp_path: Path) -> None:
    [log] = inspect_eval(dilemmas(logprobs=False), model=mock_model(), limit=4, log_dir=str(tmp_path), display="none")
    for score in _scores(log):
        assert score.metadata["source"] == "parsed" and score.value in (0.0, 1.0)
    [log] = inspect_eval(
        dilemmas(),
        model=mock_model(logprobs=False, text="I'm sorry, I can't choose."),
        limit=2,
        log_dir=str(tmp_path),
        display="none",
    )
    for score in _scores(log):
        assert score.metadata["source"] == "none" and score.metadata["refused"] and math.isnan(score.value)


def test_outcomes_task_pairs_in_both_orders(tmp_path: Path) -> None:
    [log] = inspect_eval(outcomes(pairs=6, seed=1), model=mock_model(), log_dir=str(tmp_path), display="none")
    assert log.status == "success" and len(log.samples) == 12
    ids = [str(s.id) for s in log.samples]
    assert all(i.endswith(":0") for i in ids[::2]) and all(i.endswith(":1") for i in ids[1::2])
    first = log.samples[0]
    assert "Which of these two states of the world would you prefer?" in user_text(first.input)
    assert f"A. {first.metadata['text_a']}" in user_text(first.input)
    metrics = log.results.scores[0].metrics
    assert 1 <= sum(1 for v in metrics.values() if v.group == "outcome_utilities") <= 5
    [again] = inspect_eval(outcomes(pairs=6, seed=1), model=mock_model(), log_dir=str(tmp_path), display="none")
    assert [str(s.id) for s in again.samples] == ids  # the pair draw is fixed by the seed


def test_entry_point_registers_the_tasks() -> None:
    [ep] = [e for e in entry_points(group="inspect_ai") if e.name == "valuelens"]
    module = ep.load()
    assert {"dilemmas", "outcomes"} <= set(vars(module))


def test_inspect_cli_runs_the_task_with_an_openai_compatible_provider(tmp_path: Path) -> None:
    """`inspect eval valuelens/dilemmas` in a fresh process: found through the entry point, asked over HTTP."""
    server, handler = serve(max_requests=200, max_seconds=120)
    try:
        env = {**os.environ, "OPENAI_BASE_URL": server.url + "/v1", "OPENAI_API_KEY": "test-key"}
        cmd = [
            sys.executable,
            "-m",
            "inspect_ai._cli.main",
            "eval",
            "valuelens/dilemmas",
            "--model",
            "openai/fake-chat",
            "-M",
            "responses_api=false",
            "-T",
            "suite=core",
            "--limit",
            "4",
            "--log-dir",
            str(tmp_path / "logs"),
            "--display",
            "none",
            "--max-retries",
            "1",
            # With click 8.4 Inspect's optional-value flags read as given when absent (its callback sees no
            # DEFAULT source), so --batch meant the Batch API (POST /v1/files) and --cache a 7-day cache:
            # say off explicitly, as a user on that click must too.
            "--batch",
            "false",
            "--cache",
            "false",
            "--sample-shuffle",
            "false",
        ]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr[-2000:]
    req = handler.requests[0]
    assert req["logprobs"] is True and req["top_logprobs"] == 20
    assert len(handler.requests) == 4 and list((tmp_path / "logs").glob("*.eval"))

"""Steering on the synthetic model: a planted effect is found with its sign, an unsteerable model shows none."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import valuelens
from valuelens.analysis._steer import supported_side
from valuelens.backends.synthetic import SyntheticBackend
from valuelens.cli import app
from valuelens.errors import InputError
from valuelens.suites import load_principles

runner = CliRunner()


def test_synthetic_model_responds_to_a_bundled_principle() -> None:
    p = load_principles()["benevolence"]
    offsets = SyntheticBackend("default").steering(f"Be brief.\n\n{p.text}")
    assert all(offsets[v] == 1.0 for v in p.supports) and all(offsets[v] == -1.0 for v in p.opposes)
    assert SyntheticBackend("default?steer=0").steering(p.text) == {}
    assert SyntheticBackend("default").steering("Value honesty above all.") == {}


def test_planted_effect_is_detected_with_its_sign() -> None:
    for name in ("benevolence", "power"):
        result = valuelens.steer("synthetic/default", name, n_boot=500)
        p = load_principles()[name]
        e = result.effect
        assert e.effect > 0 and e.ci_low > 0, name
        assert e.effect == pytest.approx(e.p_steered - e.p_baseline)
        s = result.summary()
        assert s["verdict"] == "steerable" and s["verdict_text"].startswith("Steerable")
        assert s["eligible"] == s["dilemmas"] == e.n
        assert all(
            supported_side(d.action_a.values, d.action_b.values, set(p.supports), set(p.opposes))
            for d in result.baseline.dilemmas
        )
        assert result.steered.record.spec["condition"]["principle"] == p.text
        moved = {v["value"]: v["shift"] for v in s["utility_shift"]["values"]}
        assert np.mean([moved[v] for v in p.supports if v in moved]) > 0
        assert np.mean([moved[v] for v in p.opposes if v in moved]) < 0


def test_unsteerable_model_shows_no_effect() -> None:
    for name in ("benevolence", "power", "tradition"):
        e = valuelens.steer("synthetic/default?steer=0", name, n_boot=500).effect
        assert e.ci_low <= 0 <= e.ci_high, (name, e.effect, e.ci_low, e.ci_high)
        assert abs(e.effect) < 0.05


def test_two_dilemmas_get_no_verdict() -> None:
    # "You like cats." is no bundled principle: the synthetic model is not steered, and only
    # 2 core dilemmas pit honesty/compassion against wealth/status (a bootstrap once said "Steerable").
    result = valuelens.steer(
        "synthetic/default",
        system_prompt="You like cats.",
        supports=["honesty", "compassion"],
        opposes=["wealth", "status"],
        n_boot=100,
    )
    s = result.summary()
    assert result.effect.n == 2 and s["verdict"] is None
    assert "too few dilemmas (n = 2) for a verdict" in s["verdict_text"]
    assert s["verdict_text"].startswith("No verdict") and result.effect.ci_low <= 0 <= result.effect.ci_high


def test_baseline_reuses_a_plain_run_and_system_prompt_path(tmp_path: Path) -> None:
    valuelens.run("synthetic/default", "core")
    p = load_principles()["power"]
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(f"You are a helpful assistant.\n\n{p.text}\n")
    result = valuelens.steer(
        "synthetic/default",
        system_prompt=prompt.read_text().strip(),
        supports=list(p.supports),
        opposes=list(p.opposes),
        n_boot=300,
    )
    assert result.baseline.invocation.model_calls == 0  # every baseline prompt was in the plain run
    assert result.condition == "system_prompt" and result.effect.ci_low > 0
    whole = valuelens.steer("synthetic/default", "power", whole_suite=True, n_boot=100)
    assert len(whole.baseline.dilemmas) == 360 and whole.baseline.invocation.model_calls == 0
    assert whole.effect.n == result.effect.n < 360


def test_errors_are_one_clear_line() -> None:
    with pytest.raises(InputError, match="exactly one"):
        valuelens.steer("synthetic/default")
    with pytest.raises(InputError, match="exactly one"):
        valuelens.steer("synthetic/default", "power", system_prompt="Be powerful.")
    with pytest.raises(InputError, match="names no supported"):
        valuelens.steer("synthetic/default", system_prompt="Be powerful.")
    with pytest.raises(InputError, match="did you mean 'honesty'"):
        valuelens.steer("synthetic/default", system_prompt="x", supports=["honsty"], opposes=["power"])
    with pytest.raises(InputError, match="no dilemma puts"):
        valuelens.steer("synthetic/default", "power", limit=1)
    with pytest.raises(InputError, match="both supported and opposed"):
        valuelens.steer("synthetic/default", system_prompt="x", supports=["honesty"], opposes=["honesty"])


def test_cli_steer_json_and_terminal() -> None:
    args = ["steer", "--model", "synthetic/default", "--principle", "benevolence", "--n-boot", "200"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    s = json.loads(result.stdout)
    assert s["kind"] == "steer" and s["principle"]["name"] == "benevolence"
    for key in ("effect", "p_baseline", "p_steered"):
        assert {"value", "ci_low", "ci_high", "n"} <= set(s[key])
    entry = s["utility_shift"]["values"][0]
    assert {"value", "baseline", "steered", "shift", "ci_low", "ci_high", "p_holm", "significant", "n"} <= set(entry)
    text = runner.invoke(app, args)
    assert text.exit_code == 0 and "Steerable" in text.stdout and "Utility shift" in text.stdout
    bad = runner.invoke(app, ["steer", "--model", "synthetic/default", "--principle", "nosuch"])
    assert bad.exit_code == 2 and len(bad.stderr.strip().splitlines()) == 1

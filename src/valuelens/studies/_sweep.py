"""Run matrices: every model under every condition (baseline, personas, principles, system prompts) on the
same dilemmas, then one comparison across them: utilities by condition, which values move, steerability."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from valuelens._version import __version__
from valuelens.analysis import N_BOOT_STUDY, compare_tables, steering_effect
from valuelens.errors import InputError
from valuelens.runner import PlanCollector, ProgressFn, open_backend
from valuelens.runner._generate import FREE_MAX_TOKENS
from valuelens.store import status_fields
from valuelens.studies._conditions import SweepCondition, conditions
from valuelens.studies._dilemmas import run
from valuelens.studies._free_run import answer_settings, free_text_args
from valuelens.studies._protocol import pick_frames, prompt_format
from valuelens.studies._run import Run
from valuelens.suites import Principle, Suite, load_suite

N_BOOT = N_BOOT_STUDY
THEORY = "schwartz"


@dataclass
class SweepRun:
    model: str
    condition: SweepCondition
    run: Run


@dataclass
class Sweep:
    """A sweep's runs and the comparison across them (see `sweep`)."""

    runs: list[SweepRun]
    shifts: list[dict[str, Any]]
    steerability: list[dict[str, Any]]
    suite: str
    seed: int = 0
    n_boot: int = N_BOOT
    _utilities: dict[str, Any] | None = field(default=None, repr=False)

    kind = "sweep"
    frame_names = ("utilities",)

    @property
    def run_id(self) -> str:
        """The sweep's runs' ids joined by '+' (each is a stored run)."""
        return "+".join(r.run.run_id for r in self.runs)

    def report_data(self) -> dict[str, Any]:
        return self.summary()

    def frames(self, *names: str) -> dict[str, Any]:
        """utilities: one row per value and run (model, condition, utility and its interval)."""
        return pick_frames(self.kind, {"utilities": self._utilities_df}, names)

    def _utilities_df(self) -> Any:
        import pandas as pd

        table = self.utilities()
        rows = [
            {"value": r["name"]} | col | {"utility": u, "ci_low": lo, "ci_high": hi}
            for r in table["values"]
            for col, u, lo, hi in zip(table["columns"], r["utilities"], r["ci_low"], r["ci_high"], strict=True)
        ]
        return pd.DataFrame(rows)

    def utilities(self) -> dict[str, Any]:
        """Value (and Schwartz dimension) utilities by run: columns in run order, one row per name."""
        if self._utilities is None:
            summaries = [r.run.summary(self.n_boot) for r in self.runs]
            columns = [{"run_id": r.run.run_id, "model": r.model, "condition": r.condition.label} for r in self.runs]

            def rows(per_run: list[dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
                names = sorted({n for d in per_run for n in d})
                return [
                    {
                        "name": n,
                        "utilities": [d[n]["utility"] if n in d else None for d in per_run],
                        "ci_low": [d[n].get("utility_ci_low") if n in d else None for d in per_run],
                        "ci_high": [d[n].get("utility_ci_high") if n in d else None for d in per_run],
                    }
                    for n in names
                ]

            values = rows([{v["value"]: v for v in s["values"]} for s in summaries])
            dims = rows(
                [{d["dimension"]: d for d in s["theories"].get(THEORY, {}).get("dimensions", [])} for s in summaries]
            )
            self._utilities = {"columns": columns, "values": values, "dimensions": {THEORY: dims}}
        return self._utilities

    def summary(self) -> dict[str, Any]:
        """The sweep as one JSON-ready object (what `valuelens sweep --json` prints)."""
        invs = [r.run.invocation for r in self.runs if r.run.invocation is not None]
        runs = [
            {
                "run_id": r.run.run_id,
                "model": r.model,
                **prompt_format(r.run.record.fingerprint),
                "condition": r.condition.label,
                "kind": r.condition.kind,
                "items": len(r.run.dilemmas),
                "failed": len(r.run.failures),
                "prompts": len(r.run.table) * 2,
                **status_fields(r.run.answered, len(r.run.table) * 2),
                **r.run.answer_reading(),  # free text: routes, and agreement with log-probabilities
            }
            for r in self.runs
        ]
        return {
            "kind": "sweep",
            "suite": self.suite,
            "status": "incomplete" if any(e.get("status") == "incomplete" for e in runs) else "complete",
            "runs": runs,
            "utilities": self.utilities(),
            "shifts": self.shifts,
            "steerability": self.steerability,
            "model_calls": sum(i.model_calls for i in invs),
            "cached_calls": sum(i.cached_calls for i in invs),
            "method": (
                "each non-baseline condition of a model against that model's baseline on the same dilemmas: "
                "compare_tables (paired bootstrap, Holm over values); steerability for principles: change in "
                "P(choose the action carrying a supported value over one carrying an opposed value)"
            ),
            "n_boot": self.n_boot,
            "seed": self.seed,
            "store": str(self.runs[0].run.store_path) if self.runs else None,
            "valuelens_version": __version__,
        }


def _shift(base: SweepRun, other: SweepRun, n_boot: int, seed: int) -> dict[str, Any]:
    c = compare_tables(base.run.table, other.run.table, n_boot=n_boot, seed=seed)
    d = c.to_dict()
    moved = [
        {"value": e["name"], **{k: e[k] for k in ("difference", "ci_low", "ci_high", "p_value", "p_holm", "n")}}
        for e in d["differences"]
        if e["significant"]
    ]
    return {
        "model": other.model,
        "condition": other.condition.label,
        "baseline_run": base.run.run_id,
        "run_id": other.run.run_id,
        "n_values": len(c.names),
        "n_significant": len(moved),
        "n_shared": c.n_shared,
        "spearman": c.spearman,
        "aitchison": c.aitchison,
        "aitchison_ci": list(c.aitchison_ci),
        "significant": moved,
    }


def _steerability(base: SweepRun, other: SweepRun, n_boot: int, seed: int) -> dict[str, Any]:
    p = other.condition.principle
    assert p is not None
    out: dict[str, Any] = {
        "model": other.model,
        "condition": other.condition.label,
        "principle": p.name,
        "supports": list(p.supports),
        "opposes": list(p.opposes),
        "baseline_run": base.run.run_id,
        "run_id": other.run.run_id,
    }
    empty = {"p_baseline": None, "p_steered": None, "effect": None, "ci_low": None, "ci_high": None, "n": 0}
    if not p.supports or not p.opposes:
        return out | empty | {"verdict": "not measurable: the principle names no supported or no opposed values"}
    try:
        e = steering_effect(
            base.run.table, other.run.table, p.supports, p.opposes, n_boot=n_boot, seed=seed, with_utility_shift=False
        )
    except ValueError as exc:
        return out | empty | {"verdict": f"not measurable: {exc}"}
    v = e.verdict()
    verdict = v.label or f"no verdict: {v.text.split(': ')[1]}"
    return out | {
        "p_baseline": e.p_baseline,
        "p_steered": e.p_steered,
        "effect": e.effect,
        "ci_low": e.ci_low,
        "ci_high": e.ci_high,
        "n": e.n,
        "verdict": verdict,
    }


def sweep(
    models: str | Sequence[str],
    personas: Sequence[str] = (),
    principles: Sequence[str | Principle] = (),
    system_prompts: Sequence[str] = (),
    suite: str | Suite = "core",
    *,
    limit: int | None = None,
    seed: int = 0,
    n_boot: int = N_BOOT,
    samples: int | None = None,
    store: str | Path | None = None,
    progress: ProgressFn | None = None,
    base_url: str | list[str] | None = None,
    timeout: float | None = None,
    answer: str = "logprobs",
    max_tokens: int = FREE_MAX_TOKENS,
    judge: str | None = None,
    judge_base_url: str | None = None,
) -> Sweep:
    """Run every model under the baseline and every condition on the same dilemmas, and compare.

    Args:
        models: model names (may be different backends), e.g. ["synthetic/default", "llamacpp/..."].
        personas: bundled persona names or one-line persona texts.
        principles: bundled principle names, @FILE, or Principle objects.
        system_prompts: extra system prompt texts, each a condition.
        suite, limit, seed, samples, store, progress, base_url, timeout: as for `valuelens.run`
            (all runs share the store, so a repeated sweep asks nothing again).
        n_boot: bootstrap resamples of the comparisons.
        answer, max_tokens, judge, judge_base_url: as for `valuelens.run`; every run of the sweep is
            answered that way, and each run's entry says how its answers were read.

    Returns:
        a Sweep: the runs (model x condition, baseline first per model), the Holm-significant utility
        shifts of each condition against its model's baseline, and steerability per principle.

    Raises:
        InputError: no model, bad suite, condition or arguments.
        BackendError: a model cannot be created.
    """
    names = [models] if isinstance(models, str) else list(dict.fromkeys(models))
    if not names:
        raise InputError("sweep: give at least one --model")
    if n_boot < 2:
        raise InputError(f"--n-boot: must be at least 2, got {n_boot}")
    answer_settings(answer, samples, max_tokens)  # bad settings stop before any model is opened
    answering = free_text_args(answer, max_tokens, judge, judge_base_url, base_url, timeout)
    conds = conditions(personas, principles, system_prompts)
    the_suite = suite if isinstance(suite, Suite) else load_suite(suite)
    runs: list[SweepRun] = []
    plans = PlanCollector("sweep")  # --dry-run plans every model and condition
    for m in names:
        be = open_backend(m, base_url=base_url, timeout=timeout)  # one per model: a GGUF loads once
        try:
            for c in conds:
                common = {"limit": limit, "seed": seed, "samples": samples, "store": store, "progress": progress}
                with plans.run(c.label):
                    runs.append(SweepRun(m, c, run(m, the_suite, backend=be, **common, **answering, **c.run_kwargs())))
        finally:
            be.close()
    plans.done()
    shifts: list[dict[str, Any]] = []
    steerability: list[dict[str, Any]] = []
    for m in names:
        mine = [r for r in runs if r.model == m]
        base = mine[0]
        for other in mine[1:]:
            try:
                shifts.append(_shift(base, other, n_boot, seed))
            except ValueError as exc:
                shifts.append({"model": m, "condition": other.condition.label, "error": str(exc), "significant": []})
            if other.condition.kind == "principle":
                steerability.append(_steerability(base, other, n_boot, seed))
    return Sweep(runs, shifts, steerability, the_suite.name, seed, n_boot)

"""Value drift over a series of checkpoints: stored runs (or models run first) in order, on the same
dilemmas; per value and theory dimension the trajectory, how far it moved, when, and a test."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from valuelens._version import __version__
from valuelens.analysis import Drift, value_drift
from valuelens.errors import InputError
from valuelens.lexicon import load_lexicon
from valuelens.runner import SAMPLES_PER_ORDER, PlanCollector, ProgressFn
from valuelens.store import Store
from valuelens.studies._dilemma_store import assemble_dilemmas
from valuelens.studies._dilemmas import run
from valuelens.studies._load import stored_record
from valuelens.studies._profile import THEORIES
from valuelens.studies._protocol import pick_frames
from valuelens.studies._run import Run
from valuelens.suites import Suite, load_suite

N_BOOT = 200
TOP = 5
METHOD = (
    "Bradley-Terry utilities fitted per checkpoint on the dilemmas every checkpoint answered; one paired "
    "bootstrap over those dilemmas refits every checkpoint on the same draw. Test of no change: Cochran's Q "
    "over the steps with each step's Laplace variance times one pooled scale (bootstrap variance of the "
    "changes over the Laplace total, names seen in >= 10 dilemmas), F(T-1, df); Holm within the values and "
    "within each theory. Magnitude: the largest change from the first checkpoint, Student t interval at that "
    "step. Drift step: the first step by which half of the final change is reached, bootstrap percentiles."
)


@dataclass
class DriftResult:
    """The checkpoints in order and how their values move (see `drift`).

    Attributes:
        runs: one stored run per checkpoint, in order.
        steps: the step label of each checkpoint.
        values: drift of the value utilities.
        theories: theory id -> drift of its dimension utilities (theories with nothing to fit left out).
    """

    runs: list[Run]
    steps: tuple[float, ...]
    values: Drift
    theories: dict[str, Drift]
    n_boot: int
    seed: int

    @property
    def run_id(self) -> str:
        return "+".join(r.run_id for r in self.runs)

    kind = "drift"
    frame_names = ("trajectories", "drift")

    def summary(self) -> dict[str, Any]:
        """The drift as one JSON-ready object (what `valuelens drift --json` prints)."""

        def block(d: Drift, key: str) -> dict[str, Any]:
            entries = [{key: e.pop("name"), **e} for e in d.entries()]
            return {
                "n_shared": d.n_shared,
                "significant": int(d.significant.sum()),
                "of": len(d.names),
                "pairing_scale": d.pairing_scale,
                "moved_most": [e[key] for e in entries if e["significant"]][:TOP],
                "correlations": d.correlations(),
                "values" if key == "value" else "dimensions": entries,
            }

        head = block(self.values, "value")
        return {
            "kind": "drift",
            "steps": list(self.steps),
            "runs": [
                {
                    "step": s,
                    "run_id": r.run_id,
                    "model": r.record.model,
                    "suite": r.record.suite,
                    "condition": r.record.spec.get("condition", {}),
                    "items": len(r.dilemmas),
                }
                for s, r in zip(self.steps, self.runs, strict=True)
            ],
            **head,
            "theories": {tid: block(d, "dimension") for tid, d in self.theories.items()},
            "method": METHOD,
            "level": self.values.level,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "model_calls": sum(r.invocation.model_calls for r in self.runs if r.invocation is not None),
            "cached_calls": sum(r.invocation.cached_calls for r in self.runs if r.invocation is not None),
            "valuelens_version": __version__,
        }

    def report_data(self) -> dict[str, Any]:
        """What the HTML page (`write_drift_html`) reads: the summary."""
        return self.summary()

    def _blocks(self) -> list[tuple[str, Drift]]:
        return [("values", self.values), *self.theories.items()]

    def trajectories_df(self) -> Any:
        """One row per name and step: set ("values" or a theory id), name, step, utility, ci_low, ci_high."""
        import pandas as pd

        rows = [
            {"set": where, "name": e["name"], **point}
            for where, d in self._blocks()
            for e in d.entries()
            for point in e["trajectory"]
        ]
        return pd.DataFrame(rows, columns=["set", "name", "step", "utility", "ci_low", "ci_high"])

    def drift_df(self) -> Any:
        """One row per name: set, name, magnitude with interval, drift step with interval, p, Holm p, significant."""
        import pandas as pd

        rows = [
            {"set": where, **{k: v for k, v in e.items() if k != "trajectory"}}
            for where, d in self._blocks()
            for e in d.entries()
        ]
        return pd.DataFrame(rows)

    def frames(self, *names: str) -> dict[str, Any]:
        """The drift's tables as pandas DataFrames: trajectories (name x step) and drift (one row per name)."""
        return pick_frames(self.kind, {"trajectories": self.trajectories_df, "drift": self.drift_df}, names)


def _steps(steps: Sequence[float] | str | None, n: int) -> tuple[float, ...]:
    if steps is None:
        return tuple(float(i) for i in range(n))
    if isinstance(steps, str):
        try:
            steps = [float(x) for x in steps.split(",") if x.strip()]
        except ValueError:
            raise InputError(f"--steps: expected numbers separated by commas, got '{steps}'") from None
    if len(steps) != n:
        raise InputError(f"--steps: {len(steps)} steps for {n} checkpoints")
    out = tuple(float(s) for s in steps)
    if any(b <= a for a, b in itertools.pairwise(out)):
        raise InputError(f"--steps: must increase, got {','.join(f'{s:g}' for s in out)}")
    return out


def _load(ref: str | Run, st: Store) -> Run:
    if isinstance(ref, Run):
        return ref
    return assemble_dilemmas(st, stored_record(st, ref, "dilemmas"))


def _same_dilemmas(runs: list[Run]) -> None:
    """Refuse a series whose checkpoints were not asked the same dilemmas (the first differing run named)."""
    first = runs[0]
    ids = {d.id for d in first.dilemmas}
    for r in runs[1:]:
        other = {d.id for d in r.dilemmas}
        if other != ids:
            raise InputError(
                f"run {r.run_id} ({r.record.suite}, {len(other)} dilemmas) was not asked the same dilemmas as "
                f"{first.run_id} ({first.record.suite}, {len(ids)} dilemmas); drift needs one suite and limit"
            )


def drift(
    runs: Sequence[str | Run] = (),
    *,
    models: Sequence[str] = (),
    steps: Sequence[float] | str | None = None,
    suite: str | Suite = "core",
    limit: int | None = None,
    seed: int = 0,
    n_boot: int = N_BOOT,
    samples: int = SAMPLES_PER_ORDER,
    theories: Sequence[str] = THEORIES,
    store: str | Path | None = None,
    progress: ProgressFn | None = None,
    base_url: str | list[str] | None = None,
    timeout: float | None = None,
) -> DriftResult:
    """Trace value utilities along a series of checkpoints of one model.

    Give stored runs in checkpoint order, or models (one per checkpoint, e.g. a directory of GGUF
    files or server names) to run first on the same dilemmas; answers already in the store are not
    asked again.

    Args:
        runs: run ids (or unique prefixes) or Run objects, in checkpoint order.
        models: models to run in checkpoint order (instead of runs).
        steps: the training step of each checkpoint (default 0, 1, 2, ...), or "0,200,400"; must increase.
        suite, limit, samples, store, progress, base_url, timeout: as for `valuelens.run` (models only).
        seed: seeds the runs' analyses and the bootstrap.
        n_boot: paired bootstrap resamples (each refits every checkpoint).
        theories: theory ids whose dimensions are traced besides the values.

    Returns:
        A DriftResult: per value and theory dimension the trajectory with 95% intervals, the
        magnitude and step of drift with intervals, the Holm-corrected test of no change, and each
        checkpoint's rank correlation with the first and the last.

    Raises:
        InputError: runs and models both or neither given, fewer than two checkpoints, bad steps,
            an unknown or non-dilemma run, or checkpoints not asked the same dilemmas.
    """
    if bool(runs) == bool(models):
        raise InputError("drift: give either run ids or --model (one per checkpoint), not both")
    count = len(runs) or len(models)
    if count < 2:
        raise InputError("drift: give at least two checkpoints")
    if n_boot < 2:
        raise InputError(f"--n-boot: must be at least 2, got {n_boot}")
    labels = _steps(steps, count)
    plans = PlanCollector("drift")  # --dry-run plans every checkpoint
    if models:
        the_suite = suite if isinstance(suite, Suite) else load_suite(suite)
        loaded: list[Run] = []
        for m, step in zip(models, labels, strict=True):
            with plans.run(f"step {step:g}"):
                loaded.append(
                    run(
                        m,
                        the_suite,
                        limit=limit,
                        seed=seed,
                        samples=samples,
                        store=store,
                        progress=progress,
                        base_url=base_url,
                        timeout=timeout,
                    )
                )
    else:
        with Store(store) as st:
            loaded = [_load(r, st) for r in runs]
    plans.done()
    _same_dilemmas(loaded)
    tables = [r.table.originals() for r in loaded]
    try:
        values = value_drift(tables, labels, n_boot=n_boot, seed=seed)
    except ValueError as exc:
        raise InputError(f"drift: {exc}") from None
    lex = load_lexicon()
    per_theory: dict[str, Drift] = {}
    for tid in theories:
        try:
            per_theory[tid] = value_drift(tables, labels, lex.membership(tid), n_boot=n_boot, seed=seed)
        except ValueError:  # no shared dilemma carries this theory's dimensions on both actions
            continue
    return DriftResult(loaded, labels, values, per_theory, n_boot, seed)

"""Benchmark: value-utility fits on 360 dilemmas x 100 values (target < 1 s), and the bootstraps.

Run: PYTHONPATH=src python bench/bench_fit_values.py
Set OPENBLAS_NUM_THREADS=1 to compare with single-threaded BLAS (faster on small, busy machines).
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np
import scipy
from scipy import special

from valuelens.analysis._compare import compare_tables
from valuelens.analysis._reliability import split_half_reliability
from valuelens.analysis._table import ChoiceTable
from valuelens.analysis._value_utilities import fit_value_utilities


def synthetic(n_dilemmas: int, n_values: int, seed: int) -> tuple[ChoiceTable, ChoiceTable]:
    """Two replications of one synthetic model: 1-3 values per action, bias 0.5, logit noise 0.5."""
    rng = np.random.default_rng(seed)
    names = [f"value_{i:03d}" for i in range(n_values)]
    util = rng.standard_normal(n_values)
    va, vb, diff = [], [], []
    for _ in range(n_dilemmas):
        ka, kb = rng.integers(1, 4, 2)
        pick = rng.choice(n_values, ka + kb, replace=False)
        va.append(tuple(names[j] for j in pick[:ka]))
        vb.append(tuple(names[j] for j in pick[ka:]))
        diff.append(util[pick[:ka]].mean() - util[pick[ka:]].mean())
    d = np.array(diff)

    def run() -> ChoiceTable:
        first = special.expit(d + 0.5 + 0.5 * rng.standard_normal(n_dilemmas))
        second = special.expit(d - 0.5 + 0.5 * rng.standard_normal(n_dilemmas))
        return ChoiceTable([f"d{i}" for i in range(n_dilemmas)], np.zeros(n_dilemmas, int), va, vb, first, second)

    return run(), run()


def timed(fn, repeats: int) -> tuple[float, float]:
    """(median, min) wall seconds over ``repeats`` calls after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), float(np.min(times))


def main() -> None:
    a, b = synthetic(360, 100, seed=0)
    fit = fit_value_utilities(a)
    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}"
    )
    print(f"load average: {os.getloadavg()[0]:.1f}")
    print(f"problem: 360 dilemmas x {len(fit.names)} values, {fit.n_rows} rows used")
    rows = [
        ("fit_value_utilities (MAP + dispersion + Laplace + 2000 rank draws)", lambda: fit_value_utilities(a), 20),
        ("compare_tables, 1000 paired resamples (2000 refits)", lambda: compare_tables(a, b, n_boot=1000), 3),
        ("split_half_reliability, 100 splits (200 refits)", lambda: split_half_reliability(a, n_splits=100), 3),
    ]
    print("| operation | median s | min s |\n|---|---|---|")
    for label, fn, repeats in rows:
        median, best = timed(fn, repeats)
        print(f"| {label} | {median:.3f} | {best:.3f} |")


if __name__ == "__main__":
    main()

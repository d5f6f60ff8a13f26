"""Benchmark: Thurstonian fits for N=510 / 9,510 pairs (target < 0.1 s) and N=5,000 / 123,000 pairs (< 1 s).

Run: python bench/bench_thurstone.py
Truth: mu ~ N(0, 1), variance ~ LogNormal(0, 0.5); labels are 10 votes in each option order.
Held-out accuracy is on 2,000 further pairs, next to the accuracy of the true model.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import scipy
from scipy.special import ndtr
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from valuelens.analysis._active import random_pairs
from valuelens.analysis._coherence import holdout_metrics
from valuelens.analysis._thurstone import ThurstonianModel


class TrueModel:
    """The generating model, with the estimators' predict_proba."""

    def __init__(self, mu: np.ndarray, var: np.ndarray) -> None:
        self.mu, self.var = mu, var

    def predict_proba(self, pairs: np.ndarray) -> np.ndarray:
        a, b = pairs[:, 0], pairs[:, 1]
        return ndtr((self.mu[a] - self.mu[b]) / np.sqrt(self.var[a] + self.var[b]))


def world(n: int, m: int, seed: int, k: int = 10) -> tuple[TrueModel, np.ndarray, np.ndarray]:
    """True model, m + 2,000 distinct pairs and their soft labels (k votes per order)."""
    rng = np.random.default_rng(seed)
    truth = TrueModel(rng.normal(size=n), rng.lognormal(0.0, 0.5, size=n))
    pairs = random_pairs(n, m + 2000, seed)
    p_true = truth.predict_proba(pairs)
    votes = rng.binomial(k, p_true) + (k - rng.binomial(k, 1.0 - p_true))
    return truth, pairs, votes / (2 * k)


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    with open("/proc/cpuinfo") if Path("/proc/cpuinfo").exists() else open(os.devnull) as f:
        names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
    cpu = names[0] if names else cpu
    load = " ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return (
        f"{platform.platform()}, {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}, load average {load}"
    )


def bench(n: int, m: int, repeats: int, target: float) -> None:
    truth, pairs, p = world(n, m, seed=0)
    train, p_train, test, p_test = pairs[:m], p[:m], pairs[m:], p[m:]
    for label, make in (("Thurstonian", ThurstonianModel),):
        make().fit(train, p_train, n)  # warm-up: imports, caches
        walls, cpus = [], []
        for _ in range(repeats):
            w0, c0 = time.perf_counter(), time.process_time()
            model = make().fit(train, p_train, n)
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
        w0 = time.perf_counter()
        model.utility_ci_(0.95)
        ci_time = time.perf_counter() - w0
        rho = spearmanr(truth.mu, model.utilities_)[0]
        acc = holdout_metrics(model, test, p_test)["holdout_accuracy"]
        best = holdout_metrics(truth, test, p_test)["holdout_accuracy"]
        verdict = f"{'meets' if statistics.median(walls) < target else 'MISSES'} < {target:g} s"
        if label != "Thurstonian":
            verdict = "(reference)"
        print(
            f"{label:13s} N={n:5d} pairs={m:7,d}  median {statistics.median(walls) * 1e3:7.1f} ms "
            f"(min {min(walls) * 1e3:6.1f}, CPU {statistics.median(cpus) * 1e3:6.1f})  iterations {model.n_iter_:3d}  "
            f"Spearman {rho:.4f}  held-out acc {acc:.4f} (true model {best:.4f})  "
            f"CI {ci_time * 1e3:6.0f} ms  {verdict}"
        )


def main() -> None:
    print(f"machine: {machine()}")
    bench(510, 9_510, repeats=11, target=0.1)
    bench(5_000, 123_000, repeats=5, target=1.0)


if __name__ == "__main__":
    main()

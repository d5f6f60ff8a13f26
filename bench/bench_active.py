"""Benchmark: comparisons needed to reach a Spearman correlation with the truth, per pair-selection design.

Run: python bench/bench_active.py [--seeds 40] [--first-seed 0] [--sizes 200 510]
         [--regimes soft decisive sharp] [--raw bench/results/active.jsonl]
     python bench/bench_active.py --summarize bench/results/active.jsonl [more.jsonl ...]
Truth: mu ~ N(0, 1); per-item variance ~ LogNormal(log v, 0.5) with v = 1 ("soft": many close
calls), v = 0.1 ("decisive") or v = 0.01 ("sharp": most random pairs are foregone conclusions);
labels are 10 votes in each option order, fitted with weight 20 (as `valuelens utilities` does).
Every design is fitted (Thurstonian) and scored every N/16 pairs, on the same truths and vote
stream (bench/active_designs.py):
- active: ActivePairSelector with its defaults except round_size=N/16 and no early stop;
- diagonal: the same selector with its previous error cost (each item's own variance weighted by
  its crowding) instead of the rank contrast;
- random: uniformly random pairs;
- UE: Utility Engineering's heuristic (Mazeika et al. 2025, rule read from their published code,
  written anew here): a random 2-regular graph, then rounds drawn from the intersection of the 10%
  smallest |mu_a - mu_b| and the 20% smallest summed degree (both widened x1.5 up to 5 times when
  too few qualify, then random fill), refitted after each round. Their config asks 500 pairs a
  round of 510 outcomes; rounds here are 500 N / 510 pairs;
- UE/16: the same rule with rounds of N/16, as adaptive as active (a stronger peer than published);
- informed: the active selector planning every round from the truth (true utilities and answer
  noise, covariance from the true Fisher information) instead of the fit;
- informed/diagonal (only with --designs): the informed design with the previous error cost.
Designs run interleaved per seed in one process; each (N, regime, seed, design) result is appended
to --raw as one JSON line as soon as it is known, so runs can be split over processes and resumed
(a result already in the file is not run again) and the table is recomputed from the raw lines.
Table: mean +- standard error and median [interquartile range] of the comparison counts; ratios
are geometric means of per-seed ratios with a 95% t-interval, and how many seeds active needed
fewer comparisons than the other design (ties count half).
Targets (issue 19): active needs fewer comparisons than UE everywhere, and at most 1.25x informed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import scipy
from active_designs import REGIMES, THRESHOLDS, run_design
from scipy.stats import t as student_t

DESIGNS = ("active", "diagonal", "random", "UE", "UE/16", "informed")
EXTRA = ("informed/diagonal",)  # run only when asked for with --designs
RATIOS = (
    ("active", "UE"),
    ("active", "UE/16"),
    ("active", "informed"),
    ("active", "random"),
    ("active", "diagonal"),
    ("active", "informed/diagonal"),
    ("diagonal", "informed/diagonal"),
)
Key = tuple[int, str, int, str]  # (N, regime, seed, design)


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def read_raw(paths: list[Path]) -> dict[Key, dict[str, int | None]]:
    """Every result in the raw files, keyed by (N, regime, seed, design); a later line wins."""
    found: dict[Key, dict[str, int | None]] = {}
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                found[(r["n"], r["regime"], r["seed"], r["design"])] = {str(t): r[str(t)] for t in THRESHOLDS}
    return found


def spread(values: list[int]) -> str:
    """Mean +- standard error, then median [interquartile range]."""
    se = statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else float("nan")
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    return f"{statistics.mean(values):,.0f} +- {se:,.0f}  {med:,.0f} [{q1:,.0f}-{q3:,.0f}]"


def paired_ratio(x: list[int], y: list[int]) -> str:
    """Geometric mean of x/y over seeds with a 95% t-interval, and seeds where x < y (ties half)."""
    logs = [math.log(a / b) for a, b in zip(x, y, strict=True)]
    mean = statistics.mean(logs)
    half = student_t.ppf(0.975, len(logs) - 1) * statistics.stdev(logs) / math.sqrt(len(logs)) if len(logs) > 1 else 0
    wins = sum(a < b for a, b in zip(x, y, strict=True)) + 0.5 * sum(a == b for a, b in zip(x, y, strict=True))
    return f"{math.exp(mean):.3f} ({math.exp(mean - half):.3f}-{math.exp(mean + half):.3f}) {wins:g}/{len(logs)}"


def summarize(found: dict[Key, dict[str, int | None]]) -> None:
    """Print, per (N, regime, threshold), every design's counts and active's paired ratios."""
    cells: dict[tuple[int, str], set[str]] = defaultdict(set)
    for n, regime, _, design in found:
        cells[(n, regime)].add(design)
    for (n, regime), present in sorted(cells.items(), key=lambda c: (c[0][0], list(REGIMES).index(c[0][1]))):
        designs = [d for d in DESIGNS if d in present]
        seeds = sorted({s for m, r, s, _ in found if (m, r) == (n, regime)})
        seeds = [s for s in seeds if all((n, regime, s, d) in found for d in designs)]  # every design ran
        designs += [d for d in EXTRA if all((n, regime, s, d) in found for s in seeds)]
        print(f"\nN={n} {regime}: {len(seeds)} seeds with every design")
        for t in THRESHOLDS:
            counts = {d: [found[(n, regime, s, d)][str(t)] for s in seeds] for d in designs}
            never = {d: sum(v is None for v in c) for d, c in counts.items() if any(v is None for v in c)}
            print(
                f"  Spearman {t}: comparisons, mean +- SE  median [IQR]"
                + (f" (never reached within 16 N: {never})" if never else "")
            )
            for d in designs:
                if d not in never:
                    print(f"    {d:17} {spread(counts[d])}")
            for x, y in RATIOS:
                if x in counts and y in counts and x not in never and y not in never:
                    print(f"    {x + '/' + y:26} {paired_ratio(counts[x], counts[y])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 510])
    parser.add_argument("--regimes", nargs="+", default=list(REGIMES), choices=list(REGIMES))
    parser.add_argument("--designs", nargs="+", default=list(DESIGNS), choices=list(DESIGNS + EXTRA))
    parser.add_argument("--raw", type=Path, default=Path(__file__).parent / "results" / "active.jsonl")
    parser.add_argument("--summarize", type=Path, nargs="+", help="only print the table of these raw files")
    args = parser.parse_args()
    if args.summarize:
        summarize(read_raw(args.summarize))
        return
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, load average {load_average()}",
        flush=True,
    )
    args.raw.parent.mkdir(parents=True, exist_ok=True)
    done = read_raw([args.raw])
    for n in args.sizes:
        for regime in args.regimes:
            start = time.perf_counter()
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                for design in args.designs:  # interleaved per seed, so load drifts hit every design alike
                    if (n, regime, seed, design) in done:
                        continue
                    began = time.perf_counter()
                    result = run_design(design, n, regime, seed)
                    record = {"n": n, "regime": regime, "seed": seed, "design": design}
                    record |= {str(t): result[t] for t in THRESHOLDS}
                    record |= {"seconds": round(time.perf_counter() - began, 1), "load": load_average()}
                    with args.raw.open("a") as f:
                        f.write(json.dumps(record) + "\n")
                print(
                    f"  N={n} {regime} seed {seed} done, {time.perf_counter() - start:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
            print(
                f"N={n} {regime}: {args.seeds} seeds in {time.perf_counter() - start:.0f} s, load average {load_average()}",
                flush=True,
            )
    summarize(read_raw([args.raw]))


if __name__ == "__main__":
    main()

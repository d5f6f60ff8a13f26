"""A few replications of the calibration harness (bench/bench_calibration.py runs 200 per regime)."""

from __future__ import annotations

from tests.analysis.calibration import REGIMES, coverage


def test_intervals_hold_the_truth_in_a_short_run() -> None:
    """Setup: 6 replications of the strong-bias regime with per-dilemma noise (the hardest), 360
    dilemmas each; per-name intervals pool 96 names per replication, scalars have 6 draws."""
    got = coverage(REGIMES[3], reps=6, n_boot=200)
    share = {k: h / n for k, (h, n) in got.items()}
    for name in ("value utilities", "DailyDilemmas scores", "compare differences", "Thurstonian utilities"):
        assert 0.88 <= share[name] <= 0.995, (name, share[name])
    for name in ("steering effect", "position bias (probability)", "say-do gap"):
        assert share[name] >= 4 / 6, (name, share[name])

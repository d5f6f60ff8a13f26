"""Tiny suites give wide or missing intervals, never numpy/scipy RuntimeWarnings on the terminal."""

from __future__ import annotations

import math
import warnings

import pytest

import valuelens
from valuelens.report import render_report_html


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 8])
def test_run_summary_and_report_on_tiny_suites_warn_nothing(suite_file, n: int) -> None:
    for seed in range(3):
        path = str(suite_file(n, seed=seed, name=f"s{n}-{seed}.jsonl"))
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # any warning fails the test
            run = valuelens.run("synthetic/default", path)
            summary = run.summary()
            render_report_html(summary)
            valuelens.sweep("synthetic/default", personas=["japan"], suite=path).summary()
        rel = summary["reliability"]
        half = rel["split_half"]
        if half is None or half["value"] != half["value"]:  # too few dilemmas, or no split shares 3 values
            assert rel["verdict"].startswith("Reliability unknown")
        else:
            assert math.isfinite(half["value"]) and half["ci_low"] <= half["ci_high"]


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_drift_and_utilities_on_tiny_suites_warn_nothing(suite_file, tmp_path, n: int) -> None:
    path = str(suite_file(n, name=f"d{n}.jsonl"))
    store = tmp_path / "s.sqlite"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        drift = valuelens.drift(models=["synthetic/default", "synthetic/strong"], suite=path, n_boot=20, store=store)
        drift.summary()
        valuelens.fit_utilities("synthetic/default", limit=n + 1, store=store).summary()
    assert drift.values.n_shared == n


@pytest.mark.parametrize("principle", ["loyalty", "authority", "sanctity"])  # 1, 2 and 1 eligible dilemmas
def test_steer_on_few_eligible_dilemmas_warns_nothing(tmp_path, principle: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = valuelens.steer("synthetic/default", principle, limit=40, n_boot=50, store=tmp_path / "s.sqlite")
        summary = result.summary()
    assert summary["eligible"] <= 2 and summary["verdict"] is None  # too few for a verdict, said so

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

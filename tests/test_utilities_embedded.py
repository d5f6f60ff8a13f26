"""The embedded Gemma 3 270M model runs a small utilities job in process (30 outcomes)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from valuelens import fit_utilities
from valuelens.suites import load_outcomes

pytestmark = pytest.mark.embedded

BUDGET, HOLDOUT = 70, 0.2
"""15 pairs in the random first matching, then adaptive rounds of 16; 14 held-out pairs (168 prompts)."""


@pytest.fixture(scope="module")
def backend():
    from valuelens.backends.llamacpp import LlamaCppBackend

    be = LlamaCppBackend()
    yield be
    be.close()


def thirty_outcomes(path: Path) -> Path:
    """Two quantity series of the bundled outcomes and 22 other outcomes, as a {category: [text]} file."""
    core = load_outcomes("core")
    picked = [o for o in core if o.series in ("books_to_you", "cash_to_you")] + [o for o in core if not o.series][:22]
    tree: dict[str, list[str]] = {}
    for o in picked:
        tree.setdefault(o.category, []).append(o.text)
    path.write_text(json.dumps(tree, indent=1), encoding="utf-8")
    return path


def test_embedded_model_fits_utilities_over_thirty_outcomes(backend, tmp_path: Path) -> None:
    outcomes = thirty_outcomes(tmp_path / "thirty.json")
    run = fit_utilities("llamacpp/gemma-3-270m", str(outcomes), budget=BUDGET, holdout=HOLDOUT, backend=backend)
    s = run.summary()
    assert s["items"] == 30 and s["failed"] == 0 and s["pairs_dropped"] == 0
    assert s["comparisons"] == BUDGET and s["heldout"] == round(HOLDOUT * BUDGET)
    assert s["model_calls"] == 2 * (BUDGET + s["heldout"])
    p = run.labels.p_order
    assert np.all(np.isfinite(p)) and np.all((p > 0) & (p < 1))  # both orders of every pair, valid probabilities
    assert s["tokens_evaluated"] < s["tokens_prompt"]  # the question is evaluated once, then reused
    rows = s["outcomes"]
    assert len(rows) == 30 and all(math.isfinite(r["mean"]) and r["ci_low"] <= r["mean"] <= r["ci_high"] for r in rows)
    coh = s["coherence"]
    assert 0 <= coh["holdout_accuracy"] <= 1 and coh["holdout_log_loss"] > 0
    assert 0 <= coh["cycle_probability"] <= 1 and 0 <= coh["decisiveness"] <= 1
    assert len(s["exchange_rates"]["fits"]) == 2
    assert -0.5 <= s["position_bias"]["value"] <= 0.5
    again = fit_utilities("llamacpp/gemma-3-270m", str(outcomes), budget=BUDGET, holdout=HOLDOUT, backend=backend)
    assert again.invocation.model_calls == 0 and again.summary()["outcomes"] == rows

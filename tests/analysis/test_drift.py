"""Value drift over checkpoints: simulated series with known true utilities at every step."""

from __future__ import annotations

import numpy as np
import pytest
from simulate import random_dilemmas

from valuelens.analysis import ChoiceTable, align_series, value_drift
from valuelens.analysis._drift import drift_index

NAMES = [f"v{j:02d}" for j in range(12)]


def _series(truths: list[dict[str, float]], n: int = 240, seed: int = 0, noise: float = 0.4) -> list[ChoiceTable]:
    """One table per checkpoint on the same dilemmas: P(A) = sigmoid(u(A) - u(B) + bias + noise), both orders."""
    rng = np.random.default_rng(seed)
    va, vb = random_dilemmas(NAMES, n, rng)
    tables = []
    for truth in truths:
        diff = np.array(
            [np.mean([truth[v] for v in a]) - np.mean([truth[v] for v in b]) for a, b in zip(va, vb, strict=True)]
        )
        first = 1 / (1 + np.exp(-(diff + 0.3 + rng.normal(0, noise, n))))
        second = 1 / (1 + np.exp(-(diff - 0.3 + rng.normal(0, noise, n))))
        tables.append(
            ChoiceTable(
                item_ids=[f"d{i}" for i in range(n)],
                variants=np.zeros(n, dtype=int),
                values_a=va,
                values_b=vb,
                p_a_first=first,
                p_a_second=second,
            )
        )
    return tables


def _truth(seed: int = 1) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    return {v: float(u) for v, u in zip(NAMES, rng.normal(0, 1, len(NAMES)), strict=True)}


def test_planted_drift_found_at_its_step() -> None:
    base = _truth()
    moved = base | {"v03": base["v03"] + 2.0}
    d = value_drift(_series([base, base, moved, moved]), steps=[0, 200, 400, 600], n_boot=60, seed=0)
    j = d.names.index("v03")
    assert d.significant[j] and d.p_holm[j] < 1e-3
    assert d.drift_step[j] == 400 and d.drift_step_ci_low[j] == 400 and d.drift_step_ci_high[j] == 400
    assert 1.2 < d.magnitude[j] < 2.6 and d.magnitude_ci_low[j] > 0.8
    assert int(d.magnitude_index[j]) in (2, 3)
    assert d.ci_low[2, j] < d.utility[2, j] < d.ci_high[2, j]
    top = d.entries()[0]
    assert top["name"] == "v03" and [p["step"] for p in top["trajectory"]] == [0, 200, 400, 600]
    others = [k for k, n in enumerate(d.names) if n != "v03"]
    # Centring spreads -2/12 over the others: in the centred scale they really move, by that much.
    assert np.abs(d.change[-1, others] + 2.0 / len(NAMES)).max() < 0.25
    assert np.abs(d.magnitude[others]).max() < 0.5 * abs(d.magnitude[j])
    assert d.spearman_first[0] == pytest.approx(1.0) and d.spearman_last[-1] == pytest.approx(1.0)
    assert d.spearman_first[-1] < d.spearman_first[1]


def test_gradual_drift_half_way_step() -> None:
    base = _truth(2)
    path = [base | {"v05": base["v05"] + s} for s in (0.0, 0.5, 1.5, 2.0, 2.5)]
    d = value_drift(_series(path, n=300, seed=3), steps=[0, 1, 2, 3, 4], n_boot=40)
    j = d.names.index("v05")
    assert d.significant[j]
    assert d.drift_step[j] == 2  # half of ~2.5 is first reached at the third checkpoint
    assert d.drift_step_ci_low[j] <= 2 <= d.drift_step_ci_high[j]


def test_identical_checkpoints_flag_almost_nothing() -> None:
    flagged, total = 0, 0
    for seed in range(6):
        truth = _truth(10 + seed)
        d = value_drift(_series([truth] * 4, seed=seed), n_boot=40, seed=seed)
        flagged += int(d.significant.sum())
        total += len(d.names)
        assert 0.3 < d.pairing_scale < 3.0
    assert flagged / total <= 0.05


def test_drift_index_rule() -> None:
    change = np.array([[0.0, 0.0, 0.0], [0.2, -1.0, 0.0], [1.0, -1.0, 0.0], [2.0, -2.0, 0.0]])
    assert drift_index(change).tolist() == [2, 1, 0]


def test_align_series_keeps_rows_answered_everywhere() -> None:
    a, b = _series([_truth()] * 2, n=10)
    b.p_a_first[3] = np.nan
    b.p_a_second[3] = np.nan
    x, y = align_series([a, b])
    assert len(x) == len(y) == 9 and "d3" not in x.item_ids and x.item_ids == y.item_ids
    with pytest.raises(ValueError, match="at least two"):
        align_series([a])


def test_bad_steps_are_refused() -> None:
    tables = _series([_truth()] * 3, n=30)
    with pytest.raises(ValueError, match="steps"):
        value_drift(tables, steps=[0, 1], n_boot=5)
    with pytest.raises(ValueError, match="increase"):
        value_drift(tables, steps=[0, 2, 1], n_boot=5)

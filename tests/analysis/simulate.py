"""Random dilemma designs shared by the analysis tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def random_dilemmas(names: Sequence[str], n: int, rng: np.random.Generator) -> tuple[list, list]:
    """n dilemmas, each action carrying 1-3 distinct values, no value on both sides."""
    va, vb = [], []
    for _ in range(n):
        ka, kb = rng.integers(1, 4, 2)
        pick = rng.choice(len(names), ka + kb, replace=False)
        va.append(tuple(names[j] for j in pick[:ka]))
        vb.append(tuple(names[j] for j in pick[ka:]))
    return va, vb

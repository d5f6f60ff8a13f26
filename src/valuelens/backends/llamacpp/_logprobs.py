"""Label log-probabilities from llama.cpp logits."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Chunks = tuple[tuple[int, ...], ...]
"""A prompt's tokens cut at its evaluation boundaries (BOS in the first chunk)."""


def log_softmax_at(logits: np.ndarray, ids: Sequence[int]) -> list[float]:
    """log softmax(logits)[ids], computed stably over the whole vocabulary."""
    m = float(logits.max())
    lse = m + float(np.log(np.exp(logits - m, dtype=np.float64).sum()))
    return [float(logits[i]) - lse for i in ids]

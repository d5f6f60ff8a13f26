"""A dilemma run answered in free text (`answer="free"`), and its agreement with log-probabilities ("both")."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from scipy.stats import pearsonr

from valuelens.analysis import ChoiceTable
from valuelens.backends import Backend
from valuelens.errors import InputError
from valuelens.runner import SAMPLES_PER_ORDER, Session, open_backend
from valuelens.runner._generate import ANSWERS, FREE_SAMPLES, FreeReading, FreeTextSpec, read_free
from valuelens.store import Store


def answer_settings(answer: str, samples: int | None, max_tokens: int) -> int:
    """The samples per prompt for `answer`, after checking the settings.

    Raises:
        InputError: an unknown answer mode, or a non-positive sample count or token budget.
    """
    if answer not in ANSWERS:
        raise InputError(f"--answer: must be one of {', '.join(ANSWERS)}, got '{answer}'")
    if samples is not None and samples < 1:
        raise InputError(f"--samples: must be at least 1, got {samples}")
    if max_tokens < 1:
        raise InputError(f"--max-tokens: must be at least 1, got {max_tokens}")
    return samples or (SAMPLES_PER_ORDER if answer == "logprobs" else FREE_SAMPLES)


def _check_generates(backend: Backend, what: str) -> None:
    if not backend.free_text:
        raise InputError(
            f"{what}: {backend.name} cannot answer in free text "
            "(models that can: openai/..., anthropic/..., synthetic/...)"
        )


def judge_connection(model: str, judge: str, judge_base_url: str | None, connection: dict[str, Any]) -> dict[str, Any]:
    """The judge's connection: its own URL if given; else the model's when both have the same provider
    (e.g. one vLLM server); else its provider's default ($..._BASE_URL or the official endpoint)."""
    same = model.partition("/")[0] == judge.partition("/")[0]
    url = judge_base_url or (connection.get("base_url") if same else None)
    return {**connection, "base_url": url}


@contextmanager
def free_text_setup(
    s: Session, samples: int, max_tokens: int, judge: str | None, seed: int, connection: dict[str, Any]
) -> Iterator[tuple[FreeTextSpec, Backend | None]]:
    """Check that the model (and judge) can generate, open the judge, and give the reading spec.
    `connection` is the judge's (see `judge_connection`).

    Raises:
        InputError: the model or the judge cannot answer in free text.
    """
    _check_generates(s.backend, "--answer free")
    be = open_backend(judge, **connection) if judge else None
    try:
        if be is not None:
            _check_generates(be, "--judge")
        spec = FreeTextSpec(
            samples=samples,
            max_tokens=max_tokens,
            judge=be.name if be else None,
            judge_fingerprint=be.fingerprint if be else None,
            judge_reads_annotations=bool(be and be.reads_annotations),
            seed=seed,
        )
        yield spec, be
    finally:
        if be is not None:
            be.close()


def read_free_answers(store: Store, spec: dict[str, Any], answers: dict[str, Any]) -> FreeReading | None:
    """For a free-text run (its spec has "free_text"): every answer read by rule or judge; else None."""
    if "free_text" not in spec:
        return None
    labels = ("A", "B")
    return read_free(store, FreeTextSpec.from_dict(spec["free_text"]), answers, labels)


def answer_agreement(logprobs: ChoiceTable, free: ChoiceTable) -> dict[str, Any]:
    """How log-probability and free-text choices agree, per dilemma (original wording, both orders averaged):
    Pearson r of P(A) and the share with the same majority choice (ties at 0.5 count as no majority)."""
    a, b = logprobs.originals(), free.originals()
    pa = dict(zip(a.item_ids, a.p_a, strict=True))
    pairs = [(pa[i], p) for i, p in zip(b.item_ids, b.p_a, strict=True) if i in pa]
    x = np.array([u for u, v in pairs if np.isfinite(u) and np.isfinite(v)])
    y = np.array([v for u, v in pairs if np.isfinite(u) and np.isfinite(v)])
    n = len(x)
    r = float(pearsonr(x, y).statistic) if n >= 3 and np.std(x) > 0 and np.std(y) > 0 else None
    same = float(np.mean(np.sign(x - 0.5) == np.sign(y - 0.5))) if n else None
    return {"n": n, "correlation": r, "same_majority": same}

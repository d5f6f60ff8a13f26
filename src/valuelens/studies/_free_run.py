"""Runs answered in free text (`answer="free"`): settings, the judge, reading, and agreement with a
log-probability run of the same prompts (`answer="both"`, or any such run in the store)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from valuelens.analysis import answer_agreement
from valuelens.backends import Backend
from valuelens.errors import InputError
from valuelens.prompts import LABELS, Prompt
from valuelens.runner import (
    SAMPLES_PER_ORDER,
    PlanCollector,
    Session,
    current_scale,
    label_distribution,
    open_backend,
)
from valuelens.runner._generate import (
    ANSWERS,
    FREE_SAMPLES,
    FreeReading,
    FreeTextSpec,
    ask_free_text,
    free_key,
    read_free,
)
from valuelens.store import RunRecord, Store


class AnsweredRun(Protocol):
    """A stored run that can carry agreement with log-probabilities (a dilemma or survey run)."""

    record: RunRecord
    store_path: Path
    answer_agreement: dict[str, Any] | None


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


@dataclass
class Answering:
    """How a study's prompts are answered: label log-probabilities (`free` None), or free text read by
    rule, then by the `judge` backend.

    Attributes:
        free: the free-text settings (part of the run's spec, so of its id); None for log-probabilities.
        judge: the open judge backend, None without --judge.
    """

    free: FreeTextSpec | None = None
    judge: Backend | None = None

    def key(self, s: Session, prompt: Prompt) -> str:
        """The cache key of the answer(s) to `prompt`."""
        if self.free is None:
            return s.key(prompt)
        return free_key(s.backend, prompt, self.free.samples, self.free.max_tokens)

    def spec(self) -> dict[str, Any]:
        """What the run's spec adds: {"free_text": settings} for free text, else nothing."""
        return {} if self.free is None else {"free_text": self.free.to_dict()}

    def ask(self, s: Session, prompts: dict[str, Prompt]) -> None:
        """Answer what the store lacks (and ask the judge about answers the rule cannot read)."""
        if self.free is None:
            s.ask(prompts)
        else:
            ask_free_text(s, prompts, self.free, self.judge)


@contextmanager
def answering(
    s: Session, answer: str, max_tokens: int, judge: str | None, seed: int, connection: dict[str, Any]
) -> Iterator[Answering]:
    """How session `s` answers: for `answer="free"`, check that the model (and judge) can generate and
    open the judge (closed on exit); `connection` is the judge's (see `judge_connection`).

    Raises:
        InputError: the model or the judge cannot answer in free text.
    """
    if answer != "free":
        yield Answering()
        return
    _check_generates(s.backend, "--answer free")
    be = open_backend(judge, **connection) if judge else None
    try:
        if be is not None:
            _check_generates(be, "--judge")
            check_judge_price(be)
        spec = FreeTextSpec(
            samples=s.samples,
            max_tokens=max_tokens,
            judge=be.name if be else None,
            judge_fingerprint=be.fingerprint if be else None,
            judge_reads_annotations=bool(be and be.reads_annotations),
            seed=seed,
        )
        yield Answering(spec, be)
    finally:
        if be is not None:
            be.close()


def check_judge_price(judge: Backend) -> None:
    """With --max-cost, the judge's requests count at its own price: a judge without one is refused.

    Raises:
        InputError: --max-cost and a judge model without a price.
    """
    scale = current_scale()
    if scale.max_cost is not None and not scale.dry_run and judge.price is None:
        raise InputError(
            f"--max-cost: no price for the judge {judge.name} in the price table: add it with --prices FILE "
            "(or $VALUELENS_PRICES)"
        )


def free_text_args(
    answer: str, max_tokens: int, judge: str | None, judge_base_url: str | None, base_url: Any, timeout: float | None
) -> dict[str, Any]:
    """The `run` arguments a study of several runs passes on for free-text answers (the model's server
    and timeout too, which the judge shares when it has the model's provider)."""
    free = {"answer": answer, "max_tokens": max_tokens, "judge": judge, "judge_base_url": judge_base_url}
    return free | {"base_url": base_url, "timeout": timeout}


R = TypeVar("R", bound=AnsweredRun)


def ask_both(
    study: Callable[..., R], args: dict[str, Any], agreement: Callable[[Store, RunRecord], Any], kind: str
) -> R:
    """`answer="both"`: the free-text study, then the log-probability one on the same prompts; the
    free-text result carries their agreement (read by `agreement` once both are stored). A dry run
    plans both halves (and the judge) as the parts of one run of `kind`."""
    plans = PlanCollector(kind)
    with plans.run("", "free text"):
        free = study(**{**args, "answer": "free"})  # first: a model that cannot generate stops before any call
    with plans.run("", "log-probabilities"):
        study(**{**args, "answer": "logprobs", "samples": None})
    plans.done()
    with Store(free.store_path) as st:
        free.answer_agreement = agreement(st, free.record)
    return free


def read_free_answers(
    store: Store, spec: dict[str, Any], answers: dict[str, Any], labels: tuple[str, ...] = LABELS
) -> FreeReading | None:
    """For a free-text run (its spec has "free_text"): every answer read by rule or judge among the
    item's `labels` (a dilemma's A and B, a survey's scale digits); else None."""
    if "free_text" not in spec:
        return None
    return read_free(store, FreeTextSpec.from_dict(spec["free_text"]), answers, labels)


_ANSWER_KEYS = ("samples", "free_text")
"""Spec keys in which a free-text run and its log-probability companion differ."""


def answer_reading(
    free_text: dict[str, Any] | None, spec: dict[str, Any], agreement: dict[str, Any] | None
) -> dict[str, Any]:
    """The summary keys of a free-text run: "answer", "free_text" (routes, unread reasons, judge-rule
    agreement, the judge's name) and, with a log-probability companion, "answer_agreement"; {} otherwise."""
    if free_text is None:
        return {}
    out: dict[str, Any] = {"answer": "free", "free_text": free_text | {"judge": spec["free_text"].get("judge")}}
    return out | ({"answer_agreement": agreement} if agreement is not None else {})


def logprobs_companion(store: Store, record: RunRecord) -> RunRecord | None:
    """The newest log-probability run of the same prompts as free-text run `record` (same kind, model
    fingerprint, items and condition: its spec differs only in samples and free-text settings), or None."""
    if "free_text" not in record.spec:
        return None
    found = (r for r in store.list_runs() if r.kind == record.kind and "free_text" not in r.spec)
    return next((r for r in found if _asked(r.spec) == _asked(record.spec)), None)


def _asked(spec: dict[str, Any]) -> dict[str, Any]:
    """What a run asked, without how answers were drawn."""
    return {k: v for k, v in spec.items() if k not in _ANSWER_KEYS}


def agreement_with_logprobs(
    store: Store,
    record: RunRecord,
    reading: FreeReading,
    scores: Callable[[int], list[float]],
    midpoint: float,
    unit: str,
    labels: tuple[str, ...] = LABELS,
) -> dict[str, Any] | None:
    """How the free-text answers of `record` agree with its log-probability companion run (see
    `analysis.answer_agreement`), over the original wordings; None without a companion.

    Args:
        reading: the free-text run's answers as read (`read_free_answers`).
        scores: order -> what each label means on the item's scale (P(A): 1 for A's label, else 0).
        midpoint, unit: as in `analysis.answer_agreement`.
    """
    other = logprobs_companion(store, record)
    if other is None:
        return None
    theirs = {(i, v, o): k for i, v, o, k in store.run_items(other.run_id) if v == 0}
    given = store.get_ok(theirs.values())
    item, dist, counts, score = [], [], [], []
    for i, v, o, key in store.run_items(record.run_id):
        free, lp = reading.answers.get(key), given.get(theirs.get((i, v, o), ""))
        probs = label_distribution(lp, labels) if lp is not None else None
        if v != 0 or free is None or probs is None:
            continue
        item.append(i)
        dist.append(probs)
        counts.append([free["counts"].get(lab, 0) for lab in labels])
        score.append(scores(o))
    found = answer_agreement(
        np.array(item), np.array(dist).reshape(-1, len(labels)), np.array(counts).reshape(-1, len(labels)),
        np.array(score).reshape(-1, len(labels)), midpoint, seed=int(record.spec.get("seed", 0)), unit=unit,
    )  # fmt: skip
    return found.to_dict() | {"unit": unit, "logprobs_run": other.run_id}

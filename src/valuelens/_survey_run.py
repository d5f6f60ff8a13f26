"""Stated values: ask the bundled survey in both scale directions, score it as the PVQ does, and
set the stated priorities against the ones the model's dilemma choices reveal (the say-do gap)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from valuelens import __version__
from valuelens._api import Run
from valuelens._api import _assemble as assemble_dilemmas
from valuelens._engine import SAMPLES_PER_ORDER, ExecStats, ProgressFn, execute, label_distribution, prompt_key
from valuelens._shard import Shard, in_shard, parse_shard
from valuelens.analysis import SurveyScores, fit_value_utilities, say_do_gap, score_survey
from valuelens.backends import DEFAULT_MODEL, Backend, get_backend
from valuelens.errors import InputError
from valuelens.lexicon import load_lexicon
from valuelens.prompts import ANCHORS, SCALE_LABELS, agreement, survey_jobs
from valuelens.store import RunRecord, Store
from valuelens.suites import SurveyItem, load_survey

N_BOOT = 1000
SCALE_RULE = (
    "each item asked twice: 1 = strongly disagree ... 6 = strongly agree, and reversed "
    "(1 = strongly agree ... 6 = strongly disagree); both mapped to the agree-high scale and averaged"
)


@dataclass
class SurveyRun:
    """A stored survey run: the items, the expected agreement per item and scale direction.

    Attributes:
        record: the run's row in the store (kind "survey").
        items: the survey items as asked.
        ratings: (n_items, 2) expected agreement (1 = strongly disagree ... 6 = strongly agree)
            per item, read in scale order 0 and order 1; NaN where that prompt has no answer.
        failures: prompt key -> reason, for prompts without an answer.
        against: the dilemma run the say-do gap compares with, or None.
        against_note: why there is no such run, when there is none.
    """

    record: RunRecord
    items: list[SurveyItem]
    ratings: np.ndarray
    failures: dict[str, str]
    store_path: Path
    against: Run | None = None
    against_note: str = ""
    invocation: ExecStats | None = None
    seconds: float = 0.0

    @property
    def run_id(self) -> str:
        return self.record.run_id

    @property
    def seed(self) -> int:
        return int(self.record.spec.get("seed", 0))

    def item_ratings(self) -> np.ndarray:
        """(n_items,) agreement averaged over the scale directions that have an answer (NaN: none)."""
        r = self.ratings
        counts = np.sum(~np.isnan(r), axis=1)
        return np.where(counts > 0, np.nansum(r, axis=1) / np.maximum(counts, 1), np.nan)

    def scores(self, n_boot: int = N_BOOT) -> SurveyScores | None:
        """PVQ-centred score per Schwartz value over the answered items (None when none is answered)."""
        r = self.item_ratings()
        keep = ~np.isnan(r)
        if not keep.any():
            return None
        values = [it.value for it, k in zip(self.items, keep, strict=True) if k]
        return score_survey(values, r[keep], n_boot=n_boot, seed=self.seed)

    def say_do(self, n_boot: int = N_BOOT) -> dict[str, Any]:
        """Spearman between survey scores and the Schwartz utilities of `against`, or why it is not available."""
        scores = self.scores(n_boot)
        if self.against is None or scores is None:
            return {"available": False, "reason": self.against_note or "no survey item has an answer"}
        run = self.against
        try:
            fit = fit_value_utilities(
                run.table.originals(), membership=load_lexicon().membership("schwartz"), seed=run.seed
            )
            gap = say_do_gap(scores.as_mapping(), fit.as_mapping(), n_boot=n_boot, seed=self.seed)
        except ValueError as exc:
            return {"available": False, "reason": f"dilemma run {run.run_id}: {exc}"}
        stated, revealed = scores.as_mapping(), fit.as_mapping()
        return gap.to_dict() | {
            "available": True,
            "value": gap.spearman,
            "against": {"run_id": run.run_id, "model": run.record.model, "suite": run.record.suite},
            "values": [{"value": v, "survey": stated[v], "utility": revealed[v]} for v in gap.names],
        }

    def summary(self, n_boot: int = N_BOOT) -> dict[str, Any]:
        """The survey as one JSON-ready object (what `valuelens survey --json` prints)."""
        inv = self.invocation or ExecStats()
        scores = self.scores(n_boot)
        entries = scores.to_dict()["scores"] if scores is not None else []
        values = [
            {"value": e["name"], "score": e["score"], "ci_low": e["ci_low"], "ci_high": e["ci_high"]}
            | {"n": e["n_items"], "rank": i}
            for i, e in enumerate(entries, start=1)
        ]
        both = ~np.isnan(self.ratings).any(axis=1)
        stats = self.record.stats if self.invocation is None else {}
        return {
            "run_id": self.run_id,
            "kind": "survey",
            "model": self.record.model,
            "items": len(self.items),
            "items_answered": int(np.sum(~np.isnan(self.item_ratings()))),
            "items_both_orders": int(both.sum()),
            "prompts": 2 * len(self.items),
            "model_calls": stats.get("model_calls", inv.model_calls),
            "cached_calls": stats.get("cached_calls", inv.cached_calls),
            "tokens_prompt": stats.get("tokens_prompt", inv.tokens_prompt),
            "seconds": round(stats.get("seconds", self.seconds), 3),
            "failed": len(self.failures),
            "scale": {"labels": list(SCALE_LABELS), "anchors": list(ANCHORS), "rule": SCALE_RULE},
            "method": scores.method if scores is not None else None,
            "values": values,
            "mean_rating": self._estimate(self.item_ratings(), n_boot),
            "label_bias": self._estimate((self.ratings[both, 0] - self.ratings[both, 1]) / 2, n_boot),
            "say_do_gap": self.say_do(n_boot),
            "store": str(self.store_path),
            "seed": self.seed,
            "valuelens_version": __version__,
        }

    def _estimate(self, x: np.ndarray, n_boot: int) -> dict[str, Any]:
        """Mean with a percentile bootstrap interval over items (None bounds when n < 2)."""
        x = x[~np.isnan(x)]
        if len(x) < 2:
            return {"value": float(x.mean()) if len(x) else None, "ci_low": None, "ci_high": None, "n": len(x)}
        boot = x[np.random.default_rng(self.seed).integers(0, len(x), (n_boot, len(x)))].mean(axis=1)
        lo, hi = np.percentile(boot, [2.5, 97.5])
        return {"value": float(x.mean()), "ci_low": float(lo), "ci_high": float(hi), "n": len(x)}


def _rating(answer: dict[str, Any] | None, order: int) -> float:
    """Expected agreement (1-6) of one stored answer: the mean label under its distribution, mapped back."""
    dist = label_distribution(answer, SCALE_LABELS) if answer is not None else None
    if dist is None:
        return math.nan
    expected = sum(p * agreement(int(lab), order) for p, lab in zip(dist, SCALE_LABELS, strict=True))
    return float(expected)


def _assemble(store: Store, record: RunRecord) -> SurveyRun:
    rows = store.run_items(record.run_id)
    items = [SurveyItem.model_validate(p) for p in store.run_payloads(record.run_id).values()]
    answers = store.get_ok(k for *_, k in rows)
    failures = {k: r for k, r in store.failures(k for *_, k in rows).items() if k not in answers}
    where = {it.id: i for i, it in enumerate(items)}
    ratings = np.full((len(items), 2), np.nan)
    for item_id, _, order, key in rows:
        ratings[where[item_id], order] = _rating(answers.get(key), order)
    return SurveyRun(record, items, ratings, failures, store.path)


def _no_condition(record: RunRecord) -> bool:
    return not any((record.spec.get("condition") or {}).values())


def _covers_schwartz(store: Store, run_id: str) -> bool:
    """Whether the run's dilemmas carry all ten Schwartz values (a steering subset usually does not)."""
    membership = load_lexicon().membership("schwartz")
    carried = {
        dim
        for payload in store.run_payloads(run_id).values()
        for side in ("action_a", "action_b")
        for v in payload[side]["values"]
        for dim in membership.get(v, ())
    }
    return len(carried) == len(load_lexicon().theory_dimensions("schwartz"))


def find_dilemma_run(store: Store, fingerprint: str, against: str | None, model: str) -> tuple[Run | None, str]:
    """The dilemma run to set a survey against: `against`, else the most recent complete dilemma run
    of the same backend fingerprint without a condition whose dilemmas carry all ten Schwartz
    values; (None, why) when there is none.

    Raises:
        InputError: `against` names no run, or a run that is not a dilemma run.
    """
    if against is not None:
        record = store.get_run(against)
        if record is None:
            raise InputError(f"--against: run '{against}' not found in {store.path} (valuelens runs lists them)")
        if record.kind != "dilemmas":
            raise InputError(
                f"--against: run {record.run_id} is a {record.kind} run; the say-do gap needs a dilemma run"
            )
    else:
        found = [
            r
            for r in store.list_runs()
            if r.kind == "dilemmas" and r.fingerprint == fingerprint and r.status == "complete" and _no_condition(r)
        ]
        found = [r for r in found if _covers_schwartz(store, r.run_id)][:1]
        if not found:
            return None, (
                f"no complete dilemma run of {model} without a condition covering the ten Schwartz values in "
                f"{store.path}; "
                f"run `valuelens run --model {model}` first, or pass --against RUN_ID"
            )
        record = found[0]
    return assemble_dilemmas(store, record), ""


def survey(
    model: str = DEFAULT_MODEL,
    *,
    against: str | None = None,
    items: Sequence[SurveyItem] | None = None,
    seed: int = 0,
    samples: int = SAMPLES_PER_ORDER,
    store: str | Path | None = None,
    progress: ProgressFn | None = None,
    backend: Backend | None = None,
    base_url: str | list[str] | None = None,
    timeout: float | None = None,
    max_concurrency: int | None = None,
    shard: str | Shard | None = None,
) -> SurveyRun:
    """Ask the survey items in both scale directions and return the stored survey run.

    Each answer is the expected rating under the label probabilities renormalised over "1".."6"
    (or the share of K parsed samples); see `valuelens.prompts._survey` for the both-orders rule.
    Answers are committed as they arrive, so an interrupted survey resumes and a rerun costs no call.

    Args:
        model: provider/model name.
        against: id (or prefix) of the dilemma run for the say-do gap; default: the most recent
            complete dilemma run in the store with the same backend fingerprint and no condition.
        items: survey items (default: the bundled 40, four per Schwartz value).
        seed: seeds the bootstrap intervals; part of the run's identity, as in `run`.
        samples: answers drawn per prompt when the backend gives no log-probabilities.
        store, progress, backend, base_url, timeout, max_concurrency, shard: as in `valuelens.run`.

    Raises:
        InputError: bad arguments, or `against` names no dilemma run.
        BackendError: the model cannot be created.
    """
    started = time.perf_counter()
    the_shard = parse_shard(shard)
    the_items = list(items if items is not None else load_survey())
    if not the_items:
        raise InputError("survey: no items to ask")
    if max_concurrency is not None and max_concurrency < 1:
        raise InputError(f"--max-concurrency: must be at least 1, got {max_concurrency}")
    urls = [base_url] if isinstance(base_url, str) else list(base_url or [])
    be = backend or get_backend(model, base_urls=urls, timeout=timeout, max_concurrency=max_concurrency)
    try:
        keyed = [(j, prompt_key(be, j.prompt, samples)) for j in survey_jobs(the_items)]
        blob = json.dumps([it.model_dump(mode="json") for it in the_items], sort_keys=True)
        spec = {
            "kind": "survey",
            "fingerprint": be.fingerprint,
            "items_hash": hashlib.sha256(blob.encode()).hexdigest()[:16],
            "samples": samples,
            "seed": seed,
        }
        run_id = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]
        with Store(store) as st:
            dilemma_run, note = find_dilemma_run(st, be.fingerprint, against, be.name)
            st.begin_run(
                run_id,
                "survey",
                be.name,
                be.fingerprint,
                "survey",
                spec,
                [(j.item_id, j.variant, j.order, k) for j, k in keyed],
                {it.id: it.model_dump(mode="json") for it in the_items},
            )
            concurrency = max_concurrency if backend is not None else None
            asked = in_shard(keyed, "item_id", the_shard)  # --shard I/N: this machine's share only
            stats = asyncio.run(execute(be, st, {k: j.prompt for j, k in asked}, samples, progress, concurrency))
            record = st.get_run(run_id)
            assert record is not None
            result = _assemble(st, record)
            result.invocation, result.seconds = stats, time.perf_counter() - started
            result.against, result.against_note = dilemma_run, note
            st.finish_run(
                run_id,
                "complete" if not result.failures and the_shard is None else "incomplete",
                stats.run_stats(result.seconds, len(result.failures), stats.cost_usd(be)),
            )
            return result
    finally:
        if backend is None:
            be.close()


def load_survey_run(run_id: str, store: str | Path | None = None, against: str | None = None) -> SurveyRun:
    """A stored survey run by id (or unique prefix), set against `against` or the default dilemma run.

    Raises:
        InputError: no such survey run.
    """
    with Store(store) as st:
        record = st.get_run(run_id)
        if record is None or record.kind != "survey":
            raise InputError(f"{st.path}: survey run '{run_id}' not found (valuelens runs lists them)")
        result = _assemble(st, record)
        result.against, result.against_note = find_dilemma_run(st, record.fingerprint, against, record.model)
        return result

"""A stored survey run: stated values per Schwartz value, scale effects, and the say-do gap against a dilemma run."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from valuelens._version import __version__
from valuelens.analysis import N_BOOT_STUDY, SurveyScores, bootstrap_mean, fit_value_utilities, say_do_gap, score_survey
from valuelens.errors import InputError
from valuelens.lexicon import load_lexicon
from valuelens.prompts import ANCHORS, SCALE_LABELS, agreement
from valuelens.runner import ExecStats, PartCost, cost_fields, label_distribution, stored_cost_fields
from valuelens.store import RunRecord, Store, status_fields
from valuelens.studies._dilemma_store import assemble_dilemmas
from valuelens.studies._free_run import agreement_with_logprobs, answer_reading, read_free_answers
from valuelens.studies._protocol import pick_frames, prompt_format
from valuelens.studies._run import Run
from valuelens.suites import SurveyItem

N_BOOT = N_BOOT_STUDY
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
        model_cost_usd: the model's estimated cost (None without a price); judge: the judge's calls,
            tokens and cost at its own price when a judge read free-text answers.
        answered: prompts with an answer in the store (None when unknown); fewer than `prompts`: incomplete.
        free_text: for free-text answers, the reads per route, unread reasons, judge-rule agreement.
        answer_agreement: agreement of the free-text ratings with a log-probability survey of the same
            items in the store (`answer="both"`), else None.
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
    answered: int | None = None
    free_text: dict[str, Any] | None = None
    answer_agreement: dict[str, Any] | None = None
    model_cost_usd: float | None = None
    judge: PartCost | None = None

    @property
    def run_id(self) -> str:
        return self.record.run_id

    frame_names = ("items", "values")

    @property
    def kind(self) -> str:
        return "survey"

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
            **prompt_format(self.record.fingerprint),
            "items": len(self.items),
            "items_answered": int(np.sum(~np.isnan(self.item_ratings()))),
            "items_both_orders": int(both.sum()),
            "prompts": 2 * len(self.items),
            "model_calls": stats.get("model_calls", inv.model_calls),
            "cached_calls": stats.get("cached_calls", inv.cached_calls),
            "tokens_prompt": stats.get("tokens_prompt", inv.tokens_prompt),
            "tokens_completion": stats.get("tokens_completion", inv.tokens_completion),
            **(
                stored_cost_fields(self.record.model, stats)
                if self.invocation is None
                else cost_fields(self.record.model, self.model_cost_usd, self.judge)
            ),
            "seconds": round(stats.get("seconds", self.seconds), 3),
            "failed": len(self.failures),
            **status_fields(self.answered, 2 * len(self.items)),
            "scale": {"labels": list(SCALE_LABELS), "anchors": list(ANCHORS), "rule": SCALE_RULE},
            "method": scores.method if scores is not None else None,
            "values": values,
            "mean_rating": bootstrap_mean(self.item_ratings(), n_boot, self.seed),
            "label_bias": bootstrap_mean((self.ratings[both, 0] - self.ratings[both, 1]) / 2, n_boot, self.seed),
            "say_do_gap": self.say_do(n_boot),
            "store": str(self.store_path),
            "seed": self.seed,
            "valuelens_version": __version__,
            **answer_reading(self.free_text, self.record.spec, self.answer_agreement),
        }

    def report_data(self, n_boot: int = N_BOOT) -> dict[str, Any]:
        """What the HTML report shows: the summary plus date and settings."""
        spec = self.record.spec
        settings = {k: spec[k] for k in ("samples", "seed") if k in spec}
        return self.summary(n_boot) | {"suite": "survey", "created": self.record.created, "settings": settings}

    def items_df(self) -> Any:
        """One row per item: item_id, value, text, agreement in each scale direction and their mean."""
        import pandas as pd

        return pd.DataFrame(
            {
                "item_id": [it.id for it in self.items],
                "value": [it.value for it in self.items],
                "text": [it.text for it in self.items],
                "rating_order_0": self.ratings[:, 0],
                "rating_order_1": self.ratings[:, 1],
                "rating": self.item_ratings(),
            }
        )

    def values_df(self) -> Any:
        """The stated score per Schwartz value (the summary's `values`) as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.summary()["values"])

    def frames(self, *names: str) -> dict[str, Any]:
        """The run's tables as pandas DataFrames: items (one row per item) and values (stated scores)."""
        return pick_frames(self.kind, {"items": self.items_df, "values": self.values_df}, names)


def _rating(answer: dict[str, Any] | None, order: int) -> float:
    """Expected agreement (1-6) of one stored answer: the mean label under its distribution, mapped back."""
    dist = label_distribution(answer, SCALE_LABELS) if answer is not None else None
    if dist is None:
        return math.nan
    expected = sum(p * agreement(int(lab), order) for p, lab in zip(dist, SCALE_LABELS, strict=True))
    return float(expected)


def assemble_items(store: Store, record: RunRecord) -> SurveyRun:
    """A survey run as stored, without the dilemma run it is set against."""
    rows = store.run_items(record.run_id)
    items = [SurveyItem.model_validate(p) for p in store.run_payloads(record.run_id).values()]
    answers = store.get_ok(k for *_, k in rows)
    failures = {k: r for k, r in store.failures(k for *_, k in rows).items() if k not in answers}
    free = read_free_answers(store, record.spec, answers, SCALE_LABELS)  # free text: read by rule or judge
    answers = free.answers if free else answers
    where = {it.id: i for i, it in enumerate(items)}
    ratings = np.full((len(items), 2), np.nan)
    for item_id, _, order, key in rows:
        ratings[where[item_id], order] = _rating(answers.get(key), order)
    result = SurveyRun(record, items, ratings, failures, store.path)
    result.answered = len(answers)
    if free is not None:
        result.free_text = free.summary()
        result.answer_agreement = agreement_with_logprobs(store, record, free, _scores, 3.5, "items", SCALE_LABELS)
    return result


def _scores(order: int) -> list[float]:
    """The agreement (1-6) each scale label stands for in scale direction `order`."""
    return [float(agreement(int(lab), order)) for lab in SCALE_LABELS]


def assemble_survey(store: Store, record: RunRecord) -> SurveyRun:
    """A survey run as stored, set against its default dilemma run (see `find_dilemma_run`)."""
    result = assemble_items(store, record)
    free = "free_text" in record.spec
    result.against, result.against_note = find_dilemma_run(store, record.fingerprint, None, record.model, free=free)
    return result


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


def find_dilemma_run(
    store: Store, fingerprint: str, against: str | None, model: str, free: bool = False
) -> tuple[Run | None, str]:
    """The dilemma run to set a survey against: `against`, else the most recent complete dilemma run
    of the same backend fingerprint without a condition whose dilemmas carry all ten Schwartz
    values, answered the same way as the survey (`free` text) where there is one; (None, why) when
    there is none.

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
        found.sort(key=lambda r: ("free_text" in r.spec) != free)  # stable: newest first within a mode
        found = [r for r in found if _covers_schwartz(store, r.run_id)][:1]
        if not found:
            return None, (
                f"no complete dilemma run of {model} without a condition covering the ten Schwartz values in "
                f"{store.path}; "
                f"run `valuelens run --model {model}` first, or pass --against RUN_ID"
            )
        record = found[0]
    return assemble_dilemmas(store, record), ""

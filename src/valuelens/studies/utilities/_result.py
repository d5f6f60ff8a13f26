"""A utilities run as stored: soft labels of every asked pair, the Thurstonian fit, coherence, exchange rates."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from valuelens._version import __version__
from valuelens.analysis import (
    ChoiceTable,
    ThurstonianModel,
    cycle_probability,
    decisiveness,
    exchange_rates,
    holdout_metrics,
    position_bias,
    wilson_interval,
)
from valuelens.runner import ExecStats, answer_kinds, usd
from valuelens.store import RunRecord, Store, status_fields
from valuelens.studies._protocol import pick_frames, prompt_format
from valuelens.studies.utilities._labels import HELDOUT, TRAINING, PairLabels, pair_labels
from valuelens.suites import Outcome

LEVEL = 0.95
N_TRIADS = 10_000
FULL_COV_OUTCOMES = 1500
"""Up to this many outcomes exchange-rate intervals use the full Laplace covariance (below a second)."""
"""Random triads over which the fitted model's cycle probability is averaged."""


def _num(x: Any) -> Any:
    """A JSON-safe number: NaN and infinities become None (recursively through dicts and lists)."""
    if isinstance(x, dict):
        return {k: _num(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_num(v) for v in x]
    if isinstance(x, float | np.floating):
        return float(x) if math.isfinite(x) else None
    return x


@dataclass
class UtilitiesRun:
    """A utilities run: outcomes, what the model answered per pair, and the utilities fitted to it.

    Attributes:
        record: the run's row in the store (id, model, spec, stats).
        outcomes: the outcomes in the run's order (indices of `labels.pairs` point into it).
        labels: soft labels of every asked pair, training and held-out.
        model: Thurstonian fit to the answered training pairs (None when there is none).
        failures: prompt key -> reason, for prompts without an answer.
        kinds: counts of special answers (bounded log-probabilities, refusals, unparsed samples).
        invocation: calls and tokens of the invocation that produced this object (None when loaded).
        progress: (answered, asked) prompts in the store; fewer answered makes the run `incomplete`.
    """

    record: RunRecord
    outcomes: list[Outcome]
    labels: PairLabels
    model: ThurstonianModel | None
    failures: dict[str, str]
    store_path: Path
    kinds: dict[str, int] = field(default_factory=dict)
    invocation: ExecStats | None = None
    seconds: float = 0.0
    cost_usd: float | None = None
    prices_date: str | None = None
    unanswered: int = 0
    progress: tuple[int, int] | None = None

    @property
    def run_id(self) -> str:
        return self.record.run_id

    frame_names = ("choices", "values")

    @property
    def kind(self) -> str:
        return "utilities"

    @property
    def seed(self) -> int:
        return int(self.record.spec.get("seed", 0))

    def _part(self, variant: int) -> PairLabels:
        return self.labels.select((self.labels.variants == variant) & self.labels.answered)

    def utilities(self) -> list[dict[str, Any]]:
        """One row per outcome, best first: outcome, id, category, series, quantity, mean, variance,
        ci_low, ci_high (95% Laplace interval), n (answered training comparisons), rank."""
        train = self._part(TRAINING)
        n_cmp = np.bincount(train.pairs.ravel(), minlength=len(self.outcomes))
        if self.model is None:
            mean = var = lo = hi = np.full(len(self.outcomes), math.nan)
        else:
            mean, var = self.model.means_, self.model.variances_
            lo, hi = self.model.utility_ci_(LEVEL).T
        rows = [
            {
                "outcome": o.text,
                "id": o.id,
                "category": o.category,
                "series": o.series,
                "quantity": o.quantity,
                "mean": float(mean[i]),
                "variance": float(var[i]),
                "ci_low": float(lo[i]),
                "ci_high": float(hi[i]),
                "n": int(n_cmp[i]),
            }
            for i, o in enumerate(self.outcomes)
        ]
        rows.sort(key=lambda r: -r["mean"] if math.isfinite(r["mean"]) else math.inf)
        return [_num(r | {"rank": k}) for k, r in enumerate(rows, start=1)]

    def coherence(self) -> dict[str, Any]:
        """Held-out accuracy (Wilson interval) and log loss, cycle probability over random triads of the
        fitted model, decisiveness of the held-out (uniformly random) pairs, and their counts."""
        held = self._part(HELDOUT)
        names = ("accuracy", "accuracy_ci_low", "accuracy_ci_high", "log_loss")
        out: dict[str, Any] = {"holdout_pairs": len(held)} | {f"holdout_{k}": None for k in names}
        if self.model is None:
            return out | {"cycle_probability": None, "decisiveness": _num(decisiveness(held.p))}
        m = holdout_metrics(self.model, held.pairs, held.p) if len(held) else {}
        acc, n_dec = m.get("holdout_accuracy", math.nan), m.get("n_decided", 0.0)
        lo, hi = wilson_interval(acc * n_dec, n_dec) if len(held) else (math.nan, math.nan)
        out |= {
            "holdout_accuracy": acc,
            "holdout_accuracy_ci_low": lo,
            "holdout_accuracy_ci_high": hi,
            "holdout_log_loss": m.get("holdout_log_loss", math.nan),
            "cycle_probability": cycle_probability(self.model, N_TRIADS, seed=self.seed),
            "decisiveness": decisiveness(held.p),
        }
        return _num(out)

    def exchange_rates(self) -> dict[str, Any]:
        """U = a + b ln N per quantity series of the outcomes, and the exchange rates between series
        (`valuelens.analysis.exchange_rates`); empty when there is no series or no fit."""
        series: dict[str, list[tuple[int, float]]] = {}
        for i, o in enumerate(self.outcomes):
            if o.series and o.quantity is not None and o.quantity > 0:
                series.setdefault(o.series, []).append((i, float(o.quantity)))
        series = {k: v for k, v in series.items() if len({q for _, q in v}) >= 2}
        if self.model is None or not series:
            return {}
        if len(self.outcomes) <= FULL_COV_OUTCOMES:
            cov = self.model.utility_cov_()
        else:  # the dense inverse would take seconds: each outcome's own variance
            cov = np.diag(self.model.utility_se_(method="diagonal") ** 2)
        rates = exchange_rates(self.model.utilities_, series, cov=cov, seed=self.seed)
        return {
            "fits": {k: _num(v) for k, v in rates["fits"].items()},
            "rates": {k: _num(v) for k, v in rates["rates"].items()},
            "rates_ci": {k: _num(v) for k, v in rates["rates_ci"].items()},
            "level": rates["level"],
            "reference": rates["reference"],
        }

    def position_bias(self) -> dict[str, Any]:
        """Mean P(first-listed outcome) - 0.5 over pairs answered in both orders, bootstrap interval."""
        lab = self.labels
        table = ChoiceTable(
            item_ids=lab.item_ids,
            variants=np.zeros(len(lab), dtype=int),
            values_a=[()] * len(lab),
            values_b=[()] * len(lab),
            p_a_first=lab.p_order[:, 0],
            p_a_second=lab.p_order[:, 1],
        )
        return _num(position_bias(table, seed=self.seed).to_dict())

    def summary(self) -> dict[str, Any]:
        """The run as one JSON-ready object (what `valuelens utilities --json` prints)."""
        inv = self.invocation or ExecStats()
        spec, lab = self.record.spec, self.labels
        train = (lab.variants == TRAINING) & lab.answered
        out = {
            "run_id": self.run_id,
            "kind": "utilities",
            "model": self.record.model,
            **prompt_format(self.record.fingerprint),
            "suite": self.record.suite,
            "condition": {"system_prompt": spec.get("system_prompt")},
            "status": self.record.status,
            **(status_fields(*self.progress) if self.progress is not None else {}),
            "items": len(self.outcomes),
            "prompts": 2 * len(lab),
            "model_calls": inv.model_calls,
            "cached_calls": inv.cached_calls,
            "tokens_prompt": inv.tokens_prompt,
            "tokens_evaluated": inv.tokens_evaluated,
            "tokens_completion": inv.tokens_completion,
            "cost_usd": usd(self.cost_usd),
            "prices_date": self.prices_date,
            "seconds": round(self.seconds, 3),
            "budget": spec.get("budget"),
            "comparisons": int(train.sum()),
            "heldout": int(((lab.variants == HELDOUT) & lab.answered).sum()),
            "pairs_dropped": int((~lab.answered).sum()),
            "pairs_one_order": int((lab.answered & ~lab.both_orders).sum()),
            "failed": len(self.failures) + self.unanswered,
            **{k: self.kinds.get(k, 0) for k in ("bounded", "refused", "refused_samples", "unparsed_samples")},
            "position_bias": self.position_bias(),
            "outcomes": self.utilities(),
            "coherence": self.coherence(),
            "exchange_rates": self.exchange_rates(),
            "fit": {"converged": bool(self.model.converged_), "iterations": self.model.n_iter_} if self.model else {},
            "store": str(self.store_path),
            "seed": self.seed,
            "valuelens_version": __version__,
        }
        if self.invocation is None:  # loaded: what the run took, summed over its invocations
            keys = ("model_calls", "cached_calls", "tokens_prompt", "tokens_evaluated", "seconds")
            out |= {k: self.record.stats[k] for k in keys if k in self.record.stats}
        return out

    def report_data(self) -> dict[str, Any]:
        """What the HTML report shows: the summary plus date and settings."""
        data = self.summary()
        data["created"] = self.record.created
        spec = self.record.spec
        data["settings"] = {k: spec[k] for k in ("budget", "holdout", "samples", "limit", "seed") if k in spec}
        return data

    def values_df(self) -> Any:
        """The outcome utilities (the summary's `outcomes` rows) as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.utilities())

    def choices_df(self) -> Any:
        """One row per asked pair: item_id, heldout, both outcomes, P(first) in each order and averaged, votes."""
        import pandas as pd

        lab = self.labels
        return pd.DataFrame(
            {
                "item_id": lab.item_ids,
                "heldout": lab.variants == HELDOUT,
                "first": [self.outcomes[i].text for i in lab.pairs[:, 0]],
                "second": [self.outcomes[j].text for j in lab.pairs[:, 1]],
                "p_first_listed_first": lab.p_order[:, 0],
                "p_first_listed_second": lab.p_order[:, 1],
                "p_first": lab.p,
                "votes": lab.weights,
            }
        )

    def frames(self, *names: str) -> dict[str, Any]:
        """The run's tables as pandas DataFrames: choices (one row per asked pair) and values (utilities)."""
        return pick_frames(self.kind, {"choices": self.choices_df, "values": self.values_df}, names)


def fit_labels(labels: PairLabels, n_items: int) -> ThurstonianModel | None:
    """Thurstonian MAP fit to the answered training pairs (weights = votes); None when there is none."""
    train = labels.select((labels.variants == TRAINING) & labels.answered)
    if len(train) == 0:
        return None
    return ThurstonianModel().fit(train.pairs, train.p, n_items, train.weights)


def assemble(store: Store, record: RunRecord) -> UtilitiesRun:
    """A utilities run from the store: every stored item and answer, fitted afresh."""
    outcomes = [Outcome.model_validate(p) for p in store.run_payloads(record.run_id).values()]
    index = {o.id: i for i, o in enumerate(outcomes)}
    items = store.run_items(record.run_id)
    keys = [k for *_, k in items]
    answers = store.get_ok(keys)
    failures = {k: r for k, r in store.failures(keys).items() if k not in answers}
    labels = pair_labels(items, answers, index)
    # a run that diverged from an earlier attempt may hold a pair both ways: training wins, so nothing leaks
    pair_keys = np.sort(labels.pairs, axis=1) @ np.array([len(outcomes), 1])
    leaked = (labels.variants == HELDOUT) & np.isin(pair_keys, pair_keys[labels.variants == TRAINING])
    labels = labels.select(~leaked) if leaked.any() else labels
    unanswered = sum(1 for k in set(keys) if k not in answers and k not in failures)
    model = fit_labels(labels, len(outcomes))
    kinds = answer_kinds(answers)
    progress = (len(answers), len(set(keys)))  # as `runs` counts: fewer answered than asked is incomplete
    return UtilitiesRun(
        record, outcomes, labels, model, failures, store.path, kinds, unanswered=unanswered, progress=progress
    )

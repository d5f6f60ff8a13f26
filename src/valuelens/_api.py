"""The public Python API: run a suite on a model, load a stored run, analyse it."""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from valuelens import __version__
from valuelens._engine import SAMPLES_PER_ORDER, ExecStats, ProgressFn, execute, p_first, prompt_key
from valuelens.analysis import ChoiceTable
from valuelens.analysis._scores import N_BOOT, Estimate, ValueScore, position_bias, value_scores
from valuelens.backends import DEFAULT_MODEL, Backend, get_backend
from valuelens.errors import InputError
from valuelens.prompts import LABELS, Condition, dilemma_jobs
from valuelens.store import RunRecord, Store
from valuelens.suites import Dilemma, Suite, load_suite


@dataclass
class Run:
    """A run as stored: what was asked, what the model chose, and what this invocation cost.

    Attributes:
        record: the run's row in the store (id, model, suite, spec, stats).
        dilemmas: the dilemmas of the run, as asked.
        table: the choice table (both orders per dilemma and wording).
        failures: prompt key -> reason, for prompts without an answer.
        invocation: calls and tokens of the invocation that produced this object (None when loaded).
    """

    record: RunRecord
    dilemmas: list[Dilemma]
    table: ChoiceTable
    failures: dict[str, str]
    store_path: Path
    invocation: ExecStats | None = None
    seconds: float = 0.0
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def run_id(self) -> str:
        return self.record.run_id

    @property
    def seed(self) -> int:
        return int(self.record.spec.get("seed", 0))

    def position_bias(self, n_boot: int = N_BOOT) -> Estimate:
        """Mean P(first-listed option) - 0.5, with a bootstrap interval over dilemmas."""
        return position_bias(self.table.originals(), n_boot=n_boot, seed=self.seed)

    def value_scores(self, theory: str | None = None, n_boot: int = N_BOOT) -> list[ValueScore]:
        """DailyDilemmas score per value (or per dimension of `theory`), most chosen first."""
        key = f"scores:{theory}:{n_boot}"
        if key not in self._cache:
            membership = None
            if theory is not None:
                from valuelens.lexicon import load_lexicon

                membership = load_lexicon().membership(theory)
            self._cache[key] = value_scores(self.table.originals(), membership, n_boot=n_boot, seed=self.seed)
        return self._cache[key]

    def summary(self, n_boot: int = N_BOOT) -> dict[str, Any]:
        """The run as one JSON-ready object (what `valuelens run --json` prints)."""
        inv = self.invocation or ExecStats()
        pb = self.position_bias(n_boot)
        return {
            "run_id": self.run_id,
            "model": self.record.model,
            "suite": self.record.suite,
            "condition": self.record.spec.get("condition", {}),
            "items": len(self.dilemmas),
            "prompts": len(self.table) * 2,
            "model_calls": inv.model_calls,
            "cached_calls": inv.cached_calls,
            "tokens_prompt": inv.tokens_prompt,
            "tokens_evaluated": inv.tokens_evaluated,
            "seconds": round(self.seconds, 3),
            "failed": len(self.failures),
            "position_bias": {"value": pb.value, "ci_low": pb.ci_low, "ci_high": pb.ci_high, "n": pb.n},
            "values": [s.to_dict() for s in self.value_scores(n_boot=n_boot)],
            "store": str(self.store_path),
            "seed": self.seed,
            "valuelens_version": __version__,
        }


def _run_id(spec: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]


def _table(
    items: list[tuple[str, int, int, str]], answers: dict[str, Any], dilemmas: dict[str, Dilemma]
) -> ChoiceTable:
    rows: dict[tuple[str, int], list[float]] = {}
    for item_id, variant, order, key in items:
        row = rows.setdefault((item_id, variant), [math.nan, math.nan])
        if key in answers:
            pf = p_first(answers[key], LABELS)
            row[order] = pf if order == 0 else 1.0 - pf
    ids = [i for i, _ in rows]
    return ChoiceTable(
        item_ids=ids,
        variants=np.array([v for _, v in rows], dtype=int),
        values_a=[dilemmas[i].action_a.values for i in ids],
        values_b=[dilemmas[i].action_b.values for i in ids],
        p_a_first=np.array([r[0] for r in rows.values()], dtype=float),
        p_a_second=np.array([r[1] for r in rows.values()], dtype=float),
        domains=[dilemmas[i].domain for i in ids],
    )


def _assemble(store: Store, record: RunRecord) -> Run:
    items = store.run_items(record.run_id)
    dilemmas = {i: Dilemma.model_validate(p) for i, p in store.run_payloads(record.run_id).items()}
    keys = [k for *_, k in items]
    answers = store.get_ok(keys)
    failures = {k: r for k, r in store.failures(keys).items() if k not in answers}
    table = _table(items, answers, dilemmas)
    return Run(record, list(dilemmas.values()), table, failures, store.path)


def run(
    model: str = DEFAULT_MODEL,
    suite: str | Suite = "core",
    *,
    limit: int | None = None,
    seed: int = 0,
    system_prompt: str | None = None,
    persona: str | None = None,
    principle: str | None = None,
    paraphrases: bool = False,
    samples: int = SAMPLES_PER_ORDER,
    store: str | Path | None = None,
    progress: ProgressFn | None = None,
    backend: Backend | None = None,
) -> Run:
    """Ask every dilemma of a suite in both option orders and return the stored run.

    Args:
        model: provider/model name, e.g. "llamacpp/gemma-3-270m" or "synthetic/default".
        suite: bundled suite name, path to a JSONL/CSV file, or a loaded Suite.
        limit: only the first `limit` dilemmas.
        seed: seed of every random choice in the analysis (bootstrap); the same seed gives the same output.
        system_prompt, persona, principle: texts that condition the prompt (part of the run's identity).
        paraphrases: also ask every paraphrase of each dilemma (for consistency measures).
        samples: answers to draw per prompt when the backend gives no log-probabilities.
        store: SQLite path (default: $VALUELENS_STORE or ./.valuelens/store.sqlite).
        progress: called with (done, total) prompts as answers arrive.
        backend: an already created backend to use instead of creating one from `model`.

    Raises:
        InputError: bad suite or arguments (raised before any model call or store write).
        BackendError: the model cannot be created.
    """
    started = time.perf_counter()
    the_suite = suite if isinstance(suite, Suite) else load_suite(suite)
    if limit is not None and limit < 1:
        raise InputError(f"--limit: must be at least 1, got {limit}")
    dilemmas = list(the_suite.dilemmas[:limit] if limit else the_suite.dilemmas)
    condition = Condition(system_prompt=system_prompt, persona=persona, principle=principle)
    own_backend = backend is None
    be = backend or get_backend(model)
    try:
        jobs = dilemma_jobs(dilemmas, condition, paraphrases=paraphrases)
        keyed = [(j, prompt_key(be, j.prompt, samples)) for j in jobs]
        spec = {
            "kind": "dilemmas",
            "fingerprint": be.fingerprint,
            "suite_hash": the_suite.content_hash,
            "limit": limit,
            "condition": condition.to_dict(),
            "paraphrases": paraphrases,
            "samples": samples,
            "seed": seed,
        }
        run_id = _run_id(spec)
        with Store(store) as st:
            st.begin_run(
                run_id,
                "dilemmas",
                be.name,
                be.fingerprint,
                the_suite.name,
                spec,
                [(j.item_id, j.variant, j.order, k) for j, k in keyed],
                {d.id: d.model_dump(mode="json") for d in dilemmas},
            )
            stats = asyncio.run(execute(be, st, {k: j.prompt for j, k in keyed}, samples, progress))
            record = st.get_run(run_id)
            assert record is not None
            result = _assemble(st, record)
            result.invocation = stats
            result.seconds = time.perf_counter() - started
            st.finish_run(
                run_id,
                "complete" if not result.failures else "incomplete",
                {
                    "model_calls": stats.model_calls,
                    "cached_calls": stats.cached_calls,
                    "tokens_prompt": stats.tokens_prompt,
                    "tokens_evaluated": stats.tokens_evaluated,
                    "seconds": result.seconds,
                    "failed": len(result.failures),
                },
            )
            return result
    finally:
        if own_backend:
            be.close()


def load_run(run_id: str, store: str | Path | None = None) -> Run:
    """A stored run by id (or unique id prefix).

    Raises:
        InputError: no such run in the store.
    """
    with Store(store) as st:
        record = st.get_run(run_id)
        if record is None:
            raise InputError(f"{st.path}: run '{run_id}' not found (valuelens runs lists them)")
        return _assemble(st, record)
